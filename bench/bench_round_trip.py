"""The app's round trip after one input change, side by side with a one-input Streamlit page.

Run: ``python bench/bench_round_trip.py [--rounds 20] [--warm-up 3] [--seconds 300] [--app-dir PATH]
[--scenario bench/ten_options.yaml] [--view NAME] [--streamlit-option runner.postScriptGC=false ...]``.

Serves two pages, each with ``streamlit run`` on a free 127.0.0.1 port (tests/served_app.py's
``serve_streamlit``: headless, no file watcher): (1) the app of ``--app-dir`` (default this checkout),
opened on the scenario (default the 10 options of bench/ten_options.yaml) through its share link
``?s=<token>``, and (2) a minimal page written to a temporary directory: one ``st.number_input``
labelled like the app's and one ``st.dataframe`` showing a value derived from it. One headless Debian
Chromium opens both (a context each) and, alternately, types a new "Requests (per month)" into each
and presses Enter. Each change is timed inside the page, from the Enter's keydown (capture phase) to:

- rerun started: Streamlit's script state (``data-test-script-state`` on stApp) turns "running";
- rerun finished: the script state is back to "notRunning" (stamped by a MutationObserver when it
  changes, then confirmed with served_app's SETTLED_JS: connected, nothing stale, no skeleton). A rerun
  so short that the page never showed "running" is timed when the poll (each animation frame) finds the
  page settled with the figure drawn; the report counts such rounds;
- drawn: the grid draws the expected figure (a wrapper of the canvas's ``fillText`` stamps it: the grid
  draws on a canvas, and its screen-reader table follows only after a 200 ms debounce). For the app,
  the first option's new first-month cost, computed with the checkout's own planner; for the minimal
  page, its derived value;
- round trip: the later of "rerun finished" and "drawn".

Medians and p95 of each, and the ratio app / minimal (target: at most 1.5; the exit status is 0 whether
or not the targets are met, 1 if the run failed). The servers' CPU time
(user + sys from /proc/<pid>/stat, 10 ms ticks) is read before each change and once the server is idle
again after it (Streamlit garbage-collects after the page says "notRunning"): the app's server CPU per
input change (target: at most 100 ms with 10 options) and the minimal page's. Before each change both
servers are let go idle and both pages are idle (``requestIdleCallback``), so one page's trailing work
(the server's collection, Chromium drawing the app's charts) does not land in the other's time.

``--view NAME`` opens the app on another of its views (``&view=NAME`` in the link; default: the app's
first view, Charts), to weigh what the view costs on every change.
``--streamlit-option KEY=VALUE`` (repeatable) sets a Streamlit option on both servers through its
environment variable (``runner.postScriptGC=false`` is ``STREAMLIT_RUNNER_POST_SCRIPT_GC=false``), to
weigh a configuration change side by side; the app's own .streamlit/config.toml applies as usual.

Bounded: warm-up and measured rounds are counted, every wait has ``--timeout``, and ``--seconds`` is a
deadline for the whole run. Run nothing else heavy meanwhile: the machine has 2 cores, and Chromium
shares them with the servers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests")]

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from served_app import SETTLED_JS, launch, serve_streamlit  # noqa: E402

TEN_OPTIONS = REPO / "bench" / "ten_options.yaml"
BOX = "Requests (per month)"
VIEWPORT = {"width": 1600, "height": 1000}
PRICES_ENV = "LLM_PLANNER_PRICES"  # the app serves the checkout's bundled tables, as the expected figures use
FIRST_VOLUME, STEP = 160_000, 1_000  # the scenario has 150,000
RATIO_TARGET = 1.5
CPU_TARGET_MS = 100
PER_REQUEST = 0.02  # the minimal page's derived value: requests x this
IDLE_S = 0.12  # a server is idle once its CPU clock (10 ms ticks) has not moved for this long
IDLE_PAGE_JS = "() => new Promise(done => requestIdleCallback(() => done(), {timeout: 2000}))"

MINIMAL_PAGE = f'''"""The benchmark's minimal page: one number input and a dataframe of a value derived from it."""
import pandas as pd
import streamlit as st

requests = st.number_input({BOX!r}, min_value=0, max_value=10**9, value=150_000, step=10_000)
st.dataframe(pd.DataFrame({{"Item": ["Cost"], "Value": [requests * {PER_REQUEST!r}]}}), hide_index=True,
             column_config={{"Value": st.column_config.NumberColumn(format="%,.2f")}})
'''

# Before any page script: stamp the Enter's keydown, each change of the script state, and the first
# drawing of the text the round waits for (window.__bench.want) on any canvas.
STAMPS_JS = """
window.__bench = {want: null, enter: null, drawn: null, states: []};
window.addEventListener('keydown', e => {
  if (e.key === 'Enter' && window.__bench.want !== null && window.__bench.enter === null)
    window.__bench.enter = performance.now();
}, true);
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  const b = window.__bench;
  if (b.enter !== null && b.drawn === null && String(text) === b.want) b.drawn = performance.now() - b.enter;
  return fillText.call(this, text, ...rest);
};
const finder = new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return;
  finder.disconnect();
  new MutationObserver(() => {
    const b = window.__bench;
    if (b.enter !== null) b.states.push([performance.now() - b.enter, app.dataset.testScriptState]);
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
});
finder.observe(document, {childList: true, subtree: true});
"""
ARM_JS = "want => { window.__bench = {...window.__bench, want, enter: null, drawn: null, states: []}; }"
# Truthy once the round is over: the figure drawn, the rerun seen running (or the figure drawn) and the
# page settled again. Then: {started, finished, drawn, polled} in ms since the keydown.
DONE_JS = f"""() => {{
  const b = window.__bench;
  if (b.enter === null || b.drawn === null || !({SETTLED_JS})()) return false;
  const ran = b.states.findIndex(s => s[0] >= 0 && s[1] === 'running');
  const back = ran < 0 ? -1 : b.states.findIndex((s, i) => i > ran && s[1] === 'notRunning');
  const polled = performance.now() - b.enter;
  return {{started: ran < 0 ? null : b.states[ran][0], finished: back < 0 ? polled : b.states[back][0],
           exact: back >= 0, drawn: b.drawn, polled}};
}}"""

# The scenario's share token and the first option's first-month cost per volume, from the target
# checkout's own planner (its share format and figures may differ from this one's).
EXPECTED_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from planner import estimate, load_price_book, load_scenario, scenario_from_dict
from planner.outputs.share import encode_scenario
scenario, book = load_scenario(sys.argv[2]), load_price_book()
data = scenario.model_dump(mode="json")
costs = {}
for volume in json.load(sys.stdin):
    data["workload"]["requests_per_month"] = volume
    first = next(iter(estimate(scenario_from_dict(data), book).approaches.values()))
    costs[str(volume)] = first.monthly_cost
print(json.dumps({"token": encode_scenario(scenario), "options": len(scenario.options), "costs": costs}))
"""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def ms(self, cap_s: float) -> float:
        """A Playwright timeout: ``cap_s`` seconds, or what is left, at least 1 ms."""
        return max(1.0, min(cap_s, self.left()) * 1000)


@dataclass
class Side:
    """One page's measured rounds."""
    name: str
    started: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    drawn: list[float] = field(default_factory=list)
    round_trip: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    inexact: int = 0  # rounds whose "running" state was never on the page (the settled poll's time is used)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads, live and ended), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; fields[0] is the state (field 3)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quiesce(pids: list[int], deadline: Deadline, cap_s: float = 3.0) -> None:
    """Wait until none of ``pids`` has used CPU for IDLE_S (their clock ticks unchanged), at most ``cap_s``."""
    end = time.monotonic() + min(cap_s, max(0.0, deadline.left()))
    last, still_since = [cpu_seconds(pid) for pid in pids], time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.02)  # between reads of /proc, bounded by ``end``
        now = [cpu_seconds(pid) for pid in pids]
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= IDLE_S:
            return


def streamlit_env(options: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` Streamlit options as their environment variables (STREAMLIT_RUNNER_POST_SCRIPT_GC, ...)."""
    env = {}
    for option in options:
        key, _, value = option.partition("=")
        if not key or not value:
            raise SystemExit(f"--streamlit-option {option!r}: expected KEY=VALUE, e.g. runner.postScriptGC=false")
        snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", key.replace(".", "_")))
        env[f"STREAMLIT_{snake.upper()}"] = value
    return env


def percentile(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def expected(app_dir: Path, scenario: Path, volumes: list[int], timeout_s: float) -> dict:
    done = subprocess.run([sys.executable, "-c", EXPECTED_SCRIPT, str(app_dir), str(scenario)],
                          input=json.dumps(volumes), capture_output=True, text=True, cwd=app_dir, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"computing the expected figures failed:\n{done.stderr}")
    return json.loads(done.stdout)


def open_page(browser, url: str, deadline: Deadline, timeout_s: float):
    """A page in a context of its own, loaded and settled."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(STAMPS_JS)
    page = context.new_page()
    page.goto(url, timeout=deadline.ms(timeout_s * 3))
    box = page.get_by_role("spinbutton", name=BOX, exact=True)
    box.wait_for(timeout=deadline.ms(timeout_s * 3))
    page.wait_for_function(SETTLED_JS, timeout=deadline.ms(timeout_s * 3))
    return page, box


def change(page, box, volume: int, want: str, pid: int, deadline: Deadline, timeout_s: float) -> dict:
    """Type ``volume``, press Enter, wait until ``want`` is drawn and the page is settled; the stamps, and the
    server's CPU ms over the change (until the server is idle again)."""
    page.evaluate(ARM_JS, want)
    box.fill(str(volume), timeout=deadline.ms(timeout_s))
    before = cpu_seconds(pid)
    box.press("Enter", timeout=deadline.ms(timeout_s))
    done = page.wait_for_function(DONE_JS, polling="raf", timeout=deadline.ms(timeout_s)).json_value()
    quiesce([pid], deadline)
    done["cpu_ms"] = (cpu_seconds(pid) - before) * 1000
    return done


def record(side: Side, done: dict) -> None:
    side.finished.append(done["finished"])
    side.drawn.append(done["drawn"])
    side.round_trip.append(max(done["finished"], done["drawn"]))
    side.cpu_ms.append(done["cpu_ms"])
    if done["started"] is not None:
        side.started.append(done["started"])
    if not done["exact"]:
        side.inexact += 1


def summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values):6.0f} ms  p95 {percentile(values, 95):6.0f} ms  " \
           f"min {min(values):5.0f}  max {max(values):5.0f}"


def report(app: Side, minimal: Side, options: int, cpu_total: dict[str, tuple[float, int]]) -> None:
    print(f"{len(app.round_trip)} measured changes each, alternating (app with {options} options vs minimal page)")
    for side in (app, minimal):
        print(f"{side.name}:")
        print(f"  rerun started    {summary(side.started)}")
        print(f"  rerun finished   {summary(side.finished)}"
              + (f"  ({side.inexact} without a visible 'running' state)" if side.inexact else ""))
        print(f"  figure drawn     {summary(side.drawn)}")
        print(f"  round trip       {summary(side.round_trip)}")
        total, reruns = cpu_total[side.name]
        print(f"  server CPU per change: mean {total / max(reruns, 1) * 1000:.0f} ms over {reruns} changes "
              f"(per change, 10 ms ticks: median {statistics.median(side.cpu_ms):.0f}, "
              f"p95 {percentile(side.cpu_ms, 95):.0f}, max {max(side.cpu_ms):.0f})")
    ratios = {what: (statistics.median(getattr(app, what)) / statistics.median(getattr(minimal, what)),
                     percentile(getattr(app, what), 95) / percentile(getattr(minimal, what), 95))
              for what in ("round_trip", "finished", "drawn")}
    for what, (median, p95) in ratios.items():
        print(f"ratio app / minimal, {what.replace('_', ' '):14s} median {median:.2f}x  p95 {p95:.2f}x")
    ratio = ratios["round_trip"][0]
    app_cpu = cpu_total[app.name][0] / max(cpu_total[app.name][1], 1) * 1000
    print(f"round trip {ratio:.2f}x the minimal page (median): "
          f"{'meets' if ratio <= RATIO_TARGET else 'misses'} the {RATIO_TARGET:g}x target")
    print(f"app server CPU {app_cpu:.0f} ms per change: "
          f"{'meets' if app_cpu <= CPU_TARGET_MS else 'misses'} the {CPU_TARGET_MS} ms target")


def run(args: argparse.Namespace, deadline: Deadline) -> int:
    app_dir = args.app_dir.resolve()
    if not (app_dir / "app.py").is_file():
        raise SystemExit(f"no app.py in {app_dir}")
    rounds = args.warm_up + args.rounds
    volumes = [FIRST_VOLUME + STEP * i for i in range(rounds)]
    figures = expected(app_dir, args.scenario.resolve(), volumes, max(1.0, deadline.left()))
    costs = {int(k): f"{v:,.2f}" for k, v in figures["costs"].items()}  # as the grid draws "%,.2f"
    env = {**{k: v for k, v in os.environ.items() if k != PRICES_ENV}, **streamlit_env(args.streamlit_option)}
    app, minimal = Side("app"), Side("minimal page")
    cpu_total: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_round_trip_") as temp, contextlib.ExitStack() as stack:
        (Path(temp) / "app.py").write_text(MINIMAL_PAGE)
        app_url, app_pid = stack.enter_context(serve_streamlit(app_dir, env, max(1.0, deadline.left())))
        min_url, min_pid = stack.enter_context(serve_streamlit(Path(temp), env, max(1.0, deadline.left())))
        playwright = stack.enter_context(sync_playwright())
        browser = launch(playwright)
        stack.callback(browser.close)
        view = f"&view={quote(args.view)}" if args.view else ""
        app_page, app_box = open_page(browser, f"{app_url}/?s={figures['token']}{view}", deadline, args.timeout)
        if args.view and not app_page.get_by_role("radio", name=args.view, exact=True).is_checked():
            raise SystemExit(f"the app did not open on the view {args.view!r}")
        min_page, min_box = open_page(browser, min_url, deadline, args.timeout)
        load_before = load()
        sides = ((app, app_page, app_box, app_pid, costs), (minimal, min_page, min_box, min_pid,
                                                             {v: f"{v * PER_REQUEST:,.2f}" for v in volumes}))
        cpu_at: dict[str, float] = {}
        for index, volume in enumerate(volumes):
            if deadline.left() <= 0:
                print(f"deadline reached after {index} of {rounds} rounds", file=sys.stderr)
                break
            if index == args.warm_up:
                cpu_at = {side.name: cpu_seconds(pid) for side, _, _, pid, _ in sides}
            for side, page, box, pid, wants in sides:
                quiesce([app_pid, min_pid], deadline)
                for other in (app_page, min_page):
                    other.evaluate(IDLE_PAGE_JS)
                try:
                    done = change(page, box, volume, wants[volume], pid, deadline, args.timeout)
                except PlaywrightError as error:
                    state = page.evaluate("() => window.__bench")
                    raise SystemExit(f"{side.name}, {volume:,} requests: {str(error).splitlines()[0]}; "
                                     f"waiting for {wants[volume]!r}; page stamps {state}") from None
                if index >= args.warm_up:
                    record(side, done)
        measured = len(app.round_trip)
        for side, _, _, pid, _ in sides:
            cpu_total[side.name] = (cpu_seconds(pid) - cpu_at.get(side.name, 0.0), measured)
        load_after = load()
    if not measured or len(minimal.round_trip) != measured:
        print("no complete measured round", file=sys.stderr)
        return 1
    print(f"machine: {os.cpu_count()} cores; load average before {load_before}, after {load_after}")
    print(f"app: {app_dir / 'app.py'} on {args.scenario} (share link); warm-up {args.warm_up} changes each"
          + (f"; view {args.view!r}" if args.view else "")
          + (f"; Streamlit options {' '.join(args.streamlit_option)}" if args.streamlit_option else ""))
    report(app, minimal, figures["options"], cpu_total)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="measured changes per page (default 20)")
    parser.add_argument("--warm-up", type=int, default=3, help="changes per page before measuring (default 3)")
    parser.add_argument("--seconds", type=float, default=300, help="deadline for the whole run (default 300)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds allowed per wait (default 30)")
    parser.add_argument("--scenario", type=Path, default=TEN_OPTIONS, help="scenario the app opens (default "
                        "bench/ten_options.yaml)")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout whose app.py to serve (default this one)")
    parser.add_argument("--view", help="open the app on this view, e.g. 'Export and share' (default: its first)")
    parser.add_argument("--streamlit-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a Streamlit option for both servers, e.g. runner.postScriptGC=false (repeatable)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warm_up < 0:
        parser.error("--rounds must be at least 1 and --warm-up at least 0")
    return run(args, Deadline(args.seconds))


if __name__ == "__main__":
    sys.exit(main())
