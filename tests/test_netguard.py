"""The address policy: which URLs and addresses the crawler refuses, and the opt-in."""

from __future__ import annotations

import pytest

from newscrawl.crawl import netguard
from newscrawl.crawl.netguard import (
    KIND_BAD_HOST,
    KIND_METADATA,
    KIND_PRIVATE,
    KIND_SCHEME,
    address_refusal,
    allow_private_from,
    literal_address,
    url_refusal,
)

PUBLIC = ["8.8.8.8", "151.101.1.140", "2a04:4e42::396", "::ffff:8.8.8.8", "64:ff9b::808:808",
          "2002:808:808::1"]  # fmt: skip
PRIVATE = [
    "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "100.64.0.1", "100.127.255.254", "169.254.1.1", "0.0.0.0", "224.0.0.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.5", "::1", "::", "fc00::1",
    "fd12:3456::1", "fe80::1", "fe80::1%eth0", "ff02::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1",
    "2002:7f00:1::1", "2002:c0a8:101::1", "64:ff9b:1::1",
]  # fmt: skip
METADATA = ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200",
            "169.254.170.2"]  # fmt: skip


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", PRIVATE)
def test_non_public_addresses_are_refused_unless_opted_in(address: str) -> None:
    refusal = address_refusal(address)
    assert refusal is not None and refusal.kind == KIND_PRIVATE, address
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", METADATA)
def test_metadata_addresses_are_refused_even_when_opted_in(address: str) -> None:
    for allow in (False, True):
        refusal = address_refusal(address, allow_private=allow)
        assert refusal is not None and refusal.kind == KIND_METADATA, (address, allow)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
     ("127.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("[::1]", "::1"),
     ("10.0.0.1.", "10.0.0.1"), ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254")],
)  # fmt: skip
def test_legacy_ipv4_spellings_are_read_as_addresses(spelling: str, expected: str) -> None:
    assert str(literal_address(spelling)) == expected


@pytest.mark.parametrize("name", ["example.com", "1.example", "cafe", "0xzz.1", "face.b00c"])
def test_names_are_not_addresses(name: str) -> None:
    assert literal_address(name) is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8000/admin", KIND_PRIVATE),
        ("http://2130706433/", KIND_PRIVATE),
        ("http://0x7f.1/", KIND_PRIVATE),
        ("http://[::1]:8080/", KIND_PRIVATE),
        ("http://[::ffff:192.168.0.1]/", KIND_PRIVATE),
        ("http://localhost/", KIND_PRIVATE),
        ("http://LOCALHOST./", KIND_PRIVATE),
        ("http://api.localhost/", KIND_PRIVATE),
        ("http://169.254.169.254/latest/meta-data/", KIND_METADATA),
        ("http://metadata.google.internal/computeMetadata/v1/", KIND_METADATA),
        ("http://[fd00:ec2::254]/", KIND_METADATA),
        ("file:///etc/passwd", KIND_SCHEME),
        ("ftp://example.com/x", KIND_SCHEME),
        ("gopher://example.com:70/", KIND_SCHEME),
        ("data:text/html,<b>x</b>", KIND_SCHEME),
        ("javascript:alert(1)", KIND_SCHEME),
        ("s3://bucket/key", KIND_SCHEME),
        ("http:///path-only", KIND_BAD_HOST),
        ("http://[::1/", KIND_BAD_HOST),
    ],
)
def test_url_refusals(url: str, kind: str) -> None:
    refusal = url_refusal(url)
    assert refusal is not None and refusal.kind == kind, (url, refusal)


@pytest.mark.parametrize(
    "url",
    ["https://fashionunited.uk/news/x", "http://www.highxtar.com/a?b=1", "HTTPS://WWD.COM/",
     "https://8.8.8.8/", "http://[2a04:4e42::396]/"],
)  # fmt: skip
def test_public_urls_pass(url: str) -> None:
    assert url_refusal(url) is None


def test_opt_in_allows_private_but_not_metadata_nor_schemes() -> None:
    assert url_refusal("http://127.0.0.1:8000/", allow_private=True) is None
    assert url_refusal("http://localhost:8000/", allow_private=True) is None
    assert url_refusal("http://169.254.169.254/", allow_private=True).kind == KIND_METADATA
    assert url_refusal("file:///etc/passwd", allow_private=True).kind == KIND_SCHEME


def test_opt_in_from_environment_and_settings() -> None:
    assert not allow_private_from({}, environ={})
    assert allow_private_from({}, environ={netguard.ENV_VAR: "1"})
    assert allow_private_from({}, environ={netguard.ENV_VAR: "true"})
    assert not allow_private_from({}, environ={netguard.ENV_VAR: "0"})
    assert allow_private_from({netguard.SETTING: True}, environ={})
    assert allow_private_from({netguard.SETTING: "1"}, environ={})
    assert not allow_private_from({netguard.SETTING: "False"}, environ={})
