"""Many sessions against one server, without browsers: the server's own answer time under load.

Run: ``python bench/bench_server_sessions.py [--sessions 20] [--updates 20] [--seconds 300] [--timeout 30]
[--think-ms 0] [--scenario bench/ten_options.yaml] [--app-dir PATH]``.

bench/bench_sessions.py drives N headless Chromium pages on the same 2 cores as the server, so what it
times is the pair: each update costs the browsers 0.4-0.6 s of CPU against the server's 0.05 s, and with
N pages typing without pause the machine is saturated by the browsers (p95 about N x that CPU / 2 cores).
In use, each browser runs on its visitor's own machine. This benchmark asks the server alone: N sessions,
each a WebSocket client speaking Streamlit's own protocol (the BackMsg / ForwardMsg protobufs of the
installed Streamlit, as its frontend does), open the app on the scenario (default the ten options of
bench/ten_options.yaml, through its share link ``?s=<token>``) and, at the same time, set "Requests (per
month)" to a new volume (a rerun with that widget's new value, as the frontend sends after an Enter),
over and over. Each update is timed from the message sent to the rerun's ``script_finished``; it counts as
answered when the comparison's grid (the first ``st.dataframe`` of the rerun, its Arrow data read with
pyarrow) holds the first option's first-month cost for the new volume, computed by the checkout's own
planner. Every session sets volumes no other session sets, so no session is served from another's cache.

Printed: updates attempted, p50 / p95 / max answer time, failed updates (timed out, wrong figures, or a
rerun that ended in an exception), the server's CPU per rerun and this client's own CPU (small: it parses
messages, it draws nothing). Target: 20 sessions, p95 under 2 s.

Bounded: ``--seconds`` is a hard deadline for the whole run (updates still open at the deadline are
reported as cut off), ``--timeout`` bounds each update; the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]

import pyarrow.ipc  # noqa: E402
import websockets  # noqa: E402
from bench_round_trip import Deadline, cpu_seconds, load, percentile  # noqa: E402
from bench_sessions import PRICES_ENV, expected_figures  # noqa: E402
from served_app import serve_streamlit  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

TEN_OPTIONS = REPO / "bench" / "ten_options.yaml"
BOX = "Requests (per month)"
FIRST_VOLUME, STEP = 160_000, 1_000  # the scenario has 150,000
P95_TARGET_MS = 2_000
CENT = 0.005  # a figure matches to the cent


@dataclass
class Results:
    answer_ms: list[float] = field(default_factory=list)
    timed_out: int = 0
    wrong: int = 0
    cut_off: int = 0


@dataclass
class Run:
    """What one rerun sent: the first grid's first row, whether the script raised, its size in bytes."""

    first_row: list[object] | None
    exception: bool
    bytes: int


class Session:
    """One Streamlit session over its WebSocket, as the frontend drives it."""

    def __init__(self, ws: websockets.ClientConnection, query: str) -> None:
        self.ws, self.query, self.widget = ws, query, ""

    async def rerun(self, volume: int | None) -> Run:
        """Ask for a rerun (with the requests widget set to ``volume``, if given); read until it finishes."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        if volume is not None:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.int_value = self.widget, volume
        await self.ws.send(msg.SerializeToString())
        first_row, exception, size = None, False, 0
        while True:
            raw = await self.ws.recv()
            size += len(raw)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "script_finished":
                return Run(first_row, exception, size)
            if kind != "delta" or forward.delta.WhichOneof("type") != "new_element":
                continue
            element = forward.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                exception = True
            elif which == "number_input" and element.number_input.label == BOX:
                self.widget = element.number_input.id
            elif which == "dataframe" and first_row is None:
                table = pyarrow.ipc.open_stream(io.BytesIO(element.dataframe.arrow_data.data)).read_all()
                first_row = [column[0].as_py() for column in table.columns] if table.num_rows else []


def holds(row: list[object] | None, want: float) -> bool:
    """Whether the grid's first row holds ``want`` to the cent."""
    return bool(row) and any(isinstance(v, (int, float)) and abs(float(v) - want) < CENT for v in row or [])


async def session_loop(session: Session, volumes: list[int], expected: dict[int, float], results: Results,
                       deadline: Deadline, timeout_s: float, think_s: float) -> None:
    for volume in volumes:
        if deadline.left() <= 0:
            results.cut_off += 1
            continue
        start = time.perf_counter()
        try:
            run = await asyncio.wait_for(session.rerun(volume), timeout=min(timeout_s, max(0.001, deadline.left())))
        except TimeoutError:
            if deadline.left() <= 0:
                results.cut_off += 1
            else:
                results.timed_out += 1
            return  # the session's socket is mid-message: it takes no more updates
        if run.exception or not holds(run.first_row, expected[volume]):
            results.wrong += 1
        else:
            results.answer_ms.append((time.perf_counter() - start) * 1000)
        if think_s:
            await asyncio.sleep(think_s)  # bounded: one pause per update, and the deadline is checked above


async def run(args: argparse.Namespace, deadline: Deadline) -> int:
    volumes = [[FIRST_VOLUME + (s * (args.updates + 1) + u) * STEP for u in range(args.updates + 1)]
               for s in range(args.sessions)]
    query, figures = expected_figures(args.app_dir, [v for vs in volumes for v in vs], deadline, args.scenario)
    expected = {volume: float(figure["canvas"].replace(",", "")) for volume, figure in figures.items()}
    env = {**os.environ, PRICES_ENV: str(args.app_dir / "pricing")}
    with serve_streamlit(args.app_dir, env) as (url, pid):
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        sockets = [await websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("streamlit")],
                                            max_size=None, open_timeout=args.timeout) for _ in volumes]
        try:
            sessions = [Session(ws, query.removeprefix("/?")) for ws in sockets]
            warm_start = time.perf_counter()
            for session, own in zip(sessions, volumes, strict=True):  # warm-up, one session at a time
                first = await asyncio.wait_for(session.rerun(None), timeout=args.timeout)
                if first.exception or not session.widget:
                    raise SystemExit("the app's first run failed, or has no 'Requests (per month)' input")
                await asyncio.wait_for(session.rerun(own[0]), timeout=args.timeout)
            warm_s = time.perf_counter() - warm_start
            results = Results()
            cpu_before, client_before, start = cpu_seconds(pid), time.process_time(), time.perf_counter()
            await asyncio.gather(*(session_loop(session, own[1:], expected, results, deadline, args.timeout,
                                                args.think_ms / 1000) for session, own in zip(sessions, volumes,
                                                                                              strict=True)))
            elapsed, cpu = time.perf_counter() - start, cpu_seconds(pid) - cpu_before
            client_cpu = time.process_time() - client_before
        finally:
            for ws in sockets:
                await ws.close()
    attempted = len(results.answer_ms) + results.timed_out + results.wrong
    print(f"sessions: {args.sessions} WebSocket clients (no browser) against one server, {args.app_dir / 'app.py'}, "
          f"on {args.scenario} (share link)")
    print(f"machine: {os.cpu_count()} cores; think time {args.think_ms} ms; load average {load()}")
    print(f"warm-up (not measured): a first run and one change per session, one session at a time, {warm_s:.1f} s")
    print(f"updates attempted: {attempted} ({args.updates} per session planned; {results.cut_off} cut off at the "
          f"deadline) in {elapsed:.1f} s, {attempted / elapsed:.1f} updates/s")
    if results.answer_ms:
        answers = results.answer_ms
        p95 = percentile(answers, 95)
        print(f"answered (rerun finished, comparison holds the new figure): p50 {percentile(answers, 50):,.0f} ms, "
              f"p95 {p95:,.0f} ms, max {max(answers):,.0f} ms")
    print(f"failed updates: {results.timed_out + results.wrong} ({results.timed_out} timed out after "
          f"{args.timeout:g} s, {results.wrong} wrong figures or an exception)")
    print(f"server CPU per rerun: {cpu / max(attempted, 1) * 1000:.0f} ms ({cpu:.2f} s user+sys over {attempted} "
          f"reruns; the server busy {cpu / elapsed:.0%} of one core); this client: {client_cpu:.2f} s CPU")
    if results.answer_ms:
        verdict = "meets" if p95 < P95_TARGET_MS else "misses"
        print(f"p95 {p95:,.0f} ms with {args.sessions} sessions: {verdict} the {P95_TARGET_MS:,} ms target")
    return 0 if attempted and not (results.timed_out or results.wrong) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=20, help="sessions at once (default 20)")
    parser.add_argument("--updates", type=int, default=20, help="measured changes per session (default 20)")
    parser.add_argument("--seconds", type=float, default=300, help="hard deadline for the whole run (default 300)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds allowed per update (default 30)")
    parser.add_argument("--think-ms", type=int, default=0, help="pause after each update (default 0)")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout whose app.py to serve (default this one)")
    parser.add_argument("--scenario", type=Path, default=TEN_OPTIONS,
                        help="open the app on this scenario (YAML) through its share link (default: ten options)")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.updates < 1:
        parser.error("--sessions and --updates must be at least 1")
    deadline = Deadline(args.seconds)
    return asyncio.run(asyncio.wait_for(run(args, deadline), timeout=args.seconds + 30))


if __name__ == "__main__":
    sys.exit(main())
