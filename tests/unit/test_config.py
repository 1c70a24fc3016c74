"""Settings: defaults, file, environment precedence, clear errors, masking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import (
    ConfigError,
    effective_config,
    format_duration,
    load_settings,
    parse_duration,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("GOVCRAWL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray govcrawl.toml


def test_defaults_are_the_documented_ones() -> None:
    s = load_settings()
    assert s.fetch.timeout == timedelta(seconds=15)
    assert (s.fetch.per_host, s.fetch.total, s.fetch.allow_private_addresses) == (2, 200, False)
    assert s.probe.interval == timedelta(minutes=5)
    assert s.inspect.interval == timedelta(hours=24)
    assert s.alerts.report_after == timedelta(hours=24)
    assert s.http.listen == "127.0.0.1:8080"
    assert s.queue.redis_url == ""
    assert s.store.url.startswith("sqlite:///")
    assert s.timezone == "Asia/Shanghai"
    assert s.rules.profile == "census-2015"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15s", 15),
        ("5m", 300),
        ("24h", 86400),
        ("1.5h", 5400),
        ("500ms", 0.5),
        ("7d", 604800),
        (30, 30),
    ],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_duration_format_round_trips() -> None:
    for text in ("15s", "5m", "24h", "250ms", "90s"):
        assert format_duration(parse_duration(text)) in (text, "1m30s", "90s")


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "g.toml"
    cfg.write_text('[probe]\ninterval = "2m"\n[fetch]\nper_host = 3\n', encoding="utf-8")
    monkeypatch.setenv("GOVCRAWL_PROBE__INTERVAL", "2s")
    s = load_settings(cfg)
    assert s.probe.interval == timedelta(seconds=2)  # environment beats the file
    assert s.fetch.per_host == 3  # the file beats the default
    assert s.probe.confirm_after == timedelta(seconds=30)  # untouched keys keep defaults


def test_default_file_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "govcrawl.toml").write_text('timezone = "Asia/Urumqi"\n', encoding="utf-8")
    assert load_settings().timezone == "Asia/Urumqi"


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("GOVCRAWL_FETCH__TIMEOUT", "2x", "fetch.timeout"),
        ("GOVCRAWL_FETCH__PER_HOST", "0", "fetch.per_host"),
        ("GOVCRAWL_PROBE__INTERVAL", "0s", "probe.interval"),
        ("GOVCRAWL_HTTP__LISTEN", "nowhere", "http.listen"),
        ("GOVCRAWL_TIMEZONE", "Mars/Olympus", "timezone"),
    ],
)
def test_bad_value_names_the_key(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")) as info:
        load_settings()
    assert env in str(info.value)


def test_unknown_key_in_file(tmp_path: Path) -> None:
    cfg = tmp_path / "g.toml"
    cfg.write_text("[fetch]\nper_hots = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fetch\.per_hots: unknown key"):
        load_settings(cfg)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    cfg = tmp_path / "g.toml"
    cfg.write_text("[fetch\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_secrets_are_masked(tmp_path: Path) -> None:
    cfg = tmp_path / "g.toml"
    cfg.write_text(
        '[store]\nurl = "postgresql://gov:hunter2@db/gov"\n'
        '[http]\ntoken = "t0ken"\n'
        '[[alerts.hooks]]\ntype = "dingtalk"\n'
        'url = "https://oapi.dingtalk.com/robot/send?access_token=abc123"\nsecret = "SECxyz"\n',
        encoding="utf-8",
    )
    shown = repr(effective_config(load_settings(cfg)))
    for secret in ("hunter2", "t0ken", "abc123", "SECxyz"):
        assert secret not in shown
    assert "***" in shown


def test_example_file_is_current_and_loads(tmp_path: Path) -> None:
    from crawler.config_example import example_toml

    shipped = Path(__file__).parents[2] / "deploy" / "govcrawl.example.toml"
    assert shipped.read_text(encoding="utf-8") == example_toml(), (
        "regenerate: govcrawl config example > deploy/govcrawl.example.toml"
    )
    # Every key uncommented must still be a valid configuration.
    active = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line and line[2].islower() else line
        for line in example_toml().splitlines()
    )
    cfg = tmp_path / "all.toml"
    cfg.write_text(active.replace("\nfile =", "\n# file ="), encoding="utf-8")
    assert load_settings(cfg).fetch.per_host == 2
