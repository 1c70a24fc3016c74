"""Alert texts and secret scrubbing (pure parts of crawler.alerts)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.alerts.hooks import _scrub, hook_id, webhook_signature
from crawler.alerts.messages import human_duration, markdown, outage_payload, plain_text
from crawler.config import HookConfig

SITE = {"code": "5301000043", "name": "昆明市人民政府法制办公室", "region": "昆明",
        "department": "昆明市人民政府", "url": "http://fzb.km.gov.cn/"}  # fmt: skip


def _payload(event: str, ended: datetime | None = None) -> dict:
    return outage_payload(
        event,  # type: ignore[arg-type]
        site=SITE, window_id=7, started_at=datetime(2026, 11, 28, 1, 0, tzinfo=UTC),
        ended_at=ended, duration_s=90_061.0, cause="timeout", last_error="timeout: no answer",
        probe_count=301, report_after_s=86_400,
    )  # fmt: skip


def test_report_due_text_has_what_a_written_report_needs() -> None:
    text = markdown(_payload("outage_report_due"))
    assert "超过24小时无法恢复，需书面报备" in text
    needed = ("昆明市人民政府法制办公室", "5301000043", "昆明", "昆明市人民政府",
              "http://fzb.km.gov.cn/", "2026-11-28 09:00:00", "1天1小时", "timeout")  # fmt: skip
    for part in needed:
        assert part in text, part


def test_recovered_text_has_total_duration() -> None:
    text = plain_text(_payload("outage_recovered", datetime(2026, 11, 29, 2, 1, 1, tzinfo=UTC)))
    assert "已恢复" in text and "恢复时间：2026-11-29 10:01:01" in text and "故障总时长" in text


def test_human_duration() -> None:
    assert human_duration(42) == "0分42秒"
    assert human_duration(3 * 3600 + 120) == "3小时2分"
    assert human_duration(2 * 86400 + 3600) == "2天1小时"
    assert human_duration(None) == "-"


def test_secrets_are_scrubbed_and_ids_stable() -> None:
    hook = HookConfig(kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=abc123",
                      secret="SECxyz")  # type: ignore[arg-type]  # fmt: skip
    text = _scrub(
        "POST https://oapi.dingtalk.com/robot/send?access_token=abc123 failed SECxyz", hook
    )
    assert "abc123" not in text and "SECxyz" not in text
    mail = HookConfig(kind="mail", url="smtp://duty:p%40ss@mail.example:587", to=["a@b"])  # type: ignore[arg-type]
    assert "p@ss" not in _scrub("auth failed for p@ss and p%40ss", mail)
    assert hook_id(hook) == hook_id(hook.model_copy()) != hook_id(mail)
    assert HookConfig.model_validate({"type": "wecom", "url": "http://x"}).kind == "wecom"


def test_webhook_signature_matches_openssl() -> None:
    # echo -n '{"a":1}' | openssl dgst -sha256 -hmac key
    expected = "sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
    assert webhook_signature("key", b'{"a":1}') == expected
