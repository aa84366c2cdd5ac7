"""The fields of each diverse-performance record type (RULES.md §2.5, reference_data.json
``diverse_performance_categories``), as Django form fields.

Each type has its own fields on top of the common ones (description, files, external link);
values are stored in ``Performance.details`` under the keys below, dates as ISO strings.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Code, CodeList, RecordType


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str | Promise
    kind: str = "text"  # text | date | int | decimal | code
    required: bool = True
    code_list: str = ""
    max_length: int = 60


def _f(
    key: str,
    label: str | Promise,
    kind: str = "text",
    required: bool = True,
    code_list: str = "",
    max_length: int = 60,
) -> FieldSpec:
    return FieldSpec(key, label, kind, required, code_list, max_length)


START: tuple[str, str | Promise, str] = ("start_date", _("開始日期"), "date")
END: tuple[str, str | Promise, str] = ("end_date", _("結束日期"), "date")

TYPE_FIELDS: dict[str, list[FieldSpec]] = {
    RecordType.CADRE: [
        _f("unit_name", _("單位名稱")),
        _f("position_title", _("擔任職務名稱")),
        _f("cadre_level", _("幹部等級"), "code", code_list=CodeList.CADRE_LEVEL),
        _f(*START),
        _f("end_date", _("結束日期"), "date", required=False),
    ],
    RecordType.COMPETITION: [
        _f("competition_name", _("競賽名稱"), max_length=100),
        _f("level", _("競賽等級"), "code", code_list=CodeList.COMPETITION_LEVEL),
        _f("award", _("競賽獎項")),
        _f("result_date", _("結果公布日期"), "date"),
        _f("event_category", _("競賽項目組別"), required=False),
        _f("participation", _("團體或個人參與"), "code", code_list=CodeList.PARTICIPATION),
    ],
    RecordType.CERTIFICATE: [
        _f("certificate_name", _("檢定證照名稱"), max_length=100),
        _f("certificate_type", _("檢定證照類型"), "code", code_list=CodeList.CERTIFICATE_TYPE),
        _f("certificate_code", _("檢定證照代碼"), required=False, max_length=20),
        _f("score", _("檢定證照結果分數"), "decimal", required=False),
        _f("sub_results", _("分項結果"), required=False, max_length=100),
        _f("obtained_date", _("取得檢定證照日期"), "date"),
        _f("certificate_number", _("檢定證照字號"), required=False),
        _f("group_or_level", _("檢定證照組別／級別"), required=False),
    ],
    RecordType.SERVICE: [
        _f("service_name", _("服務名稱"), max_length=100),
        _f("organisation", _("服務單位名稱"), max_length=100),
        _f(*START),
        _f(*END),
        _f("hours", _("服務學習時數"), "decimal"),
    ],
    RecordType.FLEXIBLE: [
        _f("category", _("彈性學習時間類別"), "code", code_list=CodeList.FLEXIBLE_LEARNING),
        _f("content_title", _("內容（開設名稱）"), max_length=100),
        _f("offering_unit", _("開設單位")),
        _f("periods_per_week", _("每週節數"), "int"),
        _f("weeks", _("開設週數"), "int"),
    ],
    RecordType.GROUP_ACTIVITY: [
        _f("category", _("團體活動時間類別"), "code", code_list=CodeList.GROUP_ACTIVITY),
        _f("organiser", _("辦理單位")),
        _f("activity_name", _("團體活動內容名稱"), max_length=100),
        _f("periods", _("節數"), "int"),
    ],
    RecordType.WORKPLACE: [
        _f("category", _("職場學習類別"), "code", code_list=CodeList.WORKPLACE_LEARNING),
        _f("workplace", _("職場學習單位"), max_length=100),
        _f("job_title", _("職場學習職稱")),
        _f(*START),
        _f(*END),
        _f("hours", _("時數"), "decimal"),
    ],
    RecordType.WORKS: [
        _f("name", _("作品名稱"), max_length=100),
        _f("work_date", _("作品日期"), "date"),
    ],
    RecordType.ADVANCED_COURSE: [
        _f("programme", _("計畫專案"), max_length=100),
        _f("offering_unit", _("開設單位")),
        _f("course_name", _("課程名稱"), max_length=100),
        _f(*START),
        _f(*END),
        _f("credits", _("學分數"), "decimal"),
        _f("total_hours", _("總時數"), "decimal"),
    ],
    RecordType.OTHER: [
        _f("name", _("名稱"), max_length=100),
        _f("organiser", _("主辦單位")),
        _f(*START),
        _f(*END),
        _f("hours", _("時數"), "decimal", required=False),
    ],
}

#: Which detail gives the record's display title.
TITLE_KEYS: dict[str, tuple[str, ...]] = {
    RecordType.CADRE: ("unit_name", "position_title"),
    RecordType.COMPETITION: ("competition_name", "award"),
    RecordType.CERTIFICATE: ("certificate_name",),
    RecordType.SERVICE: ("service_name",),
    RecordType.FLEXIBLE: ("content_title",),
    RecordType.GROUP_ACTIVITY: ("activity_name",),
    RecordType.WORKPLACE: ("workplace", "job_title"),
    RecordType.WORKS: ("name",),
    RecordType.ADVANCED_COURSE: ("course_name",),
    RecordType.OTHER: ("name",),
}


def _form_field(spec: FieldSpec) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "required": spec.required}
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == "int":
        return forms.IntegerField(min_value=0, max_value=1000, **common)
    if spec.kind == "decimal":
        return forms.DecimalField(
            min_value=Decimal(0), max_value=Decimal(10000), decimal_places=1, **common
        )
    if spec.kind == "code":
        return forms.ModelChoiceField(
            queryset=Code.objects.filter(list=spec.code_list, active=True),
            to_field_name="code",
            **common,
        )
    return forms.CharField(max_length=spec.max_length, strip=True, **common)


def details_form_class(record_type: str) -> type[forms.Form]:
    """A Form with the type's own fields (RULES.md §2.5)."""
    fields = {spec.key: _form_field(spec) for spec in TYPE_FIELDS[record_type]}
    return type(f"{record_type.title()}DetailsForm", (forms.Form,), fields)


def details_to_json(record_type: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Cleaned form data → JSON-safe details (dates ISO, decimals as strings, codes as code)."""
    result: dict[str, Any] = {}
    for spec in TYPE_FIELDS[record_type]:
        value = cleaned.get(spec.key)
        if value is None or value == "":
            continue
        if spec.kind == "date":
            result[spec.key] = value.isoformat()
        elif spec.kind == "decimal":
            result[spec.key] = str(value)
        elif spec.kind == "code":
            result[spec.key] = value.code
        else:
            result[spec.key] = value
    return result


def details_initial(record_type: str, details: dict[str, Any]) -> dict[str, Any]:
    """Stored details → form initial values."""
    return {spec.key: details.get(spec.key) for spec in TYPE_FIELDS[record_type]}


def title_of(record_type: str, details: dict[str, Any]) -> str:
    parts = [str(details.get(key, "")).strip() for key in TITLE_KEYS[record_type]]
    return " ".join(part for part in parts if part)[:100]


def display_details(record_type: str, details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for showing a record; code values shown with their labels."""
    codes = {
        (c.list, c.code): c.label
        for c in Code.objects.filter(
            list__in=[s.code_list for s in TYPE_FIELDS[record_type] if s.code_list]
        )
    }
    rows = []
    for spec in TYPE_FIELDS[record_type]:
        value = details.get(spec.key)
        if value in (None, ""):
            continue
        if spec.kind == "code":
            value = codes.get((spec.code_list, value), value)
        rows.append((str(spec.label), str(value)))
    return rows
