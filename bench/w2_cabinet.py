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
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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

CABINET_PATH = "/cabinet/"
CABINET_MARKER = "我的學習歷程檔案櫃".encode()  # the student's own cabinet, logged in
#: Mahara 22.10 on this kind of machine, W2 req/s (BENCHMARKS.md).
PEER_W2 = {1: 22.0, 8: 35.9, 32: 36.9}


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
        gunicorn_cmd = gunicorn_command(py, port, args.workers, args.threads)
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
        path = write_results("w2", started, result)
        log(f"wrote {path.relative_to(ROOT)}")
        if total_errors:
            raise SystemExit(f"{total_errors} failed requests")
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn, tmp / "gunicorn.log")
        if cluster_started:
            subprocess.run(["scripts/pg-cluster.sh", "stop", str(pg_dir)], cwd=ROOT, check=False)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
