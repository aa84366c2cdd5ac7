"""Benchmark W5 (BENCHMARKS.md, docs/benchmarks.md): build + deliver + ingest a central-database
package for a synthetic school, and how it grows from 300 to 3,000 students.

    .venv/bin/python -m bench.w5_package --students 300,3000 [--write-docs] [--keep]

What it does, in a temporary directory removed at the end:

1. starts a throw-away PostgreSQL cluster (``scripts/pg-cluster.sh``) with production
   durability (fsync, synchronous_commit, full_page_writes on); one fresh database per size;
2. per size, in its own subprocess each (so ``ru_maxrss`` is that stage's peak RSS):
   * ``generate`` — the synthetic school with ``bulk_create``: N students, each with 6 course
     records, 6 certified and ticked course outcomes and 10 ticked performances (16 items), each
     item with one small distinct file (PDF or PNG, 2–10 KB: two templates, bytes varied per
     file) written straight into the blob storage (not measured);
   * ``snapshot`` — ``submissions.package.snapshot_submission`` of the yearly rosters
     (outcomes, performances) in one transaction, as the submit action does;
   * ``build`` — ``submissions.package.build_package`` (streamed ZIP, fsynced);
   * ``deliver`` — what the central API does with a delivery, in process: ``central.ingest.
     spool`` of the package body to a temporary file, then ``central.ingest.receive_package``
     (verify every checksum and line, store files and records, return the receipt);
3. prints a Markdown table (wall time, time per student, peak RSS and its growth above the
   process's RSS after ``django.setup()``), the 3,000/300 ratios (linear ≈ 10×), writes JSON
   to ``bench/results/`` and, with ``--write-docs``, the W5 section of ``docs/benchmarks.md``.

HTTP transfer itself is not measured: delivery over loopback adds one streamed copy.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import io
import json
import os
import platform
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
PG_DURABLE_OPTS = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
SCHOOL_CODE = "390001"
YEAR = 114
OUTCOMES_PER_STUDENT = 6  # the yearly tick cap (RULES.md §3)
PERFORMANCES_PER_STUDENT = 10  # the yearly tick cap (RULES.md §3)
ROSTERS = ["outcomes", "performances"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _rss_kib() -> int:
    """Current resident set size of this process, KiB."""
    match = re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(match.group(1)) if match else 0


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# --- synthetic files --------------------------------------------------------------------------


def _pdf_template() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    lines = " ".join(f"BT /F1 10 Tf 40 {800 - 14 * i} Td (W5 line {i}) Tj ET" for i in range(50))
    content = DecodedStreamObject()
    content.set_data(lines.encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_template() -> tuple[bytes, bytes]:
    """A 48×48 noise PNG split before its IEND chunk (a tEXt chunk goes in between)."""
    from PIL import Image

    image = Image.frombytes("RGB", (48, 48), os.urandom(48 * 48 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    end = data.rindex(b"IEND") - 4
    return data[:end], data[end:]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


class Files:
    """Distinct small files from two templates: the PDF gets a unique comment after %%EOF,
    the PNG a unique tEXt chunk, so every file has its own SHA-256 and stays valid."""

    def __init__(self) -> None:
        self.pdf = _pdf_template()
        self.png_head, self.png_tail = _png_template()

    def make(self, n: int) -> tuple[bytes, str, str]:
        tag = f"licheng-w5-{n:09d}-".encode() + hashlib.sha256(str(n).encode()).hexdigest().encode()
        if n % 3 == 2:
            return (
                self.png_head + _png_chunk(b"tEXt", b"Comment\x00" + tag) + self.png_tail,
                "image/png",
                "png",
            )
        return self.pdf + b"%" + tag + b"\n", "application/pdf", "pdf"


# --- stages (each runs in its own subprocess) ---------------------------------------------------


def stage_generate(n: int) -> dict[str, Any]:
    import datetime as dt

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, RoleAssignment, User
    from files.models import Blob
    from files.storage import blob_name
    from portfolios.models import CourseOutcome, OutcomeStatus, Performance, TickSlot
    from schools.identity import with_check_digit
    from schools.models import (
        ClassMembership,
        Course,
        CourseOffering,
        CourseRecord,
        School,
        SchoolClass,
        Student,
        Teacher,
        Term,
    )

    t0 = time.perf_counter()
    blob_root = Path(settings.STORAGES["blobs"]["OPTIONS"]["location"])
    files = Files()
    now = timezone.now()
    counter = 0
    stored_bytes = 0

    def new_blob() -> Blob:
        nonlocal counter, stored_bytes
        counter += 1
        data, content_type, _ext = files.make(counter)
        sha256 = hashlib.sha256(data).hexdigest()
        target = blob_root / blob_name(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stored_bytes += len(data)
        return Blob(
            sha256=sha256,
            md5=hashlib.md5(data).hexdigest(),  # the exchange's checksum
            size=len(data),
            content_type=content_type,
        )

    with transaction.atomic():
        school = School.objects.create(code=SCHOOL_CODE, name="W5 基準測試高級中學")
        term = Term.objects.create(
            school=school,
            school_year=YEAR,
            semester=1,
            start_date=dt.date(2025, 8, 1),
            end_date=dt.date(2026, 1, 31),
            is_current=True,
        )
        registrar = User.objects.create_user("w5-registrar", password=None)
        RoleAssignment.objects.create(
            user=registrar, role=Role.REGISTRAR, school=school, school_year=YEAR
        )
        teacher_user = User.objects.create_user("w5-teacher", password=None)
        Teacher.objects.create(school=school, user=teacher_user, staff_number="T1", name="王老師")
        courses = [
            Course.objects.create(
                school=school,
                code=f"{YEAR}{SCHOOL_CODE}H0100{i:02d}1B0{i:02d}{i:02d}"[:23].ljust(23, "0"),
                name=f"科目{i}",
                credits=2,
                grade=1,
                semester=1,
            )
            for i in range(1, OUTCOMES_PER_STUDENT + 1)
        ]
        offerings = [CourseOffering.objects.create(term=term, course=c) for c in courses]
        classes = SchoolClass.objects.bulk_create(
            SchoolClass(school=school, school_year=YEAR, grade=1, name=f"一年{k + 1:03d}班")
            for k in range((n + 39) // 40)
        )
        students = Student.objects.bulk_create(
            Student(
                school=school,
                student_number=f"W{i:06d}",
                name=f"學生{i:05d}",
                national_id=with_check_digit(f"A{1 + i % 2}{i:07d}"),
                date_of_birth=dt.date(2009, 1, 1),
                entry_year=YEAR,
            )
            for i in range(n)
        )
        ClassMembership.objects.bulk_create(
            ClassMembership(
                student=s, term=term, school_class=classes[i // 40], seat_number=i % 40 + 1
            )
            for i, s in enumerate(students)
        )
        records = CourseRecord.objects.bulk_create(
            CourseRecord(offering=o, student=s, score="80.0", passed=True, credits_earned=2)
            for s in students
            for o in offerings
        )
        blobs = Blob.objects.bulk_create(
            new_blob() for _ in range(n * (OUTCOMES_PER_STUDENT + PERFORMANCES_PER_STUDENT))
        )
        blob_iter = iter(blobs)
        outcomes = CourseOutcome.objects.bulk_create(
            CourseOutcome(
                student=r.student,
                course_record=r,
                school_year=YEAR,
                semester=1,
                description=f"課程學習成果簡述 {k}",
                status=OutcomeStatus.CERTIFIED,
                sent_at=now,
                certified_by=teacher_user,
                certified_at=now,
                document_blob=(b := next(blob_iter)),
                document_name=f"成果{k}.pdf",
                certified_document_sha256=b.sha256,
            )
            for k, r in enumerate(records)
        )
        performances = Performance.objects.bulk_create(
            Performance(
                student=s,
                record_type="other",
                school_year=YEAR,
                term=term,
                title=f"多元表現 {j}",
                details={"name": f"活動 {j}", "organiser": "學校"},
                description="多元表現簡述",
                document_blob=(b := next(blob_iter)),
                document_name=f"表現{j}.{'png' if b.content_type == 'image/png' else 'pdf'}",
            )
            for s in students
            for j in range(PERFORMANCES_PER_STUDENT)
        )
        TickSlot.objects.bulk_create(
            [
                TickSlot(
                    student=o.student,
                    school_year=YEAR,
                    kind="outcome",
                    slot=k % OUTCOMES_PER_STUDENT + 1,
                    outcome=o,
                    semester=1,
                )
                for k, o in enumerate(outcomes)
            ]
            + [
                TickSlot(
                    student=p.student,
                    school_year=YEAR,
                    kind="performance",
                    slot=k % PERFORMANCES_PER_STUDENT + 1,
                    performance=p,
                )
                for k, p in enumerate(performances)
            ],
            batch_size=2000,
        )
    return {
        "seconds": time.perf_counter() - t0,
        "students": n,
        "items": len(outcomes) + len(performances),
        "files": len(blobs),
        "file_bytes": stored_bytes,
    }


def stage_snapshot(n: int) -> dict[str, Any]:
    from django.db import transaction

    from accounts.models import User
    from schools.models import School
    from submissions.models import Snapshot, Submission
    from submissions.package import snapshot_submission
    from submissions.rosters import students_in

    school = School.objects.get(code=SCHOOL_CODE)
    registrar = User.objects.get(username="w5-registrar")
    t0 = time.perf_counter()
    with transaction.atomic():
        submission = Submission.objects.create(
            school=school, school_year=YEAR, semester=0, rosters=ROSTERS, created_by=registrar
        )
        created = snapshot_submission(submission, students_in(school, YEAR, 0), ROSTERS)
    seconds = time.perf_counter() - t0
    assert submission.student_count == n, submission.student_count
    files = sum(
        len(f)
        for f in Snapshot.objects.filter(submission=submission).values_list("files", flat=True)
    )
    return {"seconds": seconds, "snapshots": created, "files": files, "code": str(submission.code)}


def stage_build(n: int) -> dict[str, Any]:
    from submissions.models import Submission
    from submissions.package import build_package

    submission = Submission.objects.get(school__code=SCHOOL_CODE)
    t0 = time.perf_counter()
    path = build_package(submission)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "package_bytes": path.stat().st_size, "path": str(path)}


def stage_deliver(n: int) -> dict[str, Any]:
    from central.ingest import hash_token, receive_package, spool
    from central.models import CentralRecord, CentralSchool
    from submissions.models import Submission
    from submissions.package import package_path

    submission = Submission.objects.get(school__code=SCHOOL_CODE)
    school, _ = CentralSchool.objects.get_or_create(
        code=SCHOOL_CODE, defaults={"name": "W5", "token_hash": hash_token("w5-bench-token")}
    )
    t0 = time.perf_counter()
    with package_path(submission).open("rb") as body:
        spooled = spool(body)
    t1 = time.perf_counter()
    try:
        outcome = receive_package(school=school, path=spooled, package_id_hint=str(submission.code))
    finally:
        spooled.unlink(missing_ok=True)
    t2 = time.perf_counter()
    if outcome.status != 200:
        raise SystemExit(f"ingest refused the package: {outcome.body}")
    return {
        "seconds": t2 - t0,
        "spool_seconds": t1 - t0,
        "ingest_seconds": t2 - t1,
        "receipt_students": len(outcome.body.get("students", [])),
        "central_records": CentralRecord.objects.filter(school_code=SCHOOL_CODE).count(),
    }


STAGES = {
    "generate": stage_generate,
    "snapshot": stage_snapshot,
    "build": stage_build,
    "deliver": stage_deliver,
}


STAGE_IMPORTS = {
    "snapshot": ("submissions.package", "submissions.rosters"),
    "build": ("submissions.package",),
    "deliver": ("central.ingest", "central.api"),
}


def run_stage(stage: str, n: int) -> None:
    """Entry point of a stage subprocess: prints one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    # Import what the stage runs before the baseline, so "above baseline" is the work itself
    # (pypdf, Pillow, pydantic, ijson … are tens of MiB of imports, the same at any size).
    for module in STAGE_IMPORTS.get(stage, ()):
        importlib.import_module(module)
    base = _rss_kib()
    result = STAGES[stage](n)
    result.update(rss_base_kib=base, rss_peak_kib=_peak_kib())
    print(json.dumps(result))


# --- orchestration ----------------------------------------------------------------------------


def _run(cmd: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"{what} failed ({proc.returncode})")
    return proc.stdout


def _machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    mem = ""
    with contextlib.suppress(OSError, AttributeError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def _table(results: dict[int, dict[str, Any]]) -> str:
    rows = [
        "| students | stage | wall time (s) | ms / student | peak RSS (MiB) "
        "| above baseline (MiB) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n, res in results.items():
        for stage in ("snapshot", "build", "deliver"):
            r = res[stage]
            rows.append(
                f"| {n:,} | {stage} | {r['seconds']:.2f} | {1000 * r['seconds'] / n:.2f} "
                f"| {_mib(r['rss_peak_kib'])} | {_mib(r['rss_peak_kib'] - r['rss_base_kib'])} |"
            )
        total = sum(res[s]["seconds"] for s in ("snapshot", "build", "deliver"))
        rows.append(f"| {n:,} | **total** | {total:.2f} | {1000 * total / n:.2f} | | |")
    return "\n".join(rows)


def _ratios(results: dict[int, dict[str, Any]]) -> tuple[str, dict[str, float]]:
    sizes = sorted(results)
    if len(sizes) < 2:
        return "", {}
    small, large = sizes[0], sizes[-1]
    ratios: dict[str, float] = {}
    lines = [
        f"| stage | time {large:,} / {small:,} (linear = {large / small:.0f}×) "
        f"| peak RSS growth {large:,} / {small:,} | extra memory per extra file |",
        "|---|---:|---:|---:|",
    ]
    extra_files = results[large]["generate"]["files"] - results[small]["generate"]["files"]
    for stage in ("snapshot", "build", "deliver", "total"):
        if stage == "total":
            t_small = sum(results[small][s]["seconds"] for s in ("snapshot", "build", "deliver"))
            t_large = sum(results[large][s]["seconds"] for s in ("snapshot", "build", "deliver"))
            mem = per_file = ""
        else:
            t_small, t_large = results[small][stage]["seconds"], results[large][stage]["seconds"]
            g_small = results[small][stage]["rss_peak_kib"] - results[small][stage]["rss_base_kib"]
            g_large = results[large][stage]["rss_peak_kib"] - results[large][stage]["rss_base_kib"]
            mem = f"{g_large / max(g_small, 1):.1f}×"
            per_file = f"{max(g_large - g_small, 0) * 1024 / max(extra_files, 1):,.0f} B"
        ratios[stage] = t_large / t_small
        lines.append(f"| {stage} | {t_large / t_small:.1f}× | {mem} | {per_file} |")
    return "\n".join(lines), ratios


def _docs_section(
    results: dict[int, dict[str, Any]], machine: dict[str, object], pg: str, command: str
) -> str:
    ratio_table, _ = _ratios(results)
    sizes = sorted(results)
    details = []
    for n in sizes:
        res = results[n]
        details.append(
            f"- {n:,} students: {res['generate']['items']:,} items, "
            f"{res['generate']['files']:,} files ({res['generate']['file_bytes'] / 1e6:.1f} MB), "
            f"{res['snapshot']['snapshots']:,} snapshots, package "
            f"{res['build']['package_bytes'] / 1e6:.1f} MB; deliver = spool "
            f"{res['deliver']['spool_seconds']:.2f} s + verify/store "
            f"{res['deliver']['ingest_seconds']:.2f} s; receipt lines (student × roster) "
            f"{res['deliver']['receipt_students']:,}, "
            f"{res['deliver']['central_records']:,} central records."
        )
    return f"""## W5: build + deliver + ingest a central-database package

Command: `{command}` — {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}.
Machine: {machine["nproc"]} cores ({machine["cpu"]}), {machine["memory"]} RAM, Linux
{machine["kernel"]}, Python {machine["python"]}; {pg} on loopback with fsync,
synchronous_commit and full_page_writes on; blob storage on the local disk (fsynced writes).

Synthetic school (`bench/w5_package.py`, `bulk_create`): every student has 16 items ticked for
the year — 6 certified course outcomes and 10 diverse performances — each with one small
distinct file (PDF ≈ 3 KB or PNG ≈ 7 KB). The submission holds the two yearly rosters. Each
stage runs in its own process; *peak RSS* is that process's `ru_maxrss`, *above baseline* is
the growth over its RSS after `django.setup()` and the stage's imports. *deliver* is what the
central API does with a delivery, in process: spool the body to a temporary file, then verify
every checksum and line and store files and records (`central.ingest.receive_package`); the
HTTP transfer itself is not included.

{_table(results)}

Growth from {sizes[0]:,} to {sizes[-1]:,} students:

{ratio_table}

{chr(10).join(details)}
"""


def _write_docs(section: str) -> None:
    """Replace (or append) the W5 section of docs/benchmarks.md; other sections untouched."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    start = text.find("## W5")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="W5: build + deliver + ingest a package")
    parser.add_argument("--students", default="300,3000", help="school sizes, comma-separated")
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if args.stage:
        run_stage(args.stage, int(args.students))
        return
    sizes = [int(x) for x in args.students.split(",")]
    command = ".venv/bin/python -m bench.w5_package " + " ".join(sys.argv[1:])
    tmp = Path(tempfile.mkdtemp(prefix="licheng-w5-"))
    os.chmod(tmp, 0o755)
    pg_dir = tmp / "pg"
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    base_env.pop("LICHENG_DEBUG", None)
    results: dict[int, dict[str, Any]] = {}
    pg_version = "PostgreSQL"
    try:
        out = _run(
            ["scripts/pg-cluster.sh", "start", str(pg_dir)],
            {**base_env, "PG_EXTRA_OPTS": PG_DURABLE_OPTS},
            "PostgreSQL cluster start",
        )
        export = next(line for line in out.splitlines() if line.startswith("export "))
        base_env.update(dict(kv.split("=", 1) for kv in export.split()[1:]))
        import psycopg

        with psycopg.connect(
            host=base_env["PGHOST"],
            port=base_env["PGPORT"],
            user=base_env["PGUSER"],
            password=base_env["PGPASSWORD"],
            dbname=base_env["PGDATABASE"],
            autocommit=True,
        ) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg_version = f"PostgreSQL {row[0].split()[0]}" if row else pg_version
            for n in sizes:
                conn.execute(f"CREATE DATABASE w5_{n} OWNER licheng")
        log(f"{pg_version} started (durable)")
        for n in sizes:
            var = tmp / f"var-{n}"
            (var / "uploads").mkdir(parents=True)
            env = {
                **base_env,
                "PGDATABASE": f"w5_{n}",
                "LICHENG_VAR_DIR": str(var),
                "LICHENG_MEDIA_ROOT": str(var / "media"),
                "LICHENG_UPLOAD_TEMP_DIR": str(var / "uploads"),
            }
            py = sys.executable
            _run([py, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
            res: dict[str, Any] = {}
            for stage in ("generate", "snapshot", "build", "deliver"):
                line = (
                    _run(
                        [py, "-m", "bench.w5_package", "--stage", stage, "--students", str(n)],
                        env,
                        f"{stage} ({n} students)",
                    )
                    .strip()
                    .splitlines()[-1]
                )
                res[stage] = json.loads(line)
                log(
                    f"{n:>5} students {stage:<8} {res[stage]['seconds']:8.2f} s  peak RSS "
                    f"{_mib(res[stage]['rss_peak_kib'])} MiB"
                )
            results[n] = res
    finally:
        _run(["scripts/pg-cluster.sh", "stop", str(pg_dir)], base_env, "PostgreSQL stop")
        if args.keep:
            log(f"kept {tmp}")
    try:
        _report(results, pg_version, command, write_docs=args.write_docs)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def _report(
    results: dict[int, dict[str, Any]], pg_version: str, command: str, *, write_docs: bool
) -> None:
    """Print the tables, write the JSON results and (optionally) the docs section."""
    machine = _machine()
    print(_table(results))
    ratio_table, ratios = _ratios(results)
    print()
    print(ratio_table)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS_DIR / f"w5-{stamp}.json").write_text(
        json.dumps(
            {
                "command": command,
                "machine": machine,
                "postgres": pg_version,
                "results": results,
                "ratios": ratios,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    if write_docs:
        _write_docs(_docs_section(results, machine, pg_version, command))
        log(f"wrote the W5 section of {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
