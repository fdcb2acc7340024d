"""Options reach every output: the CSV and JSON exports, the budget pack, share links, option edits on
plain data, the recommendation, break-even and the command-line table.

Expected values come from the scenario files (read as plain YAML), from the round-number fixture
prices worked by hand, or from reading the outputs back with the csv module, json or openpyxl; the
option ids of the six-option example are written out below by hand.
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import json
import re
from itertools import accumulate, product
from typing import Any

import pytest
from conftest import REPO, WORKED
from openpyxl import load_workbook

from planner import ScenarioError, estimate, load_scenario, scenario_from_dict
from planner.analysis.ranges import breakeven_months, breakeven_volumes
from planner.analysis.recommend import DecisionAnswers, recommend
from planner.cli import main
from planner.inputs.files import read_yaml
from planner.inputs.option_edits import (
    add_option,
    duplicate_option,
    remove_option,
    rename_option,
    set_option_setting,
    show_option,
)
from planner.inputs.scenario import MAX_OPTION_NAME
from planner.outputs.export import to_csv, to_dict, to_json
from planner.outputs.share import decode_scenario, encode_scenario
from planner.outputs.workbook import budget_pack, monthly_sheet_names

TODAY = datetime.date(2026, 12, 2)
EXAMPLES = REPO / "examples"
SIX = EXAMPLES / "support_six_options.yaml"
FOUR = EXAMPLES / "support_assistant.yaml"  # the same assistant, written the old way (no options)
# The six options' ids, worked out by hand from their names (lower case, other characters as "_").
SIX_IDS = ["fine_tune_nova_micro_on_bedrock", "llama_3_1_8b_lora_on_own_gpus", "rag_on_gpt_5_4_mini",
           "rag_on_claude_haiku_4_5", "prompt_only", "hybrid_tuned_nova_micro_rag"]
KIND_WORDS = {"prompt": "Prompt engineering", "rag": "RAG", "fine_tune": "Fine-tuning",
              "hybrid": "Hybrid (fine-tune + RAG)"}
TRAINING_KINDS = {"fine_tune", "hybrid"}
SHEET_NAME_REFUSES = set("[]:*?/\\")


def six_data() -> dict[str, Any]:
    """The six-option example as plain data, straight from its YAML."""
    return read_yaml(SIX, ScenarioError).data


@pytest.fixture(scope="module")
def six(bundled):
    """The six-option example, estimated on the bundled prices."""
    return estimate(load_scenario(SIX), bundled, TODAY)


@pytest.fixture(scope="module")
def four(bundled):
    """The support assistant without options, estimated on the bundled prices."""
    return estimate(load_scenario(FOUR), bundled, TODAY)


def worked_with_options(options: list[dict[str, Any]]) -> dict[str, Any]:
    """The worked scenario (conftest, round-number fixture prices) as plain data, with ``options``."""
    data = copy.deepcopy(WORKED)
    data["options"] = options
    return data


# 1. CSV


def test_csv_with_options_names_the_option_then_its_kind_in_words(six):
    """With options the CSV starts with an Option column (the name) and an Approach column (the kind in
    words), and every option of the file appears, in the file's order."""
    rows = list(csv.DictReader(io.StringIO(to_csv(six))))
    header = next(csv.reader(io.StringIO(to_csv(six))))
    assert header[:3] == ["Option", "Approach", "Category"]
    options = six_data()["options"]
    assert list(dict.fromkeys(row["Option"] for row in rows)) == [o["name"] for o in options]
    kind_of = {o["name"]: KIND_WORDS[o["approach"]] for o in options}
    assert all(row["Approach"] == kind_of[row["Option"]] for row in rows)
    assert {row["Approach"] for row in rows} == set(KIND_WORDS.values())  # all four kinds occur in the example


def test_csv_one_time_column_sums_to_each_options_one_time_cost(six):
    """Per option, the one-time amounts of its rows add up to its one-time cost, to the cent per line."""
    rows = list(csv.DictReader(io.StringIO(to_csv(six))))
    for option in six.approaches.values():
        mine = [row for row in rows if row["Option"] == option.label]
        assert mine, option.label
        total = sum(float(row["One-time amount (USD)"]) for row in mine)
        assert abs(total - option.one_time_cost) <= 0.005 * len(mine) + 1e-9, option.label
        assert option.one_time_cost > 0


def test_csv_without_options_keeps_its_old_header(four):
    """A scenario without options has no Option column: the header still starts "Approach,Category"."""
    text = to_csv(four)
    assert text.splitlines()[0].startswith("Approach,Category,")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(dict.fromkeys(row["Approach"] for row in rows)) == list(KIND_WORDS.values())


# 2. JSON


def test_json_with_options_lists_them_in_the_scenarios_order(six):
    """With options, to_dict gives a list ``options`` (id, name, kind, figures) in the file's order and
    no ``approaches``; each option's one-time cost is the sum of its own one-time lines."""
    data = json.loads(to_json(six))  # through JSON text, as a reader of the file sees it
    assert "approaches" not in data and "approaches" not in to_dict(six)
    options = six_data()["options"]
    assert [o["id"] for o in data["options"]] == SIX_IDS
    assert [o["name"] for o in data["options"]] == [o["name"] for o in options]
    assert [o["approach"] for o in data["options"]] == [o["approach"] for o in options]
    for option in data["options"]:
        one_time = sum(li["amount"] for li in option["lines"] if li["timing"] == "one_time")
        assert option["one_time_cost"] == pytest.approx(one_time, rel=1e-12)
        assert option["horizon_cost"] == pytest.approx(option["one_time_cost"] + sum(option["monthly_costs"]))
        assert {"monthly_cost", "weeks_to_production", "effort_hours", "serves_with"} <= set(option)


def test_json_without_options_keys_the_approaches_by_kind(four):
    """Without options, ``approaches`` is keyed by kind with each label, and there is no ``options`` list."""
    data = to_dict(four)
    assert "options" not in data
    assert list(data["approaches"]) == list(KIND_WORDS)
    assert [a["label"] for a in data["approaches"].values()] == list(KIND_WORDS.values())


# 3. Budget pack

# Ten names sharing their first 26 characters, some with characters a sheet name may not hold, two
# differing from the others only in case where they are cut.
SHARED = "Customer support assistant"
TEN_NAMES = [f"{SHARED}/v1 prompt", f"{SHARED}:v2 prompt", f"{SHARED} [v3] rag", f"{SHARED} *v4* rag",
             f"{SHARED}? v5 tuned", f"{SHARED}\\v6 tuned", f"{SHARED} - v7 hybrid", f"{SHARED.upper()} v8",
             f"{SHARED.lower()} v9", f"{SHARED} v10"]


def ten_similar(book):
    data = worked_with_options([{"name": name, "approach": ["prompt", "rag", "fine_tune", "hybrid"][i % 4]}
                                for i, name in enumerate(TEN_NAMES)])
    return estimate(scenario_from_dict(data), book, TODAY)


def assert_excel_sheet_names(names: list[str]) -> None:
    """Excel's rules for sheet names: 1-31 characters, none of []:*?/\\ nor a control character, no
    apostrophe first or last, and no two alike once case is ignored."""
    for name in names:
        assert 1 <= len(name) <= 31, name
        assert not SHEET_NAME_REFUSES & set(name), name
        assert not any(ord(c) < 32 for c in name), name
        assert not name.startswith("'") and not name.endswith("'"), name
    assert len({name.casefold() for name in names}) == len(names), names


def test_ten_similar_options_get_valid_distinct_monthly_sheets(book):
    """Ten options whose names share 26 characters (with "/", ":" and case differences) each get a
    month-by-month sheet whose name Excel accepts, and whose title names that option."""
    result = ten_similar(book)
    names = monthly_sheet_names(result)
    assert list(names) == list(result.approaches)
    assert_excel_sheet_names(list(names.values()))
    workbook = load_workbook(io.BytesIO(budget_pack(result, book)))
    assert workbook.sheetnames == ["Summary", "Line items", *names.values(), "Quarters and years", "Assumptions",
                                   "Prices", "Notes"]
    assert_excel_sheet_names(workbook.sheetnames)
    for option, name in zip(result.approaches, TEN_NAMES, strict=True):
        title = workbook[names[option]]["B1"].value
        assert title.startswith(f"{name}: cost by the calendar month it is paid (USD); goes live on ")


def test_six_options_give_six_monthly_sheets(six, bundled):
    """The six-option example: one month-by-month sheet per option, each titled with its option's name."""
    workbook = load_workbook(io.BytesIO(budget_pack(six, bundled)))
    monthly = [name for name in workbook.sheetnames if name.startswith("Monthly - ")]
    assert len(monthly) == 6
    assert_excel_sheet_names(workbook.sheetnames)
    titles = [workbook[name]["B1"].value for name in monthly]  # in B, the first printed column
    assert [title.split(": cost by the calendar month")[0] for title in titles] == [
        o["name"] for o in six_data()["options"]]


def test_without_options_the_four_monthly_sheets_keep_their_names(four, bundled):
    """A scenario without options keeps the four sheets named after the approaches."""
    workbook = load_workbook(io.BytesIO(budget_pack(four, bundled)))
    assert [n for n in workbook.sheetnames if n.startswith("Monthly")] == [
        "Monthly - Prompt", "Monthly - RAG", "Monthly - Fine-tuning", "Monthly - Hybrid"]


def test_a_name_cut_after_an_apostrophe_still_makes_a_pack_and_control_characters_are_refused(book):
    """An option name cut right after an apostrophe (or ending in one) still gives a pack that opens, with
    sheet names Excel accepts and the names in the totals; a name with a tab or a control character is
    refused when the scenario is read, naming the option."""
    names = ["A" * 20 + "'s tail", "Quoted 'option'"]
    result = estimate(scenario_from_dict(worked_with_options(
        [{"name": name, "approach": "prompt"} for name in names])), book, TODAY)
    workbook = load_workbook(io.BytesIO(budget_pack(result, book)))
    assert_excel_sheet_names(workbook.sheetnames)
    assert len([n for n in workbook.sheetnames if n.startswith("Monthly - ")]) == 2
    totals = [cell.value for row in workbook["Line items"].iter_rows() for cell in row
              if isinstance(cell.value, str) and cell.value.startswith("Total: ")]
    assert totals == [f"Total: {'A' * 20}'s tail", "Total: Quoted 'option'"]
    for bad in ("Tab\there", "Bell\x07rings", "   "):
        with pytest.raises(ScenarioError) as caught:
            scenario_from_dict(worked_with_options([{"name": bad, "approach": "prompt"}]))
        assert [p.field for p in caught.value.problems] == ["options.0.name"]
        assert "printable text, not blank" in str(caught.value)


# 4. Share links

GOLDEN_LINKS = sorted((REPO / "tests" / "golden").glob("*.link.txt"))
OLD_LINKS = [p for p in GOLDEN_LINKS
             if "options" not in read_yaml(EXAMPLES / p.name.replace(".link.txt", ".yaml"), ScenarioError).data]


def test_a_scenario_with_options_links_as_version_2_and_back():
    """A scenario with options (one hidden, one with a nested setting) encodes with prefix "2" and
    decodes to an equal scenario, options and all."""
    data = six_data()
    data["options"][1]["shown"] = False
    data["options"][0]["settings"] = {"example_sources": {"written": 0.5, "synthetic": 0.5}, "epochs": 2}
    scenario = scenario_from_dict(data)
    token = encode_scenario(scenario)
    assert token[0] == "2"
    back = decode_scenario(token)
    assert back == scenario
    assert [o.name for o in back.options] == [o["name"] for o in data["options"]]
    assert back.options[1].shown is False and back.options[0].settings["epochs"] == 2


def test_a_scenario_without_options_still_links_as_version_1():
    """A scenario without options keeps prefix "1", so an older reader still opens it."""
    scenario = load_scenario(FOUR)
    token = encode_scenario(scenario)
    assert token[0] == "1"
    assert decode_scenario(token) == scenario


def test_there_are_old_links_to_check():
    """The committed links include the four examples written without options."""
    assert len(OLD_LINKS) == 4


@pytest.mark.parametrize("link", OLD_LINKS, ids=[p.name for p in OLD_LINKS])
def test_committed_old_links_still_open_their_example(link):
    """Each committed version-1 link decodes to the scenario of its example file."""
    token = link.read_text(encoding="utf-8").strip()
    assert token[0] == "1"
    assert decode_scenario(token) == load_scenario(EXAMPLES / link.name.replace(".link.txt", ".yaml"))


def test_a_link_of_an_unknown_version_is_refused_clearly():
    """A token with prefix "3" (a later version) is refused with a message saying so, not read as damaged."""
    token = "3" + encode_scenario(load_scenario(SIX))[1:]
    with pytest.raises(ScenarioError, match="unknown version of llm-planner"):
        decode_scenario(token)


# 5. Option edits on plain data


@pytest.fixture
def data() -> dict[str, Any]:
    """The six-option example as the app keeps it: its validated scenario dumped to plain data."""
    return load_scenario(SIX).model_dump(mode="json")


def test_option_edits_leave_their_argument_alone_and_stay_valid(data):
    """Each edit returns valid scenario data and leaves the data it was given unchanged."""
    before = copy.deepcopy(data)
    edits = [add_option(data, "rag"), duplicate_option(data, 1), rename_option(data, 4, "Prompt, long"),
             remove_option(data, 2), show_option(data, 0, False),
             set_option_setting(data, 3, "retrieved_tokens", 1000, 2500)]
    assert data == before
    for edited in edits:
        scenario_from_dict(edited)


def test_add_option_names_it_after_its_kind_and_numbers_a_second(data):
    """Adding a RAG option twice gives "RAG" then "RAG (2)", both of kind rag, at the end."""
    once = add_option(data, "rag")
    twice = add_option(once, "rag")
    assert [(o["name"], o["approach"]) for o in twice["options"][-2:]] == [("RAG", "rag"), ("RAG (2)", "rag")]
    assert len(scenario_from_dict(twice).options) == 8


def test_add_option_to_a_scenario_without_options_turns_the_four_approaches_into_options():
    """Without options, adding one first lists the four approaches as options, then the new one."""
    plain = load_scenario(FOUR).model_dump(mode="json")
    added = add_option(plain, "fine_tune", name="Tuned on records")
    scenario = scenario_from_dict(added)
    assert [(o.name, o.approach) for o in scenario.options] == [
        *((words, kind) for kind, words in KIND_WORDS.items()), ("Tuned on records", "fine_tune")]


def test_duplicating_twice_gives_unique_names_next_to_the_original(data):
    """Two copies of the same option get names of their own (ids differ) and sit right after it; the
    copies carry its settings."""
    twice = duplicate_option(duplicate_option(data, 1), 1)
    options = twice["options"]
    assert len(options) == 8
    ids = [re.sub(r"[^a-z0-9]+", "_", o["name"].lower()).strip("_") for o in options]
    assert len(set(ids)) == 8
    assert [o["settings"] for o in options[1:4]] == [data["options"][1]["settings"]] * 3
    assert all(o["name"].startswith("Llama 3.1 8B LoRA on own GPUs") for o in options[1:4])
    assert [o.name for o in scenario_from_dict(twice).options] == [o["name"] for o in options]


def test_rename_option_renames_and_a_clash_is_refused_by_validation(data):
    """A rename changes that option's name only; a name reading as another option's is refused."""
    renamed = rename_option(data, 4, "Prompt, tuned by hand")
    assert [o.name for o in scenario_from_dict(renamed).options][4] == "Prompt, tuned by hand"
    with pytest.raises(ScenarioError, match="reads as the same name"):
        scenario_from_dict(rename_option(data, 4, "rag on gpt 5.4 MINI"))


def test_removing_every_option_leaves_a_scenario_without_options(data):
    """Removing options one by one stays valid; removing the last drops the ``options`` key."""
    for left in range(5, -1, -1):
        data = remove_option(data, 0)
        assert len(scenario_from_dict(data).options) == left
    assert "options" not in data
    assert scenario_from_dict(data).option_plans()[0].id == "prompt"  # back to the four approaches


def test_show_option_hides_and_shows(data):
    """Hiding an option marks it not shown; showing it again marks it shown."""
    hidden = show_option(data, 2, False)
    assert [o.shown for o in scenario_from_dict(hidden).options] == [True, True, False, True, True, True]
    assert scenario_from_dict(show_option(hidden, 2, True)).options[2].shown is True


def test_a_setting_equal_to_the_blocks_value_is_not_stored(data):
    """Setting the Claude RAG option's model back to the rag block's model drops its own key; a
    different value is stored."""
    block_model = six_data()["approaches"]["rag"]["model"]  # openai/gpt-4.1-mini
    same = set_option_setting(data, 3, "model", block_model, block_model)
    assert "model" not in same["options"][3]["settings"]
    assert scenario_from_dict(same).options[3].settings == {}
    other = set_option_setting(data, 2, "retrieved_tokens", 1000, 2500)
    assert other["options"][2]["settings"] == {"retrieved_tokens": 1000}
    assert scenario_from_dict(other).options[2].settings == {"retrieved_tokens": 1000}
    back = set_option_setting(other, 2, "retrieved_tokens", 2500, 2500)
    assert back["options"][2]["settings"] == {}


def test_edited_names_stay_within_the_limit(data):
    """Long names, and copies of a name at the limit, stay within MAX_OPTION_NAME and unique."""
    assert MAX_OPTION_NAME == 60
    long = add_option(data, "prompt", name="P" * 80)
    assert len(long["options"][-1]["name"]) == 60
    longer = add_option(long, "prompt", name="P" * 80)
    at_limit = rename_option(data, 0, "L" * 60)
    copies = duplicate_option(duplicate_option(at_limit, 0), 0)
    for edited in (longer, copies):
        names = [o["name"] for o in edited["options"]]
        assert all(len(name) <= 60 for name in names), names
        assert len(scenario_from_dict(edited).options) == len(names)  # valid: no clash


# 6. Recommendation by capability


def kinds_by_id() -> dict[str, str]:
    return dict(zip(SIX_IDS, (o["approach"] for o in six_data()["options"]), strict=True))


def test_too_few_examples_rules_out_every_option_that_trains(six):
    """With 50 good examples the two fine-tuning options and the hybrid are ruled out, nothing else."""
    advice = recommend(DecisionAnswers(good_examples=50), six)
    trains = {i for i, kind in kinds_by_id().items() if kind in TRAINING_KINDS}
    assert trains == {"fine_tune_nova_micro_on_bedrock", "llama_3_1_8b_lora_on_own_gpus",
                      "hybrid_tuned_nova_micro_rag"}
    assert set(advice.ruled_out) == trains
    assert set(advice.ranked) == set(SIX_IDS) - trains


def test_data_in_house_leaves_only_the_self_hosted_option(six):
    """When data must stay in-house only the option on own GPUs (route self_hosted) remains."""
    self_hosted = [i for i, o in zip(SIX_IDS, six_data()["options"], strict=True)
                   if (o.get("settings") or {}).get("route") == "self_hosted"]
    assert self_hosted == ["llama_3_1_8b_lora_on_own_gpus"]
    advice = recommend(DecisionAnswers(good_examples=800, data_must_stay_in_house=True), six)
    assert advice.ranked == self_hosted and advice.approach == self_hosted[0]
    assert set(advice.ruled_out) == set(SIX_IDS) - set(self_hosted)


@pytest.mark.parametrize("claude_first", [False, True], ids=["file order", "claude listed first"])
def test_ranked_puts_the_preferred_kind_first_and_the_cheaper_first_within_a_kind(bundled, claude_first):
    """For knowledge, the two RAG options come first, the one cheaper over the horizon first whatever
    their order in the file; then the prompt; then the rest (fine-tuning before hybrid), each kind
    cheaper first."""
    data = six_data()
    if claude_first:
        data["options"][2], data["options"][3] = data["options"][3], data["options"][2]
    result = estimate(scenario_from_dict(data), bundled, TODAY)
    gpt, claude = "rag_on_gpt_5_4_mini", "rag_on_claude_haiku_4_5"
    assert result.approaches[gpt].horizon_cost < result.approaches[claude].horizon_cost
    advice = recommend(DecisionAnswers(goal="knowledge", good_examples=800), result)
    assert not advice.ruled_out and set(advice.ranked) == set(SIX_IDS)
    assert advice.ranked[:3] == [gpt, claude, "prompt_only"]
    tuned = sorted(["fine_tune_nova_micro_on_bedrock", "llama_3_1_8b_lora_on_own_gpus"],
                   key=lambda i: result.approaches[i].horizon_cost)
    assert advice.ranked[3:] == [*tuned, "hybrid_tuned_nova_micro_rag"]
    assert advice.approach == gpt


def test_behaviour_after_prompting_ranks_the_tuned_options_first(six):
    """For behaviour with prompting exhausted the fine-tuning options lead, the cheaper one first."""
    advice = recommend(DecisionAnswers(goal="behaviour", prompting_exhausted=True, good_examples=800), six)
    kinds = kinds_by_id()
    assert [kinds[i] for i in advice.ranked[:3]] == ["fine_tune", "fine_tune", "prompt"]
    first, second = advice.ranked[:2]
    assert six.approaches[first].horizon_cost <= six.approaches[second].horizon_cost


# 7. Break-even


def test_breakeven_months_pairs_each_training_option_with_each_other_option(six):
    """One entry per (option that trains, option that does not), labelled with the options' names, the
    month being the first in which the tuned one's cost to date is lower."""
    options = six_data()["options"]
    tuned = [(i, o["name"]) for i, o in zip(SIX_IDS, options, strict=True) if o["approach"] in TRAINING_KINDS]
    others = [(i, o["name"]) for i, o in zip(SIX_IDS, options, strict=True) if o["approach"] not in TRAINING_KINDS]
    found = breakeven_months(six)
    assert [(f.tuned, f.other) for f in found] == [(a, b) for (a, _), (b, _) in product(tuned, others)]
    assert [(f.tuned_label, f.other_label) for f in found] == [(a, b) for (_, a), (_, b) in product(tuned, others)]

    def to_date(option):
        return list(accumulate(option.monthly_costs, initial=option.one_time_cost))

    for f in found:
        mine, theirs = to_date(six.approaches[f.tuned]), to_date(six.approaches[f.other])
        assert mine[0] > theirs[0]  # every option that trains costs more up front in this example
        expected = next((month for month, (x, y) in enumerate(zip(mine, theirs, strict=True)) if x < y), None)
        assert f.month == expected, (f.tuned, f.other)
    assert any(f.month is not None for f in found)  # at least one overtakes within the horizon


def test_breakeven_volumes_among_two_options_reports_only_their_crossing(book):
    """``among={a, b}`` reports the crossing of a and b only (the others cross too), at the volume worked
    out by hand: prompt on acme/chat costs (1,100 x $1 + 50 x $4) / 1M = $0.0013 a request, the tuned
    model (200 x $2 + 50 x $8) / 1M = $0.0008, so over 3 months they meet where the extra one-time and
    fixed monthly cost of tuning equals 3 x $0.0005 x volume."""
    scenario = scenario_from_dict(worked_with_options([
        {"name": "Prompt on chat", "approach": "prompt"},
        {"name": "RAG on plain", "approach": "rag"},
        {"name": "Tuned chat", "approach": "fine_tune"},
    ]))
    everything, _ = breakeven_volumes(scenario, book, today=TODAY)
    pairs = {frozenset((f.cheaper, f.dearer)) for f in everything}
    assert frozenset(("prompt_on_chat", "rag_on_plain")) in pairs  # a crossing outside the pair chosen
    chosen = {"prompt_on_chat", "tuned_chat"}
    found, _ = breakeven_volumes(scenario, book, among=chosen, today=TODAY)
    assert len(found) == 1
    crossing = found[0]
    assert (crossing.cheaper, crossing.dearer) == ("tuned_chat", "prompt_on_chat")  # cheaper above it
    result = estimate(scenario, book, TODAY)
    prompt, tuned = result.approaches["prompt_on_chat"], result.approaches["tuned_chat"]
    assert prompt.monthly_cost == pytest.approx(0.0013 * 10_000)  # no fixed monthly cost
    fixed = tuned.monthly_cost - 0.0008 * 10_000  # retraining, amortised: does not grow with volume
    expected = (tuned.one_time_cost - prompt.one_time_cost + 3 * fixed) / (3 * (0.0013 - 0.0008))
    assert crossing.requests_per_month == pytest.approx(expected, rel=1e-6)


# 8. Command line


@pytest.mark.parametrize("reasoning", [False, True])
def test_the_cli_table_of_ten_options_fits_120_columns(tmp_path, capsys, reasoning):
    """Ten options with names of 60 characters (the most a name may have): every line of the comparison up
    to "Runs on:" is at most 120 characters wide, and each name reads whole down its own rows, its figures
    on the first. Where an option reasons, its column is shown (a tenth figure) and the names narrow."""
    data = six_data()
    kinds = ["prompt", "rag", "fine_tune", "hybrid"]
    names = [f"Option {i:02d} with a long descriptive name, as a team writes one"[:60] for i in range(10)]
    assert all(len(name) == 60 for name in names) and len(set(names)) == 10
    data["options"] = [{"name": name, "approach": kinds[i % 4]} for i, name in enumerate(names)]
    data["options"][5]["approach"] = "fine_tune"
    data["options"][5]["settings"] = six_data()["options"][1]["settings"]  # on own GPUs
    if reasoning:
        data["options"][0]["settings"] = {"reasoning_tokens": 2_000, "model": "openai/gpt-6.1-terra"}
    path = tmp_path / "ten.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    assert main(["estimate", str(path), "--today", "2026-12-02"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[:lines.index("Runs on:")]
    assert len(table) > 12
    assert max(len(line) for line in table) <= 120, max(table, key=len)
    rule = next(index for index, line in enumerate(table) if line.startswith("---"))
    width = len(table[rule].split("  ")[0])  # the option column, as wide as its rule
    body = [line for line in table[rule + 1:] if line]
    starts = [index for index, line in enumerate(body) if line[width:].strip()]  # rows with figures
    assert len(starts) == 10
    for name, start, end in zip(names, starts, [*starts[1:], len(body)], strict=True):
        assert " ".join(line[:width].strip() for line in body[start:end]) == name
        assert len(body[start][width:].split()) == 9 + reasoning  # the figures, on the name's first row
