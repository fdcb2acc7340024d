"""Text planted by a visitor or in a shared table is shown as text in a real browser: Markdown images
and links, HTML and bare addresses planted in every field that reaches the page fetch nothing and
make no link.

A listener on a free loopback port stands for the attacker's server: every planted image and link
points at it, so a browser that rendered any of them would fetch from it (an image at once) or show
a link to it. Planted: a scenario's name and description (in a link), a price table's display name,
statuses and sources, a table that fails to load (its error quotes the value), a GPU's name (chart
labels), the history's diff, and the names of an uploaded training file and knowledge corpus.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import threading
from collections.abc import Iterator

from playwright.sync_api import expect, sync_playwright
from served_app import REPO, choose_view, free_port, launch, new_page, served_app, settle, uploader, wait_for_table

from planner import load_scenario, scenario_from_dict
from planner.outputs.share import encode_scenario
from planner.price_admin.store import read_table, save_table


def planted(port: int, tag: str) -> str:
    """Markdown, HTML and bare addresses that would each fetch from or link to the listener."""
    base = f"http://127.0.0.1:{port}/{tag[:4]}"  # short: a scenario's name holds at most 200 characters
    return f"![i]({base}-i) [c]({base}-l) <img src={base}-h> {base}-b www.example.com a@example.com :red[r] $x$"


@contextlib.contextmanager
def listener() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on a free loopback port that records every request; stopped on exit."""
    requests: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def plant_prices(directory, port: int) -> None:
    """Copy the bundled tables into ``directory`` with planted text in the names, statuses and sources of OpenAI's
    table and of AWS's (whose Nova Micro fine-tuning the default example uses), a GPU's name, a table that cannot
    load, and one saved version of each (so the history shows a diff)."""
    shutil.copytree(REPO / "pricing", directory)
    for provider in ("openai", "aws"):
        original, version = read_table(directory, provider)
        lines = []
        for line in original.splitlines():
            key = line.strip().split(":", 1)[0]
            if key in ("display_name", "status", "source"):
                indent = line[: len(line) - len(line.lstrip())]
                value = line.split(":", 1)[1].strip()
                line = f"{indent}{key}: {json.dumps(value + ' ' + planted(port, key))}"
            lines.append(line)
        save_table(directory, provider, "\n".join(lines) + "\n", version)
        assert (directory / f"{provider}.yaml").read_text() != original
    hardware = directory / "hardware.yaml"
    hardware.write_text(hardware.read_text().replace(
        # the L4: the brand-voice example's training GPU, chosen automatically (its GPU memory chart names it)
        "display_name: NVIDIA L4 24GB", f"display_name: {json.dumps('NVIDIA L4 ' + planted(port, 'gpu'))}"))
    (directory / "broken.yaml").write_text(
        f"provider: broken\ndisplay_name: Broken\ncurrency: {json.dumps(planted(port, 'currency'))}\n")


def link(example: str, port: int, view: str) -> str:
    data = load_scenario(REPO / "examples" / f"{example}.yaml").model_dump(mode="json")
    data.update(name=f"Plan {planted(port, 'name')}", description=f"About {planted(port, 'description')}")
    token = encode_scenario(scenario_from_dict(data))
    return f"/?s={token}&view={view.replace(' ', '+').replace('?', '%3F')}"


LINKS_TO_LISTENER_JS = """port => [...document.querySelectorAll('a[href], img[src], image, [style*="url("]')]
  .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || e.getAttribute('style'))
  .filter(v => v && (v.includes(':' + port) || v.includes('example.com') || v.startsWith('mailto:')))"""


SHOWN_JS = "text => document.body.innerText.replaceAll('\\u2060', '').includes(text)"


def wait_for_text(page, text: str, timeout_ms: int = 30_000) -> None:
    """Wait until the page shows ``text`` as written (the word joiners the app adds are invisible)."""
    page.wait_for_function(SHOWN_JS, arg=text, timeout=timeout_ms)


def no_planted_links(page, port: int) -> None:
    assert page.evaluate(LINKS_TO_LISTENER_JS, port) == []


def test_planted_markup_fetches_nothing_and_makes_no_link(tmp_path):
    with listener() as (port, requests):
        prices = tmp_path / "pricing"
        plant_prices(prices, port)
        with served_app(prices) as url, sync_playwright() as playwright:
            browser = launch(playwright)
            page = new_page(browser, width=1440)

            # A link with a planted name and description: header, caption, warnings, comparison cells.
            page.goto(url + link("support_assistant", port, "Why these numbers?"))
            wait_for_table(page)
            wait_for_text(page, f"Plan {planted(port, 'name')}")
            wait_for_text(page, f"About {planted(port, 'description')}")
            wait_for_text(page, "Price table left out: broken.yaml")
            wait_for_text(page, f"got '![i](http://127.0.0.1:{port}/curr-i)")  # the value, quoted in the error
            # A status warning of the fine-tuning offering, in the comparison's box of cautions (closed at first).
            page.locator("summary").filter(has_text="Cautions (").click()
            wait_for_text(page, planted(port, "status"))
            expect(page.get_by_text("Assumptions", exact=True)).to_be_visible()
            no_planted_links(page, port)

            # Uploads: a training file and a corpus whose names carry Markdown.
            name = f"notes [click](http:127.0.0.1:{port}) ![i](http:127.0.0.1:{port})"
            lines = "".join(json.dumps({"messages": [{"role": "user", "content": f"Q{i}"},
                                                     {"role": "assistant", "content": f"A{i}"}]}) + "\n"
                            for i in range(12))
            settle(page)
            training = {"name": f"{name}.jsonl", "mimeType": "application/json", "buffer": lines.encode()}
            uploader(page, "Measure a training file (JSONL, up to 200 MB)").set_input_files(files=[training])
            wait_for_text(page, f"Training file {name}.jsonl: 12 examples")
            settle(page)
            document = {"name": f"{name}.md", "mimeType": "text/markdown", "buffer": b"word " * 50}
            uploader(page, "Measure a knowledge corpus (documents or a zip, up to 200 MB)").set_input_files(
                files=[document])
            wait_for_text(page, f"Knowledge corpus {name}.md: 1 document")
            no_planted_links(page, port)

            # The price view: OpenAI's table, its editor and its history's diff.
            choose_view(page, "Price tables")
            provider = page.get_by_role("combobox", name="Provider")
            expect(provider).to_be_visible()
            settle(page)
            provider.evaluate("element => element.scrollIntoView({block: 'center'})")
            provider.click()
            page.get_by_role("option", name=f"OpenAI {planted(port, 'display_name')} (openai, USD)").click()
            settle(page)
            page.get_by_text("Edit this table", exact=True).click()
            expect(page.get_by_role("switch", name="Edit this table")).to_be_checked()
            settle(page)
            page.get_by_text("History of openai.yaml (1 kept)").click()
            expect(page.get_by_text("What restoring it changes in the current table")).to_be_visible()
            wait_for_text(page, f"{planted(port, 'status')} → ")  # the diff: planted status → the kept one
            no_planted_links(page, port)

            # Charts of a self-hosted plan: the GPU's planted name in the memory chart's labels.
            page.goto(url + link("brand_voice_self_hosted", port, "Charts"))
            wait_for_table(page)
            settle(page)
            page.get_by_role("radiogroup", name="Chart").get_by_text("GPU memory", exact=True).click()
            expect(page.locator(".js-plotly-plot").filter(has_text="NVIDIA L4 ").first).to_be_visible(
                timeout=30_000)
            no_planted_links(page, port)
            browser.close()
        assert requests == []
