"""Where the crawler may go: the address policy, in plain Python (no Scrapy).

A crawl follows links that strangers wrote. Without a policy, a hostile page (or a redirect, or a
DNS name that resolves to ``10.0.0.5``) turns a crawler running inside a company network or a
cloud VM into a proxy against that network: admin panels on private addresses, the cloud
metadata service that hands out credentials. So by default the crawler only fetches ``http(s)``
URLs whose host is, or resolves to, a public (globally routable) address.

Refused, unless ``allow_private`` is set: loopback, RFC 1918 private, carrier-grade NAT
(100.64/10), link-local, multicast, reserved, unspecified and documentation ranges, IPv6
unique-local and link-local, and IPv4 addresses hidden inside IPv6 (IPv4-mapped, IPv4-compatible,
6to4, NAT64, Teredo), plus ``localhost`` names and integer/hex/octal IPv4 spellings
(``2130706433``, ``0x7f.1``) that the system resolver would quietly accept.

Cloud metadata endpoints are refused even with ``allow_private``: nothing a news crawler needs
lives there, and it is the one target that turns a stray request into leaked credentials.

The Scrapy side (``newscrawl.spiders.netguard``) applies this to every request, every redirect
hop and every DNS answer.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

ENV_VAR = "NEWSCRAWL_ALLOW_PRIVATE_NETWORK"
SETTING = "NEWSCRAWL_ALLOW_PRIVATE_NETWORK"
ALLOWED_SCHEMES = frozenset({"http", "https"})

# Refusal kinds, also the suffix of the crawl stats keys ``newscrawl/refused/<kind>``.
KIND_SCHEME = "scheme"
KIND_PRIVATE = "private-address"
KIND_METADATA = "metadata-address"
KIND_BAD_HOST = "bad-host"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services (AWS/GCP/Azure/OpenStack/DigitalOcean share 169.254.169.254; AWS
# IPv6 and ECS task endpoints; Alibaba's 100.100.100.200) and the names that point at them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "169.254.169.123", "fd00:ec2::254",
              "fd00:ec2::23", "100.100.100.200")
)  # fmt: skip
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
     "instance-data.ec2.internal", "metadata.azure.internal"}
)  # fmt: skip

# Ranges refused on top of what ``ipaddress`` calls non-global. Listed explicitly because the
# ``is_global``/``is_private`` tables changed between Python patch releases.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10",
        "ff00::/8", "64:ff9b:1::/48",
    )
)  # fmt: skip
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a URL or address is refused: a stable ``kind`` for stats, a ``reason`` for logs."""

    kind: str
    reason: str


def allow_private_from(
    settings: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    """The opt-in: the ``NEWSCRAWL_ALLOW_PRIVATE_NETWORK`` setting or environment variable."""
    environ = os.environ if environ is None else environ
    if _truthy(environ.get(ENV_VAR)):
        return True
    if settings is not None:
        getbool = getattr(settings, "getbool", None)
        if callable(getbool):
            return bool(getbool(SETTING, False))
        return _truthy(settings.get(SETTING))
    return False


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPAT and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str | IPAddress, allow_private: bool = False) -> Refusal | None:
    """Why the crawler must not connect to ``address``, or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return Refusal(KIND_BAD_HOST, f"not an IP address: {address!r}")
    # An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4, ...) reaches that IPv4 host.
    inner = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    candidates: list[IPAddress] = [ip] if inner is None else [inner]
    for candidate in candidates:
        if candidate in METADATA_ADDRESSES:
            return Refusal(KIND_METADATA, f"{ip} is a cloud metadata address")
    if allow_private:
        return None
    for candidate in candidates:
        if _is_non_public(candidate):
            return Refusal(KIND_PRIVATE, f"{ip} is not a public address")
    return None


def _is_non_public(ip: IPAddress) -> bool:
    if any(ip.version == net.version and ip in net for net in _EXTRA_BLOCKED):
        return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is one, in any spelling a resolver would accept.

    Besides dotted quads and IPv6, ``inet_aton`` (which ``gethostbyname`` uses) reads
    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` as 127.0.0.1.
    """
    host = host.strip().strip("[]").rstrip(".")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def host_refusal(host: str | None, allow_private: bool = False) -> Refusal | None:
    """Refusal for a URL host, decided without DNS (names are checked again once resolved)."""
    if not host:
        return Refusal(KIND_BAD_HOST, "URL has no host")
    name = host.strip().strip("[]").rstrip(".").lower()
    if name in METADATA_HOSTS:
        return Refusal(KIND_METADATA, f"{name} is a cloud metadata host")
    ip = literal_address(name)
    if ip is not None:
        return address_refusal(ip, allow_private)
    if not allow_private and (name == "localhost" or name.endswith(".localhost")):
        return Refusal(KIND_PRIVATE, f"{name} is a loopback name")
    return None


def url_refusal(url: str, allow_private: bool = False) -> Refusal | None:
    """Why the crawler must not fetch ``url`` (scheme, host), or None when it may try.

    A host name that passes here is checked again after DNS resolution, on every connection.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return Refusal(KIND_BAD_HOST, f"unparseable URL: {exc}")
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return Refusal(KIND_SCHEME, f"scheme {scheme or '(none)'!r} is not http(s)")
    return host_refusal(host, allow_private)
