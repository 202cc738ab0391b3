"""What one account may learn of another's past."""

from __future__ import annotations

from tests.helpers import pair, set_limits


async def test_a_new_guardian_sees_the_teens_audit_only_from_its_own_link_on(register):
    first = await register("first_parent", 40)
    second = await register("second_parent", 42)
    teen = await register("teen_14", 14)
    await teen.patch("/v1/me/settings", json={"search.enabled": False})
    first_link = await pair(first, teen)
    assert (await set_limits(first, teen.id, {"downloads.allowed": False})).status_code == 200
    await teen.delete(f"/v1/pairings/{first_link['id']}")
    second_link = await pair(second, teen)
    assert (await set_limits(second, teen.id, {"live.enabled": False})).status_code == 200

    seen = (await second.get(f"/v1/teens/{teen.id}/audit")).json()["items"]
    assert [(entry["action"], entry["link_id"]) for entry in seen] == [
        ("link.created", second_link["id"]),
        ("limits.updated", second_link["id"]),
    ]
    everything = (await teen.get("/v1/me/audit")).json()["items"]
    assert len(everything) == 6  # the teen still sees its whole history
