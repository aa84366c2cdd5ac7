"""Forms for submission pages. They parse input only; rules live in the actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolios.forms import LocalDateTimeInput

from .models import ConfirmationStatus, Roster

SEMESTER_CHOICES = [(1, _("第 1 學期")), (2, _("第 2 學期")), (0, _("整學年（學年名冊）"))]


class PrecheckForm(forms.Form):
    """Which rosters of which term or school year to pre-check and submit (RULES.md §5)."""

    school_year = forms.IntegerField(label=_("學年度"), min_value=100, max_value=200)
    semester = forms.TypedChoiceField(
        label=_("學期"), choices=SEMESTER_CHOICES, coerce=int, initial=1
    )
    rosters = forms.MultipleChoiceField(
        label=_("名冊"),
        choices=Roster.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "基本資料與學期成績為學期名冊；課程學習成果與多元表現為學年名冊（學期填 0），"
            "兩者請分開預檢與提交。"
        ),
    )
    #: The latest version the pre-check page showed (hidden in the submit form; 0: none).
    expected_version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class CheckPeriodForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("開始時間（臺北時間）"), widget=LocalDateTimeInput())
    closes_at = forms.DateTimeField(
        label=_("截止時間（臺北時間，至少 3 天）"), widget=LocalDateTimeInput()
    )


class LineIdsField(forms.Field):
    """Every value sent under the field's name (the receipt's per-line checkboxes), as a list
    of strings. Which ids are valid is the action's rule (``confirm_receipt``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]  # type: ignore[attr-defined]


class ConfirmationForm(forms.Form):
    """No max_length on the note: the action counts characters and names the limit. ``lines``
    are the line ids the student ticked (``submissions.lines``); the template renders the
    checkboxes next to each line of the central record."""

    status = forms.ChoiceField(
        label=_("確認結果"),
        choices=[
            (ConfirmationStatus.CORRECT.value, _("資料正確")),
            (ConfirmationStatus.DISPUTED.value, _("資料有誤")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("說明（資料有誤時請勾選有誤的資料列或填寫說明，至多 500 字）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lines = LineIdsField(label=_("有誤的資料列"), required=False)
