"""The pages. Each handler calls the same services as the JSON API and shows their problems in
words; every form posts and redirects (303)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from pydantic import ValidationError

from family_safety.db.account_records import AccountRecord
from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.accounts import services as accounts
from family_safety.domain.accounts.schemas import NewAccount
from family_safety.domain.audit import services as audit
from family_safety.domain.auth.deps import AUTH_SERVICE, AuthServiceDep
from family_safety.domain.auth.schemas import SignedIn
from family_safety.domain.auth.services import DEVICE_TOKEN_TTL_SECONDS
from family_safety.domain.dependencies import (
    PUBLIC_ROUTE_OPT,
    AppComponents,
    ClientAddress,
    DbSession,
)
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.chart import days_chart
from family_safety.domain.family_center.session import (
    PAGE_ACCOUNT,
    PageAccount,
    SignInNeeded,
    signed_in_account,
    start_session,
)
from family_safety.domain.family_center.web import PAGE_HEADERS, PREFIX
from family_safety.domain.family_center.words import (
    LABELS,
    action_words,
    minutes_words,
    notification_words,
    problem_words,
    value_words,
)
from family_safety.domain.guardians.deps import LIMITS_SERVICE, LimitsServiceDep
from family_safety.domain.guardians.limits import limits_etag, replace_limits
from family_safety.domain.links.access import GuardedTeen, guarded_teen
from family_safety.domain.links.deps import LINK_SERVICE, LinkServiceDep
from family_safety.domain.notifications import services as notifications
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.pairing.schemas import InvitationProof
from family_safety.domain.safety.deps import REPORT_SERVICE, ReportServiceDep
from family_safety.domain.safety.reports import categories_for
from family_safety.domain.safety.resources import resources_for
from family_safety.domain.safety.schemas import NewReport
from family_safety.domain.screen_time.deps import (
    TIME_REQUEST_SERVICE,
    USAGE_SERVICE,
    TimeRequestServiceDep,
    UsageServiceDep,
)
from family_safety.domain.screen_time.schemas import TimeRequestIn
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.config import Environment
from family_safety.lib.problems import Problem

HOME = f"{PREFIX}/home"
QUESTIONS_SHOWN = 5
ANSWER_WORDS = {
    "pending": "Waiting for an answer",
    "approved": "Yes",
    "denied": "No",
    "cancelled": "Cancelled",
    "expired": "Ran out",
}
LIST_LIMIT = 100


def _see_other(path: str) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


DEVICE_COOKIE = "family_device"


def _signed_in(components: AppComponents, signed: SignedIn) -> Redirect:
    """Home, remembering this browser as a device of the account: its device token lets it keep
    signing in while others' wrong guesses lock the handle (as ``device_token`` does in the API)."""
    cookie = Cookie(
        key=DEVICE_COOKIE,
        value=signed.device_token,
        path=PREFIX,
        max_age=DEVICE_TOKEN_TTL_SECONDS,
        httponly=True,
        samesite="lax",
        secure=components.settings.environment != Environment.DEVELOPMENT,
    )
    return Redirect(HOME, status_code=HTTP_303_SEE_OTHER, cookies=[cookie])


def _flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def _page(
    request: Request,
    template: str,
    account: AccountRecord | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    flash = request.session.pop("flash", None) if request.session else None
    return Template(
        template_name=template,
        context={"account": account, "flash": flash, **context},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _words(problem: Problem) -> str:
    words = problem_words(problem.slug, problem.detail)
    errors = (problem.extra or {}).get("errors") if isinstance(problem.extra, dict) else None
    if problem.slug == "setting-locked" and errors:
        # The detail names who bounds each key ("KEY is bounded by guardian @mum; ...").
        who = {
            part.split(" is bounded by ")[0]: part.split(" is bounded by ")[-1]
            for part in problem.detail.rstrip(".").split("; ")
        }
        words = " ".join(
            f"You can't change {LABELS.get(e['field'], e['field'])} that way: it is set by "
            f"{who.get(e['field'], 'a limit').replace('guardian ', '')}."
            for e in errors
        )
    if problem.slug == "validation" and errors:
        words = "Please check: " + "; ".join(
            f"{LABELS.get(e['field'], e['field'].replace('_', ' ').title())}: {e['message']}"
            for e in errors
        )
    return words


def _validation_words(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "form"
        parts.append(f"{field.replace('_', ' ').title()}: {item['msg'].lower()}")
    return "Please check: " + "; ".join(parts)


NEWS_SHOWN = 5


async def _whats_new(
    db_session: DbSession, account: AccountRecord, teens: dict[str, str]
) -> list[dict[str, Any]]:
    """The latest notifications, newest first, in words."""
    me = str(account.id)
    return [
        {"at": n.created_at, "words": notification_words(n.kind, n.data or {}, me, teens)}
        for n in await notifications.latest(db_session, account.id, NEWS_SHOWN)
    ]


def _is_teen(components: AppComponents, account: AccountRecord) -> bool:
    pack = components.pack
    band = pack.band_for(account.birthdate, utc_today())
    return band is not None and pack.is_teen(band)


def _local(when: datetime | None, timezone: str) -> str:
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(timezone)).strftime("%H:%M %Z")


def _set_by(setting: Any) -> str:
    """Who decided a setting's value, for its holder: "Set by @mum", "Set by your age"."""
    bound = setting.bound
    if bound is not None and bound.value == setting.value:
        names = [
            "your age" if party.kind == "age_gate" else f"@{party.handle}" for party in bound.set_by
        ]
        return "Set by " + " and ".join(names)
    return "Your choice" if setting.source == "self" else "Starting setting"


async def _guarded(db_session: DbSession, guardian: AccountRecord, teen_id: UUID) -> GuardedTeen:
    """This guardian's active link to this teen, as every /v1/teens/{id} path checks it."""
    return await guarded_teen(db_session, guardian.id, teen_id)


class FamilyCenter(Controller):
    path = PREFIX
    include_in_schema = False
    # No bearer token: these pages are signed in by their own session cookie (session.py).
    opt = {PUBLIC_ROUTE_OPT: True}
    response_headers = PAGE_HEADERS
    dependencies = {
        **PAGE_ACCOUNT,
        **AUTH_SERVICE,
        **SETTINGS_SERVICE,
        **PAIRING_SERVICE,
        **LINK_SERVICE,
        **LIMITS_SERVICE,
        **USAGE_SERVICE,
        **TIME_REQUEST_SERVICE,
        **REPORT_SERVICE,
    }

    # --- signing in ----------------------------------------------------------------------

    @get("/")
    async def start(self, request: Request) -> Response:
        if await signed_in_account(request) is not None:
            return _see_other(HOME)
        return _page(request, "sign_in.html")

    @post("/sign-in")
    async def sign_in(
        self,
        request: Request,
        auth_service: AuthServiceDep,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> Response:
        form = await request.form()
        handle, password = form.get("handle", "").strip(), form.get("password", "")
        try:
            pair = await auth_service.sign_in(
                handle, password, client_address, request.cookies.get(DEVICE_COOKIE)
            )
        except Problem as problem:
            return _page(
                request,
                "sign_in.html",
                status_code=problem.status_code,
                sign_in_error=_words(problem),
                handle=handle,
            )
        start_session(request, components, pair)
        return _signed_in(components, pair)

    @post("/register")
    async def register(
        self,
        request: Request,
        db_session: DbSession,
        auth_service: AuthServiceDep,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> Response:
        form = await request.form()
        fields = {
            "handle": form.get("handle", "").strip(),
            "password": form.get("password", ""),
            "birthdate": form.get("birthdate", ""),
        }
        if country := form.get("country", "").strip().upper():
            fields["country"] = country
        try:
            new = NewAccount.model_validate(fields)
            await accounts.register(
                db_session,
                components.hasher,
                components.pack,
                new,
                client_address=client_address,
                per_address_per_hour=components.settings.registrations_per_address_per_hour,
                now=utc_now(),
            )
            pair = await auth_service.sign_in(new.handle, new.password, client_address)
        except ValidationError as error:
            return _page(
                request,
                "sign_in.html",
                status_code=422,
                register_error=_validation_words(error),
                new_handle=fields["handle"],
            )
        except Problem as problem:
            return _page(
                request,
                "sign_in.html",
                status_code=problem.status_code,
                register_error=_words(problem),
                new_handle=fields["handle"],
            )
        start_session(request, components, pair)
        return _signed_in(components, pair)

    @post("/sign-out")
    async def sign_out(
        self, request: Request, page_account: PageAccount, auth_service: AuthServiceDep
    ) -> Response:
        """Ends the sign-in exactly as POST /v1/auth/logout does (every session of the
        account), then forgets the cookie."""
        refresh_token = request.session.get("refresh_token")
        if refresh_token:
            await auth_service.logout(refresh_token)
        request.clear_session()
        return _see_other(PREFIX)

    # --- home ----------------------------------------------------------------------------

    @get("/home")
    async def home(
        self,
        request: Request,
        page_account: PageAccount,
        components: AppComponents,
        settings_service: SettingsServiceDep,
        link_service: LinkServiceDep,
        limits_service: LimitsServiceDep,
        time_request_service: TimeRequestServiceDep,
        db_session: DbSession,
    ) -> Response:
        today = utc_today()
        if not _is_teen(components, page_account):
            links = await link_service.page(page_account, LIST_LIMIT, None, today)
            teens = [
                link
                for link in links.items
                if link.guardian.id == page_account.id and link.status == "active"
            ]
            invitation = request.session.get("invitation")
            if invitation and datetime.fromisoformat(invitation["expires_at"]) <= utc_now():
                invitation = None
            return _page(
                request,
                "guardian_home.html",
                page_account,
                teens=teens,
                news=await _whats_new(
                    db_session,
                    page_account,
                    {str(link.teen.id): link.teen.handle for link in links.items},
                ),
                invitation=invitation,
                expires_local=_local(
                    datetime.fromisoformat(invitation["expires_at"]) if invitation else None,
                    page_account.timezone,
                ),
            )
        snapshot = await settings_service.snapshot(page_account, today)
        answer = snapshot.answer()
        settings = []
        for key, setting in answer.settings.items():
            bound = setting.bound.value if setting.bound else None
            choices = forms.allowed_choices(key, bound) if setting.can_change else None
            settings.append(
                {
                    "key": key,
                    "id": "s-" + key.replace(".", "-").replace("_", "-"),
                    "label": LABELS[key],
                    "value": value_words(key, setting.value),
                    "current": forms.choice_value(setting.value),
                    "set_by": _set_by(setting),
                    "choices": choices if choices and len(choices) > 1 else None,
                    # More hidden words is always stricter: a teen may add their own.
                    "words": "\n".join(setting.value) if key == forms.KEYWORDS else None,
                    # More windows are always stricter: a teen may add a daily one.
                    "window": key in forms.WINDOW_KEYS,
                    # Fewer minutes is always stricter: a teen may choose a smaller daily limit.
                    "minutes": forms.uniform_minutes(setting.value)
                    if key == forms.DAILY_LIMIT
                    else None,
                }
            )
        guardians = await limits_service.my_guardians(page_account, LIST_LIMIT, None, today)
        now = utc_now()
        status = await components.screen_time_statuses.status(page_account, now)
        asked = await time_request_service.requests(page_account, LIST_LIMIT, None, now)
        return _page(
            request,
            "teen_home.html",
            page_account,
            settings=settings,
            guardians=[
                {
                    "link": g.link,
                    "limits": [(LABELS[k], value_words(k, v)) for k, v in g.limits.items()],
                }
                for g in guardians.items
            ],
            status=status,
            minutes_words=minutes_words,
            questions=list(reversed(asked.items))[:QUESTIONS_SHOWN],
            answer_words=ANSWER_WORDS,
            news=await _whats_new(db_session, page_account, {}),
        )

    # --- a guardian's pages ----------------------------------------------------------------

    @post("/invitations")
    async def invite(
        self, request: Request, page_account: PageAccount, pairing_service: PairingServiceDep
    ) -> Response:
        now = utc_now()
        try:
            created = await pairing_service.invite(page_account, now.date(), now)
        except Problem as problem:
            _flash(request, _words(problem), "error")
            return _see_other(HOME)
        # The code is shown once, as the API answers it once; it lives in the encrypted cookie
        # until it expires.
        request.session["invitation"] = {
            "id": str(created.id),
            "code": created.code,
            "expires_at": created.expires_at.isoformat(),
        }
        return _see_other(HOME)

    @get("/invitations/{invitation_id:uuid}/qr.svg")
    async def qr(
        self,
        invitation_id: FromPath[UUID],
        page_account: PageAccount,
        pairing_service: PairingServiceDep,
    ) -> Response[bytes]:
        svg = await pairing_service.qr_svg(page_account, invitation_id, utc_now())
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def _teen_page(
        self,
        request: Request,
        guardian: AccountRecord,
        guarded: GuardedTeen,
        *,
        components: AppComponents,
        db_session: DbSession,
        settings_service: SettingsServiceDep,
        limits_service: LimitsServiceDep,
        usage_service: UsageServiceDep,
        time_request_service: TimeRequestServiceDep,
        status_code: int = 200,
        form_error: str | None = None,
    ) -> Template:
        now = utc_now()
        teen = guarded.teen
        snapshot = await settings_service.snapshot(teen, now.date())
        answer = snapshot.answer()
        mine = await limits_service.limits(guarded)
        gates = components.pack.gates.get(snapshot.band, {})
        others = [g for g in snapshot.guardians if g.link.id != guarded.link.id]
        rows = []
        for field in forms.limit_fields(mine):
            key = field.key
            notes = []
            if key in gates:
                kind, gate = forms.CATALOG[key], gates[key]
                words = value_words(key, kind.dump(gate))
                notes.append(
                    f"Locked by age ({snapshot.band}): {words}"
                    if kind.is_single_value(gate)
                    else f"Age limit ({snapshot.band}): {words} or stricter"
                )
            notes += [
                f"@{g.guardian.handle} set: {value_words(key, g.limits[key])}"
                for g in others
                if key in g.limits
            ]
            rows.append(
                {
                    "field": field,
                    "now": value_words(key, answer.settings[key].value),
                    "notes": notes,
                }
            )
        status = await components.screen_time_statuses.status(teen, now)
        days = await usage_service.days(teen, None, None, 7, None, now)
        requests = await time_request_service.requests(teen, LIST_LIMIT, None, now)
        history = await audit.page_for(db_session, teen.id, LIST_LIMIT, None)
        return _page(
            request,
            "guardian_teen.html",
            guardian,
            status_code=status_code,
            teen=teen,
            link=guarded.link,
            rows=rows,
            etag=limits_etag(guarded.link),
            form_error=form_error,
            status=status,
            chart=days_chart(days.items),
            pending=[r for r in requests.items if r.status == "pending"],
            history=list(reversed(history.items)),
            action_words=action_words,
            minutes_words=minutes_words,
            labels=LABELS,
        )

    @get("/teens/{teen_id:uuid}")
    async def teen(
        self,
        request: Request,
        teen_id: FromPath[UUID],
        page_account: PageAccount,
        components: AppComponents,
        db_session: DbSession,
        settings_service: SettingsServiceDep,
        limits_service: LimitsServiceDep,
        usage_service: UsageServiceDep,
        time_request_service: TimeRequestServiceDep,
    ) -> Template:
        guarded = await _guarded(db_session, page_account, teen_id)
        return await self._teen_page(
            request,
            page_account,
            guarded,
            components=components,
            db_session=db_session,
            settings_service=settings_service,
            limits_service=limits_service,
            usage_service=usage_service,
            time_request_service=time_request_service,
        )

    @post("/teens/{teen_id:uuid}/limits")
    async def save_limits(
        self,
        request: Request,
        teen_id: FromPath[UUID],
        page_account: PageAccount,
        components: AppComponents,
        db_session: DbSession,
        settings_service: SettingsServiceDep,
        limits_service: LimitsServiceDep,
        usage_service: UsageServiceDep,
        time_request_service: TimeRequestServiceDep,
    ) -> Response:
        await _guarded(db_session, page_account, teen_id)
        # The change is a lean write on a connection of its own: this session's read ends first
        # (on SQLite it would hold the write lock the change waits for).
        await db_session.rollback()
        form = await request.form()
        try:
            await components.writer.run(
                replace_limits(
                    page_account, teen_id, forms.limits_from_form(form), form.get("etag"), utc_now()
                )
            )
        except Problem as problem:
            # 412: the page is shown again with the current values and a fresh ETag.
            return await self._teen_page(
                request,
                page_account,
                await _guarded(db_session, page_account, teen_id),
                components=components,
                db_session=db_session,
                settings_service=settings_service,
                limits_service=limits_service,
                usage_service=usage_service,
                time_request_service=time_request_service,
                status_code=problem.status_code,
                form_error=_words(problem),
            )
        _flash(request, "Limits saved.")
        return _see_other(f"{PREFIX}/teens/{teen_id}")

    @post("/teens/{teen_id:uuid}/time-requests/{request_id:uuid}")
    async def decide(
        self,
        request: Request,
        teen_id: FromPath[UUID],
        request_id: FromPath[UUID],
        page_account: PageAccount,
        db_session: DbSession,
        time_request_service: TimeRequestServiceDep,
    ) -> Response:
        guarded = await _guarded(db_session, page_account, teen_id)
        form = await request.form()
        approve = form.get("decision") == "approve"
        try:
            await time_request_service.decide(
                page_account,
                guarded.teen,
                guarded.link.id,
                request_id,
                approve=approve,
                minutes=None,
                now=utc_now(),
            )
            _flash(request, "Approved: more time given." if approve else "Request denied.")
        except Problem as problem:
            _flash(request, _words(problem), "error")
        return _see_other(f"{PREFIX}/teens/{teen_id}")

    # --- either side ---------------------------------------------------------------------

    @post("/links/{link_id:uuid}/end")
    async def end_link(
        self,
        request: Request,
        link_id: FromPath[UUID],
        page_account: PageAccount,
        link_service: LinkServiceDep,
    ) -> Response:
        await link_service.end(page_account, link_id, utc_now())
        _flash(request, "The link has ended.")
        return _see_other(HOME)

    @get("/history")
    async def history(
        self, request: Request, page_account: PageAccount, db_session: DbSession
    ) -> Template:
        entries = await audit.page_for(db_session, page_account.id, LIST_LIMIT, None)
        return _page(
            request,
            "history.html",
            page_account,
            history=list(reversed(entries.items)),
            action_words=action_words,
            labels=LABELS,
        )

    # --- a teen's pages --------------------------------------------------------------------

    @post("/settings")
    async def save_settings(
        self,
        request: Request,
        page_account: PageAccount,
        components: AppComponents,
        settings_service: SettingsServiceDep,
    ) -> Response:
        today = utc_today()
        form = await request.form()
        current = (await settings_service.snapshot(page_account, today)).answer().settings
        changes = {
            key: forms.choice_from_form(key, form[key])
            for key in forms.CATALOG
            if key in form
            and key not in (forms.KEYWORDS, forms.DAILY_LIMIT)
            and form[key] != forms.choice_value(current[key].value)
        }
        typed_minutes = form.get(forms.DAILY_LIMIT, "").strip()
        if typed_minutes and typed_minutes != str(
            forms.uniform_minutes(current[forms.DAILY_LIMIT].value)
        ):
            changes[forms.DAILY_LIMIT] = (
                int(typed_minutes) if typed_minutes.isdigit() else typed_minutes
            )
        for key in forms.WINDOW_KEYS:
            start, end = form.get(f"{key}.start", ""), form.get(f"{key}.end", "")
            if start or end:
                added = {"days": list(forms.DAYS), "start": start, "end": end}
                changes[key] = [*current[key].value, added]
        if forms.KEYWORDS in form:
            words = forms.words_from_form(form[forms.KEYWORDS])
            if {w.casefold() for w in words} != {
                w.casefold() for w in current[forms.KEYWORDS].value
            }:
                changes[forms.KEYWORDS] = words
        if changes:
            try:
                snapshot = await settings_service.update(page_account, changes, today, None)
            except Problem as problem:
                _flash(request, _words(problem), "error")
                return _see_other(HOME)
            components.settings_answers.remember(snapshot)
        _flash(request, "Your settings are saved.")
        return _see_other(HOME)

    @post("/pairing")
    async def enter_code(self, request: Request, page_account: PageAccount) -> Response:
        form = await request.form()
        request.session["pairing_code"] = form.get("code", "").strip()[:32]
        return _see_other(f"{PREFIX}/pairing")

    @get("/pairing")
    async def preview(
        self, request: Request, page_account: PageAccount, pairing_service: PairingServiceDep
    ) -> Response:
        code = request.session.get("pairing_code")
        if not code:
            return _see_other(HOME)
        now = utc_now()
        try:
            preview = await pairing_service.preview(
                page_account, InvitationProof(code=code), now.date(), now
            )
        except (Problem, ValidationError) as problem:
            request.session.pop("pairing_code", None)
            words = (
                _words(problem)
                if isinstance(problem, Problem)
                else problem_words("invitation-invalid", "")
            )
            _flash(request, words, "error")
            return _see_other(HOME)
        return _page(
            request,
            "pairing_preview.html",
            page_account,
            preview=preview,
            controls=[LABELS[key] for key in preview.controls],
            expires_local=_local(preview.expires_at, page_account.timezone),
        )

    @post("/pairing/agree")
    async def agree(
        self, request: Request, page_account: PageAccount, pairing_service: PairingServiceDep
    ) -> Response:
        code = request.session.pop("pairing_code", None)
        if not code:
            return _see_other(HOME)
        now = utc_now()
        try:
            link = await pairing_service.redeem(
                page_account, InvitationProof(code=code), now.date(), now
            )
        except Problem as problem:
            _flash(request, _words(problem), "error")
            return _see_other(HOME)
        _flash(request, f"You are now linked with @{link.guardian.handle}.")
        return _see_other(HOME)

    @post("/pairing/not-now")
    async def not_now(self, request: Request, page_account: PageAccount) -> Response:
        request.session.pop("pairing_code", None)
        return _see_other(HOME)

    @post("/time-requests")
    async def ask_for_time(
        self,
        request: Request,
        page_account: PageAccount,
        time_request_service: TimeRequestServiceDep,
    ) -> Response:
        form = await request.form()
        try:
            asked = TimeRequestIn.model_validate(
                {
                    "kind": form.get("kind", "extra_time"),
                    "minutes": form.get("minutes", ""),
                    "note": form.get("note", "").strip() or None,
                }
            )
            await time_request_service.ask(
                page_account, asked.kind, asked.minutes, asked.note, utc_now()
            )
        except ValidationError as error:
            _flash(request, _validation_words(error), "error")
            return _see_other(HOME)
        except Problem as problem:
            _flash(request, _words(problem), "error")
            return _see_other(HOME)
        _flash(request, "Your question was sent to your guardians.")
        return _see_other(HOME)

    @get("/help")
    async def get_help(
        self, request: Request, page_account: PageAccount, components: AppComponents
    ) -> Template:
        minor = _is_teen(components, page_account)
        resources = resources_for(
            components.safety, is_minor=minor, country=page_account.country, topic=None
        )
        return _page(request, "help.html", page_account, resources=resources)


SUBJECT_WORDS = {
    "account": "An account",
    "content": "A video or post",
    "comment": "A comment",
    "message": "A message",
    "live": "A LIVE",
}


def _local_to_utc(typed: str, timezone: str) -> str:
    """A ``datetime-local`` field's value, in the account's timezone, as UTC."""
    try:
        local = datetime.fromisoformat(typed)
    except ValueError:
        return typed  # refused, in words, by the report's own validation
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).isoformat()


def _report_form(form: Any, timezone: str) -> dict[str, Any]:
    """The report a submitted form means, in the shape of POST /v1/safety/reports."""
    subject = {"kind": form.get("subject_kind", "")}
    if handle := form.get("subject_handle", "").strip().lstrip("@"):
        subject["handle"] = handle
    if url := form.get("subject_url", "").strip():
        subject["url"] = url
    report: dict[str, Any] = {"category": form.get("category", ""), "subject": subject}
    if description := form.get("description", "").strip():
        report["description"] = description
    if said := form.get("evidence_text", "").strip():
        item: dict[str, Any] = {"kind": "message_text", "text": said}
        if when := form.get("evidence_when", "").strip():
            item["captured_at"] = _local_to_utc(when, timezone)
        if "handle" in subject:
            item["username"] = subject["handle"]
        report["evidence"] = [item]
    report["tell_guardians"] = form.get("tell_guardians") == "yes"
    return report


class FamilyReports(Controller):
    """Report: the report form (with evidence) and what happens next."""

    path = f"{PREFIX}/report"
    include_in_schema = False
    opt = {PUBLIC_ROUTE_OPT: True}
    response_headers = PAGE_HEADERS
    dependencies = {**PAGE_ACCOUNT, **REPORT_SERVICE}

    def _form(
        self,
        request: Request,
        account: AccountRecord,
        components: AppComponents,
        *,
        status_code: int = 200,
        error: str | None = None,
    ) -> Template:
        minor = _is_teen(components, account)
        return _page(
            request,
            "report.html",
            account,
            status_code=status_code,
            error=error,
            categories=categories_for(components.safety, is_minor=minor),
            subjects=SUBJECT_WORDS,
            teen=minor,
        )

    @get("/")
    async def form(
        self, request: Request, page_account: PageAccount, components: AppComponents
    ) -> Template:
        return self._form(request, page_account, components)

    @post("/")
    async def send(
        self,
        request: Request,
        page_account: PageAccount,
        components: AppComponents,
        report_service: ReportServiceDep,
    ) -> Response:
        try:
            new = NewReport.model_validate(
                _report_form(await request.form(), page_account.timezone)
            )
            report, _ = await report_service.file(page_account, new, utc_now())
        except ValidationError as error:
            return self._form(
                request, page_account, components, status_code=422, error=_validation_words(error)
            )
        except Problem as problem:
            return self._form(
                request,
                page_account,
                components,
                status_code=problem.status_code,
                error=_words(problem),
            )
        return _see_other(f"{PREFIX}/report/{report.id}")

    @get("/{report_id:uuid}")
    async def sent(
        self,
        request: Request,
        report_id: FromPath[UUID],
        page_account: PageAccount,
        components: AppComponents,
        report_service: ReportServiceDep,
    ) -> Template:
        report = await report_service.one(page_account, report_id)
        titles = {c.id: c.title for c in components.safety.categories}
        return _page(
            request,
            "report_sent.html",
            page_account,
            report=report,
            title=titles.get(report.category, report.category),
        )


def sign_in_again(_: Request, __: SignInNeeded) -> Response:
    return _see_other(PREFIX)


def problem_page(request: Request, problem: Problem) -> Response:
    """A problem outside a form (a teen page that is not yours, an ended link): the same problem
    as the API's, in words."""
    return Template(
        template_name="problem.html",
        context={
            "account": request.state.get("page_account"),
            "flash": None,
            "words": _words(problem),
        },
        status_code=problem.status_code,
        headers={"Cache-Control": "no-store"},
    )


def form_expired_page(request: Request, _: PermissionDeniedException) -> Response:
    """A form sent without its CSRF token, or with another's (403, as the middleware says)."""
    return Template(
        template_name="problem.html",
        context={
            "account": None,
            "flash": None,
            "words": "This form has run out. Go back, load the page again and try once more.",
        },
        status_code=403,
        headers={"Cache-Control": "no-store"},
    )


EXCEPTION_HANDLERS = {
    SignInNeeded: sign_in_again,
    Problem: problem_page,
    PermissionDeniedException: form_expired_page,
}
