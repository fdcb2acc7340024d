"""Measuring a team's training file: counts, tokens, billed tokens, problems by line, into the plan.

Expected token counts were counted with bpe-openai 0.1.4 (GitHub's Rust BPE crate with the same
OpenAI encodings), an implementation independent of tiktoken, which the planner uses.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from planner import load_scenario
from planner.cli import main
from planner.inputs.files import dump_yaml
from planner.measure.tokens import count, encoding
from planner.measure.training_file import (
    MAX_TRAINING_FILE_BYTES,
    OPENAI_RULES,
    NotTrainingFile,
    apply_to_scenario,
    measure_training_file,
)

SAMPLES = {  # text: (o200k_base tokens, cl100k_base tokens), from bpe-openai
    "tiktoken is great!": (6, 6),
    "Hello, world! How are you today?": (9, 9),
    "Die Bestellung Nr. 4711 wurde am 3. März versandt.": (16, 19),
    "日本語のテキストも数えます。": (11, 13),
}


def _chat(user: str, answer: str, system: str = "You answer briefly.") -> dict:
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user},
                         {"role": "assistant", "content": answer}]}


def _lines(*objects) -> list[bytes]:
    return [(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)).encode() + b"\n" for o in objects]


@pytest.mark.parametrize(("text", "expected"), SAMPLES.items())
def test_tokens_are_counted_offline_as_an_independent_implementation_counts_them(text, expected):
    assert (count(text, encoding("o200k_base")), count(text, encoding("cl100k_base"))) == expected


def test_a_chat_example_counts_its_messages_as_openai_does():
    # OpenAI cookbook: 3 tokens a message plus its content, plus 3 priming the reply:
    # 3 + 3 x 3 + ("Hello, world! How are you today?" 9 + "tiktoken is great!" 6 + system "tiktoken is great!" 6)
    line = _chat("Hello, world! How are you today?", "tiktoken is great!", system="tiktoken is great!")
    report = measure_training_file(_lines(line), "one.jsonl")
    assert report.example_tokens == [3 + 9 + 9 + 6 + 6]


def test_a_valid_file_gives_examples_spread_epochs_and_billed_tokens():
    answers = [f"Answer number {i}." for i in range(40)]
    report = measure_training_file(_lines(*(_chat(f"Question {i}?", a) for i, a in enumerate(answers))), "ok.jsonl")
    assert report.examples == 40 and report.problem_count == 0 and report.lines == 40
    # 40 examples x 3 epochs = 120 >= 100 examples: OpenAI's default stays 3 epochs
    assert report.epochs == 3
    assert report.billed_training_tokens == 3 * sum(report.example_tokens)
    assert report.held_out == 4  # 10%
    spread = report.tokens_per_example
    assert spread["p50"] <= spread["p95"] <= spread["max"]


@pytest.mark.parametrize(("examples", "epochs"), [(10, 10), (20, 5), (33, 3), (1_000, 3), (9_000, 2), (30_000, 1)])
def test_default_epochs_follow_openais_rules(examples, epochs):
    # cookbook: 3 epochs, but at least 100 example-passes (100 // n) and at most 25,000 (25,000 // n)
    assert OPENAI_RULES.epochs(examples) == epochs


def test_an_example_over_the_cap_is_billed_at_the_cap():
    long = "word " * 17_000  # 17,000 tokens in o200k_base ("word" repeated: one token each with its space)
    report = measure_training_file(_lines(_chat("Q?", long)), "long.jsonl")
    assert report.truncated == 1
    assert report.billed_tokens_per_epoch == OPENAI_RULES.max_tokens_per_example


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "line 1: not JSON"),
    ('["a list"]', "line 1: expected a JSON object, got list"),
    ('{"text": "hello"}', "line 1: unknown format"),
    ({"messages": [{"role": "user", "content": "hi"}]}, "line 1: no assistant message"),
    ({"messages": [{"role": "robot", "content": "hi"}]}, "line 1: messages[0]: unknown role 'robot'"),
    ({"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": "x"}]},
     "line 1: messages[0]: empty content"),
    ({"messages": [{"role": "user", "content": 5}]}, "line 1: messages[0]: content must be a string, got int"),
    ({"messages": "hello"}, "line 1: messages must be a non-empty list"),
    ({"prompt": "p", "completion": ""}, "line 1: prompt and completion must be non-empty strings"),
    ({"prompt": "p", "chosen": "a"}, "line 1: prompt, chosen and rejected must be non-empty strings"),
])
def test_each_kind_of_broken_line_is_named_by_its_line(line, message):
    report = measure_training_file(_lines(line), "broken.jsonl")
    assert str(report.problems[0]).startswith(message)
    assert report.examples == 0


def test_problems_later_in_the_file_keep_the_rest_measured():
    lines = _lines(_chat("a?", "b."), "{broken", _chat("c?", "d."))
    report = measure_training_file(lines, "mixed.jsonl")
    assert report.examples == 2 and [p.line for p in report.problems] == [2]


def test_duplicates_and_inconsistent_system_prompts_are_found():
    lines = _lines(_chat("Where is my order?", "It ships today."), _chat("Where is my order?", "It ships today."),
                   _chat("where is my ORDER", "It ships today"), _chat("Hi", "Hello.", system="Be formal."))
    report = measure_training_file(lines, "dupes.jsonl")
    assert (report.exact_duplicates, report.near_duplicates) == (1, 1)
    assert len(report.system_prompts) == 2
    assert any("2 different system prompts" in w for w in report.warnings())


def test_preference_pairs_in_both_formats():
    openai_pair = {"input": {"messages": [{"role": "user", "content": "tiktoken is great!"}]},
                   "preferred_output": [{"role": "assistant", "content": "tiktoken is great!"}],
                   "non_preferred_output": [{"role": "assistant", "content": "Hello, world! How are you today?"}]}
    trl_pair = {"prompt": "tiktoken is great!", "chosen": "tiktoken is great!", "rejected": "tiktoken is great!"}
    report = measure_training_file(_lines(openai_pair, trl_pair), "pairs.jsonl")
    assert report.preference_pairs == 2 and report.examples == 0
    # OpenAI's: prompt as a chat (3 + 3 + 6) + answers 6 + 9; TRL's: 6 + 6 + 6
    assert report.pair_tokens == [3 + 3 + 6 + 6 + 9, 18]


@pytest.mark.parametrize(("data", "size", "message"), [
    ([b"\x00\x01\x02binary\n"], None, "binary data on line 1"),
    ([b"\xff\xfe\xfa not utf-8\n"], None, "not UTF-8 text"),
    ([b"{}\n"], MAX_TRAINING_FILE_BYTES + 1, "at most 200,000,000 are measured"),
])
def test_files_that_are_not_training_files_are_refused(data, size, message):
    with pytest.raises(NotTrainingFile, match=message):
        measure_training_file(data, "junk.bin", size)


def test_the_measurement_goes_into_the_plan_with_its_source():
    lines = _lines(*(_chat(f"Question {i}?", f"Answer {i}.") for i in range(50)))
    report = measure_training_file(lines, "support.jsonl")
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    updated = apply_to_scenario(data, report, "2026-11-23")
    fine_tune = updated["approaches"]["fine_tune"]
    assert fine_tune["examples"] == 50 and fine_tune["epochs"] == 3
    assert fine_tune["tokens_per_example"] == report.tokens_per_example["mean"]
    assert updated["measured"]["approaches.fine_tune.examples"].startswith(
        f"support.jsonl (SHA-256 {report.digest[:16]}), measured 2026-11-23")


def test_the_cli_measures_lists_problems_and_applies(tmp_path, capsys):
    training = tmp_path / "sample.jsonl"
    training.write_bytes(b"".join(_lines(*(_chat(f"Q{i}?", f"A{i}.") for i in range(12)), "oops")))
    scenario = tmp_path / "plan.yaml"
    scenario.write_text(dump_yaml(load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(
        mode="json", exclude_none=True)))
    assert main(["data", str(training), "--format", "json"]) == 1  # a problem was found
    data = json.loads(capsys.readouterr().out)
    assert data["token_counts"].startswith("exact for OpenAI's GPT-4o and later; an estimate for other")
    assert data["examples"] == 12 and data["problems"] == ["line 13: not JSON (Expecting value: line 1 column 1 "
                                                           "(char 0))"]
    assert main(["data", str(training), "--apply-to", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "sample.jsonl" in out and "problem: line 13: not JSON" in out
    planned = load_scenario(scenario)
    assert planned.approaches.fine_tune.examples == 12
    assert "sample.jsonl" in planned.measured["approaches.fine_tune.examples"]
    assert main(["estimate", str(scenario)]) == 0
    assert "Inputs measured from the team's files:" in capsys.readouterr().out


def test_odd_files_end_in_a_report_or_our_refusal_never_a_traceback():
    import random

    rng = random.Random(16)
    base = b"".join(_lines(_chat("Where is my parcel?", "It left the depot today."),
                           {"prompt": "p", "chosen": "a", "rejected": "b"},
                           {"input": {"messages": [{"role": "user", "content": "q"}]},
                            "preferred_output": [{"role": "assistant", "content": "a"}],
                            "non_preferred_output": [{"role": "assistant", "content": "b"}]}))
    oddities = [b"[" * 100_000, b"9" * 5000, b'{"messages": null}', b'{"messages": [{"role": {}}]}',
                b'{"input": 5, "preferred_output": 1}', b"\xef\xbb\xbf{}", b'"just a string"', b"NaN",
                b'{"messages": [{"role": "user", "content": "x", "name": 5}]}', bytes(range(1, 32))]
    for _ in range(400):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(data) + 1)
            choice = rng.random()
            if choice < 0.4:
                data[position:position + rng.randint(1, 20)] = b""
            elif choice < 0.8:
                data[position:position] = rng.choice(oddities)
            else:
                data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        lines = bytes(data).splitlines(keepends=True)
        try:
            report = measure_training_file(lines, "odd.jsonl")
        except NotTrainingFile:
            continue
        assert report.lines == len(lines)  # every line was read, whatever it held
        assert len(report.example_tokens) == report.examples and all(t > 0 for t in report.example_tokens)
        json.dumps(report.as_dict())  # the JSON output can always be written


def test_a_measured_input_must_name_a_scenario_input():
    from planner import ScenarioError, scenario_from_dict

    with pytest.raises(ScenarioError, match=r"'approaches\.fine_tune\.exampels' is not a scenario input"):
        scenario_from_dict({"measured": {"approaches.fine_tune.exampels": "a.jsonl"}})
