"""Hostile uploads in a real browser: a Word document that inflates to 300 MB, a PDF whose stream does,
and a zip inside a zip are refused with our reasons, while another session on the same server still
gets its estimate (the measuring runs in a worker process, not in the server's)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright
from served_app import launch, served_app, wait_for_table
from test_browser_injection import wait_for_text
from test_upload_safety import BOMB_STREAM_BYTES, BOMB_XML_BYTES, _flate_pdf, _word_zip, _zip

MONTH_1 = "First-month cost (USD)"


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
        uploader = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        other = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        for page in (uploader, other):
            page.goto(url)
            wait_for_table(page)
        corpus = uploader.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"] input[type=file]').nth(2)
        corpus.set_input_files(files=files)
        # While the uploads are measured, the other session changes an input and gets its new figures.
        box = other.get_by_role("spinbutton", name="Requests (per month)", exact=True)
        box.fill("310000")
        box.press("Enter")
        wait_for_table(other, row_is(MONTH_1, expected[MONTH_1]), timeout_ms=60_000)
        # 3 files: the Word and PDF bombs and the inner zip not read; the zip's manual measured.
        wait_for_text(uploader, "Knowledge corpus 3 uploaded files: 1 document, 300 tokens, 3 not read",
                      timeout_ms=60_000)
        browser.close()
