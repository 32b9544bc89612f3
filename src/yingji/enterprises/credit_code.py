"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organisation type (1), administrative division
(6 digits), the subject's organisation code (9, itself ending in a GB 11714 check
character) and a final check character over the first 17. The final check is what the
standard makes binding for every code, so validation rests on it; the inner organisation
code check is offered separately.
"""

from __future__ import annotations

import re

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The code alphabet: digits and 21 upper-case letters (no I, O, S, V, Z)."""
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


class CreditCodeError(ValueError):
    pass


def check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(CHARS.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CHARS[(31 - total % 31) % 31]


def org_check_char(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(CHARS.index(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def normalise(raw: str) -> str:
    """The code in upper case without spaces, or :class:`CreditCodeError` saying why not."""
    code = re.sub(r"\s", "", raw or "").upper()
    if len(code) != 18:
        raise CreditCodeError(
            f"统一社会信用代码须为 18 位，实为 {len(code)} 位 / a credit code has 18 "
            f"characters, got {len(code)}"
        )
    if not _SHAPE.match(code):
        raise CreditCodeError(
            "统一社会信用代码含非法字符（不含 I、O、S、V、Z，第 3-8 位为数字）/ invalid "
            "characters (no I, O, S, V, Z; characters 3-8 are digits)"
        )
    expected = check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            f"统一社会信用代码校验位错误：应为 {expected} / wrong check character, "
            f"expected {expected}"
        )
    return code


def is_valid(raw: str) -> bool:
    try:
        normalise(raw)
    except CreditCodeError:
        return False
    return True


def inner_org_code_ok(code: str) -> bool:
    """Whether characters 9-17 are a well-formed GB 11714 organisation code."""
    return org_check_char(code[8:16]) == code[16]
