"""Wire shapes of decisions (the OpenID AuthZEN Authorization API 1.0 shape): the evaluation
bodies (pydantic, validated) and the answers (msgspec, encoded without a validation pass: a batch
answers up to 100 decisions)."""

from __future__ import annotations

from collections.abc import Sequence
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
        return _questions(self, self.evaluations)


def _questions(top: Any, items: Sequence[Any]) -> list[Question]:
    """What ``EvaluationsIn.questions`` answers, from either decoding of the body (pydantic's,
    or the lane's ``lane_questions``)."""
    questions, errors = [], []
    for index, item in enumerate(items):
        where = f"evaluations.{index}."
        subject = item.subject or top.subject
        action = item.action or top.action
        resource = item.resource or top.resource
        if subject is None or action is None:
            missing = "subject" if subject is None else "action"
            errors.append({"field": where + missing, "message": f"{missing} is required"})
        elif _lacks_resource(action, resource):
            errors.append({"field": where + "resource", "message": _needs_resource(action)})
        else:
            questions.append(_question(subject, action, resource, item.context or top.context))
    if errors:
        raise problems.validation(errors)
    return questions


def _lacks_resource(action: Any, resource: Any) -> bool:
    return resource is None and ACTIONS[action.name].between_two


def _needs_resource(action: Any) -> str:
    return f"{action.name} needs the account it acts on: resource is required"


def _question(subject: Any, action: Any, resource: Any, context: Any) -> Question:
    between_two = ACTIONS[action.name].between_two
    at = None if context is None else context.at
    return Question(
        subject_id=subject.id,
        action=action.name,
        resource_id=resource.id if resource is not None and between_two else None,
        relationship=context.relationship if context is not None else "none",
        at=_instant(at) if isinstance(at, str) else at,
    )


# --- the same bodies, decoded by the lane ----------------------------------------------------
# The lane (server/hot_routes.py) answers valid bodies without Litestar, decoding them with
# msgspec (a batch of 100 in a tenth of pydantic's time). These Structs accept exactly what the
# pydantic models above accept, or less: whatever they refuse goes to Litestar, whose pydantic
# models answer it (a 422 naming the field, or a 200). tests/integration/test_decisions.py asks
# every bad input through both.

_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class _EntityWire(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["account"]
    id: _Id
    properties: dict[str, Any] | None = None


class _ActionWire(msgspec.Struct, forbid_unknown_fields=True):
    name: ActionName
    properties: dict[str, Any] | None = None


class _ContextWire(msgspec.Struct):  # open, as ContextIn
    relationship: Literal["friend", "none"] = "none"
    at: str | None = None

    def __post_init__(self) -> None:
        if self.at is not None:
            _instant(self.at)  # ValueError: not RFC 3339 with an offset


class _EvaluationWire(msgspec.Struct, forbid_unknown_fields=True):
    subject: _EntityWire
    action: _ActionWire
    resource: _EntityWire | None = None
    context: _ContextWire | None = None


class _ItemWire(msgspec.Struct, forbid_unknown_fields=True):
    subject: _EntityWire | None = None
    action: _ActionWire | None = None
    resource: _EntityWire | None = None
    context: _ContextWire | None = None


class _EvaluationsWire(msgspec.Struct, forbid_unknown_fields=True):
    evaluations: Annotated[list[_ItemWire], msgspec.Meta(max_length=MAX_EVALUATIONS)]
    subject: _EntityWire | None = None
    action: _ActionWire | None = None
    resource: _EntityWire | None = None
    context: _ContextWire | None = None


_decode_one = msgspec.json.Decoder(_EvaluationWire).decode
_decode_batch = msgspec.json.Decoder(_EvaluationsWire).decode


def lane_questions(body: bytes, *, batch: bool) -> list[Question] | None:
    """The questions of a valid body of ``/access/v1/evaluation`` (``batch``: ``...s``), or None
    for any body Litestar must answer."""
    try:
        if batch:
            wire = _decode_batch(body)
            return _questions(wire, wire.evaluations)
        one = _decode_one(body)
        if _lacks_resource(one.action, one.resource):
            return None
        return [_question(one.subject, one.action, one.resource, one.context)]
    except (msgspec.ValidationError, msgspec.DecodeError, problems.Problem):
        return None


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
