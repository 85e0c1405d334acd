"""Issue 28 in a real browser: hostile link values, file names and Hub ids show as typed text.

Every request to another host is blocked (Playwright routing) and recorded; each test passes only
when none was attempted, no link or image on the page points elsewhere, and the names show with
their direction controls neutralised — in English and in Persian.
"""

from urllib.parse import quote, urlparse

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import WAIT_MS  # noqa: E402

from checkpoints import tiny_checkpoint  # noqa: E402  (tests/checkpoints.py)
from hostile import RLO, dataset_zip, hostile_name, shown_name  # noqa: E402  (tests/hostile.py)

LINK = ("model=" + quote("[Log in again](https://evil.example/login)") + "&seed=" +
        quote("![t](https://evil.example/p.png)") + "&psi=" + quote("**BOLD**"))


def guarded(page, app_url):
    """Block and record every request that leaves for a host other than the app's."""
    own = urlparse(app_url).netloc
    outside = []

    def route(r):
        if urlparse(r.request.url).netloc not in (own, ""):
            outside.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    return outside


def open_guarded(new_page, app_url, path: str, lang: str, query: str = ""):
    """A tab in a fresh session on /`path` (in Persian for "fa"), every request to another host
    blocked and recorded: (the page, the list of blocked requests, the sidebar)."""
    page = new_page()
    outside = guarded(page, app_url)
    query = "&".join(q for q in (query, "lang=fa" if lang == "fa" else "") if q)
    page.goto(f"{app_url}/{path}" + (f"?{query}" if query else ""))
    return page, outside, page.get_by_test_id("stSidebar")


def assert_nothing_points_away(page, app_url, outside):
    own = urlparse(app_url).hostname
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    srcs = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
    away = [u for u in hrefs + srcs if urlparse(u).hostname not in (own, None) and not u.startswith(("data:", "blob:"))]
    # the references on theory pages are the app's own links; none of these pages has them
    assert not [u for u in away if "evil" in u], away
    assert not outside, outside
    assert RLO not in page.inner_text("body")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_markdown_injection_link_shows_as_text(new_page, app_url, lang):
    page, outside, _ = open_guarded(new_page, app_url, "Playground", lang, LINK)
    alert = page.get_by_test_id("stAlertContentWarning").first
    sync_api.expect(alert).to_contain_text("evil.example", timeout=WAIT_MS)
    text = alert.inner_text().replace("\u2060", "")      # the word joiner that keeps URLs unlinked
    assert "[Log in again](https://evil.example/log" in text and "![t](https://evil.example/p.png)" in text
    assert "**BOLD**" in text
    marked = alert.locator("a, img, strong")
    assert marked.count() == 0, [marked.nth(i).evaluate("e => e.outerHTML") for i in range(marked.count())]
    page.wait_for_timeout(500)
    assert_nothing_points_away(page, app_url, outside)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_checkpoint_named_with_markdown_and_rlo_shows_as_typed(new_page, app_url, tmp_path, lang):
    page, outside, sidebar = open_guarded(new_page, app_url, "Playground", lang)
    sidebar.get_by_test_id("stExpander").first.click()
    box = sidebar.locator(".st-key-named_upload_pg_ckpt")          # ui.uploads.file_uploader's box
    box.locator('input[type="file"]').set_input_files(
        files=[{"name": hostile_name(".exe.zip"), "mimeType": "application/zip", "buffer": tiny_checkpoint(tmp_path)}])
    # the uploader's own line: the name as typed, its RLO made visible, no markup
    said = box.get_by_test_id("stCaptionContainer")
    sync_api.expect(said).to_contain_text("[U+202E]piz.exe.zip", timeout=WAIT_MS)
    assert shown_name(".exe.zip") in said.inner_text().replace("\u2060", ""), said.inner_text()
    assert said.locator("a, img, strong, em").count() == 0
    # Streamlit's file chip keeps the browser's copy of the name, RLO and all: on the page, but never shown
    chip = box.get_by_test_id("stFileChipName")
    assert all(not chip.nth(i).is_visible() for i in range(chip.count()))
    # the model line above the face names the upload the same way (its bold is the app's own)
    main = page.get_by_test_id("stMain")
    sync_api.expect(main).to_contain_text("[U+202E]piz.exe.zip", timeout=WAIT_MS)
    line = main.get_by_test_id("stMarkdownContainer").filter(has_text="piz.exe.zip").first
    assert shown_name(".exe.zip") in line.inner_text().replace("\u2060", ""), line.inner_text()
    assert line.locator("a, img, em").count() == 0
    page.wait_for_timeout(500)
    assert_nothing_points_away(page, app_url, outside)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_markdown_hub_id_is_answered_as_text(new_page, app_url, lang):
    page, outside, sidebar = open_guarded(new_page, app_url, "Playground", lang)
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option").last.click()             # the "Hub repo" entry is the last option
    field = sidebar.locator('input[type="text"]').first
    field.fill("[Sign in again](https://evil.example)")
    field.press("Enter")
    sidebar.get_by_test_id("stButton").first.click()
    error = sidebar.get_by_test_id("stAlertContentError").first
    # The field's rule answers (in the browser it names the form a Hub id takes; the AppTest in
    # tests/test_safety_pages.py checks the quoted echo): whatever it says, no link comes of it.
    sync_api.expect(error).to_be_visible(timeout=WAIT_MS)
    assert error.locator("a, img").count() == 0
    assert "](" not in error.inner_text() or "[Sign in again]" in error.inner_text().replace("\u2060", "")
    assert_nothing_points_away(page, app_url, outside)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_dataset_zip_with_markdown_and_rlo_names_lists_them_as_typed(new_page, app_url, lang):
    from ui import i18n

    page, outside, sidebar = open_guarded(new_page, app_url, "Train", lang)
    menu = sidebar.locator(".st-key-tr_dataset").get_by_test_id("stSelectbox")
    sync_api.expect(menu).to_be_visible(timeout=WAIT_MS)
    menu.click()
    page.get_by_role("option", name=i18n.text_in(lang, "train.data.upload"), exact=True).click()
    uploader = sidebar.locator('input[type="file"]')
    sync_api.expect(uploader).to_have_count(1, timeout=WAIT_MS)
    zip_name = f"**my** [x](https://evil.example){RLO}piz.zip"
    uploader.set_input_files(files=[{"name": zip_name, "mimeType": "application/zip",
                                     "buffer": dataset_zip()}])
    rejected = sidebar.get_by_test_id("stExpander").filter(has_text=i18n.text_in(lang, "train.rejected_files"))
    sync_api.expect(rejected).to_have_count(1, timeout=WAIT_MS)
    rejected.locator("summary").click()
    listed = rejected.get_by_test_id("stMarkdownContainer").filter(has_text="evil.png")   # the list, not the title
    sync_api.expect(listed).to_contain_text("[U+202E]gnp.exe", timeout=WAIT_MS)
    text = listed.inner_text().replace("\u2060", "")
    assert "![x](http://evil.example/md.png) [click](https://evil.example).txt" in text, text
    assert "photo[U+202E]gnp.exe" in text and "[U+0000]evil.png" in text, text
    assert listed.locator("a, img, strong, em").count() == 0
    # the zip's own name: Streamlit's uploader would show it with its RLO; the page hides that and says it
    said = sidebar.get_by_test_id("stCaptionContainer").filter(has_text="piz.zip").first
    sync_api.expect(said).to_contain_text("[U+202E]piz.zip", timeout=WAIT_MS)
    assert "**my** [x](https://evil.example)[U+202E]piz.zip" in said.inner_text().replace("\u2060", "")
    assert said.locator("a, img, strong, em").count() == 0
    summary = sidebar.get_by_test_id("stAlertContentSuccess").first
    sync_api.expect(summary).to_be_visible(timeout=WAIT_MS)
    if lang == "fa":
        assert "۱" in summary.inner_text() and "1" not in summary.inner_text()
    # the uploaded zip's own name is what the shown CLI command (--data) names: typed text, no link
    cli = page.get_by_test_id("stMain").get_by_test_id("stCode")
    if cli.count():
        assert "[U+202E]" in cli.first.inner_text() or RLO not in cli.first.inner_text()
    page.wait_for_timeout(500)
    assert_nothing_points_away(page, app_url, outside)
