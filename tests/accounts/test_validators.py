"""The unified social credit code validator (GB 32100-2015): both check characters, each error its own message."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.demo import ENTERPRISES, LEAGUE_CITIES, make_uscc
from accounts.validators import USCC_CHARSET, org_code_check_char, uscc_check_char, validate_uscc

VALID = "91350100M000100Y43"


def rejection(code: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    return caught.value


def test_the_published_example_is_valid():
    validate_uscc(VALID)


@pytest.mark.parametrize(("username", "name", "region", "body"), ENTERPRISES)
def test_demo_enterprise_codes_are_valid(username, name, region, body):
    code = make_uscc(region, body)
    assert len(code) == 18
    assert code.startswith("91" + region + body)
    validate_uscc(code)


def test_check_characters_of_the_example():
    # 9-17 is the organisation code M000100Y4: body M000100Y, its check 4; the 18th character is 3.
    assert org_code_check_char("M000100Y") == "4"
    assert uscc_check_char(VALID[:17]) == "3"


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("00000000", "0"),  # 11 - 0 mod 11 = 11 -> "0"
        ("00000006", "X"),  # 6 x 2 = 12, 11 - 1 = 10 -> "X"
        ("00000001", "9"),  # 1 x 2 = 2, 11 - 2 = 9
        ("A0000000", "3"),  # A counts as 10: 10 x 3 = 30, 30 mod 11 = 8, 11 - 8 = 3
    ],
)
def test_organisation_check_character(body, check):
    assert org_code_check_char(body) == check


@pytest.mark.parametrize(
    ("code", "length"),
    [(VALID[:17], 17), (VALID + "0", 19), ("", 0), ("9135", 4)],
)
def test_wrong_length(code, length):
    error = rejection(code)
    assert error.code == "uscc_length"
    assert error.messages == [f"统一社会信用代码应为18位，当前为{length}位。"]


def test_none_counts_as_empty():
    assert rejection(None).code == "uscc_length"


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "a", "m", "-", " ", "中"])
def test_illegal_character_is_named_with_its_position(bad):
    code = VALID[:9] + bad + VALID[10:]  # position 10
    error = rejection(code)
    assert error.code == "uscc_char"
    assert error.messages == [f"统一社会信用代码第10位“{bad}”不是合法字符（不使用I、O、S、V、Z，字母须大写）。"]


def test_lowercase_code_is_refused_not_silently_uppercased():
    error = rejection(VALID.lower())
    assert error.code == "uscc_char"
    assert "第9位“m”" in error.messages[0]


def test_wrong_organisation_check_character():
    wrong17 = "5" if VALID[16] != "5" else "6"
    error = rejection(VALID[:16] + wrong17 + VALID[17])
    assert error.code == "uscc_org_check"
    assert error.messages == ["统一社会信用代码第17位（组织机构代码校验码）不正确，请核对第9–17位。"]


def test_wrong_final_check_character():
    wrong18 = "4" if VALID[17] != "4" else "5"
    error = rejection(VALID[:17] + wrong18)
    assert error.code == "uscc_check"
    assert error.messages == ["统一社会信用代码第18位（校验码）不正确，请核对全部18位。"]


def test_an_organisation_code_body_change_caught_by_position_17_first():
    # Changing the organisation-code body breaks its own check before the final one is looked at.
    mutated = VALID[:8] + "N" + VALID[9:]
    assert rejection(mutated).code == "uscc_org_check"


region_codes = st.one_of(
    st.sampled_from([code for code, _ in LEAGUE_CITIES]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
org_bodies = st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8)


@given(region=region_codes, body=org_bodies)
def test_make_uscc_always_validates(region, body):
    validate_uscc(make_uscc(region, body))


@given(
    region=region_codes,
    body=org_bodies,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(USCC_CHARSET),
)
def test_any_single_character_substitution_is_rejected(region, body, position, replacement):
    code = make_uscc(region, body)
    if code[position] == replacement:
        replacement = USCC_CHARSET[(USCC_CHARSET.index(replacement) + 1) % len(USCC_CHARSET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError) as caught:
        validate_uscc(mutated)
    assert caught.value.code in {"uscc_org_check", "uscc_check"}


@given(region=region_codes, body=org_bodies, position=st.integers(min_value=0, max_value=17))
def test_adjacent_transpositions_of_different_characters_are_rejected(region, body, position):
    code = make_uscc(region, body)
    if position == 17 or code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    with pytest.raises(ValidationError):
        validate_uscc(swapped)
