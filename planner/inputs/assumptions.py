"""The named assumptions every estimate rests on; their values live in ``pricing/assumptions.yaml``.

Each assumption states its unit and its basis: ``sourced`` (a published figure), ``rule_of_thumb``
(the field's guidance, not a measurement) or ``definition`` (true by arithmetic). The field
descriptions below are the documentation of what each one means; the README lists them too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from planner.core.limits import MAX_MAGNITUDE, outside
from planner.inputs.validation import STRICT


class Assumption(BaseModel):
    """One assumed figure, with its unit and where it comes from."""

    model_config = STRICT
    value: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
    unit: str = Field(min_length=1)
    basis: Literal["sourced", "rule_of_thumb", "definition"]
    source: str = Field(min_length=1)
    note: str | None = None


def _a(description: str) -> Any:
    """A required field with its description.

    Typed ``Any`` like pydantic's own ``Field``: the ``FieldInfo`` stands in a class body for a value of the
    field's type (``x: Assumption = _a(...)``), which only ``Any`` can do.
    """
    return Field(description=description)


# Limits beyond the ">= 0" every assumption has: the model divides by the first group (0 would be a
# division by zero; a batch is rounded to whole requests, so it needs at least one); the second
# are fractions of a whole.
ASSUMPTION_LIMITS: dict[str, list[tuple[str, float]]] = {
    "productive_hours_per_person_week": [(">", 0)],
    "hours_per_month": [(">", 0)],
    "business_hours_per_month": [(">", 0)],
    "chunk_tokens": [(">", 0)],
    "serving_batch_size": [(">=", 1)],
    "tie_share": [("<=", 1)],
    "synthetic_rejection_share": [("<", 1)],  # kept examples / (1 - share) drafts
    **{name: [("<=", 1)] for name in (
        "records_review_share", "examples_revised_per_iteration", "retrain_new_example_share",
        "online_eval_share", "base_model_change_data_share", "contingency_share")},
    **{name: [(">", 0), ("<=", 1)] for name in (
        "training_hfu", "training_hfu_fp8", "optimizer_8bit_speed", "cpu_offload_speed", "serving_compute_efficiency",
        "serving_bandwidth_efficiency", "serving_target_utilisation",
        "tensor_parallel_efficiency")},
    "max_ms_per_output_token": [(">", 0)],
    "hosted_output_tokens_per_second": [(">", 0)],
    # A run's hours divide by the FLOPs per parameter-token of its method (a DPO run scales by them).
    "full_training_flops_per_param_token": [(">", 0)],
    "adapter_training_flops_per_param_token": [(">", 0)],
}


class Assumptions(BaseModel):
    """Every assumption the cost, effort and timeline model uses, by name."""

    model_config = STRICT

    # Training data, by where the examples come from
    expert_writing_minutes_per_example: Assumption = _a(
        "Domain-expert minutes to write one good training example, before its length is counted."
    )
    expert_writing_minutes_per_1k_tokens: Assumption = _a(
        "Further domain-expert writing minutes per 1,000 tokens of the example."
    )
    annotator_minutes_per_example: Assumption = _a(
        "Annotator minutes to clean and format one expert-written example."
    )
    expert_review_minutes_per_example: Assumption = _a(
        "Domain-expert minutes to read and accept or reject one example (a record or an LLM draft), "
        "before its length is counted."
    )
    expert_review_minutes_per_1k_tokens: Assumption = _a(
        "Further domain-expert review minutes per 1,000 tokens of the example (or preference pair)."
    )
    records_pipeline_hours: Assumption = _a(
        "ML-engineer hours to build the pipeline that selects examples from existing records: screening, "
        "cleaning, de-duplication, anonymisation; the fixed part, whatever the number of records."
    )
    records_pipeline_hours_per_thousand_records: Assumption = _a(
        "Further ML-engineer hours on the records pipeline per 1,000 records it selects: running it, reading "
        "what it rejects or flags, fixing its rules."
    )
    records_review_share: Assumption = _a(
        "Share of the examples selected from records that a domain expert reviews (a sample)."
    )
    synthetic_pipeline_hours: Assumption = _a(
        "ML-engineer hours to set up LLM generation of examples: generation prompt, seed examples, filters."
    )
    synthetic_prompt_tokens: Assumption = _a(
        "Tokens sent to the generation model per drafted example (instructions and seed examples)."
    )
    synthetic_rejection_share: Assumption = _a(
        "Share of LLM-drafted examples the expert rejects; every draft is generated and reviewed."
    )
    expert_minutes_per_preference_pair: Assumption = _a(
        "Domain-expert minutes to rank one preferred/rejected pair for DPO, before its length is counted."
    )
    error_analysis_hours_per_iteration: Assumption = _a(
        "ML-engineer hours to analyse a fine-tuned model's errors after each training run."
    )
    examples_revised_per_iteration: Assumption = _a(
        "Share of the examples fixed or added after each iteration but the last, from its error analysis."
    )
    retrain_new_example_share: Assumption = _a(
        "New examples for each retraining run, from corrections made in production, as a share of the "
        "examples; each is reviewed by a domain expert."
    )
    human_eval_samples_per_iteration: Assumption = _a(
        "Model outputs a domain expert reviews in each evaluation round."
    )
    expert_minutes_per_eval_sample: Assumption = _a("Domain-expert minutes to judge one output.")
    judge_samples_per_iteration: Assumption = _a(
        "Outputs scored by an LLM judge in each evaluation round."
    )
    judge_input_tokens_per_sample: Assumption = _a(
        "Tokens the judge reads per scored output (rubric, request, answer)."
    )
    judge_output_tokens_per_sample: Assumption = _a("Tokens the judge writes per scored output.")
    prompt_design_hours: Assumption = _a("ML-engineer hours to design and harden a prompt.")
    rag_pipeline_hours: Assumption = _a(
        "ML-engineer hours to build ingestion, chunking, indexing and retrieval."
    )
    training_pipeline_hours: Assumption = _a(
        "ML-engineer hours to build the fine-tuning data and training pipeline."
    )
    engineer_hours_per_training_run: Assumption = _a(
        "ML-engineer hours to launch, watch and analyse one training run."
    )
    deployment_hours_api: Assumption = _a(
        "MLOps hours to deploy and monitor an approach served by a hosted API."
    )
    deployment_hours_self_hosted: Assumption = _a(
        "MLOps hours to deploy and monitor a model on own GPUs."
    )
    productive_hours_per_person_week: Assumption = _a(
        "Hours a person assigned to the project spends on it in a week."
    )

    # Project shape and timeline
    iterations: Assumption = _a("Train-evaluate cycles, used when the scenario gives none.")
    task_definition_weeks: Assumption = _a("Weeks for task definition and baseline.")
    data_curation_min_weeks: Assumption = _a(
        "Fewest calendar weeks the data curation phase takes, however many people share its hours: the review "
        "loop of guidelines, a pilot batch, expert review and fixes."
    )
    prompt_iteration_weeks: Assumption = _a("Calendar weeks per prompt or retrieval tuning cycle.")
    training_iteration_weeks: Assumption = _a("Calendar weeks per train-evaluate cycle.")
    evaluation_weeks: Assumption = _a("Weeks for final evaluation and human review.")
    deployment_weeks: Assumption = _a("Weeks for deployment and monitoring set-up.")
    retrain_every_months: Assumption = _a(
        "Months between retraining runs after launch, used when the scenario gives none; 0 = never."
    )
    contingency_share: Assumption = _a(
        "An allowance for the unforeseen as a share of an option's one-time (build) cost, its own line in the budget; "
        "used when the scenario gives none (project.contingency_share)."
    )

    # Compute
    training_hfu: Assumption = _a(
        "Hardware FLOPs utilisation of a self-hosted fine-tuning run: every FLOP done, recomputation included, "
        "over the dense peak (MFU would leave recomputation out)."
    )
    training_hfu_fp8: Assumption = _a(
        "Hardware FLOPs utilisation of a self-hosted run in FP8, over the dense FP8 peak (twice BF16's on Hopper, "
        "reached less fully)."
    )
    optimizer_8bit_speed: Assumption = _a(
        "A run's speed with an 8-bit AdamW (plain or paged), as a share of its speed with 32-bit AdamW states."
    )
    cpu_offload_speed: Assumption = _a(
        "A run's speed with its optimizer states, master weights and gradients offloaded to host memory, as a share "
        "of its speed with them on the GPU."
    )
    full_training_flops_per_param_token: Assumption = _a(
        "Training FLOPs per parameter per token, full fine-tuning (forward 2 + backward 4)."
    )
    adapter_training_flops_per_param_token: Assumption = _a(
        "Training FLOPs per parameter per token with a frozen base (LoRA, QLoRA)."
    )
    training_run_overhead_hours: Assumption = _a(
        "Wall-clock hours per training run beyond compute: provisioning, loading, evaluation passes."
    )
    hours_per_month: Assumption = _a("Hours in an average month, for always-on GPU hosting.")
    dpo_reference_flops_per_param_token: Assumption = _a(
        "Extra FLOPs per parameter per token in DPO: the frozen reference model's forward pass."
    )
    recompute_flops_per_param_token: Assumption = _a(
        "Extra training FLOPs per parameter per token when gradient checkpointing recomputes the forward pass."
    )
    framework_overhead_gib: Assumption = _a(
        "GPU memory taken by the CUDA context, kernels and allocator fragmentation, per GPU."
    )

    # Serving on own GPUs
    serving_compute_efficiency: Assumption = _a("Fraction of the dense tensor peak reached in prefill and decode.")
    serving_bandwidth_efficiency: Assumption = _a("Fraction of the memory bandwidth reached when decoding.")
    serving_batch_size: Assumption = _a(
        "Most requests a serving replica batches together (the engine's cap); fewer when the KV-cache room or "
        "the latency target allows fewer."
    )
    max_ms_per_output_token: Assumption = _a(
        "Latency target: the longest a decode step (one output token for every request in the batch) may take."
    )
    tensor_parallel_efficiency: Assumption = _a(
        "Share of perfect scaling a replica split over two GPUs reaches (communication between them); each further "
        "doubling of the split keeps this share again (4 GPUs: its square)."
    )
    serving_target_utilisation: Assumption = _a("Share of a replica's capacity planned to be in use at the peak.")
    peak_to_average_requests: Assumption = _a("Peak request rate over the month's average rate.")
    business_hours_per_month: Assumption = _a(
        "Hours a month a business-hours serving schedule runs (all traffic arrives then)."
    )
    cold_start_seconds: Assumption = _a(
        "Seconds a scaled-to-zero replica takes to start and load the model before its first answer."
    )

    # Retrieval
    chunk_tokens: Assumption = _a("Tokens per indexed chunk; one vector per chunk.")
    vector_metadata_bytes: Assumption = _a(
        "Bytes stored with each vector besides the vector itself (chunk text, ids)."
    )
    vector_db_read_units_per_query: Assumption = _a("Read units a vector database bills per query.")
    vector_db_write_units_per_vector: Assumption = _a("Write units billed per vector written.")
    retrieval_latency_ms: Assumption = _a(
        "Latency retrieval adds per request (query embedding, vector search, fetch)."
    )

    # Reasoning (hosted models that think before they answer)
    reasoning_tokens_low: Assumption = _a(
        "Reasoning tokens a request spends at low effort (a thinking budget: the most it may spend)."
    )
    reasoning_tokens_medium: Assumption = _a("Reasoning tokens a request spends at medium effort (a budget).")
    reasoning_tokens_high: Assumption = _a("Reasoning tokens a request spends at high effort (a budget).")
    hosted_output_tokens_per_second: Assumption = _a(
        "Tokens a hosted model writes a second; reasoning tokens add their writing time to a request's latency."
    )

    # Operating after launch
    mlops_hours_per_month_api: Assumption = _a(
        "MLOps hours a month to run an approach served by a hosted API: on-call, monitoring, alerts, incidents."
    )
    mlops_hours_per_month_self_hosted: Assumption = _a(
        "MLOps hours a month to run a model on own GPUs: the same, plus the serving stack."
    )
    engineer_upkeep_hours_per_month: Assumption = _a(
        "ML-engineer hours a month keeping the prompt, code and evaluation set current."
    )
    retrieval_upkeep_hours_per_month: Assumption = _a(
        "Further ML-engineer hours a month keeping a retrieval pipeline current (sources, chunking, index)."
    )
    online_eval_share: Assumption = _a(
        "Share of production requests an LLM judge scores (online evaluation)."
    )
    flagged_reviews_per_month: Assumption = _a(
        "Outputs flagged by the judge or by users that a domain expert reviews each month."
    )
    privacy_review_hours: Assumption = _a(
        "Privacy-reviewer hours for a data protection impact assessment when personal data is processed."
    )
    pii_redaction_minutes_per_example: Assumption = _a(
        "Annotator minutes checking the redaction of personal data in one training example."
    )
    model_registry_hours: Assumption = _a(
        "MLOps hours to set up a model registry and a retraining pipeline gated by human approval."
    )
    base_model_change_data_share: Assumption = _a(
        "Share of the examples redone when a fine-tuned model moves to a new base model."
    )

    # Comparison
    tie_share: Assumption = _a(
        "Totals within this share of the lowest are called a tie, not a win (0.05 = within 5%)."
    )

    @field_validator(*ASSUMPTION_LIMITS)
    @classmethod
    def _within_meaning(cls, item: Assumption, info: ValidationInfo) -> Assumption:
        """Assumptions the model divides by must be above 0; fractions of a whole at most 1.

        Checked per field, so an error names the assumption and its line in the file.
        """
        assert info.field_name is not None  # a field validator is always called for a field
        broken = outside(item.value, ASSUMPTION_LIMITS[info.field_name])
        if broken is not None:
            raise ValueError(f"value must be {broken}, got {item.value:g}")
        return item
