"""Wire shapes of decisions (the OpenID AuthZEN Authorization API 1.0 shape): the evaluation
bodies (pydantic, validated) and the answers (msgspec, encoded without a validation pass: a batch
answers up to 100 decisions)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import msgspec
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from family_safety.domain.decisions.hot_path import Question
from family_safety.domain.decisions.rules import ACTIONS
from family_safety.domain.screen_time.usage_report import instant
from family_safety.lib import problems

if TYPE_CHECKING:
    from family_safety.domain.decisions.rules import Decision

MAX_EVALUATIONS = 100

ActionName = Literal[
    "message.send",
    "comment.create",
    "remix.create",
    "download",
    "group.invite",
    "suggest",
    "live.start",
    "search",
    "location.share",
    "notification.send",
    "app.use",
]
assert set(get_args(ActionName)) == set(ACTIONS), "every action of the table, and only those"


def _instant(raw: object) -> datetime:
    return instant(raw, "at")


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    Field(description="RFC 3339 with an offset.", examples=["2026-12-07T18:30:00Z"]),
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntityIn(_Closed):
    """An account: ``{type: "account", id}``."""

    type: Literal["account"]
    id: Annotated[str, Field(min_length=1, max_length=64, examples=["7c9e6679-..."])]
    properties: dict[str, Any] | None = None  # AuthZEN's; nothing here reads it


class ActionIn(_Closed):
    name: ActionName
    properties: dict[str, Any] | None = None


class ContextIn(BaseModel):
    """What the caller knows of the moment: ``relationship`` from its own graph, ``at``."""

    model_config = ConfigDict(extra="ignore")  # AuthZEN leaves the context open

    relationship: Literal["friend", "none"] = "none"
    at: Instant | None = None


class EvaluationIn(_Closed):
    subject: EntityIn
    action: ActionIn
    resource: EntityIn | None = None
    context: ContextIn | None = None

    def question(self) -> Question:
        if _lacks_resource(self.action, self.resource):
            raise problems.invalid_field("resource", _needs_resource(self.action))
        return _question(self.subject, self.action, self.resource, self.context)


class EvaluationItemIn(_Closed):
    subject: EntityIn | None = None
    action: ActionIn | None = None
    resource: EntityIn | None = None
    context: ContextIn | None = None


class EvaluationsIn(_Closed):
    """Each item's fields default to these."""

    subject: EntityIn | None = None
    action: ActionIn | None = None
    resource: EntityIn | None = None
    context: ContextIn | None = None
    evaluations: Annotated[list[EvaluationItemIn], Field(max_length=MAX_EVALUATIONS)]

    def questions(self) -> list[Question]:
        """Every item with the top level's defaults; 422 naming each item that lacks what its
        action needs."""
        questions, errors = [], []
        for index, item in enumerate(self.evaluations):
            where = f"evaluations.{index}."
            subject = item.subject or self.subject
            action = item.action or self.action
            resource = item.resource or self.resource
            if subject is None or action is None:
                missing = "subject" if subject is None else "action"
                errors.append({"field": where + missing, "message": f"{missing} is required"})
            elif _lacks_resource(action, resource):
                errors.append({"field": where + "resource", "message": _needs_resource(action)})
            else:
                questions.append(_question(subject, action, resource, item.context or self.context))
        if errors:
            raise problems.validation(errors)
        return questions


def _lacks_resource(action: ActionIn, resource: EntityIn | None) -> bool:
    return resource is None and ACTIONS[action.name].between_two


def _needs_resource(action: ActionIn) -> str:
    return f"{action.name} needs the account it acts on: resource is required"


def _question(
    subject: EntityIn, action: ActionIn, resource: EntityIn | None, context: ContextIn | None
) -> Question:
    between_two = ACTIONS[action.name].between_two
    return Question(
        subject_id=subject.id,
        action=action.name,
        resource_id=resource.id if resource is not None and between_two else None,
        relationship=context.relationship if context is not None else "none",
        at=context.at if context is not None else None,
    )


# --- answers ---------------------------------------------------------------------------------


class DecisionContextOut(msgspec.Struct):
    reasons: list[dict[str, Any]] = msgspec.field(
        default_factory=list
    )  # [{kind: setting|block|screen_time|held|unknown-account, ...}]


class DecisionOut(msgspec.Struct):
    decision: bool
    context: DecisionContextOut


class DecisionsOut(msgspec.Struct):
    evaluations: list[DecisionOut]


def decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
        decision=decision.decision,
        # Each reason's fields are its wire form already (kept per account, shared by answers).
        context=DecisionContextOut([dict(reason.fields) for reason in decision.reasons]),
    )
