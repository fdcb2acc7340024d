"""Where the server's time goes on one input change: the app's script profiled, without a server.

Run: ``python bench/profile_rerun.py [--changes 20] [--top 25] [--scenario bench/ten_options.yaml]
[--app-dir PATH] [--out FILE.prof]``.

Opens the app of ``--app-dir`` (default this checkout) in ``streamlit.testing.v1.AppTest`` on the
scenario (default the 10 options of bench/ten_options.yaml) through its share link (``?s=<token>``,
as a browser would), then changes "Requests (per month)" (widget ``in:workload.requests_per_month``)
``--changes`` times, one rerun each, twice over:

1. timed, not profiled: per rerun, the script thread's wall and CPU time (``time.thread_time``), the
   time in each of a few parts (SECTIONS: the planner's ``estimate()``, the options panel, the comparison,
   the charts, the sidebar's inputs, ...; each function wrapped), so the planner's share of a rerun is
   known without the profiler's overhead, and the size of the messages the rerun sends to the browser,
   by element. AppTest's own work (parsing the messages into its element tree) runs in the caller's
   thread and is left out; the real server instead sends the messages over its websocket, which this
   leaves out too (bench/bench_round_trip.py measures the whole server's CPU). AppTest also skips the
   full garbage collection the server runs after every rerun (``runner.postScriptGC``, on by default),
   so its cost in this process (the same modules loaded) is timed and printed apart.
2. profiled: the script thread under cProfile (AppTest runs the script in a thread of its own, so the
   profiler is switched on inside it). Printed: the top ``--top`` functions by cumulative time within the
   app (app.py, ui/, planner/), the Streamlit element and widget calls (streamlit/elements/) by cumulative
   time, and the top functions anywhere by own time. Times are per rerun, and inflated by cProfile.

Warm-up (not counted): the first run and two changes. Bounded: ``--changes`` reruns per pass, each
with AppTest's timeout. The price tables are the checkout's bundled ones (LLM_PLANNER_PRICES is unset).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TEN_OPTIONS = REPO / "bench" / "ten_options.yaml"
REQUESTS = "in:workload.requests_per_month"
FIRST_VOLUME, STEP = 160_000, 1_000
WARM_UP = 2
RUN_TIMEOUT_S = 60


# Parts of a rerun timed without the profiler: label -> the functions' (module, name), the first one found
# wrapped and set under every name (the app imports them by name on each rerun, so it calls the wrapper).
# Nested calls of a part count once; a name the checkout lacks is left out.
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "planner estimate()": [("planner.costs.estimator", "estimate"), ("planner", "estimate")],
    "scenario from inputs": [("ui.inputs", "scenario_data")],
    "scenario_from_dict": [("planner.inputs.scenario", "scenario_from_dict"), ("planner", "scenario_from_dict")],
    "share link (encode)": [("planner.outputs.share", "encode_scenario")],
    "options panel": [("ui.options_view", "render_options")],
    "comparison": [("ui.views", "render_comparison")],
    "charts view": [("ui.views", "render_charts")],
    "sidebar inputs": [("ui.inputs", "render_inputs")],
}
SCRIPT_THREAD = "ScriptRunner.scriptThread"


@dataclass
class Reruns:
    """What the script thread did in each rerun of the current pass."""
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sections: list[dict[str, tuple[int, float]]] = field(default_factory=list)  # label -> (calls, ms)
    sent: list[dict[str, tuple[int, int]]] = field(default_factory=list)  # per rerun: element -> (count, bytes)
    profiler: cProfile.Profile | None = None
    current: dict[str, tuple[int, float]] = field(default_factory=dict)  # this rerun's sections
    depth: dict[str, int] = field(default_factory=dict)

    def reset(self, profiler: cProfile.Profile | None = None) -> None:
        self.wall_ms, self.cpu_ms, self.sections, self.sent = [], [], [], []
        self.profiler = profiler

    def section_ms(self, label: str) -> list[float]:
        return [rerun.get(label, (0, 0.0))[1] for rerun in self.sections]


RERUNS = Reruns()


def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, adding its time in the script thread to this rerun's ``label`` (outermost calls only)."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name != SCRIPT_THREAD:
            return function(*args, **kwargs)
        RERUNS.depth[label] = RERUNS.depth.get(label, 0) + 1
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            RERUNS.depth[label] -= 1
            if RERUNS.depth[label] == 0:
                calls, ms = RERUNS.current.get(label, (0, 0.0))
                RERUNS.current[label] = (calls + 1, ms + (time.perf_counter() - start) * 1000)
    return wrapper


def instrument() -> None:
    """Time each script run in its own thread (and profile it when a profiler is set), and the SECTIONS."""
    import importlib

    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import local_script_runner
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    # AppTest gives every run a new, empty ScriptCache, so it rewrites (magic) and compiles app.py on every
    # rerun; the server compiles it once. One cache for all runs, as the server has (this also keeps the
    # script's code objects the same from run to run, which cProfile needs to add up its runs).
    compiled: dict[str, Any] = {}
    get_bytecode = ScriptCache.get_bytecode

    def cached_bytecode(self, script_path: str) -> Any:
        key = os.path.abspath(script_path)
        if key not in compiled:
            compiled[key] = get_bytecode(self, script_path)
        return compiled[key]

    script_thread = LocalScriptRunner._run_script_thread

    def timed_thread(self) -> None:
        RERUNS.current, RERUNS.depth = {}, {}
        profiler = RERUNS.profiler
        wall, cpu = time.perf_counter(), time.thread_time()
        if profiler is not None:
            profiler.enable()
        try:
            script_thread(self)
        finally:
            if profiler is not None:
                profiler.disable()
            RERUNS.wall_ms.append((time.perf_counter() - wall) * 1000)
            RERUNS.cpu_ms.append((time.thread_time() - cpu) * 1000)
            RERUNS.sections.append(RERUNS.current)

    for label, names in SECTIONS.items():
        found = [(importlib.import_module(module), name) for module, name in names]
        found = [(module, name) for module, name in found if callable(getattr(module, name, None))]
        if found:
            wrapper = timed(label, getattr(*found[0]))
            for module, name in found:
                setattr(module, name, wrapper)

    parse_tree = local_script_runner.parse_tree_from_messages

    def measured_parse(messages: list) -> Any:
        """Count the messages a rerun sends to the browser, by element (the same protobufs the server sends)."""
        sent: dict[str, tuple[int, int]] = {}
        for message in messages:
            kind = message.WhichOneof("type")
            if kind == "delta":
                delta = message.delta
                kind = delta.WhichOneof("type")
                if kind == "new_element":
                    kind = delta.new_element.WhichOneof("type")
            count, size = sent.get(kind, (0, 0))
            sent[kind] = (count + 1, size + message.ByteSize())
        RERUNS.sent.append(sent)
        return parse_tree(messages)

    ScriptCache.get_bytecode = cached_bytecode
    local_script_runner.parse_tree_from_messages = measured_parse
    LocalScriptRunner._run_script_thread = timed_thread


def percentile(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms  p95 {percentile(values, 95):7.1f} ms"


def change(app, volume: int) -> None:
    app.number_input(key=REQUESTS).set_value(volume).run(timeout=RUN_TIMEOUT_S)
    if app.exception:
        raise SystemExit(f"the app failed at {volume:,} requests: {[e.value for e in app.exception]}")


def entries(stats: pstats.Stats, keep: Callable[[str], bool]) -> list[tuple[tuple, tuple]]:
    """(function, (calls, primitive calls, own time, cumulative time, callers)) for the kept files, by
    cumulative time."""
    found = [(func, row) for func, row in stats.stats.items() if keep(func[0])]  # type: ignore[attr-defined]
    return sorted(found, key=lambda item: -item[1][3])


def where(func: tuple, roots: list[tuple[Path, str]]) -> str:
    filename, line, name = func
    for root, prefix in roots:
        with_slash = str(root) + os.sep
        if filename.startswith(with_slash):
            return f"{prefix}{filename[len(with_slash):]}:{line}({name})"
    return f"{filename}:{line}({name})" if line else name


def print_table(title: str, rows: list[tuple[tuple, tuple]], reruns: int, roots: list[tuple[Path, str]]) -> None:
    print(f"\n{title}")
    print(f"{'cum ms/rerun':>12} {'own ms/rerun':>12} {'calls/rerun':>11}  function")
    for func, (_, calls, own, cumulative, _) in rows:
        print(f"{cumulative / reruns * 1000:12.1f} {own / reruns * 1000:12.1f} {calls / reruns:11.1f}  "
              f"{where(func, roots)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="reruns per pass (default 20)")
    parser.add_argument("--top", type=int, default=25, help="rows of the app's profile (default 25)")
    parser.add_argument("--scenario", type=Path, default=TEN_OPTIONS, help="scenario the app opens (default "
                        "bench/ten_options.yaml)")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout whose app.py to run (default this one)")
    parser.add_argument("--out", type=Path, help="also save the profile here (for snakeviz, pstats)")
    args = parser.parse_args(argv)
    if args.changes < 1:
        parser.error("--changes must be at least 1")
    app_dir = args.app_dir.resolve()
    if not (app_dir / "app.py").is_file():
        raise SystemExit(f"no app.py in {app_dir}")
    os.environ.pop("LLM_PLANNER_PRICES", None)
    sys.path.insert(0, str(app_dir))  # the checkout's planner and ui, as its app.py imports them

    from streamlit.testing.v1 import AppTest

    from planner import load_scenario
    from planner.outputs.share import encode_scenario

    scenario = load_scenario(args.scenario)
    app = AppTest.from_file(str(app_dir / "app.py"), default_timeout=RUN_TIMEOUT_S)
    app.query_params["s"] = encode_scenario(scenario)
    started = time.perf_counter()
    app.run()
    if app.exception or app.error:
        raise SystemExit(f"the app did not open the scenario: {[e.value for e in [*app.exception, *app.error]]}")
    instrument()  # after the first run, which imports the app's modules inside AppTest's runtime
    print(f"app: {app_dir / 'app.py'} on {args.scenario} ({len(scenario.options)} options), AppTest; "
          f"first run {(time.perf_counter() - started) * 1000:.0f} ms; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    volumes = iter(range(FIRST_VOLUME, FIRST_VOLUME + STEP * (WARM_UP + 2 * args.changes), STEP))
    for _ in range(WARM_UP):
        change(app, next(volumes))

    RERUNS.reset()
    for _ in range(args.changes):
        change(app, next(volumes))
    wall, cpu = RERUNS.wall_ms, RERUNS.cpu_ms
    print(f"\n{args.changes} reruns, not profiled (the script thread only; AppTest's parsing left out):")
    print(f"  script wall            {spread(wall)}")
    print(f"  script thread CPU      {spread(cpu)}")
    print("  of which (wall, the outermost calls of each part; parts may hold others, e.g. the options panel and")
    print("  the sidebar's inputs draw widgets, and the scenario from inputs calls scenario_from_dict):")
    for label in SECTIONS:
        times = RERUNS.section_ms(label)
        calls = statistics.median(rerun.get(label, (0, 0.0))[0] for rerun in RERUNS.sections)
        share = sum(times) / sum(wall)
        print(f"    {label:22s} {spread(times)}  {share:6.1%}  ({calls:.0f} call(s) per rerun)")
    print(f"  planner share          {sum(RERUNS.section_ms('planner estimate()')) / sum(wall):.1%} of the script's "
          f"wall time in estimate(); the rest is the app's other code and Streamlit's")
    kinds = sorted({kind for sent in RERUNS.sent for kind in sent},
                   key=lambda kind: -sum(sent.get(kind, (0, 0))[1] for sent in RERUNS.sent))
    total = statistics.median(sum(size for _, size in sent.values()) for sent in RERUNS.sent)
    print(f"  sent to the browser    median {total / 1000:,.0f} kB per rerun (serialized protobuf messages); "
          "by element:")
    for kind in kinds[:12]:
        count = statistics.median(sent.get(kind, (0, 0))[0] for sent in RERUNS.sent)
        size = statistics.median(sent.get(kind, (0, 0))[1] for sent in RERUNS.sent)
        print(f"    {kind:24s} {count:4.0f} x  {size / 1000:8.1f} kB")
    print(f"  session state          {len(app._session_state.filtered_state)} keys (Streamlit copies them on each "
          f"number_input and selectbox)")
    collections = []
    for _ in range(5):
        start = time.perf_counter()
        gc.collect(2)
        collections.append((time.perf_counter() - start) * 1000)
    print(f"  gc.collect(2)          median {statistics.median(collections):7.1f} ms: what the server adds after "
          f"every rerun with runner.postScriptGC on (its default; AppTest skips it), "
          f"{len(gc.get_objects()):,} objects tracked")

    profiler = cProfile.Profile()
    RERUNS.reset(profiler)
    for _ in range(args.changes):
        change(app, next(volumes))
    print(f"\n{args.changes} reruns under cProfile: script wall {spread(RERUNS.wall_ms)} (inflated by the profiler)")
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(str(args.out))
    site = Path(sys.modules["streamlit"].__file__).resolve().parent
    roots = [(app_dir, ""), (site, "streamlit/"), (Path(os.__file__).resolve().parent, "")]

    def in_app(filename: str) -> bool:
        return filename == str(app_dir / "app.py") or any(
            filename.startswith(str(app_dir / part) + os.sep) for part in ("ui", "planner"))

    print_table(f"Top {args.top} by cumulative time within app.py, ui/ and planner/:",
                entries(stats, in_app)[:args.top], args.changes, roots)
    print_table("Streamlit elements and widgets (streamlit/elements/), top 20 by cumulative time:",
                entries(stats, lambda f: f.startswith(str(site / "elements") + os.sep))[:20], args.changes, roots)
    everything = sorted(stats.stats.items(), key=lambda item: -item[1][2])  # type: ignore[attr-defined]
    print_table("Top 15 anywhere by own time:", everything[:15], args.changes, roots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
