"""Rate limits of the binding flow (RELIABILITY.md goals A1 and A2; ASVS 6.6.x, 2.4.1).

Counted in the database (``VerificationCode`` and ``RateEvent`` rows), so they hold across
worker processes. Keys are HMACs of the address or IP, never the raw value.

| Limit | Value |
|---|---|
| Code lifetime | 1 hour (RELIABILITY.md §2.1, deviation from ASVS 6.5.5 documented there) |
| Wrong tries per code | 5, then the code is burned |
| Codes per address | 3 per hour, 10 per day |
| Codes per client IP | 10 per hour |
| Resend cool-down per address | 60 seconds |
| Wrong codes per address | 10 per hour |
| Wrong codes per client IP | 30 per hour |
| Student look-ups (驗證) per client IP | 30 per hour |
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings

from .models import RateEvent, VerificationCode

CODE_TTL = timedelta(hours=1)
MAX_TRIES_PER_CODE = 5
CODES_PER_ADDRESS_PER_HOUR = 3
CODES_PER_ADDRESS_PER_DAY = 10
CODES_PER_IP_PER_HOUR = 10
RESEND_COOLDOWN = timedelta(seconds=60)
WRONG_CODES_PER_ADDRESS_PER_HOUR = 10
WRONG_CODES_PER_IP_PER_HOUR = 30
STUDENT_LOOKUPS_PER_IP_PER_HOUR = 30

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def digest(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` keyed with SECRET_KEY and a purpose label (hex, 64 chars)."""
    key = f"guardians.{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def ip_key(ip: str | None) -> str:
    """The rate-limit key of a client IP (``"-"`` when unknown)."""
    return digest(ip or "-", purpose="ip")[:40]


def count_events(kind: str, key: str, *, since: datetime) -> int:
    """How many ``kind`` events ``key`` has had since ``since``."""
    return RateEvent.objects.filter(kind=kind, key=key, created_at__gte=since).count()


def add_event(kind: str, key: str, *, now: datetime) -> None:
    """Count one event."""
    RateEvent.objects.create(kind=kind, key=key, created_at=now)


def codes_issued(destination_digest: str, *, since: datetime) -> int:
    """Codes sent to one address since ``since``."""
    return VerificationCode.objects.filter(
        destination_digest=destination_digest, created_at__gte=since
    ).count()


def codes_issued_to_ip(ip: str | None, *, since: datetime) -> int:
    """Codes requested from one client IP since ``since``."""
    return VerificationCode.objects.filter(ip_address=ip, created_at__gte=since).count()


def minutes_until(moment: datetime, now: datetime) -> int:
    """Whole minutes (rounded up, at least 1) from ``now`` until ``moment``."""
    seconds = max((moment - now).total_seconds(), 0)
    return max(int(-(-seconds // 60)), 1)
