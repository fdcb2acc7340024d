"""GPU sizing answers for the command line: training memory and time, or serving, with sources."""

from __future__ import annotations

from typing import Any

from planner.costs.self_hosted import run_plan
from planner.inputs.architecture import Architecture, computed_parameters
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.price_tables import GpuSpec
from planner.inputs.pricebook import PriceBook, Resolved, assumption_price
from planner.sizing.compute import Precision
from planner.sizing.memory import TrainingSetup, training_memory
from planner.sizing.serving import Efficiency, ServingGpu, ServingPrecision, replicas_needed, serving_estimate


def _assumptions_used(book: PriceBook, names: list[str]) -> list[str]:
    table = book.require_assumptions()
    return [f"{p.key} = {p.value:g} {p.unit} ({p.source})" for p in (assumption_price(table, n) for n in names)]


def training_report(
    book: PriceBook,
    model_label: str,
    arch: Architecture,
    setup: TrainingSetup,
    gpu: GpuSpec,
    gpu_label: str,
    train_tokens: int | None,
    precision: Precision,
    instance: Resolved | None,
) -> dict[str, Any]:
    """Memory breakdown, GPUs needed, and with ``train_tokens`` the hours, GPU-hours and cost of one run."""
    a = book.require_assumptions()
    memory = training_memory(arch, setup, gpu, a.framework_overhead_gib.value)
    report: dict[str, Any] = {
        "model": model_label,
        "params": model_parameters(arch),
        "trainable_params": memory.trainable_params,
        "method": setup.method,
        "gpu": gpu_label,
        "gpu_memory_gib": gpu.memory_gib,
        "memory_gib": memory.memory_gib(),
        "gpus_needed": memory.gpus_needed,
        "fits": memory.fits,
        "reason": memory.reason,
        "host_memory_gib": memory.host_gib,  # offloaded or paged optimizer states, all GPUs together
    }
    names = ["framework_overhead_gib"]
    gpu_notes: list[str] = []
    if train_tokens is not None and memory.fits:
        per_instance = instance.offering.gpu_count if instance is not None else 1
        plan = run_plan(arch, setup, memory, gpu, per_instance, train_tokens, precision, a)
        time, overhead = plan.time, plan.overhead_hours
        report.update({
            "train_tokens": train_tokens,
            "gpus_used": time.gpus,
            "training_hours": time.hours,
            "overhead_hours": overhead,
            "gpu_hours": (time.hours + overhead) * time.gpus,
            "tokens_per_second_per_gpu": time.tokens_per_second_per_gpu,
        })
        # the utilisation and optimizer costs used (time.basis names them): an assumption, or the GPU's own figure
        used = [name.removeprefix("assumptions.") for name in time.basis.split(" ") if name.startswith("assumptions.")]
        names += [*used, "full_training_flops_per_param_token", "adapter_training_flops_per_param_token",
                  "recompute_flops_per_param_token", "training_run_overhead_hours"]
        if "hardware.yaml" in time.basis:
            gpu_notes.append(f"gpu training utilisation = {gpu.training_hfu:g} ({gpu.training_hfu_source})")
        if instance is not None:
            price = instance.price("per_hour", "instance-hour")
            report["cost"] = {
                "amount": plan.instance_hours * price.value,
                "currency": price.currency, "price_key": price.key, "source": price.source,
                "as_of": price.as_of.isoformat() if price.as_of else None,
            }
    report["sources"] = [f"gpu: {gpu.source} ({gpu.as_of})", *gpu_notes, *_assumptions_used(book, names)]
    if gpu.status:
        report["sources"].append(f"gpu caveat: {gpu.status}")
    return report


def serving_report(
    book: PriceBook, model_label: str, arch: Architecture, gpu: GpuSpec, gpu_label: str, batch: int,
    prompt_tokens: int, output_tokens: int, precision: ServingPrecision, peak_requests_per_second: float | None,
) -> dict[str, Any]:
    """Memory, GPUs (tensor parallel), prefill and decode time and throughput of one replica; with a peak
    request rate, the replicas and GPUs that serve it at the target utilisation."""
    a = book.require_assumptions()
    replica = serving_estimate(
        arch, ServingGpu.of(gpu, precision), batch, prompt_tokens, output_tokens,
        precision, Efficiency.from_assumptions(a),
        a.framework_overhead_gib.value,
    )
    report: dict[str, Any] = {
        "model": model_label, "params": model_parameters(arch), "gpu": gpu_label, "precision": precision,
        "batch": batch, "prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
        "memory_gib": replica.memory_gib(),
        "gpus_needed": replica.tensor_parallel, "fits": replica.fits, "reason": replica.reason,
    }
    if replica.fits:
        report.update({
            "prefill_ms": replica.prefill_ms, "decode_ms_per_token": replica.decode_ms_per_token,
            "decode_bound": replica.decode_bound, "request_ms": replica.request_ms,
            "tokens_per_second": replica.tokens_per_second, "requests_per_second": replica.requests_per_second,
        })
    names = ["serving_compute_efficiency", "serving_bandwidth_efficiency", "framework_overhead_gib"]
    if peak_requests_per_second is not None and replica.fits:
        replicas = replicas_needed(peak_requests_per_second, replica, a.serving_target_utilisation.value)
        report.update({"peak_requests_per_second": peak_requests_per_second, "replicas_needed": replicas,
                       "gpus_for_peak": replicas * replica.tensor_parallel})
        names.append("serving_target_utilisation")
    report["sources"] = [f"gpu: {gpu.source} ({gpu.as_of})", *_assumptions_used(book, names)]
    return report


def architecture_note(arch: Architecture) -> str:
    """One line naming the architecture's numbers, for the table."""
    given = f", given as {arch.params_billion:g}B" if arch.params_billion else ""
    return (f"{arch.layers} layers, hidden {arch.hidden}, {arch.heads} heads ({arch.kv_heads} KV), "
            f"intermediate {arch.intermediate}, vocab {arch.vocab}: {computed_parameters(arch) / 1e9:.2f}B "
            f"parameters computed{given}")


def report_table(report: dict[str, Any]) -> str:
    """The report as aligned ``label  value`` lines with units."""
    rows: list[tuple[str, str]] = [("Model", f"{report['model']} ({report['params'] / 1e9:.2f}B parameters)"),
                                   ("GPU", str(report["gpu"]))]
    if "method" in report:
        rows.append(("Method", f"{report['method']}, {report['trainable_params']:,} trainable parameters"))
    else:
        rows.append(("Serving", f"{report['precision']}, batch {report['batch']}, "
                                f"{report['prompt_tokens']:,} prompt + {report['output_tokens']:,} output tokens"))
    for part, gib in report["memory_gib"].items():
        rows.append((f"Memory per GPU: {part.replace('_', ' ')} (GiB)", f"{gib:,.2f}"))
    if report.get("host_memory_gib"):
        rows.append(("Host memory, offloaded or paged (GiB)", f"{report['host_memory_gib']:,.2f}"))
    rows.append(("GPUs needed", f"{report['gpus_needed']} ({report['reason']})"))
    for key, label, fmt in (
        ("training_hours", "Training compute (hours)", "{:,.2f}"),
        ("overhead_hours", "Per-run overhead (hours)", "{:,.2f}"),
        ("gpu_hours", "GPU-hours per run", "{:,.1f}"),
        ("tokens_per_second_per_gpu", "Training tokens/s per GPU", "{:,.0f}"),
        ("prefill_ms", "Prefill (ms)", "{:,.1f}"),
        ("decode_ms_per_token", "Decode (ms per token)", "{:,.2f}"),
        ("request_ms", "Request latency (ms)", "{:,.0f}"),
        ("tokens_per_second", "Output tokens/s per GPU", "{:,.0f}"),
        ("requests_per_second", "Requests/s per replica", "{:,.2f}"),
        ("replicas_needed", "Replicas for the peak", "{:,}"),
        ("gpus_for_peak", "GPUs for the peak", "{:,}"),
    ):
        if key in report:
            rows.append((label, fmt.format(report[key])))
    if "cost" in report:
        cost = report["cost"]
        rows.append((f"Cost per run ({cost['currency']})", f"{cost['amount']:,.2f} ({cost['price_key']})"))
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    return "\n".join([*lines, "", "Sources:", *(f"  - {s}" for s in report["sources"])]) + "\n"
