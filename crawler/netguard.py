"""Refusing to connect to addresses inside the operator's own network.

A link on a page, or a redirect, can point at 127.0.0.1, 10.x or the cloud metadata
address. The check runs on the address actually connected to (a resolver wrapper), so a
public name that resolves to a private address (DNS rebinding) is refused as well.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class BlockedAddressError(OSError):
    """Every address of a host is private, loopback, link-local or otherwise not public.

    An OSError so that aiohttp's connector passes it through as the cause of its
    connection error (where crawler.fetch recognises it).
    """

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} resolves to {reason} address {address}")
        self.host = host
        self.address = address
        self.reason = reason


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64 or 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def blocked_reason(address: str) -> str | None:
    """Why a connection to this IP address is refused, or None for a public address.

    Raises ValueError for something that is not an IP address.
    """
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]  # an IPv6 zone index ("fe80::1%eth0")
    )
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and (ip.ipv4_mapped is not None or ip in _NAT64):
            return blocked_reason(str(inner))  # a translated IPv4 address: judge that one
        if inner is not None and (reason := blocked_reason(str(inner))):
            return reason
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:  # shared (carrier-grade NAT) space and the like
        return "non-public"
    return None


def literal_address(host: str) -> str | None:
    """The host as an IP address string if it is one ('[::1]' -> '::1'), else None."""
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None
    return candidate


def same_host(a: str | None, b: str | None) -> bool:
    """Host names compared the way DNS does (case, trailing dot, IPv6 brackets)."""
    if not a or not b:
        return False
    return _norm(a) == _norm(b)


def _norm(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and drops non-public addresses from its answers.

    A host with some public addresses is connected through those only; a host with none
    raises BlockedAddressError. The connector caches what this returns, so a cached
    answer has passed the filter too.
    """

    def __init__(self, inner: AbstractResolver) -> None:
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        return filter_answers(host, answers)

    async def close(self) -> None:
        await self._inner.close()


def filter_answers(host: str, answers: list[ResolveResult]) -> list[ResolveResult]:
    if not answers:
        return answers  # nothing to connect to: the connector reports that itself
    allowed: list[ResolveResult] = []
    refused: tuple[str, str] | None = None
    for answer in answers:
        try:
            reason = blocked_reason(answer["host"])
        except ValueError:
            reason = "unparseable"
        if reason is None:
            allowed.append(answer)
        elif refused is None:
            refused = (answer["host"], reason)
    if not allowed:
        address, reason = refused or ("(none)", "no")
        raise BlockedAddressError(host, address, reason)
    return allowed
