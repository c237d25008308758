"""Where the sandbox listens and how a person reaches it: the address its links name, this machine's address
for other machines, and one line (never a traceback) when it cannot listen."""

from __future__ import annotations

import errno
import ipaddress
import socket

# Listening on every interface: links name the loopback address, which always reaches it from this machine.
_EVERY_INTERFACE = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # noqa: S104 (recognised, not bound)
_DOCUMENTATION_ADDRESS = "192.0.2.1"  # TEST-NET-1: routed like any outside address, never a real host


def reachable_host(host: str) -> str:
    """The address a link should name for a server listening on `host`."""
    return _EVERY_INTERFACE.get(host, host)


def listens_everywhere(host: str) -> bool:
    return host in _EVERY_INTERFACE


def url_host(host: str) -> str:
    """`host` as it goes in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


def outward_address() -> str | None:
    """This machine's address on its default route, as other machines on its network reach it; None without
    one. Connecting a UDP socket only picks the route: no packet is sent."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((_DOCUMENTATION_ADDRESS, 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


def listen_problem(error: OSError, host: str, port: int) -> str:
    """One line saying why the sandbox cannot listen on host:port, and what to do."""
    if error.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use (another sandbox?): stop what uses it, or pick another "
                "port with --port (--port 0 picks a free one).")
    if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
        return (f"--host {host} is not an address of this machine: use 127.0.0.1 (this machine only), 0.0.0.0 "
                "(every interface) or one of this machine's own addresses.")
    if error.errno == errno.EACCES:
        return f"this user may not listen on port {port} (below 1024 needs root): pick another port with --port."
    return f"cannot listen on {host}:{port} ({error.strerror or error}): try another --host or --port."
