"""Clients without identity: a citizen number (BSN) becomes a keyed pseudonym the moment a
message is read, and only the pseudonym is kept.

The key is HMAC-SHA256 of the BSN with the secret ``CLIENT_PSEUDONYM_KEY`` from the environment,
shortened to 32 hex digits (128 bits: among a region's few hundred thousand clients the chance that
two share a key is about 1 in 10^28). Without the secret the pseudonym cannot be turned back into
the BSN, not even by trying all billion possible numbers. The secret is never in the database or in
a backup; lose it and new messages get new keys that no longer link to the earlier ones (README)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_LENGTH = 32  # hex digits kept of the 64 of SHA-256
MIN_SECRET_LENGTH = 32


def pseudonym_secret() -> bytes:
    """The secret, or ImproperlyConfigured when it is missing or too short to be one."""
    secret = getattr(settings, "CLIENT_PSEUDONYM_KEY", "") or ""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured("CLIENT_PSEUDONYM_KEY is missing or shorter than 32 characters.")
    return secret.encode()


def client_key(bsn: str, secret: bytes | None = None) -> str:
    """The client's pseudonym: the same for the same BSN under the same secret."""
    digest = hmac.new(secret or pseudonym_secret(), bsn.strip().encode("ascii"), hashlib.sha256)
    return digest.hexdigest()[:KEY_LENGTH]


class Pseudonymiser:
    """client_key for many BSNs of one message: the secret read once, repeated BSNs hashed once."""

    def __init__(self) -> None:
        self._secret = pseudonym_secret()
        self._seen: dict[str, str] = {}

    def __call__(self, bsn: str) -> str:
        key = self._seen.get(bsn)
        if key is None:
            key = self._seen[bsn] = client_key(bsn, self._secret)
        return key
