"""Take the README's shots of the theory pages' figures, each cropped to its own section
(Debian chromium + Playwright, on a fresh `streamlit run app.py`).

    python scripts/screenshot_theory.py [--out docs/screenshots] [--only theory_r1 ...]

For each shot it opens the page (English or Persian), scrolls to the figure's heading and saves
the main column from there down to the next landmark: the eigenvalue lab, the R1 figure, the
mode-seeking figure, one derivation unfolded, the live metrics (measured: about a minute) and a
numeric quiz question answered. The images are written as palette PNGs (PIL, 256 colours), which
keeps each one a fraction of a full-page capture.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import CHROMIUM_ARGS, streamlit_app  # noqa: E402

CONTENT = {lang: json.loads((ROOT / "content" / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("en", "fa")}
WAIT_MS = 120_000
VIEWPORT = {"width": 1280, "height": 2000}
MAX_HEIGHT = 1900     # a shot never taller than this (px)


@dataclass(frozen=True)
class Shot:
    name: str          # docs/screenshots/<name>.png
    lang: str
    path: str          # the page's URL path
    start: str         # where the crop begins: a content key (a heading's text) or a CSS selector
    end: str           # where it ends: the next heading's content key, or a CSS selector (its bottom)
    action: str = ""   # "deriv:<name>" unfolds a derivation; "measure" runs the live metrics;
                       # "answer:<page>:<i>:<typed>" types a numeric answer and checks it


SHOTS = (
    Shot("theory_eigen", "en", "Why_training_fails", "theorylab.eig.h", "theorylab.gp.h"),
    Shot("theory_r1", "en", "Why_training_fails", "theorylab.r1.rule", "theorylab.eig.h"),
    Shot("theory_modes", "en", "What_is_a_GAN", "theorylab.modes.h", "gan.algo_h"),
    Shot("theory_modes_fa", "fa", "What_is_a_GAN", "theorylab.modes.h", "gan.algo_h"),
    Shot("theory_derivation", "en", "What_is_a_GAN", "theorylab.deriv.optd.title", "theorylab.deriv.optd.title",
         "deriv:optd"),
    Shot("theory_metrics", "en", "The_course_DCGAN", "theorylab.metrics.h", "course.open_h", "measure"),
    Shot("theory_quiz_numeric_fa", "fa", "What_is_a_GAN", ".st-key-rtl_box_quiz_gan_n0",
         ".st-key-rtl_box_quiz_gan_n0", "answer:gan:0:۰٫۷۱"),
)


def text(lang: str, key: str) -> str:
    node = CONTENT[lang]
    for part in key.split("."):
        node = node[part]
    return node


def settle(page):
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS)


def plain_start(markdown: str) -> str:
    """The first words of a content text as the page shows them: up to the first markup character."""
    head = markdown.replace("**", "").split("\n")[0]
    for mark in "$`[_*":
        head = head.split(mark)[0]
    return head.strip()[:60]


def landmark(page, lang: str, where: str):
    """(locator, is it a heading): a CSS selector as it is; a content key: the main column's heading,
    expander, alert or text block that shows that text."""
    main = page.locator('[data-testid="stMain"]')
    if where.startswith((".", "[")):
        return main.locator(where).first, False
    wanted = plain_start(text(lang, where))
    heading = main.locator('[data-testid="stHeading"]', has_text=wanted)
    if heading.count():
        return heading.first, True
    expander = main.locator('[data-testid="stExpander"]').filter(has=page.locator("summary", has_text=wanted))
    if expander.count():
        return expander.first, False
    for css in ('[data-testid="stAlert"]', '[data-testid="stMarkdownContainer"]'):
        hit = main.locator(css, has_text=wanted)
        if hit.count():
            return hit.first, False
    raise LookupError(f"{where!r} ({wanted!r}) is not on the page")


def act(page, shot: Shot):
    if shot.action.startswith("deriv:"):
        expander, _ = landmark(page, shot.lang, f"theorylab.deriv.{shot.action.split(':')[1]}.title")
        expander.locator("summary").scroll_into_view_if_needed()
        expander.locator("summary").click()
        expander.locator(".katex").first.wait_for(timeout=WAIT_MS)
    elif shot.action == "measure":
        page.locator(".st-key-metrics_measure button").click()
        page.locator('[data-testid="stMain"] td', has_text=text(shot.lang, "theorylab.metrics.pr_floor")).first \
            .wait_for(timeout=600_000)
    elif shot.action.startswith("answer:"):
        _, quiz_page, i, typed = shot.action.split(":")
        box = page.locator(f".st-key-rtl_box_quiz_{quiz_page}_n{i}")
        box.scroll_into_view_if_needed()
        box.locator("input").fill(typed)
        box.locator("input").press("Enter")
        settle(page)
        page.locator(f".st-key-quiz_{quiz_page}_n{i}_check button").click()
        box.locator('[data-testid="stAlert"]').first.wait_for(timeout=WAIT_MS)
    settle(page)


def take(page, url: str, shot: Shot, out: Path) -> Path:
    page.goto(f"{url}/{shot.path}" + ("?lang=fa" if shot.lang == "fa" else ""))
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stPlotlyChart"] .main-svg', timeout=WAIT_MS)
    settle(page)
    act(page, shot)
    # Streamlit's sticky top bar (Deploy, the running indicator) would cover the section's first lines
    page.add_style_tag(content='[data-testid="stHeader"] { display: none !important; }')
    start, _ = landmark(page, shot.lang, shot.start)
    start.evaluate("el => el.scrollIntoView({block: 'start'})")
    time.sleep(2.0)    # plotly draws the charts that just came into view; fonts settle
    top = start.bounding_box()
    end, is_heading = landmark(page, shot.lang, shot.end)
    bottom = end.bounding_box()
    column = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    y0 = max(0.0, top["y"] - 12)
    # down to the next heading, or to the bottom of the element named
    y1 = bottom["y"] - 4 if is_heading else bottom["y"] + bottom["height"] + 12
    y1 = min(y1, y0 + MAX_HEIGHT, VIEWPORT["height"])
    clip = {"x": column["x"] + 40, "y": y0, "width": column["width"] - 80, "height": y1 - y0}
    png = page.screenshot(clip=clip)
    path = out / f"{shot.name}.png"
    Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--only", nargs="*", help="shot names to take (default: all)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    with streamlit_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        for shot in shots:
            context = browser.new_context(viewport=VIEWPORT)   # a fresh session: the language starts from the link
            started = time.monotonic()
            path = take(context.new_page(), url, shot, out)
            context.close()
            print(f"saved {path} ({path.stat().st_size // 1024} KB, {time.monotonic() - started:.0f} s)", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
