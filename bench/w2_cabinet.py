"""Benchmark W2 (docs/benchmarks.md, BENCHMARKS.md): the student's cabinet page vs the floor.

    .venv/bin/python -m bench.w2_cabinet [--duration 20] [--warmup 3] [--levels 1,8,32]
                                         [--repeat 3] [--workers 5] [--threads 1]

What it does, all on loopback and in a temporary directory removed at the end:

1. starts a throw-away PostgreSQL 15 cluster (``scripts/pg-cluster.sh``) with production
   durability (fsync, synchronous_commit and full_page_writes on);
2. migrates, collects static files (the manifest storage needs them, as in production) and runs
   ``bench.setup_data``: the demo school, 32 students each logged in once (a database session);
3. starts gunicorn (``config.wsgi``, ``config.settings.bench``: DEBUG off, cached templates,
   persistent connections) with gthread workers, because gunicorn's sync workers close the
   connection after every response and W2 is a keep-alive workload;
4. for every repeat and every concurrency level c runs a closed-loop keep-alive load (c
   connections, no think time, a small raw-socket HTTP/1.1 client in up to ``--client-procs``
   processes) against the bare floor view ``/bench/floor/`` (same size as the cabinet page,
   no login, no query) and against ``GET /cabinet/`` (requests round-robin over the 32
   sessions), alternating which goes first; every response must be 200 with the page's marker;
5. prints a Markdown table of medians over the repeats and writes JSON to ``bench/results/``.

The load generator runs on the same machine as gunicorn and PostgreSQL and takes CPU from
them; its share is measured (``client_cpu_cores``) and reported.
"""

import argparse
import contextlib
import json
import math
import multiprocessing as mp
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
CABINET_PATH = "/cabinet/"
CABINET_MARKER = "我的學習歷程檔案櫃".encode()  # the student's own cabinet, logged in
FLOOR_PATH = "/bench/floor/"
FLOOR_MARKER = b"licheng-bench-floor"
#: Mahara 22.10 on this kind of machine, W2 req/s (BENCHMARKS.md).
PEER_W2 = {1: 22.0, 8: 35.9, 32: 36.9}
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
    requests: list[bytes],
    marker: bytes,
    window: tuple[float, float],
    out: dict,
) -> None:
    """One keep-alive connection in a closed loop until the window ends."""
    start, end = window
    lat = array("d")
    errors = 0
    reconnects = 0
    samples: list[str] = []
    sizes: set[int] = set()
    sock = _connect(port)
    buf = bytearray()
    i = 0
    while True:
        req = requests[i % len(requests)]
        i += 1
        t0 = time.perf_counter()
        if t0 >= end:
            break
        ok = False
        close = False
        try:
            sock.sendall(req)
            status, body, close = _read_response(sock, buf)
            ok = status == 200 and marker in body
            if not ok and len(samples) < 5:
                samples.append(f"status {status}, {len(body)} bytes, marker {marker in body}")
            sizes.add(len(body))
        except (OSError, ResponseError, ValueError) as exc:
            close = True
            if len(samples) < 5:
                samples.append(repr(exc))
        t1 = time.perf_counter()
        if start <= t1 < end:
            if ok:
                lat.append(t1 - t0)
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
    out.update(lat=lat, errors=errors, reconnects=reconnects, samples=samples, sizes=sizes)


def _client_process(
    port: int,
    conn_requests: list[list[bytes]],
    marker: bytes,
    window: tuple[float, float],
    queue: mp.Queue,
) -> None:
    outs: list[dict] = [{} for _ in conn_requests]
    threads = [
        threading.Thread(target=_connection_loop, args=(port, reqs, marker, window, out))
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
    for out in outs:
        lat.extend(out.get("lat", array("d")))
    queue.put(
        {
            "lat": lat.tobytes(),
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
    per_conn_requests: list[list[bytes]],
    marker: bytes,
    warmup: float,
    duration: float,
    max_procs: int,
    server_parents: dict[str, int],
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
            args=(port, per_conn_requests[p::procs_n], marker, (start, end), queue),
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
    values = sorted(lat)
    n = len(values)
    return {
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


def _fmt_table(summary: dict, levels: list[int]) -> str:
    rows = [
        "| c | cabinet req/s | cabinet p50 | cabinet p95 | floor req/s | floor p50 | floor p95 "
        "| cabinet/floor | Mahara W2 | × Mahara |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in levels:
        cab, flo = summary[f"cabinet@{c}"], summary[f"floor@{c}"]
        peer = PEER_W2.get(c)
        rows.append(
            f"| {c} | {cab['rps']:,.0f} | {cab['p50_ms']:.1f} ms | {cab['p95_ms']:.1f} ms "
            f"| {flo['rps']:,.0f} | {flo['p50_ms']:.1f} ms | {flo['p95_ms']:.1f} ms "
            f"| {summary[f'ratio@{c}']:.2f} "
            f"| {peer if peer else '–'} | {f'{cab["rps"] / peer:,.1f}×' if peer else '–'} |"
        )
    return "\n".join(rows)


def _fmt_cpu_table(summary: dict, levels: list[int]) -> str:
    cores = os.cpu_count() or 1
    rows = [
        "| c | cabinet: gunicorn CPU/req | PostgreSQL CPU/req | req/s if the server had all "
        f"{cores} cores | floor: gunicorn CPU/req | PostgreSQL CPU/req | req/s if all {cores} "
        "cores |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in levels:
        cells = []
        for target in ("cabinet", "floor"):
            x = summary[f"{target}@{c}"]
            g, p = x["gunicorn_cpu_ms_per_req"], x["postgres_cpu_ms_per_req"]
            cells.append(f"{g:.2f} ms | {p:.2f} ms | {1000 * cores / (g + p):,.0f}")
        rows.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="W2: the cabinet page vs the bare-Django floor")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per run")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels")
    parser.add_argument("--repeat", type=int, default=3, help="whole sets; medians reported")
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1, help="gthread threads per worker")
    parser.add_argument("--client-procs", type=int, default=4, help="load-generator processes")
    parser.add_argument(
        "--fallback-data",
        action="store_true",
        help="a minimal school instead of manage.py load_demo_school",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    started = datetime.now(UTC)
    tmp = Path(tempfile.mkdtemp(prefix="licheng-w2-"))
    os.chmod(tmp, 0o755)
    pg_dir = tmp / "pg"
    var_dir = tmp / "var"
    var_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "LICHENG_VAR_DIR": str(var_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("LICHENG_DEBUG", None)
    gunicorn: subprocess.Popen | None = None
    cluster_started = False
    try:
        cluster_started = True
        out = _run(
            ["scripts/pg-cluster.sh", "start", str(pg_dir)],
            {**env, "PG_EXTRA_OPTS": PG_DURABLE_OPTS},
            "PostgreSQL cluster start",
        )
        export = next(line for line in out.splitlines() if line.startswith("export "))
        env.update(dict(kv.split("=", 1) for kv in export.split()[1:]))
        pg = _pg_settings(env)
        log(
            f"PostgreSQL {pg['server_version']} fsync={pg['fsync']} "
            f"synchronous_commit={pg['synchronous_commit']}"
        )

        py = sys.executable
        _run([py, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
        _run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
        setup_json = tmp / "setup.json"
        cmd = [
            py,
            "-m",
            "bench.setup_data",
            "--students",
            str(args.students),
            "--out",
            str(setup_json),
        ]
        if args.fallback_data:
            cmd.append("--fallback")
        _run(cmd, env, "data set + sessions")
        setup = json.loads(setup_json.read_text(encoding="utf-8"))
        floor_bytes = setup["cabinet_bytes_median"]
        log(
            f"data: {setup['data_source']}; cabinet page {setup['cabinet_bytes_min']}–"
            f"{setup['cabinet_bytes_max']} bytes, {setup['cabinet_query_count']} SQL queries"
        )

        port = _free_port()
        gunicorn_cmd = [
            str(Path(py).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
        ]
        log("gunicorn: " + " ".join(gunicorn_cmd[1:]))
        gunicorn = subprocess.Popen(
            gunicorn_cmd,
            env={**env, "LICHENG_BENCH_FLOOR_BYTES": str(floor_bytes)},
            cwd=ROOT,
            stdout=open(tmp / "gunicorn.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        _wait_http(port, FLOOR_PATH)
        postmaster = int((pg_dir / "data" / "postmaster.pid").read_text().split()[0])
        server_parents = {"gunicorn": gunicorn.pid, "postgres": postmaster}

        cookie_tail = f"csrftoken={setup['csrftoken']}"
        cabinet_reqs = [
            _request(port, CABINET_PATH, f"sessionid={s}; {cookie_tail}") for s in setup["sessions"]
        ]
        floor_reqs = [_request(port, FLOOR_PATH, None)]
        targets = {
            "floor": (floor_reqs, FLOOR_MARKER),
            "cabinet": (cabinet_reqs, CABINET_MARKER),
        }

        runs = []
        for r in range(args.repeat):
            for c in levels:
                order = (
                    ["floor", "cabinet"] if (r + levels.index(c)) % 2 == 0 else ["cabinet", "floor"]
                )
                for target in order:
                    reqs, marker = targets[target]
                    res = run_load(
                        port,
                        _per_conn(reqs, c),
                        marker,
                        args.warmup,
                        args.duration,
                        args.client_procs,
                        server_parents,
                    )
                    res.update(repeat=r + 1, level=c, target=target)
                    runs.append(res)
                    log(
                        f"repeat {r + 1} c={c:>2} {target:7}: {res['rps']:8.1f} req/s "
                        f"p50 {res['p50_ms']:6.1f} ms p95 {res['p95_ms']:6.1f} ms "
                        f"errors {res['errors']} reconnects {res['reconnects']} "
                        f"client {res['client_cpu_cores']:.2f} cores, machine busy "
                        f"{100 * res['machine_cpu_busy']:.0f}%, load {res['loadavg_1min']:.1f}, "
                        f"server CPU/req gunicorn {res['gunicorn_cpu_ms_per_req']:.2f} ms "
                        f"postgres {res['postgres_cpu_ms_per_req']:.2f} ms, "
                        f"sizes {res['body_sizes']}"
                    )
                    if res["error_samples"]:
                        log(f"  error samples: {res['error_samples']}")

        summary: dict[str, object] = {}
        for c in levels:
            for target in ("floor", "cabinet"):
                sel = [x for x in runs if x["level"] == c and x["target"] == target]
                summary[f"{target}@{c}"] = {
                    k: statistics.median(x[k] for x in sel)
                    for k in (
                        "rps",
                        "p50_ms",
                        "p95_ms",
                        "p99_ms",
                        "client_cpu_cores",
                        "machine_cpu_busy",
                        "gunicorn_cpu_ms_per_req",
                        "postgres_cpu_ms_per_req",
                    )
                } | {
                    "errors": sum(x["errors"] for x in sel),
                    "requests": sum(x["requests"] for x in sel),
                }
            cab = summary[f"cabinet@{c}"]
            flo = summary[f"floor@{c}"]
            summary[f"ratio@{c}"] = cab["rps"] / flo["rps"]  # type: ignore[index]
            per_repeat = [
                a["rps"] / b["rps"]
                for a in runs
                if a["level"] == c and a["target"] == "cabinet"
                for b in runs
                if b["level"] == c and b["target"] == "floor" and b["repeat"] == a["repeat"]
            ]
            summary[f"ratio_per_repeat@{c}"] = per_repeat
            if c in PEER_W2:
                summary[f"x_mahara@{c}"] = cab["rps"] / PEER_W2[c]  # type: ignore[index]

        table = _fmt_table(summary, levels)
        cpu_table = _fmt_cpu_table(summary, levels)
        total_errors = sum(x["errors"] for x in runs)
        print()
        print(table)
        print()
        print(cpu_table)
        print()
        print(
            f"Medians of {args.repeat} repeat(s); {args.warmup:g} s warm-up + "
            f"{args.duration:g} s measured per run; errors: {total_errors}; "
            f"cabinet page {floor_bytes} bytes, {setup['cabinet_query_count']} SQL queries; "
            f"gunicorn {args.workers} gthread workers × {args.threads} thread(s)."
        )

        result = {
            "benchmark": "W2",
            "started": started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "command": " ".join([".venv/bin/python", "-m", "bench.w2_cabinet", *sys.argv[1:]]),
            "args": vars(args),
            "machine": _machine(),
            "postgresql": pg,
            "gunicorn": gunicorn_cmd[1:],
            "data": {k: v for k, v in setup.items() if k not in ("sessions", "csrftoken")},
            "floor_bytes": floor_bytes,
            "summary": summary,
            "runs": runs,
            "errors": total_errors,
            "table": table,
            "cpu_table": cpu_table,
        }
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"w2-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        log(f"wrote {path.relative_to(ROOT)}")
        if total_errors:
            raise SystemExit(f"{total_errors} failed requests")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                gunicorn.wait()
            glog = (tmp / "gunicorn.log").read_text(errors="replace").strip()
            if glog:
                log("gunicorn log (last lines):\n" + "\n".join(glog.splitlines()[-20:]))
        if cluster_started:
            subprocess.run(["scripts/pg-cluster.sh", "stop", str(pg_dir)], cwd=ROOT, check=False)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
