"""Passwords are hashed with the production argon2id parameters (the rest of the tests use a
cheap hasher, so this is where those parameters are held to)."""

from __future__ import annotations

from family_safety.lib.config import Settings
from family_safety.lib.security.passwords import PasswordHasher


async def test_production_hashes_are_argon2id_with_owasp_parameters(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    hasher = PasswordHasher(
        memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost
    )
    stored = await hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await hasher.verify("correct horse battery", stored) == (True, None)
    assert (await hasher.verify("wrong horse battery", stored))[0] is False


async def test_raising_the_cost_rehashes_at_the_next_sign_in(tmp_path) -> None:
    cheap = PasswordHasher(memory_kib=8, time_cost=1)
    stored = await cheap.hash("correct horse battery")
    production = PasswordHasher(memory_kib=19 * 1024, time_cost=2)
    valid, new_hash = await production.verify("correct horse battery", stored)
    assert valid
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
