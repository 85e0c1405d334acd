"""Take the README's screenshots of figures that sit below a page's first screen (Debian chromium + Playwright).

    python scripts/screenshot_figures.py [--out docs/screenshots] [--only eigen,modes,myslider]

Each shot scrolls to a section heading (read from content/en.json, so a reworded heading is still
found) and captures the viewport from there: the Dirac-GAN eigenvalue view, the mode-seeking figure,
and the Playground's "Make a slider" tab.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import CHROMIUM_ARGS, streamlit_app  # noqa: E402

EN = json.loads((ROOT / "content" / "en.json").read_text(encoding="utf-8"))
SHOTS = {
    # name: (page path, heading text to scroll to, file)
    "eigen": ("Why_training_fails", EN["theorylab"]["eig"]["h"], "theory_eigenvalues.png"),
    "modes": ("What_is_a_GAN", EN["theorylab"]["modes"]["h"], "theory_modes.png"),
}


def settle(page, ms=2500):
    page.wait_for_timeout(ms)      # plotly's first layout pass and the last rerun


def shoot_section(page, url, path, heading, out):
    page.goto(f"{url}/{path}")
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stPlotlyChart"] .main-svg', timeout=120_000)
    target = page.get_by_text(heading, exact=True).first
    target.wait_for(timeout=120_000)
    target.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -20)")
    settle(page)
    # The main block scrolls, not the window: scroll the heading to the top of the viewport
    target.evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page, 1500)
    page.screenshot(path=str(out))


def shoot_myslider(page, url, out):
    page.goto(url)
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
    page.goto(f"{url}/Playground")
    page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
    page.get_by_role("tab", name=EN["myslider"]["tab"]).click()
    page.wait_for_timeout(1000)
    page.get_by_text(EN["myslider"]["intro"][:40]).first.wait_for(timeout=60_000)
    settle(page, 4000)
    page.screenshot(path=str(out))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--only", default="eigen,modes,myslider")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = args.only.split(",")
    with streamlit_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
        for name in wanted:
            if name == "myslider":
                shoot_myslider(page, url, out / "playground_myslider.png")
                print(f"saved {out / 'playground_myslider.png'}")
            else:
                path, heading, file = SHOTS[name]
                shoot_section(page, url, path, heading, out / file)
                print(f"saved {out / file}")
        browser.close()


if __name__ == "__main__":
    main()
