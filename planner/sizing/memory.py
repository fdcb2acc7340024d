"""GPU memory for fine-tuning: weights, gradients, optimizer states, activations and overhead.

Rules (each with the paper it comes from):
- Mixed-precision AdamW keeps, per trainable parameter, 2 bytes of bf16 weights, 2 of bf16
  gradients and 12 of optimizer state (fp32 master copy and two moments): 16 bytes (ZeRO paper,
  Rajbhandari et al. 2020). 8-bit AdamW stores the moments in 2 bytes: 6 bytes of state.
- LoRA (Hu et al. 2021) trains only the adapters; the frozen base stays in bf16.
- QLoRA (Dettmers et al. 2023) stores the frozen linear layers in 4-bit NormalFloat plus
  quantisation constants (0.127 bit per parameter with double quantisation); embeddings, output
  layer and norms stay in bf16.
- Activations per layer, 2-byte activations: s x b x h x 34 bytes, plus 5 x a x s^2 x b without
  FlashAttention (Korthikanti et al. 2022). With gradient checkpointing each layer keeps only its
  input (2 x s x b x h) and one layer's full set is live during recomputation. The output logits
  are held in 16 bits, s x b x vocab x 2 bytes, the loss taking them in fp32 a chunk at a time
  (torchtune's chunked cross-entropy, Unsloth's fused loss; a trainer that upcasts them all at once holds
  twice as much).
- When one GPU is not enough, ZeRO stage 3 / FSDP shards weights, gradients and optimizer states
  over the GPUs; activations are not sharded.
- Optimizers that change the fit: a paged 8-bit AdamW (bitsandbytes) keeps its states in memory the host
  pages in and out, so they never call for another GPU; the optimizer step fused into the backward pass
  (torchtune's ``optimizer_in_bwd``) frees each gradient as soon as its parameter is updated, so only the
  largest matrix's gradient is held; CPU offload (ZeRO-Offload, FSDP's ``cpu_offload``) keeps the fp32
  master copy, the moments and the gradients in host memory (``host_gib``). Their cost in time is in the
  assumptions (``optimizer_8bit_speed``, ``cpu_offload_speed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from planner.core.draws import Flags, all_true, is_many, nonzero, vceil, vmax, where
from planner.inputs.architecture import (
    ALL_LINEAR,
    Architecture,
    LinearModule,
    computed_parameters,
    linear_shapes,
    lora_parameters,
)
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.price_tables import GpuSpec

Method = Literal["full", "lora", "qlora"]
Optimizer = Literal["adamw", "adamw_8bit", "paged_adamw_8bit"]

BYTES_PER_GIB = 2**30
BF16_BYTES = 2
FP32_BYTES = 4
NF4_BITS = 4
QLORA_CONSTANT_BITS = 0.127  # per parameter, with double quantisation (QLoRA paper, section 3)
BITS_PER_BYTE = 8
# fp32 master copy (4) + two moments (4 + 4, or 1 + 1 in 8 bits: Dettmers et al. 2022, bitsandbytes)
OPTIMIZER_STATE_BYTES: dict[Optimizer, int] = {"adamw": 12, "adamw_8bit": 6, "paged_adamw_8bit": 6}
EIGHT_BIT: tuple[Optimizer, ...] = ("adamw_8bit", "paged_adamw_8bit")
ACTIVATION_BYTES_PER_SBH = 34  # Korthikanti et al. 2022, per layer
ATTENTION_SCORE_BYTES = 5  # x a x s^2 x b per layer, without FlashAttention
CHECKPOINT_BYTES_PER_SBH = 2  # the layer input kept with gradient checkpointing
LOGIT_BYTES = BF16_BYTES  # the fp32 copy is made a chunk at a time
MAX_GPUS = 4096


@dataclass(frozen=True)
class TrainingSetup:
    """What is trained, and how."""

    method: Method
    seq_len: int
    micro_batch: int
    gradient_checkpointing: bool = True
    lora_rank: int = 16
    lora_targets: tuple[LinearModule, ...] = ALL_LINEAR
    optimizer: Optimizer = "adamw"
    flash_attention: bool = True
    optimizer_in_backward: bool = False  # each gradient freed once its parameter is updated
    cpu_offload: bool = False  # master copy, moments and gradients in host memory


@dataclass(frozen=True)
class TrainingMemory:
    """Memory per GPU in GiB, and how many GPUs the run needs (0 when it cannot fit)."""

    weights: float
    gradients: float
    optimizer: float
    activations: float
    overhead: float
    gpus_needed: int
    capacity_gib: float
    trainable_params: int
    total_params: float
    reason: str
    host_gib: float = 0.0  # host memory the run keeps off the GPU (offloaded or paged states), all GPUs together

    @property
    def total(self) -> float:
        """Total per GPU, GiB."""
        return self.weights + self.gradients + self.optimizer + self.activations + self.overhead

    def memory_gib(self) -> dict[str, float]:
        """Memory per GPU by part, and the total, GiB: the breakdown every report shows."""
        return {"weights": self.weights, "gradients": self.gradients, "optimizer": self.optimizer,
                "activations": self.activations, "overhead": self.overhead, "total": self.total}

    @property
    def fits_each(self) -> Flags:
        """Whether some number of GPUs can hold the run: a bool, or one per value of a range."""
        return self.gpus_needed > 0

    @property
    def fits(self) -> bool:
        """Whether some number of GPUs can hold the run (at every value, for a range)."""
        return all_true(self.fits_each)

    @property
    def sharded(self) -> bool:
        """Whether model states are sharded over GPUs (ZeRO stage 3 / FSDP), at any value of a range."""
        return nonzero(self.gpus_needed > 1)


def model_state_bytes(arch: Architecture, setup: TrainingSetup) -> tuple[float, float, float, int]:
    """Unsharded (weights, gradients, optimizer) bytes and the trainable parameter count."""
    total = model_parameters(arch)
    state = OPTIMIZER_STATE_BYTES[setup.optimizer]
    if setup.method == "full":
        return total * BF16_BYTES, total * BF16_BYTES, total * state, round(total)
    adapters = lora_parameters(arch, setup.lora_rank, setup.lora_targets)
    if setup.method == "lora":
        base = total * BF16_BYTES
    else:  # qlora: linear layers in NF4 with constants, everything else in bf16
        # Scale the computed split when the parameter count is given outright.
        linear = arch.linear_params * (total / computed_parameters(arch))
        base = linear * (NF4_BITS + QLORA_CONSTANT_BITS) / BITS_PER_BYTE + (total - linear) * BF16_BYTES
    return base + adapters * BF16_BYTES, adapters * BF16_BYTES, adapters * state, adapters


def on_gpu(arch: Architecture, setup: TrainingSetup) -> tuple[float, float, float, float]:
    """Unsharded (weights, gradients, optimizer) bytes the GPUs hold, and the bytes kept in host memory.

    Llama 3.1 8B, full, paged 8-bit AdamW with the step in the backward pass: 16.06 GB of bf16 weights on the
    GPU; the gradient of the largest matrix, the 128,256 x 4,096 embedding, 1.05 GB; 6 x 8.03e9 = 48.2 GB of
    states paged to the host.
    """
    weights, gradients, optimizer, _ = model_state_bytes(arch, setup)
    host = 0.0
    if setup.cpu_offload:
        host, gradients, optimizer = gradients + optimizer, 0.0, 0.0
    elif setup.optimizer == "paged_adamw_8bit":
        host, optimizer = optimizer, 0.0
    if setup.optimizer_in_backward and not setup.cpu_offload:
        gradients = min(gradients, largest_trainable_matrix(arch, setup) * BF16_BYTES)
    return weights, gradients, optimizer, host


def largest_trainable_matrix(arch: Architecture, setup: TrainingSetup) -> float:
    """Parameters of the largest matrix that trains: the embedding or an MLP matrix (full); an adapter's pair
    of low-rank matrices (LoRA, QLoRA)."""
    shapes = linear_shapes(arch)
    if setup.method == "full":
        return max(arch.vocab * arch.hidden, *(d_in * d_out for d_in, d_out in shapes.values()))
    return max(setup.lora_rank * (d_in + d_out) for name, (d_in, d_out) in shapes.items()
               if name in setup.lora_targets)


def activation_bytes(arch: Architecture, setup: TrainingSetup) -> float:
    """Activations held for the backward pass, bytes (not sharded over GPUs)."""
    s, b, h, a = setup.seq_len, setup.micro_batch, arch.hidden, arch.heads
    per_layer = s * b * h * ACTIVATION_BYTES_PER_SBH
    if not setup.flash_attention:
        per_layer += ATTENTION_SCORE_BYTES * a * s * s * b
    if setup.gradient_checkpointing:
        layers = arch.layers * s * b * h * CHECKPOINT_BYTES_PER_SBH + per_layer
    else:
        layers = arch.layers * per_layer
    return layers + s * b * arch.vocab * LOGIT_BYTES


def training_memory(arch: Architecture, setup: TrainingSetup, gpu: GpuSpec, overhead_gib: float) -> TrainingMemory:
    """Memory per GPU on ``gpu`` and the fewest GPUs that hold the run, sharding if one is not enough.

    ZeRO paper, figure 1: a 7.5B model's states take 16 x 7.5e9 = 120 GB unsharded, 1.9 GB a GPU
    over 64 GPUs at stage 3.
    """
    trainable = model_state_bytes(arch, setup)[3]
    weights, gradients, optimizer, host = on_gpu(arch, setup)
    states = weights + gradients + optimizer
    activations = activation_bytes(arch, setup)
    capacity = gpu.memory_gib * BYTES_PER_GIB
    overhead = overhead_gib * BYTES_PER_GIB
    room = capacity - activations - overhead

    def result(gpus: int, reason: str) -> TrainingMemory:
        share = vmax(gpus, 1)
        return TrainingMemory(
            weights / share / BYTES_PER_GIB, gradients / share / BYTES_PER_GIB, optimizer / share / BYTES_PER_GIB,
            activations / BYTES_PER_GIB, overhead_gib, gpus, gpu.memory_gib, trainable, model_parameters(arch),
            reason, host / BYTES_PER_GIB,
        )

    no_room = room <= 0
    too_big = (
        f"activations ({activations / BYTES_PER_GIB:.1f} GiB for sequence {setup.seq_len} x "
        f"micro-batch {setup.micro_batch}) and overhead exceed the GPU's {gpu.memory_gib:g} GiB on their own; "
        "turn on gradient checkpointing or shorten the sequence or micro-batch"
    )
    gpus = vmax(1, vceil(states / where(no_room, 1.0, room)))  # no_room values are marked below
    too_many = (gpus > MAX_GPUS) & ~no_room if is_many(no_room) else gpus > MAX_GPUS
    too_many_text = f"model states need more than {MAX_GPUS} GPUs of {gpu.memory_gib:g} GiB"
    if is_many(gpus) or is_many(no_room):
        # Decided value by value: the values that fit are costed, the others marked (0 GPUs).
        fits = ~(np.asarray(no_room) | np.asarray(too_many))
        causes = [text for text, hit in ((too_big, no_room), (too_many_text, too_many)) if nonzero(hit)]
        if not np.all(fits):
            reason = f"does not fit at {1 - fits.mean():.0%} of the range's values: " + "; ".join(causes)
        elif nonzero(gpus > 1):
            reason = "one GPU or more across the range (ZeRO stage 3 / FSDP where needed)"
        else:
            reason = "fits on one GPU"
        return result(where(fits, gpus, 0), reason)
    if no_room:
        return result(0, f"does not fit: {too_big}")
    if too_many:
        return result(0, f"does not fit: {too_many_text}")
    if gpus == 1:
        return result(1, "fits on one GPU")
    return result(gpus, f"model states sharded over {gpus} GPUs (ZeRO stage 3 / FSDP)")
