"""Typed keys for what the aiohttp application carries, shared by every route module."""

from __future__ import annotations

from aiohttp import web

from crawler.config import Settings
from crawler.recorder import LatestResults
from crawler.store import Store

STORE = web.AppKey("store", Store)
SETTINGS = web.AppKey("settings", Settings)
RESULTS = web.AppKey("results", LatestResults)


def share_results(app: web.Application) -> None:
    """One LatestResults per application for every route that reads the sites' newest
    results (call while setting the routes up, before the application starts)."""
    if RESULTS not in app:
        app[RESULTS] = LatestResults()
