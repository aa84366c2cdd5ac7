"""Benchmark settings: production-like (DEBUG off, cached templates, persistent connections)."""

from .base import *  # noqa: F403

DEBUG = False
