"""Benchmarks W1, W3 and W4 (BENCHMARKS.md, docs/benchmarks.md) and worker memory during uploads.

    .venv/bin/python -m bench.w134_items [--duration 20] [--warmup 3] [--levels 1,8,32]
        [--upload-levels 1,8] [--repeat 1] [--rss-seconds 10] [--no-replica]

One throw-away stack (as ``bench.w2_cabinet``: PostgreSQL 15 with fsync on, gunicorn gthread,
``config.settings.bench``), the data set of ``bench.setup_data`` + ``bench.setup_items`` (32
students × 20 course outcomes with distinct 4 MiB PDFs), then:

* **W1** ``GET /cabinet/outcomes/`` (the student's outcomes page: 20 items with their state
  and file) and **W3** ``GET /cabinet/files/`` (the student's file list: 20 files with size
  and links), each beside the bare floor view padded to that page's size
  (``/bench/floor/?bytes=N``), at c = 1, 8, 32, round-robin over the 32 sessions;
* **W4** ``POST /cabinet/outcomes/new/``: the normal upload form (multipart, CSRF token from
  the form page, a course record of this term, description, ``send=on``) with one unique 4 MiB
  PDF per request, at c = 1 and 8; success is the form's 302 to the new outcome, and the
  number of new outcome rows is checked against it. Floor, same run, same count and
  concurrency: write the same bytes to a file, ``fsync`` it and ``fsync`` its directory;
* **memory**: 9.9 MB PDF uploads at c = 1 and c = 8 while the gunicorn workers' VmRSS is
  sampled every 100 ms from ``/proc`` (baseline, peak, growth per concurrent upload; the bound
  is RELIABILITY.md I2, ≤ 64 MB per concurrent upload).

Throughput is the count in the measured window ÷ its length; ``rps_median_1s`` is the median
of the per-second counts. Prints Markdown tables and writes JSON to ``bench/results/``.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from .common import (
    FLOOR_MARKER,
    FLOOR_PATH,
    PG_DURABLE_OPTS,
    ROOT,
    _free_port,
    _machine,
    _per_conn,
    _pg_settings,
    _request,
    _run,
    _wait_http,
    gunicorn_command,
    log,
    run_load,
    stop_gunicorn,
    write_results,
)
from .pdf import MIB, PaddedPdf

W1_PATH = "/cabinet/outcomes/"
W3_PATH = "/cabinet/files/"
#: Mahara 22.10 on this kind of machine (BENCHMARKS.md).
PEER = {
    "W1": {1: 10.0, 8: 17.3, 32: 19.1},
    "W3": {1: 19.7, 8: 36.3, 32: 33.9},
    "W4": {1: 13.7, 8: 20.9},
    "W4_MBps": {1: 57.0, 8: 88.0},
}
PAGE_AIM, UPLOAD_AIM = 10.0, 1.5


# --- uploads -----------------------------------------------------------------------------------


def _upload_factory(
    port: int,
    sessions: list[tuple[str, str, str]],
    csrf_cookie: str,
    pdf: PaddedPdf,
    run_tag: str,
    conn: int,
):
    """A function building the i-th upload request of one connection: unique bytes each."""
    boundary = f"----licheng-bench-{run_tag}-{conn}"

    def build(i: int) -> bytes:
        session, token, record = sessions[i % len(sessions)]
        tag = f"{run_tag}-{conn}-{i}".encode()
        prefix, pad, suffix = pdf.parts(tag)

        def field(name: str, value: str) -> bytes:
            return (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()

        head = b"".join(
            [
                field("csrfmiddlewaretoken", token),
                field("course_record", record),
                field("description", f"基準測試上傳 {conn}-{i}：期末報告"),
                field("send", "on"),
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
                    f'filename="期末報告-{conn}-{i}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
                ).encode(),
            ]
        )
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + pdf.size + len(tail)
        headers = (
            f"POST /cabinet/outcomes/new/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "User-Agent: licheng-bench/1\r\nAccept: text/html\r\nAccept-Encoding: identity\r\n"
            f"Cookie: sessionid={session}; csrftoken={csrf_cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
        return b"".join([headers, head, prefix, pad, suffix, tail])

    return build


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def floor_copy(count: int, c: int, pdf: PaddedPdf, target: Path, run_tag: str) -> dict:
    """``cp`` with fsync: ``count`` distinct files of the PDF's size, c threads at once."""
    target.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    state = {"next": 0}

    def worker(k: int) -> None:
        while True:
            with lock:
                i = state["next"]
                if i >= count:
                    return
                state["next"] += 1
            data = pdf.build(f"floor-{run_tag}-{i}".encode())
            path = target / f"{run_tag}-{i}.pdf"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            _fsync_dir(target)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    shutil.rmtree(target, ignore_errors=True)
    return {
        "files": count,
        "seconds": elapsed,
        "files_per_s": count / elapsed if elapsed else float("nan"),
        "MBps": count * pdf.size / 1e6 / elapsed if elapsed else float("nan"),
    }


# --- memory ------------------------------------------------------------------------------------


def _children(parent: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == parent:
                pids.append(int(entry.name))
    return sorted(pids)


def _mem(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB; (0, 0) if it is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def worker_memory(master: int) -> dict[int, tuple[int, int]]:
    return {pid: _mem(pid) for pid in _children(master)}


class MemorySampler:
    """Samples the workers' VmRSS every ``interval`` s in a thread; peak per worker and total."""

    def __init__(self, master: int, interval: float = 0.1) -> None:
        self.master, self.interval = master, interval
        self.samples: list[tuple[float, dict[int, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids = _children(self.master)
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), {p: _mem(p)[0] for p in pids}))
            time.sleep(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self, t0: float, t1: float, baseline: dict[int, tuple[int, int]]) -> dict:
        sel = [s for t, s in self.samples if t0 <= t <= t1]
        per_worker_peak = {p: max(s.get(p, 0) for s in sel) for p in baseline}
        totals = [sum(s.values()) for s in sel]
        base_total = sum(v[0] for v in baseline.values())
        growth = {p: per_worker_peak[p] - baseline[p][0] for p in baseline}
        return {
            "samples": len(sel),
            "baseline_total_MB": base_total / 1024,
            "peak_total_MB": max(totals) / 1024 if totals else float("nan"),
            "growth_total_MB": (max(totals) - base_total) / 1024 if totals else float("nan"),
            "baseline_per_worker_MB": {p: v[0] / 1024 for p, v in baseline.items()},
            "peak_per_worker_MB": {p: v / 1024 for p, v in per_worker_peak.items()},
            "max_worker_growth_MB": max(growth.values()) / 1024 if growth else float("nan"),
        }


# --- database ----------------------------------------------------------------------------------


def _count_outcomes(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        password=env["PGPASSWORD"],
        dbname=env["PGDATABASE"],
    ) as conn:
        return conn.execute("SELECT count(*) FROM portfolios_courseoutcome").fetchone()[0]  # type: ignore[index]


def _probe_upload(port: int, build) -> str:
    """One upload outside the measurements; returns '' or what went wrong (form errors)."""
    import re
    import socket

    from .common import _read_response

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(build(0))
        status, body, _ = _read_response(sock, bytearray())
    if status == 302:
        return ""
    text = body.decode("utf-8", "replace")
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
    return f"status {status}: {' | '.join(errors)[:500] or text[:500]}"


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="W1, W3, W4 and worker memory during uploads")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--levels", default="1,8,32", help="page concurrency levels")
    parser.add_argument("--upload-levels", default="1,8")
    parser.add_argument("--repeat", type=int, default=1, help="page runs per level (medians)")
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument("--rss-seconds", type=float, default=10.0)
    parser.add_argument("--rss-levels", default="1,8")
    parser.add_argument("--rss-bytes", type=int, default=9_900_000)
    parser.add_argument("--no-replica", action="store_true", help="no second copy of blobs")
    parser.add_argument("--skip", default="", help="comma list of pages,uploads,rss to skip")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    upload_levels = [int(x) for x in args.upload_levels.split(",")]
    rss_levels = [int(x) for x in args.rss_levels.split(",")]
    skip = set(filter(None, args.skip.split(",")))

    started = datetime.now(UTC)
    tmp = Path(tempfile.mkdtemp(prefix="licheng-w134-", dir=os.environ.get("LICHENG_BENCH_TMP")))
    os.chmod(tmp, 0o755)
    pg_dir, var_dir = tmp / "pg", tmp / "var"
    var_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "LICHENG_VAR_DIR": str(var_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("LICHENG_DEBUG", None)
    env.pop("LICHENG_MEDIA_ROOT", None)
    env.pop("LICHENG_UPLOAD_TEMP_DIR", None)
    env.pop("LICHENG_REPLICA_ROOT", None)
    if not args.no_replica:
        env["LICHENG_REPLICA_ROOT"] = str(tmp / "replica")
    gunicorn: subprocess.Popen | None = None
    result: dict = {
        "benchmark": "W1,W3,W4,RSS",
        "started": started.isoformat(),
        "command": " ".join([".venv/bin/python", "-m", "bench.w134_items", *sys.argv[1:]]),
        "args": vars(args),
        "machine": _machine(),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }
    try:
        out = _run(
            ["scripts/pg-cluster.sh", "start", str(pg_dir)],
            {**env, "PG_EXTRA_OPTS": PG_DURABLE_OPTS},
            "PostgreSQL cluster start",
        )
        export = next(line for line in out.splitlines() if line.startswith("export "))
        env.update(dict(kv.split("=", 1) for kv in export.split()[1:]))
        pg = _pg_settings(env)
        result["postgresql"] = pg
        log(
            f"PostgreSQL {pg['server_version']} fsync={pg['fsync']} "
            f"synchronous_commit={pg['synchronous_commit']}"
        )
        py = sys.executable
        _run([py, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
        _run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
        setup_json, items_json = tmp / "setup.json", tmp / "items.json"
        _run(
            [
                py,
                "-m",
                "bench.setup_data",
                "--students",
                str(args.students),
                "--out",
                str(setup_json),
            ],
            env,
            "data set + sessions",
        )
        _run(
            [
                py,
                "-m",
                "bench.setup_items",
                "--setup",
                str(setup_json),
                "--out",
                str(items_json),
                "--items",
                str(args.items),
            ],
            env,
            "items + 4 MiB blobs",
        )
        setup = json.loads(setup_json.read_text(encoding="utf-8"))
        items = json.loads(items_json.read_text(encoding="utf-8"))
        result["data"] = {
            "students": len(setup["sessions"]),
            "items": {k: v for k, v in items.items() if k not in ("form_tokens",)},
        }
        for path, info in items["pages"].items():
            log(
                f"{path}: {info['bytes_min']}–{info['bytes_max']} bytes, "
                f"{info['query_count']} SQL statements"
            )

        port = _free_port()
        gunicorn_cmd = gunicorn_command(py, port, args.workers, args.threads)
        result["gunicorn"] = gunicorn_cmd[1:]
        log("gunicorn: " + " ".join(gunicorn_cmd[1:]))
        gunicorn = subprocess.Popen(
            gunicorn_cmd,
            env=env,
            cwd=ROOT,
            stdout=open(tmp / "gunicorn.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        _wait_http(port, FLOOR_PATH)
        time.sleep(2)  # every worker up
        postmaster = int((pg_dir / "data" / "postmaster.pid").read_text().split()[0])
        parents = {"gunicorn": gunicorn.pid, "postgres": postmaster}
        memory = {"after_start": worker_memory(gunicorn.pid)}

        cookie_tail = f"csrftoken={setup['csrftoken']}"
        runs: list[dict] = []

        # --- W1, W3 -------------------------------------------------------------------------
        if "pages" not in skip:
            targets = {}
            for name, path in (("W1", W1_PATH), ("W3", W3_PATH)):
                info = items["pages"][path]
                targets[name] = (
                    [
                        _request(port, path, f"sessionid={s}; {cookie_tail}")
                        for s in setup["sessions"]
                    ],
                    info["marker"].encode(),
                )
                targets[f"floor-{name}"] = (
                    [_request(port, f"{FLOOR_PATH}?bytes={info['bytes_median']}", None)],
                    FLOOR_MARKER,
                )
            for r in range(args.repeat):
                for li, c in enumerate(levels):
                    order = ["floor-W1", "W1", "floor-W3", "W3"]
                    if (r + li) % 2:
                        order = ["W1", "floor-W1", "W3", "floor-W3"]
                    for target in order:
                        reqs, marker = targets[target]
                        res = run_load(
                            port,
                            _per_conn(reqs, c),
                            marker,
                            args.warmup,
                            args.duration,
                            args.client_procs,
                            parents,
                        )
                        res.update(repeat=r + 1, level=c, target=target)
                        runs.append(res)
                        log(
                            f"r{r + 1} c={c:>2} {target:9}: {res['rps']:7.1f} req/s "
                            f"(1-s median {res['rps_median_1s']}) p50 {res['p50_ms']:.1f} ms "
                            f"p95 {res['p95_ms']:.1f} ms err {res['errors']} "
                            f"gunicorn {res['gunicorn_cpu_ms_per_req']:.2f} ms/req "
                            f"pg {res['postgres_cpu_ms_per_req']:.2f} ms/req "
                            f"busy {100 * res['machine_cpu_busy']:.0f}% "
                            f"load {res['loadavg_1min']:.1f} sizes {res['body_sizes']}"
                        )
                        if res["error_samples"]:
                            log(f"  error samples: {res['error_samples']}")
            memory["after_pages"] = worker_memory(gunicorn.pid)

        # --- W4 -----------------------------------------------------------------------------
        sessions = list(
            zip(setup["sessions"], items["form_tokens"], items["upload_records"], strict=True)
        )
        pdf = PaddedPdf(4 * MIB)
        upload_runs: list[dict] = []
        if "uploads" not in skip:
            problem = _probe_upload(
                port, _upload_factory(port, sessions, setup["csrftoken"], pdf, "probe", 0)
            )
            if problem:
                raise SystemExit(f"the probe upload failed: {problem}")
            for c in upload_levels:
                tag = f"w4c{c}t{time.time_ns()}"
                conns = [
                    [sessions[(k + j * c) % len(sessions)] for j in range(len(sessions))]
                    for k in range(c)
                ]
                factories = [
                    _upload_factory(port, conns[k], setup["csrftoken"], pdf, tag, k)
                    for k in range(c)
                ]
                before = _count_outcomes(env)
                res = run_load(
                    port,
                    factories,
                    None,
                    args.warmup,
                    args.duration,
                    args.client_procs,
                    parents,
                    expect_status=302,
                )
                created = _count_outcomes(env) - before
                res.update(
                    level=c, target="W4", outcomes_created=created, MBps=res["rps"] * pdf.size / 1e6
                )
                if created < res["requests"]:
                    res["errors"] += res["requests"] - created
                    log(f"  only {created} outcome rows for {res['requests']} 302 responses")
                floor = floor_copy(max(1, res["requests"]), c, pdf, tmp / "var" / "floorcopy", tag)
                res["floor"] = floor
                upload_runs.append(res)
                log(
                    f"W4 c={c}: {res['rps']:.2f} uploads/s ({res['MBps']:.1f} MB/s, 1-s median "
                    f"{res['rps_median_1s']}) p50 {res['p50_ms']:.0f} ms "
                    f"p95 {res['p95_ms']:.0f} ms "
                    f"err {res['errors']} rows {created}; floor {floor['files_per_s']:.2f} files/s "
                    f"({floor['MBps']:.1f} MB/s, {floor['files']} files in "
                    f"{floor['seconds']:.1f} s); gunicorn {res['gunicorn_cpu_ms_per_req']:.0f} "
                    f"ms/upload, pg {res['postgres_cpu_ms_per_req']:.1f} ms/upload, "
                    f"client {res['client_cpu_cores']:.2f} cores, busy "
                    f"{100 * res['machine_cpu_busy']:.0f}%, load {res['loadavg_1min']:.1f}"
                )
                if res["error_samples"]:
                    log(f"  error samples: {res['error_samples']}")
            memory["after_uploads"] = worker_memory(gunicorn.pid)

        # --- worker memory during 9.9 MB uploads --------------------------------------------
        rss_runs: list[dict] = []
        if "rss" not in skip:
            big = PaddedPdf(args.rss_bytes)
            problem = _probe_upload(
                port, _upload_factory(port, sessions, setup["csrftoken"], big, "rssprobe", 0)
            )
            if problem:
                raise SystemExit(f"the 9.9 MB probe upload failed: {problem}")
            for c in rss_levels:
                time.sleep(1.0)
                baseline = worker_memory(gunicorn.pid)
                tag = f"rssc{c}t{time.time_ns()}"
                conns = [
                    [sessions[(k + j * c) % len(sessions)] for j in range(len(sessions))]
                    for k in range(c)
                ]
                factories = [
                    _upload_factory(port, conns[k], setup["csrftoken"], big, tag, k)
                    for k in range(c)
                ]
                with MemorySampler(gunicorn.pid) as sampler:
                    t0 = time.perf_counter()
                    res = run_load(
                        port,
                        factories,
                        None,
                        0.0,
                        args.rss_seconds,
                        args.client_procs,
                        parents,
                        expect_status=302,
                    )
                    t1 = time.perf_counter()
                    time.sleep(1.0)
                after = worker_memory(gunicorn.pid)
                mem = sampler.summary(t0, t1, baseline)
                mem["after_total_MB"] = sum(v[0] for v in after.values()) / 1024
                mem["hwm_per_worker_MB_before"] = {p: v[1] / 1024 for p, v in baseline.items()}
                mem["hwm_per_worker_MB_after"] = {p: v[1] / 1024 for p, v in after.items()}
                concurrent = min(c, args.workers * args.threads)
                mem["growth_per_concurrent_upload_MB"] = mem["growth_total_MB"] / concurrent
                rss_runs.append(
                    {
                        "level": c,
                        "bytes": args.rss_bytes,
                        "uploads": res["requests"],
                        "errors": res["errors"],
                        "rps": res["rps"],
                        "memory": mem,
                    }
                )
                log(
                    f"RSS c={c}: {res['requests']} uploads of {args.rss_bytes:,} bytes, "
                    f"errors {res['errors']}; workers total {mem['baseline_total_MB']:.0f} → peak "
                    f"{mem['peak_total_MB']:.0f} → after {mem['after_total_MB']:.0f} MB; "
                    f"growth {mem['growth_total_MB']:.1f} MB = "
                    f"{mem['growth_per_concurrent_upload_MB']:.1f} MB per concurrent upload; "
                    f"largest single-worker growth {mem['max_worker_growth_MB']:.1f} MB"
                )
                if res["error_samples"]:
                    log(f"  error samples: {res['error_samples']}")
        memory["end"] = worker_memory(gunicorn.pid)

        # --- summary ------------------------------------------------------------------------
        lines = []
        if runs:
            lines += [
                "| page | c | req/s | 1-s median | p50 | p95 | floor req/s | page/floor "
                "| Mahara | × Mahara | aim 10× |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for name in ("W1", "W3"):
                for c in levels:
                    sel = [x for x in runs if x["target"] == name and x["level"] == c]
                    fl = [x for x in runs if x["target"] == f"floor-{name}" and x["level"] == c]
                    rps = statistics.median(x["rps"] for x in sel)
                    frps = statistics.median(x["rps"] for x in fl)
                    peer = PEER[name].get(c)
                    lines.append(
                        f"| {name} | {c} | {rps:,.1f} "
                        f"| {statistics.median(x['rps_median_1s'] for x in sel):,.0f} "
                        f"| {statistics.median(x['p50_ms'] for x in sel):.1f} ms "
                        f"| {statistics.median(x['p95_ms'] for x in sel):.1f} ms "
                        f"| {frps:,.0f} | {rps / frps:.3f} | {peer or '–'} "
                        f"| {f'{rps / peer:.1f}×' if peer else '–'} "
                        f"| {f'{10 * peer:.0f}' if peer else '–'} |"
                    )
            lines.append("")
            lines += [
                "| page | c | gunicorn CPU/req | PostgreSQL CPU/req | floor gunicorn CPU/req |",
                "|---|---:|---:|---:|---:|",
            ]
            for name in ("W1", "W3"):
                for c in levels:
                    sel = [x for x in runs if x["target"] == name and x["level"] == c]
                    fl = [x for x in runs if x["target"] == f"floor-{name}" and x["level"] == c]
                    lines.append(
                        f"| {name} | {c} "
                        f"| {statistics.median(x['gunicorn_cpu_ms_per_req'] for x in sel):.2f} ms "
                        f"| {statistics.median(x['postgres_cpu_ms_per_req'] for x in sel):.2f} ms "
                        f"| {statistics.median(x['gunicorn_cpu_ms_per_req'] for x in fl):.2f} ms |"
                    )
            lines.append("")
        if upload_runs:
            lines += [
                "| c | uploads/s | MB/s | p50 | p95 | floor files/s | floor MB/s | ratio to floor "
                "| Mahara uploads/s | × Mahara | aim 1.5× |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for x in upload_runs:
                c, f = x["level"], x["floor"]
                peer = PEER["W4"].get(x["level"])
                lines.append(
                    f"| {c} | {x['rps']:.2f} | {x['MBps']:.1f} | {x['p50_ms']:.0f} ms "
                    f"| {x['p95_ms']:.0f} ms | {f['files_per_s']:.1f} | {f['MBps']:.0f} "
                    f"| {x['rps'] / f['files_per_s']:.3f} | {peer or '–'} "
                    f"| {f'{x["rps"] / peer:.2f}×' if peer else '–'} "
                    f"| {f'{1.5 * peer:.1f}' if peer else '–'} |"
                )
            lines.append("")
        if rss_runs:
            lines += [
                "| c | uploads (9.9 MB) | workers' RSS before | peak | after | growth "
                "| per concurrent upload | largest one-worker growth |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for x in rss_runs:
                m = x["memory"]
                lines.append(
                    f"| {x['level']} | {x['uploads']} | {m['baseline_total_MB']:.0f} MB "
                    f"| {m['peak_total_MB']:.0f} MB | {m['after_total_MB']:.0f} MB "
                    f"| {m['growth_total_MB']:.1f} MB "
                    f"| {m['growth_per_concurrent_upload_MB']:.1f} MB "
                    f"| {m['max_worker_growth_MB']:.1f} MB |"
                )
        table = "\n".join(lines)
        print()
        print(table)
        errors = sum(x["errors"] for x in runs + upload_runs + rss_runs)
        result.update(
            finished=datetime.now(UTC).isoformat(),
            loadavg_end=Path("/proc/loadavg").read_text().split()[:3],
            runs=runs,
            uploads=upload_runs,
            rss=rss_runs,
            memory={
                k: {str(p): {"rss_kB": v[0], "hwm_kB": v[1]} for p, v in m.items()}
                for k, m in memory.items()
            },
            errors=errors,
            table=table,
        )
        path = write_results("w134", started, result)
        log(f"wrote {path.relative_to(ROOT)}; errors {errors}")
        if errors:
            raise SystemExit(f"{errors} failed requests")
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn, tmp / "gunicorn.log")
        subprocess.run(["scripts/pg-cluster.sh", "stop", str(pg_dir)], cwd=ROOT, check=False)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
