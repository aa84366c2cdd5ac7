"""Benchmark settings: production-like (DEBUG off, cached templates, persistent connections).

Used by ``bench/`` (``python -m bench.w2_cabinet``): the production settings plus the bare
floor view of ``bench.urls``. Static files go through the same manifest storage as in
production, so the runner runs ``collectstatic`` into a temporary ``LICHENG_VAR_DIR`` first.
"""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, INSTALLED_APPS, TEMPLATES

DEBUG = False
ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # for bench/templates/bench/floor.html
ALLOWED_HOSTS = sorted({*ALLOWED_HOSTS, "127.0.0.1", "localhost", "testserver"})

# Persistent database connections (base.py reads LICHENG_CONN_MAX_AGE, default 600 s).
DATABASES["default"].setdefault("CONN_MAX_AGE", 600)

# With DEBUG off and no explicit "loaders", Django wraps the loaders in the cached loader;
# make sure nobody sets loaders by hand without it.
assert "loaders" not in TEMPLATES[0]["OPTIONS"], (  # type: ignore[operator]
    "bench expects Django's default cached loaders"
)
