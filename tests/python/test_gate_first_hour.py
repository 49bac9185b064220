"""What a new user of the Gate meets in the first hour: closing it, a Redis that does not answer,
changing a connection's settings, reading the audit log, the member confirm_join creates."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest

import ssogate
from ssogate.testing import TestIdp


@pytest.fixture(params=["memory", "sqlite"])
def gate(request: pytest.FixtureRequest, tmp_path: Path, conn: ssogate.Connection) -> Iterator[ssogate.Gate]:
    # The same calls over both built-in directories: memory filters the audit log in the library,
    # SQLite in one SQL statement.
    location = "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'gate.db'}"
    with ssogate.Gate.open(location) as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        yield g


def login(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection, email: str) -> ssogate.GateOutcome:
    return gate.consume(conn.id, idp.response(conn, nameid=email).base64)


# ---- close() and the context manager ----


def test_close_and_context_manager(tmp_path: Path) -> None:
    location = f"sqlite:{tmp_path / 'sso.db'}"
    with ssogate.Gate.open(location) as g:
        assert not g.closed
        g.create_account("acme", "Acme")
    assert g.closed and "closed" in repr(g)
    with pytest.raises(ssogate.InvalidArgument, match="is closed: open a new one with Gate.open"):
        g.create_account("other", "Other")
    with pytest.raises(ssogate.InvalidArgument, match="is closed"):
        g.read_audit()
    with pytest.raises(ssogate.InvalidArgument, match="is closed"):
        g.consume("okta", b"PHg+")
    with pytest.raises(ssogate.InvalidArgument, match="is closed"):
        with g:
            pass
    g.close()  # twice is allowed
    # The store is released and keeps what was written: a new gate opens it.
    again = ssogate.Gate.open(location)
    with pytest.raises(ssogate.StoreConflict):
        again.create_account("acme", "Acme")
    again.close()


def test_close_while_another_thread_logs_in(gate: ssogate.Gate, idp: TestIdp,
                                                      conn: ssogate.Connection) -> None:
    gate.add_member("acme", "alice@example.com")
    results: List[str] = []

    def worker() -> None:
        for _ in range(20):
            try:
                results.append(login(gate, idp, conn, "alice@example.com").kind)
            except ssogate.InvalidArgument as e:
                results.append(e.message)

    t = threading.Thread(target=worker)
    t.start()
    time.sleep(0.01)
    gate.close()
    t.join()
    # Every call either completed as a login or was refused as closed: nothing crashed in between.
    assert results and all(r == "LOGIN" or "is closed" in r for r in results), results


# ---- Redis at open ----


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_open_with_a_redis_that_does_not_answer_fails_at_once() -> None:
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(ssogate.StoreError) as info:
        ssogate.Gate.open("memory:", f"redis://127.0.0.1:{port}/0")
    assert time.monotonic() - started < 5
    assert info.value.code == ssogate.Code.STORE_UNAVAILABLE
    assert f"Redis at 127.0.0.1:{port} did not answer" in info.value.message
    assert "check_shared=False" in info.value.message
    # Opt out: the gate opens, and a login is then refused (fail closed), not let through.
    g = ssogate.Gate.open("memory:", f"redis://127.0.0.1:{port}/0", check_shared=False)
    g.close()


def test_open_with_a_server_that_refuses_ping(tmp_path: Path) -> None:
    # Something that answers but is not a usable Redis (here: one that demands a password).
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def answer() -> None:
        c, _ = server.accept()
        with c:
            c.recv(64)
            c.sendall(b"-NOAUTH Authentication required.\r\n")

    t = threading.Thread(target=answer)
    t.start()
    try:
        with pytest.raises(
            ssogate.StoreError, match=rf"Redis at 127.0.0.1:{port} requires a password and the location has none"
        ) as info:
            ssogate.Gate.open("memory:", f"redis://127.0.0.1:{port}")
        assert info.value.code == ssogate.Code.STORE_AUTH
        assert "NOAUTH" in info.value.message
    finally:
        t.join(5)
        server.close()


def test_open_with_a_redis_that_answers(redis_url: str, idp: TestIdp, conn: ssogate.Connection) -> None:
    with ssogate.Gate.open("memory:", redis_url) as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        g.add_member("acme", "alice@example.com")
        assert login(g, idp, conn, "alice@example.com").kind == "LOGIN"


def test_open_with_a_malformed_redis_location_names_it() -> None:
    with pytest.raises(ssogate.StoreError) as info:
        ssogate.Gate.open("memory:", "redis://nowhere")
    assert info.value.code == ssogate.Code.STORE_LOCATION


# ---- changing a connection's settings ----


def test_with_settings_keeps_the_identity(conn: ssogate.Connection) -> None:
    same = conn.with_settings()
    assert same.to_json() == conn.to_json()
    changed = conn.with_settings(allow_idp_initiated=False, allowed_domains=["example.com"], description="EU")
    assert (changed.id, changed.acs_url, changed.sp_entity_id) == (conn.id, conn.acs_url, conn.sp_entity_id)
    assert changed.allow_idp_initiated is False and conn.allow_idp_initiated is True
    assert changed.allowed_domains == ["example.com"] and changed.description == "EU"
    assert changed.jit_provisioning is True  # not given: kept
    for identity in ("id", "acs_url", "sp_entity_id", "base_url", "acs_url_template"):
        with pytest.raises(TypeError, match="keeps the connection's identity"):
            conn.with_settings(**{identity: "x"})
    with pytest.raises(TypeError, match="unknown settings: colour"):
        conn.with_settings(colour="blue")
    with pytest.raises(ssogate.InvalidArgument):
        conn.with_settings(clock_skew_seconds=100000)


def test_with_settings_takes_refreshed_metadata(conn: ssogate.Connection) -> None:
    rolled = TestIdp("https://okta.test.example/exk1")  # the same IdP, a new signing key
    refreshed = conn.with_settings(idp=ssogate.import_idp_metadata(rolled.metadata_xml))
    assert refreshed.acs_url == conn.acs_url
    assert refreshed.idp.certificates[0].sha256 != conn.idp.certificates[0].sha256


def test_update_connection_is_one_call(idp: TestIdp, conn: ssogate.Connection) -> None:
    strict = conn.with_settings(allow_idp_initiated=False)
    with ssogate.Gate.open("memory:") as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", strict)
        g.add_member("acme", "alice@example.com")
        assert login(g, idp, strict, "alice@example.com").reason == "UNSOLICITED_NOT_ALLOWED"
        updated = g.update_connection("acme", strict, allow_idp_initiated=True)
        assert updated.allow_idp_initiated and updated.id == strict.id and updated.acs_url == strict.acs_url
        assert login(g, idp, updated, "alice@example.com").kind == "LOGIN"
        g.update_connection("acme", updated, enabled=False)
        assert login(g, idp, updated, "alice@example.com").reason == "CONNECTION_DISABLED"
        with pytest.raises(TypeError):
            g.update_connection("acme", "okta", allow_idp_initiated=True)  # type: ignore[arg-type]


def test_saving_other_urls_under_an_existing_id_is_refused(gate: ssogate.Gate, idp: TestIdp,
                                                            conn: ssogate.Connection) -> None:
    moved = ssogate.Connection.create(conn.idp, base_url="https://other.example.com", id=conn.id)
    with pytest.raises(ssogate.StoreConflict) as info:
        gate.add_connection("acme", moved)
    message = info.value.message
    assert conn.acs_url in message and moved.acs_url in message and "with_settings" in message
    # Nothing changed: logins to the URLs the IdP knows still work.
    gate.add_member("acme", "alice@example.com")
    assert login(gate, idp, conn, "alice@example.com").kind == "LOGIN"
    # Only the SP entity ID moved: refused too.
    other_audience = ssogate.Connection.create(conn.idp, id=conn.id, acs_url=conn.acs_url,
                                               sp_entity_id="https://app.example.com/sp")
    with pytest.raises(ssogate.StoreConflict, match="https://app.example.com/sp"):
        gate.add_connection("acme", other_audience)
    # Saving it again with the same URLs (a settings change) is allowed.
    gate.add_connection("acme", conn.with_settings(jit_provisioning=False))


# ---- the audit log ----


def _fill_audit(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "alice@example.com")
    for email in ("alice@example.com", "mallory@other.org", "alice@example.com", "bob@example.com"):
        login(gate, idp, conn, email)


def test_audit_newest_first_and_filters(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    _fill_audit(gate, idp, conn)
    every = gate.read_audit("acme")
    assert len(every) >= 6
    newest = gate.read_audit("acme", newest_first=True)
    assert newest == list(reversed(every))
    assert gate.read_audit("acme", newest_first=True, limit=2) == list(reversed(every))[:2]
    # Paging back from the newest.
    page2 = gate.read_audit("acme", newest_first=True, limit=2, before_seq=newest[1].seq)
    assert page2 == list(reversed(every))[2:4]

    alice = gate.read_audit("acme", email="ALICE@example.com")
    assert alice and all(r.email == "alice@example.com" for r in alice)
    assert alice == [r for r in every if r.email == "alice@example.com"]
    denied = gate.read_audit("acme", outcome="DENIED", newest_first=True)
    assert denied == [r for r in reversed(every) if r.outcome == "DENIED"] and denied
    both = gate.read_audit("acme", outcome=["LOGIN", "PROMPT_JOIN"])
    assert {r.outcome for r in both} == {"LOGIN", "PROMPT_JOIN"}
    refused_why = denied[0].reason
    assert gate.read_audit("acme", reason=refused_why) == [r for r in every if r.reason == refused_why]
    assert gate.read_audit("acme", outcome="DENIED", email="alice@example.com") == []
    assert gate.read_audit("acme", limit=1, outcome="LOGIN") == [r for r in every if r.outcome == "LOGIN"][:1]


def test_audit_filters_read_across_pages(gate: ssogate.Gate) -> None:
    # More rows than one read through the C ABI returns (1000): the filters must page on.
    gate.add_member("acme", "alice@example.com", has_password=True)
    for i in range(1100):
        gate.decide_password_login("acme", "alice@example.com" if i % 100 == 99 else f"u{i}@example.com")
    every = gate.read_audit("acme", limit=5000)
    assert len(every) > 1100 and len(gate.read_audit("acme")) == 1000
    alice = [r for r in every if r.email == "alice@example.com"]
    assert len(alice) == 12  # added, then 11 password decisions
    assert gate.read_audit("acme", email="alice@example.com", limit=5000) == alice
    assert gate.read_audit("acme", email="alice@example.com", newest_first=True, limit=3) == alice[::-1][:3]
    assert gate.read_audit("acme", newest_first=True, limit=0) == every[::-1][:1000]
    assert gate.read_audit("acme", newest_first=True, limit=2, before_seq=every[5].seq) == [every[4], every[3]]


def test_audit_time_range(conn: ssogate.Connection, idp: TestIdp) -> None:
    # The gate's clock is frozen, so every row has time t0 and the range's edges are exact.
    t0 = 1_800_000_000
    with ssogate.Gate.open("memory:", now=t0) as g:
        g.create_account("acme", "Acme", verified_domains=["example.com"])
        g.add_connection("acme", conn)
        rows = g.read_audit("acme")
        assert rows and all(int(r.time.timestamp()) == t0 for r in rows)
        at = dt.datetime.fromtimestamp(t0, dt.timezone.utc)
        assert g.read_audit("acme", since=at) == rows
        assert g.read_audit("acme", since=t0 + 1) == []
        assert g.read_audit("acme", until=at) == []
        assert g.read_audit("acme", until=at + dt.timedelta(seconds=1)) == rows
        assert g.read_audit("acme", since=t0 - 10, until=t0 + 10, newest_first=True) == list(reversed(rows))


def test_audit_arguments_are_checked(gate: ssogate.Gate) -> None:
    with pytest.raises(ssogate.InvalidArgument, match="limit"):
        gate.read_audit("acme", limit=-1)
    with pytest.raises(TypeError):
        gate.read_audit("acme", newest_first="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gate.read_audit("acme", outcome=[1])  # type: ignore[list-item]
    with pytest.raises(ssogate.InvalidArgument, match="is not a name"):
        gate.read_audit("acme", outcome="LOGIN' OR '1'='1")
    with pytest.raises(ssogate.InvalidArgument, match="is not a name"):
        gate.read_audit("acme", reason="A,B")
    assert gate.read_audit("acme", outcome=[]) == []


# ---- confirm_join returns the member ----


def test_confirm_join_returns_the_member(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    out = login(gate, idp, conn, "Nina@example.com")
    assert out.kind == "PROMPT_JOIN"
    member = gate.confirm_join(out.join_token)
    assert isinstance(member, ssogate.Member)
    assert (member.account_id, member.email, member.role, member.joined_via, member.sso_linked) == (
        "acme", "nina@example.com", "member", "sso", True)
    assert member.last_sso_login is not None and member.created_at == member.last_sso_login
    assert login(gate, idp, conn, "nina@example.com").reason == "MEMBER_LOGIN"
    with pytest.raises(ssogate.NotFound):
        gate.confirm_join(out.join_token)


def test_confirm_join_in_another_process_reads_the_audit_row(tmp_path: Path, idp: TestIdp,
                                                             conn: ssogate.Connection) -> None:
    # The node that answered the IdP is not the one that gets the user's "yes": a second gate on the
    # same SQLite file never saw the PROMPT_JOIN outcome.
    location = f"sqlite:{tmp_path / 'sso.db'}"
    with ssogate.Gate.open(location) as first, ssogate.Gate.open(location) as second:
        first.create_account("acme", "Acme", verified_domains=["example.com"])
        first.add_connection("acme", conn)
        tokens = [login(first, idp, conn, f"user{i}@example.com").join_token for i in range(3)]
        members = [second.confirm_join(t) for t in tokens]
        assert [m.email for m in members] == ["user0@example.com", "user1@example.com", "user2@example.com"]
        assert first.find_member("acme", "USER1@example.com") == members[1]


def test_find_and_list_members(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "Zed@example.com", role="admin", has_password=True)
    joined = gate.confirm_join(login(gate, idp, conn, "amy@example.com").join_token)
    zed = gate.find_member("acme", "zed@EXAMPLE.com")
    assert zed is not None
    assert (zed.email, zed.role, zed.status, zed.has_password, zed.joined_via, zed.sso_linked, zed.last_sso_login) == (
        "zed@example.com", "admin", "active", True, "password", False, None)
    assert gate.find_member("acme", "nobody@example.com") is None
    assert gate.find_member("no-such-account", "zed@example.com") is None
    assert gate.list_members("acme") == [joined, zed]
    with pytest.raises(ssogate.NotFound):
        gate.list_members("no-such-account")


def test_check_stores(gate: ssogate.Gate, redis_url: str) -> None:
    gate.check_stores()  # the built-in stores of this process answer
    with ssogate.Gate.open("memory:", redis_url) as g:  # open checks a shared store ...
        g.check_stores()  # ... and so can the host, at any time


# ---- docstrings say what raises and what is an outcome ----


def test_docstrings_say_what_raises() -> None:
    assert "never raises for a login attempt" in (ssogate._gate.__doc__ or "")
    consume = ssogate.Gate.consume.__doc__ or ""
    assert "DENIED" in consume and "never exceptions" in consume and "IdP-initiated" in consume
    for name in ("create_account", "add_connection", "add_member", "invite", "confirm_join", "begin_sp_login"):
        doc = getattr(ssogate.Gate, name).__doc__ or ""
        assert any(word in doc for word in ("NotFound", "StoreConflict", "InvalidArgument", "StoreError")), name
    assert "StoreError" in (ssogate.Gate.open.__doc__ or "")
