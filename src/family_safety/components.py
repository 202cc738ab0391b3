"""The long-lived parts of a running service, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from family_safety.account_settings.cache import SettingsAnswerCache
    from family_safety.config import Settings
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.policy.pack import PolicyPack
    from family_safety.security.passwords import PasswordHasher
    from family_safety.security.token_cache import VerifiedTokenCache
    from family_safety.security.tokens import TokenSigner


@dataclass(frozen=True, slots=True)
class Components:
    settings: Settings
    pack: PolicyPack
    hasher: PasswordHasher
    signer: TokenSigner
    tokens: VerifiedTokenCache
    settings_answers: SettingsAnswerCache
    reader: HotPathReader  # the reads of the hot path
