"""Many requests at once, from one address or many: refused early and cheaply, never a 5xx."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from family_safety.app import create_app
from tests.helpers import CHEAP_HASHER, PASSWORD, birthdate_for_age, expect_problem


def _new_account(handle: str) -> dict[str, str]:
    return {"handle": handle, "password": PASSWORD, "birthdate": birthdate_for_age(30).isoformat()}


async def test_one_address_cannot_register_accounts_without_bound(settings):
    settings = settings.model_copy(update={"registrations_per_address_per_hour": 3})
    async with AsyncTestClient(app=create_app(settings, hasher=CHEAP_HASHER)) as client:
        for handle in ("first", "second"):
            assert (await client.post("/v1/accounts", json=_new_account(handle))).status_code == 201
        taken = await client.post("/v1/accounts", json=_new_account("first"))
        expect_problem(taken, 409, "handle-taken")  # counts: handles are not probed faster
        refused = await client.post("/v1/accounts", json=_new_account("third"))
        expect_problem(refused, 429, "rate-limited")
        assert 0 < int(refused.headers["retry-after"]) <= 3600
        signed_in = await client.post(
            "/v1/auth/token", json={"handle": "first", "password": PASSWORD}
        )
        assert signed_in.status_code == 200  # the accounts made stay usable
