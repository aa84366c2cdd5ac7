"""Profile a page in-process (cProfile through ``django.test.Client``) on the benchmark data.

    .venv/bin/python -m bench.profile_pages [--path /cabinet/outcomes/] [--requests 50]

Builds a small version of the W1/W3 data set (``--students`` students × 20 outcomes with
4 MiB PDFs) in a throw-away PostgreSQL 15 cluster, then, in a child process with
``config.settings.bench``, requests the page ``--requests`` times for one logged-in student
under cProfile and prints the top functions by cumulative and by own time.
"""

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import PG_DURABLE_OPTS, ROOT, _run, log


def child(path: str, setup: str, n: int, top: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    data = json.loads(Path(setup).read_text(encoding="utf-8"))
    client = Client()
    client.cookies["sessionid"] = data["sessions"][0]
    client.cookies["csrftoken"] = data["csrftoken"]
    for _ in range(5):  # warm: templates cached, connection open
        assert client.get(path).status_code == 200
    statements: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    t0 = time.perf_counter()
    for _ in range(n):
        client.get(path)
    plain = (time.perf_counter() - t0) / n
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        client.get(path)
    prof.disable()
    print(
        f"{path}: {plain * 1000:.1f} ms per request without the profiler (test client, "
        f"in-process), {len(statements)} SQL statements"
    )
    stats = pstats.Stats(prof).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", action="append", help="page(s); default W1 and W3")
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = args.path or ["/cabinet/outcomes/", "/cabinet/files/"]
    if args.child:
        for path in paths:
            child(path, args.child, args.requests, args.top)
        return
    tmp = Path(tempfile.mkdtemp(prefix="licheng-prof-"))
    os.chmod(tmp, 0o755)
    (tmp / "var").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "LICHENG_VAR_DIR": str(tmp / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for k in ("LICHENG_DEBUG", "LICHENG_MEDIA_ROOT", "LICHENG_REPLICA_ROOT"):
        env.pop(k, None)
    try:
        out = _run(
            ["scripts/pg-cluster.sh", "start", str(tmp / "pg")],
            {**env, "PG_EXTRA_OPTS": PG_DURABLE_OPTS},
            "PostgreSQL cluster start",
        )
        export = next(line for line in out.splitlines() if line.startswith("export "))
        env.update(dict(kv.split("=", 1) for kv in export.split()[1:]))
        py = sys.executable
        _run([py, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
        _run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
        setup = tmp / "setup.json"
        _run(
            [py, "-m", "bench.setup_data", "--students", str(args.students), "--out", str(setup)],
            env,
            "data set + sessions",
        )
        _run(
            [
                py,
                "-m",
                "bench.setup_items",
                "--setup",
                str(setup),
                "--out",
                str(tmp / "items.json"),
            ],
            env,
            "items",
        )
        log("profiling")
        cmd = [
            py,
            "-m",
            "bench.profile_pages",
            "--child",
            str(setup),
            "--requests",
            str(args.requests),
            "--top",
            str(args.top),
        ]
        for p in paths:
            cmd += ["--path", p]
        subprocess.run(cmd, env=env, cwd=ROOT, check=True)
    finally:
        subprocess.run(["scripts/pg-cluster.sh", "stop", str(tmp / "pg")], cwd=ROOT, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
