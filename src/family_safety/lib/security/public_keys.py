"""JWS signed by someone else: public keys an operator trusts, and the check of what they sign.

A trusted key is a PEM Ed25519 (``EdDSA``) or P-256 (``ES256``) public key; its key id is its
RFC 7638 JWK thumbprint, so issuer and service compute the same ``kid`` from the key alone. The
check takes the algorithm from the key, never from the token's header (RFC 8725 §3.1): a header
naming ``none``, an HMAC, or any algorithm other than its key's is refused before any signature
is checked, and so is a token whose ``kid`` is unknown. A token is read once (``read_signed``):
its claims are decoded only after its one signature check, PyJWT's own for the key's algorithm.
Every refusal is one ``InvalidSignature`` whose message names what failed and never the token, a
key or a claim's value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from jwt.algorithms import Algorithm, ECAlgorithm, OKPAlgorithm

if TYPE_CHECKING:
    from collections.abc import Callable

ALGORITHMS = ("EdDSA", "ES256")
MAX_SIGNED_LENGTH = 4096
"""Larger than any signal an issuer needs to send; anything larger is refused unparsed."""
_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}


class PublicKeyError(ValueError):
    """The file is not a PEM Ed25519 or P-256 public key."""


class InvalidSignature(Exception):
    """The JWS is not one a trusted key signed for this purpose, now. The message names the
    failed check only."""


class ChecksExhausted(Exception):
    """No signature may be checked now (``verify_signed``'s ``may_check`` said no)."""


@dataclass(frozen=True, slots=True)
class TrustedKey:
    owner: str  # who signs with it: the ``iss`` its tokens must carry
    kid: str
    algorithm: str  # EdDSA or ES256
    key: Ed25519PublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True, slots=True)
class ParsedKey:
    kid: str
    algorithm: str
    pem: str  # the key re-encoded: what is stored


def parse_public_key(pem: bytes) -> ParsedKey:
    """The key id and algorithm of a PEM public key; ``PublicKeyError`` for anything else
    (a private key, RSA, another curve, not PEM)."""
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise PublicKeyError("not a PEM public key") from exc
    if isinstance(key, Ed25519PublicKey):
        algorithm, jwk = "EdDSA", OKPAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm, jwk = "ES256", ECAlgorithm.to_jwk(key, as_dict=True)
    else:
        raise PublicKeyError("only Ed25519 and P-256 public keys are accepted")
    return ParsedKey(thumbprint(jwk), algorithm, _pem_of(key))


def load_trusted_key(owner: str, kid: str, algorithm: str, pem: str) -> TrustedKey:
    key = load_pem_public_key(pem.encode())
    assert isinstance(key, (Ed25519PublicKey, ec.EllipticCurvePublicKey))  # parse_public_key's
    return TrustedKey(owner, kid, algorithm, key)


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SignedToken:
    """A compact JWS split and decoded, nothing checked but its form: read once, then checked
    by :func:`verify_signed`."""

    token: str
    header: dict[str, Any]
    signing_input: bytes  # the header and payload segments as sent: what the signature covers
    signature: bytes


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_decode_header = msgspec.json.Decoder(dict[str, Any]).decode
# The signature checks of PyJWT itself, one for each algorithm a trusted key may have.
_CHECKS: dict[str, Algorithm] = {"EdDSA": OKPAlgorithm(), "ES256": ECAlgorithm(ECAlgorithm.SHA256)}


def read_signed(token: str) -> SignedToken:
    """The token split into its header (decoded), signed input and signature; ``InvalidSignature``
    when it is too long or not a compact JWS in unpadded, canonical base64url with a JSON object
    for a header. The payload is left encoded: nothing of it is read before the signature."""
    if len(token) > MAX_SIGNED_LENGTH:
        raise InvalidSignature("too long")
    segments = token.split(".")
    if len(segments) != 3 or not all(_BASE64URL.fullmatch(segment) for segment in segments):
        raise InvalidSignature("undecodable")
    header_segment, payload_segment, signature_segment = segments
    try:
        header = _decode_header(_base64url(header_segment))
        signature = _base64url(signature_segment)
        _base64url(payload_segment)
    except (ValueError, msgspec.DecodeError) as exc:
        raise InvalidSignature("undecodable") from exc
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    return SignedToken(token, header, signing_input, signature)


def _base64url(segment: str) -> bytes:
    """Unpadded base64url, in its one canonical spelling (``ValueError`` otherwise)."""
    decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode("ascii") != segment:
        raise ValueError("not canonical base64url")
    return decoded


def verify_signed(
    signed: SignedToken,
    *,
    typ: str,
    find_key: Callable[[str], TrustedKey | None],
    required: tuple[str, ...],
    leeway_seconds: int,
    max_life_seconds: int,
    may_check: Callable[[], bool],
) -> tuple[TrustedKey, dict[str, Any]]:
    """The key that signed the token and its verified claims: header ``typ`` and ``alg`` (that of
    the key named by ``kid``), signature, ``iss`` (the key's owner), ``exp`` and ``iat`` (within
    ``leeway_seconds`` of now) and ``exp`` at most ``max_life_seconds`` after ``iat``. One
    signature check at most, and the claims read only after it; nothing is read but
    ``find_key``. ``may_check`` is asked just before that check, once the token names a trusted
    key: when it says no, ``ChecksExhausted``, and nothing is checked."""
    header = signed.header
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise InvalidSignature("algorithm not allowed")
    if header.get("typ") != typ:
        raise InvalidSignature("wrong typ")
    kid = header.get("kid")
    key = find_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidSignature("unknown kid")
    if alg != key.algorithm:
        raise InvalidSignature("algorithm does not match the key")
    if not may_check():
        raise ChecksExhausted
    if not _CHECKS[key.algorithm].verify(signed.signing_input, key.key, signed.signature):
        raise InvalidSignature("bad signature")
    try:
        # The signature is checked: PyJWT checks the claims, without checking it again.
        claims: dict[str, Any] = jwt.decode(
            signed.token,
            algorithms=[key.algorithm],
            issuer=key.owner,
            leeway=leeway_seconds,
            options={
                "verify_signature": False,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_iss": True,
                "verify_sub": True,
                "verify_jti": True,
                "verify_aud": False,
                "require": list(required),
            },
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidSignature("expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidSignature("issued in the future") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidSignature("issuer does not own the key") from exc
    except jwt.PyJWTError as exc:
        raise InvalidSignature(type(exc).__name__) from exc
    if int(claims["exp"]) - int(claims["iat"]) > max_life_seconds:
        raise InvalidSignature("lives too long")
    return key, claims


def _pem_of(key: Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
