"""Mobile numbers are validated and stored normalised; demo numbers reach nobody."""

import phonenumbers
import pytest

from yingji.people.phones import PhoneError, demo_number, is_demo, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("(+86) 138 0013 8000", "+8613800138000"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "010-12345678", "1380013800", "23800138000"])
def test_rejects(raw: str) -> None:
    with pytest.raises(PhoneError):
        normalise(raw)


def test_demo_block_is_unallocated_in_libphonenumber() -> None:
    """If libphonenumber ever lists 1749 as allocated, demo numbers must move."""
    for n in (0, 1234567, 9999999):
        number = demo_number(n)
        assert is_demo(number) and normalise(number) == number
        assert not phonenumbers.is_valid_number(phonenumbers.parse(number))
    assert not is_demo("+8613800138000")
