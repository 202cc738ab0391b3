"""POST /access/v1/evaluation and /access/v1/evaluations: thin, the engine decides
(``rules.decide``, fed from memory by ``hot_path.Decisions``)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from family_safety.domain.decisions.deps import deciders_only
from family_safety.domain.decisions.schemas import (
    DecisionOut,
    DecisionsOut,
    EvaluationIn,
    EvaluationsIn,
    decision_out,
)
from family_safety.domain.dependencies import AppComponents
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import problem_responses

_ABOUT = (
    '`subject` and `resource` are `{type: "account", id}`, `action` is `{name}`, `context` '
    "may hold `relationship` (`friend` or `none`, default `none`) and `at` (RFC 3339, default "
    "now). `context.reasons` lists what decided, each `{kind, ...}`: `setting` (`account_id`, "
    "`key`, `value`, `source`, `set_by` as effective settings show them), `block` "
    "(`blocker_id`, `blocked_id`), `screen_time` (`remaining_minutes`), `held` or "
    "`unknown-account`; a denial lists what denied it. An unknown account is a denial, not an "
    "error. An unknown action, a subject or resource that is not an account, or a malformed "
    "`at`: 422. For accounts with the `service` or `staff` role; anyone else: 403."
)


class DecisionController(Controller):
    path = "/access/v1"
    tags = ["decisions"]
    guards = [deciders_only]

    @post(
        "/evaluation",
        status_code=HTTP_200_OK,
        summary="May this account do this now?",
        description=_ABOUT,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def evaluation(
        self, data: JSONBody[EvaluationIn], components: AppComponents
    ) -> DecisionOut:
        (decision,) = await components.decisions.evaluate([data.question()], utc_now())
        return decision_out(decision)

    @post(
        "/evaluations",
        status_code=HTTP_200_OK,
        summary="Up to 100 decisions at once",
        description="Each item's `subject`, `action`, `resource` and `context` default to the "
        "top-level ones; the answers come in the items' order. More than 100 items: 422. " + _ABOUT,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def evaluations(
        self, data: JSONBody[EvaluationsIn], components: AppComponents
    ) -> DecisionsOut:
        decisions = await components.decisions.evaluate(data.questions(), utc_now())
        return DecisionsOut([decision_out(decision) for decision in decisions])
