"""Typed keys for what the aiohttp application carries, shared by every route module."""

from __future__ import annotations

from aiohttp import web

from crawler.config import Settings
from crawler.store import Store

STORE = web.AppKey("store", Store)
SETTINGS = web.AppKey("settings", Settings)
