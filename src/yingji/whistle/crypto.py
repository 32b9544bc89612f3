"""Secrets of the whistle domain: the reporter's identity, receipt codes, address hashes.

Identity is sealed with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a
key derived with HKDF-SHA256 from ``whistle_key``, or from ``secret_key`` when that is
unset; each purpose gets its own HKDF ``info`` so the identity key, the address-hash key and
the session-signing key never coincide. Only the ciphertext reaches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yingji.config import Settings, get_settings
from yingji.errors import Conflict

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: a receipt read aloud over the phone or copied by hand stays unambiguous."""
RECEIPT_LENGTH = 12
"""31**12 ≈ 2**59 codes; with look-ups rate-limited per address, guessing one is hopeless."""


def _master(settings: Settings) -> bytes:
    key = settings.whistle_key or settings.secret_key
    return key.get_secret_value().encode()


def uses_derived_key(settings: Settings | None = None) -> bool:
    """True when identities hang on ``secret_key`` (rotating it would lose them)."""
    settings = settings or get_settings()
    return settings.whistle_key is None or not settings.whistle_key.get_secret_value()


def derive(purpose: str, settings: Settings | None = None) -> bytes:
    """32 bytes for ``purpose``, from the configured key by HKDF-SHA256."""
    settings = settings or get_settings()
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"yingji-whistle",
        info=f"yingji whistle {purpose} v1".encode(),
    )
    return hkdf.derive(_master(settings))


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive("identity")))


def seal_identity(name: str, phone: str) -> str:
    """The ciphertext of a reporter's name and phone, one token for both."""
    plain = json.dumps({"name": name, "phone": phone}, ensure_ascii=False).encode()
    return _fernet().encrypt(plain).decode("ascii")


def open_identity(cipher: str) -> dict[str, str]:
    try:
        plain = _fernet().decrypt(cipher.encode("ascii"))
    except InvalidToken as exc:
        raise Conflict(
            "举报人身份无法解密（密钥可能已更换）/ the identity cannot be decrypted: the key "
            "has changed since it was stored"
        ) from exc
    return json.loads(plain)


def ip_hash(address: str) -> str:
    """Keyed hash of a client address: equal addresses match, but the table alone does not
    say which address it was (an unkeyed hash of the IPv4 space is reversed in minutes)."""
    return hmac.new(derive("address"), address.encode(), hashlib.sha256).hexdigest()


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalise_receipt(text: str) -> str:
    """Upper case without separators; ``abcd-efgh-jkmn`` and ``ABCDEFGHJKMN`` are one code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(normalise_receipt(receipt).encode()).hexdigest()


def pretty_receipt(receipt: str) -> str:
    """Groups of four, as shown to the reporter: ``ABCD-EFGH-JKMN``."""
    code = normalise_receipt(receipt)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
