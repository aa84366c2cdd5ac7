"""Portfolio items (學習歷程檔案項目): RULES.md §2.4–2.5, §3, §4, §10."""

from .codes import Code, CodeList
from .items import (
    ConsultationKind,
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    PerformanceGroup,
    RecordType,
    TickKind,
    TickSlot,
)
from .rules import RuleSet
from .windows import ProxyCertifier, Window, WindowExtension, WindowKind

__all__ = [
    "Code",
    "CodeList",
    "ConsultationKind",
    "ConsultationRecord",
    "CourseOutcome",
    "OutcomeStatus",
    "Performance",
    "PerformanceGroup",
    "ProxyCertifier",
    "RecordType",
    "RuleSet",
    "TickKind",
    "TickSlot",
    "Window",
    "WindowExtension",
    "WindowKind",
]
