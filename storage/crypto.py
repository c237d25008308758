"""Encryption of grant keys at rest (AES-256-GCM).

Each ciphertext binds the Discord user id as associated data, so a row copied onto another user fails to
decrypt instead of letting that user spend someone else's money. A fixed check value, encrypted when the
database is created, tells at start whether KEY_ENCRYPTION_KEY is the one the database was written with.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT_VERSION = b"\x01"
_NONCE_BYTES = 12
_CHECK_PLAINTEXT = b"taubot-discord key check"
_CHECK_CONTEXT = b"key-check"


class DecryptionFailed(Exception):
    """A ciphertext did not decrypt: wrong key, tampered data, or a row that belongs to another user."""


class GrantKeyCipher:
    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("the encryption key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt_for_user(self, discord_user_id: int, grant_key: str) -> bytes:
        return self._seal(grant_key.encode(), _user_context(discord_user_id))

    def decrypt_for_user(self, discord_user_id: int, ciphertext: bytes) -> str:
        return self._open(ciphertext, _user_context(discord_user_id)).decode()

    def make_check_value(self) -> bytes:
        return self._seal(_CHECK_PLAINTEXT, _CHECK_CONTEXT)

    def matches_check_value(self, check_value: bytes) -> bool:
        try:
            return self._open(check_value, _CHECK_CONTEXT) == _CHECK_PLAINTEXT
        except DecryptionFailed:
            return False

    def _seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, _FORMAT_VERSION + context)

    def _open(self, ciphertext: bytes, context: bytes) -> bytes:
        version, nonce, body = ciphertext[:1], ciphertext[1 : 1 + _NONCE_BYTES], ciphertext[1 + _NONCE_BYTES :]
        if version != _FORMAT_VERSION or len(nonce) != _NONCE_BYTES:
            raise DecryptionFailed("unknown ciphertext format")
        try:
            return self._aead.decrypt(nonce, body, version + context)
        except InvalidTag:
            raise DecryptionFailed("ciphertext does not match this key and user") from None


def _user_context(discord_user_id: int) -> bytes:
    return b"grant-key:user:" + str(discord_user_id).encode()
