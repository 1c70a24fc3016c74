"""The one settings model: every knob, its default and what it bounds.

Sources, lowest to highest priority: defaults here, a TOML file (``--config FILE``, or
``govcrawl.toml`` in the working directory), environment variables
``GOVCRAWL_<SECTION>__<KEY>`` (e.g. ``GOVCRAWL_PROBE__INTERVAL=2s``).
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_CONFIG_FILE = Path("govcrawl.toml")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key."""


def parse_duration(value: Any) -> timedelta:
    """'15s', '5m', '24h', '1.5h', '7d', '500ms' (a bare number means seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        if m := _DURATION.match(value):
            return timedelta(seconds=float(m.group(1)) * _UNIT_SECONDS[m.group(2)])
        if value.strip().replace(".", "", 1).isdigit():
            return timedelta(seconds=float(value))
    raise ValueError(f"{value!r} is not a duration (use e.g. 500ms, 15s, 5m, 24h, 7d)")


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds >= 2 * 86400 and seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    for unit in ("h", "m", "s"):  # "24h" reads better in this field than "1d"
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _positive(value: timedelta) -> timedelta:
    if value.total_seconds() <= 0:
        raise ValueError("must be longer than zero")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class StoreConfig(_Section):
    url: str = Field(
        "sqlite:///govcrawl.db",
        description="SQLAlchemy URL: sqlite:///file.db (default, in the working directory) "
        "or postgresql://user@host/db",
    )
    evidence_retention: PositiveDuration = Field(
        timedelta(days=90), description="problem pages kept this long (a site's latest: always)"
    )


class QueueConfig(_Section):
    redis_url: str = Field("", description="empty: in-process queue; redis://host:6379/0: arq")
    prefix: str = Field(
        "govcrawl", pattern=r"^[A-Za-z0-9_.-]+$", description="Redis queue and key name prefix"
    )
    probe_timeout: PositiveDuration = Field(
        timedelta(seconds=45), description="a probe job's bound (a killed worker's job waits +10 s)"
    )
    inspect_timeout: PositiveDuration = Field(
        timedelta(minutes=10),
        description="an inspection's bound over all its jobs; past it the link check stops "
        "short (link_check.truncated_time)",
    )
    inspect_slice: PositiveDuration = Field(
        timedelta(seconds=60),
        description="an inspection job's share of work; a longer inspection goes on in a "
        "further job from where it stopped (a killed worker's job waits this + 2 fetch "
        "timeouts + 15 s)",
    )
    probe_concurrency: int = Field(100, ge=1, le=10000, description="probes run at once")
    inspect_concurrency: int = Field(
        30, ge=1, le=5000, description="inspections a service or worker runs at once (~1.5 MB each)"
    )
    health_check_interval: PositiveDuration = Field(
        timedelta(seconds=30), description="how often a worker reports itself alive in Redis"
    )
    registry_poll: PositiveDuration = Field(
        timedelta(seconds=15), description="how often the scheduler re-reads the registry"
    )
    shutdown_grace: PositiveDuration = Field(
        timedelta(seconds=20), description="running jobs get this long to finish on SIGTERM"
    )


class HttpConfig(_Section):
    listen: str = Field("127.0.0.1:8080", description="host:port of /metrics, /healthz, /api")
    token: SecretStr = Field(SecretStr(""), description="bearer token for mutating endpoints")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port")
        return value


class FetchConfig(_Section):
    timeout: PositiveDuration = Field(
        timedelta(seconds=15), description="whole-request bound; 15 s is the census figure"
    )
    per_host: int = Field(2, ge=1, le=64, description="concurrent requests to one host")
    total: int = Field(200, ge=1, le=10000, description="concurrent requests in one process")
    host_delay: Duration = Field(
        timedelta(milliseconds=250), description="pause between requests to one host"
    )
    allow_private_addresses: bool = Field(
        False, description="follow links to private, loopback and link-local addresses"
    )
    user_agent: str = Field(
        "govcrawl/0.1 (+government website monitoring)", description="sent with every request"
    )
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="bytes read of one body")
    max_redirects: int = Field(10, ge=0, le=50, description="hops followed before giving up")


class ProbeConfig(_Section):
    interval: PositiveDuration = Field(
        timedelta(minutes=5), description="homepage probe period (census: >= 20 a day)"
    )
    confirm_after: PositiveDuration = Field(
        timedelta(seconds=30), description="second probe after a failure"
    )
    reference_urls: list[str] = Field(
        default_factory=lambda: ["https://www.yn.gov.cn/", "https://www.gov.cn/"],
        description="sites that tell whether this server itself is online; [] turns that off",
    )
    retention: PositiveDuration = Field(
        timedelta(days=35), description="single probes kept this long (hourly counts: always)"
    )


class InspectConfig(_Section):
    interval: PositiveDuration = Field(timedelta(hours=24), description="full inspection period")
    max_depth: int = Field(2, ge=0, le=10, description="link hops from the homepage crawled")
    max_pages: int = Field(300, ge=1, le=100000, description="pages crawled per site")
    max_columns: int = Field(60, ge=1, le=1000, description="column pages read per site")
    max_links: int = Field(2000, ge=1, le=1000000, description="distinct links checked per site")
    check_links: bool = Field(True, description="crawl the site and check its links")
    count_restricted_links: bool = Field(
        False, description="count 401/403/429 answers as broken links"
    )
    concurrent_sites: int = Field(
        100, ge=1, le=5000, description="sites `govcrawl check` inspects at once"
    )
    attempts: int = Field(3, ge=1, le=10, description="homepage tries before 'unreachable'")
    retry_delay: Duration = Field(timedelta(seconds=3), description="pause between those tries")


class HookConfig(_Section):
    # "type" was this key's first name; files written for it still load.
    kind: Literal["webhook", "dingtalk", "wecom", "feishu", "mail"] = Field(
        validation_alias=AliasChoices("kind", "type")
    )
    url: SecretStr = Field(
        SecretStr(""), description="endpoint, may carry a token; mail: smtp://user:pass@host:587"
    )
    secret: SecretStr = Field(SecretStr(""), description="signing secret where the robot has one")
    to: list[str] = Field(default_factory=list, description="mail recipients")
    sender: str = Field("", description="mail From address")
    notify_short_outages: bool = False


class AlertsConfig(_Section):
    report_after: PositiveDuration = Field(
        timedelta(hours=24), description="outage length that must be reported in writing"
    )
    hooks: list[HookConfig] = Field(default_factory=list)
    retry_initial: PositiveDuration = Field(
        timedelta(seconds=5), description="first pause before a failed delivery is retried"
    )
    retry_max: PositiveDuration = Field(
        timedelta(minutes=10), description="longest pause between retries (doubling up to it)"
    )


class RulesConfig(_Section):
    profile: Literal["census-2015", "inspection-2019"] = Field(
        "census-2015", description="census-2015 (国办发〔2015〕15号) or inspection-2019"
    )
    file: Path | None = Field(None, description="operator overrides of rules/*.yaml")

    @field_validator("file")
    @classmethod
    def _exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"rules file {str(value)!r} does not exist")
        return value


class RegistryConfig(_Section):
    province_prefix: str = Field("53", pattern=r"^\d{2}$", description="53 = Yunnan")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GOVCRAWL_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    store: StoreConfig = StoreConfig()
    queue: QueueConfig = QueueConfig()
    http: HttpConfig = HttpConfig()
    fetch: FetchConfig = FetchConfig()
    probe: ProbeConfig = ProbeConfig()
    inspect: InspectConfig = InspectConfig()
    alerts: AlertsConfig = AlertsConfig()
    rules: RulesConfig = RulesConfig()
    registry: RegistryConfig = RegistryConfig()
    timezone: str = Field("Asia/Shanghai", description="dates are calendar dates in this zone")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment must beat them.
        return env_settings, init_settings


def _describe(exc: ValidationError, origin: str) -> str:
    lines = [f"invalid configuration ({origin}):"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"])
        env = "GOVCRAWL_" + "__".join(str(p).upper() for p in err["loc"] if isinstance(p, str))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"  {key}: {msg} (file key {key}, or {env})")
    return "\n".join(lines)


def load_settings(config_file: Path | None = None) -> Settings:
    """Settings from the file (if any) and the environment; ConfigError names the bad key."""
    path = config_file
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    data: dict[str, Any] = {}
    origin = "defaults and environment"
    if path is not None:
        origin = f"{path} and environment"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from exc


def mask_url(url: str) -> str:
    """Hide a password and query string (robot webhooks carry access tokens there)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.password and not parts.query:
        return url
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":***@")
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def effective_config(settings: Settings) -> dict[str, Any]:
    """The whole configuration as plain data, secrets masked, ready to print."""
    data = settings.model_dump(mode="json")
    data["store"]["url"] = mask_url(settings.store.url)
    data["queue"]["redis_url"] = mask_url(settings.queue.redis_url)
    data["http"]["token"] = "***" if settings.http.token.get_secret_value() else ""
    for hook, raw in zip(data["alerts"]["hooks"], settings.alerts.hooks, strict=True):
        hook["url"] = mask_url(raw.url.get_secret_value())
        hook["secret"] = "***" if raw.secret.get_secret_value() else ""
    return data
