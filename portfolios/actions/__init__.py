"""Portfolio use cases, one function each (check permission → transaction → audit → result)."""

from .certification import certify_outcomes, return_outcome
from .consultations import create_consultation_record
from .outcomes import delete_outcome, send_outcome, update_outcome, upload_outcome
from .performances import create_performance, delete_performance, update_performance
from .schedule import add_window_extension, assign_proxy_certifier, set_window
from .ticks import tick_item, untick_item

__all__ = [
    "add_window_extension",
    "assign_proxy_certifier",
    "certify_outcomes",
    "create_consultation_record",
    "create_performance",
    "delete_outcome",
    "delete_performance",
    "return_outcome",
    "send_outcome",
    "set_window",
    "tick_item",
    "untick_item",
    "update_outcome",
    "update_performance",
    "upload_outcome",
]
