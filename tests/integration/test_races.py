"""Two people acting at once: one outcome, one state, whichever lands first."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db.account_records import load_account_record
from family_safety.db.engine import create_engine
from family_safety.domain.audit import chain
from family_safety.domain.links.services import LinkService
from family_safety.domain.pairing import services as pairing_services
from family_safety.domain.pairing.schemas import InvitationProof
from family_safety.domain.pairing.services import PairingService
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.clock import utc_now
from tests.conftest import requires_postgres
from tests.helpers import daily, expect_problem, invite, pair

ROUNDS = 6


async def _invitation_state(guardian, invitation_id: str) -> tuple[bool, bool]:
    export = (await guardian.get("/v1/me/export")).json()
    held = next(i for i in export["pairing_invitations"] if i["id"] == invitation_id)
    return held["spent"], held["revoked"]


async def _expect_one_outcome(guardian, teen, invitation_id: str, consent) -> None:
    """The consent linked and the invitation is spent, or it was told 410 and it is revoked."""
    spent, revoked = await _invitation_state(guardian, invitation_id)
    if consent.status_code == 201:
        assert (spent, revoked) == (True, False)
        ended = await teen.delete(f"/v1/pairings/{consent.json()['id']}")
        assert ended.status_code == 204
    else:
        expect_problem(consent, 410, "invitation-expired")
        assert (spent, revoked) == (False, True)


async def test_a_revoked_invitation_is_never_also_spent_nor_told_used(register_concurrent):
    guardian = await register_concurrent("parent", 40)
    teen = await register_concurrent("teen_14", 14)
    for _ in range(ROUNDS):
        invitation = await invite(guardian)
        revoked, consent = await asyncio.gather(
            guardian.delete(f"/v1/pairing-invitations/{invitation['id']}"),
            teen.post("/v1/pairings", json={"code": invitation["code"]}),
        )
        assert revoked.status_code == 204
        await _expect_one_outcome(guardian, teen, invitation["id"], consent)


# On SQLite each write transaction holds the write lock from its start, so neither request can
# land inside the other: these interleavings can only happen on PostgreSQL.
def postgresql_only(test):
    return requires_postgres(
        pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)(test)
    )


async def _as_service(client, work):
    """Run ``work(PairingService)`` in a transaction of its own, beside the request's."""
    components = client.app.state.components
    async with components.sessions() as session:
        return await work(PairingService(session, components.pack, components.signer))


@postgresql_only
async def test_consent_to_an_invitation_revoked_after_it_was_read_is_told_410(
    register, settings, monkeypatch
):
    guardian = await register("parent", 40)
    teen = await register("teen_14", 14)
    invitation = await invite(guardian)
    checked = pairing_services.active_guardian_ids
    by_guardian = SimpleNamespace(id=UUID(guardian.id))

    async def revoked_meanwhile(*args, **kwargs):
        monkeypatch.setattr(pairing_services, "active_guardian_ids", checked)
        await _as_service(
            guardian.client,
            lambda service: service.revoke(by_guardian, UUID(invitation["id"]), utc_now()),
        )
        return await checked(*args, **kwargs)

    monkeypatch.setattr(pairing_services, "active_guardian_ids", revoked_meanwhile)
    consent = await teen.post("/v1/pairings", json={"code": invitation["code"]})
    await _expect_one_outcome(guardian, teen, invitation["id"], consent)
    assert consent.status_code == 410


@postgresql_only
async def test_an_invitation_spent_while_being_revoked_stays_spent_only(
    register, settings, monkeypatch
):
    guardian = await register("parent", 40)
    teen = await register("teen_14", 14)
    invitation = await invite(guardian)
    found = PairingService._own_invitation
    links = []

    async def consented_meanwhile(self, *args, **kwargs):
        monkeypatch.setattr(PairingService, "_own_invitation", found)
        own = await found(self, *args, **kwargs)
        proof = InvitationProof(code=invitation["code"])
        now = utc_now()
        reader = teen.client.app.state.components.reader
        teen_record = await load_account_record(reader, UUID(teen.id))
        links.append(
            await _as_service(
                teen.client, lambda service: service.redeem(teen_record, proof, now.date(), now)
            )
        )
        return own

    monkeypatch.setattr(PairingService, "_own_invitation", consented_meanwhile)
    revoked = await guardian.delete(f"/v1/pairing-invitations/{invitation['id']}")
    assert revoked.status_code == 204
    assert len(links) == 1
    assert await _invitation_state(guardian, invitation["id"]) == (True, False)


async def _teen_audit_actions(teen) -> list[tuple[int, str]]:
    items = (await teen.get("/v1/me/audit", params={"limit": 100})).json()["items"]
    return [(item["seq"], item["action"]) for item in items]


async def test_no_guardian_limit_lands_after_the_teen_ended_the_link(register_concurrent):
    guardian = await register_concurrent("parent", 40)
    teen = await register_concurrent("teen_14", 14)
    link = await pair(guardian, teen)
    limits_path = f"/v1/teens/{teen.id}/limits"
    etag = (await guardian.get(limits_path)).headers["etag"]
    minutes = (30, 45, 60, 90, 120, 150)
    answers = await asyncio.gather(
        *(
            guardian.put(
                limits_path,
                json={"limits": {"screen_time.daily_limit_minutes": daily(each)}},
                headers={"If-Match": etag},
            )
            for each in minutes[:3]
        ),
        teen.delete(f"/v1/pairings/{link['id']}"),
        *(
            guardian.put(
                limits_path,
                json={"limits": {"screen_time.daily_limit_minutes": daily(each)}},
                headers={"If-Match": etag},
            )
            for each in minutes[3:]
        ),
    )
    ended = answers.pop(3)
    assert ended.status_code == 204
    assert {answer.status_code for answer in answers} <= {200, 404, 412}
    assert sum(answer.status_code == 200 for answer in answers) <= 1
    actions = await _teen_audit_actions(teen)
    ended_at = next(seq for seq, action in actions if action == "link.ended")
    updated = [seq for seq, action in actions if action == "limits.updated"]
    assert all(seq < ended_at for seq in updated)
    assert len(updated) == sum(answer.status_code == 200 for answer in answers)


async def _until_a_statement_waits_for_a_lock(session) -> None:
    for _ in range(500):
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no statement waited for the teen's lock")


@postgresql_only
async def test_a_limits_change_waiting_while_the_link_ends_is_refused_after(
    register_concurrent, settings
):
    guardian = await register_concurrent("parent", 40)
    teen = await register_concurrent("teen_14", 14)
    link = await pair(guardian, teen)
    limits_path = f"/v1/teens/{teen.id}/limits"
    etag = (await guardian.get(limits_path)).headers["etag"]
    engine = create_engine(settings)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as ending, sessions() as watching:
        # The teen's row is locked by the transaction that ends the link, as the limits change
        # arrives: the change waits for it, then finds no active link.
        await chain.lock_account(ending, UUID(teen.id))
        change = asyncio.create_task(
            guardian.put(
                limits_path, json={"limits": {"search.enabled": False}}, headers={"If-Match": etag}
            )
        )
        await _until_a_statement_waits_for_a_lock(watching)
        await LinkService(ending, load_default_pack()).end(
            SimpleNamespace(id=UUID(teen.id)), UUID(link["id"]), utc_now()
        )
    await engine.dispose()
    expect_problem(await change, 404, "not-found")
    actions = [action for _, action in await _teen_audit_actions(teen)]
    assert actions == ["link.created", "link.ended"]
