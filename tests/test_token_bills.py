"""Token bills as providers compute them: reasoning, long-context tiers, service tiers, caching.

Expected amounts are worked by hand from the vendors' published prices (the bundled tables carry them, each
with its source), and checked against pydantic's genai-prices, an independent implementation.
"""

from __future__ import annotations

import datetime
import warnings
from typing import Any

import numpy as np
import pytest
from genai_prices import Usage, calc_price
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.draws import Draws
from planner.core.errors import ScenarioError
from planner.costs.estimator import estimate
from planner.costs.token_bill import RequestShape, cached_prefix, request_cost
from planner.inputs.scenario import scenario_from_dict
from tests.conftest import line

TODAY = datetime.date(2026, 12, 2)


def prompt_option(bundled: Any, workload: dict[str, Any] | None = None, **prompt: Any) -> Any:
    scenario = scenario_from_dict({"workload": workload or {}, "approaches": {"prompt": prompt}})
    return estimate(scenario, bundled, TODAY).approaches["prompt"]


def amounts(result: Any) -> dict[str, float]:
    return {li.item: li.amount for li in result.lines if li.category == "inference"}


# -- reasoning --------------------------------------------------------------------------------------------

def test_two_thousand_reasoning_tokens_are_billed_as_output_and_counted(bundled):
    # gpt-6.1-terra: $5.00 a million output tokens (OpenAI). 100,000 requests x 2,000 = 200 M x $5 = $1,000.00.
    result = prompt_option(bundled, model="openai/gpt-6.1-terra", reasoning_tokens=2_000)
    assert line(result, "Reasoning tokens").amount == pytest.approx(1_000.00)
    assert line(result, "Reasoning tokens").unit_price == pytest.approx(5.00)
    assert result.reasoning_tokens_per_request == 2_000
    # 2,000 tokens written at 100 a second (assumptions.hosted_output_tokens_per_second) add 20 s.
    assert result.added_latency_ms == pytest.approx(20_000)


def test_a_model_that_reasons_by_default_is_billed_its_default_effort(bundled):
    # The GPT-6 family reasons at medium unless told otherwise: 2,048 tokens (assumptions.reasoning_tokens_medium);
    # 100,000 x 2,048 = 204.8 M x $5.00 = $1,024.00.
    result = prompt_option(bundled, model="openai/gpt-6.1-terra")
    assert line(result, "Reasoning tokens").amount == pytest.approx(1_024.00)
    assert "default effort, medium" in line(result, "Reasoning tokens").quantity_basis
    # Told not to reason, it bills none; gpt-5.4-mini reasons only when asked.
    assert "Reasoning tokens" not in amounts(prompt_option(bundled, model="openai/gpt-6.1-terra",
                                                           reasoning_effort="none"))
    assert "Reasoning tokens" not in amounts(prompt_option(bundled, model="openai/gpt-5.4-mini"))
    # high: 4,096 tokens x 100,000 = 409.6 M x gpt-5.4-mini's $4.50 = $1,843.20
    assert line(prompt_option(bundled, model="openai/gpt-5.4-mini", reasoning_effort="high"),
                "Reasoning tokens").amount == pytest.approx(1_843.20)


def test_asking_a_model_that_does_not_reason_to_reason_is_refused_at_the_setting(bundled):
    with pytest.raises(ScenarioError, match=r"approaches.prompt.reasoning_effort: anthropic/claude-3-haiku does not "
                                            r"reason"):
        prompt_option(bundled, model="anthropic/claude-3-haiku", reasoning_effort="low")
    with pytest.raises(ScenarioError, match=r"approaches.prompt.reasoning_tokens: anthropic/claude-3-haiku does not "
                                            r"reason"):
        prompt_option(bundled, model="anthropic/claude-3-haiku", reasoning_tokens=500)


def test_the_comparison_shows_reasoning_tokens_per_request(bundled):
    from planner.outputs.export import summary_rows

    scenario = scenario_from_dict({"approaches": {"prompt": {"model": "openai/gpt-6.1-terra",
                                                             "reasoning_tokens": 2_000}}})
    rows = dict(summary_rows(estimate(scenario, bundled, TODAY)))
    assert rows["Reasoning tokens per request"][0] == "2,000"


# -- long-context tiers ---------------------------------------------------------------------------------

def test_a_request_above_the_threshold_is_billed_wholly_at_the_upper_tier(bundled):
    # Gemini 2.5 Pro: $1.25 / $10 a million up to 200,000 input tokens; $2.50 / $15 above, for the whole request.
    # 1,000 requests of 250,000 input tokens = 250 M x $2.50 = $625.00; 500 output each = 0.5 M x $15 = $7.50.
    workload = {"requests_per_month": 1_000, "input_tokens": 250_000, "output_tokens": 500}
    result = amounts(prompt_option(bundled, workload, model="google/gemini-2.5-pro", system_prompt_tokens=0,
                                   reasoning_effort="none"))
    assert result == pytest.approx({"Input tokens, above 200,000 input tokens": 625.00,
                                    "Output tokens, above 200,000 input tokens": 7.50})
    # 150,000 input tokens stay below: 150 M x $1.25 = $187.50; 0.5 M x $10 = $5.00.
    workload["input_tokens"] = 150_000
    result = amounts(prompt_option(bundled, workload, model="google/gemini-2.5-pro", system_prompt_tokens=0,
                                   reasoning_effort="none"))
    assert result == pytest.approx({"Input tokens": 187.50, "Output tokens": 5.00})


def test_each_value_of_a_range_is_billed_at_its_own_tier(bundled):
    model = bundled.chat_model("google/gemini-2.5-pro").offering
    costs = request_cost(model, RequestShape(user_input=Draws([150_000, 250_000]), output=500), "gemini-2.5-pro")
    # 150,000 x $1.25 + 500 x $10 = $0.1925; 250,000 x $2.50 + 500 x $15 = $0.6325 (per request)
    assert np.asarray(costs) == pytest.approx([0.1925, 0.6325])


# -- service tiers --------------------------------------------------------------------------------------

def test_flex_and_priority_shares_are_billed_at_their_tiers(bundled):
    # gpt-5.4-mini a million tokens: standard $0.75 / $4.50, flex $0.375 / $2.25, priority $1.50 / $9.00.
    # 100,000 requests of 2,000 + 400 input and 300 output; 20% flex, 10% priority, 70% standard.
    result = amounts(prompt_option(bundled, model="openai/gpt-5.4-mini", flex_share=0.2, priority_share=0.1))
    assert result == pytest.approx({
        "Input tokens": 126.00,              # 70,000 x 2,400 = 168 M x $0.75
        "Output tokens": 94.50,              # 70,000 x 300 = 21 M x $4.50
        "Flex input tokens": 18.00,          # 20,000 x 2,400 = 48 M x $0.375
        "Flex output tokens": 13.50,         # 6 M x $2.25
        "Priority input tokens": 36.00,      # 10,000 x 2,400 = 24 M x $1.50
        "Priority output tokens": 27.00,     # 3 M x $9.00
    })


def test_a_tier_the_model_does_not_sell_is_refused_at_its_share(bundled):
    with pytest.raises(ScenarioError, match=r"approaches.prompt.flex_share: openai/gpt-4o-mini has no flex "
                                            r"prices; set the share to 0"):
        prompt_option(bundled, model="openai/gpt-4o-mini", flex_share=0.3)


def test_shares_of_all_tiers_cannot_exceed_every_request(bundled):
    with pytest.raises(ScenarioError, match=r"add up to 1.2; together at most 1"):
        prompt_option(bundled, batch_share=0.5, flex_share=0.4, priority_share=0.3)


def test_a_tuned_model_is_batched_where_its_provider_sells_batch(bundled):
    # OpenAI's tuned gpt-4.1-mini: $0.80 / $3.20 a million; through the Batch API $0.40 / $1.60.
    # 100,000 requests of 200 + 400 input and 300 output, half batched:
    # standard 50,000 x 600 = 30 M x $0.80 = $24.00 and 15 M x $3.20 = $48.00; batch 30 M x $0.40, 15 M x $1.60.
    scenario = scenario_from_dict({"approaches": {"fine_tune": {
        "route": "api", "model": "openai/gpt-4.1-mini", "batch_share": 0.5}}})
    result = amounts(estimate(scenario, bundled, TODAY).approaches["fine_tune"])
    assert {k: v for k, v in result.items() if "tokens" in k} == pytest.approx({
        "Input tokens": 24.00, "Output tokens": 48.00, "Batch input tokens": 12.00, "Batch output tokens": 24.00})


# -- caching --------------------------------------------------------------------------------------------

def test_one_hour_cache_writes_are_billed_at_twice_the_input_price(bundled):
    # Claude Sonnet 4.6: input $3, 1-hour cache write $6 (2x), cache read $0.30.
    # 20,000 requests, a 5,000-token system prompt, 80% read from the cache: writes 20,000 x 5,000 x 0.2 = 20 M x $6.
    workload = {"requests_per_month": 20_000, "input_tokens": 400, "output_tokens": 300}
    result = amounts(prompt_option(bundled, workload, model="anthropic/claude-sonnet-4.6", system_prompt_tokens=5_000,
                                   cached_prompt_share=0.8, prompt_cache="1_hour"))
    assert result == pytest.approx({
        "Cached prompt tokens (cache reads)": 24.00,    # 80 M x $0.30
        "Prompt cache writes (1 hour)": 120.00,         # 20 M x $6.00
        "Input tokens": 24.00,                          # 20,000 x 400 = 8 M x $3
        "Output tokens": 90.00,                         # 6 M x $15
    })
    with pytest.raises(ScenarioError, match=r"approaches.prompt.prompt_cache: openai/gpt-5.4-mini sells no 1-hour "
                                            r"prompt cache; keep it 5 minutes"):
        prompt_option(bundled, model="openai/gpt-5.4-mini", cached_prompt_share=0.5, prompt_cache="1_hour")


def test_an_explicit_cache_is_billed_for_storage_every_hour_it_is_kept(bundled):
    # Gemini 2.5 Pro's explicit cache: $4.50 a million tokens an hour. A 10,000-token prefix kept all month
    # (730 hours): 0.01 M x 730 x $4.50 = $32.85 a month. Reads: 100,000 x 10,000 x 0.9 = 900 M x $0.125.
    result = amounts(prompt_option(bundled, model="google/gemini-2.5-pro", system_prompt_tokens=10_000,
                                   cached_prompt_share=0.9, prompt_cache="stored", reasoning_effort="none"))
    assert result["Prompt cache storage"] == pytest.approx(32.85)
    assert result["Cached prompt tokens (cache reads)"] == pytest.approx(112.50)
    assert not any("writes" in item for item in result)  # a stored cache is not written on each miss
    # misses and the user's part at $1.25: 100,000 x (10,000 x 0.1 + 400) = 140 M x $1.25 = $175.00
    assert result["Input tokens"] == pytest.approx(175.00)
    with pytest.raises(ScenarioError, match=r"approaches.prompt.prompt_cache: openai/gpt-5.4-mini has no "
                                            r"explicit cache storage price"):
        prompt_option(bundled, model="openai/gpt-5.4-mini", cached_prompt_share=0.5, prompt_cache="stored")


def test_a_prompt_below_the_minimum_cacheable_prefix_is_never_cached(bundled):
    # Claude Haiku 4.5 caches prefixes of 4,096 tokens or more. A 2,000-token system prompt is plain input:
    # 100,000 x 2,400 = 240 M x $1.00 = $240.00, whatever the hit share says.
    result = prompt_option(bundled, model="anthropic/claude-haiku-4.5", cached_prompt_share=0.8)
    assert amounts(result) == pytest.approx({"Input tokens": 240.00, "Output tokens": 150.00})
    assert "below anthropic/claude-haiku-4.5's minimum of 4,096: not cached" in line(
        result, "Input tokens").quantity_basis
    # 5,000 tokens are cached: reads 100,000 x 5,000 x 0.8 = 400 M x $0.10 = $40.00
    cached = amounts(prompt_option(bundled, model="anthropic/claude-haiku-4.5", cached_prompt_share=0.8,
                                   system_prompt_tokens=5_000))
    assert cached["Cached prompt tokens (cache reads)"] == pytest.approx(40.00)


def test_retrieved_context_said_to_repeat_is_cached_with_the_system_prompt(bundled):
    # RAG on Claude Sonnet 4.6: a 500-token system prompt and half of 2,000 retrieved tokens repeat: a 1,500-token
    # prefix (above the 1,024 minimum). 100,000 requests x 1,500 x 0.8 = 120 M reads x $0.30 = $36.00.
    scenario = scenario_from_dict({"approaches": {"rag": {
        "model": "anthropic/claude-sonnet-4.6", "cached_prompt_share": 0.8, "repeated_context_share": 0.5}}})
    result = amounts(estimate(scenario, bundled, TODAY).approaches["rag"])
    assert result["Cached prompt tokens (cache reads)"] == pytest.approx(36.00)
    assert result["Prompt cache writes"] == pytest.approx(112.50)  # 100,000 x 1,500 x 0.2 = 30 M x $3.75


# -- one bill, checked against genai-prices ---------------------------------------------------------------

GENAI_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "google", "azure": "azure"}
# Bundled models whose tables publish no cached-input price: caching on them is our error (tested above for
# tiers), where genai-prices bills its own cache prices. Listed so that the list cannot grow unseen.
NO_CACHE_PRICE = {"anthropic/claude-3.5-haiku", "anthropic/claude-3-haiku", "google/gemini-2.0-flash"}


def _known_to_both(book: Any) -> list[tuple[str, Any, str, str]]:
    found = []
    for provider, table in sorted(book.tables.items()):
        if provider not in GENAI_PROVIDERS:
            continue
        for model_id, model in table.models.items():
            for name in ((model.litellm_id or model_id).split("/")[-1], model_id.replace(".", "-")):
                try:
                    calc_price(Usage(input_tokens=1, output_tokens=1), model_ref=name,
                               provider_id=GENAI_PROVIDERS[provider])
                except LookupError:
                    continue
                found.append((f"{provider}/{model_id}", model, name, GENAI_PROVIDERS[provider]))
                break
    return found


def _theirs(shape: RequestShape, prefix: float, hit: bool, name: str, provider: str) -> float:
    """genai-prices' bill of one request of ``shape`` that reads the prefix from the cache (``hit``) or writes it."""
    usage = {"input_tokens": int(shape.input_tokens), "output_tokens": int(shape.output + shape.reasoning)}
    if shape.reasoning:
        usage["output_reasoning_tokens"] = int(shape.reasoning)
    if prefix and hit:
        usage["cache_read_tokens"] = int(prefix)
    elif prefix:
        usage["cache_write_tokens"] = int(prefix)
        if shape.prompt_cache == "1_hour":
            usage["cache_write_1h_tokens"] = int(prefix)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notes on keys it does not price for a model
        return float(calc_price(Usage(**usage), model_ref=name, provider_id=provider,
                                genai_request_timestamp=datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC))
                     .total_price)


def test_the_models_compared_are_the_bundled_models_genai_prices_knows(bundled):
    known = {key for key, *_ in _known_to_both(bundled)}
    assert len(known) == 33  # the README says how many; a table change that alters it should say so there too
    assert {"openai/gpt-6.1-terra", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-pro"} <= known
    assert known >= NO_CACHE_PRICE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_bill_agrees_with_genai_prices_for_every_model_both_know(bundled, data):
    """Plain, cached (reads and 5-minute or 1-hour writes), long-context and reasoning requests, standard tier:
    within 0.5% of genai-prices' calc_price on generated token counts. A hit share h bills h of a request that
    reads the prefix and 1 - h of one that writes it, so both are compared and mixed. genai-prices prices the
    usage it is given, so the cached prefix handed to it is ours: the minimum-prefix rule is checked by hand
    (test_a_prompt_below_the_minimum_cacheable_prefix_is_never_cached), the prices and tiers here."""
    for key, model, name, provider in _known_to_both(bundled):
        long = data.draw(st.booleans(), label="long")
        threshold = model.long_context.above_input_tokens if model.long_context else 200_000
        user = data.draw(st.integers(1, 5_000) if not long else st.integers(threshold - 20_000, threshold + 80_000),
                         label="user input")
        caching = key not in NO_CACHE_PRICE and data.draw(st.booleans(), label="caching")
        one_hour = caching and model.cache_write_1h_per_million_tokens is not None and data.draw(st.booleans())
        hit = data.draw(st.sampled_from([0.3, 0.8, 1.0]), label="hit share") if caching else 0.0
        shape = RequestShape(
            system_prompt=data.draw(st.integers(0, 10_000), label="system"), user_input=user,
            output=data.draw(st.integers(1, 3_000), label="output"),
            reasoning=data.draw(st.integers(0, 5_000), label="reasoning") if model.reasoning else 0,
            cache_hit_share=hit, prompt_cache="1_hour" if one_hour else "5_minutes")
        prefix = cached_prefix(model, shape)
        theirs = hit * _theirs(shape, prefix, True, name, provider) + (1 - hit) * _theirs(
            shape, prefix, False, name, provider)
        ours = request_cost(model, shape, key)
        assert ours == pytest.approx(theirs, rel=0.005), (key, shape)


@pytest.mark.parametrize("tier", ["batch", "flex", "priority"])
def test_openai_service_tiers_agree_with_genai_prices(bundled, tier):
    """genai-prices prices OpenAI's batch, flex and priority requests (verified from October 2026); for other
    providers it returns the standard estimate for a tier it lacks, so only OpenAI's tiers are compared."""
    context = {"processing": "batch"} if tier == "batch" else {"service_tier": tier}
    compared = 0
    for key, model, name, provider in _known_to_both(bundled):
        if provider != "openai" or getattr(model, f"{tier}_input_per_million_tokens") is None:
            continue
        # Cache reads too, where the table prices them for the tier (else they are the tier's input: see README).
        cached = getattr(model, f"{tier}_cached_input_per_million_tokens") is not None
        shape = RequestShape(system_prompt=3_000, user_input=700, output=400, cache_hit_share=1.0 if cached else 0.0,
                             **{f"{tier}_share": 1.0})
        usage = Usage(input_tokens=3_700, output_tokens=400, **({"cache_read_tokens": 3_000} if cached else {}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = float(calc_price(usage, model_ref=name,
                                      provider_id=provider, price_context=context,
                                      genai_request_timestamp=datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC))
                           .total_price)
        assert request_cost(model, shape, key) == pytest.approx(theirs, rel=0.005), key
        compared += 1
    assert compared >= 3


def test_reasoning_time_counts_against_the_latency_budget(bundled):
    from planner.analysis.recommend import DecisionAnswers, recommend

    # 4,096 tokens at high effort, written at 100 a second, add 40,960 ms to each request.
    scenario = scenario_from_dict({"approaches": {"prompt": {"model": "openai/gpt-6.1-terra",
                                                             "reasoning_effort": "high"}}})
    result = estimate(scenario, bundled, TODAY)
    assert result.approaches["prompt"].added_latency_ms == pytest.approx(40_960)
    advice = recommend(DecisionAnswers(latency_budget_ms=2_000), result)
    assert advice.ruled_out["prompt"] == "reasoning adds 40,960 ms, over the 2,000 ms latency budget"


def test_long_context_prices_belong_to_their_model_in_warnings(bundled):
    # Gemini 2.5 Pro retired on 2026-12-01: one retirement, of the model, though two of its lines are upper-tier.
    scenario = scenario_from_dict({"workload": {"input_tokens": 250_000},
                                   "approaches": {"prompt": {"model": "google/gemini-2.5-pro"}}})
    found = [r for r in estimate(scenario, bundled, TODAY).retirements if r.approach == "prompt"]
    assert [r.label for r in found] == ["google/gemini-2.5-pro"]


# -- ranges and edge cases ------------------------------------------------------------------------------

def _ranged(bundled: Any, prompt: dict[str, Any], values: dict[str, Any]) -> Any:
    from planner.analysis.ranges import with_values

    scenario = scenario_from_dict({"approaches": {"prompt": prompt}})
    return estimate(*with_values(scenario, bundled, values), TODAY).approaches["prompt"]


def test_a_range_of_a_stored_cache_bills_storage_value_by_value(bundled):
    # 10,000 or 20,000 cached tokens kept 730 hours at $4.50 a million an hour: $32.85 or $65.70 a month.
    result = _ranged(bundled, {"model": "google/gemini-2.5-pro", "cached_prompt_share": 0.9, "prompt_cache": "stored",
                               "reasoning_effort": "none"},
                     {"approaches.prompt.system_prompt_tokens": Draws([10_000, 20_000])})
    assert np.asarray(line(result, "Prompt cache storage").amount) == pytest.approx([32.85, 65.70])


def test_a_range_of_tier_shares_marks_the_values_that_exceed_all_requests(bundled):
    result = _ranged(bundled, {"model": "openai/gpt-5.4-mini", "priority_share": 0.4},
                     {"approaches.prompt.flex_share": Draws([0.5, 0.9])})
    assert list(np.asarray(result.infeasible_mask)) == [False, True]
    # 0.5 flex and 0.4 priority leave 0.1 standard: 10,000 x 2,400 = 24 M x $0.75 = $18.00; never below 0
    assert np.asarray(line(result, "Input tokens").amount) == pytest.approx([18.00, 0.0])


def test_a_range_of_reasoning_tokens_on_a_model_that_does_not_reason_is_refused_not_a_traceback(bundled):
    with pytest.raises(ScenarioError, match="does not reason"):
        _ranged(bundled, {"model": "anthropic/claude-3-haiku", "reasoning_tokens": 0},
                {"approaches.prompt.reasoning_tokens": Draws([0, 1_000])})


def test_tier_shares_that_take_every_request_leave_no_standard_line(bundled):
    # 0.7 + 0.2 + 0.1 leaves 3e-17 in floating point: that is no standard request, not a line of $0.00.
    result = amounts(prompt_option(bundled, model="openai/gpt-5.4-mini", batch_share=0.7, flex_share=0.2,
                                   priority_share=0.1))
    assert "Input tokens" not in result and "Output tokens" not in result
    # batch: 70,000 x 2,400 = 168 M x $0.375 = $63.00
    assert result["Batch input tokens"] == pytest.approx(63.00)


def test_a_one_hour_cache_in_another_tier_is_refused_with_both_ways_out(bundled):
    with pytest.raises(ScenarioError, match=r"approaches.prompt.prompt_cache: anthropic/claude-sonnet-4.6's 1-hour "
                                            r"cache has no price for batch requests in the tables: keep the cache 5 "
                                            r"minutes, or set the batch share to 0"):
        prompt_option(bundled, model="anthropic/claude-sonnet-4.6", cached_prompt_share=0.8, prompt_cache="1_hour",
                      batch_share=0.5, system_prompt_tokens=5_000)
