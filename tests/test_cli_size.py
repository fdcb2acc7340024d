"""``python -m planner size``: the questions the GPU-sizing issue starts from, answered with sources."""

from __future__ import annotations

import json

import pytest

from planner.cli import main

LLAMA_8B_PARAMS = 8_030_261_248  # computed from its architecture; the model card says 8.03B
GIB = 2**30


def size(capsys, *args: str) -> tuple[int, dict | str, str]:
    code = main(["size", *args])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except json.JSONDecodeError:
        return code, out, err


def test_can_we_fully_fine_tune_llama_8b_on_one_a100(capsys):
    code, report, _ = size(capsys, "--model", "llama-3.1-8b", "--method", "full", "--gpu", "a100-80gb",
                           "--seq-len", "2048", "--micro-batch", "1", "--gradient-checkpointing", "--format", "json")
    assert code == 0
    # No: 16 bytes x 8.03e9 = 119.7 GiB of model states alone; sharded over two, 59.8 GiB each.
    assert report["gpus_needed"] == 2
    memory = report["memory_gib"]
    assert memory["weights"] + memory["gradients"] + memory["optimizer"] == pytest.approx(
        16 * LLAMA_8B_PARAMS / GIB / 2)
    assert memory["total"] == pytest.approx(sum(v for k, v in memory.items() if k != "total"))
    assert memory["total"] <= 80
    assert any(source.startswith("gpu: NVIDIA A100 datasheet") for source in report["sources"])


def test_how_many_h100_hours_is_one_lora_run(capsys):
    # 2,000 examples x 600 tokens = 1.2 M tokens; LoRA without checkpointing: 4 x 8.03e9 x 1.2e6
    # = 3.85e16 FLOPs / (989e12 x 0.4, the BF16 utilisation) = 97.4 s, plus 1 h overhead, on one H100 at $3.99 an
    # hour.
    code, report, _ = size(capsys, "--model", "llama-3.1-8b", "--method", "lora", "--gpu", "runpod/h100-sxm-secure",
                           "--seq-len", "600", "--micro-batch", "4", "--train-tokens", "1200000", "--format", "json")
    assert code == 0
    compute_hours = 4 * LLAMA_8B_PARAMS * 1.2e6 / (989e12 * 0.4) / 3600
    assert report["training_hours"] == pytest.approx(compute_hours)
    assert report["gpu_hours"] == pytest.approx(compute_hours + 1)
    assert report["cost"]["amount"] == pytest.approx((compute_hours + 1) * 3.99)
    assert report["cost"]["price_key"] == "runpod.gpu_instances.h100-sxm-secure.per_hour"


def test_how_many_gpus_to_serve_20_requests_a_second(capsys):
    code, report, _ = size(capsys, "--serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "16",
                           "--prompt-tokens", "800", "--output-tokens", "300", "--requests-per-second", "20",
                           "--format", "json")
    assert code == 0
    for key in ("prefill_ms", "decode_ms_per_token", "tokens_per_second", "gpus_needed"):
        assert key in report
    # Each replica completes requests_per_second and is planned at 70% of it.
    assert report["replicas_needed"] == -(-20 // (report["requests_per_second"] * 0.7))
    assert report["gpus_for_peak"] == report["replicas_needed"] * report["gpus_needed"]


def test_architecture_flags_instead_of_a_model(capsys):
    code, report, _ = size(capsys, "--layers", "32", "--hidden", "4096", "--heads", "32", "--kv-heads", "8",
                           "--intermediate", "14336", "--vocab", "128256", "--gpu", "l4", "--method", "qlora",
                           "--format", "json")
    assert code == 0
    assert report["params"] == LLAMA_8B_PARAMS


def test_does_not_fit_is_an_answer_not_an_error(capsys):
    code, report, _ = size(capsys, "--model", "llama-3.1-405b", "--method", "full", "--gpu", "t4",
                           "--seq-len", "8192", "--micro-batch", "8", "--format", "json")
    assert code == 1
    assert report["fits"] is False and report["gpus_needed"] == 0
    assert report["reason"].startswith("does not fit: activations")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "llama-3.1-8b", "--layers", "3", "--gpu", "t4"], "give --model or the architecture flags"),
        (["--layers", "3", "--gpu", "t4"], "missing --hidden --heads --intermediate --vocab"),
        (["--model", "llama-9", "--gpu", "t4"], "no open model 'llama-9'"),
        (["--model", "llama-3.1-8b", "--gpu", "b9000"], "no GPU 'b9000' in pricing/hardware.yaml (GPU ids: h100-sxm"),
        (["--model", "llama-3.1-8b", "--gpu", "a100-80gb", "--precision", "fp8"], "has no FP8 tensor throughput"),
        (["--layers", "3", "--hidden", "10", "--heads", "3", "--kv-heads", "2", "--intermediate", "4", "--vocab", "9",
          "--gpu", "t4"], "heads (3) must be a multiple of kv_heads (2)"),
    ],
)
def test_bad_size_requests_are_messages(capsys, args, message):
    code, out, err = size(capsys, *args)
    assert code == 2 and out == ""
    assert message in err


def test_the_optimizers_torchtune_uses_fit_a_full_fine_tune_of_an_8b_model_on_one_24gb_gpu(capsys):
    # torchtune (README, 2024-09): Llama 3.1 8B full fine-tune on one RTX 4090 with paged 8-bit AdamW and the step
    # in the backward pass; plain AdamW needs 16 bytes a parameter, 128 GB, over several GPUs.
    args = ["--model", "llama-3.1-8b", "--gpu", "rtx-4090", "--method", "full", "--micro-batch", "2",
            "--gradient-checkpointing", "--format", "json"]
    code, plain, _ = size(capsys, *args)
    assert code == 0 and plain["gpus_needed"] > 1
    code, fused, _ = size(capsys, *args, "--optimizer", "paged_adamw_8bit", "--optimizer-in-backward")
    assert code == 0 and fused["gpus_needed"] == 1
    # the states wait in host memory: 6 bytes (fp32 master copy, two 8-bit moments) x 8.03e9 parameters
    assert fused["host_memory_gib"] == pytest.approx(6 * LLAMA_8B_PARAMS / 2**30)
