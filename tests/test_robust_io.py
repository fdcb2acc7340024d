"""Safe to host for a whole team: every size the sizing divides by is checked at load, files are read
within bounds (only regular files, a byte-order mark and old line ends understood), and the command
line answers a device, a pipe or a folder with our message, never a hang or a traceback."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import os
import zlib
from pathlib import Path

import pytest
from conftest import FIXTURE_PRICES, REPO, SELF_HOSTED_FIXTURE, WORKED

from planner import PlannerError, ScenarioError, estimate, load_price_book, load_scenario, scenario_from_dict
from planner.cli import main
from planner.inputs.architecture import Architecture
from planner.inputs.files import dump_yaml, read_text
from planner.measure import training_file
from planner.measure.training_file import NotTrainingFile, measure_training_file, split_lines
from planner.outputs.share import decode_scenario
from planner.sizing.serving import Efficiency, ServingGpu, continuous_batch

HEAD_SIZE_ZERO = {"layers": 2, "hidden": 12, "heads": 119, "kv_heads": 119, "intermediate": 10, "vocab": 10}
HEAD_SIZE_MESSAGE = ("hidden (12) / heads (119) gives a head size of 0; heads must be at most hidden "
                     "(or set head_dim)")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _chat(i: int) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": f"Question {i}?"},
                                    {"role": "assistant", "content": f"Answer {i}."}]}).encode()


# -- Architectures: every size the sizing divides by is positive ------------------------------------------
def _self_hosted_with(architecture: dict) -> dict:
    data = copy.deepcopy(WORKED)
    data["approaches"]["fine_tune"] = {**SELF_HOSTED_FIXTURE, "model": "custom", "architecture": architecture}
    return data


def test_a_head_size_of_zero_in_a_scenario_file_names_the_field_and_its_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(dump_yaml(_self_hosted_with(HEAD_SIZE_ZERO)))
    heads_line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.strip().startswith("heads:"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (f"{path}:{heads_line}: approaches.fine_tune.architecture.heads: "
                                 f"{HEAD_SIZE_MESSAGE}, got 119")


def test_a_head_size_of_zero_in_a_shared_link_names_the_field():
    # A link is version "1" + base64url(zlib(JSON)), as planner.outputs.share.encode_scenario writes it.
    packed = zlib.compress(json.dumps(_self_hosted_with(HEAD_SIZE_ZERO)).encode())
    token = "1" + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    with pytest.raises(ScenarioError, match=r"^link: approaches\.fine_tune\.architecture\.heads: hidden \(12\) / "
                                            r"heads \(119\) gives a head size of 0"):
        decode_scenario(token)


def test_the_hybrids_own_architecture_is_checked_the_same_way():
    data = _self_hosted_with({**HEAD_SIZE_ZERO, "heads": 4, "kv_heads": 4})  # 12 / 4 = 3: a fine head size
    data["approaches"]["hybrid"] = {"architecture": HEAD_SIZE_ZERO}
    with pytest.raises(ScenarioError, match=r"approaches\.hybrid\.architecture\.heads: hidden \(12\)"):
        scenario_from_dict(data)


def test_kv_heads_that_do_not_divide_the_heads_are_named_at_kv_heads():
    with pytest.raises(ValueError) as caught:
        Architecture(layers=1, hidden=12, heads=3, kv_heads=2, intermediate=4, vocab=9)
    assert caught.value.errors()[0]["loc"] == ("kv_heads",)
    assert caught.value.errors()[0]["msg"] == "heads (3) must be a multiple of kv_heads (2)"


def test_a_given_head_dim_is_a_head_size_whatever_hidden_and_heads_are():
    arch = Architecture(**{**HEAD_SIZE_ZERO, "head_dim": 4})
    # KV cache per token, bf16: 2 (K and V) x 2 layers x 119 KV heads x 4 x 2 bytes = 3,808 bytes.
    from planner.sizing.serving import kv_bytes_per_token
    assert arch.dim_per_head == 4 and kv_bytes_per_token(arch, "bf16") == 3_808


def test_the_size_command_exits_2_with_our_message_for_a_head_size_of_zero(capsys):
    code, out, err = run(capsys, "size", "--layers", "2", "--hidden", "12", "--heads", "119", "--kv-heads", "119",
                         "--intermediate", "10", "--vocab", "10", "--gpu", "l4", "--method", "lora")
    assert (code, out) == (2, "")
    assert err == f"error: command line: --heads: {HEAD_SIZE_MESSAGE}, got 119\n"


def test_estimating_a_scenario_with_a_head_size_of_zero_exits_2(capsys, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(dump_yaml(_self_hosted_with(HEAD_SIZE_ZERO)))
    code, out, err = run(capsys, "estimate", str(path), "--prices", str(FIXTURE_PRICES))
    assert (code, out) == (2, "")
    assert "approaches.fine_tune.architecture.heads: hidden (12) / heads (119)" in err and "Traceback" not in err


@pytest.mark.parametrize(("flags", "message"), [
    (["--serve", "--batch", "0", "--requests-per-second", "3"], "--batch must be >= 1, got 0"),
    (["--micro-batch", "0"], "--micro-batch must be >= 1, got 0"),
    (["--seq-len", "-1"], "--seq-len must be >= 1, got -1"),
    (["--lora-rank", "0"], "--lora-rank must be >= 1, got 0"),
    (["--serve", "--prompt-tokens", "-5"], "--prompt-tokens must be >= 0, got -5"),
    (["--serve", "--requests-per-second", "nan"], "--requests-per-second must be a finite number, got nan"),
    (["--train-tokens", "1" + "0" * 20], "--train-tokens must be <= 1e+15"),
    (["--params", "0"], "--params: input should be greater than 0, got 0.0"),
    (["--params", "nan"], "--params: input should be a finite number, got nan"),
])
def test_size_numbers_out_of_range_are_refused_with_the_flag_named(capsys, flags, message):
    code, out, err = run(capsys, "size", "--model", "llama-3.1-8b", "--gpu", "l4", *flags)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: command line: {message}")


def test_a_request_of_no_tokens_is_batched_by_the_limits_that_still_apply():
    # 1 B parameters (2e9 bytes in bf16) on a GPU of 100 TFLOPS and 1,000 GB/s at full efficiency.
    # With 0 tokens in and out a request holds no KV cache and reads none: neither memory nor bandwidth
    # limits the batch. Compute does: 0.050 s x 100e12 FLOP/s / (2 x 1e9 FLOPs a token) = 2,500.
    arch = Architecture(layers=2, hidden=64, heads=4, kv_heads=4, intermediate=128, vocab=100, params_billion=1)
    gpu = ServingGpu(memory_gib=80, peak_tflops=100, bandwidth_gb_per_s=1_000)
    batch, why = continuous_batch(arch, gpu, 0, 0, "bf16", Efficiency(1.0, 1.0), 0.0, 50, 10_000)
    assert batch == 2_500
    assert why.startswith("batch 2,500 set by the 50 ms a token latency target (KV-cache room: no limit")
    capped, why = continuous_batch(arch, gpu, 0, 0, "bf16", Efficiency(1.0, 1.0), 0.0, 50, 64)
    assert capped == 64 and "set by the engine's cap" in why


def test_a_self_hosted_plan_for_requests_of_no_tokens_is_estimated(book):
    data = copy.deepcopy(WORKED)
    data["workload"].update(input_tokens=0, output_tokens=0)
    data["approaches"]["fine_tune"] = {**SELF_HOSTED_FIXTURE, "system_prompt_tokens": 0}
    data["approaches"]["hybrid"] = {"retrieved_tokens": 0, "system_prompt_tokens": 0}
    result = estimate(scenario_from_dict(data), book)
    for name in ("fine_tune", "hybrid"):
        assert result.approaches[name].horizon_cost > 0  # GPUs are rented whatever the requests hold


# -- Reading: a byte-order mark, old line ends, bounded reads --------------------------------------------
BOM = b"\xef\xbb\xbf"


def test_a_training_file_with_a_byte_order_mark_counts_every_example():
    data = BOM + b"\n".join(_chat(i) for i in range(3)) + b"\n"
    report = measure_training_file(io.BytesIO(data), "notepad.jsonl")
    assert (report.lines, report.examples, report.problem_count) == (3, 3, 0)
    assert report.digest == hashlib.sha256(data).hexdigest()  # the file as it is, mark and all


def test_a_byte_order_mark_is_dropped_only_at_the_start_of_the_file():
    report = measure_training_file([_chat(1) + b"\n", BOM + _chat(2) + b"\n"], "joined.jsonl")
    assert report.examples == 1 and [str(p)[:18] for p in report.problems] == ["line 2: not JSON ("]


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"], ids=["CR (old Mac)", "CRLF (Windows)", "LF"])
def test_every_line_end_counts_each_line_as_an_example_with_its_number(end):
    data = end.join([_chat(1), _chat(2), b"{broken", _chat(3)]) + end
    report = measure_training_file(io.BytesIO(data), "ends.jsonl")
    assert (report.lines, report.examples) == (4, 3)
    assert [p.line for p in report.problems] == [3]


def test_a_crlf_split_between_two_reads_ends_one_line(monkeypatch):
    # Pieces of 5 bytes: the \r of line 1's end is the 5th byte of its piece and the \n the next's 1st.
    monkeypatch.setattr(training_file, "READ_CHUNK_BYTES", 5)
    data = b'"ab"\r\n{}\r\n\r\n"cd"'
    assert [line.data for line in split_lines([data[:5], data[5:]])] == [b'"ab"', b"{}", b"", b'"cd"']
    report = measure_training_file(io.BytesIO(data), "split.jsonl")
    assert report.lines == 4  # "ab", {}, an empty line, "cd": not 5 or 6
    assert [p.line for p in report.problems] == [1, 2, 4]


def test_a_line_keeps_at_most_its_limit_in_memory_but_reports_its_length():
    lines = list(split_lines([b"x" * 10, b"y" * 10 + b"\nok"], keep=4))
    assert [(line.data, line.length) for line in lines] == [(b"xxxx", 20), (b"ok", 2)]


def test_an_endless_stream_is_read_no_further_than_the_limit_plus_one_byte(monkeypatch):
    monkeypatch.setattr(training_file, "MAX_TRAINING_FILE_BYTES", 1_000)

    class Endless:
        given = 0

        def read(self, size: int) -> bytes:
            piece = (b"{}\n" * (size // 3 + 1))[:size]
            self.given += len(piece)
            return piece

    stream = Endless()
    with pytest.raises(NotTrainingFile, match="more than 1,000 bytes"):
        measure_training_file(stream, "endless.jsonl")
    assert stream.given == 1_001


def test_yaml_with_a_byte_order_mark_reads_as_without(tmp_path):
    scenario = tmp_path / "excel.yaml"
    scenario.write_bytes(BOM + dump_yaml(WORKED).encode())
    assert load_scenario(scenario) == scenario_from_dict(WORKED)
    prices = tmp_path / "prices"
    prices.mkdir()
    for table in FIXTURE_PRICES.glob("*.yaml"):
        (prices / table.name).write_bytes(BOM + table.read_bytes())
    book = load_price_book(prices)
    assert book.problems == () and book.tables == load_price_book(FIXTURE_PRICES).tables
    # A mistake in a marked file is still found on its own line: the mark is not a line.
    (prices / "fx.yaml").write_bytes(BOM + b"rates:\n  GBP: {usd_per_unit: -1, source: s, as_of: 2026-01-01}\n")
    assert [str(p) for p in load_price_book(prices).problems] == [
        "fx.yaml:2: rates.GBP.usd_per_unit: input should be greater than 0, got -1"]


def test_read_text_reads_line_ends_as_text_mode_does_and_refuses_more_than_its_limit(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(BOM + b"a\r\nb\rc\n")
    assert read_text(path, PlannerError) == "a\nb\nc\n"
    with pytest.raises(PlannerError, match=r"^t\.txt: the file is 10 bytes; at most 9 are read$"):
        read_text(path, PlannerError, "t.txt", max_bytes=9)


# -- The command line measures only regular files ----------------------------------------------------------
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("command", ["data", "estimate"])
def test_a_device_is_refused_not_read(capsys, command):
    code, out, err = run(capsys, command, "/dev/zero")
    assert (code, out) == (2, "")
    assert err == "error: /dev/zero: is a device, not a file; nothing was read\n"


@needs_fifo
@pytest.mark.parametrize(("command", "name"), [("data", "pipe.jsonl"), ("estimate", "pipe.yaml"),
                                               ("corpus", "pipe.zip")])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(capsys, tmp_path, command, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    code, out, err = run(capsys, command, str(pipe))
    assert (code, out) == (2, "")
    assert err == f"error: {pipe}: is a pipe, not a file; nothing was read\n"


def test_a_folder_given_as_a_training_file_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "data", str(tmp_path))
    assert code == 2 and err == f"error: {tmp_path}: is a folder, not a file; nothing was read\n"


def test_a_training_file_over_the_limit_is_refused_before_it_is_read(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(training_file, "MAX_TRAINING_FILE_BYTES", 1_000)
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"{}\n" * 500)  # 1,500 bytes
    monkeypatch.setattr(training_file, "measure_training_file", lambda *a, **k: pytest.fail("read"))
    code, _, err = run(capsys, "data", str(path))
    assert code == 2 and err == f"error: {path}: the file is 1,500 bytes; at most 1,000 are read\n"


def test_a_scenario_over_the_yaml_limit_is_refused_before_it_is_read(capsys, tmp_path, monkeypatch):
    from planner.core import limits

    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 100)
    path = tmp_path / "huge.yaml"
    path.write_text(dump_yaml(WORKED))
    size = path.stat().st_size
    code, _, err = run(capsys, "estimate", str(path), "--prices", str(FIXTURE_PRICES))
    # (The price tables are over 100 bytes too: each is left out with a warning before the scenario is read.)
    assert code == 2 and err.splitlines()[-1] == f"error: {path}: the file is {size:,} bytes; at most 100 are read"


def test_the_example_scenarios_still_estimate_from_the_command_line(capsys):
    code, _, err = run(capsys, "estimate", str(REPO / "examples" / "support_assistant.yaml"), "--format", "json")
    assert code == 0, err


def test_a_fifo_named_like_a_wheel_is_refused_not_waited_on(tmp_path):
    import os

    from planner.core.errors import PricingError
    from planner.price_admin.litellm_import import load_price_map

    fifo = tmp_path / "litellm-1.0-py3-none-any.whl"
    os.mkfifo(fifo)
    with pytest.raises(PricingError, match="not a file; nothing was read"):
        load_price_map(fifo)


def test_a_folders_documents_are_read_no_further_than_the_file_limit(tmp_path, monkeypatch):
    from planner.measure import corpus

    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 10)
    (tmp_path / "small.txt").write_text("0123456789")
    (tmp_path / "large.txt").write_text("0123456789a")
    found = dict(corpus.folder_files(tmp_path))
    assert found["small.txt"] == b"0123456789"
    assert found["large.txt"] == corpus.Skipped("11 bytes; at most 10 a file")
