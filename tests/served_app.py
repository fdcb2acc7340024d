"""Serve app.py with ``streamlit run`` on a free localhost port, and drive it in Debian's Chromium.

Shared by the real-browser test and the browser benchmark. Chromium comes from Debian's package
(/usr/bin/chromium); Playwright's own browser download is never used.

The tests find elements by role and text wherever Streamlit gives them one. Three have neither, so
they use Streamlit's ``data-testid`` attributes: the running indicator (``stStatusWidget``, the only
sign that a rerun has ended), file uploaders (every input is labelled "file upload") and the
editable grid (a canvas, clicked by pixel offsets).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 90

# The comparison table as {row label: [cell per approach]}, read from the page's DOM. It is the page's
# only HTML table (st.table); st.dataframe grids draw on a canvas.
READ_TABLE_JS = """() => {
  const table = document.querySelector('table');
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
    port = free_port()
    env = {**os.environ, **({"LLM_PLANNER_PRICES": str(prices)} if prices is not None else {})}
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    # The server's output goes to a temporary file, not a pipe: a pipe nobody reads fills up and
    # stalls the server, and one left open leaks a file handle.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
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
                    raise RuntimeError(f"streamlit did not answer on {url} within {STARTUP_SECONDS} s")
                time.sleep(0.25)
            yield url
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


def wait_for_table(page, predicate_js: str = "rows => rows !== null", timeout_ms: int = 30_000):
    """Wait until the comparison table satisfies ``predicate_js`` (a JS function of the rows); return the rows."""
    page.wait_for_function(f"() => ({predicate_js})(({READ_TABLE_JS})())", timeout=timeout_ms)
    return page.evaluate(READ_TABLE_JS)


IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def settle(page, timeout_ms: int = 30_000) -> None:
    """Wait until the app has finished its rerun (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(200)  # the indicator appears a moment after the triggering event
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
