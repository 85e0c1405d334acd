"""Take the Playground's screenshots in docs/screenshots (Debian chromium + Playwright).

    python scripts/screenshot_playground.py [--views face myslider dissect] [--out docs/screenshots]

face: playground.png, the named sliders (`--query`, default named=age|gender:2.5).
myslider: myslider.png, "Make a slider" opened from a share link whose labels mark the faces of the
first two labelling pages "older" by the shipped age direction (as the page test labels them), at +2.
dissect: dissect.png, "Paint with units" after the rank button: block 2's units ranked, the hair
region and the ranking's top three units switched off.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import CHROMIUM_ARGS, streamlit_app  # noqa: E402

WAIT = 120_000


def older_link() -> str:
    """mine= for a slider labelled "older" on two pages by the shipped age normal, at +2."""
    from gan_core import playground as pg
    from gan_core.hub import load_generator
    from gan_core.playground import custom

    engine = pg.LatentEngine(load_generator("faces64")[0], named=pg.named_directions("faces64"))
    age = engine.named["age"]
    marks = [2 if float(engine.prior_code(seed)[0] @ age) > 0 else 1
             for page in range(2) for seed in custom.label_seeds(page)]
    return custom.slider_text(custom.make_spec("older", marks), 2.0)


def settle(page):
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT)
    page.wait_for_timeout(2500)   # plotly and the fonts finish their layout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--views", nargs="+", default=["face", "myslider", "dissect"])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--query", default="named=age|gender:2.5")
    args = p.parse_args()
    out = Path(args.out)
    with streamlit_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        # The home page first: on a fresh server a deep link opened before anyone opened "/" gets
        # Streamlit's own page list in the sidebar, not the app's (a known limitation, see README).
        page.goto(url)
        page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
        if "face" in args.views:
            page.goto(f"{url}/Playground?{args.query}")
            page.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT)
            page.get_by_role("slider", name="Age").wait_for(timeout=60_000)
            settle(page)
            page.screenshot(path=str(out / "playground.png"))
        if "myslider" in args.views:
            page.goto(f"{url}/Playground?mine={older_link()}")
            page.get_by_role("tab", name="Make a slider").click()
            page.get_by_text(re.compile(r"^Cross-validated accuracy")).wait_for(timeout=WAIT)
            page.get_by_text(re.compile(r"^(Entangled|Clean of age)")).wait_for(timeout=WAIT)
            settle(page)
            # the last labelling row, then the report: the slider's sweep, accuracy and entanglement
            page.get_by_role("heading", name=re.compile("older")).scroll_into_view_if_needed()
            page.mouse.move(800, 700)
            page.mouse.wheel(0, -420)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "myslider.png"))
        if "dissect" in args.views:
            page.goto(f"{url}/Playground")
            page.get_by_role("tab", name="Paint with units").click()
            page.get_by_role("button", name=re.compile(r"^Rank all")).click(timeout=WAIT)
            page.get_by_text(re.compile(r"^All \d+ units switched off")).wait_for(timeout=WAIT)
            settle(page)
            page.set_viewport_size({"width": 1400, "height": 2300})    # down to the before / after faces
            settle(page)
            page.screenshot(path=str(out / "dissect.png"))
        browser.close()
    print(f"saved {', '.join(args.views)} in {out}")


if __name__ == "__main__":
    main()
