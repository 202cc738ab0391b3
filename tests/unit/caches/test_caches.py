"""The hot path's caches: an answer is served only under its own ETag; memory stays bounded."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import time_machine

from family_safety.domain.account_settings.cache import ENTRY_OVERHEAD_BYTES, SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import typical_answers
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.security import token_cache
from family_safety.lib.security.keyring import Keyring, SigningKey
from family_safety.lib.security.token_cache import REFUSED_SECONDS, VerifiedTokenCache
from family_safety.lib.security.tokens import InvalidToken, TokenKind, TokenSigner


@pytest.fixture
def answers() -> SettingsAnswerCache:
    return SettingsAnswerCache(
        max_bytes=10_000, typical_answers=typical_answers(load_default_pack())
    )


def test_an_answer_is_served_only_under_its_etag(answers):
    account = uuid.uuid4()
    answers.put(account, '"v1"', b'{"settings": 1}')
    assert answers.get(account, '"v1"') == b'{"settings": 1}'
    assert answers.get(account, '"v2"') is None
    assert answers.get(uuid.uuid4(), '"v1"') is None
    answers.put(account, '"v2"', b'{"settings": 2}')
    assert answers.get(account, '"v1"') is None
    assert answers.get(account, '"v2"') == b'{"settings": 2}'


def test_the_least_recently_used_answers_leave_first_when_over_budget(answers):
    accounts = [uuid.uuid4() for _ in range(200)]
    for account in accounts:
        answers.put(account, '"e"', account.hex.encode() * 3)
    assert len(answers) < 200
    assert len(answers) * ENTRY_OVERHEAD_BYTES <= 10_000
    assert answers.get(accounts[-1], '"e"') == accounts[-1].hex.encode() * 3
    assert answers.get(accounts[0], '"e"') is None


def _signer() -> TokenSigner:
    return TokenSigner(Keyring(keys=(SigningKey.generate(datetime.now(UTC)),)), issuer="test")


def test_tokens_are_verified_once_and_not_past_expiry(monkeypatch):
    signer = _signer()
    cache = VerifiedTokenCache(signer, max_entries=2)
    account, session = uuid.uuid4(), uuid.uuid4()
    token = signer.sign(TokenKind.ACCESS, subject=str(account), ttl_seconds=60, sid=str(session))
    grant = cache.verify_access_token(token)
    assert (grant.account_id, grant.session_id) == (account, session)
    calls = []
    original = signer.verify
    monkeypatch.setattr(signer, "verify", lambda *a, **k: calls.append(1) or original(*a, **k))
    assert cache.verify_access_token(token) == grant
    assert calls == []
    with time_machine.travel(time.time() + 61, tick=False), pytest.raises(InvalidToken):
        cache.verify_access_token(token)


def _counting_checks(signer: TokenSigner, monkeypatch) -> list[str]:
    checked: list[str] = []
    original = signer.verify
    monkeypatch.setattr(
        signer, "verify", lambda kind, token: checked.append(token) or original(kind, token)
    )
    return checked


def test_a_refused_token_is_refused_without_a_second_check_for_a_few_seconds(monkeypatch):
    signer = _signer()
    cache = VerifiedTokenCache(signer, max_entries=2)
    subject = str(uuid.uuid4())
    token = signer.sign(TokenKind.ACCESS, subject=subject, ttl_seconds=60, sid=subject)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    checked = _counting_checks(signer, monkeypatch)

    for _ in range(3):
        with pytest.raises(InvalidToken):
            cache.verify_access_token(forged)
    assert checked == [forged]
    assert cache.verify_access_token(token).account_id == uuid.UUID(subject)

    later = time.time() + REFUSED_SECONDS + 1
    with time_machine.travel(later, tick=False), pytest.raises(InvalidToken):
        cache.verify_access_token(forged)
    assert checked == [forged, token, forged]


def test_the_memory_of_refused_tokens_is_bounded(monkeypatch):
    monkeypatch.setattr(token_cache, "REFUSED_ENTRIES", 2)
    signer = _signer()
    cache = VerifiedTokenCache(signer, max_entries=2)
    forged = [f"not.a.token{n}" for n in range(3)]
    checked = _counting_checks(signer, monkeypatch)

    for token in [*forged, forged[2], forged[0]]:
        with pytest.raises(InvalidToken):
            cache.verify_access_token(token)

    # The first was forgotten when the third came; the third was still remembered.
    assert checked == [*forged, forged[0]]


def test_the_token_cache_is_bounded():
    signer = _signer()
    cache = VerifiedTokenCache(signer, max_entries=2)
    for _ in range(5):
        subject = str(uuid.uuid4())
        cache.verify_access_token(
            signer.sign(TokenKind.ACCESS, subject=subject, ttl_seconds=60, sid=subject)
        )
    assert len(cache) == 2


def test_expired_tokens_are_purged_as_new_ones_come():
    signer = _signer()
    cache = VerifiedTokenCache(signer, max_entries=1000)
    for _ in range(5):
        subject = str(uuid.uuid4())
        cache.verify_access_token(
            signer.sign(TokenKind.ACCESS, subject=subject, ttl_seconds=60, sid=subject)
        )
    assert len(cache) == 5
    with time_machine.travel(time.time() + 61, tick=False):
        subject = str(uuid.uuid4())
        cache.verify_access_token(
            signer.sign(TokenKind.ACCESS, subject=subject, ttl_seconds=60, sid=subject)
        )
        assert len(cache) == 1


def test_the_answer_cache_counts_what_its_entries_really_take():
    """Within a quarter of what tracemalloc sees, so the configured megabytes are honest."""
    import tracemalloc

    pack = load_default_pack()
    cache = SettingsAnswerCache(max_bytes=1 << 40, typical_answers=typical_answers(pack))
    bodies = [typical_answers(pack)[:600] + str(i).encode() for i in range(50)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(5_000):
            cache.put(uuid.uuid4(), f'"{i:032x}"', bodies[i % 50])
        taken = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.75 * taken <= cache._bytes <= 1.25 * taken
