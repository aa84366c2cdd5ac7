"""The parent's place in the binding flow, kept in the (server-side) session.

Steps must be taken in order (RELIABILITY.md A3; ASVS 2.3.1): step 2 needs a verified code,
step 3 at least one student, step 4 the consent, the review page the parent's data. The
verified state lasts one hour from the code's use (deck 親子帳號綁定操作指引(1): the code is
valid for one hour and spent once used). Students are kept by primary key; their ID numbers
never enter the session.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from .limits import CODE_TTL

SESSION_KEY = "guardians_bind"
PENDING_KEY = "guardians_bind_pending"


@dataclass
class StudentChoice:
    """One student added in step 2."""

    student_id: int
    relationship: str
    school_level: str


@dataclass
class ParentData:
    """Step 4's answers. ``national_id`` is the full value (needed at submit); pages show
    ``national_id_masked`` only (RULES.md §8.3)."""

    national_id: str
    national_id_masked: str
    name: str
    email: str
    phone: str
    signature_b64: str


@dataclass
class FlowState:
    """Everything the flow knows about the parent before they submit."""

    channel: str
    destination: str
    verified_at: str
    students: list[StudentChoice] = field(default_factory=list)
    consent_version: int | None = None
    consent_accepted_at: str | None = None
    parent: ParentData | None = None

    @property
    def verified_time(self) -> datetime:
        return datetime.fromisoformat(self.verified_at)

    @property
    def expires_at(self) -> datetime:
        return self.verified_time + CODE_TTL

    def student_ids(self) -> list[int]:
        return [choice.student_id for choice in self.students]


def load(session: SessionBase, *, now: datetime | None = None) -> FlowState | None:
    """The verified flow state, or None when there is none or its hour has passed."""
    raw = session.get(SESSION_KEY)
    if not raw:
        return None
    state = FlowState(
        channel=raw["channel"],
        destination=raw["destination"],
        verified_at=raw["verified_at"],
        students=[StudentChoice(**s) for s in raw.get("students", [])],
        consent_version=raw.get("consent_version"),
        consent_accepted_at=raw.get("consent_accepted_at"),
        parent=ParentData(**raw["parent"]) if raw.get("parent") else None,
    )
    if (now or timezone.now()) >= state.expires_at:
        clear(session)
        return None
    return state


def save(session: SessionBase, state: FlowState) -> None:
    """Store the state (JSON-serialisable)."""
    session[SESSION_KEY] = asdict(state)


def start(session: SessionBase, *, channel: str, destination: str, now: datetime) -> FlowState:
    """Begin a verified flow after a correct code. Rotates the session key (no fixation)."""
    session.cycle_key()
    session.pop(PENDING_KEY, None)
    state = FlowState(channel=channel, destination=destination, verified_at=now.isoformat())
    save(session, state)
    return state


def clear(session: SessionBase) -> None:
    """Forget the flow (after quitting, or once the hour has passed)."""
    session.pop(SESSION_KEY, None)
    session.pop(PENDING_KEY, None)


def set_pending(session: SessionBase, *, code_id: int, channel: str, destination: str) -> None:
    """Remember which code this browser asked for: a code is only accepted in the session
    it was issued to (RELIABILITY.md §6.8 item 24)."""
    session[PENDING_KEY] = {"code_id": code_id, "channel": channel, "destination": destination}


def get_pending(session: SessionBase) -> dict[str, object] | None:
    """The code this session is waiting for, if any."""
    return session.get(PENDING_KEY)
