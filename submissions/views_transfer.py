"""Transfer students (轉學生, RULES.md §1 歷程交換人員, §5): the registrar exports one student's
portfolio as a package, and the receiving school's registrar uploads one, previews it, picks
the student on the register and imports. Registrars of the school only; 404 for anyone else.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.roles import get_role_context
from files.errors import BlobUnavailable
from schools.models import School, Student
from schools.permissions import is_registrar_of

from .transfer import (
    TransferRefused,
    discard_staged,
    export_student_package,
    import_student_package,
    read_package,
    stage_upload,
    staged_path,
)

SESSION_KEY = "transfer_tokens"


def _registrar_school_or_404(request: AuthedRequest) -> School:
    school = get_role_context(request.user).school
    if school is None or not is_registrar_of(request.user, school.pk):
        raise Http404
    return school


def _page(
    request: AuthedRequest, school: School, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "submissions/transfer/home.html",
        {"school": school, "error": error},
        status=status,
    )


@require_http_methods(["GET"])
def transfer_home(request: AuthedRequest) -> HttpResponse:
    """轉學生歷程交換: export a student's package; upload a package from another school."""
    return _page(request, _registrar_school_or_404(request))


@require_POST
def transfer_export(request: AuthedRequest) -> HttpResponseBase:
    """Download the transfer package of the student with ``student_number`` (ZIP)."""
    school = _registrar_school_or_404(request)
    number = (request.POST.get("student_number") or "").strip()
    student = Student.objects.select_related("school").filter(school=school, student_number=number)
    found = student.first()
    if found is None:
        return _page(request, school, error=f"本校查無學號「{number}」的學生。", status=400)
    try:
        package = export_student_package(actor=request.user, student=found, request=request)
    except BlobUnavailable:
        return _page(
            request,
            school,
            error="這位學生有檔案已損毀或遺失，無法匯出；請先請學生重新上傳原始檔案。",
            status=409,
        )
    handle = package.path.open("rb")
    package.path.unlink()  # the open handle keeps the bytes until the response is sent
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=package.filename,
        content_type="application/zip",
    )
    response["X-Package-SHA256"] = package.sha256
    return response


@require_POST
def transfer_upload(request: AuthedRequest) -> HttpResponse:
    """Upload another school's package: verified, then kept for the preview."""
    school = _registrar_school_or_404(request)
    uploaded = request.FILES.get("package")
    if uploaded is None:
        return _page(request, school, error="請選擇要匯入的資料包（ZIP）。", status=400)
    try:
        token, _package = stage_upload(uploaded)
    except TransferRefused as exc:
        return _page(request, school, error=exc.message, status=400)
    tokens = [*request.session.get(SESSION_KEY, []), token][-10:]
    request.session[SESSION_KEY] = tokens
    return redirect("submissions_extra:transfer_preview", token=token)


@require_http_methods(["GET", "POST"])
def transfer_preview(request: AuthedRequest, token: str) -> HttpResponse:
    """Preview an uploaded package (student name, masked ID, earlier school, counts) and
    import it into the student picked on the register (same national ID required)."""
    school = _registrar_school_or_404(request)
    if token not in request.session.get(SESSION_KEY, []):
        raise Http404
    error = ""
    try:
        path = staged_path(token)
        package = read_package(path)
    except TransferRefused as exc:
        return _page(request, school, error=exc.message, status=400)
    candidates = list(
        Student.objects.filter(school=school, national_id=package.national_id).order_by(
            "student_number"
        )
    )
    if request.method == "POST":
        number = (request.POST.get("student_number") or "").strip()
        student = Student.objects.filter(school=school, student_number=number).first()
        if student is None:
            error = f"本校查無學號「{number}」的學生。"
        else:
            try:
                transfer = import_student_package(
                    actor=request.user, school=school, path=path, student=student, request=request
                )
            except PermissionDenied:
                raise Http404 from None
            except TransferRefused as exc:
                error = exc.message
            else:
                discard_staged(token)
                request.session[SESSION_KEY] = [
                    t for t in request.session.get(SESSION_KEY, []) if t != token
                ]
                counts = transfer.counts
                messages.success(
                    request,
                    f"已匯入 {student.name} 的學習歷程："
                    f"修課紀錄 {counts.get('course_records', 0)} 筆、"
                    f"課程學習成果 {counts.get('outcomes', 0)} 件、"
                    f"多元表現 {counts.get('performances', 0)} 件、"
                    f"檔案 {counts.get('files', 0)} 個。",
                )
                return redirect("submissions_extra:transfer_home")
    return render(
        request,
        "submissions/transfer/preview.html",
        {
            "school": school,
            "package": package,
            "candidates": candidates,
            "error": error,
            "token": token,
        },
        status=400 if error else 200,
    )
