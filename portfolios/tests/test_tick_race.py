"""Cap races: many tabs ticking the last slots at once (RULES.md §3; RELIABILITY.md C1).

Runs on PostgreSQL, where concurrent transactions really overlap: the student row lock
serialises the count, and the unique slot number is the database's own guard.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections

from portfolios.actions import tick_item
from portfolios.errors import PortfolioError
from portfolios.models import OutcomeStatus, TickSlot, WindowKind

from .conftest import SchoolWorld, make_outcome, open_window

pytestmark = pytest.mark.django_db(transaction=True)


def race(items: list[Any], user: Any) -> list[str]:
    """Tick every item from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(items))
    results: list[str] = []
    lock = threading.Lock()

    def run(item: Any) -> None:
        try:
            barrier.wait()
            tick_item(actor=user, item=item)
            outcome = "ok"
        except PortfolioError as exc:
            outcome = exc.code or "error"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_racing_tabs_never_exceed_the_outcome_cap_c1(world: SchoolWorld) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    student = world.students[0]
    user = student.user
    assert user is not None
    open_window(world.term, WindowKind.TICK)
    for trial in range(5):
        TickSlot.objects.filter(student=student).delete()
        outcomes = [
            make_outcome(world.math, student, status=OutcomeStatus.CERTIFIED) for _ in range(12)
        ]
        for outcome in outcomes[:4]:
            tick_item(actor=user, item=outcome)
        results = race(outcomes[4:], user)  # 8 tabs race for the last 2 slots
        assert results.count("ok") == 2, (trial, results)
        assert results.count("tick_cap") == 6, (trial, results)
        slots = TickSlot.objects.filter(student=student, school_year=114, kind="outcome")
        assert slots.count() == 6
        assert sorted(slots.values_list("slot", flat=True)) == [1, 2, 3, 4, 5, 6]
