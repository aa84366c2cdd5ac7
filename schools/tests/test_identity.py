"""National ID and resident number checks and masking (RULES.md §8)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from schools.identity import (
    LETTER_VALUES,
    WEIGHTS,
    IdKind,
    check_id,
    checksum_ok,
    mask_id,
    normalize_id,
    old_resident_checksum_ok,
    validate_national_id,
    with_check_digit,
)

letters = st.sampled_from(sorted(LETTER_VALUES))
eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
#: Weight of each digit position 1..9 of the ID string (d1..d9), RULES.md §8.2.
DIGIT_WEIGHTS = dict(enumerate(WEIGHTS[2:], start=1))


def validation_message(raw: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as excinfo:
        validate_national_id(raw)
    return excinfo.value.messages[0], excinfo.value.error_list[0].code or ""


def test_rules_example_a123456789_is_a_valid_national_id_r8_2() -> None:
    result = check_id("A123456789")

    assert result.kind == IdKind.NATIONAL
    assert result.valid is True
    assert result.warning == ""
    validate_national_id("A123456789")


def test_checksum_rejects_wrong_digit_with_masked_message_r8_2() -> None:
    message, code = validation_message("A123456788")

    assert message == "身分證號「A123****88」檢查碼錯誤，請再確認。"
    assert code == "id_checksum"


@pytest.mark.parametrize("raw", ["A12345678", "1123456789", "A323456789", "A1234567890", "A12"])
def test_malformed_id_is_rejected_as_format_error_without_leaking_it_r8_1(raw: str) -> None:
    message, code = validation_message(raw)

    assert code == "id_format"
    assert message == (
        f"身分證號「{mask_id(raw)}」格式錯誤：應為 1 個英文字母加 9 碼數字（如 A123456789）。"
    )
    assert f"「{raw}」" not in message


@pytest.mark.parametrize("second_digit", ["8", "9"])
def test_new_resident_number_with_second_digit_8_or_9_is_accepted_r8_1(second_digit: str) -> None:
    value = with_check_digit(f"A{second_digit}0012345")

    result = check_id(value)

    assert result.kind == IdKind.RESIDENT_NEW
    assert result.valid is True
    validate_national_id(value)


def test_new_resident_number_checksum_is_enforced_r8_2() -> None:
    valid = with_check_digit("F80012345")
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)

    message, code = validation_message(wrong)

    assert code == "id_checksum"
    assert message == f"身分證號「{mask_id(wrong)}」檢查碼錯誤，請再確認。"


def test_second_digit_7_is_not_a_resident_number_r8_1() -> None:
    """One write-up claims 7/8 for resident numbers; MOI says 8/9 (RULES.md §8.1)."""
    assert check_id(with_check_digit("A70012345")).kind is None


def _old_resident(passing: bool) -> str:
    for n in range(100):
        value = f"AB{n:08d}"
        if old_resident_checksum_ok(value) is passing:
            return value
    raise AssertionError("no sample found")


def test_old_resident_number_with_good_checksum_is_accepted_without_warning_r8_2() -> None:
    value = _old_resident(passing=True)

    result = check_id(value)

    assert (result.kind, result.valid, result.warning) == (IdKind.RESIDENT_OLD, True, "")
    validate_national_id(value)


def test_old_resident_number_with_unverified_checksum_is_accepted_with_warning_r8_2() -> None:
    value = _old_resident(passing=False)

    result = check_id(value)

    assert (result.kind, result.valid) == (IdKind.RESIDENT_OLD, True)
    assert result.warning == "舊式居留證號檢查碼無法確認"
    validate_national_id(value)  # a warning, never a hard failure


@pytest.mark.parametrize(
    "raw", ["Ａ１２３４５６７８９", "a123456789", "  A123456789 ", "ａ１２３４５６７８９"]
)
def test_full_width_lowercase_and_padded_input_is_normalised_r8_1(raw: str) -> None:
    assert normalize_id(raw) == "A123456789"
    assert check_id(raw).valid is True
    validate_national_id(raw)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("A123456789", "A123****89"),
        ("YA94123461", "YA94****61"),
        ("", ""),
        ("A", "*"),
        ("A12345", "******"),
    ],
)
def test_mask_keeps_first_four_and_last_two_and_hides_short_values_whole_r8_3(
    value: str, masked: str
) -> None:
    assert mask_id(value) == masked


@given(letter=letters, digits=eight_digits)
def test_every_completed_prefix_passes_the_checksum_r8_2(letter: str, digits: str) -> None:
    value = with_check_digit(letter + digits)

    assert len(value) == 10
    assert value.startswith(letter + digits)
    assert checksum_ok(value)


@given(
    letter=letters,
    gender=st.sampled_from("1289"),
    digits=st.text("0123456789", min_size=7, max_size=7),
)
def test_every_completed_national_or_resident_prefix_validates_r8_2(
    letter: str, gender: str, digits: str
) -> None:
    value = with_check_digit(f"{letter}{gender}{digits}")

    assert check_id(value).valid is True
    validate_national_id(value)


@given(
    letter=letters,
    digits=eight_digits,
    position=st.integers(min_value=1, max_value=9),
    delta=st.integers(min_value=1, max_value=9),
)
def test_single_digit_change_breaks_checksum_unless_weight_times_change_is_0_mod_10_r8_2(
    letter: str, digits: str, position: int, delta: int
) -> None:
    """Changing d_i by ``delta`` (mod 10) moves the weighted sum by ``w_i * delta`` (mod 10)."""
    value = with_check_digit(letter + digits)
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]

    assert checksum_ok(changed) is ((DIGIT_WEIGHTS[position] * delta) % 10 == 0)


@given(
    letter=letters,
    digits=eight_digits,
    position=st.sampled_from([i for i, w in DIGIT_WEIGHTS.items() if w in {1, 3, 7, 9}]),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_change_at_an_odd_weight_not_5_is_caught_r8_2(
    letter: str, digits: str, position: int, delta: int
) -> None:
    value = with_check_digit(letter + digits)
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]

    assert not checksum_ok(changed)


@given(
    letter=letters,
    digits=eight_digits,
    position=st.sampled_from([i for i, w in DIGIT_WEIGHTS.items() if w % 2 == 0]),
)
def test_a_change_of_5_at_an_even_weight_goes_unnoticed_r8_2(
    letter: str, digits: str, position: int
) -> None:
    """A known blind spot of the algorithm, not of the implementation (RULES.md §8.2)."""
    value = with_check_digit(letter + digits)
    changed = value[:position] + str((int(value[position]) + 5) % 10) + value[position + 1 :]

    assert checksum_ok(changed)


@given(value=st.text(max_size=20))
def test_mask_never_shows_more_than_six_characters_r8_3(value: str) -> None:
    masked = mask_id(value)

    assert len(masked.replace("*", "")) <= 6
    if len(value) >= 10:
        assert value not in masked
