"""Transfer students (轉學生): export one student's whole school-side portfolio as a package and
import it at another school. RULES.md §1 (歷程交換人員), §2.4 (flag 轉學轉科前), §5 ("Students
who transfer carry their portfolio via an export/import exchange package (per-student JSON +
files + filename mapping)").

Package (``format: "licheng-transfer"``, ``format_version: 1``), a ZIP holding:

* ``manifest.json`` — package id, creation time (UTC ISO), the exporting school, and
  ``parts``: every other member with its SHA-256 and size in bytes (files also their MD5);
* ``student.json`` — basic data (register data, school-entered cadre records), course records
  with their terms and courses, course outcomes (certification state, certifier's name as
  text), diverse performances, ticks; dates ISO (Gregorian), decimals as strings;
* ``files/<sha256>`` — the bytes of every document and media file, named by content.

Course-consultation records never leave the school (RULES.md §2) and are not exported;
attendance and merits are school-platform records and stay too.

Import never trusts the package: every part is checked against the manifest (a tampered or
truncated package is refused whole), every file goes through ``files.ingest.check_and_store``
again under the rules of its item's 學年度, and the student must already be on the receiving
school's register with the same national ID. All rows are written in one transaction.

How the earlier school's records are attached at the receiving school: terms are the receiving
school's own terms of the same 學年度/學期 (created, not current, when missing); each course
becomes a ``Course`` of the receiving school keeping its 23-character course code — whose
positions 4–9 still name the earlier school — offered in an ``CourseOffering`` without class
or teacher. Every created course record, outcome and performance gets a ``TransferredItem``
row marking it as before the transfer (轉學轉科前) and holding the certifier's name as text.
"""

from .common import FORMAT, FORMAT_VERSION, TransferRefused
from .export import ExportedPackage, export_student_package, student_data, write_package
from .importing import import_student_package
from .reading import (
    TransferPackage,
    discard_staged,
    read_package,
    stage_upload,
    staged_path,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ExportedPackage",
    "TransferPackage",
    "TransferRefused",
    "discard_staged",
    "export_student_package",
    "import_student_package",
    "read_package",
    "stage_upload",
    "staged_path",
    "student_data",
    "write_package",
]
