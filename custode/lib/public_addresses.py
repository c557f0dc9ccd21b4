"""Whether a host is on the public Internet: what a stranger's webhook may point Custode at.

A subscriber fills in a URL on a public form; Custode must not be aimed inward (loopback, the LAN, a cloud's
metadata address). The name is checked at sign-up and again at every delivery, and the delivery connects to
the very address that was checked, so a name that later resolves elsewhere (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import ipaddress
import socket


class NotPublic(Exception):
    """The host is, or resolves to, an address that is not on the public Internet (or does not resolve)."""


def public_address(host: str, port: int) -> str:
    """An address HOST resolves to, when every one of them is public; NotPublic otherwise."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as e:
            raise NotPublic(f"{host} does not resolve ({e})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    inward = [a for a in addresses if not a.is_global]
    if not addresses or inward:
        raise NotPublic(f"{host} is not a public Internet address" + (f" ({inward[0]})" if inward else ""))
    return str(addresses[0])
