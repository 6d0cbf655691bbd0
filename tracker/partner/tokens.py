"""Shops' tokens at rest: Fernet ciphertext under TRACKER_TIKTOK_TOKEN_KEY, never plain text."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tracker.config import PartnerConfig


class TokenKeyMismatch(RuntimeError):
    """A stored token none of the configured keys opens (the key was changed, not rotated)."""


class TokenBox:
    """Seal and open tokens; the first key seals, every key listed opens (for key rotation)."""

    def __init__(self, config: PartnerConfig) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in config.token_keys])

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except InvalidToken:
            raise TokenKeyMismatch(
                "a stored TikTok Shop token cannot be decrypted with TRACKER_TIKTOK_TOKEN_KEY "
                "(list the old key after the new one, comma-separated, to rotate keys)"
            ) from None
