"""Serving a model on own GPUs: memory, prefill and decode time by roofline, and capacity.

- Weights: parameters x bytes per parameter at the serving precision.
- KV cache per token: 2 (K and V) x layers x KV heads x head size x bytes; grouped-query attention
  has fewer KV heads than attention heads. Times context length and batch.
- Prefill is compute-bound: 2 x parameters x prompt tokens x batch FLOPs. Decode reads every weight
  and the batch's KV cache once per step. Each phase takes the larger of its compute time and its
  memory time (roofline: Williams et al. 2009), at efficiencies below the datasheet peaks.
- Tensor parallelism splits weights, KV cache, compute and bandwidth over the GPUs of a replica, at
  ``tensor_parallel_efficiency`` of perfect scaling for each doubling of the split; replicas serve
  requests side by side.
- Continuous batching (vLLM, TensorRT-LLM): a replica serves as many requests at once as the KV-cache
  room left after the weights holds, no more than a decode step within the latency target allows,
  and no more than the engine's cap (``continuous_batch``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from planner.core.draws import Flags, all_true, is_many, nonzero, vceil, vfloor, vmax, vmin, vround, where
from planner.inputs.architecture import Architecture
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.assumptions import Assumptions
from planner.inputs.price_tables import GpuSpec
from planner.sizing.memory import BYTES_PER_GIB

ServingPrecision = Literal["bf16", "fp8", "int4"]
BYTES_PER_PARAM: dict[ServingPrecision, float] = {"bf16": 2, "fp8": 1, "int4": 0.5}
KV_BYTES: dict[ServingPrecision, float] = {"bf16": 2, "fp8": 1, "int4": 2}  # int4 weights keep a 16-bit cache
FLOPS_PER_PARAM_TOKEN = 2  # one forward pass
GB = 1e9
MAX_TENSOR_PARALLEL = 64


@dataclass(frozen=True)
class Efficiency:
    """Fractions of the datasheet peaks a serving engine achieves."""

    compute: float
    bandwidth: float

    @classmethod
    def from_assumptions(cls, a: Assumptions) -> Efficiency:
        """The efficiencies the assumptions table gives."""
        return cls(a.serving_compute_efficiency.value, a.serving_bandwidth_efficiency.value)


@dataclass(frozen=True)
class ServingGpu:
    """The figures of a GPU that serving depends on."""

    memory_gib: float
    peak_tflops: float
    bandwidth_gb_per_s: float

    @classmethod
    def of(cls, gpu: GpuSpec, precision: ServingPrecision) -> ServingGpu:
        """``gpu`` serving weights of ``precision``: FP8 weights run at the GPU's FP8 peak where it has one;
        otherwise (and for BF16 and INT4 weights, which are computed in 16 bits) at its BF16 peak."""
        peak = gpu.fp8_tflops if precision == "fp8" and gpu.fp8_tflops else gpu.bf16_tflops
        return cls(gpu.memory_gib, peak, gpu.bandwidth_gb_per_s)


@dataclass(frozen=True)
class ServingEstimate:
    """One replica serving ``batch`` requests of ``prompt_tokens`` in and ``output_tokens`` out."""

    batch: int
    prompt_tokens: int
    output_tokens: int
    tensor_parallel: int
    weights_gib: float  # per GPU
    kv_cache_gib: float  # per GPU
    overhead_gib: float
    capacity_gib: float
    prefill_ms: float
    decode_ms_per_token: float
    decode_bound: Literal["compute", "memory"]
    reason: str
    batch_reason: str = ""  # why the batch is what it is, when it was worked out rather than given

    @property
    def total_gib(self) -> float:
        """Memory per GPU, GiB."""
        return self.weights_gib + self.kv_cache_gib + self.overhead_gib

    def memory_gib(self) -> dict[str, float]:
        """Memory per GPU by part, and the total, GiB: the breakdown every report shows."""
        return {"weights": self.weights_gib, "kv_cache": self.kv_cache_gib, "overhead": self.overhead_gib,
                "total": self.total_gib}

    @property
    def fits_each(self) -> Flags:
        """Whether a replica can hold the model and the batch's KV cache: a bool, or one per value."""
        return self.tensor_parallel > 0

    @property
    def fits(self) -> bool:
        """Whether a replica can hold the model and the batch's KV cache (at every value, for a range)."""
        return all_true(self.fits_each)

    @cached_property
    def request_ms(self) -> float:
        """Time from a batch's arrival to its last token: prefill plus every decode step."""
        return self.prefill_ms + self.output_tokens * self.decode_ms_per_token

    @property
    def tokens_per_second(self) -> float:
        """Output tokens per second per GPU."""
        return self.batch * self.output_tokens / (self.request_ms / 1000) / self.tensor_parallel

    @cached_property
    def requests_per_second(self) -> float:
        """Requests a replica completes per second, batch after batch."""
        return self.batch / (self.request_ms / 1000)


def kv_bytes_per_token(arch: Architecture, precision: ServingPrecision) -> float:
    """KV-cache bytes per token of context.

    Llama 3.1 8B in bf16: 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 bytes (128 KiB).
    """
    return 2 * arch.layers * arch.kv_heads * arch.dim_per_head * KV_BYTES[precision]


def serving_estimate(
    arch: Architecture,
    gpu: ServingGpu,
    batch: int,
    prompt_tokens: int,
    output_tokens: int,
    precision: ServingPrecision,
    efficiency: Efficiency,
    overhead_gib: float,
    tp_efficiency: float = 1.0,
    min_gpus: int = 1,
) -> ServingEstimate:
    """Memory, latency and throughput of one replica, on the fewest GPUs (a power of two) that hold it.

    Split over more than one GPU, compute and bandwidth scale as ``_rates`` says."""
    params = model_parameters(arch)
    weights = params * BYTES_PER_PARAM[precision]
    context = prompt_tokens + output_tokens
    kv = kv_bytes_per_token(arch, precision) * batch * context
    usable = (gpu.memory_gib - overhead_gib) * BYTES_PER_GIB
    tp = vmax(_gpus_holding(weights + kv, usable), min_gpus)
    too_big = f"does not fit on {MAX_TENSOR_PARALLEL} GPUs of {gpu.memory_gib:g} GiB"
    fits = tp <= MAX_TENSOR_PARALLEL
    if not is_many(fits) and not fits:
        return ServingEstimate(batch, prompt_tokens, output_tokens, 0, weights / BYTES_PER_GIB,
                               kv / BYTES_PER_GIB, overhead_gib, gpu.memory_gib, math.inf, math.inf, "memory",
                               too_big)
    # Values that do not fit are worked out at the largest split and marked with 0 GPUs at the end.
    tp = where(fits, tp, MAX_TENSOR_PARALLEL)
    compute, bandwidth = _rates(gpu, tp, efficiency, tp_efficiency)
    prefill_s = vmax(FLOPS_PER_PARAM_TOKEN * params * prompt_tokens * batch / compute, weights / bandwidth)
    # Decode reads the weights and, on average, the cache up to the middle of the output.
    kv_read = kv_bytes_per_token(arch, precision) * batch * (prompt_tokens + output_tokens / 2)
    decode_compute_s = FLOPS_PER_PARAM_TOKEN * params * batch / compute
    decode_memory_s = (weights + kv_read) / bandwidth
    if is_many(fits) and not np.all(fits):
        reason = f"{too_big} at {1 - np.mean(fits):.0%} of the range's values"
    elif is_many(tp) and nonzero(tp > 1):
        reason = "one GPU or more across the range (tensor parallel where needed)"
    else:
        reason = "fits on one GPU" if all_true(tp == 1) else f"split over {tp:g} GPUs (tensor parallel)"
    compute_bound = decode_compute_s > decode_memory_s
    return ServingEstimate(
        batch, prompt_tokens, output_tokens, where(fits, tp, 0), weights / tp / BYTES_PER_GIB, kv / tp / BYTES_PER_GIB,
        overhead_gib, gpu.memory_gib, prefill_s * 1000, vmax(decode_compute_s, decode_memory_s) * 1000,
        "compute" if all_true(compute_bound) else "memory", reason,
    )


def continuous_batch(arch: Architecture, gpu: ServingGpu, prompt_tokens: int, output_tokens: int,
                     precision: ServingPrecision, efficiency: Efficiency, overhead_gib: float,
                     max_ms_per_token: float, cap: int, tp_efficiency: float = 1.0,
                     min_gpus: int = 1) -> tuple[int, str]:
    """The requests a replica serves at once with continuous batching, and which limit set it.

    The smallest power-of-two split that holds the weights and one request sets the GPUs; the batch
    is then the least of (``min_gpus`` forces a wider split): the KV-cache room left after the
    weights over one request's cache
    (prompt + output tokens); the largest batch whose decode step (the larger of its compute time
    and its memory time) stays within ``max_ms_per_token``; and ``cap``. At least 1.

    Llama 3.1 8B in bf16 on one 80 GiB GPU, 1 GiB overhead: (79 GiB - 16.06 GB of weights) = 68.8 GB
    of room over 128 KiB x 1,100 tokens = 144 MB a request: 477 requests.
    """
    params = model_parameters(arch)
    weights = params * BYTES_PER_PARAM[precision]
    per_token = kv_bytes_per_token(arch, precision)
    per_request = per_token * (prompt_tokens + output_tokens)
    usable = (gpu.memory_gib - overhead_gib) * BYTES_PER_GIB
    tp = _gpus_holding(weights + per_request, usable)
    tp = vmax(where(tp <= MAX_TENSOR_PARALLEL, tp, MAX_TENSOR_PARALLEL), min_gpus)
    # A request of no tokens in or out (a workload of 0 and 0, no system prompt) holds no cache and
    # reads none: neither limit then applies, and the batch is set by the others.
    by_memory = where(per_request > 0, vfloor(vmax(tp * usable - weights, 0.0) / _positive(per_request)), math.inf)
    compute, bandwidth = _rates(gpu, tp, efficiency, tp_efficiency)
    target = max_ms_per_token / 1000
    read_per_request = per_token * (prompt_tokens + output_tokens / 2)
    by_compute = target * compute / (FLOPS_PER_PARAM_TOKEN * params)
    spare_bandwidth = target * bandwidth - weights  # bytes a step may read beyond the weights
    by_bandwidth = where(read_per_request > 0, spare_bandwidth / _positive(read_per_request),
                         where(spare_bandwidth >= 0, math.inf, 0.0))
    by_latency = vfloor(vmax(vmin(by_compute, by_bandwidth), 0.0))
    limits = {"KV-cache room": by_memory, f"the {max_ms_per_token:g} ms a token latency target": by_latency,
              "the engine's cap": cap}
    batch = vmax(vmin(vmin(by_memory, by_latency), cap), 1)
    if is_many(batch):
        return vround(batch), "the least of KV-cache room, the latency target and the cap (varies across the range)"
    binding = next(name for name, value in limits.items() if value == batch) if batch > 1 else next(
        (name for name, value in limits.items() if value < 1), "KV-cache room")
    detail = ", ".join(f"{name} {value:,.0f}" if math.isfinite(value) else f"{name}: no limit"
                       for name, value in limits.items())
    return int(batch), f"batch {int(batch):,} set by {binding} ({detail})"


def _positive(x: float) -> float:
    """``x`` where it is positive, else 1: a divisor for the values a ``where`` keeps, so that the
    values it discards never divide by zero.

    >>> _positive(0.0), _positive(2.5)
    (1.0, 2.5)
    """
    return where(x > 0, x, 1.0)


def _gpus_holding(needed_bytes: float, usable_bytes: float) -> int:
    """The fewest GPUs (a power of two) with ``usable_bytes`` each that hold ``needed_bytes``; with no
    memory left after the overhead, none do (more than ``MAX_TENSOR_PARALLEL``)."""
    return _tensor_parallel(where(usable_bytes > 0, needed_bytes / where(usable_bytes > 0, usable_bytes, 1.0),
                                  math.inf))


def _rates(gpu: ServingGpu, tp: int, efficiency: Efficiency, tp_efficiency: float) -> tuple[float, float]:
    """A replica's compute (FLOP/s) and memory bandwidth (bytes/s) over ``tp`` GPUs: ``tp_efficiency`` of perfect
    scaling for each doubling of the split (2 GPUs: 0.8 x 2; 4: 0.64 x 4; 8: 0.51 x 8), as communication grows
    with it (0.8 fitted to TensorRT-LLM's Llama 70B on 2 H100s; the rule's form chosen because one figure for
    every split overstated 4 and 8 H100s 1.40x and 1.96x, where it leaves 1.12x and 1.25x: the README's
    calibration table).

    >>> round(float(_rates(ServingGpu(80, 100, 1000), 4, Efficiency(1.0, 1.0), 0.8)[1] / (1000 * GB)), 6)
    2.56
    """
    scaling = tp * tp_efficiency ** np.log2(np.maximum(tp, 1))
    return (scaling * gpu.peak_tflops * 1e12 * efficiency.compute,
            scaling * gpu.bandwidth_gb_per_s * GB * efficiency.bandwidth)


def _tensor_parallel(gpus_of_memory: float) -> int:
    """The smallest power of two not below ``gpus_of_memory`` (at least 1)."""
    if is_many(gpus_of_memory):
        return 2 ** np.ceil(np.log2(np.maximum(gpus_of_memory, 1.0)))
    tp = 1
    while gpus_of_memory > tp and tp <= MAX_TENSOR_PARALLEL:
        tp *= 2
    return tp


def replicas_needed(peak_requests_per_second: float, replica: ServingEstimate, target_utilisation: float) -> int:
    """Replicas to serve the peak rate with each replica busy ``target_utilisation`` of the time (at least 1).

    A replica completing 4 requests a second at 70% target serves 2.8; a peak of 10 needs 4.
    """
    return vmax(1, vceil(peak_requests_per_second / (replica.requests_per_second * target_utilisation)))
