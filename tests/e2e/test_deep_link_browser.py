"""A fresh server whose very first visitor opens a deep link in Persian (/What_is_a_GAN?lang=fa).

Streamlit treats a fresh server with a pages/ folder beside app.py as an old-style multipage
app until some session has run app.py's st.navigation: it runs the page script on its own, with
a page list made from the file names, in English. ui.common.route_through_app sends that first
run through the router, so the sidebar is the app's list in the visitor's language. This module
has its own server, and this must stay its only request before the checks.
"""

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from contentfiles import CONTENT  # noqa: E402
from streamlit_server import WAIT_MS, open_in_persian, settle  # noqa: E402


def test_a_persian_deep_link_on_a_fresh_server_gets_the_apps_page_list_in_persian(page, app_url):
    expect = sync_api.expect
    fa = CONTENT["fa"]
    nav = open_in_persian(page, f"{app_url}/What_is_a_GAN?lang=fa", "gan",
                          ("home", "playground", "train", "experiments", "gan", "fails", "wgan", "pggan", "course"))
    # none of the legacy list's names (from the file names, and "app" for app.py)
    for legacy in ("app", "What is a GAN", "Why training fails", "The course DCGAN", "Home"):
        assert nav.get_by_text(legacy, exact=True).count() == 0, legacy
    settle(page)
    page.wait_for_function("() => location.search.includes('lang=fa')", timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    # and the router's links work from here
    nav.locator('a[href$="/PGGAN"]').click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(fa["pggan"]["title"], timeout=WAIT_MS)
