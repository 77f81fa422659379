"""No test reaches the internet: the session's guard refuses any host but this machine."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.conftest import ESCAPES, NetworkBlocked


@pytest.fixture
def forgiven() -> Iterator[list[str]]:
    """The escapes this test makes on purpose, taken back so the guard's check passes."""
    before = len(ESCAPES)
    attempts: list[str] = []
    yield attempts
    attempts.extend(ESCAPES[before:])
    del ESCAPES[before:]


def test_a_connection_to_another_host_fails_loudly_and_is_recorded(forgiven: list[str]) -> None:
    before = len(ESCAPES)
    with socket.socket() as sock, pytest.raises(NetworkBlocked, match="203.0.113.7"):
        sock.connect(("203.0.113.7", 443))
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(("api.stripe.com", 443))  # a name connect() would resolve itself
    with pytest.raises(NetworkBlocked, match="api.stripe.com"):
        socket.create_connection(("api.stripe.com", 443), timeout=1)
    assert len(ESCAPES) - before == 3  # recorded too: a test that swallows the error still fails


def test_loopback_stays_open() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection((host, server.getsockname()[1]), timeout=2):
                pass
    assert socket.getaddrinfo("localhost", 80)
