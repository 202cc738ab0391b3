"""The settings answer cache's own cost: microseconds a ``get`` (inflating a kept answer, as
every warm ``GET /v1/me/settings`` does) and a ``put`` of a typical answer with a guardian's
limits, for the ``SettingsAnswerCache`` of this tree (bytes an entry: ``tests.bench.memory``).

    python -m tests.bench.answer_cache [--rounds 20000]
"""

from __future__ import annotations

import argparse
import time
import uuid

from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import _encode, typical_answers
from family_safety.domain.account_settings.schemas import effective_settings_out
from family_safety.domain.policy.engine import GuardianLimits, resolve
from family_safety.domain.policy.pack import load_default_pack


def main(rounds: int) -> None:
    pack = load_default_pack()
    band = sorted(pack.teen_bands)[0]
    guardian = GuardianLimits(str(uuid.uuid4()), "guardian_handle", {"account.private": True})
    account = uuid.uuid4()
    effective = resolve(pack, band=band, start_band=band, own_choices={}, guardians=(guardian,))
    body = _encode(effective_settings_out(effective, str(account)))
    cache = SettingsAnswerCache(64 * 1024 * 1024, typical_answers(pack))
    started = time.perf_counter()
    for _ in range(rounds):
        cache.put(account, "etag", body)
    put = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(rounds):
        answer = cache.get(account, "etag")
    get = (time.perf_counter() - started) / rounds * 1e6
    assert answer == body
    print(f"answer {len(body):,} bytes")
    print(f"get {get:.1f} us, put {put:.1f} us ({rounds:,} rounds each)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.bench.answer_cache")
    parser.add_argument("--rounds", type=int, default=20_000)
    main(parser.parse_args().rounds)
