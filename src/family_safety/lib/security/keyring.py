"""The signing keyring: Ed25519 keys with a ``kid``, one active, retired ones kept until their
tokens have expired. Stored as one JSON file (mode 0600) that every instance reads."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

SIGNING_ALGORITHM = "EdDSA"


class KeyringError(RuntimeError):
    """The keyring is missing or unreadable; the service cannot sign or verify tokens."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: datetime
    retired_at: datetime | None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        jwk = OKPAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": SIGNING_ALGORITHM}

    def to_json(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "kid": self.kid,
            "private_key_pem": pem.decode(),
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SigningKey:
        private_key = serialization.load_pem_private_key(data["private_key_pem"].encode(), None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise KeyringError(f"key {data['kid']!r} is not an Ed25519 key")
        retired_at = data.get("retired_at")
        return cls(
            kid=data["kid"],
            private_key=private_key,
            created_at=datetime.fromisoformat(data["created_at"]),
            retired_at=datetime.fromisoformat(retired_at) if retired_at else None,
        )

    @classmethod
    def generate(cls, now: datetime) -> SigningKey:
        return cls(
            kid=secrets.token_urlsafe(12),
            private_key=Ed25519PrivateKey.generate(),
            created_at=now,
            retired_at=None,
        )


@dataclass(frozen=True, slots=True)
class Keyring:
    """The active key signs; every key still listed verifies."""

    keys: tuple[SigningKey, ...]

    @property
    def active(self) -> SigningKey:
        return next(key for key in self.keys if key.retired_at is None)

    def find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def rotated(self, now: datetime, keep_retired_for: timedelta) -> Keyring:
        """A new active key; the old ones retire and are dropped once their tokens expired."""
        kept = tuple(
            key if key.retired_at else _retire(key, now)
            for key in self.keys
            if key.retired_at is None or key.retired_at + keep_retired_for > now
        )
        return Keyring(keys=(SigningKey.generate(now), *kept))


def _retire(key: SigningKey, now: datetime) -> SigningKey:
    return SigningKey(key.kid, key.private_key, key.created_at, now)


def load_keyring(path: Path) -> Keyring:
    try:
        data = json.loads(path.read_text())
        keys = tuple(SigningKey.from_json(item) for item in data["keys"])
    except FileNotFoundError as exc:
        raise KeyringError(
            f"no signing keyring at {path}; create one with `family-safety keys rotate`"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"the signing keyring at {path} is unreadable: {exc}") from exc
    if sum(key.retired_at is None for key in keys) != 1:
        raise KeyringError(f"the signing keyring at {path} must have exactly one active key")
    return Keyring(keys=keys)


def save_keyring(path: Path, keyring: Keyring) -> None:
    """Write atomically, readable by the owner alone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"keys": [key.to_json() for key in keyring.keys]}, file, indent=2)
    temporary.replace(path)


def create_keyring(path: Path) -> Keyring:
    keyring = Keyring(keys=(SigningKey.generate(datetime.now(UTC)),))
    save_keyring(path, keyring)
    return keyring
