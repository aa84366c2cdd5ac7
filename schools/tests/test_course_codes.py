"""The 23-character course code (RULES.md §2.3.1) and the category 8/9 rule (RULES.md §2.3)."""

import dataclasses

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from schools.course_codes import (
    COURSE_CATEGORY_LABELS,
    CourseCode,
    decode_course_code,
    validate_course_code,
)
from schools.tests.factories import CODE_ALPHABET

#  1-3  4-9     10 11-12 13-15 16 17 18 19 20-21 22-23
KNOWN = "110013301H00101011A0502"


def course_code_error(raw: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_course_code(raw)
    assert excinfo.value.error_list[0].code == "course_code"
    return excinfo.value.messages[0]


def test_known_code_decodes_field_by_field_r2_3_1() -> None:
    decoded = decode_course_code(KNOWN)

    assert len(KNOWN) == 23
    assert dataclasses.asdict(decoded) == {
        "code": KNOWN,
        "entry_year": "110",
        "school_code": "013301",
        "curriculum_type": "H",
        "group_code": "00",
        "department_code": "101",
        "class_group": "0",
        "course_category": "1",
        "delivery_mode": "1",
        "subject_attribute": "A",
        "domain": "05",
        "subject_code": "02",
    }
    assert decoded.prefix == "110013301H001010"
    assert decoded.category_label == "部定必修"


@pytest.mark.parametrize("raw", [KNOWN[:-1], KNOWN + "0", ""])
def test_wrong_length_is_rejected_with_length_in_message_r2_3_1(raw: str) -> None:
    assert course_code_error(raw) == f"課程代碼應為 23 碼英數字，收到 {len(raw)} 碼：「{raw}」。"


def test_non_alphanumeric_character_is_rejected_r2_3_1() -> None:
    raw = KNOWN[:10] + "-" + KNOWN[11:]

    assert course_code_error(raw) == f"課程代碼應為 23 碼英數字，收到 23 碼：「{raw}」。"


def test_lowercase_code_is_refused_r2_3_1() -> None:
    """Course codes are ``[0-9A-Z]`` only (RULES.md §2.3.1): a lower-case code is refused, so
    one code never exists in two spellings."""
    raw = KNOWN.replace("H", "h").replace("A", "a")

    with pytest.raises(ValidationError):
        decode_course_code(raw)


@pytest.mark.parametrize("category", ["0", "B", "C", "F", "Z"])
def test_unknown_category_is_rejected_r2_3_1(category: str) -> None:
    raw = KNOWN[:16] + category + KNOWN[17:]

    assert course_code_error(raw) == f"課程代碼第 17 碼（課程類別）「{category}」不是有效代碼。"


@pytest.mark.parametrize(
    ("category", "label"),
    [("1", "部定必修"), ("2", "校訂必修"), ("3", "校訂選修"), ("A", "校訂選修"),
     ("8", "團體活動時間"), ("9", "彈性學習時間")],
)  # fmt: skip
def test_category_labels_r2_3_1(category: str, label: str) -> None:
    assert decode_course_code(KNOWN[:16] + category + KNOWN[17:]).category_label == label


@pytest.mark.parametrize(
    ("category", "attribute", "submittable"),
    [
        ("8", "D", True),
        ("9", "D", True),
        ("8", "A", False),
        ("9", "A", False),
        ("9", "0", False),
        ("1", "A", True),
        ("2", "D", True),
        ("A", "B", True),
    ],
)
def test_categories_8_and_9_are_graded_courses_only_with_attribute_d_r2_3(
    category: str, attribute: str, submittable: bool
) -> None:
    code = KNOWN[:16] + category + KNOWN[17] + attribute + KNOWN[19:]

    assert decode_course_code(code).is_submittable_as_graded_course is submittable


def chars(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=CODE_ALPHABET, min_size=n, max_size=n)


valid_codes = st.builds(
    lambda a, category, b: a + category + b,
    chars(16),
    st.sampled_from(sorted(COURSE_CATEGORY_LABELS)),
    chars(6),
)


@given(code=valid_codes)
def test_decoded_fields_concatenate_back_to_the_code_r2_3_1(code: str) -> None:
    decoded = decode_course_code(code)
    fields = [f.name for f in dataclasses.fields(CourseCode) if f.name != "code"]

    assert "".join(getattr(decoded, name) for name in fields) == code
    assert decoded.code == code
    assert decoded.prefix == code[:16]
    validate_course_code(code)


@given(code=valid_codes)
def test_submittable_iff_not_8_or_9_or_attribute_d_r2_3(code: str) -> None:
    decoded = decode_course_code(code)

    expected = code[16] not in "89" or code[18] == "D"
    assert decoded.is_submittable_as_graded_course is expected
