"""The commented example configuration, generated from the settings model itself.

deploy/govcrawl.example.toml is this output; a test keeps the two the same.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from crawler.config import Settings, effective_config

HEADER = """\
# govcrawl configuration. Every key with its default; uncomment what you change.
# Any key can also be set in the environment: GOVCRAWL_<SECTION>__<KEY>, e.g.
# GOVCRAWL_PROBE__INTERVAL=2m. Durations: 500ms, 15s, 5m, 24h, 7d.
"""

HOOK_EXAMPLE = """\
# Alert hooks (any number). kind: webhook | dingtalk | wecom | feishu | mail
#   [[alerts.hooks]]
#   kind = "dingtalk"
#   url = "https://oapi.dingtalk.com/robot/send?access_token=..."
#   secret = "SEC..."
#   notify_short_outages = false
"""


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _lines(model: type[BaseModel], values: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, info in model.model_fields.items():
        if name == "hooks":
            continue
        value = values[name]
        if isinstance(value, dict):
            continue
        if info.description:
            out.append(f"# {info.description}")
        out.append(f"# {name} = {_value(value)}" if value is not None else f"# {name} =")
    return out


def example_toml() -> str:
    # model_construct: the defaults alone, without the file or the environment
    values = effective_config(Settings.model_construct())
    parts = [HEADER, *_lines(Settings, values), ""]
    for name, info in Settings.model_fields.items():
        section = values[name]
        if not isinstance(section, dict):
            continue
        annotation = info.annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        parts.append(f"[{name}]")
        parts.extend(_lines(annotation, section))
        if name == "alerts":
            parts.append("")
            parts.append(HOOK_EXAMPLE.rstrip("\n"))
        parts.append("")
    return "\n".join(parts)
