"""Safety (API.md, "Safety: help, reports, blocks and search interventions"): resources fitted
to the caller, report categories, the report flow and its rules, the teen's choice to tell
guardians, the reporter never disclosed, roles and the staff queue, blocks, search
interventions, and what export and erasure do with all of it. Both databases."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.domain.safety import services as safety_services
from family_safety.domain.safety.services import blocks as block_services
from family_safety.lib.clock import utc_now
from family_safety.server import cli
from tests.helpers import PASSWORD, expect_problem, pair

HARASSMENT = {
    "category": "harassment",
    "subject": {"kind": "account", "handle": "bully_77"},
    "description": "They keep posting about me.",
    "evidence": [
        {
            "kind": "message_text",
            "username": "bully_77",
            "captured_at": "2026-11-01T20:15:00Z",
            "text": "what was said",
        },
        {"kind": "link", "url": "https://example.com/post/1"},
    ],
}
SHA = "a" * 64


async def grant(settings, handle: str, role: str) -> None:
    """What `family-safety roles grant` does, from within a running test."""
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, handle, role, utc_now())
    finally:
        await engine.dispose()


def ids(resources: list[dict]) -> set[str]:
    return {resource["id"] for resource in resources}


def step_resources(report: dict) -> set[str]:
    return {step["resource"]["id"] for step in report["next_steps"] if step["resource"]}


# --- resources and categories ---------------------------------------------------------------


async def test_resources_for_an_anonymous_caller_show_every_audience(client):
    response = await client.get("/v1/safety/resources")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {"take_it_down", "stopncii", "childline", "posh_helpline", "iwf"} <= ids(items)
    take_it_down = next(item for item in items if item["id"] == "take_it_down")
    assert take_it_down["url"] == "https://takeitdown.ncmec.org"
    assert set(take_it_down) == {
        "id",
        "name",
        "description",
        "url",
        "phone",
        "email",
        "audience",
        "topics",
        "countries",
    }


async def test_resources_fit_the_callers_age_and_country(client, register):
    teen = await register("teen_gb", 14, country="GB")
    adult = await register("adult_us", 30, country="US")

    teen_items = ids((await teen.get("/v1/safety/resources")).json()["items"])
    assert "childline" in teen_items
    assert "emergency_gb" in teen_items
    assert "stopncii" not in teen_items  # adults only
    assert "posh_helpline" not in teen_items  # for education professionals
    assert "emergency_us" not in teen_items

    adult_items = ids((await adult.get("/v1/safety/resources")).json()["items"])
    assert "stopncii" in adult_items
    assert "emergency_us" in adult_items
    assert "childline" not in adult_items  # under 18 only, and GB
    assert "take_it_down" in adult_items  # everyone: images taken before 18

    in_gb = ids((await adult.get("/v1/safety/resources?country=gb")).json()["items"])
    assert "emergency_gb" in in_gb
    assert "emergency_us" not in in_gb
    assert "childline" not in in_gb

    image_abuse = (await adult.get("/v1/safety/resources?topic=image_abuse")).json()["items"]
    assert image_abuse
    assert all("image_abuse" in item["topics"] for item in image_abuse)


async def test_resources_refuse_bad_parameters_and_never_refuse_a_stale_token(client):
    expect_problem(await client.get("/v1/safety/resources?country=XX"), 422, "validation")
    expect_problem(await client.get("/v1/safety/resources?topic=nothing"), 422, "validation")
    stale = await client.get(
        "/v1/safety/resources", headers={"Authorization": "Bearer not-a-token"}
    )
    assert stale.status_code == 200
    assert "stopncii" in ids(stale.json()["items"])


async def test_report_categories_by_age(client, register):
    teen = await register("teen", 14)
    adult = await register("adult", 30)
    teen_categories = (await teen.get("/v1/safety/report-categories")).json()["items"]
    adult_categories = (await adult.get("/v1/safety/report-categories")).json()["items"]
    assert {category["id"] for category in teen_categories} == {
        "minor_exploitation",
        "human_exploitation",
        "threats",
        "harassment",
        "hate",
        "impersonation",
        "other",
    }
    assert {category["id"] for category in adult_categories} == {
        category["id"] for category in teen_categories
    } | {"adult_sexual_exploitation"}
    minor = next(c for c in teen_categories if c["id"] == "minor_exploitation")
    assert minor["title"] == "Exploitation and abuse of people under 18"
    assert minor["group"] == "Violence, abuse, and criminal exploitation"
    expect_problem(await client.get("/v1/safety/report-categories"), 401, "unauthorized")


# --- the report flow ------------------------------------------------------------------------


async def test_a_teen_reports_harassment_with_evidence_and_gets_next_steps(register):
    teen = await register("teen", 14, country="GB")
    response = await teen.post("/v1/reports", json=HARASSMENT)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["category"] == "harassment"
    assert report["subject"] == {"kind": "account", "handle": "bully_77"}
    assert report["status"] == "received"
    assert report["channel"] == "in_app"
    assert report["priority"] == "urgent"  # the reporter is under 18
    assert report["tells_guardians"] is False
    assert len(report["evidence"]) == 2
    assert report["evidence"][0]["username"] == "bully_77"
    kinds = [step["kind"] for step in report["next_steps"]]
    assert kinds[0] == "block"
    assert "childline" in step_resources(report)
    assert "posh_helpline" not in step_resources(report)
    assert "escalation" not in report
    assert "reporter" not in report

    listed = (await teen.get("/v1/me/reports")).json()
    assert [item["id"] for item in listed["items"]] == [report["id"]]
    assert listed["next_cursor"] is None
    assert listed["items"][0] == report
    one = await teen.get(f"/v1/me/reports/{report['id']}")
    assert one.status_code == 200
    assert one.json()["evidence"] == report["evidence"]


async def test_next_steps_by_category_and_age(register):
    adult = await register("adult", 30, country="US")
    teacher = await register("teacher", 40, country="GB")
    teen = await register("teen", 15, country="US")

    minor_by_adult = (
        await adult.post(
            "/v1/reports",
            json={"category": "minor_exploitation", "subject": {"kind": "content", "ref": "c1"}},
        )
    ).json()
    assert minor_by_adult["priority"] == "urgent"
    assert {"take_it_down", "ncmec_cybertipline"} <= step_resources(minor_by_adult)
    assert "Do not download" in minor_by_adult["next_steps"][0]["text"]
    minor_by_teen = (
        await teen.post(
            "/v1/reports",
            json={"category": "minor_exploitation", "subject": {"kind": "content", "ref": "c1"}},
        )
    ).json()
    assert "take_it_down" in step_resources(minor_by_teen)
    assert "ncmec_cybertipline" not in step_resources(minor_by_teen)

    sexual = (
        await adult.post(
            "/v1/reports",
            json={
                "category": "adult_sexual_exploitation",
                "subject": {"kind": "account", "handle": "x_1"},
            },
        )
    ).json()
    assert step_resources(sexual) == {"stopncii"}
    assert sexual["priority"] == "normal"

    threats = (
        await adult.post(
            "/v1/reports", json={"category": "threats", "subject": {"kind": "live", "ref": "l1"}}
        )
    ).json()
    kinds = {step["kind"] for step in threats["next_steps"]}
    assert kinds == {"emergency", "authorities"}
    assert step_resources(threats) == {"emergency_us"}

    impersonation = (
        await teacher.post(
            "/v1/reports",
            json={"category": "impersonation", "subject": {"kind": "account", "handle": "fake"}},
        )
    ).json()
    assert impersonation["next_steps"][0]["kind"] == "block"
    assert "posh_helpline" in step_resources(impersonation)


async def test_report_values_are_checked(register):
    teen = await register("teen", 14)
    subject = {"kind": "account", "handle": "someone"}
    # A category the caller may not choose, or none at all.
    for category in ("adult_sexual_exploitation", "no_such_category"):
        body = expect_problem(
            await teen.post("/v1/reports", json={"category": category, "subject": subject}),
            422,
            "validation",
        )
        assert body["errors"][0]["field"] == "category"
    bad_bodies = [
        {"category": "harassment", "subject": {"kind": "account"}},  # names nothing
        {"category": "harassment", "subject": {"kind": "video", "ref": "1"}},
        {"category": "harassment", "subject": subject, "description": "x" * 2001},
        {"category": "harassment", "subject": subject, "description": "evil\u202etxt"},
        {"category": "harassment", "subject": subject, "description": " \u200b "},
        {"category": "harassment", "subject": subject, "evidence": [{"kind": "note"}]},
        {
            "category": "harassment",
            "subject": subject,
            "evidence": [{"kind": "note", "text": "t"}] * 21,
        },
        {"category": "harassment", "subject": subject, "unknown": 1},
    ]
    for body in bad_bodies:
        expect_problem(await teen.post("/v1/reports", json=body), 422, "validation")
    expect_problem(
        await teen.post(
            "/v1/reports", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        400,
        "malformed-body",
    )


async def test_no_media_evidence_for_minor_exploitation(register):
    adult = await register("adult", 30)
    media = {"kind": "media_hash", "sha256": SHA}
    refused = expect_problem(
        await adult.post(
            "/v1/reports",
            json={
                "category": "minor_exploitation",
                "subject": {"kind": "content", "ref": "c1"},
                "evidence": [{"kind": "note", "text": "seen at 9pm"}, media],
            },
        ),
        422,
        "evidence-not-allowed",
    )
    assert "share" in refused["detail"]
    # Media hashes are evidence elsewhere.
    allowed = await adult.post(
        "/v1/reports",
        json={"category": "hate", "subject": {"kind": "content", "ref": "c1"}, "evidence": [media]},
    )
    assert allowed.status_code == 201, allowed.text
    assert (await adult.get("/v1/me/reports")).json()["items"][0]["category"] == "hate"


async def test_the_same_report_within_24_hours_answers_the_first(register):
    adult = await register("adult", 30)
    first = await adult.post("/v1/reports", json=HARASSMENT)
    assert first.status_code == 201
    again = await adult.post("/v1/reports", json={**HARASSMENT, "description": "again"})
    assert again.status_code == 200
    assert again.json() == first.json()
    other_category = await adult.post("/v1/reports", json={**HARASSMENT, "category": "hate"})
    assert other_category.status_code == 201
    with time_machine.travel(utc_now() + timedelta(hours=24, seconds=1), tick=False):
        await adult.sign_in()
        later = await adult.post("/v1/reports", json=HARASSMENT)
        assert later.status_code == 201
        assert later.json()["id"] != first.json()["id"]


async def test_the_same_report_sent_at_once_is_filed_once(register):
    # What a client sees. (The in-process client does not reliably interleave these requests
    # inside the database: this passes without the reporter's row lock too. The lock is there
    # for real concurrent servers on PostgreSQL.)
    adult = await register("adult", 30)
    answers = await asyncio.gather(*(adult.post("/v1/reports", json=HARASSMENT) for _ in range(5)))
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 200, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert len((await adult.get("/v1/me/reports")).json()["items"]) == 1


async def test_more_than_20_reports_an_hour_is_rate_limited(register):
    adult = await register("adult", 30)
    for number in range(20):
        body = {"category": "other", "subject": {"kind": "comment", "ref": f"c{number}"}}
        assert (await adult.post("/v1/reports", json=body)).status_code == 201
    limited = await adult.post(
        "/v1/reports", json={"category": "other", "subject": {"kind": "comment", "ref": "c20"}}
    )
    expect_problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 3600
    # A duplicate still answers the first report: it files nothing.
    body = {"category": "other", "subject": {"kind": "comment", "ref": "c3"}}
    assert (await adult.post("/v1/reports", json=body)).status_code == 200
    with time_machine.travel(utc_now() + timedelta(hours=1, seconds=1), tick=False):
        await adult.sign_in()
        body = {"category": "other", "subject": {"kind": "comment", "ref": "c21"}}
        assert (await adult.post("/v1/reports", json=body)).status_code == 201


async def test_a_teen_may_tell_guardians_the_title_and_the_time_only(register):
    parent = await register("parent", 40)
    other_parent = await register("other_parent", 41)
    teen = await register("teen", 14)
    await pair(parent, teen)
    await pair(other_parent, teen)
    secret = "SECRET-DESCRIPTION-7f3a"
    response = await teen.post(
        "/v1/reports",
        json={**HARASSMENT, "description": secret, "tell_guardians": True},
    )
    assert response.status_code == 201
    assert response.json()["tells_guardians"] is True
    for guardian in (parent, other_parent):
        notes = (await guardian.get("/v1/me/notifications")).json()["items"]
        filed = [note for note in notes if note["kind"] == "report.filed"]
        assert len(filed) == 1
        assert filed[0]["data"] == {
            "title": "Harassment and bullying",
            "at": filed[0]["data"]["at"],
        }
        assert datetime.fromisoformat(filed[0]["data"]["at"]) <= datetime.now(UTC)
        text = str(notes)
        assert secret not in text
        assert "bully_77" not in text
        assert "what was said" not in text

    # Without the choice, guardians hear nothing.
    await teen.post("/v1/reports", json={**HARASSMENT, "category": "hate"})
    notes = (await parent.get("/v1/me/notifications")).json()["items"]
    assert len([note for note in notes if note["kind"] == "report.filed"]) == 1

    adult = await register("adult", 30)
    body = expect_problem(
        await adult.post("/v1/reports", json={**HARASSMENT, "tell_guardians": True}),
        422,
        "validation",
    )
    assert body["errors"][0]["field"] == "tell_guardians"


async def test_a_report_is_its_reporters_alone(register):
    teen = await register("teen", 14)
    other = await register("other", 30)
    report = (await teen.post("/v1/reports", json=HARASSMENT)).json()
    expect_problem(await other.get(f"/v1/me/reports/{report['id']}"), 404, "not-found")
    assert (await other.get("/v1/me/reports")).json()["items"] == []
    missing = "01937000-0000-7000-8000-000000000000"
    expect_problem(await teen.get(f"/v1/me/reports/{missing}"), 404, "not-found")


# --- the reporter is never disclosed --------------------------------------------------------

_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


async def _everything_readable(person, parameters: dict[str, str]) -> list[str]:
    """The answer of every GET of the served API that this person can call, with the path
    parameters given (paths with other parameters are left out)."""
    document = (await person.client.get("/schema/openapi.json")).json()
    answers = []
    for path, operations in document["paths"].items():
        if "get" not in operations or path.startswith(("/health", "/schema")):
            continue
        if "text/event-stream" in operations["get"]["responses"]["200"].get("content", {}):
            # A live stream sends only what changes from now on (event kinds, ETags, nothing
            # of a report); what it points at is read here through its own GET.
            continue
        names = _PATH_PARAMETER.findall(path)
        if any(name not in parameters for name in names):
            continue
        concrete = _PATH_PARAMETER.sub(lambda match: parameters[match.group(1)], path)
        response = await person.get(concrete)
        assert response.status_code < 500, (concrete, response.text)
        answers.append(f"{concrete} {response.status_code} {response.headers} {response.text}")
    return answers


async def test_the_reporter_is_never_disclosed_to_the_reported_account_or_its_guardian(
    register, settings, capfd
):
    reporter = await register("reporter_x", 15, country="GB")
    reporters_parent = await register("reporters_parent", 45)
    reported = await register("reported_y", 14)
    reported_parent = await register("reported_parent", 42)
    staff = await register("staff_member", 35)
    await grant(settings, staff.handle, "staff")
    await pair(reporters_parent, reporter)
    await pair(reported_parent, reported)

    planted = "PLANTED-4b9e2c-unique"
    report = (
        await reporter.post(
            "/v1/reports",
            json={
                "category": "harassment",
                "subject": {"kind": "account", "handle": reported.handle},
                "description": f"{planted} in the description",
                "evidence": [
                    {"kind": "message_text", "username": reported.handle, "text": planted},
                    {"kind": "note", "text": f"note {planted}"},
                ],
                "tell_guardians": True,
            },
        )
    ).json()
    # The reported account blocks and is blocked; staff work the report; all of it is state
    # the reported side could stumble on.
    assert (
        await reporter.post("/v1/me/blocks", json={"handle": reported.handle})
    ).status_code == 201
    changed = await staff.patch(
        f"/v1/moderation/reports/{report['id']}",
        json={"status": "actioned", "resolution": f"resolved {planted}"},
    )
    assert changed.status_code == 200, changed.text

    secrets = (planted, reporter.handle, reporter.id)
    parameters = {
        "teen_id": reported.id,
        "report_id": report["id"],
        "account_id": reporter.id,
    }
    for person in (reported, reported_parent):
        answers = await _everything_readable(person, parameters)
        read = {answer.split(" ", 1)[0] for answer in answers}
        assert {
            "/v1/me/export",
            "/v1/me/notifications",
            "/v1/me/audit",
            "/v1/me/reports",
            f"/v1/me/reports/{report['id']}",
            "/v1/me/blocks",
            "/v1/pairings",
        } <= read
        if person is reported_parent:
            assert {f"/v1/teens/{reported.id}/audit", f"/v1/teens/{reported.id}/settings"} <= read
        for answer in answers:
            for secret in secrets:
                assert secret not in answer, (person.handle, secret, answer[:300])
    export = await reported.get("/v1/me/export")
    assert export.status_code == 200
    assert export.json()["reports"] == []
    assert export.json()["blocks"] == []

    # The reporter's own guardian, told by the teen's choice, learns the title and the time.
    for answer in await _everything_readable(reporters_parent, {"teen_id": reporter.id}):
        assert planted not in answer
        assert reported.handle not in answer

    # Nor does any log line (safety writes none: see tests/unit/safety/test_safety_logs.py).
    out, err = capfd.readouterr()
    assert planted not in out + err


# --- roles and the staff queue --------------------------------------------------------------


async def test_staff_paths_refuse_everyone_else(register, settings):
    adult = await register("adult", 30)
    teen = await register("teen", 14)
    partner = await register("partner", 40)
    await grant(settings, partner.handle, "partner")
    report = (await adult.post("/v1/reports", json=HARASSMENT)).json()
    for person in (adult, teen, partner):
        expect_problem(await person.get("/v1/moderation/reports"), 403, "forbidden")
        expect_problem(
            await person.patch(
                f"/v1/moderation/reports/{report['id']}", json={"status": "in_review"}
            ),
            403,
            "forbidden",
        )
    expect_problem(await adult.client.get("/v1/moderation/reports"), 401, "unauthorized")


async def test_the_staff_queue_is_most_urgent_first_then_oldest(register, settings):
    adult = await register("adult", 30)
    teen = await register("teen", 14)
    partner = await register("helpline", 45)
    staff = await register("staff", 35)
    await grant(settings, partner.handle, "partner")
    await grant(settings, staff.handle, "staff")

    start = utc_now()

    async def file_at(minutes: int, person, body: dict) -> dict:
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            response = await person.post("/v1/reports", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def body(ref: str, category: str = "harassment") -> dict:
        return {"category": category, "subject": {"kind": "content", "ref": ref}}

    normal_1 = await file_at(0, adult, body("n1"))
    high_1 = await file_at(1, partner, body("h1"))
    urgent_teen = await file_at(2, teen, body("u1"))
    normal_2 = await file_at(3, adult, body("n2"))
    urgent_minor = await file_at(4, adult, body("u2", "minor_exploitation"))
    high_2 = await file_at(5, partner, body("h2", "impersonation"))
    assert high_1["channel"] == "partner"
    assert high_1["priority"] == "high"
    assert normal_1["channel"] == "in_app"
    assert normal_1["priority"] == "normal"

    expected = [urgent_teen, urgent_minor, high_1, high_2, normal_1, normal_2]
    queue = await staff.get("/v1/moderation/reports")
    assert queue.status_code == 200, queue.text
    items = queue.json()["items"]
    assert [item["id"] for item in items] == [report["id"] for report in expected]
    assert [item["priority"] for item in items] == ["urgent"] * 2 + ["high"] * 2 + ["normal"] * 2

    # Walked a page at a time, the same order.
    walked, cursor = [], None
    while True:
        page = (
            await staff.get(
                "/v1/moderation/reports",
                params={"limit": 4, **({"cursor": cursor} if cursor else {})},
            )
        ).json()
        walked += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert walked == [report["id"] for report in expected]

    partners = (await staff.get("/v1/moderation/reports?channel=partner")).json()["items"]
    assert [item["id"] for item in partners] == [high_1["id"], high_2["id"]]

    # Staff see who reported, never a birthdate, a password or a token.
    first = items[0]
    assert first["reporter"] == {
        "id": teen.id,
        "handle": teen.handle,
        "display_name": teen.account["display_name"],
    }
    text = queue.text
    assert "birthdate" not in text
    assert "password" not in text
    assert "token" not in text
    assert teen.account["birthdate"] not in text
    assert items[1]["escalation"] == {"to": "NCMEC", "status": "required"}
    assert items[0]["escalation"] is None

    expect_problem(await staff.get("/v1/moderation/reports?status=closed"), 422, "validation")
    expect_problem(await staff.get("/v1/moderation/reports?cursor=nonsense"), 422, "validation")


async def test_staff_change_a_report_and_the_reporter_hears_the_status_only(register, settings):
    adult = await register("adult", 30)
    staff = await register("staff", 35)
    await grant(settings, staff.handle, "staff")
    report = (await adult.post("/v1/reports", json=HARASSMENT)).json()
    minor = (
        await adult.post(
            "/v1/reports",
            json={"category": "minor_exploitation", "subject": {"kind": "message", "ref": "m"}},
        )
    ).json()

    changed = await staff.patch(
        f"/v1/moderation/reports/{report['id']}",
        json={"status": "in_review", "resolution": "STAFF-NOTE-91"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "in_review"
    assert changed.json()["resolution"] == "STAFF-NOTE-91"
    assert changed.json()["reporter"]["id"] == adult.id

    notes = (await adult.get("/v1/me/notifications")).json()["items"]
    updated = [note for note in notes if note["kind"] == "report.updated"]
    assert [note["data"] for note in updated] == [
        {"report_id": report["id"], "status": "in_review"}
    ]
    mine = (await adult.get(f"/v1/me/reports/{report['id']}")).json()
    assert mine["status"] == "in_review"
    assert "STAFF-NOTE-91" not in str(mine)
    assert "resolution" not in mine

    # The same status again tells nobody anything new.
    await staff.patch(f"/v1/moderation/reports/{report['id']}", json={"status": "in_review"})
    notes = (await adult.get("/v1/me/notifications")).json()["items"]
    assert len([note for note in notes if note["kind"] == "report.updated"]) == 1

    filed = await staff.patch(f"/v1/moderation/reports/{minor['id']}", json={"escalation": "filed"})
    assert filed.status_code == 200, filed.text
    assert filed.json()["escalation"] == {"to": "NCMEC", "status": "filed"}
    assert filed.json()["status"] == "received"
    expect_problem(
        await staff.patch(f"/v1/moderation/reports/{report['id']}", json={"escalation": "filed"}),
        422,
        "validation",
    )
    for bad in ({}, {"status": "closed"}, {"resolution": "only"}, {"escalation": "required"}):
        expect_problem(
            await staff.patch(f"/v1/moderation/reports/{report['id']}", json=bad),
            422,
            "validation",
        )
    missing = "01937000-0000-7000-8000-000000000000"
    expect_problem(
        await staff.patch(f"/v1/moderation/reports/{missing}", json={"status": "actioned"}),
        404,
        "not-found",
    )


async def test_the_roles_command_grants_and_revokes(register, settings, monkeypatch, capsys):
    person = await register("helper", 30)
    monkeypatch.setenv("FAMILY_SAFETY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("FAMILY_SAFETY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FAMILY_SAFETY_LOG_LEVEL", "WARNING")

    def run(*argv: str) -> int:
        return cli.main(list(argv))

    assert await asyncio.to_thread(run, "roles", "grant", "HELPER", "staff") == 0
    assert "staff granted" in capsys.readouterr().out
    assert (await person.get("/v1/moderation/reports")).status_code == 200
    assert await asyncio.to_thread(run, "roles", "grant", "helper", "staff") == 0
    assert "already staff" in capsys.readouterr().out
    assert (await person.get("/v1/me/export")).json()["roles"] == ["staff"]

    assert await asyncio.to_thread(run, "roles", "revoke", "helper", "staff") == 0
    assert "revoked" in capsys.readouterr().out
    expect_problem(await person.get("/v1/moderation/reports"), 403, "forbidden")
    assert await asyncio.to_thread(run, "roles", "grant", "nobody_here", "partner") == 1
    assert "nobody_here" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["roles", "grant", "helper", "admin"])


# --- blocks ---------------------------------------------------------------------------------


async def test_blocks(register):
    sam = await register("sam", 15)
    alex = await register("alex", 16, display_name="Alex")
    created = await sam.post("/v1/me/blocks", json={"handle": "Alex"})
    assert created.status_code == 201, created.text
    assert created.json()["account"] == {"id": alex.id, "handle": "alex", "display_name": "Alex"}
    again = await sam.post("/v1/me/blocks", json={"handle": "alex"})
    assert again.status_code == 200
    assert again.json() == created.json()

    expect_problem(await sam.post("/v1/me/blocks", json={"handle": "sam"}), 422, "validation")
    expect_problem(await sam.post("/v1/me/blocks", json={"handle": "nobody"}), 404, "not-found")
    expect_problem(await sam.post("/v1/me/blocks", json={"handle": "!"}), 422, "validation")

    page = (await sam.get("/v1/me/blocks")).json()
    assert page == {"items": [created.json()], "next_cursor": None}
    assert (await alex.get("/v1/me/blocks")).json()["items"] == []

    assert (await sam.delete(f"/v1/me/blocks/{alex.id}")).status_code == 204
    assert (await sam.delete(f"/v1/me/blocks/{alex.id}")).status_code == 204
    assert (await sam.get("/v1/me/blocks")).json()["items"] == []
    expect_problem(await sam.client.get("/v1/me/blocks"), 401, "unauthorized")


async def test_blocks_are_paged_oldest_first_and_limited(register, monkeypatch):
    sam = await register("sam", 30)
    others = [await register(f"other_{n}", 30) for n in range(3)]
    for other in others:
        assert (await sam.post("/v1/me/blocks", json={"handle": other.handle})).status_code == 201
    first = (await sam.get("/v1/me/blocks?limit=2")).json()
    second = (await sam.get(f"/v1/me/blocks?limit=2&cursor={first['next_cursor']}")).json()
    assert [item["account"]["id"] for item in first["items"] + second["items"]] == [
        other.id for other in others
    ]
    assert second["next_cursor"] is None

    monkeypatch.setattr(block_services, "MAX_BLOCKS", 3)
    newcomer = await register("newcomer", 30)
    expect_problem(
        await sam.post("/v1/me/blocks", json={"handle": newcomer.handle}),
        409,
        "block-limit-reached",
    )
    # One that already stands is still answered.
    assert (await sam.post("/v1/me/blocks", json={"handle": others[0].handle})).status_code == 200


# --- search interventions -------------------------------------------------------------------


async def test_search_interventions_list_with_etag(client):
    response = await client.get("/v1/safety/search-interventions")
    assert response.status_code == 200
    body = response.json()
    topics = {item["topic"] for item in body["items"]}
    assert {"human_exploitation", "child_sexual_abuse"} <= topics
    human = next(item for item in body["items"] if item["topic"] == "human_exploitation")
    assert {"trafficking", "human trafficking", "smuggling", "people smuggling"} <= set(
        human["phrases"]
    )
    assert human["resources"]
    assert body["version"]
    assert body["rule"]
    etag = response.headers["etag"]
    assert etag == f'"{body["version"]}"'
    not_modified = await client.get(
        "/v1/safety/search-interventions", headers={"If-None-Match": etag}
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == etag
    assert not_modified.content == b""
    stale = await client.get("/v1/safety/search-interventions", headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200


async def test_search_intervention_match(client):
    hit = await client.get(
        "/v1/safety/search-interventions/match", params={"q": "People-Smuggling?"}
    )
    assert hit.status_code == 200
    assert hit.json()["intervention"]["topic"] == "human_exploitation"
    assert set(hit.json()["intervention"]) == {"topic", "title", "message", "resources"}
    folded = await client.get(
        "/v1/safety/search-interventions/match", params={"q": "HUMAN TRÄFFICKING"}
    )
    assert folded.json()["intervention"]["topic"] == "human_exploitation"
    csam = await client.get("/v1/safety/search-interventions/match", params={"q": "csam"})
    assert csam.json()["intervention"]["topic"] == "child_sexual_abuse"
    miss = await client.get("/v1/safety/search-interventions/match", params={"q": "antismuggling"})
    assert miss.json() == {"intervention": None}
    for q in ("", "x" * 201):
        expect_problem(
            await client.get("/v1/safety/search-interventions/match", params={"q": q}),
            422,
            "validation",
        )
    expect_problem(await client.get("/v1/safety/search-interventions/match"), 422, "validation")
    assert (
        await client.get("/v1/safety/search-interventions/match", params={"q": "x" * 200})
    ).status_code == 200


# --- export and erasure ---------------------------------------------------------------------


async def test_export_holds_reports_blocks_and_roles(register, settings):
    sam = await register("sam", 30)
    alex = await register("alex", 30)
    await grant(settings, sam.handle, "partner")
    report = (await sam.post("/v1/reports", json=HARASSMENT)).json()
    await sam.post("/v1/me/blocks", json={"handle": alex.handle})
    export = await sam.get("/v1/me/export")
    assert export.status_code == 200
    assert export.headers["cache-control"] == "no-store"
    body = export.json()
    assert [item["id"] for item in body["reports"]] == [report["id"]]
    assert body["reports"][0]["evidence"] == report["evidence"]
    assert body["reports"][0]["channel"] == "partner"
    assert [block["account"]["id"] for block in body["blocks"]] == [alex.id]
    assert body["roles"] == ["partner"]
    # Alex's export says nothing of being blocked or reported.
    alex_export = (await alex.get("/v1/me/export")).json()
    assert alex_export["blocks"] == []
    assert alex_export["reports"] == []
    assert sam.handle not in str(alex_export)


async def test_erasure_keeps_reports_anonymised_and_removes_blocks_both_ways(register, settings):
    reporter = await register("reporter", 30)
    alex = await register("alex", 30)
    staff = await register("staff", 35)
    await grant(settings, staff.handle, "staff")
    await grant(settings, reporter.handle, "partner")
    report = (await reporter.post("/v1/reports", json=HARASSMENT)).json()
    await reporter.post("/v1/me/blocks", json={"handle": alex.handle})
    await alex.post("/v1/me/blocks", json={"handle": reporter.handle})

    erased = await reporter.request_delete("/v1/me", json={"password": PASSWORD})
    assert erased.status_code == 204

    queue = (await staff.get("/v1/moderation/reports")).json()["items"]
    assert [item["id"] for item in queue] == [report["id"]]
    assert queue[0]["reporter"] is None
    assert queue[0]["evidence"] == report["evidence"]
    assert (await alex.get("/v1/me/blocks")).json()["items"] == []
    # Staff can still work it; nobody is notified.
    changed = await staff.patch(
        f"/v1/moderation/reports/{report['id']}", json={"status": "no_violation"}
    )
    assert changed.status_code == 200
    assert changed.json()["reporter"] is None


# --- the packs are checked at start ---------------------------------------------------------


def test_a_broken_safety_pack_stops_the_start_naming_file_and_line(settings, tmp_path, monkeypatch):
    from family_safety.domain.safety import pack as safety_pack
    from family_safety.server.app import create_app

    broken = tmp_path / "packs"
    broken.mkdir()
    for name in ("resources.toml", "interventions.toml", "reports.toml"):
        (broken / name).write_text((safety_pack.DEFAULT_PACKS_DIR / name).read_text())
    resources = (broken / "resources.toml").read_text().splitlines()
    line = next(n for n, text in enumerate(resources, 1) if text.startswith("audience"))
    resources[line - 1] = 'audience = "grown_ups"'
    (broken / "resources.toml").write_text("\n".join(resources) + "\n")

    monkeypatch.setattr(safety_pack, "DEFAULT_PACKS_DIR", broken)
    safety_pack.load_default_packs.cache_clear()
    try:
        with pytest.raises(safety_pack.SafetyPackError) as refused:
            create_app(settings)
    finally:
        monkeypatch.undo()
        safety_pack.load_default_packs.cache_clear()
    assert "resources.toml" in str(refused.value)
    assert f"line {line}" in str(refused.value)
