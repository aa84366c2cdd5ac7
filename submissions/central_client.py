"""The school side's client of the central database's API (RULES.md §5).

The school side never touches the central tables (ARCHITECTURE.md "Two sides"): everything it
knows about the central database comes through this client, over HTTP to
``settings.LICHENG_CENTRAL_URL`` with the Bearer token ``settings.LICHENG_CENTRAL_TOKEN``. In
tests (and anywhere ``settings.LICHENG_CENTRAL_TRANSPORT == "inprocess"``) the same requests go
through ``django.test.Client`` to the central app mounted in this project, so the API, its
authentication and its JSON are exercised exactly as over the network.

Errors:

* ``CentralRefused(code, detail)`` — the central side answered 4xx with a machine-readable
  reason (``{"error": code, "detail": ...}``): the package or request is wrong; retrying the
  same thing cannot help.
* ``CentralUnavailable`` — network error, timeout, connection dropped, 5xx or an unreadable
  answer: nothing is known to have happened; retry later (delivery is idempotent on the
  package id, so a retry after a lost answer is safe).

Shapes (see also ``central/api.py`` and ``docs/package-format.md``):

receipt (收訖明細), from ``deliver`` and ``fetch_receipt``::

    {"package_id": "<uuid>", "status": "accepted", "school_code": "389301",
     "school_year": 113, "semester": 0, "version": 1, "received_at": "<ISO datetime>",
     "students": [{"national_id": "A123456789", "roster": "outcomes", "school_year": 113,
                   "semester": 0, "record_count": 2, "file_count": 1,
                   "sha256s": ["<hex>", ...], "version": 1, "received_at": "<ISO>"}, ...]}

student record, from ``fetch_student_records`` (the current version of each roster)::

    {"school_code": "389301", "national_id": "A123456789", "roster": "outcomes",
     "school_year": 113, "semester": 0, "version": 2, "package_id": "<uuid>",
     "received_at": "<ISO datetime>", "records": [...rows as sent...],
     "files": [{"role", "name", "sha256", "md5", "size", "content_type"}, ...]}
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings

API_PREFIX = "/api/central/v1"


class CentralError(Exception):
    """Base of the client's errors."""


class CentralRefused(CentralError):
    """The central side refused the request with a machine-readable reason (do not retry)."""

    def __init__(self, code: str, detail: str = "", status: int = 400) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.status = status


class CentralUnavailable(CentralError):
    """The central side could not be reached or failed (network, timeout, 5xx): retry later."""


@dataclass
class Response:
    status: int
    body: bytes


class Transport(Protocol):
    """Sends one request to the central API; ``path`` is relative to the API root
    (e.g. ``/packages``). Raises ``CentralUnavailable`` for network failures; returns
    any HTTP answer (including 4xx/5xx) as a ``Response``."""

    def request(
        self,
        method: str,
        path: str,
        *,
        body_path: Path | None = None,
        params: dict[str, str] | None = None,
    ) -> Response: ...


class HttpTransport:
    """urllib over HTTP(S). The package body is streamed from disk with its Content-Length
    (http.client copies a file object in blocks), so memory stays constant."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"LICHENG_CENTRAL_URL must be http(s): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        body_path: Path | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            if body_path is not None:
                headers["Content-Type"] = "application/zip"
                headers["Content-Length"] = str(body_path.stat().st_size)
                with body_path.open("rb") as body:
                    req = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
                        url, data=body, headers=headers, method=method
                    )
                    return self._send(req)
            req = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310
            return self._send(req)
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read())
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise CentralUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _send(self, req: urllib.request.Request) -> Response:
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (scheme checked)
            return Response(resp.status, resp.read())


class InProcessTransport:
    """The same API through ``django.test.Client`` (tests and single-process demos)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        *,
        body_path: Path | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        from django.test import Client
        from django.utils import translation

        client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        url = API_PREFIX + path
        # The nested request activates its own language in this thread: keep the caller's.
        with translation.override(translation.get_language()):
            if method == "GET":
                resp = client.get(url, params or {})
            else:
                data = body_path.read_bytes() if body_path is not None else b""
                if params:
                    url += "?" + urllib.parse.urlencode(params)
                resp = client.generic(method, url, data, content_type="application/zip")
        return Response(resp.status_code, resp.content)


def default_transport(token: str | None = None) -> Transport:
    """The transport ``settings.LICHENG_CENTRAL_TRANSPORT`` selects ("http" or "inprocess")."""
    token = token if token is not None else settings.LICHENG_CENTRAL_TOKEN
    kind = getattr(settings, "LICHENG_CENTRAL_TRANSPORT", "http")
    if kind == "inprocess":
        return InProcessTransport(token)
    return HttpTransport(
        settings.LICHENG_CENTRAL_URL, token, float(settings.LICHENG_CENTRAL_TIMEOUT)
    )


class CentralClient:
    """The central database's API as the school side uses it."""

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport if transport is not None else default_transport()

    def deliver(self, path: Path, package_id: UUID | str) -> dict[str, Any]:
        """Deliver the package ZIP at ``path``; returns the receipt (收訖明細).

        Idempotent on the package id: delivering an accepted package again returns the same
        receipt. Raises ``CentralRefused`` (e.g. ``checksum_mismatch``, ``wrong_school``,
        ``stale_version``) or ``CentralUnavailable``.
        """
        resp = self.transport.request(
            "POST", "/packages", body_path=Path(path), params={"package_id": str(package_id)}
        )
        receipt = self._json(resp)
        if str(receipt.get("package_id")) != str(package_id):
            raise CentralUnavailable("receipt for another package id")
        return receipt

    def fetch_receipt(self, package_id: UUID | str) -> dict[str, Any]:
        """The stored receipt of an accepted package (``CentralRefused("not_found")`` if the
        central side never accepted it; ``CentralRefused(<reason>)`` if it was rejected)."""
        return self._json(self.transport.request("GET", f"/packages/{package_id}"))

    def fetch_student_records(self, school_code: str, national_id: str) -> list[dict[str, Any]]:
        """What the central database now holds for the school's student: the current version
        of each roster, year and semester (shape in the module docstring), ordered by year,
        semester and roster. An unknown student gives ``[]``."""
        resp = self.transport.request(
            "GET", f"/students/{national_id}/records", params={"school_code": school_code}
        )
        data = self._json(resp)
        return list(data.get("records", []))

    @staticmethod
    def _json(resp: Response) -> dict[str, Any]:
        if resp.status >= 500 or resp.status in (408, 429):
            raise CentralUnavailable(f"HTTP {resp.status}")
        try:
            data = json.loads(resp.body.decode("utf-8")) if resp.body else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CentralUnavailable(f"HTTP {resp.status}: unreadable answer") from exc
        if resp.status >= 400:
            if not isinstance(data, dict):
                data = {}
            raise CentralRefused(
                str(data.get("error") or f"http_{resp.status}"),
                str(data.get("detail", "")),
                resp.status,
            )
        if not isinstance(data, dict):
            raise CentralUnavailable("unexpected answer")
        return data
