"""A change lands whole or not at all: a failing audit write takes the change down with it."""

from __future__ import annotations

from family_safety.domain.audit import chain
from tests.helpers import expect_problem, pair, set_limits


class AuditStoreDown(RuntimeError):
    pass


async def test_a_failed_audit_write_rolls_the_settings_change_back(register, monkeypatch):
    teen = await register("teen_14", 14)
    before = await teen.get("/v1/me/settings")
    monkeypatch.setattr(chain, "record", _raise)
    response = await teen.patch("/v1/me/settings", json={"account.private": False})
    problem = expect_problem(response, 500, "internal-error")
    assert "Traceback" not in response.text
    assert "AuditStoreDown" not in problem["detail"]
    monkeypatch.undo()
    after = await teen.get("/v1/me/settings")
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]
    assert (await teen.get("/v1/me/audit")).json()["items"] == []


async def test_a_failed_audit_write_rolls_the_limits_change_back(register, monkeypatch):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    etag = (await parent.get(f"/v1/teens/{teen.id}/limits")).headers["etag"]
    monkeypatch.setattr(chain, "recorded", _raise_in_a_lean_write)
    response = await set_limits(parent, teen.id, {"search.enabled": False})
    problem = expect_problem(response, 500, "internal-error")
    assert "AuditStoreDown" not in problem["detail"]
    monkeypatch.undo()
    after = await parent.get(f"/v1/teens/{teen.id}/limits")
    assert after.json() == {"limits": {}}
    assert after.headers["etag"] == etag
    notes = (await teen.get("/v1/me/notifications")).json()["items"]
    assert "limits.updated" not in [note["kind"] for note in notes]


async def _raise(*_args, **_kwargs):
    raise AuditStoreDown


def _raise_in_a_lean_write(*_args, **_kwargs):
    raise AuditStoreDown
    yield  # a generator, as the steps of a lean write are
