"""The browser tests' fixtures: one app server and one headless Chromium per module, and tabs.

`app_url` and `browser` live for the module; `page` is one tab (so one Streamlit
session) for the whole module; `new_page()` opens a tab in a fresh session,
closed when the test ends. A module changes the defaults with module-level
names: APP_ENV (extra environment for its server) and VIEWPORT (its tabs' size).
Without Chromium every test here skips (`apt-get install -y chromium`; never
`playwright install`); without playwright the modules skip when imported.
"""

import pytest
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app

VIEWPORT = {"width": 1400, "height": 1600}


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium():
    # module-scoped and autouse, so it runs before the module's server is started
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def app_url(request):
    with streamlit_app(**getattr(request.module, "APP_ENV", {})) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _context(browser, module):
    return browser.new_context(viewport=getattr(module, "VIEWPORT", VIEWPORT), accept_downloads=True)


@pytest.fixture(scope="module")
def page(browser, request):
    context = _context(browser, request.module)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser, request):
    """new_page() -> a tab in a context of its own; `tab.context.close()` ends its session early."""
    contexts = []

    def open_tab():
        contexts.append(_context(browser, request.module))
        return contexts[-1].new_page()

    yield open_tab
    for context in contexts:
        context.close()   # a no-op for one the test closed itself
