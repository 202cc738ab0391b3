"""On SQLite a process's own writes move ``PRAGMA data_version`` as any other connection's do:
what it keeps in memory is then checked against the change feed, and only the accounts a write
changed are forgotten. (Another process's changes, heard through the feed at once:
``tests/e2e/test_many_instances.py``.)"""

from __future__ import annotations

import pytest

from tests.helpers import pair, set_limits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_a_write_of_this_process_forgets_only_the_accounts_it_changed(register, client):
    parent = await register("parent", 40)
    teen = await register("teen", 14)
    bystander = await register("bystander", 14)
    await pair(parent, teen)
    for person in (parent, teen, bystander):
        assert (await person.get("/v1/me/settings")).status_code == 200
    signed_in = client.app.state.components.signed_in
    assert len(signed_in) == 3
    # Committed by the process's writer thread, on a connection of its own.
    changed = await set_limits(parent, teen.id, {"content.restricted_mode": True})
    assert changed.status_code == 200
    assert (await bystander.get("/v1/me/settings")).status_code == 200
    assert len(signed_in) == 2  # the parent and the bystander are still kept; the teen is not
    seen = await teen.get("/v1/me/settings")
    assert seen.json()["settings"]["content.restricted_mode"]["value"] is True
