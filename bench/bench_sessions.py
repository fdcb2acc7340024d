"""Many browser sessions against one server: time from a changed input to the updated comparison.

Run: ``python bench/bench_sessions.py [--sessions 10] [--updates 20] [--seconds 170] [--busy] [--app-dir
PATH] [--scenario PATH] [--view NAME] [--streamlit-option KEY=VALUE ...]``. Starts ``streamlit run PATH/app.py``
(default: this checkout) on a free 127.0.0.1 port, opens it in N browser contexts of one headless Debian
Chromium (one Streamlit session each), and lets every session, at the same time, type a new "Requests
(per month)" and press Enter, over and over. Each update is timed inside the page, from the Enter's
keydown to (a) the comparison table's "First-month cost (USD)" row showing the planner's figures for the
new volume (computed by the checkout's own ``tests/test_browser.py``) and (b) the end of the rerun
(Streamlit's script state back to "notRunning" and its running indicator gone). Every session types
volumes no other session types, so no session is served from another's cache.

``--scenario PATH`` (e.g. bench/ten_options.yaml) opens every session on that scenario through its share
link ``?s=<token>`` (encoded by the checkout's own planner) instead of the default example. The figure
waited for in (a) is then the first option's (or approach's) first-month cost, computed with the
checkout's planner: read from the comparison table when the app draws one (``st.table``, a scenario
without options), or, for the one-row-per-option comparison (``st.dataframe``, drawn on a canvas),
stamped when the grid draws its text (a wrapper of the canvas's ``fillText``; the grid's screen-reader
table follows only after a debounce). For example:
``python bench/bench_sessions.py --sessions 20 --scenario bench/ten_options.yaml``.

``--minimal`` serves bench/bench_round_trip.py's one-input page (a number input and a one-cell grid) instead
of the app, to weigh what the same N browsers cost with next to nothing on the page.
``--view NAME`` opens every session on another of the app's views (``view=NAME`` in the link; default
its first, Charts), to weigh what the view costs the server and the browsers on every change.
``--streamlit-option KEY=VALUE`` (repeatable) sets a Streamlit option on the server through its environment
variable, e.g. ``runner.postScriptGC=false`` (Streamlit's full garbage collection after every rerun).

Warm-up, not measured: every page's first load, then one change per session. The server's CPU time
(user + sys, from /proc/<pid>/stat) is read before and after the measured phase and divided by the
number of Enters pressed in it (one rerun each). Chromium runs on the same machine, so its CPU
per update is printed too, by process kind: on a 2-core machine its renderers, not the server, are
the larger share, and the times measure the pair; the CPU per rerun is the server's alone. The
server runs without a file watcher, so other people's edits to the checkout do not reach the pages.

Bounded: ``--seconds`` is a hard deadline for the whole run (server start, warm-up and measurement;
updates still open at the deadline are reported as cut off, not as failed), ``--timeout`` bounds each
update. ``--busy`` runs one CPU burner per core during the measured phase (killed at the end, and
each stops by itself after ``--seconds`` anyway), to mimic a busy 2-core machine. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests")]

from bench_round_trip import MINIMAL_PAGE, PER_REQUEST, Deadline, cpu_seconds, load, percentile, streamlit_env  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from served_app import CHROMIUM, CHROMIUM_ARGS, READ_TABLE_JS, serve_streamlit  # noqa: E402

MONTH_1 = "First-month cost (USD)"
BOX = "Requests (per month)"
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_VOLUME, STEP = 160_000, 1_000  # the default example has 150,000
WARM_AT_ONCE = 4  # sessions opening at once: twenty page loads together only thrash a small machine
PRICES_ENV = "LLM_PLANNER_PRICES"  # the server runs on the checkout's bundled tables, as the expected figures do

# Idle: the script has stopped (stApp's data-test-script-state, set without the running indicator's
# display delay) and the running indicator is gone. (The status widget itself may stay: it also
# carries notices such as "File change.")
IDLE_NOW = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
}"""
# The Enter's keydown, stamped in the page's own clock (capture phase, before Streamlit sees it).
# With --scenario, also the first drawing on a canvas (the options' grid) of the text in window.__benchWant
# after that keydown, as ms since it.
STAMP_ENTER = """() => {
  if (window.__benchStamp) return;
  window.__benchStamp = true;
  window.addEventListener('keydown', e => {
    if (e.key === 'Enter') { window.__benchEnter = performance.now(); window.__benchDrawn = null; }
  }, true);
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    if (window.__benchWant != null && window.__benchDrawn === null && String(text) === window.__benchWant)
      window.__benchDrawn = performance.now() - window.__benchEnter;
    return fillText.call(this, text, ...rest);
  };
}"""
# Truthy once the page shows ``want``: {ms since the Enter}. ``want`` is the month-1 row (a list of cells),
# or with --scenario {canvas, table}: the first cell's text as the options' grid draws it, and as the table does.
TABLE_SHOWS = f"""want => {{
  const rows = ({READ_TABLE_JS})();
  if (!Array.isArray(want)) {{
    if (window.__benchDrawn != null) return {{ms: window.__benchDrawn}};
    if (rows === null || !rows[{json.dumps(MONTH_1)}] || rows[{json.dumps(MONTH_1)}][0] !== want.table) return false;
    return {{ms: performance.now() - window.__benchEnter}};
  }}
  if (rows === null || JSON.stringify(rows[{json.dumps(MONTH_1)}]) !== JSON.stringify(want)) return false;
  return {{ms: performance.now() - window.__benchEnter}};
}}"""
# The comparison is on the page: the table, or the options' grid.
COMPARISON_DRAWN = f"() => ({READ_TABLE_JS})() !== null || !!document.querySelector('[data-testid=\"stDataFrame\"]')"
RERUN_DONE = f"() => ({IDLE_NOW})() ? {{ms: performance.now() - window.__benchEnter}} : false"
READ_ROW = f"() => {{ const rows = ({READ_TABLE_JS})(); return rows && rows[{json.dumps(MONTH_1)}]; }}"

# Expected month-1 cells for each volume, from the target checkout's own planner and browser test.
EXPECTED_SCRIPT = """
import json, sys
app = sys.argv[1]
sys.path[:0] = [app, app + "/tests"]
from test_browser import MONTH_1, expected_rows
print(json.dumps({str(v): expected_rows(v)[MONTH_1] for v in json.load(sys.stdin)}))
"""
# With --scenario: the scenario's share token and, per volume, the first option's first-month cost as the
# options' grid draws it ("%,.2f") and as the comparison table shows it, from the checkout's own planner.
SCENARIO_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from planner import estimate, load_price_book, load_scenario, scenario_from_dict
from planner.outputs.export import summary_rows
from planner.outputs.share import encode_scenario
scenario, book = load_scenario(sys.argv[2]), load_price_book()
data = scenario.model_dump(mode="json")
figures = {}
for volume in json.load(sys.stdin):
    data["workload"]["requests_per_month"] = volume
    result = estimate(scenario_from_dict(data), book)
    first = next(iter(result.approaches.values()))
    table = next(cells for label, cells in summary_rows(result) if label.startswith("First-month cost"))
    figures[str(volume)] = {"canvas": f"{first.monthly_cost:,.2f}", "table": table[0]}
print(json.dumps({"token": encode_scenario(scenario), "figures": figures}))
"""
BURNER = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


@dataclass
class Results:
    table_ms: list[float] = field(default_factory=list)
    idle_ms: list[float] = field(default_factory=list)
    pressed: int = 0
    timed_out: int = 0
    unfinished: int = 0  # the table updated in time, the rerun had not ended within the timeout
    wrong: int = 0
    cut_off: int = 0
    errors: list[str] = field(default_factory=list)


def descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            children.setdefault(int(text[text.rindex(")") + 2:].split()[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def browser_cpu(skip: set[int]) -> dict[int, tuple[str, float]]:
    """(kind, CPU seconds) of each process this benchmark started other than ``skip``: Playwright's driver and
    Chromium's processes, by kind (renderer, gpu-process, ... ; "browser" for the main one)."""
    cpu = {}
    for pid in descendants(os.getpid()):
        if pid not in skip:
            with contextlib.suppress(OSError, ValueError, IndexError):
                # Chromium rewrites its processes' titles: the arguments may be one space-separated string.
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
                kinds = [a[7:].decode() for a in argv if a.startswith(b"--type=")]
                node = Path(f"/proc/{pid}/comm").read_text().startswith("node")
                kind = "driver" if node else kinds[0] if kinds else "browser"
                cpu[pid] = (kind, cpu_seconds(pid))
    return cpu


def serve(app_dir: Path, startup_s: float, options: list[str]) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """``streamlit run app.py`` in ``app_dir`` on 127.0.0.1 with served_app's flags (no file watcher: edits
    during a run would put "File change" notices on every page and count as the app's CPU), on its own
    bundled tables; yields (URL, server pid)."""
    env = {**{k: v for k, v in os.environ.items() if k != PRICES_ENV}, **streamlit_env(options)}
    return serve_streamlit(app_dir, env, startup_s)


@contextlib.contextmanager
def burners(on: bool, seconds: float) -> Iterator[list[subprocess.Popen]]:
    """One busy loop per core (each stops by itself after ``seconds``); killed on the way out."""
    procs = [subprocess.Popen([sys.executable, "-c", BURNER, str(seconds)]) for _ in range(os.cpu_count() or 1)] \
        if on else []
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def expected_figures(app_dir: Path, volumes: list[int], deadline: Deadline,
                     scenario: Path | None = None) -> tuple[str, dict[int, Any]]:
    """The link's query ("" for the default example, else ``?s=<token>``) and the expected figures per volume."""
    command = [sys.executable, "-c", EXPECTED_SCRIPT, str(app_dir)] if scenario is None \
        else [sys.executable, "-c", SCENARIO_SCRIPT, str(app_dir), str(scenario)]
    done = subprocess.run(command, input=json.dumps(volumes), capture_output=True, text=True, cwd=app_dir,
                          timeout=max(1.0, deadline.left()))
    if done.returncode != 0:
        raise RuntimeError(f"computing the expected figures failed:\n{done.stderr}")
    found = json.loads(done.stdout)
    if scenario is None:
        return "", {int(k): v for k, v in found.items()}
    return f"/?s={found['token']}", {int(k): v for k, v in found["figures"].items()}


def shows(row: list[str] | None, want: Any) -> bool:
    """Whether the month-1 row read from the table is ``want`` (for --scenario: its first cell)."""
    if isinstance(want, dict):
        return bool(row) and row[0] == want["table"]
    return row == want


async def open_session(browser, url: str, deadline: Deadline, timeout_s: float, minimal: bool = False):
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await page.goto(url, timeout=deadline.ms(timeout_s * 2))
    await page.wait_for_function(COMPARISON_DRAWN, timeout=deadline.ms(timeout_s * 2))
    if not minimal:
        # An input typed during the first runs' reruns can be lost (tests/test_browser.py): wait for the link.
        await page.wait_for_function("() => new URL(location.href).searchParams.has('s')",
                                     timeout=deadline.ms(timeout_s))
    await page.wait_for_function(IDLE_NOW, timeout=deadline.ms(timeout_s))
    await page.evaluate(STAMP_ENTER)
    return page


async def update(page, volume: int, want: Any, deadline: Deadline, timeout_s: float,
                 results: Results, think_s: float) -> None:
    """Type ``volume``, press Enter, wait for the new figures and the end of the rerun; record into ``results``."""
    box = page.get_by_role("spinbutton", name=BOX, exact=True)
    before = await page.evaluate(READ_ROW)
    if isinstance(want, dict):
        await page.evaluate("want => { window.__benchWant = want; }", want["canvas"])
    await box.fill(str(volume), timeout=deadline.ms(timeout_s))
    results.pressed += 1
    await box.press("Enter", timeout=deadline.ms(timeout_s))
    started = time.monotonic()
    try:
        shown = await page.wait_for_function(TABLE_SHOWS, arg=want, polling="raf", timeout=deadline.ms(timeout_s))
        table = (await shown.json_value())["ms"]
    except PlaywrightError as error:
        if "Timeout" not in str(error):
            raise
        if deadline.left() <= 0 and time.monotonic() - started < timeout_s:
            results.cut_off += 1
            return
        row = await page.evaluate(READ_ROW)
        if row != before and not shows(row, want):
            results.wrong += 1
            results.errors.append(f"{volume:,}: shows {row}, expected {want}")
        else:
            results.timed_out += 1
            late = shows(row, want)
            results.errors.append(f"{volume:,}: the figures came after the {timeout_s:.0f} s timeout" if late
                                  else f"{volume:,}: still {row} after {timeout_s:.0f} s, expected {want}")
        # Let the page settle before the next change, if it will.
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_function(IDLE_NOW, timeout=deadline.ms(timeout_s))
        return
    results.table_ms.append(table)
    try:
        done = await page.wait_for_function(RERUN_DONE, polling="raf",
                                            timeout=deadline.ms(max(0.001, timeout_s - (time.monotonic() - started))))
        results.idle_ms.append((await done.json_value())["ms"])
    except PlaywrightError as error:
        if "Timeout" not in str(error):
            raise
        if deadline.left() > 0:  # not a rerun the deadline cut short
            results.unfinished += 1
    if think_s:
        await asyncio.sleep(think_s)


async def warm_up(browser, url: str, volume: int, want: Any, deadline: Deadline, timeout_s: float,
                  gate: asyncio.Semaphore, results: Results, minimal: bool):
    """Open a session and make its first change (neither measured), a few sessions at a time."""
    async with gate:
        page = await open_session(browser, url, deadline, timeout_s, minimal)
        try:
            await update(page, volume, want, deadline, timeout_s, results, 0)
        except PlaywrightError as error:
            results.timed_out += 1
            results.errors.append(f"{volume:,}: {str(error).splitlines()[0]}")
        return page


async def session_loop(page, volumes: list[int], expected: dict[int, Any], deadline: Deadline,
                       timeout_s: float, results: Results, think_s: float) -> None:
    for volume in volumes:
        if deadline.left() <= 0:
            return
        try:
            await update(page, volume, expected[volume], deadline, timeout_s, results, think_s)
        except PlaywrightError as error:
            if deadline.left() <= 0:
                results.cut_off += 1
                return
            results.timed_out += 1
            results.errors.append(f"{volume:,}: {str(error).splitlines()[0]}")


async def run(args: argparse.Namespace, deadline: Deadline) -> int:
    app_dir = args.app_dir.resolve()
    if not (app_dir / "app.py").is_file():
        raise SystemExit(f"no app.py in {app_dir}")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium package (scripts/ensure-chromium.sh)")
    n, per = args.sessions, args.updates
    # Session i's volumes: warm-up first, then the measured ones; no two sessions share a volume.
    plans = [[FIRST_VOLUME + STEP * (i + n * k) for k in range(1 + per)] for i in range(n)]
    scenario = args.scenario.resolve() if args.scenario else None
    if scenario is not None and not scenario.is_file():
        raise SystemExit(f"no scenario {scenario}")
    if args.minimal:
        # The round-trip benchmark's one-input page, served alone: what the browsers cost without the app.
        page_dir = Path(tempfile.mkdtemp(prefix="minimal-page-"))
        (page_dir / "app.py").write_text(MINIMAL_PAGE, encoding="utf-8")
        app_dir, link = page_dir, ""
        expected = {v: {"canvas": f"{v * PER_REQUEST:,.2f}", "table": None} for plan in plans for v in plan}
    else:
        link, expected = expected_figures(app_dir, [v for plan in plans for v in plan], deadline, scenario)
    for plan in plans:
        for a, b in itertools.pairwise(plan):
            if expected[a] == expected[b]:
                raise SystemExit(f"{a:,} and {b:,} requests show the same month-1 figures; widen STEP")

    results = Results()
    with serve(app_dir, min(90.0, deadline.left()), args.streamlit_option) as (server, pid):
        url = server + link + (("&" if link else "/?") + f"view={quote(args.view)}" if args.view else "")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                started = time.monotonic()
                gate, warm = asyncio.Semaphore(WARM_AT_ONCE), Results()
                pages = await asyncio.gather(*(warm_up(browser, url, plan[0], expected[plan[0]], deadline, args.timeout,
                                                       gate, warm, args.minimal) for plan in plans))
                warm_s = time.monotonic() - started
                with burners(args.busy, deadline.left() + 5) as burning:
                    load_before = load()
                    skip = {pid, *(proc.pid for proc in burning)}
                    cpu_before, browser_before, wall_before = cpu_seconds(pid), browser_cpu(skip), time.monotonic()
                    await asyncio.gather(*(session_loop(page, plan[1:], expected, deadline, args.timeout, results,
                                                        args.think_ms / 1000)
                                           for page, plan in zip(pages, plans, strict=True)))
                    # Reruns cut off at the deadline may still be running; give them a moment.
                    with contextlib.suppress(PlaywrightError):
                        await asyncio.gather(*(page.wait_for_function(IDLE_NOW, timeout=deadline.ms(5) + 5000)
                                               for page in pages))
                    cpu_after, browser_after, wall_after = cpu_seconds(pid), browser_cpu(skip), time.monotonic()
                    load_after = load()
            finally:
                await browser.close()

    if args.minimal:
        shutil.rmtree(app_dir, ignore_errors=True)
    cpu = cpu_after - cpu_before
    # Processes that lived through the phase (a renderer that ended in it is left out).
    kinds: dict[str, float] = {}
    for p, (kind, after) in browser_after.items():
        if p in browser_before:
            kinds[kind] = kinds.get(kind, 0.0) + after - browser_before[p][1]
    browser = sum(kinds.values())
    wall = wall_after - wall_before
    failed = results.timed_out + results.wrong
    attempted = results.pressed - results.cut_off
    print(f"sessions: {n} (one headless Chromium, {n} contexts) against one server, {app_dir / 'app.py'}"
          + (" (the one-input page of --minimal)" if args.minimal else f", on {scenario} (share link)" if scenario
             else ", on its default example")
          + (f"; view {args.view!r}" if args.view else "")
          + (f"; Streamlit options {' '.join(args.streamlit_option)}" if args.streamlit_option else ""))
    print(f"machine: {os.cpu_count()} cores, busy: {'yes (one burner per core)' if args.busy else 'no'}, "
          f"think time {args.think_ms} ms; load average before {load_before}, after {load_after}")
    print(f"warm-up (not measured): {n} page loads + 1 change each, {WARM_AT_ONCE} sessions at a time, {warm_s:.1f} s"
          + (f"; {warm.timed_out + warm.wrong} of its changes failed" if warm.timed_out + warm.wrong else ""))
    print(f"updates attempted: {attempted} ({per} per session planned; {results.cut_off} cut off at the deadline) "
          f"in {wall:.1f} s, {attempted / wall if wall else 0:.1f} updates/s")
    if results.table_ms:
        print(f"comparison updated: p50 {percentile(results.table_ms, 50):.0f} ms, "
              f"p95 {percentile(results.table_ms, 95):.0f} ms, max {max(results.table_ms):.0f} ms")
    if results.idle_ms:
        print(f"rerun finished:     p50 {percentile(results.idle_ms, 50):.0f} ms, "
              f"p95 {percentile(results.idle_ms, 95):.0f} ms, max {max(results.idle_ms):.0f} ms"
              + (f" ({results.unfinished} not finished within {args.timeout:.0f} s, left out)"
                 if results.unfinished else ""))
    print(f"failed updates: {failed} ({results.timed_out} timed out after {args.timeout:.0f} s, "
          f"{results.wrong} wrong figures)")
    for line in results.errors[:5]:
        print(f"  {line}")
    if results.pressed:
        print(f"server CPU per rerun: {cpu / results.pressed * 1000:.0f} ms "
              f"({cpu:.2f} s user+sys over {results.pressed} reruns; the server busy {cpu / wall:.0%} of one core)")
        split = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(kinds.items(), key=lambda k: -k[1]))
        print(f"browser CPU per update: {browser / results.pressed * 1000:.0f} ms "
              f"(Chromium and Playwright's driver, on the same machine: {browser:.1f} s over the phase: {split})")
    return 1 if failed or not results.table_ms else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="browser sessions at once (default 10)")
    parser.add_argument("--updates", type=int, default=20, help="measured changes per session (default 20)")
    parser.add_argument("--seconds", type=float, default=170, help="hard deadline for the whole run (default 170)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds allowed per update (default 30)")
    parser.add_argument("--think-ms", type=int, default=0, help="pause after each update (default 0)")
    parser.add_argument("--busy", action="store_true", help="keep every core busy with a CPU burner meanwhile")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout whose app.py to serve (default this one)")
    parser.add_argument("--view", help="open the app on this view, e.g. 'Which approach fits?' (default: its first)")
    parser.add_argument("--streamlit-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a Streamlit option for the server, e.g. runner.postScriptGC=false (repeatable)")
    parser.add_argument("--minimal", action="store_true",
                        help="serve the round-trip benchmark's one-input page instead of the app, for comparison")
    parser.add_argument("--scenario", type=Path, help="open the app on this scenario (YAML) through its share link, "
                        "e.g. bench/ten_options.yaml (default: the app's default example)")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.updates < 1:
        parser.error("--sessions and --updates must be at least 1")
    deadline = Deadline(args.seconds)
    # The measured phase ends at the deadline; closing the browser and the server may take a little longer.
    try:
        return asyncio.run(asyncio.wait_for(run(args, deadline), timeout=args.seconds + 30))
    except TimeoutError:
        print(f"gave up: the run overran its {args.seconds:.0f} s deadline", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
