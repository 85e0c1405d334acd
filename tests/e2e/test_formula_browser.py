"""Your own loss in a real browser: type a broken loss on the Train page and read its sentence, in
English and in Persian; type a working one in the WGAN page's toy lab and watch it train.

Skips cleanly when playwright or chromium is missing (`apt-get install -y chromium`).
"""

import json
import re
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import WAIT_MS, settle  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CONTENT = {lang: json.loads((ROOT / "content" / f"{lang}.json").read_text(encoding="utf-8"))
           for lang in ("en", "fa")}
APP_ENV = dict(GAN_PLAYGROUND_TEST="1")


def type_formula(page, label: str, text: str):
    box = page.get_by_label(label, exact=True)
    sync_api.expect(box).to_be_enabled(timeout=WAIT_MS)
    box.fill(text)
    box.press("Enter")
    page.wait_for_timeout(300)
    settle(page)


@pytest.mark.parametrize("lang,sentence", [
    ("en", "Unknown name os at column 1; the names you can use are d_fake"),
    ("fa", "نام ناشناختهٔ os در ستون ۱"),
])
def test_a_broken_loss_is_refused_with_its_sentence(new_page, app_url, lang, sentence):
    expect = sync_api.expect
    f = CONTENT[lang]["formula"]
    page = new_page()
    page.goto(f"{app_url}/Train" + ("?lang=fa" if lang == "fa" else ""))
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    page.get_by_text(f["editor"], exact=True).click()
    page.get_by_text(f["use"], exact=True).click()
    settle(page)
    type_formula(page, f["g_label"], "os")
    error = page.locator('[data-testid="stMain"] [data-testid="stAlert"]').filter(has_text=sentence).first
    expect(error).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".st-key-start button")).to_be_disabled(timeout=WAIT_MS)
    # a working formula: the refusal goes, Start comes back, and the saturating loss is explained
    type_formula(page, f["g_label"], "-softplus(d_fake)")
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    expect(page.get_by_text(f["warnings"]["g_vanishes"][:40])).to_be_visible(timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_typed_loss_trains_in_the_toy_lab(new_page, app_url):
    expect = sync_api.expect
    f = CONTENT["en"]["formula"]
    page = new_page()
    page.goto(f"{app_url}/WGAN")
    # the lab's expander (the page's knobs text names "Write your own loss" too, in italics)
    editor = page.locator('[data-testid="stExpander"] summary').get_by_text(f["editor"], exact=True)
    expect(editor).to_be_visible(timeout=WAIT_MS)
    editor.click()
    type_formula(page, f["g_label"], "softplus(-d_fake)")
    page.get_by_role("button", name=f["toy_apply"]).click()
    settle(page)
    expect(page.get_by_text(re.compile("Training with your formulas"))).to_be_visible(timeout=WAIT_MS)
    step_g = page.get_by_role("button", name=CONTENT["en"]["toylab"]["step_g"])
    for _ in range(3):
        step_g.click()
        settle(page)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=CONTENT["en"]["toylab"]["iteration"]).first
    expect(metric).to_contain_text("3", timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("lang,role", [("en", "G's loss"), ("fa", "هزینهٔ G")])
def test_a_class_link_with_a_broken_loss_says_one_sentence_and_locks_a_good_one(new_page, app_url, lang, role):
    expect = sync_api.expect
    f = CONTENT[lang]["formula"]
    page = new_page()
    suffix = "&lang=fa" if lang == "fa" else ""
    page.goto(f"{app_url}/Train?preset=fast&g_loss=os{suffix}")
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    # the column in the page's digits: Persian ones on a Persian page ([0-9۰-۹]: \d is ASCII-only here)
    said = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=re.compile(f"{role}.*os.*[0-9۰-۹]"))
    expect(said).to_have_count(1, timeout=WAIT_MS)
    page = new_page()
    page.goto(f"{app_url}/Train?preset=fast&g_loss=-softplus(d_fake)&lock=formulas{suffix}")
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    page.get_by_text(f["editor"], exact=True).click()
    box = page.get_by_label(f["g_label"], exact=True)
    expect(box).to_have_value("-softplus(d_fake)", timeout=WAIT_MS)
    expect(box).to_be_disabled(timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
