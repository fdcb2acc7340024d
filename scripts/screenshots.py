"""Take the README's screenshots of the app's main views in headless Chromium.

Run: ``python scripts/screenshots.py`` (writes docs/screenshots/*.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from served_app import launch, served_app, settle, wait_for_table  # noqa: E402

OUT = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}
SHOTS = [
    # (file, example to pick or None, view, scroll to the view's content)
    ("comparison.png", None, None, False),
    ("charts.png", None, "Charts", True),
    ("ranges.png", None, "Ranges and break-even", True),
    ("why.png", None, "Why these numbers?", True),
    ("fit.png", None, "Which approach fits?", True),
    ("self-hosted-gpu.png", "Brand-voice drafting on a self-hosted model", "Charts", True),
]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        wait_for_table(page)
        settle(page)
        for name, example, view, scroll in SHOTS:
            if example is not None:
                page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
                page.get_by_role("option", name=example).click()
                page.wait_for_timeout(2500)
            if view is not None:
                page.get_by_role("radiogroup", name="View").get_by_text(view, exact=True).click()
                page.wait_for_timeout(2500)
            if view == "Why these numbers?":
                page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').first.click()
                page.wait_for_timeout(1500)
            if scroll:
                page.locator('[data-testid="stRadio"]').first.scroll_into_view_if_needed()
                page.mouse.wheel(0, 650)
                page.wait_for_timeout(800)
            if example is not None and view == "Charts":
                page.locator('[data-testid="stPlotlyChart"]').last.scroll_into_view_if_needed()
                page.wait_for_timeout(800)
            settle(page)
            page.wait_for_timeout(1500)  # let the charts draw
            page.screenshot(path=str(OUT / name))
            page.mouse.wheel(0, -5000)
            print(f"wrote {OUT / name}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
