"""GB 32100 credit codes: the check character decides."""

import pytest

from yingji.enterprises.credit_code import (
    CreditCodeError,
    check_char,
    inner_org_code_ok,
    is_valid,
    normalise,
)

# Published codes of well-known enterprises (public registration records).
REAL = ["91440300708461136T", "91330100716105852F"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_validate(code: str) -> None:
    assert normalise(code.lower()) == code and is_valid(code) and inner_org_code_ok(code)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("9144030070846113", "18"),
        ("9144030070846113I6", "非法字符"),
        ("911A0000100000589B", "非法字符"),
        ("91440300708461136A", "校验位错误：应为 T"),
    ],
)
def test_bad_codes_say_why(raw: str, reason: str) -> None:
    with pytest.raises(CreditCodeError, match=reason):
        normalise(raw)


def test_check_char_closes_every_prefix() -> None:
    first17 = "91500101MA5U0000X"
    assert is_valid(first17 + check_char(first17))
