"""Requests the service makes to addresses sites give it (webhooks).

A site chooses the URL, so it could point the service at the machine
itself, the cloud's metadata endpoint or the private network. The policy:
every address a URL's host resolves to must be public (globally routable)
unless it lies in a network the operator allowed
(``MODERATION_WEBHOOK_ALLOWED_NETWORKS``). The check runs when the URL is
registered and again before each delivery, after resolving the name, and
the connection goes to the very addresses that were checked, so a name that
changes its answer (DNS rebinding) cannot get around it.

A delivery is one POST: redirects are not followed (a 3xx is a failure),
and the whole exchange, from connecting to the last header, has a deadline.
"""

import contextlib
import http.client
import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """The URL may not be called under the policy."""


@dataclass
class Reply:
    status: int


def parse_networks(values) -> list[Network]:
    """Networks from the setting: a list, or one string separated by commas
    or spaces. A bad entry stops the start with a message naming it."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    networks = []
    for value in values or []:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"MODERATION_WEBHOOK_ALLOWED_NETWORKS: {value!r} is not a network "
                "such as 10.0.0.0/8 or 127.0.0.1/32"
            ) from None
    return networks


# Blocks the IANA special-purpose registries (RFC 6890 and updates) mark as
# not globally reachable, checked besides ``ipaddress``'s own answer: its
# tables differ between Python releases (3.11.7 calls 192.0.0.0/24, where
# some clouds keep their metadata service, global).
NOT_GLOBAL = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "100::/64", "2001::/32", "2001:2::/48", "2001:10::/28",
        "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)  # fmt: skip
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix (RFC 6052)


def _inner(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64): where it leads."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    inner = address.ipv4_mapped or address.sixtofour
    if inner is None and address in NAT64:
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return inner


def _kind(address: Address) -> str | None:
    """Why an address is not public, or None when it is."""
    address = _inner(address) or address
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    if not address.is_global or any(address in block for block in NOT_GLOBAL):
        return "non-public"
    return None


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("the webhook URL must start with http:// or https:// and name a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the webhook URL's port is not a number from 0 to 65535") from None
    return parts.scheme, parts.hostname, port


def checked_addresses(url: str, allowed: list[Network]) -> list[str]:
    """Resolve the URL's host and apply the policy; the addresses to use."""
    _, host, port = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the host {host!r} cannot be resolved ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        kind = _kind(address)
        forms = [address, *filter(None, [_inner(address)])]
        if kind and not any(form in net for form in forms for net in allowed):
            raise Refused(
                f"{host} resolves to {address}, {_article(kind)} {kind} address; an operator "
                "can allow its network with MODERATION_WEBHOOK_ALLOWED_NETWORKS"
            )
    return addresses


def post(url: str, body: bytes, headers: dict, allowed: list[Network], deadline: float) -> Reply:
    """POST once to the checked addresses; raises Refused, TimeoutError or OSError."""
    scheme, host, port = _split(url)
    addresses = checked_addresses(url, allowed)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = (
        http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port, timeout=deadline)
    # Connect to the addresses just checked, not to a fresh lookup of the
    # name; TLS still verifies the certificate against the host name.
    connection._create_connection = _pinned(addresses)
    expired = threading.Event()

    def cut_off():
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(deadline, cut_off)
    timer.daemon = True
    timer.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise TimeoutError(f"no complete answer within {deadline:g} s") from None
        raise OSError(str(exc) or type(exc).__name__) from None
    finally:
        timer.cancel()
        connection.close()
    if expired.is_set():
        raise TimeoutError(f"no complete answer within {deadline:g} s")
    return Reply(status)


def _pinned(addresses: list[str]):
    def create_connection(address, timeout=None, source_address=None):
        error: OSError | None = None
        for ip in addresses:
            try:
                return socket.create_connection((ip, address[1]), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error or OSError("no address to connect to")

    return create_connection
