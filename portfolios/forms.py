"""Forms for portfolio pages. They parse input only; rules live in the actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import CourseRecord, SchoolClass, Student, Teacher, Term

from .models import ConsultationKind, WindowKind

FILE_ACCEPT_DOCUMENT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
FILE_ACCEPT_MEDIA = ".mp3,.mp4,audio/mpeg,video/mp4"


def open_upload_term_ids(student: Student) -> set[int]:
    """Terms of the student's course records whose upload window is open for them now
    (RULES.md §3): only those courses are offered for a new upload."""
    from .models import WindowKind
    from .schedule import window_state

    terms = Term.objects.filter(offerings__records__student=student).distinct()
    return {term.pk for term in terms if window_state(WindowKind.UPLOAD, term, student).is_open}


class DescriptionField(forms.CharField):
    """No max_length here: the action counts characters and names the limit (RULES.md §10)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            label=kwargs.pop("label", _("簡述")),  # type: ignore[arg-type]
            required=False,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 3, "data-char-count": "100"}),
            help_text=_("必填，至多 100 字（以字元計，中英文皆算 1 字）。"),
        )


class FilesMixin(forms.Form):
    document = forms.FileField(
        allow_empty_file=True,
        label=_("文件（pdf、jpg、png，4 MB 以內）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT_DOCUMENT}),
    )
    media_file = forms.FileField(
        allow_empty_file=True,
        label=_("影音檔案（mp3、mp4，10 MB 以內）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT_MEDIA}),
    )


class OutcomeUploadForm(FilesMixin):
    course_record = forms.ModelChoiceField(
        label=_("修課科目"),
        queryset=CourseRecord.objects.none(),
        to_field_name="code",
        empty_label=_("請選擇修課科目"),
    )
    description = DescriptionField(label=_("課程學習成果簡述"))
    send = forms.BooleanField(
        label=_("上傳後立即送出認證"), label_suffix="", required=False, initial=True
    )

    def __init__(self, *args: object, student: Student, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["course_record"]
        field.queryset = (  # type: ignore[attr-defined]
            CourseRecord.objects.filter(student=student)
            .select_related("offering__term", "offering__course")
            .order_by(
                "-offering__term__school_year",
                "-offering__term__semester",
                "offering__course__code",
            )
        )
        open_terms = open_upload_term_ids(student)
        closed = _("（上傳期間外）")
        field.label_from_instance = lambda r: (  # type: ignore[attr-defined]
            f"{r.offering.term.school_year}-{r.offering.term.semester} {r.offering.course.name}"
            + ("" if r.offering.term_id in open_terms else f" {closed}")
        )


class OutcomeEditForm(FilesMixin):
    description = DescriptionField(label=_("課程學習成果簡述"))
    remove_document = forms.BooleanField(label=_("刪除目前的文件"), label_suffix="", required=False)
    remove_media = forms.BooleanField(
        label=_("刪除目前的影音檔案"), label_suffix="", required=False
    )
    send = forms.BooleanField(
        label=_("儲存後送出認證"), label_suffix="", required=False, initial=True
    )


class PerformanceForm(FilesMixin):
    description = DescriptionField(label=_("內容簡述"))
    external_link = forms.CharField(
        label=_("外部影音連結（選填，http:// 或 https://）"),
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    remove_document = forms.BooleanField(
        label=_("刪除目前的證明文件"), label_suffix="", required=False
    )
    remove_media = forms.BooleanField(
        label=_("刪除目前的影音檔案"), label_suffix="", required=False
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class WindowForm(forms.Form):
    term = forms.ModelChoiceField(label=_("學期"), queryset=Term.objects.none())
    kind = forms.ChoiceField(label=_("類別"), choices=WindowKind.choices)
    opens_at = forms.DateTimeField(label=_("開始時間（臺北時間）"), widget=LocalDateTimeInput())
    closes_at = forms.DateTimeField(
        label=_("截止時間（臺北時間，不含）"), widget=LocalDateTimeInput()
    )
    upload_cap = forms.IntegerField(
        label=_("每學期上傳課程學習成果上限（選填，只用於學生上傳）"), required=False, min_value=1
    )

    def __init__(self, *args: object, school_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["term"].queryset = Term.objects.filter(school_id=school_id)  # type: ignore[attr-defined]


class ExtensionForm(forms.Form):
    kind = forms.ChoiceField(label=_("期程"), choices=WindowKind.choices)
    term = forms.ModelChoiceField(label=_("學期"), queryset=Term.objects.none())
    school_class = forms.ModelChoiceField(
        label=_("班級"), queryset=SchoolClass.objects.none(), required=False
    )
    student_number = forms.CharField(label=_("或學生學號"), required=False, max_length=20)
    closes_at = forms.DateTimeField(label=_("展延至（臺北時間）"), widget=LocalDateTimeInput())
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def __init__(self, *args: object, school_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["term"].queryset = Term.objects.filter(school_id=school_id)  # type: ignore[attr-defined]
        self.fields["school_class"].queryset = SchoolClass.objects.filter(school_id=school_id)  # type: ignore[attr-defined]


class ProxyForm(forms.Form):
    term = forms.ModelChoiceField(label=_("學期"), queryset=Term.objects.none())
    teacher = forms.ModelChoiceField(label=_("原任課教師"), queryset=Teacher.objects.none())
    proxy = forms.ModelChoiceField(label=_("代理人"), queryset=Teacher.objects.none())

    def __init__(self, *args: object, school_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["term"].queryset = Term.objects.filter(school_id=school_id)  # type: ignore[attr-defined]
        teachers = Teacher.objects.filter(school_id=school_id)
        self.fields["teacher"].queryset = teachers  # type: ignore[attr-defined]
        self.fields["proxy"].queryset = teachers  # type: ignore[attr-defined]


class ConsultationForm(forms.Form):
    student_number = forms.CharField(label=_("學生學號"), max_length=20)
    date = forms.DateField(label=_("諮詢日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("諮詢方式"), choices=ConsultationKind.choices)
    description = DescriptionField(label=_("諮詢內容簡述"))
    attachment = forms.FileField(
        allow_empty_file=True,
        label=_("附件（pdf、jpg、png，2 MB 以內，選填）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT_DOCUMENT}),
    )
