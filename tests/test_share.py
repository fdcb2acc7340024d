"""A scenario in a link: round trip, and damaged links give our error."""

from __future__ import annotations

import pytest
from conftest import REPO

from planner import ScenarioError, load_scenario
from planner.outputs.share import decode_scenario, encode_scenario

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_round_trips(path):
    scenario = load_scenario(path)
    token = encode_scenario(scenario)
    assert token.isascii() and "=" not in token and len(token) < 2000
    assert decode_scenario(token) == scenario


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("1abc", "damaged"),
        ("9" + "x" * 10, "unknown version"),
        ("1" + "A" * 20_000, "too long"),
    ],
)
def test_damaged_links(token, message):
    with pytest.raises(ScenarioError, match=message):
        decode_scenario(token)


def test_a_link_with_an_invalid_scenario_names_the_field():
    import base64
    import json
    import zlib

    body = base64.urlsafe_b64encode(zlib.compress(json.dumps({"horizon_months": 0}).encode())).decode()
    with pytest.raises(ScenarioError, match=r"link: horizon_months: input should be greater than or equal to 1"):
        decode_scenario("1" + body.rstrip("="))


def test_damaged_or_invalid_answers_in_a_link_are_our_error():
    import base64

    from planner import ScenarioError
    from planner.outputs.share import decode_answers

    for token in ["!!!", "x" * 2_000, base64.urlsafe_b64encode(b'{"goal": "everything"}').decode(),
                  base64.urlsafe_b64encode(b"[1, 2]").decode()]:
        with pytest.raises(ScenarioError):
            decode_answers(token)
