"""Serve app.py with ``streamlit run`` on a free localhost port, and drive it in Debian's Chromium.

Shared by the real-browser tests, the browser benchmark and the screenshot script. Chromium comes
from Debian's package (/usr/bin/chromium); Playwright's own browser download is never used.

How the tests wait, so that they fail only for a reason: never a fixed time, always a state of the
page. An action's outcome (a new text, a new table cell) is waited for with Playwright's own
auto-waiting locators; ``settle`` then waits until the app is idle, from Streamlit's own marks on the
page (see SETTLED_JS). Before an action the app is idle and the target is found by role and label;
Playwright then waits until it is visible, enabled and stable. An action whose rerun shows nothing new
(a download button) is wrapped in ``watch_for_a_run`` and ``ran_and_settled``, which wait for that rerun
to begin and end. Nothing is retried.

The tests find elements by role and label. Two places need more: the editable grid draws on a canvas
and mirrors its cells into a table for screen readers, which has no box on screen (so its roles are
found with ``include_hidden``, by ``hidden_role`` and ``grid_cell`` below, and its cells are reached by focus and
keyboard, tests/test_browser_prices.py); and the file uploaders' inputs are all labelled "file upload", so
they are found inside the region named by the uploader's label.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import expect

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 90
# How long any one wait for a state of the page may take. Generous, for a loaded machine: it only bounds
# a wait for a state that never comes, so a test that passes takes no longer for it.
TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)

# The comparison table as {row label: [cell per approach]}, read from the page's DOM. It is the page's
# first st.table (the grids of st.dataframe draw on a canvas, and mirror it in a table of their own).
READ_TABLE_JS = """() => {
  const table = document.querySelector('[data-testid="stTable"] table');
  if (!table) return null;
  const rows = {};
  for (const tr of table.querySelectorAll('tbody tr')) {
    const cells = [...tr.children].map(c => c.innerText.trim());
    rows[cells[0]] = cells.slice(1);
  }
  return rows;
}"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_app(prices: Path | None = None) -> Iterator[str]:
    """Start the app (on the price tables in ``prices``, default the bundled ones) and yield its URL."""
    env = {**os.environ, **({"LLM_PLANNER_PRICES": str(prices)} if prices is not None else {})}
    with serve_streamlit(REPO, env) as (url, _):
        yield url


@contextlib.contextmanager
def serve_streamlit(app_dir: Path, env: dict[str, str],
                    startup_s: float = STARTUP_SECONDS) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` of the checkout ``app_dir`` on a free 127.0.0.1 port, with ``env``; yield its
    URL and the server's process id (the sessions benchmark reads its CPU time). Stopped on the way out."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(Path(app_dir) / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               # No watching of the source files: an edit in the tree during a run would put Streamlit's
               # "File change. Rerun" prompt on the page, and a page that waits for it is never idle.
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    # The server's output goes to a temporary file, not a pipe: a pipe nobody reads fills up and
    # stalls the server, and one left open leaks a file handle.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_s
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"streamlit exited with {process.returncode}: {log.read()}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {url} within {startup_s:.0f} s")
                time.sleep(0.25)  # between polls of the health endpoint, bounded by the deadline
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def launch(playwright):
    """Headless Debian Chromium; a missing browser is an error that says how to install it."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium package (scripts/ensure-chromium.sh)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser, width: int = 1600, height: int = 1000, **options):
    """A page in a context of its own (a session of its own on the app), whose waits last up to TIMEOUT_MS."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def wait_for_table(page, predicate_js: str = "rows => rows !== null", timeout_ms: int = TIMEOUT_MS):
    """Wait until the comparison table satisfies ``predicate_js`` (a JS function of the rows); return the rows."""
    page.wait_for_function(f"() => ({predicate_js})(({READ_TABLE_JS})())", timeout=timeout_ms)
    return page.evaluate(READ_TABLE_JS)


# The app is idle: connected, its script not running, nothing on the page left over from an earlier run,
# and every element drawn. Streamlit marks each of these on the page itself: the app's root carries the
# script-run state ("initial", "running", "rerunRequested", "notRunning", ...) and the connection state
# (data-test-script-state, data-test-connection-state); an element not yet redrawn by the current run
# has data-stale="true"; and an element whose code is still loading shows a placeholder, stSkeleton, in
# its place (each element's code is loaded the first time one is drawn, and the page says "notRunning"
# before it is). Streamlit's running indicator (stStatusWidget) is not a sign of this: it shows only
# after half a second of running, and it also holds the "File change" prompt when a source file changes.
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]') === null;
}"""
IDLE_JS = SETTLED_JS  # the benchmark's name for it


def settle(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the app is idle (SETTLED_JS).

    Call it once the outcome of the last action shows, or before a first action on a loaded page:
    right after an action the page still says "notRunning" until the server's first message about the
    rerun it asked for arrives, so a wait for idleness alone could end before that rerun has begun.
    """
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms)


# From the moment it is installed, notes whether the app's script-run state changes: from an idle page
# (SETTLED_JS), any change is the start of a run. It is for an action that reruns the app but shows nothing
# new to wait for, such as a download button: the file can arrive before the rerun the click asks for has
# begun, while the page still says "notRunning", so ``settle`` alone could return before that rerun.
WATCH_RUN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__plannerRunBegan = false;
  const observer = new MutationObserver(() => { window.__plannerRunBegan = true; observer.disconnect(); });
  observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def watch_for_a_run(page) -> None:
    """Wait until the app is idle, then start noting whether a run begins (WATCH_RUN_JS); act next, then
    call ``ran_and_settled``."""
    settle(page)
    page.evaluate(WATCH_RUN_JS)


def ran_and_settled(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until a run has begun since ``watch_for_a_run``, then until the app is idle again."""
    page.wait_for_function("() => window.__plannerRunBegan === true", timeout=timeout_ms)
    settle(page, timeout_ms)


def choose_view(page, view: str) -> None:
    """Pick ``view`` in the row of views (a radio group; its inputs sit under their labels, so the label
    takes the click) once the app is idle. The caller waits for the view's content."""
    settle(page)
    page.get_by_role("radiogroup", name="View").get_by_text(view, exact=True).click()
    expect(page.get_by_role("radio", name=view, exact=True)).to_be_checked()


def uploader(page, label: str):
    """The file input of the uploader labelled ``label`` (every input is named "file upload"; each
    uploader is a region named by its label)."""
    return page.get_by_role("region", name=label, exact=True).get_by_role("button", name="file upload")


_JOINED = re.compile(r"([:@])|(www)(?=\\\.)", re.IGNORECASE)


def shown(text: str) -> re.Pattern[str]:
    r"""A pattern for ``text`` as the page shows it, for ``get_by_text``: in text the app escapes (ui/text.py)
    an invisible WORD JOINER (U+2060) follows each ``:`` and ``@`` and sits inside ``www.``; people do not
    see it, but Playwright's text match does.

    >>> bool(shown("a: b@c, www.x").search("a:\u2060 b@\u2060c, www\u2060.x")), bool(shown("a: b").search("a: b"))
    (True, True)
    """
    return re.compile(_JOINED.sub(lambda m: (m.group(1) or m.group(2)) + "\u2060?", re.escape(text)))


def hidden_role(scope, role: str, name: str | None = None):
    """``scope``'s elements of ``role`` (named exactly ``name``) in the grids' screen-reader table."""
    if name is None:
        return scope.get_by_role(role, include_hidden=True)
    return scope.get_by_role(role, name=name, exact=True, include_hidden=True)


def grid_cell(page, row_id: str, column: str):
    """The editable grid whose id column holds ``row_id``, and its cell of that row under heading ``column``."""
    grid = (hidden_role(page, "grid").filter(has=hidden_role(page, "columnheader", "id"))
            .filter(has=hidden_role(page, "gridcell", row_id)).first)
    expect(grid).to_be_attached()
    heading = hidden_role(grid, "columnheader", column)
    expect(heading).to_have_count(1)
    row = hidden_role(grid, "row").filter(has=hidden_role(page, "gridcell", row_id))
    return grid, row.locator(f'[role="gridcell"][aria-colindex="{heading.get_attribute("aria-colindex")}"]')
