"""Redis with a password: a Gate whose shared location is redis://USER:PASSWORD@HOST:PORT/DB.

Each test module starts its own redis-server on a free 127.0.0.1 port, with a password for the default
user and the ACL user the documentation gives operators. The password holds every character a location
must percent-encode, and no message may ever show it.
"""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Iterator
from urllib.parse import quote

import pytest

import ssogate
from ssogate.testing import TestIdp

PASSWORD = "p@ss:w/rd#1%"
ADMIN_PASSWORD = "Adm1nPassw0rd"
# The ACL line of docs/stores.md (after ACL SETUSER), with the password filled in.
ACL = (
    f"ssogate on >{PASSWORD} resetkeys ~ssogate:* resetchannels -@all +ping +select +eval +exists +get +set +del "
    "+hset +hmget +hgetall +hdel +hincrby +pexpire +pttl"
)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
            c.sendall(f"AUTH {ADMIN_PASSWORD}\r\nPING\r\n".encode())
            time.sleep(0.05)
            return b"+PONG" in c.recv(256)
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis")), "--requirepass", ADMIN_PASSWORD, "--user", *ACL.split()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _login(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection, email: str) -> ssogate.GateOutcome:
    return gate.consume(conn.id, idp.response(conn, nameid=email).base64)


def test_a_gate_with_an_acl_user_logs_in_and_refuses_a_replay(
    redis_port: int, idp: TestIdp, conn: ssogate.Connection
) -> None:
    shared = f"redis://ssogate:{quote(PASSWORD, safe='')}@127.0.0.1:{redis_port}/3"
    with ssogate.Gate.open("memory:", shared) as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        g.add_member("acme", "alice@example.com")
        response = idp.response(conn, nameid="alice@example.com").base64
        assert g.consume(conn.id, response).kind == "LOGIN"
        again = g.consume(conn.id, response)
        assert (again.kind, again.reason) == ("DENIED", "REPLAYED")


def test_the_default_users_password_alone(redis_port: int, idp: TestIdp, conn: ssogate.Connection) -> None:
    with ssogate.Gate.open("memory:", f"redis://:{ADMIN_PASSWORD}@127.0.0.1:{redis_port}") as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        g.add_member("acme", "alice@example.com")
        assert _login(g, idp, conn, "alice@example.com").kind == "LOGIN"


def test_a_wrong_password_is_store_auth_at_open_naming_address_and_user_not_password(redis_port: int) -> None:
    with pytest.raises(ssogate.StoreError) as info:
        ssogate.Gate.open("memory:", f"redis://ssogate:Wr0ngPass@127.0.0.1:{redis_port}/3")
    assert info.value.code == ssogate.Code.STORE_AUTH
    assert info.value.code_name == "STORE_AUTH"
    message = info.value.message
    assert f"Redis at 127.0.0.1:{redis_port} refused the credentials of user 'ssogate'" in message
    assert "WRONGPASS" in message
    assert "Wr0ngPass" not in message and "Wr0ngPass" not in str(info.value)


def test_a_wrong_password_refuses_every_login(redis_port: int, idp: TestIdp, conn: ssogate.Connection) -> None:
    shared = f"redis://ssogate:Wr0ngPass@127.0.0.1:{redis_port}/3"
    with ssogate.Gate.open("memory:", shared, check_shared=False) as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        g.add_member("acme", "alice@example.com")
        outcome = _login(g, idp, conn, "alice@example.com")
        # Verification reports any store failure as STORE_UNAVAILABLE; the text carries Redis's refusal.
        assert (outcome.kind, outcome.error) == ("DENIED", ssogate.Code.STORE_UNAVAILABLE)
        assert "refused the credentials of user 'ssogate'" in outcome.reason_text
        assert "Wr0ngPass" not in outcome.reason_text
        assert "Wr0ngPass" not in outcome.user_message


def test_no_password_for_a_redis_that_needs_one(redis_port: int) -> None:
    with pytest.raises(ssogate.StoreError) as info:
        ssogate.Gate.open("memory:", f"redis://127.0.0.1:{redis_port}")
    assert info.value.code == ssogate.Code.STORE_AUTH
    assert "requires a password and the location has none" in info.value.message


def test_tls_and_unknown_parameters_are_refused_without_showing_the_password() -> None:
    with pytest.raises(ssogate.StoreError) as info:
        ssogate.Gate.open("memory:", "redis://ssogate:Sup3rS3cret@127.0.0.1:6379?tls=1")
    assert info.value.code == ssogate.Code.STORE_LOCATION
    assert "unknown parameter 'tls'" in info.value.message
    assert "redis://ssogate:***@127.0.0.1:6379" in info.value.message
    assert "Sup3rS3cret" not in str(info.value)

    # rediss:// reaches the Redis parser through the request store's location.
    with pytest.raises(ssogate.StoreError) as tls:
        ssogate.RequestStore.open("rediss://ssogate:Sup3rS3cret@127.0.0.1:6380")
    assert tls.value.code == ssogate.Code.STORE_LOCATION
    assert "stunnel or spiped" in tls.value.message
    assert "Sup3rS3cret" not in str(tls.value)
    with pytest.raises(ssogate.StoreError) as cache:
        ssogate.ReplayCache.open("rediss://ssogate:Sup3rS3cret@127.0.0.1:6380")
    assert cache.value.code == ssogate.Code.STORE_LOCATION
    assert "stunnel or spiped" in cache.value.message
    assert "Sup3rS3cret" not in str(cache.value)
