"""The private-address guard: which addresses are refused, and the resolver wrapper."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from crawler.netguard import (
    BlockedAddressError,
    GuardedResolver,
    blocked_reason,
    literal_address,
    same_host,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),  # reserved, and listed as private by Python
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:c0a8:0101::1", "private"),  # 6to4 of 192.168.1.1
    ],
)
def test_blocked(address: str, reason: str) -> None:
    assert blocked_reason(address) == reason


@pytest.mark.parametrize(
    "address",
    ["202.98.160.68", "8.8.8.8", "2400:3200::1", "::ffff:202.98.160.68", "64:ff9b::ca62:a044"],
)
def test_public(address: str) -> None:
    assert blocked_reason(address) is None


def test_not_an_address() -> None:
    with pytest.raises(ValueError):
        blocked_reason("www.yn.gov.cn")


def test_literal_address() -> None:
    assert literal_address("127.0.0.1") == "127.0.0.1"
    assert literal_address("[::1]") == "::1"
    assert literal_address("www.yn.gov.cn") is None
    assert literal_address("127.1") is None  # left to the resolver, which is guarded


def test_same_host() -> None:
    assert same_host("WWW.YN.GOV.CN.", "www.yn.gov.cn")
    assert same_host("[::1]", "::1")
    assert not same_host("yn.gov.cn", "www.yn.gov.cn")
    assert not same_host("www.yn.gov.cn", None)


class FixedResolver(AbstractResolver):
    """Answers every name with the given addresses."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


async def test_resolver_drops_private_answers() -> None:
    resolver = GuardedResolver(FixedResolver("10.0.0.5", "202.98.160.68"))
    answers = await resolver.resolve("mixed.example", 80)
    assert [a["host"] for a in answers] == ["202.98.160.68"]


async def test_resolver_refuses_a_name_with_only_private_answers() -> None:
    resolver = GuardedResolver(FixedResolver("127.0.0.1", "::1"))
    with pytest.raises(BlockedAddressError) as caught:
        await resolver.resolve("rebind.example", 80)
    assert caught.value.reason == "loopback"
    assert isinstance(caught.value, OSError)  # what aiohttp's connector passes through


async def test_resolver_closes_the_inner_one() -> None:
    inner = FixedResolver()
    await GuardedResolver(inner).close()
    assert inner.closed
