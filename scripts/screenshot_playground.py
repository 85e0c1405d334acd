"""Take docs/screenshots/playground.png: the playground with its named sliders (Debian chromium + Playwright).

    python scripts/screenshot_playground.py [--out docs/screenshots/playground.png]
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import CHROMIUM_ARGS, streamlit_app  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "playground.png"))
    p.add_argument("--query", default="named=age|gender:2.5")
    args = p.parse_args()
    with streamlit_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        # The home page first: on a fresh server a deep link opened before anyone opened "/" gets
        # Streamlit's own page list in the sidebar, not the app's (a known limitation, see README).
        page.goto(url)
        page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
        page.goto(f"{url}/Playground?{args.query}")
        page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
        page.get_by_role("slider", name="Age").wait_for(timeout=60_000)
        page.wait_for_timeout(3000)   # let the last rerun settle
        page.screenshot(path=args.out)
        browser.close()
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
