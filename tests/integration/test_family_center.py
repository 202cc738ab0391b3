"""Family Center pages through the app (AsyncTestClient): sign-in by session cookie, CSRF on
every form and only on the pages, the CSP header, the problems in words, and the story."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
import time_machine

from family_safety.lib.clock import utc_today
from tests.helpers import EVERY_DAY, PASSWORD, birthdate_for_age, daily, pair, set_limits

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class Browser:
    """One person's cookies on the shared test client."""

    def __init__(self, client) -> None:
        self.client = client
        self.cookies = httpx.Cookies()
        self.csrf = ""

    async def _send(self, method: str, path: str, **kwargs):
        self.client.cookies = self.cookies
        response = await self.client.request(method, path, follow_redirects=False, **kwargs)
        self.cookies = httpx.Cookies(self.client.cookies)
        if match := re.search(r'name="_csrf_token" value="([^"]+)"', response.text):
            self.csrf = match.group(1)
        return response

    async def get(self, path: str):
        return await self._send("GET", path)

    async def post(self, path: str, form: dict | None = None, *, follow: bool = True):
        response = await self._send("POST", path, data={"_csrf_token": self.csrf, **(form or {})})
        if follow and response.status_code == 303:
            assert response.headers["location"].startswith("/family")
            return await self.get(response.headers["location"])
        return response


async def _register(browser: Browser, handle: str, age: int) -> httpx.Response:
    await browser.get("/family")
    form = {
        "handle": handle,
        "password": PASSWORD,
        "birthdate": birthdate_for_age(age).isoformat(),
    }
    return await browser.post("/family/register", form)


@pytest.fixture
def browsers(client):
    return lambda: Browser(client)


async def test_the_sign_in_page_has_its_labels_and_the_headers(client):
    response = await client.get("/family")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    for label in ("Handle", "Password", "Birthdate", "Sign in", "Create account"):
        assert label in response.text
    assert "<script>" not in response.text  # no inline script
    css = await client.get("/family/static/family.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


async def test_forms_need_the_csrf_token_but_the_json_api_does_not(client):
    await client.get("/family")
    refused = await client.post("/family/sign-in", data={"handle": "nobody", "password": "x" * 10})
    assert refused.status_code == 403
    assert "This form has run out." in refused.text
    created = await client.post(
        "/v1/accounts",
        json={"handle": "api_user", "password": PASSWORD, "birthdate": "1990-01-01"},
    )
    assert created.status_code == 201, created.text


async def test_a_page_needs_a_session_and_problems_are_words(browsers):
    anonymous = browsers()
    response = await anonymous.get("/family/home")
    assert response.status_code == 303
    assert response.headers["location"] == "/family"
    await anonymous.get("/family")
    wrong = await anonymous.post("/family/sign-in", {"handle": "nobody", "password": "x" * 10})
    assert wrong.status_code == 401
    assert "That handle or password is wrong." in wrong.text
    young = await _register(browsers(), "too_young", 12)
    assert young.status_code == 422
    assert "You need to be 13 or older" in young.text


async def test_the_family_story(browsers, client):
    mum, sam = browsers(), browsers()
    home = await _register(mum, "mum", 40)
    assert "Your teens" in home.text
    # The browser tab names the page, and nothing else (a card once leaked into the title).
    assert "<title>Your teens · Family Center</title>" in home.text
    assert home.text.count('id="blocks-title"') == 1
    assert "Set by" not in home.text
    home = await _register(sam, "sam", 14)
    assert "Your settings" in home.text
    assert "Set by your age" in home.text

    invited = await mum.post("/family/invitations")
    code = re.search(r'class="code"[^>]*>([A-Z]{4}-[A-Z]{4})<', invited.text).group(1)
    qr = re.search(r'src="(/family/invitations/[^"]+/qr.svg)" alt="Pairing QR code"', invited.text)
    svg = await mum.get(qr.group(1))
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")

    preview = await sam.post("/family/pairing", {"code": code.lower()})
    assert "@mum" in preview.text
    assert "Agree and link" in preview.text
    assert "Daily screen time" in preview.text
    linked = await sam.post("/family/pairing/agree")
    assert "You are now linked with @mum." in linked.text

    home = await mum.get("/family/home")
    teen_path = re.search(r'href="(/family/teens/[^"]+)"', home.text).group(1)
    page = await mum.get(teen_path)
    assert "Save limits" in page.text
    assert "Locked by age (13-15)" in page.text
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', page.text).group(1))
    saved = await mum.post(
        f"{teen_path}/limits", {"etag": etag, "screen_time.daily_limit_minutes": "45"}
    )
    assert "Limits saved." in saved.text
    stale = await mum.post(
        f"{teen_path}/limits", {"etag": etag, "screen_time.daily_limit_minutes": "30"}
    )
    assert stale.status_code == 412
    assert "These limits changed since you opened the page" in stale.text
    assert 'value="45"' in stale.text

    home = await sam.get("/family/home")
    assert "Set by @mum" in home.text
    assert "@mum changed your limits: Daily screen time." in home.text  # What's new
    # Newest first: the change of limits comes before the linking it followed.
    assert home.text.index("@mum changed your limits") < home.text.index("You linked with @mum")
    unreadable = await sam.post("/family/time-requests", {"kind": "extra_time", "minutes": "x"})
    assert unreadable.status_code == 200  # back home, saying why
    assert "Your question was sent" not in unreadable.text
    asked = await sam.post("/family/time-requests", {"kind": "extra_time", "minutes": "15"})
    assert "Your question was sent" in asked.text

    page = await mum.get(teen_path)
    assert len(set(re.findall(r"/time-requests/([0-9a-f-]+)", page.text))) == 1  # one was sent
    assert "Approve" in page.text
    assert "Deny" in page.text
    decide = re.search(r'action="(/family/teens/[^"]+/time-requests/[^"]+)"', page.text).group(1)
    approved = await mum.post(decide, {"decision": "approve"})
    assert "Approved" in approved.text
    assert "No requests waiting." in approved.text

    history = await sam.get("/family/history")
    assert "@mum changed limits" in history.text
    home = await sam.get("/family/home")
    end = re.search(r'href="(/family/links/[^"]+/end)"', home.text).group(1)
    asked = await sam.get(end)
    assert "End your link with @mum?" in asked.text
    ended = await sam.post(end, {"confirm": "yes"})
    assert "The link has ended." in ended.text
    assert "You have no linked guardians." in ended.text
    news = await mum.get("/family/home")
    assert "@sam ended your link." in news.text
    assert "@sam asked for 15 min more." in news.text
    assert "@sam linked with you." in news.text
    gone = await mum.get(teen_path)
    assert gone.status_code == 404
    assert "We could not find that." in gone.text


async def test_sign_out_ends_the_session_like_logout(browsers, client):
    sam = browsers()
    await _register(sam, "sam", 15)
    kept = httpx.Cookies(sam.cookies)
    await sam.post("/family/sign-out")
    sam.cookies = kept  # the old cookie, replayed
    replayed = await sam.get("/family/home")
    assert replayed.status_code == 303


async def test_a_password_change_ends_the_page_session(browsers, client):
    sam = browsers()
    await _register(sam, "sam", 15)
    assert (await sam.get("/family/home")).status_code == 200
    token = await client.post("/v1/auth/token", json={"handle": "sam", "password": PASSWORD})
    changed = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD + "!"},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert changed.status_code == 200, changed.text
    assert (await sam.get("/family/home")).status_code == 303


async def test_a_teen_reports_with_evidence_and_sees_what_to_do_next(browsers, register):
    await register("bully_01", 15)
    sam = browsers()
    await _register(sam, "sam", 14)
    form = await sam.get("/family/report")
    assert "What is it about?" in form.text
    assert "Tell my guardians" in form.text
    missing = await sam.post(
        "/family/report", {"category": "harassment", "subject_kind": "account"}
    )
    assert missing.status_code == 422
    assert "Please check" in missing.text
    sent = await sam.post(
        "/family/report",
        {
            "category": "harassment",
            "subject_kind": "message",
            "subject_handle": "@bully_01",
            "description": "They keep sending me mean messages.",
            "evidence_text": "nobody likes you",
            "evidence_when": "2026-11-29T18:30",
            "tell_guardians": "yes",
        },
    )
    assert sent.status_code == 200, sent.text
    assert "Your report was sent." in sent.text
    assert "What you can do now" in sent.text


async def test_the_cookies_are_http_only_same_site_and_scoped_to_the_pages(browsers):
    sam = browsers()
    await sam.get("/family")
    registered = await sam._send(
        "POST",
        "/family/register",
        data={
            "_csrf_token": sam.csrf,
            "handle": "sam",
            "password": PASSWORD,
            "birthdate": birthdate_for_age(15).isoformat(),
        },
    )
    assert registered.status_code == 303
    cookies = registered.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("family_session="))
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/family"):
        assert attribute.lower() in session.lower(), session
    assert "secure" not in session.lower()  # development: plain http on a laptop
    device = next(c for c in cookies if c.startswith("family_device="))
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/family"):
        assert attribute.lower() in device.lower(), device


async def test_outside_development_the_cookies_are_secure(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    from family_safety.lib.config import Environment
    from family_safety.lib.security.keyring import create_keyring
    from family_safety.server.app import create_app
    from tests.helpers import CHEAP_HASHER

    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    production.resolved_keyring_path.parent.mkdir(parents=True, exist_ok=True)
    create_keyring(production.resolved_keyring_path)
    app = create_app(production, hasher=CHEAP_HASHER)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        page = await client.get("/family")
        csrf = next(c for c in page.headers.get_list("set-cookie") if "family_csrf=" in c)
        assert "secure" in csrf.lower()
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        form = {
            "_csrf_token": token,
            "handle": "sam",
            "password": PASSWORD,
            "birthdate": birthdate_for_age(15).isoformat(),
        }
        registered = await client.post("/family/register", data=form, follow_redirects=False)
        assert registered.status_code == 303, registered.text
        session = next(
            c for c in registered.headers.get_list("set-cookie") if "family_session=" in c
        )
        assert "secure" in session.lower()


async def test_the_limits_form_shows_another_guardians_limits_and_keeps_what_it_cannot_show(
    browsers, register
):
    mum, dad, sam = await register("mum", 40), await register("dad", 45), await register("sam", 14)
    await pair(mum, sam)
    await pair(dad, sam)
    await set_limits(dad, sam.id, {"comments.who_can_comment": "no_one"})
    per_day = {**daily(60), "sat": 120, "sun": 120}
    weekend = [{"days": ["sat", "sun"], "start": "23:00", "end": "07:00"}]
    await set_limits(
        mum,
        sam.id,
        {"screen_time.daily_limit_minutes": per_day, "screen_time.time_away": weekend},
    )
    page_mum = browsers()
    await page_mum.get("/family")
    await page_mum.post("/family/sign-in", {"handle": "mum", "password": PASSWORD})
    page = await page_mum.get(f"/family/teens/{sam.id}")
    assert "@dad set: No one" in page.text
    assert "Keep the limits per day" in page.text
    assert "Keep these too: 23:00 to 07:00, Sat, Sun" in page.text

    def kept(key: str) -> str:
        found = re.search(rf'name="{re.escape(key)}.kept" value="([^"]+)"', page.text)
        return html.unescape(found.group(1))

    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', page.text).group(1))
    form = {
        "etag": etag,
        "screen_time.time_away.start": "21:30",
        "screen_time.time_away.end": "07:00",
    }
    for key in ("screen_time.daily_limit_minutes", "screen_time.time_away"):
        form |= {f"{key}.kept": kept(key), f"{key}.keep": "yes"}
    saved = await page_mum.post(f"/family/teens/{sam.id}/limits", form)
    assert "Limits saved." in saved.text
    limits = (await mum.get(f"/v1/teens/{sam.id}/limits")).json()["limits"]
    assert limits["screen_time.daily_limit_minutes"] == per_day
    assert limits["screen_time.time_away"] == [
        {"days": list(EVERY_DAY), "start": "21:30", "end": "07:00"},
        *weekend,
    ]


async def test_a_teen_adds_hidden_words_and_cannot_drop_a_guardians(browsers, register):
    mum, sam = await register("mum", 40), browsers()
    await _register(sam, "sam", 14)
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    await sam.post("/family/pairing", {"code": code})
    await sam.post("/family/pairing/agree")
    await set_limits(
        mum,
        (await mum.get("/v1/pairings")).json()["items"][0]["teen"]["id"],
        {"content.keyword_filters": ["spoilers"]},
    )
    home = await sam.get("/family/home")
    assert ">spoilers</textarea>" in home.text
    added = await sam.post("/family/settings", {"content.keyword_filters": "spoilers\ndiet"})
    assert "Your settings are saved." in added.text
    assert ">spoilers\ndiet</textarea>" in added.text
    dropped = await sam.post("/family/settings", {"content.keyword_filters": "diet"})
    assert "You can&#39;t change Hidden words that way: it is set by @mum." in dropped.text


async def test_not_now_forgets_the_code_and_links_nothing(browsers, register):
    mum, sam = await register("mum", 40), browsers()
    await _register(sam, "sam", 15)
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    preview = await sam.post("/family/pairing", {"code": code})
    assert "Link with @mum?" in preview.text
    home = await sam.post("/family/pairing/not-now")
    assert "You have no linked guardians." in home.text
    assert (await sam.get("/family/pairing")).headers["location"] == "/family/home"
    assert (await mum.get("/v1/pairings")).json()["items"] == []


async def test_the_json_api_gets_none_of_the_pages_cookies_or_headers(client):
    unauthorised = await client.get("/v1/me")
    assert unauthorised.status_code == 401
    assert "set-cookie" not in unauthorised.headers
    assert "content-security-policy" not in unauthorised.headers


async def test_a_teen_chooses_a_smaller_daily_limit_but_not_a_larger_one(browsers, register):
    mum, sam = await register("mum", 40), browsers()
    await _register(sam, "sam", 14)
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    await sam.post("/family/pairing", {"code": code})
    await sam.post("/family/pairing/agree")
    teen_id = (await mum.get("/v1/pairings")).json()["items"][0]["teen"]["id"]
    await set_limits(mum, teen_id, {"screen_time.daily_limit_minutes": 45})
    smaller = await sam.post("/family/settings", {"screen_time.daily_limit_minutes": "30"})
    assert "Your settings are saved." in smaller.text
    assert "Minutes a day. Now: 30 min a day." in smaller.text
    larger = await sam.post("/family/settings", {"screen_time.daily_limit_minutes": "90"})
    assert "it is set by @mum" in larger.text
    typo = await sam.post("/family/settings", {"screen_time.daily_limit_minutes": "lots"})
    assert "Please check: Daily screen time" in typo.text
    settings = (await mum.get(f"/v1/teens/{teen_id}/settings")).json()["settings"]
    assert settings["screen_time.daily_limit_minutes"]["value"] == daily(30)


async def test_this_browser_keeps_signing_in_while_others_guesses_lock_the_handle(browsers):
    sam, guesser, stranger = browsers(), browsers(), browsers()
    await _register(sam, "sam", 15)
    assert "family_device" in sam.cookies
    await sam.post("/family/sign-out")
    await guesser.get("/family")
    for _ in range(10):
        wrong = await guesser.post("/family/sign-in", {"handle": "sam", "password": "x" * 10})
    locked = await guesser.post("/family/sign-in", {"handle": "sam", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many tries." in locked.text
    assert wrong.status_code == 401
    await stranger.get("/family")
    assert (
        await stranger.post("/family/sign-in", {"handle": "sam", "password": PASSWORD})
    ).status_code == 429
    await sam.get("/family")
    back = await sam.post("/family/sign-in", {"handle": "sam", "password": PASSWORD})
    assert back.status_code == 200
    assert "Your settings" in back.text


async def test_a_teen_adds_daily_time_away(browsers):
    sam = browsers()
    await _register(sam, "sam", 14)
    home = await sam.get("/family/home")
    assert "Add time away every day: starts" in home.text
    added = await sam.post(
        "/family/settings",
        {"screen_time.time_away.start": "19:00", "screen_time.time_away.end": "20:00"},
    )
    assert "Your settings are saved." in added.text
    assert "19:00 to 20:00, every day" in added.text
    same = await sam.post(
        "/family/settings",
        {"screen_time.time_away.start": "19:00", "screen_time.time_away.end": "19:00"},
    )
    assert "Please check: Time away" in same.text


# --- the pages finish the story (issue 23) ---------------------------------------------------


async def _signed_in_page(browsers, person) -> Browser:
    """A page browser signed in as an account registered through the API."""
    browser = browsers()
    await browser.get("/family")
    home = await browser.post("/family/sign-in", {"handle": person.handle, "password": PASSWORD})
    assert home.status_code == 200, home.text
    return browser


def _code(page: httpx.Response) -> str:
    return re.search(r'class="code"[^>]*>([A-Z]{4}-[A-Z]{4})<', page.text).group(1)


async def test_a_used_or_revoked_invitation_disappears_from_the_guardians_home(browsers, register):
    mum, sam = await register("mum", 40), await register("sam", 14)
    mum_page = await _signed_in_page(browsers, mum)
    code = _code(await mum_page.post("/family/invitations"))
    assert (await sam.post("/v1/pairings", json={"code": code})).status_code == 201
    home = await mum_page.get("/family/home")
    assert code not in home.text
    assert "Pairing QR code" not in home.text
    assert "Make a code your teen can use" in home.text
    assert "@sam" in home.text  # the teen it linked instead

    invited = await mum_page.post("/family/invitations")
    code = _code(invited)
    invitation_id = re.search(r"/family/invitations/([^/]+)/qr.svg", invited.text).group(1)
    assert code in (await mum_page.get("/family/home")).text  # still open: still shown
    assert (await mum.delete(f"/v1/pairing-invitations/{invitation_id}")).status_code == 204
    home = await mum_page.get("/family/home")
    assert code not in home.text
    assert "Make a code your teen can use" in home.text


async def test_blocking_and_unblocking_from_the_pages_is_the_apis_blocks(browsers, register):
    sam, bully = await register("sam", 14), await register("bully_01", 15)
    page = await _signed_in_page(browsers, sam)
    blocks = await page.get("/family/blocks")
    assert "You do not block anyone." in blocks.text
    blocked = await page.post("/family/blocks", {"handle": "@Bully_01"})
    assert "You blocked @bully_01." in blocked.text
    assert "Unblock @bully_01" in blocked.text
    listed = (await sam.get("/v1/me/blocks")).json()["items"]
    assert [b["account"]["handle"] for b in listed] == ["bully_01"]
    again = await page.post("/family/blocks", {"handle": "bully_01"})
    assert "You already block @bully_01." in again.text

    unknown = await page.post("/family/blocks", {"handle": "nobody_here"})
    assert "There is no account called @nobody_here." in unknown.text
    itself = await page.post("/family/blocks", {"handle": "sam"})
    assert 'class="flash error" role="alert"' in itself.text  # refused, in words
    assert len((await sam.get("/v1/me/blocks")).json()["items"]) == 1

    unblocked = await page.post(f"/family/blocks/{bully.id}/unblock", {"handle": "bully_01"})
    assert "You unblocked @bully_01." in unblocked.text
    assert "You do not block anyone." in unblocked.text
    assert (await sam.get("/v1/me/blocks")).json()["items"] == []


async def test_a_reports_next_steps_block_the_account_in_one_click(browsers, register):
    sam = await register("sam", 14)
    await register("bully_01", 15)
    page = await _signed_in_page(browsers, sam)
    await page.get("/family/report")
    sent = await page.post(
        "/family/report",
        {"category": "harassment", "subject_kind": "account", "subject_handle": "bully_01"},
    )
    assert "Block @bully_01" in sent.text
    form = re.search(
        r'<form method="post" action="/family/blocks">(.*?)</form>', sent.text, re.S
    ).group(1)
    assert 'name="_csrf_token"' in form  # a CSRF-protected form, not a link
    assert 'name="handle" value="bully_01"' in form
    forged = await page._send("POST", "/family/blocks", data={"handle": "bully_01"})
    assert forged.status_code == 403  # without the page's token: refused, nothing blocked
    assert (await sam.get("/v1/me/blocks")).json()["items"] == []
    blocked = await page.post("/family/blocks", {"handle": "bully_01"})
    assert "You blocked @bully_01." in blocked.text
    listed = (await sam.get("/v1/me/blocks")).json()["items"]
    assert [b["account"]["handle"] for b in listed] == ["bully_01"]


async def test_a_report_about_an_unknown_handle_is_refused_and_nothing_is_sent(browsers, register):
    sam = await register("sam", 14)
    page = await _signed_in_page(browsers, sam)
    await page.get("/family/report")
    refused = await page.post(
        "/family/report",
        {
            "category": "harassment",
            "subject_kind": "message",
            "subject_handle": "@bully_1",
            "evidence_text": "nobody likes you",
        },
    )
    assert refused.status_code == 404
    assert "There is no account called @bully_1 here." in refused.text
    assert "Your report was sent." not in refused.text
    assert 'value="@bully_1"' in refused.text  # what was typed stays, to correct it
    assert ">nobody likes you</textarea>" in refused.text
    assert (await sam.get("/v1/me/reports")).json()["items"] == []


async def test_end_link_asks_first_and_ends_only_when_confirmed(browsers, register):
    mum, sam = await register("mum", 40), await register("sam", 14)
    await pair(mum, sam)
    mum_page = await _signed_in_page(browsers, mum)
    teen_page = await mum_page.get(f"/family/teens/{sam.id}")
    end = re.search(r'href="(/family/links/[^"]+/end)"', teen_page.text).group(1)
    asked = await mum_page.get(end)
    assert asked.status_code == 200
    assert "End your link with @sam?" in asked.text
    assert "Your limits on sam stop." in asked.text
    assert "Yes, end the link" in asked.text
    assert f'href="/family/teens/{sam.id}"' in asked.text  # "No, keep the link"
    one_click = await mum_page.post(end, follow=False)  # an old page's button: no confirmation
    assert one_click.status_code == 303
    assert one_click.headers["location"] == end
    assert (await mum.get("/v1/pairings")).json()["items"][0]["status"] == "active"

    sam_page = await _signed_in_page(browsers, sam)
    asked = await sam_page.get(end)
    assert "End your link with @mum?" in asked.text
    ended = await sam_page.post(end, {"confirm": "yes"})
    assert "The link has ended." in ended.text
    assert (await mum.get("/v1/pairings")).json()["items"][0]["status"] == "ended"
    again = await sam_page.get(end)
    assert again.headers["location"] == "/family/home"
    assert "This link has already ended." in (await sam_page.get("/family/home")).text
    stranger = await _signed_in_page(browsers, await register("dan", 30))
    assert (await stranger.get(end)).status_code == 404


async def test_helpline_numbers_on_the_report_page_are_tel_links(browsers, register):
    sam = await register("sam", 14, country="GB")
    await register("bully_01", 15)
    page = await _signed_in_page(browsers, sam)
    await page.get("/family/report")
    sent = await page.post(
        "/family/report",
        {"category": "harassment", "subject_kind": "account", "subject_handle": "bully_01"},
    )
    assert '<a class="tel" href="tel:08001111">Call 0800 1111</a>' in sent.text  # Childline
    threats = await page.post(
        "/family/report",
        {"category": "threats", "subject_kind": "account", "subject_handle": "bully_01"},
    )
    assert '<a class="tel" href="tel:999">Call 999</a>' in threats.text


async def test_report_categories_come_most_needed_first_on_the_page_and_in_the_api(
    browsers, register
):
    sam = await register("sam", 14)
    page = await _signed_in_page(browsers, sam)
    form = await page.get("/family/report")
    select = re.search(r'<select id="report-category".*?</select>', form.text, re.S).group(0)
    on_page = re.findall(r'<option value="([a-z_]+)"', select)
    assert on_page[0] == "harassment"  # bullying first: what people need most
    assert on_page[-1] == "other"
    assert on_page.index("minor_exploitation") > on_page.index("threats")
    listed = (await sam.get("/v1/safety/report-categories")).json()["items"]
    assert [c["id"] for c in listed] == on_page


async def test_histories_say_you_for_the_viewers_own_actions_and_the_chart_has_a_key(
    browsers, register
):
    mum, sam = await register("mum", 40), await register("sam", 14)
    await pair(mum, sam)
    await set_limits(mum, sam.id, {"screen_time.daily_limit_minutes": 60})
    assert (
        await sam.post("/v1/me/time-requests", json={"kind": "extra_time", "minutes": 15})
    ).status_code == 201
    mum_page = await _signed_in_page(browsers, mum)
    overview = await mum_page.get(f"/family/teens/{sam.id}")
    assert "You changed limits" in overview.text
    assert "@mum changed limits" not in overview.text
    assert "@sam asked for more time" in overview.text
    assert "Daily limit, with extra time" in overview.text  # the chart's key
    assert ">Used</li>" in overview.text
    sam_page = await _signed_in_page(browsers, sam)
    history = await sam_page.get("/family/history")
    assert "You asked for more time" in history.text
    assert "@sam asked" not in history.text
    assert "@mum changed limits" in history.text


async def test_the_teens_home_leads_with_today_and_asking_for_time(browsers, register):
    mum, sam = await register("mum", 40), await register("sam", 14)
    await pair(mum, sam)
    await set_limits(mum, sam.id, {"screen_time.daily_limit_minutes": 60})
    page = await _signed_in_page(browsers, sam)
    home = (await page.get("/family/home")).text
    assert "1 h left today" in home
    order = [
        home.index('id="today-title"'),
        home.index('id="time-title"'),
        home.index('id="settings-title"'),
    ]
    assert order == sorted(order)


async def test_the_teens_today_says_when_time_away_ends(browsers, register):
    sam = await register("sam", 14)
    noon = datetime.combine(utc_today() + timedelta(days=1), time(12), tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        page = await _signed_in_page(browsers, sam)
        home = await page.post(
            "/family/settings",
            {"screen_time.time_away.start": "11:00", "screen_time.time_away.end": "13:00"},
        )
        assert "Your settings are saved." in home.text
        today = home.text[home.text.index('id="today-title"') : home.text.index('id="time-title"')]
        assert "Time away now, until 13:00 UTC." in today


async def test_the_qr_codes_link_previews_the_invitation_after_signing_in(browsers, register):
    mum = await register("jo_mum", 40)
    invitation = (await mum.post("/v1/pairing-invitations", json={})).json()
    kai = browsers()
    await _register(kai, "kai_14", 14)
    await kai.post("/family/sign-out")
    # Opened from the phone's camera, signed out: sign in first, then the invitation.
    opened = await kai.get(f"/family/pair?token={invitation['token']}")
    assert opened.status_code == 303
    assert opened.headers["location"] == "/family"
    page = await kai.get("/family")
    assert "Sign in to see who invited you." in page.text
    preview = await kai.post("/family/sign-in", {"handle": "kai_14", "password": PASSWORD})
    assert "Link with @jo_mum?" in preview.text
    linked = await kai.post("/family/pairing/agree")
    assert "You are now linked with @jo_mum." in linked.text
    # Signed in already, a spent invitation's link says so.
    again = await kai.get(f"/family/pair?token={invitation['token']}")
    assert again.headers["location"] == "/family/pairing"
    refused = await kai.get("/family/pairing")
    refused = await kai.get(refused.headers["location"])
    assert "That code was already used." in refused.text
    # A broken link is no invitation.
    await kai.get("/family/pair?token=not-a-token")
    broken = await kai.get("/family/pairing")
    broken = await kai.get(broken.headers["location"])
    assert "That code does not work." in broken.text


def _cards(page: str) -> list[str]:
    """Each help card's text, tags stripped, in page order."""
    cards = re.findall(r'<li class="card">(.*?)</li>', page, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", card).split()) for card in cards]


def _headings(page: str) -> list[str]:
    return re.findall(r'<h2 id="help-\d+">([^<]+)</h2>', page)


async def test_help_leads_with_the_accounts_countrys_numbers_each_a_tel_link(browsers):
    sam = browsers()
    await _register(sam, "sam_gb", 14)
    saved = await sam.post(
        "/family/profile", {"display_name": "", "country": "GB", "timezone": "Europe/London"}
    )
    assert "Your profile is saved." in saved.text
    page = (await sam.get("/family/help")).text
    assert _headings(page)[:2] == ["In United Kingdom", "Wherever you are"]
    first = _cards(page)[0]
    assert first.startswith("Childline United Kingdom")
    assert 'href="tel:08001111"' in page
    assert 'href="tel:999"' in page
    emergency = [card for card in _cards(page) if card.startswith("Emergency services")]
    # Every emergency number says where it works; the UK's comes first.
    assert [card.split(" Call ")[0] for card in emergency] == [
        "Emergency services United Kingdom",
        "Emergency services Australia",
        "Emergency services the European Union",
        "Emergency services United States",
    ]
    assert "Call 999" in emergency[0]


async def test_help_signed_out_shows_every_country_grouped(client):
    page = await client.get("/family/help")
    assert page.status_code == 200
    assert _headings(page.text) == [
        "Wherever you are",
        "In Australia",
        "In the European Union",
        "In United Kingdom",
        "In United States",
    ]
    for number in ("999", "911", "112", "000", "08001111", "18883737888"):
        assert f'href="tel:{number}"' in page.text
    assert "Sign out" not in page.text


async def test_registering_with_a_country_and_time_zone(browsers, client):
    kai = browsers()
    form = await kai.get("/family")
    assert '<select id="register-timezone" name="timezone"' in form.text
    assert "data-browser-zone" in form.text
    assert '<option value="FR">France</option>' in form.text
    await _register(kai, "kai_fr", 15)  # the form as a browser without the script sends it
    home = await kai.post(
        "/family/profile",
        {"display_name": "Kai", "country": "FR", "timezone": "Europe/Paris"},
    )
    assert "Your profile is saved." in home.text
    registered = browsers()
    await registered.get("/family")
    made = await registered.post(
        "/family/register",
        {
            "handle": "lou_fr",
            "password": PASSWORD,
            "birthdate": birthdate_for_age(15).isoformat(),
            "display_name": "Lou",
            "country": "FR",
            "timezone": "Europe/Paris",
        },
    )
    assert made.status_code == 200, made.text
    profile = await registered.get("/family/profile")
    assert 'value="Lou"' in profile.text
    assert '<option value="FR" selected>France</option>' in profile.text
    assert '<option value="Europe/Paris" selected>Europe/Paris</option>' in profile.text
    token = await client.post("/v1/auth/token", json={"handle": "lou_fr", "password": PASSWORD})
    me = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert (me.json()["country"], me.json()["timezone"]) == ("FR", "Europe/Paris")
    max_ = browsers()
    await max_.get("/family")
    bad = await max_.post(
        "/family/register",
        {
            "handle": "max_xx",
            "password": PASSWORD,
            "birthdate": birthdate_for_age(15).isoformat(),
            "timezone": "Mars/Olympus",
        },
    )
    assert bad.status_code == 422
    assert 'value="max_xx"' in bad.text  # what was typed stays


async def test_the_profile_page_changes_what_the_api_shows_and_tells_guardians(browsers, register):
    mum = await register("jo_mum", 40)
    kai = browsers()
    home = await _register(kai, "kai_14", 14)
    assert 'href="/family/profile"' in home.text
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    await kai.post("/family/pairing", {"code": code})
    await kai.post("/family/pairing/agree")

    saved = await kai.post(
        "/family/profile",
        {"display_name": "Kai R", "country": "NZ", "timezone": "Pacific/Auckland"},
    )
    assert "Your profile is saved." in saved.text
    assert 'value="Kai R"' in saved.text
    me = (await mum.get("/v1/pairings")).json()["items"][0]["teen"]
    assert me["display_name"] == "Kai R"
    [told] = [
        item["data"]
        for item in (await mum.get("/v1/me/notifications")).json()["items"]
        if item["kind"] == "profile.changed"
    ]
    assert told["fields"] == ["country", "timezone"]

    refused = await kai.post(
        "/family/profile", {"display_name": "x" * 65, "country": "NZ", "timezone": "UTC"}
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    history = await kai.get("/family/history")
    assert "changed the profile" in history.text


async def test_a_refused_registration_says_what_the_api_says_in_a_sentence(browsers):
    sam = browsers()
    await sam.get("/family")
    short = await sam.post(
        "/family/register",
        {"handle": "sam", "password": "short", "birthdate": birthdate_for_age(14).isoformat()},
    )
    assert "Please check: Password must be at least 10 characters." in short.text
    empty = await sam.post("/family/register", {"handle": "", "password": "", "birthdate": ""})
    assert "String should" not in empty.text
    assert "Input should" not in empty.text
    undated = await sam.post(
        "/family/register", {"handle": "sam", "password": PASSWORD, "birthdate": "30/04/2011"}
    )
    assert "Birthdate must be a date like 2011-04-30." in undated.text


async def test_a_teen_asks_to_loosen_a_setting_and_a_guardian_approves_on_the_page(
    browsers, register
):
    mum, sam = await register("mum", 40), browsers()
    await _register(sam, "sam", 14)
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    await sam.post("/family/pairing", {"code": code})
    await sam.post("/family/pairing/agree")
    teen_id = (await mum.get("/v1/pairings")).json()["items"][0]["teen"]["id"]
    home = await sam.get("/family/home")
    assert "Ask to change a setting" in home.text
    asked = await sam.post(
        "/family/setting-requests",
        {"key": "content.maturity", "value": '"all"', "note": "for films"},
    )
    assert "Your request was sent to your guardians." in asked.text
    # Asking again for what needs no approval is refused in words.
    refused = await sam.post(
        "/family/setting-requests", {"key": "content.maturity", "value": '"13+"'}
    )
    assert "Your request was sent" not in refused.text
    page_mum = browsers()
    await page_mum.get("/family")
    await page_mum.post("/family/sign-in", {"handle": "mum", "password": PASSWORD})
    teen_page = await page_mum.get(f"/family/teens/{teen_id}")
    assert "Setting requests" in teen_page.text
    assert "for films" in teen_page.text
    [request_id] = re.findall(
        rf"/family/teens/{teen_id}/setting-requests/([0-9a-f-]+)", teen_page.text
    )
    approved = await page_mum.post(
        f"/family/teens/{teen_id}/setting-requests/{request_id}", {"decision": "approve"}
    )
    assert "Approved: the setting is changed." in approved.text
    assert "No setting requests waiting." in approved.text
    settings = (await mum.get(f"/v1/teens/{teen_id}/settings")).json()["settings"]
    assert settings["content.maturity"]["value"] == "all"
    # A second decision on the page is refused in words, and changes nothing.
    again = await page_mum.post(
        f"/family/teens/{teen_id}/setting-requests/{request_id}", {"decision": "decline"}
    )
    assert "Approved: the setting is changed." not in again.text
    settings = (await mum.get(f"/v1/teens/{teen_id}/settings")).json()["settings"]
    assert settings["content.maturity"]["value"] == "all"


async def test_the_pages_show_a_law_set_value_with_the_laws_title_and_citation(browsers, register):
    mum = await register("mum", 40, country="DE")
    await register("lena", 14, country="DE")
    lena = browsers()
    await lena.get("/family")
    await lena.post("/family/sign-in", {"handle": "lena", "password": PASSWORD})
    home = await lena.get("/family/home")
    eu = (await mum.get("/v1/laws/EU-DSA-28")).json()
    link = f'Set by law: <a href="{html.escape(eu["citation"])}" rel="noopener">{eu["title"]}</a>'
    assert link in home.text  # push notifications, autoplay, read receipts, downloads
    code = (await mum.post("/v1/pairing-invitations", json={})).json()["code"]
    await lena.post("/family/pairing", {"code": code})
    await lena.post("/family/pairing/agree")
    page_mum = browsers()
    await page_mum.get("/family")
    await page_mum.post("/family/sign-in", {"handle": "mum", "password": PASSWORD})
    teen_id = (await mum.get("/v1/pairings")).json()["items"][0]["teen"]["id"]
    teen_page = await page_mum.get(f"/family/teens/{teen_id}")
    assert link in teen_page.text
