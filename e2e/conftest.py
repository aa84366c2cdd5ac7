"""Browser tests: pytest-playwright on Debian's chromium (no browser download)."""

import os
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

# live_server runs Django in a thread while Playwright's sync API runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("LICHENG_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-TW", "timezone_id": "Asia/Taipei"}


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


#: The migration that seeds the rule sets and code lists the demo's performances use.
SEED = import_module("portfolios.migrations.0002_seed_rules_and_codes")


@pytest.fixture
def demo_school() -> None:
    """The demo school, loaded into the (transactional) test database."""
    # An earlier transactional test's flush removed what the migrations seeded.
    SEED.seed(apps, None)
    call_command("load_demo_school", stdout=open(os.devnull, "w"))  # noqa: SIM115
