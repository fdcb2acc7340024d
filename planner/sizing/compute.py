"""Training compute: FLOPs per token for each method, and the hours they take on a GPU.

FLOPs ~ 6 x parameters x tokens for full training (2 forward + 4 backward; Kaplan et al. 2020);
~ 4 x with a frozen base, which skips weight gradients (LoRA, QLoRA); gradient checkpointing adds a
second forward pass (+2; Korthikanti et al. 2022). Time = FLOPs / (GPUs x dense peak x HFU): the
hardware FLOPs utilisation counts every FLOP the GPUs do, the recomputed ones included, so the
figure set is the figure used (model FLOPs utilisation, MFU, would leave recomputation out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planner.inputs.assumptions import Assumptions
from planner.inputs.price_tables import GpuSpec
from planner.sizing.memory import Method

Precision = Literal["bf16", "fp8"]
SECONDS_PER_HOUR = 3600
FLOPS_PER_TFLOP = 1e12


@dataclass(frozen=True)
class FlopsRule:
    """FLOPs per parameter per token: the method's base, plus a recomputed forward pass."""

    full: float
    adapter: float
    recompute: float

    @classmethod
    def from_assumptions(cls, a: Assumptions) -> FlopsRule:
        """The rule the assumptions table gives."""
        return cls(a.full_training_flops_per_param_token.value, a.adapter_training_flops_per_param_token.value,
                   a.recompute_flops_per_param_token.value)

    def per_param_token(self, method: Method, gradient_checkpointing: bool) -> float:
        """FLOPs per parameter per token for ``method``."""
        base = self.full if method == "full" else self.adapter
        return base + (self.recompute if gradient_checkpointing else 0.0)


@dataclass(frozen=True)
class TrainingTime:
    """Compute of one run: FLOPs, wall-clock hours on ``gpus`` GPUs and GPU-hours (no overhead)."""

    tokens: float
    flops: float
    gpus: int
    peak_tflops: float
    hfu: float  # hardware FLOPs utilisation: all FLOPs done, recomputation included, over dense peak
    hours: float
    speed: float = 1.0  # share of the rate hfu gives that the optimizer leaves (8-bit states, offloading)
    basis: str = ""  # where hfu and speed come from: "assumptions.training_hfu 0.4 x assumptions.cpu_offload_speed 0.6"

    @property
    def gpu_hours(self) -> float:
        """GPUs x hours."""
        return self.hours * self.gpus

    @property
    def tokens_per_second_per_gpu(self) -> float:
        """Training tokens each GPU processes per second."""
        return 0.0 if self.hours == 0 else self.tokens / (self.hours * SECONDS_PER_HOUR * self.gpus)


def peak_tflops(gpu: GpuSpec, precision: Precision) -> float:
    """The GPU's dense tensor peak at ``precision``; raises ``ValueError`` if it has none."""
    if precision == "fp8":
        if gpu.fp8_tflops is None:
            raise ValueError(f"{gpu.display_name} has no FP8 tensor throughput")
        return gpu.fp8_tflops
    return gpu.bf16_tflops


def training_utilisation(gpu: GpuSpec, precision: Precision, assumptions: Assumptions) -> tuple[float, str]:
    """The share of ``gpu``'s dense peak at ``precision`` a run reaches, and where that figure lives: FP8's own
    assumption (its peak is reached less fully), else the GPU's measured BF16 figure where the hardware table has
    one, else the BF16 assumption."""
    if precision == "fp8":
        return assumptions.training_hfu_fp8.value, "assumptions.training_hfu_fp8"
    if gpu.training_hfu is not None:
        return gpu.training_hfu, f"the {gpu.display_name}'s measured training_hfu (hardware.yaml)"
    return assumptions.training_hfu.value, "assumptions.training_hfu"


def training_time(
    params: float, tokens: float, flops_per_param_token: float, gpu: GpuSpec, gpus: int, hfu: float,
    precision: Precision = "bf16", speed: float = 1.0, basis: str = "",
) -> TrainingTime:
    """Hours of compute for ``tokens`` on ``gpus`` GPUs, at ``speed`` of the rate ``hfu`` gives (an optimizer that
    costs time: 8-bit states, offloading).

    Llama 2 7B (6.74e9 parameters) full fine-tuning on 8 H100s at FP8 (1,979 TFLOPS) and 30% HFU:
    6 x 6.74e9 FLOPs a token / (1,979e12 x 0.3) = 14,700 tokens a second per GPU.
    """
    peak = peak_tflops(gpu, precision)
    flops = flops_per_param_token * params * tokens
    seconds = flops / (gpus * peak * FLOPS_PER_TFLOP * hfu * speed)
    return TrainingTime(tokens, flops, gpus, peak, hfu, seconds / SECONDS_PER_HOUR, speed, basis)
