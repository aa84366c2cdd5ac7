"""Shared pieces of the benchmarks (docs/benchmarks.md): the closed-loop keep-alive HTTP/1.1
load generator, CPU accounting from /proc, and the set-up helpers (throw-away PostgreSQL,
gunicorn, machine description).
"""

import contextlib
import datetime
import json
import math
import multiprocessing as mp
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from array import array
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
FLOOR_PATH = "/bench/floor/"
FLOOR_MARKER = b"licheng-bench-floor"
#: PostgreSQL as in production: never lose a committed transaction.
PG_DURABLE_OPTS = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- the load generator ------------------------------------------------------------------------


class ResponseError(Exception):
    pass


def _read_response(sock: socket.socket, buf: bytearray) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response: (status, body, server wants to close)."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ResponseError("connection closed before the response headers")
        buf += chunk
    head = bytes(buf[:end]).decode("latin-1")
    del buf[: end + 4]
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(buf) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ResponseError("connection closed in the body")
            buf += chunk
        body = bytes(buf[:length])
        del buf[:length]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            while b"\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ResponseError("connection closed in a chunk header")
                buf += chunk
            line_end = buf.find(b"\r\n")
            size = int(bytes(buf[:line_end]).split(b";")[0], 16)
            del buf[: line_end + 2]
            while len(buf) < size + 2:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ResponseError("connection closed in a chunk")
                buf += chunk
            parts.append(bytes(buf[:size]))
            del buf[: size + 2]
            if size == 0:
                break
        body = b"".join(parts)
    else:
        raise ResponseError("response without Content-Length or chunked body")
    return status, body, close


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _connection_loop(
    port: int,
    requests: "list[bytes] | Callable[[int], bytes]",
    marker: bytes | None,
    window: tuple[float, float],
    out: dict,
    expect_status: int = 200,
) -> None:
    """One keep-alive connection in a closed loop until the window ends.

    ``requests`` is a list sent round-robin, or a function building the i-th request (e.g. an
    upload with unique bytes; it is built before the request's clock starts). A response
    counts when its status is ``expect_status`` and, unless ``marker`` is None, its body holds
    the marker.
    """
    start, end = window
    lat = array("d")
    done = array("d")  # completion times (perf_counter) of successful requests in the window
    errors = 0
    reconnects = 0
    samples: list[str] = []
    sizes: set[int] = set()
    sock = _connect(port)
    buf = bytearray()
    i = 0
    while True:
        req = requests(i) if callable(requests) else requests[i % len(requests)]
        i += 1
        t0 = time.perf_counter()
        if t0 >= end:
            break
        ok = False
        close = False
        try:
            sock.sendall(req)
            status, body, close = _read_response(sock, buf)
            ok = status == expect_status and (marker is None or marker in body)
            if not ok and len(samples) < 5:
                has = marker is not None and marker in body
                samples.append(f"status {status}, {len(body)} bytes, marker {has}")
            sizes.add(len(body))
        except (OSError, ResponseError, ValueError) as exc:
            close = True
            if len(samples) < 5:
                samples.append(repr(exc))
        t1 = time.perf_counter()
        if start <= t1 < end:
            if ok:
                lat.append(t1 - t0)
                done.append(t1)
            else:
                errors += 1
        if close:
            reconnects += 1
            sock.close()
            buf = bytearray()
            try:
                sock = _connect(port)
            except OSError as exc:
                if len(samples) < 5:
                    samples.append(f"reconnect: {exc!r}")
                time.sleep(0.01)
    sock.close()
    out.update(
        lat=lat, done=done, errors=errors, reconnects=reconnects, samples=samples, sizes=sizes
    )


def _client_process(
    port: int,
    conn_requests: list,
    marker: bytes | None,
    window: tuple[float, float],
    queue: mp.Queue,
    expect_status: int = 200,
) -> None:
    outs: list[dict] = [{} for _ in conn_requests]
    threads = [
        threading.Thread(
            target=_connection_loop, args=(port, reqs, marker, window, out, expect_status)
        )
        for reqs, out in zip(conn_requests, outs, strict=True)
    ]
    for t in threads:
        t.start()
    start, end = window
    time.sleep(max(0.0, start - time.perf_counter()))
    cpu0 = time.process_time()
    time.sleep(max(0.0, end - time.perf_counter()))
    cpu1 = time.process_time()
    for t in threads:
        t.join()
    lat = array("d")
    done = array("d")
    for out in outs:
        lat.extend(out.get("lat", array("d")))
        done.extend(out.get("done", array("d")))
    queue.put(
        {
            "lat": lat.tobytes(),
            "done": done.tobytes(),
            "errors": sum(o.get("errors", 1) for o in outs),
            "reconnects": sum(o.get("reconnects", 0) for o in outs),
            "samples": [s for o in outs for s in o.get("samples", ["thread died"])][:5],
            "sizes": sorted({s for o in outs for s in o.get("sizes", set())}),
            "cpu": cpu1 - cpu0,
        }
    )


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _children_cpu(parents: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the children of each named parent process
    (the gunicorn workers of the master, the PostgreSQL backends of the postmaster)."""
    totals = dict.fromkeys(parents, 0.0)
    by_pid = {pid: name for name, pid in parents.items()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        name = by_pid.get(int(fields[1]))  # ppid
        if name is not None:
            totals[name] += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    return totals


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[k]


def run_load(
    port: int,
    per_conn_requests: list,
    marker: bytes | None,
    warmup: float,
    duration: float,
    max_procs: int,
    server_parents: dict[str, int],
    expect_status: int = 200,
) -> dict:
    """Closed loop with len(per_conn_requests) connections; figures for the measured window."""
    c = len(per_conn_requests)
    procs_n = min(c, max_procs)
    start = time.perf_counter() + 0.5 + warmup  # 0.5 s to fork and connect
    end = start + duration
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_client_process,
            args=(port, per_conn_requests[p::procs_n], marker, (start, end), queue, expect_status),
        )
        for p in range(procs_n)
    ]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start - time.perf_counter()))
    busy0, total0 = _cpu_jiffies()
    server0 = _children_cpu(server_parents)
    time.sleep(max(0.0, end - time.perf_counter()))
    busy1, total1 = _cpu_jiffies()
    server1 = _children_cpu(server_parents)
    parts = [queue.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join()
    lat = array("d")
    for part in parts:
        lat.frombytes(part["lat"])
    done = array("d")
    for part in parts:
        done.frombytes(part["done"])
    # Completions per whole second of the window: their median is robust to a noisy second.
    bins = [0] * max(1, int(duration))
    for t in done:
        k = int(t - start)
        if 0 <= k < len(bins):
            bins[k] += 1
    values = sorted(lat)
    n = len(values)
    return {
        "rps_median_1s": statistics.median(bins),
        "rps_per_second": bins,
        "connections": c,
        "client_processes": procs_n,
        "requests": n,
        "rps": n / duration,
        "p50_ms": 1000 * _percentile(values, 0.50),
        "p95_ms": 1000 * _percentile(values, 0.95),
        "p99_ms": 1000 * _percentile(values, 0.99),
        "mean_ms": 1000 * statistics.fmean(values) if values else float("nan"),
        "max_ms": 1000 * values[-1] if values else float("nan"),
        "errors": sum(p["errors"] for p in parts),
        "reconnects": sum(p["reconnects"] for p in parts),
        "error_samples": [s for p in parts for s in p["samples"]][:5],
        "body_sizes": sorted({s for p in parts for s in p["sizes"]}),
        "client_cpu_cores": sum(p["cpu"] for p in parts) / duration,
        "machine_cpu_busy": (busy1 - busy0) / max(1, total1 - total0),
        "loadavg_1min": float(Path("/proc/loadavg").read_text().split()[0]),
        # Server CPU per successful request, in ms: robust to other load on a shared machine.
        **{
            f"{name}_cpu_ms_per_req": 1000 * (server1[name] - server0[name]) / max(1, n)
            for name in server_parents
        },
    }


# --- the set-up --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], env: dict[str, str], what: str) -> str:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{what} failed ({proc.returncode})")
    log(f"{what}: {time.perf_counter() - t0:.1f} s")
    return proc.stdout


def _pg_settings(env: dict[str, str]) -> dict[str, str]:
    import psycopg

    names = [
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "shared_buffers",
        "max_connections",
    ]
    with psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        password=env["PGPASSWORD"],
        dbname=env["PGDATABASE"],
    ) as conn:
        return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}  # type: ignore[index]


def _wait_http(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with _connect(port) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                status, _, _ = _read_response(sock, bytearray())
                if status == 200:
                    return
        except (OSError, ResponseError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {path} within {timeout:.0f} s")


def _request(port: int, path: str, cookie: str | None) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "User-Agent: licheng-bench/1",
        "Accept: text/html",
        "Accept-Encoding: identity",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _per_conn(requests: list[bytes], c: int) -> list[list[bytes]]:
    """Connection k sends requests k, k+c, k+2c, ... (mod n): round-robin over all sessions."""
    n = len(requests)
    cycle = n // math.gcd(n, c)
    return [[requests[(k + j * c) % n] for j in range(cycle)] for k in range(c)]


def _machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def gunicorn_command(python: str, port: int, workers: int, threads: int) -> list[str]:
    """The server every page benchmark runs: gunicorn gthread workers with keep-alive (sync
    workers close the connection after each response, which rules out a keep-alive load)."""
    return [
        str(Path(python).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
    ]


def write_results(prefix: str, started: datetime.datetime, result: dict) -> Path:
    """Write a run's figures to ``bench/results/<prefix>-<UTC time>.json`` (gitignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{prefix}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def stop_gunicorn(gunicorn: subprocess.Popen[bytes], log_path: Path) -> None:
    """Stop the benchmark's gunicorn (SIGTERM, then kill after 30 s) and show its last log."""
    gunicorn.send_signal(signal.SIGTERM)
    try:
        gunicorn.wait(timeout=30)
    except subprocess.TimeoutExpired:
        gunicorn.kill()
        gunicorn.wait()
    glog = log_path.read_text(errors="replace").strip() if log_path.exists() else ""
    if glog:
        log("gunicorn log (last lines):\n" + "\n".join(glog.splitlines()[-20:]))
