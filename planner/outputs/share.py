"""A scenario as a short URL-safe token, so a link reopens it, and back."""

from __future__ import annotations

import base64
import binascii
import json
import zlib

from planner.analysis.recommend import DecisionAnswers
from planner.core.errors import Problem, ScenarioError
from planner.core.limits import MAX_LINK_JSON_BYTES
from planner.inputs.scenario import Scenario, scenario_from_dict
from planner.inputs.validation import validate_data

# "1": a scenario of four approaches; "2": one that may hold options (a version-1 reader cannot). A
# scenario without options is still written as version 1, so its links read as they always did.
TOKEN_VERSION = "1"
OPTIONS_TOKEN_VERSION = "2"
TOKEN_VERSIONS = (TOKEN_VERSION, OPTIONS_TOKEN_VERSION)
MAX_TOKEN_CHARS = 16_000  # browsers and servers cap URL length around here
MAX_ANSWERS_CHARS = 1_000  # seven short answers


def encode_scenario(scenario: Scenario) -> str:
    """Version prefix + base64url(zlib(JSON of the scenario)); only the keys that differ from defaults.

    >>> from planner.inputs.scenario import Scenario
    >>> decode_scenario(encode_scenario(Scenario(name="Triage"))).name
    'Triage'
    """
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    packed = zlib.compress(json.dumps(data, separators=(",", ":"), sort_keys=True).encode(), level=9)
    version = OPTIONS_TOKEN_VERSION if scenario.options else TOKEN_VERSION
    return version + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def encode_answers(answers: DecisionAnswers) -> str:
    """The "which approach fits" answers that differ from the defaults, as a short URL-safe token.

    >>> decode_answers(encode_answers(DecisionAnswers(goal="both", good_examples=800))).good_examples
    800
    """
    data = answers.model_dump(mode="json", exclude_defaults=True)
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_answers(token: str, origin: str = "link") -> DecisionAnswers:
    """The answers a token encodes; raises ``ScenarioError`` for a damaged or invalid one."""
    if len(token) > MAX_ANSWERS_CHARS:
        raise ScenarioError(Problem(origin, None, "fit", f"the answers in the link are too long ({len(token):,})"))
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise ScenarioError(Problem(origin, None, "fit", "the answers in the link are damaged")) from None
    return validate_data(DecisionAnswers, data, origin, ScenarioError)


def decode_scenario(token: str, origin: str = "link") -> Scenario:
    """The scenario a token encodes; raises ``ScenarioError`` for a damaged or invalid one."""
    def bad(message: str) -> ScenarioError:
        return ScenarioError(Problem(origin, None, "", message))

    if len(token) > MAX_TOKEN_CHARS:
        raise bad(f"the scenario in the link is too long ({len(token):,} characters)")
    if token[:1] not in TOKEN_VERSIONS:
        raise bad("the link's scenario is from an unknown version of llm-planner")
    body = token[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        # Inflate at most the limit (plus one byte, to tell "exactly the limit" from "more"): a small
        # link can inflate to gigabytes, so the size is checked before the text exists, not after.
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_LINK_JSON_BYTES + 1)
        if len(raw) > MAX_LINK_JSON_BYTES or inflater.unconsumed_tail:
            raise bad(f"the link's scenario inflates to more than {MAX_LINK_JSON_BYTES:,} bytes; refused")
        data = json.loads(raw)
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise bad(f"the link's scenario is damaged ({exc.__class__.__name__}); was it cut short?") from None
    except RecursionError:
        raise bad("the link's scenario is nested too deeply; refused") from None
    if not isinstance(data, dict):
        raise bad("the link's scenario is not a mapping")
    return scenario_from_dict(data, name=origin)
