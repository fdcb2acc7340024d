"""The bundled price tables and examples, checked against the published figures they come from.

Each test names the publisher of the figure it checks against.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from conftest import REPO, line

from planner import estimate, load_scenario, scenario_from_dict
from planner.inputs.pricebook import all_offerings
from planner.outputs.export import to_json

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
# The day the bundled tables were last refreshed (README: Bundled prices): the examples are planned on it.
REFRESHED = datetime.date(2026, 12, 2)
ISSUE_SAMPLE = Path(__file__).parent / "issue_sample.yaml"


def test_bundled_tables_load_without_problems(bundled):
    assert bundled.problems == ()
    providers = {"openai", "anthropic", "google", "together", "fireworks", "cohere", "voyage", "pinecone",
                 "weaviate", "aws", "azure", "gcp", "lambda", "runpod", "coreweave", "modal"}
    assert providers <= set(bundled.tables)
    assert {"us", "uk"} <= set(bundled.people.rate_cards)
    for reference, _, offering in all_offerings(bundled):
        assert offering.source.strip() and offering.as_of, reference


def test_openai_fine_tuning_carries_its_wind_down_dates(bundled):
    # developers.openai.com/api/docs/deprecations (2026): organisations that never fine-tuned are blocked from
    # 2026-05-07; nobody can start a training job after 2027-01-06.
    for model in ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"):
        tuned = bundled.fine_tunable_model(f"openai/{model}").offering
        assert tuned.closed_to_new_customers_since == datetime.date(2026, 5, 7), model
        assert tuned.no_new_training_after == datetime.date(2027, 1, 6), model
        assert "developers.openai.com/api/docs/deprecations" in (tuned.dates_source or ""), model


def test_issue_sample_on_bundled_prices(bundled):
    result = estimate(load_scenario(ISSUE_SAMPLE), bundled)
    fine_tune = result.approaches["fine_tune"]
    # OpenAI gpt-4o-mini training $3.00 per million (platform.openai.com/docs/pricing, fine-tuning table):
    # 1,000 examples x 600 tokens x 3 epochs = 1.8 M tokens x $3 = $5.40 a run, x 4 iterations
    assert line(fine_tune, "Training runs (4)").amount == pytest.approx(5.40 * 4)
    # Fine-tuned gpt-4o-mini $0.30 in / $1.20 out (D1): 100,000 x (200 + 400) = 60 M x $0.30 = $18;
    # 100,000 x 300 = 30 M x $1.20 = $36
    assert line(fine_tune, "Input tokens").amount == pytest.approx(18.00)
    assert line(fine_tune, "Output tokens").amount == pytest.approx(36.00)
    # Base gpt-4o-mini $0.15 / $0.60 (D2): 100,000 x 2,400 = 240 M x $0.15 = $36; 30 M x $0.60 = $18
    prompt = result.approaches["prompt"]
    assert line(prompt, "Input tokens").amount == pytest.approx(36.00)
    assert line(prompt, "Output tokens").amount == pytest.approx(18.00)
    # text-embedding-3-small $0.02 per million (D3): 20 M corpus tokens = $0.40
    assert line(result.approaches["rag"], "Embed the corpus").amount == pytest.approx(0.40)
    # Pinecone Standard's $50 minimum (D4) binds at this volume.
    rag_db = [li for li in result.approaches["rag"].lines if li.category == "vector_db" and li.timing == "monthly"]
    assert sum(li.amount for li in rag_db) == pytest.approx(50.00)
    # UK rates are in GBP and converted at the bundled rate, which says it is approximate.
    assert any(note.startswith("exchange rate GBP:") for note in prompt.notes)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_estimates(bundled, path):
    scenario = load_scenario(path)
    result = estimate(scenario, bundled)
    data = json.loads(to_json(result))
    if scenario.options:
        assert [o["name"] for o in data["options"]] == [o.name for o in scenario.options]
    else:
        assert list(data["approaches"]) == ["prompt", "rag", "fine_tune", "hybrid"]
    for approach in result.approaches.values():
        assert approach.one_time_cost > 0 and approach.monthly_cost > 0


def test_at_least_three_examples_including_a_self_hosted_one():
    assert len(EXAMPLES) >= 3
    routes = {load_scenario(p).approaches.fine_tune.route for p in EXAMPLES}
    assert routes == {"api", "self_hosted"}


def fine_tune_scenario(examples: int, iterations: int = 4):
    return scenario_from_dict({
        "approaches": {"fine_tune": {"examples": examples}}, "project": {"iterations": iterations},
    })


@pytest.mark.parametrize("tokens", [600, 1000, 1400])
def test_expert_hours_for_500_written_examples_match_the_guide(bundled, tokens):
    # Practitioners' fine-tuning guides (rule of thumb): 500 excellent examples take 40-60 expert hours,
    # for examples from 600 to 1,400 tokens long.
    scenario = scenario_from_dict({"approaches": {"fine_tune": {"examples": 500, "tokens_per_example": tokens}}})
    result = estimate(scenario, bundled).approaches["fine_tune"]
    assert 40 <= line(result, "Examples written by experts: writing").quantity <= 60


def test_data_preparation_share_matches_the_field(bundled):
    # Data preparation is 40-50% of the effort (practitioners' guide; Anaconda 2020 survey: 45%).
    result = estimate(fine_tune_scenario(1000), bundled).approaches["fine_tune"]
    data_hours = sum(li.quantity for li in result.lines if li.category == "data_preparation")
    assert 0.40 <= data_hours / result.effort_hours <= 0.50


@pytest.mark.parametrize("iterations", [3, 4, 5])
def test_fine_tune_phases_fall_in_the_published_ranges(bundled, iterations):
    # Practitioners' fine-tuning guides (rule of thumb): task definition 1-2 weeks, training and iteration
    # 2-4, evaluation 1-2, deployment 1-2; curation 2-6 (checked here for 1,000 examples, one person).
    result = estimate(fine_tune_scenario(1000, iterations), bundled).approaches["fine_tune"]
    weeks = {phase.name: phase.weeks for phase in result.phases}
    assert 1 <= weeks["Task definition"] <= 2
    assert 2 <= weeks["Data curation"] <= 6
    assert 2 <= weeks["Training and iteration"] <= 4
    assert 1 <= weeks["Evaluation"] <= 2
    assert 1 <= weeks["Deployment"] <= 2


def test_retrieval_latency_is_in_the_published_range(bundled):
    # Retrieval adds 200-800 ms (practitioners' fine-tuning guides, rule of thumb).
    result = estimate(scenario_from_dict({}), bundled)
    assert 200 <= result.approaches["rag"].added_latency_ms <= 800
    assert result.approaches["prompt"].added_latency_ms == 0


def test_readme_documents_every_assumption():
    from planner.inputs.assumptions import Assumptions

    readme = (REPO / "README.md").read_text()
    missing = [name for name in Assumptions.model_fields if f"`{name}`" not in readme]
    assert missing == []


def test_an_anthropic_cached_prompt_bills_reads_and_writes(bundled):
    # Anthropic's pricing page: a 5-minute cache write costs 1.25x the input price, a cache read 0.1x.
    # claude-sonnet-4.6: $3 input, so $3.75 a million written and $0.30 read; $15 output.
    scenario = scenario_from_dict({
        "workload": {"requests_per_month": 20_000, "input_tokens": 400, "output_tokens": 300},
        "approaches": {"prompt": {"model": "anthropic/claude-sonnet-4.6", "system_prompt_tokens": 5_000,
                                  "cached_prompt_share": 0.8}},
    })
    result = estimate(scenario, bundled).approaches["prompt"]
    # reads: 20,000 x 5,000 x 0.8 = 80 M x $0.30 = $24.00; writes: 20,000 x 5,000 x 0.2 = 20 M x $3.75 = $75.00
    # the user's input: 20,000 x 400 = 8 M x $3 = $24.00; output: 20,000 x 300 = 6 M x $15 = $90.00
    assert line(result, "Cached prompt tokens (cache reads)").amount == pytest.approx(24.00)
    assert line(result, "Prompt cache writes").amount == pytest.approx(75.00)
    assert line(result, "Input tokens").amount == pytest.approx(24.00)
    assert line(result, "Output tokens").amount == pytest.approx(90.00)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_every_current_chat_model_has_cache_and_batch_prices(bundled, provider):
    # OpenAI, Anthropic and Google publish cached-input and batch prices for their current models;
    # Anthropic also bills cache writes. A model LiteLLM's map no longer lists says so in its status.
    for model_id, model in bundled.tables[provider].models.items():
        if "not in LiteLLM's price map" in (model.status or ""):
            continue
        assert model.cached_input_per_million_tokens is not None, model_id
        assert model.batch_input_per_million_tokens is not None, model_id
        assert model.batch_output_per_million_tokens is not None, model_id
        if provider == "anthropic":
            assert model.cache_write_per_million_tokens == pytest.approx(1.25 * model.input_per_million_tokens)


def test_the_bundled_examples_run_on_models_that_serve_through_their_plans(bundled):
    # Planned on the day the tables were refreshed: no example rests on a base model that
    # is retired or retires before launch. (A fine-tuned OpenAI model retiring during the plan is
    # reported, not hidden: see the JSON extraction example in the README.)
    for path in EXAMPLES:
        result = estimate(load_scenario(path), bundled, REFRESHED)
        assert not [r for r in result.retirements if not r.fine_tuned], path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_can_be_bought_for_its_whole_plan(bundled, path):
    # On the planning day, no option of a bundled example rests on an offering closed to new customers or
    # trains after its seller's last training day.
    result = estimate(load_scenario(path), bundled, REFRESHED)
    assert {name: r.blockers for name, r in result.approaches.items() if r.blockers} == {}


def test_the_default_example_compares_an_api_route_and_an_open_model_route(bundled):
    result = estimate(load_scenario(REPO / "examples" / "support_assistant.yaml"), bundled, REFRESHED)
    routes = {name: r.serves_with for name, r in result.approaches.items() if r.trains}
    assert routes == {"fine_tune": "aws/nova-micro (fine-tuned)",  # a provider's API: Amazon Bedrock
                      "hybrid": "llama-3.1-8b (LoRA) on together/dedicated-1x-h100"}  # an open model


@pytest.mark.parametrize("name", ["uk_wealth_manager_london", "us_hospital_govcloud", "canada_telco_bilingual"])
def test_a_residency_example_lists_routes_within_its_residency_and_says_why_of_the_others(bundled, name):
    from planner.analysis.routes import route_options

    scenario = load_scenario(REPO / "examples" / f"{name}.yaml")
    options = route_options(scenario, bundled, REFRESHED)
    costed = [o for o in options if o.result is not None]
    assert options[0].label == "As in the scenario" and options[0].buyable
    assert len([o for o in costed if o.buyable]) >= 3  # the scenario's own GPUs on each schedule
    # A provider's model outside the residency is listed with the reason, naming the offering and its region.
    nova = next(o for o in options if o.label == "Amazon Web Services: nova-micro fine-tuned")
    assert nova.result is None and "aws/nova-micro fine-tuning runs in AWS US East (N. Virginia)" in nova.problem


def test_readme_example_totals_are_the_planners(bundled):
    # The README's table of example totals must say what the planner says on the bundled tables.
    text = (REPO / "README.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `") and ".yaml` | " in line and "months |" in line]
    assert len(rows) == len([p for p in EXAMPLES if not load_scenario(p).options])  # one column per approach
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        result = estimate(load_scenario(REPO / "examples" / cells[0].strip("`")), bundled, REFRESHED)
        assert cells[1] == f"{result.horizon_months} months"
        assert cells[2:] == [f"{r.horizon_cost:,.0f} {result.currency}" for r in result.approaches.values()], cells[0]


def _fine_tune_in(book, path, currency):
    data = load_scenario(path).model_dump(mode="json")
    data["currency"] = currency
    return estimate(scenario_from_dict(data), book, REFRESHED).approaches["fine_tune"]


def _where(value, low, high):
    return "inside" if low <= value <= high else ("below" if value < low else "above")


def test_readme_table_of_published_bands_is_the_planners(bundled):
    # Bands from the practitioners' and agent builders' fine-tuning guides (rules of thumb): a fine-tuning
    # project GBP 8,000-45,000+ in 4-8 weeks; data preparation 40-50% of the effort; one training job
    # USD 50-500, so 3-5 iterations USD 150-2,500; a LoRA fine-tune of an 8B open model USD 10-150 of compute.
    def data_share(r):
        return sum(li.quantity for li in r.lines if li.category == "data_preparation"
                   and li.unit == "person-hours") / r.effort_hours

    def runs(r):
        return sum(li.amount for li in r.lines if li.category == "training")

    gbp = [_fine_tune_in(bundled, path, "GBP") for path in BAND_EXAMPLES]
    usd = [_fine_tune_in(bundled, path, "USD") for path in BAND_EXAMPLES]
    rows = {
        "Fine-tuning project, one-time cost: GBP 8,000-45,000+": [
            f"{r.one_time_cost:,.0f} GBP ({_where(r.one_time_cost, 8000, 45000)})" for r in gbp],
        "Weeks to production: 4-8": [f"{r.weeks_to_production:.1f} ({_where(r.weeks_to_production, 4, 8)})"
                                      for r in gbp],
        "Data preparation, share of the people-hours: 40-50%": [
            f"{data_share(r):.0%} ({_where(data_share(r), 0.4, 0.5)})" for r in gbp],
        "Training runs over 3-5 iterations: USD 150-2,500": [f"{runs(r):,.2f} USD ({_where(runs(r), 150, 2500)})"
                                                             for r in usd],
        "LoRA fine-tune of a 7-8B open model, GPU compute: USD 10-150": [
            "n/a (API)" if r.sizing is None else f"{runs(r):,.2f} USD ({_where(runs(r), 10, 150)})" for r in usd],
    }
    readme = (REPO / "README.md").read_text()
    assert "| published band | " + " | ".join(f"`{p.name}`" for p in BAND_EXAMPLES) + " |" in readme
    for label, cells in rows.items():
        assert f"| {label} | " + " | ".join(cells) + " |" in readme, label
    # The project cost, the one band every example should meet, is met.
    assert all("inside" in cell for cell in rows["Fine-tuning project, one-time cost: GBP 8,000-45,000+"])


BAND_EXAMPLES = [REPO / "examples" / f"{name}.yaml" for name in (
    "support_assistant", "json_extraction", "brand_voice_self_hosted", "agent_replies_from_records")]


def test_a_thousand_examples_from_records_take_far_fewer_people_hours_than_written_ones(bundled):
    def data_hours(sources):
        scenario = scenario_from_dict({"approaches": {"fine_tune": {"examples": 1000, "example_sources": sources}}})
        result = estimate(scenario, bundled).approaches["fine_tune"]
        return sum(li.quantity for li in result.lines if li.category == "data_preparation")

    written, records = data_hours({"written": 1.0}), data_hours({"written": 0.0, "records": 1.0})
    # written, 600 tokens: 1,000 x (3 + 3 x 0.6 = 4.8 min expert + 2 min annotator) / 60 = 113.3 h, plus fixes
    # after 3 of 4 iterations (5% each): 150 x 6.8 / 60 = 17 h -> 130.3 h.
    assert written == pytest.approx(130.33, abs=0.01)
    # records: a pipeline of 24 h + 0.5 h per 1,000 records = 24.5 h, a 10% sample x 1.6 min (1 + 1 x 0.6) = 2.67 h,
    # fixes 150 x 0.1 x 1.6 / 60 = 0.4 h
    assert records == pytest.approx(24.5 + 2.667 + 0.4, abs=0.01)
    assert records < written / 4


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_pays_to_run_every_approach_after_launch(bundled, path):
    result = estimate(load_scenario(path), bundled, REFRESHED)
    for name, approach in result.approaches.items():
        running = [li for li in approach.lines if li.category == "operations"]
        assert {li.item for li in running} >= {"MLOps: on-call, monitoring and incidents",
                                                "Online evaluation: expert review of flagged outputs"}, name
        assert sum(li.horizon_amount for li in running) > 0, name
