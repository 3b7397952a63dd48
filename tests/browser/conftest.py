"""Playwright driving Debian's Chromium (never a downloaded browser) against a live test server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BIZENV_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）：请先运行 ./scripts/test.sh 安装 Debian 的 chromium 包")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageSession:
    """One logged-in browser tab that records console errors and failed requests."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def login(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def wait_for_charts(self, timeout: float = 10_000):
        """Every [data-chart] on the page has been drawn by ECharts."""
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.chartRendered === '1')",
            timeout=timeout,
        )
        return self.page.locator("[data-chart]").count()

    def empty_charts(self) -> list[str]:
        """The [data-chart] elements whose ECharts series hold no value at all (a chart drawn without data)."""
        return self.page.evaluate("""() => [...document.querySelectorAll('[data-chart]')].filter(el => {
            const chart = window.echarts && window.echarts.getInstanceByDom(el);
            if (!chart) return true;
            const values = (chart.getOption().series || []).flatMap(s => s.data || []).map(d =>
                d !== null && typeof d === 'object' && !Array.isArray(d) ? d.value : d);
            return !values.some(v => v !== null && v !== undefined && v !== '' && v !== '-' &&
                                     !(Array.isArray(v) && v.every(x => x === null)));
        }).map(el => el.dataset.chart)""")

    def close(self):
        self.context.close()


def page_sessions(chromium, base_url: str):
    """Yields a factory of logged-out browser tabs on `base_url`; closes them all afterwards."""
    sessions = []

    def open_session() -> PageSession:
        s = PageSession(chromium, base_url)
        sessions.append(s)
        return s

    yield open_session
    for s in sessions:
        s.close()


@pytest.fixture
def browser_session(chromium, live_server):
    yield from page_sessions(chromium, live_server.url)
