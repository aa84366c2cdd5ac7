"""SMS backends (the issue item 9): the HTTP gateway against a local server, the file
backend."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from guardians.sms import FileBackend, HttpGatewayBackend, SmsError, SmsMessage


class Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append(
            {"json": json.loads(body), "auth": self.headers.get("Authorization")}
        )
        self.send_response(Recorder.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway():  # type: ignore[no-untyped-def]
    Recorder.received = []
    Recorder.status = 200
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_basic_auth(gateway) -> None:
    backend = HttpGatewayBackend(url=gateway, username="u", password="p", sender="Licheng")
    backend.send(SmsMessage(to="0912345678", body="驗證碼 12345678"))
    [got] = Recorder.received
    assert got["json"] == {"to": "0912345678", "message": "驗證碼 12345678", "from": "Licheng"}
    assert got["auth"] == "Basic " + base64.b64encode(b"u:p").decode()


def test_http_gateway_bearer_token(gateway) -> None:
    HttpGatewayBackend(url=gateway, token="t0k").send(SmsMessage(to="0912345678", body="x"))
    assert Recorder.received[0]["auth"] == "Bearer t0k"


def test_http_gateway_error_status_raises(gateway) -> None:
    Recorder.status = 500
    with pytest.raises(SmsError):
        HttpGatewayBackend(url=gateway).send(SmsMessage(to="0912345678", body="x"))


def test_http_gateway_refuses_other_schemes() -> None:
    with pytest.raises(SmsError):
        HttpGatewayBackend(url="file:///etc/passwd").send(SmsMessage(to="0912345678", body="x"))


def test_file_backend_writes_one_file_per_message(tmp_path) -> None:
    FileBackend(path=str(tmp_path)).send(SmsMessage(to="0912345678", body="驗證碼 1"))
    [written] = list(tmp_path.iterdir())
    assert "0912345678" in written.read_text(encoding="utf-8")
