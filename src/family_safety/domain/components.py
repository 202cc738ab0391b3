"""The long-lived parts of a running service, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from family_safety.db.changes import ChangeBus
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.db.writes import Writer
    from family_safety.domain.account_settings.hot_path import SettingsAnswers
    from family_safety.domain.age_signals.hot_path import TrustedIssuers
    from family_safety.domain.auth.signed_in import SignedInAccounts
    from family_safety.domain.decisions.hot_path import Decisions
    from family_safety.domain.laws.hot_path import LawsInForce
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.safety.matching import InterventionMatcher
    from family_safety.domain.safety.pack import SafetyPacks
    from family_safety.domain.screen_time.hot_path import ScreenTimeStatuses
    from family_safety.lib.config import Settings
    from family_safety.lib.metrics import Metrics
    from family_safety.lib.security.passwords import PasswordHasher
    from family_safety.lib.security.token_cache import VerifiedTokenCache
    from family_safety.lib.security.tokens import TokenSigner


@dataclass(frozen=True, slots=True)
class Components:
    settings: Settings
    pack: PolicyPack
    hasher: PasswordHasher
    signer: TokenSigner
    tokens: VerifiedTokenCache
    reader: HotPathReader  # the reads of the hot path
    writer: Writer  # lean writes: PUT limits, usage reports
    settings_answers: SettingsAnswers  # GET /v1/me/settings
    screen_time_statuses: ScreenTimeStatuses  # GET /v1/me/screen-time
    sessions: async_sessionmaker[AsyncSession]  # for work outside a request's own session
    changes: ChangeBus  # committed changes, of this process and (PostgreSQL) of other instances
    signed_in: SignedInAccounts  # the account and session of each access token
    safety: SafetyPacks  # resources, report categories and next steps
    interventions: InterventionMatcher  # search interventions
    metrics: Metrics  # GET /metrics: requests counted by the request log, gauges read per scrape
    decisions: Decisions  # POST /access/v1/evaluation(s): what they read, kept in memory
    laws: LawsInForce  # the shipped laws with the statuses staff set
    age_issuers: TrustedIssuers  # the keys of the issuers of age signals
