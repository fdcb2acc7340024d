"""GPU sizing against published figures, each cited, with the issue's tolerances: memory within 20%,
training time within 35%, latency within 30%. Plus the properties every sizing must keep."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.inputs.architecture import Architecture, computed_parameters, lora_parameters
from planner.sizing.compute import FlopsRule, training_time
from planner.sizing.memory import BYTES_PER_GIB, TrainingSetup, activation_bytes, model_state_bytes, training_memory
from planner.sizing.serving import Efficiency, ServingGpu, continuous_batch, kv_bytes_per_token, serving_estimate

MEMORY_TOLERANCE = 0.20
TIME_TOLERANCE = 0.35
LATENCY_TOLERANCE = 0.30
GB = 1e9


@pytest.fixture(scope="module")
def catalogue(bundled):
    return bundled.open_models.models


@pytest.fixture(scope="module")
def gpus(bundled):
    return bundled.hardware.gpus


@pytest.fixture(scope="module")
def assume(bundled):
    return bundled.assumptions


def test_computed_parameters_match_every_model_card(catalogue):
    # Each catalogue entry's published_params_billion is the size its model card states.
    for model_id, model in catalogue.items():
        assert computed_parameters(model) / 1e9 == pytest.approx(model.published_params_billion, rel=0.01), model_id


def test_lora_trains_under_one_percent(catalogue):
    llama = catalogue["llama-3.1-8b"]
    # 32 layers x 16 x (q 4096+4096, k 4096+1024, v 4096+1024, o 4096+4096, gate/up/down 3 x (4096+14336))
    assert lora_parameters(llama, 16) == 32 * 16 * (8192 + 5120 + 5120 + 8192 + 3 * 18432)
    for model_id, model in catalogue.items():  # the field's rule: LoRA trains under 1% of the parameters
        assert lora_parameters(model, 16) / computed_parameters(model) < 0.01, model_id


def test_kv_cache_per_token_with_grouped_query_attention(catalogue):
    # Llama 3.1 8B: 2 x 32 layers x 8 KV heads x 128 x 2 bytes; Llama 2 7B has 32 KV heads, 4x as much.
    assert kv_bytes_per_token(catalogue["llama-3.1-8b"], "bf16") == 131_072
    assert kv_bytes_per_token(catalogue["llama-2-7b"], "bf16") == 4 * 131_072


# -- Memory -------------------------------------------------------------------------------------------
def seven_and_a_half_billion() -> Architecture:
    return Architecture(layers=32, hidden=4096, heads=32, kv_heads=32, intermediate=11008, vocab=32000,
                        params_billion=7.5)


def test_zero_paper_model_states():
    # ZeRO (Rajbhandari et al. 2020), figure 1: a 7.5B model with mixed-precision Adam needs
    # 16 bytes a parameter = 120 GB of model states, and 1.9 GB a GPU at stage 3 over 64 GPUs.
    weights, gradients, optimizer, _ = model_state_bytes(seven_and_a_half_billion(), TrainingSetup("full", 1, 1))
    assert weights + gradients + optimizer == pytest.approx(120 * GB)
    assert (weights + gradients + optimizer) / 64 == pytest.approx(1.9 * GB, rel=0.02)


def test_sharded_states_divide_over_the_gpus(gpus):
    memory = training_memory(seven_and_a_half_billion(), TrainingSetup("full", 512, 1), gpus["a100-40gb"], 1.0)
    # 120 GB = 111.8 GiB of states; room per GPU = 40 GiB - 0.25 activations - 1 overhead = 38.75: 2.9 -> 3
    assert memory.gpus_needed == 3
    states = (memory.weights + memory.gradients + memory.optimizer) * memory.gpus_needed * BYTES_PER_GIB
    assert states == pytest.approx(120 * GB)
    assert memory.total <= 40


def llama_65b() -> Architecture:
    # LLaMA 65B (Touvron et al. 2023, table 2): 80 layers, dimension 8192, 64 heads; FFN 22016, vocab 32000.
    return Architecture(layers=80, hidden=8192, heads=64, kv_heads=64, intermediate=22016, vocab=32000)


def test_qlora_paper_65b_fits_one_48gb_gpu(gpus, assume):
    # QLoRA (Dettmers et al. 2023): finetuning a 65B model drops from >780 GB (16-bit) to <48 GB, so a
    # single 48 GB GPU holds it (r = 64 on all linear layers, paged optimizer, gradient checkpointing).
    full = model_state_bytes(llama_65b(), TrainingSetup("full", 512, 1))
    assert sum(full[:3]) > 780 * GB
    setup = TrainingSetup("qlora", 512, 1, gradient_checkpointing=True, lora_rank=64)
    memory = training_memory(llama_65b(), setup, gpus["l40s"], assume.framework_overhead_gib.value)
    assert memory.gpus_needed == 1
    assert memory.total < 48


def gpt3() -> Architecture:
    # GPT-3 175B (Brown et al. 2020): 96 layers, d_model 12288, 96 heads, FFN 4 x d_model, tied embeddings.
    return Architecture(layers=96, hidden=12288, heads=96, kv_heads=96, intermediate=49152, vocab=50257,
                        gated_mlp=False, tied_embeddings=True)


def test_lora_paper_gpt3_memory(gpus, assume):
    # LoRA (Hu et al. 2021), section 4.2: on GPT-3 175B, LoRA (r = 4 on q and v) cuts training VRAM
    # from 1.2 TB to 350 GB.
    assert computed_parameters(gpt3()) / 1e9 == pytest.approx(175, rel=0.01)
    setup = TrainingSetup("lora", 2048, 1, gradient_checkpointing=True, lora_rank=4, lora_targets=("q", "v"))
    memory = training_memory(gpt3(), setup, gpus["h100-sxm"], assume.framework_overhead_gib.value)
    total_bytes = memory.total * memory.gpus_needed * BYTES_PER_GIB
    assert total_bytes == pytest.approx(350 * GB, rel=MEMORY_TOLERANCE)


# -- Training time --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model_id", "method", "published_tokens_per_second_per_gpu"),
    [
        # NVIDIA NeMo 24.07 performance summary, DGX-H100, FP8, sequence 4096 (NVIDIA/NeMo performance_summary.md)
        ("llama-2-7b", "full", 17_120),
        ("llama-2-7b", "lora", 25_206),
        ("llama-2-13b", "full", 9_256),
        ("llama-2-70b", "full", 1_833),
        ("llama-2-70b", "lora", 2_470),
    ],
)
def test_training_throughput_matches_nemo(catalogue, gpus, assume, model_id, method,
                                          published_tokens_per_second_per_gpu):
    model = catalogue[model_id]
    rule = FlopsRule(assume.full_training_flops_per_param_token.value,
                     assume.adapter_training_flops_per_param_token.value,
                     assume.recompute_flops_per_param_token.value)
    time = training_time(computed_parameters(model), 1e9, rule.per_param_token(method, False), gpus["h100-sxm"], 8,
                         assume.training_hfu.value, "fp8")
    assert time.tokens_per_second_per_gpu == pytest.approx(published_tokens_per_second_per_gpu, rel=TIME_TOLERANCE)


# -- Serving latency ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gpu_id", "batch", "published_ms"),
    [
        # NVIDIA NeMo inference performance, Llama-2-7B, 1 GPU, 128 input and 20 output tokens,
        # average latency (docs.nvidia.com/nemo-framework/user-guide/latest/performance/llama.html)
        ("a100-80gb", 1, 234.0), ("a100-80gb", 2, 249.6), ("a100-80gb", 4, 272.6), ("a100-80gb", 8, 329.5),
        ("h100-sxm", 1, 153.8), ("h100-sxm", 2, 160.8), ("h100-sxm", 4, 174.8), ("h100-sxm", 8, 199.2),
    ],
)
def test_serving_latency_matches_nemo(catalogue, gpus, assume, gpu_id, batch, published_ms):
    gpu = gpus[gpu_id]
    replica = serving_estimate(
        catalogue["llama-2-7b"], ServingGpu(gpu.memory_gib, gpu.bf16_tflops, gpu.bandwidth_gb_per_s), batch, 128, 20,
        "bf16", Efficiency(assume.serving_compute_efficiency.value, assume.serving_bandwidth_efficiency.value),
        assume.framework_overhead_gib.value,
    )
    assert replica.tensor_parallel == 1
    assert replica.request_ms == pytest.approx(published_ms, rel=LATENCY_TOLERANCE)


def test_too_big_for_one_gpu_is_split_tensor_parallel(catalogue, gpus, assume):
    gpu = gpus["h100-sxm"]
    replica = serving_estimate(catalogue["llama-3.1-70b"], ServingGpu(gpu.memory_gib, gpu.bf16_tflops,
                               gpu.bandwidth_gb_per_s), 8, 1000, 200, "bf16", Efficiency(0.5, 0.6), 1.0)
    assert replica.tensor_parallel == 2  # 141 GB of bf16 weights need two 80 GiB GPUs
    assert replica.total_gib <= gpu.memory_gib


def _continuous(catalogue, gpus, assume, model_id, prompt, output, min_gpus=1, tp_efficiency=None, cap=100_000,
                max_ms=1e9):
    gpu = gpus["h100-sxm"]
    serving_gpu = ServingGpu(gpu.memory_gib, gpu.fp8_tflops, gpu.bandwidth_gb_per_s)
    eff = Efficiency(assume.serving_compute_efficiency.value, assume.serving_bandwidth_efficiency.value)
    tpe = assume.tensor_parallel_efficiency.value if tp_efficiency is None else tp_efficiency
    batch, why = continuous_batch(catalogue[model_id], serving_gpu, prompt, output, "fp8", eff,
                                  assume.framework_overhead_gib.value, max_ms, cap, tpe, min_gpus)
    replica = serving_estimate(catalogue[model_id], serving_gpu, batch, prompt, output, "fp8", eff,
                               assume.framework_overhead_gib.value, tpe, min_gpus)
    return batch, why, replica


def test_continuous_batching_fills_the_kv_cache_room(catalogue, gpus, assume):
    # Llama 3.1 8B, bf16 on one H100 (80 GiB, 1 GiB overhead): 79 x 2^30 = 84.83e9 bytes, less 2 x 8.03e9
    # bytes of weights = 68.77e9 bytes of room; a request of 1,100 tokens holds 131,072 x 1,100 = 144.2e6
    # bytes of cache: 476 requests at once.
    gpu = gpus["h100-sxm"]
    arch = catalogue["llama-3.1-8b"]
    room = 79 * BYTES_PER_GIB - 2 * computed_parameters(arch)
    expected = int(room // (131_072 * 1_100))
    batch, why = continuous_batch(arch, ServingGpu(gpu.memory_gib, gpu.bf16_tflops, gpu.bandwidth_gb_per_s), 800,
                                  300, "bf16", Efficiency(0.5, 0.6), 1.0, 1e9, 10_000)
    assert batch == expected == 476
    assert why.startswith("batch 476 set by KV-cache room")
    # A latency target binds first: 50 ms x 3,350 GB/s x 0.6 = 100.5 GB a step, less 16.06 GB of weights,
    # over 131,072 x (800 + 150) bytes read per request = 678; a 30 ms target: (60.3 - 16.06) / 0.1245 = 355
    batch, why = continuous_batch(arch, ServingGpu(gpu.memory_gib, gpu.bf16_tflops, gpu.bandwidth_gb_per_s), 800,
                                  300, "bf16", Efficiency(0.5, 0.6), 1.0, 30, 10_000)
    assert batch == 355 and "latency target" in why
    # and the engine's cap below both
    assert continuous_batch(arch, ServingGpu(gpu.memory_gib, gpu.bf16_tflops, gpu.bandwidth_gb_per_s), 800, 300,
                            "bf16", Efficiency(0.5, 0.6), 1.0, 1e9, 256)[0] == 256


@pytest.mark.parametrize(("prompt", "output", "published"), [
    # NVIDIA TensorRT-LLM performance overview (docs/source/performance/perf-overview.md, v1.0), Llama 3.1 8B
    # FP8 on one H100, maximum throughput, output tokens a second
    (1000, 1000, 15_220), (128, 2048, 22_714), (2048, 2048, 9_305),
])
def test_continuous_batching_throughput_matches_tensorrt_llm_on_one_gpu(catalogue, gpus, assume, prompt, output,
                                                                          published):
    _, _, replica = _continuous(catalogue, gpus, assume, "llama-3.1-8b", prompt, output)
    assert replica.tokens_per_second == pytest.approx(published, rel=LATENCY_TOLERANCE)


@pytest.mark.parametrize(("prompt", "output", "published"), [
    # the same overview, Llama 3.3 70B FP8 on two H100s (TP2); Llama 3.1 70B has the same architecture
    (128, 128, 6_378), (1000, 1000, 4_205), (2048, 2048, 3_082),
])
def test_tensor_parallel_efficiency_against_tensorrt_llm_on_two_gpus(catalogue, gpus, assume, prompt, output,
                                                                      published):
    _, _, replica = _continuous(catalogue, gpus, assume, "llama-3.1-70b", prompt, output, min_gpus=2)
    assert replica.tensor_parallel == 2
    total = replica.tokens_per_second * replica.tensor_parallel
    assert total == pytest.approx(published, rel=0.20)
    # perfect scaling overstates every case
    _, _, perfect = _continuous(catalogue, gpus, assume, "llama-3.1-70b", prompt, output, min_gpus=2,
                                tp_efficiency=1.0)
    assert perfect.tokens_per_second * 2 > published


# -- Properties -----------------------------------------------------------------------------------------
sizes = st.tuples(st.integers(1, 64), st.sampled_from([1024, 2048, 4096, 5120, 8192]), st.integers(1, 64))


def arch_of(layers: int, hidden: int, heads_log: int) -> Architecture:
    heads = 2 ** (heads_log % 6 + 1)
    return Architecture(layers=layers, hidden=hidden, heads=heads, kv_heads=heads, intermediate=hidden * 3,
                        vocab=32000)


def states_and_activations(arch, setup):
    weights, gradients, optimizer, _ = model_state_bytes(arch, setup)
    return weights + gradients + optimizer + activation_bytes(arch, setup)


@settings(max_examples=80, deadline=None)
@given(size=sizes, extra_layers=st.integers(0, 32), seq=st.integers(1, 8192), extra_seq=st.integers(0, 8192),
       batch=st.integers(1, 16), extra_batch=st.integers(0, 16), method=st.sampled_from(["full", "lora", "qlora"]),
       checkpointing=st.booleans())
def test_bigger_never_needs_less_memory(size, extra_layers, seq, extra_seq, batch, extra_batch, method, checkpointing):
    layers, hidden, heads = size
    small = TrainingSetup(method, seq, batch, checkpointing)
    large = TrainingSetup(method, seq + extra_seq, batch + extra_batch, checkpointing)
    base = arch_of(layers, hidden, heads)
    assert states_and_activations(arch_of(layers + extra_layers, hidden, heads), small) >= states_and_activations(
        base, small)
    assert states_and_activations(base, large) >= states_and_activations(base, small)


@settings(max_examples=80, deadline=None)
@given(size=sizes, seq=st.integers(1, 8192), batch=st.integers(1, 16), rank=st.integers(1, 256),
       checkpointing=st.booleans())
def test_qlora_never_more_than_lora_never_more_than_full(size, seq, batch, rank, checkpointing):
    arch = arch_of(*size)
    totals = [states_and_activations(arch, TrainingSetup(m, seq, batch, checkpointing, rank))
              for m in ("qlora", "lora", "full")]
    assert totals[0] <= totals[1] <= totals[2]
