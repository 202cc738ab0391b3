"""Family Center pages through the app (AsyncTestClient): sign-in by session cookie, CSRF on
every form and only on the pages, the CSP header, the problems in words, and the story."""

from __future__ import annotations

import html
import re

import httpx
import pytest

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
    asked = await sam.post("/family/time-requests", {"kind": "extra_time", "minutes": "15"})
    assert "Your question was sent" in asked.text

    page = await mum.get(teen_path)
    assert "Approve" in page.text
    assert "Deny" in page.text
    decide = re.search(r'action="(/family/teens/[^"]+/time-requests/[^"]+)"', page.text).group(1)
    approved = await mum.post(decide, {"decision": "approve"})
    assert "Approved" in approved.text
    assert "No requests waiting." in approved.text

    history = await sam.get("/family/history")
    assert "@mum changed limits" in history.text
    home = await sam.get("/family/home")
    end = re.search(r'action="(/family/links/[^"]+/end)"', home.text).group(1)
    ended = await sam.post(end)
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


async def test_a_teen_reports_with_evidence_and_sees_what_to_do_next(browsers):
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
