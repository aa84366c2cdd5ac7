"""Progress page, cancel (trash icon) and the PDF application form (the issue items 5 and 10)."""

import datetime as dt
import shutil
import subprocess
import uuid

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from guardians.models import ApplicationState, BindingApplication, VerificationCode

from .conftest import apply, verify


def test_cancel_a_pending_application(client, world) -> None:
    apply(client, world.student_a, world.student_b)
    app = BindingApplication.objects.get(student=world.student_a)
    response = client.post(reverse("guardians:bind_cancel", args=[app.code]))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.CANCELLED and app.cancelled_at is not None
    page = client.get(reverse("guardians:bind_progress")).content.decode()
    assert "已取消" in page and "申請中" in page
    # Cancelling again is refused with the state named.
    client.post(reverse("guardians:bind_cancel", args=[app.code]))
    page = client.get(reverse("guardians:bind_progress")).content.decode()
    assert "只能取消「申請中」的申請，此申請目前為「已取消」。" in page


def test_cancel_someone_elses_application_is_404(client, world) -> None:
    apply(client, world.student_a)
    app = BindingApplication.objects.get()
    stranger = Client()
    verify(stranger, "stranger@example.com")
    assert stranger.post(reverse("guardians:bind_cancel", args=[app.code])).status_code == 404
    assert stranger.get(reverse("guardians:bind_pdf", args=[app.code])).status_code == 404
    assert stranger.post(reverse("guardians:bind_cancel", args=[uuid.uuid4()])).status_code == 404
    app.refresh_from_db()
    assert app.state == ApplicationState.PENDING


def test_returning_parent_lands_on_progress(client, world) -> None:
    apply(client, world.student_a)
    # A day later (past the resend cool-down), in another browser.
    VerificationCode.objects.update(created_at=F("created_at") - dt.timedelta(days=1))
    again = Client()
    verify(again)
    page = again.get(reverse("guardians:bind_progress")).content.decode()
    assert 'data-testid="application-row"' in page


def test_duplicate_application_for_the_same_student_is_refused(client, world) -> None:
    apply(client, world.student_a)
    from .conftest import accept_consent, add_student, parent_data

    add_student(client, world.student_a)
    accept_consent(client)
    client.post(reverse("guardians:bind_parent"), parent_data())
    response = client.post(reverse("guardians:bind_review"))
    assert response.status_code == 400
    assert "您已有學生（陳○明）申請中或已認證的綁定，不可重複申請。" in response.content.decode()
    assert BindingApplication.objects.count() == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_holds_the_students_name_and_relationship(client, world, tmp_path) -> None:
    apply(client, world.student_a)
    app = BindingApplication.objects.get()
    response = client.get(reverse("guardians:bind_pdf", args=[app.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "陳曉明" in text
    assert "母親（法定代理人）" in text
    assert app.parent_id_masked in text and app.parent_national_id not in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    assert images.returncode != 0 or "png" in images.stdout or "image" in images.stdout
