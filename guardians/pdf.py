"""The binding application form (親子綁定申請書) as a PDF (deck 親子帳號綁定操作指引(7);
the issue item 5): WeasyPrint with Noto CJK fonts (STACK.md), Traditional Chinese, with the
signature image. The parent's ID is masked (RULES.md §8.3).
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from .models import BindingApplication
from .signatures import to_data_url


def render_application_pdf(application: BindingApplication) -> bytes:
    """PDF bytes of one application's form (A4, one page)."""
    from weasyprint import HTML  # imported late: heavy, and only needed here

    html = render_to_string(
        "guardians/pdf/application.html",
        {
            "application": application,
            "signature_url": to_data_url(application.signature_png),
            "printed_at": timezone.localtime(),
        },
    )
    # No base_url: the template references nothing outside itself (fonts come from the
    # system, the signature is a data URL), so WeasyPrint fetches nothing.
    return bytes(HTML(string=html).write_pdf())


def pdf_response(application: BindingApplication) -> HttpResponse:
    """An attachment response with our own RFC 6266 file name (ASVS 5.4.1)."""
    body = render_application_pdf(application)
    name = f"親子綁定申請書-{timezone.localtime(application.created_at):%Y%m%d}.pdf"
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"binding-application.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "no-store"
    return response
