"""Kazakhstan mobile numbers (rule I4): unit tests and hypothesis properties for `kezek.core.phones`."""

import re

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from kezek.core.errors import ValidationFailed
from kezek.core.phones import MOBILE_PREFIXES, is_valid_phone, mask_phone, normalize_phone

# The operator codes as the spec lists them, written out independently of the implementation.
SPEC_PREFIXES = [str(n) for n in range(700, 709)] + ["747", "750", "751"] + [str(n) for n in range(760, 765)]
SPEC_PREFIXES += ["771", "775", "776", "777", "778"]
NORMALISED_RE = re.compile(r"\+77[0-9]{9}")


def test_prefixes_are_those_of_the_spec() -> None:
    assert set(SPEC_PREFIXES) == MOBILE_PREFIXES
    assert len(MOBILE_PREFIXES) == 22


@pytest.mark.parametrize(
    "spelling",
    [
        "+7 (701) 234-56-78",
        "+77012345678",
        "87012345678",
        "7012345678",
        "77012345678",
        "8 701 234 56 78",
        "8 (701) 234-56-78",
        "+7 701 234 5678",
        " +7-701-234-56-78 ",
        "+7.701.234.56.78",
        "+7\u00a0701\u00a0234\u00a056\u00a078",  # no-break spaces, as pasted from a web page
        "(701) 2345678",
    ],
)
def test_common_spellings(spelling: str) -> None:
    assert normalize_phone(spelling) == "+77012345678"


@pytest.mark.parametrize("prefix", SPEC_PREFIXES)
def test_every_mobile_prefix_is_accepted(prefix: str) -> None:
    assert normalize_phone(f"8{prefix}1234567") == f"+7{prefix}1234567"


@pytest.mark.parametrize(
    "number",
    [
        "+77272345678",  # Almaty landline (727)
        "+77172345678",  # Astana landline (717)
        "87232123456",  # Oskemen landline (723)
        "+77092345678",  # 709: not allocated
        "+77482345678",
        "+77522345678",
        "+77652345678",
        "+77702345678",
        "+77722345678",
        "+77742345678",
        "+77792345678",
        "+77992345678",
    ],
)
def test_not_mobile(number: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(number)
    assert info.value.code == "phone_not_mobile"


@pytest.mark.parametrize(
    "value",
    [
        "+7 701 234 56 7",  # too short
        "+7 701 234 56 789",  # too long
        "+79012345678",  # Russia
        "+87012345678",
        "+1 701 234 5678",
        "007 701 234 56 78",
        "7012345678x",
        "+7 701 234 56 78 ext 1",
        "+7 701 234-56-7８",  # full-width digit
        "+7 ٧٠١ 234 56 78",  # Arabic-Indic digits
        "+",
        "++77012345678",
        "7+7012345678",
        "6012345678",
        "1" * 40,
    ],
)
def test_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(value)
    assert info.value.code == "phone_invalid"
    assert info.value.status == 422


@pytest.mark.parametrize("value", ["", "   ", "()- ."])
def test_empty(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(value)
    assert info.value.code == "phone_required"


def test_messages_are_translatable_and_show_an_example() -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        normalize_phone("12345")
    assert "+7 701 234 56 78" in str(info.value.message)


def test_is_valid_phone() -> None:
    assert is_valid_phone("8 701 234 56 78")
    assert not is_valid_phone("8 727 234 56 78")
    assert not is_valid_phone("hello")


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+77012345678", "+7 701 *** ** 78"),
        ("+77771234509", "+7 777 *** ** 09"),
        ("87012345678", "***"),
        ("", "***"),
        ("+7701234567", "***"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


# --- properties --------------------------------------------------------------------------------------

prefixes = st.sampled_from(SPEC_PREFIXES)
subscribers = st.text(alphabet="0123456789", min_size=7, max_size=7)
separators = st.sampled_from(["", " ", "-", ".", "  ", " - "])


@st.composite
def spelled_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(a spelling of a mobile number, its national 10 digits)."""
    national = draw(prefixes) + draw(subscribers)
    lead = draw(st.sampled_from(["+7", "8", "7", ""]))
    brackets = draw(st.booleans())
    operator = f"({national[:3]})" if brackets else national[:3]
    groups = [operator, national[3:6], national[6:8], national[8:]]
    body = draw(separators).join(groups) if draw(st.booleans()) else "".join(groups)
    spelling = f"{lead}{draw(separators)}{body}"
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return f"{padding}{spelling}{padding}", national


@given(spelled_numbers())
@example(("+7 (701) 234-56-78", "7012345678"))
def test_any_spelling_normalises_to_the_national_number(case: tuple[str, str]) -> None:
    spelling, national = case
    assert normalize_phone(spelling) == "+7" + national


@given(st.text(max_size=40))
@example("+77012345678")
@example("8 (700) 000-00-00")
def test_arbitrary_text_is_refused_or_normalised(value: str) -> None:
    """Never another exception; a result is always a normalised mobile number and a fixed point."""
    try:
        result = normalize_phone(value)
    except ValidationFailed as exc:
        code = exc.code
        result = ""
    else:
        code = ""
    if code:
        assert code in {"phone_required", "phone_invalid", "phone_not_mobile"}
        return
    assert NORMALISED_RE.fullmatch(result)
    assert result[2:5] in MOBILE_PREFIXES
    assert normalize_phone(result) == result
    assert list(result[2:]) == [d for d in value if d in "0123456789"][-10:]


other_prefixes = st.text(alphabet="0123456789", min_size=3, max_size=3).filter(
    lambda p: p not in SPEC_PREFIXES
)


@given(other_prefixes, subscribers)
def test_other_operator_codes_are_refused(prefix: str, subscriber: str) -> None:
    with pytest.raises(ValidationFailed):
        normalize_phone(f"+7{prefix}{subscriber}")


@given(prefixes, subscribers)
def test_mask_keeps_operator_and_last_two_digits_only(prefix: str, subscriber: str) -> None:
    phone = f"+7{prefix}{subscriber}"
    masked = mask_phone(phone)
    assert masked == f"+7 {prefix} *** ** {subscriber[-2:]}"
    assert sum(ch.isdigit() for ch in masked) == 6
