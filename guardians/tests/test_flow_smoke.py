"""The happy path through the test client: apply for two children, both pending."""

from django.core import mail
from django.urls import reverse

from guardians.models import ApplicationState, BindingApplication

from .conftest import PARENT_EMAIL, apply


def test_parent_applies_for_two_children_issue_items_1_to_5(client, world) -> None:
    apply(client, world.student_a, world.student_b)
    applications = BindingApplication.objects.order_by("student__name")
    assert applications.count() == 2
    assert {a.state for a in applications} == {ApplicationState.PENDING}
    first = applications[0]
    assert first.parent_id_masked.count("*") == 4
    assert first.consent.version == 1
    assert bytes(first.signature_png).startswith(b"\x89PNG")
    assert mail.outbox[-1].to == [PARENT_EMAIL]
    page = client.get(reverse("guardians:bind_progress")).content.decode()
    assert page.count('data-testid="application-row"') == 2
    assert "申請中" in page
