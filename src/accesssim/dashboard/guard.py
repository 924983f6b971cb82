"""Which requests the dashboard server answers: those addressed to the host and port it serves
(``Host``), sent from its own pages (``Origin``, when a browser sends one).

Why: the server listens on 127.0.0.1, but any web page open in the same browser can ask the
browser to connect there. Without these checks a page from ``http://evil.example`` could open
the dashboard's WebSocket and drive the model (a cross-site WebSocket), or reach it through a
name of its own that resolves to 127.0.0.1 (DNS rebinding). Browsers always send ``Origin``
with a WebSocket upgrade and with cross-site requests, and cannot forge it or ``Host``.

Allowed ``Host`` values: the ``--host`` address, plus ``localhost``, ``127.0.0.1`` and
``[::1]`` when it is a loopback or wildcard address, plus this machine's name and addresses
when it is a wildcard (``0.0.0.0``, ``::``); each with the port (or without it on port 80).
An ``Origin`` must be ``http://`` or ``https://`` followed by an allowed host. Anything else
gets ``403 Forbidden`` (for a WebSocket: the upgrade is refused with 403).

A plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` does not see WebSockets), added to
Solara's Starlette app by ``cli.dashboard_server`` before the server starts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

log = logging.getLogger("accesssim.dashboard")

LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")


def _bracketed(host: str) -> str:
    """An IPv6 literal as it appears in a Host header (``[::1]``)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _machine_names() -> set[str]:
    """This machine's names and addresses (for a server on every interface)."""
    names = set()
    try:
        hostname = socket.gethostname()
        names |= {hostname, socket.getfqdn()}
        for info in socket.getaddrinfo(hostname, None):
            names.add(_bracketed(info[4][0]))
    except OSError:
        pass
    return {n.lower() for n in names if n}


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """``Host`` header values the server at ``host:port`` answers (lower case)."""
    names = {_bracketed(host.lower())} if host not in WILDCARDS else set()
    if host in WILDCARDS or _is_loopback(host):
        names |= set(LOCAL_NAMES)
    if host in WILDCARDS:
        names |= _machine_names()
    out = {f"{n}:{port}" for n in names}
    if port == 80:
        out |= names
    return frozenset(out)


def refusal(headers: list[tuple[bytes, bytes]], hosts: frozenset[str]) -> str | None:
    """Why a request with these (ASGI) headers is refused, or None when it is allowed."""
    host_values = [v.decode("latin-1").lower() for k, v in headers if k.lower() == b"host"]
    origins = [v.decode("latin-1").lower() for k, v in headers if k.lower() == b"origin"]
    if len(host_values) != 1 or host_values[0] not in hosts:
        return f"Host {host_values or None} is not this server ({', '.join(sorted(hosts))})"
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or rest.rstrip("/") not in hosts:
            return f"Origin {origin!r} is not a page of this server"
    return None


class RequestGuard:
    """ASGI middleware: ``403`` for an HTTP request or WebSocket upgrade whose ``Host`` or
    ``Origin`` is not this server (``allowed_hosts``); other requests pass through."""

    def __init__(self, app, host: str, port: int):
        self.app = app
        self.hosts = allowed_hosts(host, port)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            why = refusal(scope.get("headers", []), self.hosts)
            if why is not None:
                log.warning("refused %s %s: %s", scope["type"], scope.get("path"), why)
                if scope["type"] == "websocket":
                    # a close before accept: the server answers the upgrade with 403
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    body = f"403 Forbidden: {why}\n".encode()
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 403,
                            "headers": [
                                (b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
