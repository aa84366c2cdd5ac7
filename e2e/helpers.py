"""What the browser tests share: signing in through the real login form."""

from playwright.sync_api import Page, expect

from schools.demo import DEMO_PASSWORD


def login(
    page: Page,
    base_url: str,
    username: str,
    password: str = DEMO_PASSWORD,
    *,
    new_session: bool = False,
) -> None:
    """Sign in as ``username`` and wait until the login page is left. ``new_session`` drops
    the browser's cookies first (to switch from one person to another)."""
    if new_session:
        page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("form.login-form button[type=submit]").click()
    expect(page.locator("form.login-form")).to_have_count(0)
