"""Hook senders: generic webhook, DingTalk, WeCom and Feishu robots, SMTP mail.

Each ``send`` delivers one payload or raises DeliveryError with a reason that never
contains the hook's URL token, signing secret or mail password (they are scrubbed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import aiosmtplib
from yarl import URL

from crawler.alerts.messages import markdown, plain_text, title
from crawler.config import HookConfig, mask_url

SIGNATURE_HEADER = "X-Govcrawl-Signature"  # "sha256=<hex HMAC of the body>"
SEND_TIMEOUT = 20.0  # seconds for one delivery attempt
_TZ = ZoneInfo("Asia/Shanghai")


class DeliveryError(Exception):
    """One delivery attempt failed; the message is safe to log."""


def hook_id(hook: HookConfig) -> str:
    """Stable name of a configured hook (its outbox rows survive restarts and reordering)."""
    raw = "\n".join([hook.kind, hook.url.get_secret_value(), hook.sender, *hook.to])
    return f"{hook.kind}-{hashlib.sha256(raw.encode()).hexdigest()[:12]}"


def hook_label(hook: HookConfig) -> str:
    target = ", ".join(hook.to) if hook.kind == "mail" else mask_url(hook.url.get_secret_value())
    return f"{hook.kind} {target}".strip()


def _scrub(text: str, hook: HookConfig) -> str:
    secrets = [hook.url.get_secret_value(), hook.secret.get_secret_value()]
    url = hook.url.get_secret_value()
    if url:
        parts = urlsplit(url)
        secrets += [parts.query, parts.password or "", unquote(parts.password or "")]
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu bot 签名校验: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


async def _post(
    http: aiohttp.ClientSession,
    url: str | URL,
    body: bytes,
    headers: dict[str, str],
    check: Callable[[Any], bool] | None,
) -> None:
    async with http.post(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
        timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT),
        allow_redirects=False,
    ) as response:
        text = await response.text(errors="replace")
        if not 200 <= response.status < 300:
            raise DeliveryError(f"HTTP {response.status}: {text[:200]}")
        if check is not None:
            try:
                answer = json.loads(text)
            except ValueError as exc:
                raise DeliveryError(f"robot answered non-JSON: {text[:200]}") from exc
            if not check(answer):
                raise DeliveryError(f"robot refused the message: {text[:200]}")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


async def _webhook(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    body = _dumps(payload)
    headers = {"X-Govcrawl-Event": payload["event"]}
    if payload.get("delivery_id"):
        headers["X-Govcrawl-Delivery"] = payload["delivery_id"]
    if secret := hook.secret.get_secret_value():
        headers[SIGNATURE_HEADER] = webhook_signature(secret, body)
    await _post(http, hook.url.get_secret_value(), body, headers, None)


def _errcode_zero(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("errcode", 0) == 0


async def _dingtalk(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    url = URL(hook.url.get_secret_value())
    if secret := hook.secret.get_secret_value():
        stamp = int(time.time() * 1000)
        url = url.update_query(timestamp=str(stamp), sign=dingtalk_sign(secret, stamp))
    body = {
        "msgtype": "markdown",
        "markdown": {"title": title(payload), "text": markdown(payload, _TZ)},
    }
    await _post(http, url, _dumps(body), {}, _errcode_zero)


async def _wecom(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    body = {"msgtype": "markdown", "markdown": {"content": markdown(payload, _TZ)}}
    await _post(http, hook.url.get_secret_value(), _dumps(body), {}, _errcode_zero)


def _feishu_ok(answer: Any) -> bool:
    if not isinstance(answer, dict):
        return False
    return answer.get("code", answer.get("StatusCode", 0)) == 0


async def _feishu(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": plain_text(payload, _TZ)}}
    if secret := hook.secret.get_secret_value():
        stamp = int(time.time())
        body |= {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp)}
    await _post(http, hook.url.get_secret_value(), _dumps(body), {}, _feishu_ok)


async def _mail(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    url = urlsplit(hook.url.get_secret_value())
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise DeliveryError("mail hook url must be smtp://[user:pass@]host[:port] or smtps://…")
    if not hook.to:
        raise DeliveryError("mail hook has no recipients (to = [...])")
    message = EmailMessage()
    message["From"] = hook.sender or f"govcrawl@{url.hostname}"
    message["To"] = ", ".join(hook.to)
    subject = title(payload)
    if payload.get("name"):
        subject = f"{subject}：{payload['name']}（{payload['code']}）"
    message["Subject"] = subject
    if payload.get("delivery_id"):
        message["X-Govcrawl-Delivery"] = payload["delivery_id"]
    message.set_content(plain_text(payload, _TZ))
    implicit_tls = url.scheme == "smtps"
    await aiosmtplib.send(
        message,
        hostname=url.hostname,
        port=url.port or (465 if implicit_tls else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=implicit_tls,
        start_tls=None if not implicit_tls else False,  # STARTTLS when the server offers it
        timeout=SEND_TIMEOUT,
    )


SENDERS: dict[str, Callable[[HookConfig, dict, aiohttp.ClientSession], Awaitable[None]]] = {
    "webhook": _webhook,
    "dingtalk": _dingtalk,
    "wecom": _wecom,
    "feishu": _feishu,
    "mail": _mail,
}


async def send(hook: HookConfig, payload: dict, http: aiohttp.ClientSession) -> None:
    """Deliver one payload through one hook; DeliveryError (scrubbed) when it did not go."""
    try:
        await SENDERS[hook.kind](hook, payload, http)
    except DeliveryError as exc:
        raise DeliveryError(_scrub(str(exc), hook)) from None
    except (
        aiohttp.ClientError,
        aiosmtplib.SMTPException,
        OSError,
        TimeoutError,
        ValueError,
    ) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise DeliveryError(_scrub(f"{type(exc).__name__}: {reason}", hook)) from None
