"""Mobile numbers: validated with libphonenumber and stored as E.164 (``+8613800138000``).

Demo data uses the block ``+86 1749 xxxx xxx``. libphonenumber's metadata lists 174 numbers
only in the 1740 block (satellite and emergency services), so 1749 reaches no subscriber;
``test_phones`` fails if that ever changes. The block is accepted here so demo people can
exist, and is flagged by :func:`is_demo` so delivery channels can refuse it.
"""

from __future__ import annotations

import re

import phonenumbers

DEMO_PREFIX = "+861749"
_DEMO = re.compile(r"^\+861749\d{7}$")


class PhoneError(ValueError):
    pass


def normalise(raw: str, default_region: str = "CN") -> str:
    """E.164 form of ``raw`` or :class:`PhoneError` saying why it is not a mobile number."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("手机号为空 / mobile number is empty")
    digits = re.sub(r"[\s\-()]", "", text)
    if _DEMO.match(digits) or _DEMO.match("+86" + digits.removeprefix("86")):
        return digits if digits.startswith("+") else "+86" + digits.removeprefix("86")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"无法识别的号码 / not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"无效号码 / invalid number: {raw!r}")
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise PhoneError(f"不是手机号 / not a mobile number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_demo(e164: str) -> bool:
    return bool(_DEMO.match(e164))


def demo_number(n: int) -> str:
    """The ``n``-th demo number (0 <= n < 10**7)."""
    if not 0 <= n < 10**7:
        raise ValueError("demo numbers run out at 10 million")
    return f"{DEMO_PREFIX}{n:07d}"
