"""Turn pydantic's validation errors into our own, naming file, line, field path and expectation."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from planner.core.errors import PlannerError, Problem
from planner.core.limits import quote
from planner.inputs.files import FieldPath, YamlDocument

M = TypeVar("M", bound=BaseModel)

# Every model a user writes: unknown keys are errors (a typo must not become a silent default),
# types are not coerced (``"0.15"`` is not a price), and validated objects are immutable.
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


def validate_document(model: type[M], doc: YamlDocument, error: type[PlannerError]) -> M:
    """Validate a parsed YAML document against ``model``; raise ``error`` listing every problem."""
    return validate_data(model, doc.data, doc.file, error, doc)


def validate_data(
    model: type[M],
    data: Any,
    file: str,
    error: type[PlannerError],
    doc: YamlDocument | None = None,
) -> M:
    """Validate plain data against ``model``; ``file`` names its origin in messages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(model, err, file, doc) for err in exc.errors()]
        raise error(problems) from None


def _problem(model: type[BaseModel], err: Any, file: str, doc: YamlDocument | None) -> Problem:
    loc, message = located_error(model, err)
    line = doc.line_of(loc) if doc is not None else None
    field = ".".join(str(part) for part in loc)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        # A misspelt key among many (a chat model has some 40) is found at once by its nearest neighbour.
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.8) if loc else []
        hint = (f"; did you mean {near[0]}?" if near else "") + (
            f"{' E' if near else '; e'}xpected one of: {', '.join(allowed)}" if allowed else "")
        return Problem(file, line, field, f"unknown key{hint}")
    return Problem(file, line, field, message)


def located_error(annotation: Any, err: Any) -> tuple[FieldPath, str]:
    """Where in data of type ``annotation`` one of pydantic's errors is, and our message for it: the
    location without the tags of tagged unions (at the tag's key, ``route``, when the tag itself is wrong),
    a missing field named as required on the tagged variant (the route) that needs it.

    >>> from planner.inputs.scenario import Scenario
    >>> located_error(Scenario, {"loc": ("approaches", "fine_tune", "self_hosted", "training_gpu"),
    ...                          "type": "missing", "msg": "Field required", "input": {}})
    (('approaches', 'fine_tune', 'training_gpu'), 'required field is missing on route self_hosted')
    """
    raw: FieldPath = tuple(err["loc"])
    loc = without_tags(annotation, raw)
    given = err.get("input")
    if err["type"] == TAG_ERROR:
        if not isinstance(given, dict):
            return loc, f"expected a mapping of keys, got {quote(given)}"
        return (*loc, TAG_KEY), f"{error_message(err)}, got {quote(given.get(TAG_KEY))}"
    if err["type"] == "missing":
        # "on route self_hosted" when the route's own block lacks the key, not a block nested in it.
        tagged = len(raw) >= 2 and without_tags(annotation, raw[:-1]) == without_tags(annotation, raw[:-2])
        return loc, "required field is missing" + (f" on {TAG_KEY} {raw[-2]}" if tagged else "")
    return loc, error_message(err)


def error_message(err: Any) -> str:
    """One of pydantic's errors (an item of ``ValidationError.errors()``) as our message: without
    pydantic's "Value error, " prefix, continuing a sentence, with the value given where it is short.

    >>> error_message({"msg": "Input should be greater than 0", "input": -1, "type": "greater_than"})
    'input should be greater than 0, got -1'
    """
    message = err["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    given = err.get("input")
    if not isinstance(given, (dict, list)):
        message += f", got {quote(given)}"
    return message


# A tagged union (a fine-tuning block's route) reports an unknown tag as this error type, at the key ``TAG_KEY``.
TAG_ERROR = "route"
TAG_KEY = "route"


def without_tags(annotation: Any, loc: FieldPath) -> FieldPath:
    """An error's location without the tags of tagged unions: pydantic names the variant it tried
    (``approaches.fine_tune.self_hosted.training_gpu``), a file has no such key.

    >>> from planner.inputs.scenario import Scenario
    >>> without_tags(Scenario, ("approaches", "fine_tune", "self_hosted", "training_gpu"))
    ('approaches', 'fine_tune', 'training_gpu')
    """
    kept: list[str | int] = []
    current: Any = annotation
    tagged = False
    for part in loc:
        models = [m for m in members(current) if isinstance(m, type) and issubclass(m, BaseModel)]
        if not tagged and len(models) > 1 and not any(str(part) in m.model_fields for m in models):
            tagged = True  # the tag of the variant tried: the next part is its key (a known one or not)
            continue
        tagged = False
        kept.append(part)
        current = _step(current, part)
    return tuple(kept)


def _allowed_keys(model: type[BaseModel], path: FieldPath) -> list[str]:
    """Field names of the model found by walking ``path`` down from ``model`` (best effort)."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    models = [m for m in members(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return sorted({name for m in models for name in m.model_fields})


def _step(annotation: Any, part: str | int) -> Any:
    for member in members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        origin = typing.get_origin(member)
        if origin in (dict, list):
            return typing.get_args(member)[-1]
    return None


def members(annotation: Any) -> list[Any]:
    """The types an annotation admits, with ``Annotated`` and unions unwrapped: ``int | None`` ->
    [int, NoneType]."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in members(arg)]
    return [annotation]
