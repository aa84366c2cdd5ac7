"""URLs for the benchmarks: the whole site plus the bare-Django floor view.

The floor (``/bench/floor/``) is the cheapest page Django can serve through the same server,
settings and middleware stack: no login, no database query, one cached template whose
rendered size matches the page under test (``LICHENG_BENCH_FLOOR_BYTES``, UTF-8 bytes, or
``?bytes=N`` for a benchmark comparing several pages of different sizes).
"""

import os

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

FLOOR_MARKER = "licheng-bench-floor"
FLOOR_BYTES = int(os.environ.get("LICHENG_BENCH_FLOOR_BYTES", "12000"))
# Bytes of floor.html around {{ filler }} (the template is pure ASCII apart from the filler).
_FLOOR_SKELETON_BYTES = 0


def _skeleton_bytes() -> int:
    from django.template.loader import render_to_string

    return len(render_to_string("bench/floor.html", {"filler": ""}).encode())


def _filler(total: int = FLOOR_BYTES) -> str:
    global _FLOOR_SKELETON_BYTES
    if not _FLOOR_SKELETON_BYTES:
        _FLOOR_SKELETON_BYTES = _skeleton_bytes()
    n = max(0, total - _FLOOR_SKELETON_BYTES)
    line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
    return (line * (n // len(line) + 1))[:n]


_FILLERS: dict[int, str] = {}


@login_not_required
def floor(request: HttpRequest) -> HttpResponse:
    """A bare Django view: render one cached template of the benchmarked page's size."""
    raw = request.GET.get("bytes", "")
    total = min(int(raw), 1_000_000) if raw.isdigit() else FLOOR_BYTES
    filler = _FILLERS.get(total)
    if filler is None:
        filler = _FILLERS[total] = _filler(total)
    return render(request, "bench/floor.html", {"filler": filler})


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]
