"""Every cost line of every approach, against values worked out by hand from tests/fixtures/prices.

Fixture prices: acme/chat $1 in, $0.50 cached, $4 out per million tokens; its fine-tune $10 to train,
$2 in, $8 out. acme/plain $0.50 in, $2 out. Rates: ML engineer $100/h, domain expert $60/h,
annotator $30/h, MLOps $120/h. Assumptions: see tests/fixtures/prices/assumptions.yaml.
"""

from __future__ import annotations

import pytest
from conftest import SELF_HOSTED_FIXTURE, line, worked

from planner import estimate

approx = pytest.approx


def test_prompt_lines(book):
    result = estimate(worked(), book).approaches["prompt"]
    expected = {
        # item: (quantity, amount)
        "Prompt design": (10, 1_000.00),  # 10 h x $100
        "Deployment and monitoring": (5, 600.00),  # 5 h x $120
        "Human review of outputs": (15, 900.00),  # 100 samples x 3 min / 60 x 3 iterations = 15 h x $60
        "LLM judge: input tokens": (0.6, 0.60),  # 200 x 1,000 tokens x 3 = 0.6 M x $1
        "LLM judge: output tokens": (0.06, 0.24),  # 200 x 100 tokens x 3 = 0.06 M x $4
        "Input tokens": (11, 11.00),  # 10,000 x (1,000 system + 100 input) = 11 M x $1
        "Output tokens": (0.5, 2.00),  # 10,000 x 50 = 0.5 M x $4
    }
    assert {li.item for li in result.lines if li.category != "operations"} == set(expected)  # test_operations
    for item, (quantity, amount) in expected.items():
        assert line(result, item).quantity == approx(quantity), item
        assert line(result, item).amount == approx(amount), item
    assert result.one_time_cost == approx(2_500.84)
    assert result.monthly_cost == approx(13.00)
    assert result.horizon_cost == approx(2_500.84 + 3 * 13.00)
    assert result.effort_hours == approx(10 + 5 + 15)
    assert result.added_latency_ms == 0
    assert result.input_tokens_per_request == 1_100


def test_prompt_cached_share_bills_part_of_the_system_prompt_at_the_cached_price(book):
    result = estimate(worked(**{"approaches.prompt.cached_prompt_share": 0.5}), book).approaches["prompt"]
    # cached: 10,000 x 500 = 5 M x $0.50 = $2.50; uncached: 10,000 x (500 + 100) = 6 M x $1 = $6.00
    assert line(result, "Cached prompt tokens (cache reads)").amount == approx(2.50)
    assert line(result, "Input tokens").amount == approx(6.00)
    assert result.monthly_cost == approx(2.50 + 6.00 + 2.00)
    assert not [li for li in result.lines if li.item == "Prompt cache writes"]  # acme/chat bills no writes


def test_a_cache_write_price_bills_every_miss(book):
    scenario = worked(**{"approaches.prompt.model": "acme/writer", "approaches.prompt.cached_prompt_share": 0.8})
    result = estimate(scenario, book).approaches["prompt"]
    # acme/writer: $2 in, $0.20 cache read, $2.50 cache write, $8 out per million tokens.
    # reads: 10,000 x 1,000 x 0.8 = 8 M x $0.20 = $1.60; writes: 10,000 x 1,000 x 0.2 = 2 M x $2.50 = $5.00
    # the rest of the input: 10,000 x 100 = 1 M x $2 = $2.00; output: 0.5 M x $8 = $4.00
    assert line(result, "Cached prompt tokens (cache reads)").amount == approx(1.60)
    assert line(result, "Prompt cache writes").amount == approx(5.00)
    assert line(result, "Input tokens").amount == approx(2.00)
    assert result.monthly_cost == approx(1.60 + 5.00 + 2.00 + 4.00)


def test_no_cache_hits_means_no_caching_and_no_writes(book):
    result = estimate(worked(**{"approaches.prompt.model": "acme/writer"}), book).approaches["prompt"]
    # 10,000 x (1,000 + 100) = 11 M x $2 = $22.00, all at the input price.
    assert line(result, "Input tokens").amount == approx(22.00)
    assert {li.item for li in result.lines if li.category == "inference"} == {"Input tokens", "Output tokens"}


def test_batch_share_bills_part_of_the_requests_at_batch_prices(book):
    result = estimate(worked(**{"approaches.prompt.batch_share": 0.5}), book).approaches["prompt"]
    # interactive half: 5,000 x 1,100 = 5.5 M x $1 = $5.50 in, 5,000 x 50 = 0.25 M x $4 = $1.00 out
    # batched half: 5.5 M x $0.50 = $2.75 in, 0.25 M x $2 = $0.50 out
    assert line(result, "Input tokens").amount == approx(5.50)
    assert line(result, "Output tokens").amount == approx(1.00)
    assert line(result, "Batch input tokens").amount == approx(2.75)
    assert line(result, "Batch output tokens").amount == approx(0.50)
    assert result.monthly_cost == approx(9.75)


def test_batch_share_needs_batch_prices(book):
    from planner import ScenarioError

    with pytest.raises(ScenarioError, match=r"approaches.rag.batch_share: acme/plain has no batch prices"):
        estimate(worked(**{"approaches.rag.batch_share": 0.2}), book)


def test_rag_lines(book):
    result = estimate(worked(), book).approaches["rag"]
    expected = {
        "RAG pipeline": 2_000.00,  # 20 h x $100
        "Deployment and monitoring": 600.00,
        "Human review of outputs": 900.00,
        "LLM judge: input tokens": 0.60,
        "LLM judge: output tokens": 0.24,
        "Embed the corpus": 0.10,  # 1 M tokens x $0.10
        "Initial load of vectors": 0.002,  # 1,000 vectors x 1 write unit = 0.001 M x $2
        "Input tokens": 5.50,  # 10,000 x (200 + 800 + 100) = 11 M x $0.50
        "Output tokens": 1.00,  # 0.5 M x $2
        "Embed queries": 0.10,  # 10,000 x 100 = 1 M x $0.10
        "Re-embed changed corpus": 0.01,  # 1 M x 0.1 = 0.1 M x $0.10
        "Storage": 0.005,  # 1,000 vectors x (1,000 dims x 4 B + 1,000 B) = 0.005 GB x $1
        "Query reads": 0.20,  # 10,000 x 2 read units = 0.02 M x $10
        "Writes of changed vectors": 0.0002,  # 100 vectors x 1 unit = 0.0001 M x $2
        "Plan minimum top-up": 19.7948,  # $20 minimum - (0.005 + 0.20 + 0.0002) usage
    }
    assert {li.item for li in result.lines if li.category != "operations"} == set(expected)  # test_operations
    for item, amount in expected.items():
        assert line(result, item).amount == approx(amount), item
    assert result.one_time_cost == approx(3_500.942)
    assert result.monthly_cost == approx(26.61)  # 6.61 of tokens and embeddings + the $20 minimum
    assert result.horizon_cost == approx(3_500.942 + 3 * 26.61)
    assert result.added_latency_ms == 300
    assert result.input_tokens_per_request == 1_100


def test_rag_without_a_minimum_has_no_top_up_and_skips_unbilled_components(book):
    result = estimate(worked(**{"approaches.rag.vector_db": "acme/nomin"}), book).approaches["rag"]
    items = {li.item for li in result.lines if li.category == "vector_db"}
    assert items == {"Storage", "Query reads"}  # acme/nomin bills no writes and has no minimum


def test_api_fine_tune_lines(book):
    result = estimate(worked(), book).approaches["fine_tune"]
    expected = {
        "Training pipeline": 3_000.00,  # 30 h x $100
        "Training runs: launch and analysis": 600.00,  # 2 h x 3 runs x $100
        "Error analysis (3 iterations)": 900.00,  # 3 h x 3 iterations x $100
        "Model registry and retraining pipeline": 840.00,  # 7 h x $120
        "Deployment and monitoring": 600.00,  # 5 h x $120
        # written by experts: 4 min + 5 min per 1,000 tokens x 400 tokens = 6 min an example
        "Examples written by experts: writing": 3_000.00,  # 500 x 6 min / 60 = 50 h x $60
        "Examples written by experts: cleaning and formatting": 750.00,  # 500 x 3 min / 60 = 25 h x $30
        # after each iteration but the last: 500 x 0.1 x (3 - 1) = 100 examples fixed or added
        "Iteration fixes: examples written by experts: writing": 600.00,  # 100 x 6 / 60 = 10 h x $60
        "Iteration fixes: examples written by experts: cleaning and formatting": 150.00,  # 100 x 3 / 60 = 5 h x $30
        "Human review of outputs": 900.00,
        "LLM judge: input tokens": 0.60,
        "LLM judge: output tokens": 0.24,
        "Training runs (3)": 12.00,  # 500 x 400 x 2 epochs = 0.4 M x 3 runs x $10
        "Input tokens": 4.00,  # 10,000 x (100 + 100) = 2 M x $2 (fine-tuned price)
        "Output tokens": 4.00,  # 0.5 M x $8
        # every 4 months, in the months it falls in: none in the first (test_retraining_falls_in_its_months)
        "Retraining run": 0.0,
        "Retraining: launch and analysis": 0.0,
        "Expert review of examples corrected in production": 0.0,
        "Retraining evaluation: human review of outputs": 0.0,
        "Retraining evaluation: LLM judge: input tokens": 0.0,
        "Retraining evaluation: LLM judge: output tokens": 0.0,
    }
    assert {li.item for li in result.lines if li.category != "operations"} == set(expected)  # test_operations
    for item, amount in expected.items():
        assert line(result, item).amount == approx(amount), item
    assert result.one_time_cost == approx(11_352.84)
    assert result.monthly_cost == approx(8.00)
    # the 3-month horizon ends before the first retraining, in month 4
    assert result.horizon_cost == approx(11_352.84 + 3 * 8.00)
    assert result.effort_hours == approx(30 + 6 + 9 + 7 + 5 + 50 + 25 + 10 + 5 + 15)
    assert result.notes == ("acme/chat fine-tuning: Closed to new customers",)


def _data_lines(result):
    return {li.item: li for li in result.lines if li.category == "data_preparation"}


def test_examples_selected_from_records_cost_a_pipeline_and_a_reviewed_sample(book):
    scenario = worked(**{"approaches.fine_tune.example_sources": {"written": 0, "records": 1}})
    data = _data_lines(estimate(scenario, book).approaches["fine_tune"])
    # pipeline once: 8 h x $100; a 0.2 sample of 500 = 100 reviewed x (1 + 5 x 0.4 = 3 min) / 60 = 5 h x $60
    assert data["Examples from records: selection pipeline"].amount == approx(800.00)
    assert data["Examples from records: expert review of a sample"].quantity == approx(5.0)
    assert data["Examples from records: expert review of a sample"].amount == approx(300.00)
    # iteration fixes: 100 examples x 0.2 x 3 min / 60 = 1 h; no second pipeline
    assert data["Iteration fixes: examples from records: expert review of a sample"].quantity == approx(1.0)
    assert set(data) == {"Examples from records: selection pipeline",
                         "Examples from records: expert review of a sample",
                         "Iteration fixes: examples from records: expert review of a sample"}


def test_records_cost_clearly_fewer_people_hours_than_writing_the_same_examples(book):
    written = estimate(worked(), book).approaches["fine_tune"]
    records = estimate(worked(**{"approaches.fine_tune.example_sources": {"written": 0, "records": 1}}),
                       book).approaches["fine_tune"]
    hours = {name: sum(li.quantity for li in result.lines if li.category == "data_preparation")
             for name, result in (("written", written), ("records", records))}
    # written: 50 + 25 + 10 + 5 = 90 h; records: 8 + 5 + 1 = 14 h
    assert hours == {"written": approx(90.0), "records": approx(14.0)}


def test_synthetic_examples_cost_generation_tokens_and_review_of_every_draft(book):
    scenario = worked(**{"approaches.fine_tune.example_sources": {"written": 0.5, "synthetic": 0.5},
                         "approaches.fine_tune.generation_model": "acme/plain"})
    data = _data_lines(estimate(scenario, book).approaches["fine_tune"])
    # 250 kept / (1 - 0.5 rejected) = 500 drafts; acme/plain: $0.50 in, $2 out per million tokens
    assert data["Examples generated by an LLM: generation set-up"].amount == approx(600.00)  # 6 h x $100
    assert data["Examples generated by an LLM: generation input tokens"].quantity == approx(0.5)  # 500 x 1,000
    assert data["Examples generated by an LLM: generation input tokens"].amount == approx(0.25)
    assert data["Examples generated by an LLM: generation output tokens"].quantity == approx(0.2)  # 500 x 400
    assert data["Examples generated by an LLM: generation output tokens"].amount == approx(0.40)
    # every draft reviewed: 500 x 3 min / 60 = 25 h x $60
    assert data["Examples generated by an LLM: expert review of every draft"].amount == approx(1_500.00)
    # the written half: 250 x 6 min / 60 = 25 h x $60
    assert data["Examples written by experts: writing"].amount == approx(1_500.00)


def test_preference_pairs_are_ranked_by_experts_and_need_a_dpo_price_on_the_api_route(book):
    from planner import ScenarioError

    scenario = worked(**{"approaches.fine_tune.preference_pairs": 600, "approaches.fine_tune.tokens_per_pair": 800})
    with pytest.raises(ScenarioError, match=r"approaches.fine_tune.preference_pairs: acme.models.chat.fine_tuning has "
                                            r"no preference \(DPO\) training price"):
        estimate(scenario, book)


def test_dpo_by_api_bills_pairs_tokens_at_the_preference_price(book):
    import dataclasses

    table = book.tables["acme"]
    chat = table.models["chat"]
    tuned = chat.fine_tuning.model_copy(update={"preference_training_per_million_tokens": 20.0})
    priced = dataclasses.replace(book, tables={**book.tables, "acme": table.model_copy(update={"models": {
        **table.models, "chat": chat.model_copy(update={"fine_tuning": tuned})}})})
    scenario = worked(**{"approaches.fine_tune.preference_pairs": 600, "approaches.fine_tune.tokens_per_pair": 800})
    result = estimate(scenario, priced).approaches["fine_tune"]
    # ranking: 600 x (2 + 5 x 0.8 = 6 min) / 60 = 60 h x $60
    assert line(result, "Preference pairs (DPO): expert ranking").amount == approx(3_600.00)
    # training: 600 x 800 x 2 epochs = 0.96 M tokens x 3 runs x $20
    assert line(result, "Preference (DPO) runs (3)").amount == approx(57.60)


def test_retraining_never_when_cadence_is_zero(book):
    result = estimate(worked(**{"approaches.fine_tune.retrain_every_months": 0}), book).approaches["fine_tune"]
    assert not [li for li in result.lines if li.category == "retraining"]
    assert result.monthly_cost == approx(8.00)


def test_retraining_falls_in_its_months(book):
    """Retraining every 4 months over 9 falls in months 4 and 8, each time the whole round; not 1/4 of it a month."""
    result = estimate(worked(horizon_months=9), book).approaches["fine_tune"]
    per_round = {  # as in test_api_fine_tune_lines, a whole round
        "Retraining run": 4.00,  # 0.4 M x $10
        "Retraining: launch and analysis": 200.00,  # 2 h x $100
        "Expert review of examples corrected in production": 300.00,  # 5 h x $60
        "Retraining evaluation: human review of outputs": 300.00,  # 5 h x $60
        "Retraining evaluation: LLM judge: input tokens": 0.20,  # 0.2 M x $1
        "Retraining evaluation: LLM judge: output tokens": 0.08,  # 0.02 M x $4
    }
    for item, amount in per_round.items():
        found = line(result, item)
        assert found.monthly_amounts == approx([0, 0, 0, amount, 0, 0, 0, amount, 0]), item
        assert found.horizon_amount == approx(2 * amount)
        assert "in months 4 and 8 (every 4 months after launch)" in found.quantity_basis
    assert result.monthly_costs[3] - result.monthly_costs[2] == approx(sum(per_round.values()))


def test_hybrid_inherits_fine_tune_and_rag(book):
    result = estimate(worked(), book).approaches["hybrid"]
    # Fine-tuned model, short prompt, plus retrieved context: 10,000 x (100 + 800 + 100) = 10 M x $2
    assert line(result, "Input tokens").amount == approx(20.00)
    assert line(result, "Input tokens").price_key == "acme.models.chat.fine_tuning.input_per_million_tokens"
    # one-time: RAG pipeline 2,000 + training pipeline 3,000 + runs 600 + error analysis 900 + registry 840
    #           + deployment 600 + data 3,750 + iteration fixes 750 + evaluation 900.84 + training 12 + corpus 0.10
    #           + vector load 0.002
    assert result.one_time_cost == approx(13_352.942)
    # monthly: tokens 24 + query/re-embedding 0.11 + vector DB minimum $20 (retraining first falls in month 4)
    assert result.monthly_cost == approx(44.11)
    assert result.added_latency_ms == 300
    assert result.input_tokens_per_request == 1_000


def test_hybrid_keys_override_the_inherited_ones(book):
    scenario = worked(**{"approaches.hybrid": {"retrieved_tokens": 300, "system_prompt_tokens": 0}})
    result = estimate(scenario, book).approaches["hybrid"]
    assert result.input_tokens_per_request == 400  # 0 system + 300 retrieved + 100 input
    assert line(result, "Input tokens").amount == approx(8.00)  # 10,000 x 400 = 4 M x $2


SELF_HOSTED = SELF_HOSTED_FIXTURE
SERVING = "Serving instances (on demand)"


@pytest.mark.parametrize(
    ("changes", "training_amount"),
    [
        # test-1b (1e9 parameters), LoRA with gradient checkpointing: (4 + 2) FLOPs x 1e9 x 400,000 tokens
        #   = 2.4e15 / (1 GPU x 100e12 x 0.5 MFU) = 48 s = 0.01333 h, + 1 h overhead, x 3 runs x $2
        ({}, (48 / 3600 + 1) * 3 * 2.00),
        ({"method": "qlora"}, (48 / 3600 + 1) * 3 * 2.00),
        # full with checkpointing: 8 x 1e9 x 4e5 = 3.2e15 / 5e13 = 64 s
        ({"method": "full"}, (64 / 3600 + 1) * 3 * 2.00),
        # full without checkpointing: 6 x ... = 48 s again
        ({"method": "full", "gradient_checkpointing": False}, (48 / 3600 + 1) * 3 * 2.00),
        # an 8-GPU instance: 64 s / 8 GPUs = 8 s + 1 h, x 3 runs x $16
        ({"method": "full", "training_gpu": "acme/gpu8"}, (8 / 3600 + 1) * 3 * 16.00),
    ],
)
def test_self_hosted_training(book, changes, training_amount):
    scenario = worked(**{"approaches.fine_tune": {**SELF_HOSTED, **changes}})
    result = estimate(scenario, book).approaches["fine_tune"]
    assert line(result, "Training runs (3)").amount == approx(training_amount)
    assert line(result, "Deployment and monitoring").amount == approx(1_800.00)  # 15 h x $120
    assert not [li for li in result.lines if li.category == "inference"]  # no per-token bill
    assert result.sizing.training.memory.gpus_needed == 1


def test_self_hosted_dpo_adds_the_reference_models_forward_pass(book):
    scenario = worked(**{"approaches.fine_tune": {**SELF_HOSTED, "preference_pairs": 300, "tokens_per_pair": 1000}})
    result = estimate(scenario, book).approaches["fine_tune"]
    # 300 pairs x 1,000 tokens x 2 epochs = 600,000 tokens; LoRA with checkpointing 6 FLOPs + 2 for the reference
    # forward pass = 8 x 1e9 x 6e5 = 4.8e15 / (100e12 x 0.5) = 96 s, + 1 h overhead, x 3 runs x $2
    assert line(result, "Preference (DPO) runs (3)").amount == approx((96 / 3600 + 1) * 3 * 2.00)
    # ranking: 300 x (2 + 5 x 1.0 = 7 min) / 60 = 35 h x $60
    assert line(result, "Preference pairs (DPO): expert ranking").amount == approx(2_100.00)


def test_self_hosted_serving_is_sized_from_the_peak_rate(book):
    # One replica on the g100 (100 TFLOPS, 2,000 GB/s, both at 50%), batch 4, 200 prompt + 50 output tokens:
    #   prefill = 2 x 1e9 x 200 x 4 / 5e13 = 32 ms; decode = (2e9 weight bytes + 40,000 KV bytes a token
    #   x 4 x (200 + 25)) / 1e12 = 2.036 ms a token; a batch takes 32 + 50 x 2.036 = 133.8 ms: 29.9 requests/s.
    low = estimate(worked(**{"approaches.fine_tune": SELF_HOSTED}), book).approaches["fine_tune"]
    replica = low.sizing.serving.replica
    assert replica.prefill_ms == approx(32.0)
    assert replica.decode_ms_per_token == approx(2.036)
    assert replica.requests_per_second == approx(4 / 0.1338)
    # 10,000 requests a month: one replica, one instance, 700 h x $2
    assert line(low, SERVING).amount == approx(1_400.00)
    # 200 million a month: 200e6 / (700 x 3,600 s) x 2 peak/average = 158.7 requests/s at the peak;
    # a replica plans for 29.9 x 0.5 = 14.95 of them: 11 replicas, 11 one-GPU instances
    high = worked(**{"approaches.fine_tune": SELF_HOSTED, "workload.requests_per_month": 200_000_000})
    result = estimate(high, book).approaches["fine_tune"]
    assert result.sizing.serving.replicas[0] == 11
    assert line(result, SERVING).amount == approx(11 * 700 * 2.00)
    # the same on 8-GPU instances: 2 instances of $16 an hour
    on_eight = worked(**{"approaches.fine_tune": {**SELF_HOSTED, "serving_gpu": "acme/gpu8"},
                         "workload.requests_per_month": 200_000_000})
    assert line(estimate(on_eight, book).approaches["fine_tune"], SERVING).amount == approx(
        2 * 700 * 16.00)


def test_shared_adapter_hosting_bills_its_share(book):
    scenario = worked(**{"approaches.fine_tune": {**SELF_HOSTED, "hosting": "shared_adapter",
                                                   "adapter_share": 0.25}})
    assert line(estimate(scenario, book).approaches["fine_tune"], SERVING).amount == approx(350.00)


def test_fixed_serving_instances_override_the_sizing(book):
    scenario = worked(**{"approaches.fine_tune": {**SELF_HOSTED, "serving_instances": 3}})
    assert line(estimate(scenario, book).approaches["fine_tune"], SERVING).amount == approx(4_200.00)


def test_growth_compounds_monthly(book):
    result = estimate(worked(**{"workload.monthly_growth": 0.1}), book).approaches["prompt"]
    # 10,000 + 11,000 + 12,100 = 33,100 requests x (1,100 x $1 + 50 x $4) per million = $43.03
    assert result.monthly_costs == approx((13.00, 14.30, 15.73))
    assert result.horizon_cost == approx(2_500.84 + 43.03)


def test_totals_are_sums_of_lines(book):
    for result in estimate(worked(**{"workload.monthly_growth": 0.05}), book).approaches.values():
        one_time = sum(li.amount for li in result.lines if li.timing == "one_time")
        monthly = sum(li.amount for li in result.lines if li.timing == "monthly")
        assert result.one_time_cost == approx(one_time)
        assert result.monthly_cost == approx(monthly)
        assert result.horizon_cost == approx(one_time + sum(result.monthly_costs))
        for li in result.lines:
            assert li.amount == approx(li.quantity * li.unit_price)


def test_iterations_from_the_scenario_override_the_assumption(book):
    result = estimate(worked(**{"project.iterations": 5}), book).approaches["fine_tune"]
    assert line(result, "Training runs (5)").amount == approx(0.4 * 5 * 10.00)
    assert line(result, "Human review of outputs").quantity == approx(100 * 3 / 60 * 5)


def test_every_line_names_its_price_and_source(book):
    for result in estimate(worked(), book).approaches.values():
        for li in result.lines:
            assert li.price_key and li.source and li.quantity_basis, li
