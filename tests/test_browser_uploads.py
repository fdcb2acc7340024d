"""Hostile uploads in a real browser: a Word document that inflates to 300 MB, a PDF whose stream does,
and a zip inside a zip are refused with our reasons, while another session on the same server still
gets its estimate (the measuring runs in a worker process, not in the server's)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright
from served_app import launch, new_page, served_app, settle, uploader, wait_for_table
from test_browser_injection import wait_for_text
from test_upload_safety import BOMB_STREAM_BYTES, BOMB_XML_BYTES, _flate_pdf, _word_zip, _zip

MONTH_1 = "First-month running cost (USD)"


def test_bombs_are_refused_while_another_session_still_gets_its_estimate():
    from test_browser import expected_rows, row_is

    word, _ = _word_zip(BOMB_XML_BYTES)
    files = [
        {"name": "bomb.docx", "mimeType": "application/octet-stream", "buffer": word},
        {"name": "bomb.pdf", "mimeType": "application/pdf", "buffer": _flate_pdf(BOMB_STREAM_BYTES)},
        {"name": "nested.zip", "mimeType": "application/zip",
         "buffer": _zip({"inner.zip": _zip({"a.txt": b"hello"}), "manual.md": b" word" * 300})},
    ]
    expected = expected_rows(requests=310_000)  # the planner's figures, which the other session must show
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        visitor, other = new_page(browser, width=1440), new_page(browser, width=1440)
        for page in (visitor, other):
            page.goto(url)
            wait_for_table(page)
            settle(page)
        uploader(visitor, "Measure a knowledge corpus (documents or a zip, up to 200 MB)").set_input_files(files=files)
        # While the uploads are measured, the other session changes an input and gets its new figures.
        box = other.get_by_role("spinbutton", name="Requests (per month)", exact=True)
        box.fill("310000")
        box.press("Enter")
        wait_for_table(other, row_is(MONTH_1, expected[MONTH_1]), timeout_ms=60_000)
        # 3 files: the Word and PDF bombs and the inner zip not read; the zip's manual measured.
        wait_for_text(visitor, "Knowledge corpus 3 uploaded files: 1 document, 300 tokens, 3 not read",
                      timeout_ms=60_000)
        browser.close()
