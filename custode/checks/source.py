"""The local address the checks connect from: ``custode engine --source-address IP``.

A machine with several addresses (or several engines on one machine, each of its own location) can make its
checks leave from one of them. The engine sets it once, in its own context, before it starts any check; every
check task inherits it. Honoured by the HTTP, TLS, TCP, SMTP and DNS checks; ping, MySQL, PostgreSQL and Redis
connect from the address the system picks. An IPv4 source reaches IPv4 targets only, an IPv6 one IPv6 targets.
"""

from __future__ import annotations

import ipaddress
import socket
from contextvars import ContextVar

address: ContextVar[str | None] = ContextVar("custode_source_address", default=None)


def local_addr() -> tuple[str, int] | None:
    """What ``create_connection(local_addr=...)`` takes: the source address on any free port, None for the
    system's choice."""
    source = address.get()
    return (source, 0) if source else None


def usable(text: str) -> str | None:
    """Why TEXT cannot be a source address on this machine, or None when it can."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "must be an IP address, like 192.0.2.10 or 2001:db8::10"
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((str(ip), 0))
        except OSError as e:
            return f"is not an address of this machine ({e.strerror or e})"
    return None
