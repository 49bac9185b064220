"""A host's own directory through Python: ssogate.Directory subclasses behind Gate.with_stores, the
pure-Python MemoryDirectory reference, and the library's own directories from Directory.open.

The policy and every rule are the C library's; these tests show that records, answers ("not found",
"conflict") and failures cross the C callbacks faithfully, and that a directory that cannot answer,
or answers nonsense, refuses the login instead of letting it through."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

import ssogate
from ssogate.testing import TestIdp, check_directory_contract

# One frozen instant for the gate, the responses and the replay cache, so times in the records are
# exact (the testing IdP's certificate is made now, so "now" is a real recent time).
NOW = int(time.time())
NOW_DT = dt.datetime.fromtimestamp(NOW, tz=dt.timezone.utc)


def make_gate(directory: Any, conn: ssogate.Connection) -> ssogate.Gate:
    gate = ssogate.Gate.with_stores(
        directory, ssogate.ReplayCache.memory(now=NOW), ssogate.RequestStore.memory(), now=NOW
    )
    gate.create_account("acme", "Acme", verified_domains=["Example.com"])
    gate.add_connection("acme", conn)
    return gate


def consume(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection, email: str) -> ssogate.GateOutcome:
    return gate.consume(conn.id, idp.response(conn, nameid=email, now=NOW).base64)


@pytest.fixture()
def unraisable(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[Any]]:
    """What the extension handed to sys.unraisablehook (a host exception that could not cross C)."""
    seen: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    yield seen


def dashboard_flow(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> List[str]:
    """The whole gate flow (logins, JiT, invites, SSO modes); returns what each step decided, to compare two directories."""
    steps: List[str] = []
    gate.add_member("acme", "Alice@Example.com", role="admin", has_password=True)
    steps.append(consume(gate, idp, conn, "alice@example.com").reason)
    steps.append(consume(gate, idp, conn, "alice@example.com").reason)
    gate.invite("acme", "bob@example.com", role="admin", ttl_seconds=3600)
    steps.append(consume(gate, idp, conn, "bob@example.com").reason)
    prompt = consume(gate, idp, conn, "carol@example.com")
    steps.append(prompt.reason)
    assert prompt.join_token
    gate.confirm_join(prompt.join_token)
    steps.append(consume(gate, idp, conn, "carol@example.com").reason)
    steps.append(consume(gate, idp, conn, "eve@elsewhere.example.net").reason)
    steps.append(gate.decide_password_login("acme", "alice@example.com").reason)
    steps.append(gate.decide_password_login("acme", "carol@example.com").reason)
    steps.append(gate.apply_sso_mode("acme", "enforced").reason)
    steps.append(gate.decide_password_login("acme", "alice@example.com").reason)
    return steps


def test_dashboard_flow_over_memory_directory(idp: TestIdp, conn: ssogate.Connection) -> None:
    directory = ssogate.MemoryDirectory()
    gate = make_gate(directory, conn)
    assert repr(gate) == "Gate('with_stores(MemoryDirectory)')"
    assert directory.find_account("acme") == ssogate.Account("acme", "Acme", "mixed", ("example.com",), ())
    saved = directory.find_connection("okta")
    assert saved is not None and saved.account_id == "acme" and saved.enabled
    assert ssogate.Connection.from_json(saved.json).id == "okta"

    gate.add_member("acme", "Alice@Example.com", role="admin", has_password=True)
    out = consume(gate, idp, conn, "alice@example.com")
    assert (out.kind, out.reason, out.accepted, out.error) == ("LOGIN", "FIRST_SSO_LOGIN", True, None)
    alice = directory.find_member("acme", "alice@example.com")
    assert alice == ssogate.Member(
        "acme", "alice@example.com", "admin", "active", True, "password", True, NOW_DT, NOW_DT
    )
    assert consume(gate, idp, conn, "alice@example.com").reason == "MEMBER_LOGIN"

    invite = gate.invite("acme", "bob@example.com", role="admin", ttl_seconds=3600)
    stored = directory.find_invite("acme", "bob@example.com", NOW_DT)
    assert stored == ssogate.InviteRecord(
        "acme", "bob@example.com", "admin", invite.token, NOW_DT, NOW_DT + dt.timedelta(seconds=3600)
    )
    out = consume(gate, idp, conn, "bob@example.com")
    assert (out.kind, out.reason) == ("JOINED_BY_INVITE", "INVITE_PENDING")
    bob = directory.find_member("acme", "bob@example.com")
    assert bob is not None and (bob.role, bob.joined_via, bob.sso_linked) == ("admin", "sso", True)
    assert directory.find_invite("acme", "bob@example.com", NOW_DT) is None  # consumed

    out = consume(gate, idp, conn, "carol@example.com")
    assert (out.kind, out.reason) == ("PROMPT_JOIN", "JIT_DOMAIN_MATCH")
    assert out.join_token and directory.find_member("acme", "carol@example.com") is None
    gate.confirm_join(out.join_token)
    carol = directory.find_member("acme", "carol@example.com")
    assert carol == ssogate.Member("acme", "carol@example.com", "member", "active", False, "sso", True, NOW_DT, NOW_DT)
    with pytest.raises(ssogate.NotFound) as e:
        gate.confirm_join(out.join_token)
    assert isinstance(e.value, ssogate.StoreError) and e.value.code == ssogate.Code.NOT_FOUND

    assert gate.decide_password_login("acme", "alice@example.com") == (True, "PASSWORD_ALLOWED", None)
    assert gate.decide_password_login("acme", "carol@example.com") == (False, "NO_PASSWORD", "okta")
    assert [m.email for m in directory.list_members("acme")] == [
        "alice@example.com", "bob@example.com", "carol@example.com"
    ]
    # An admin (alice) has logged in through SSO, so enforcing passes the lockout guard.
    change = gate.apply_sso_mode("acme", "enforced")
    assert (change.applied, change.mode) == (True, "enforced")
    assert directory.find_account("acme").sso_mode == "enforced"  # type: ignore[union-attr]
    assert gate.decide_password_login("acme", "alice@example.com").reason == "SSO_REQUIRED"

    rows = gate.read_audit("acme")
    assert rows == list(directory.read_audit("acme", 0, 1000))
    assert [(r.outcome, r.email) for r in rows if r.connection_id == "okta" and r.outcome != "CONNECTION_SAVED"] == [
        ("LOGIN", "alice@example.com"),
        ("LOGIN", "alice@example.com"),
        ("JOINED_BY_INVITE", "bob@example.com"),
        ("PROMPT_JOIN", "carol@example.com"),
        ("JOIN_CONFIRMED", "carol@example.com"),  # filled from the join token
    ]
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.time == NOW_DT for r in rows)


def test_same_decisions_as_the_librarys_own_directory(idp: TestIdp, conn: ssogate.Connection) -> None:
    ours = make_gate(ssogate.MemoryDirectory(), conn)
    native = make_gate(ssogate.Directory.open("memory:"), conn)
    steps = dashboard_flow(ours, idp, conn)
    assert steps == dashboard_flow(native, idp, conn)
    assert steps[:4] == ["FIRST_SSO_LOGIN", "MEMBER_LOGIN", "INVITE_PENDING", "JIT_DOMAIN_MATCH"]

    def strip(rows: List[ssogate.AuditRow]) -> List[tuple]:
        return [(r.seq, r.account_id, r.connection_id, r.email, r.outcome, r.reason) for r in rows]

    assert strip(ours.read_audit()) == strip(native.read_audit())


class FailingDirectory(ssogate.MemoryDirectory):
    """Works until `broken` is set, then find_member cannot answer (a database that went away)."""

    broken = False

    def find_member(self, account_id: str, email: str) -> Optional[ssogate.Member]:
        if self.broken:
            raise RuntimeError("connection to the database lost")
        return super().find_member(account_id, email)


def test_directory_that_raises_refuses_the_login(
    idp: TestIdp, conn: ssogate.Connection, unraisable: List[Any]
) -> None:
    directory = FailingDirectory()
    gate = make_gate(directory, conn)
    gate.add_member("acme", "alice@example.com")
    directory.broken = True
    out = consume(gate, idp, conn, "alice@example.com")
    assert (out.kind, out.accepted, out.error, out.reason) == (
        "DENIED", False, ssogate.Code.STORE_UNAVAILABLE, "STORE_UNAVAILABLE"
    )
    assert "find_member" in out.reason_text and out.login is None
    assert any(isinstance(u.exc_value, RuntimeError) and "find_member" in str(u.object) for u in unraisable)
    # An admin call raises instead.
    with pytest.raises(ssogate.StoreError) as e:
        gate.decide_password_login("acme", "alice@example.com")
    assert e.value.code == ssogate.Code.STORE_UNAVAILABLE
    directory.broken = False
    assert consume(gate, idp, conn, "alice@example.com").accepted


class CorruptDirectory(ssogate.MemoryDirectory):
    answer: Any = None

    def find_member(self, account_id: str, email: str) -> Optional[ssogate.Member]:
        return self.answer


def test_malformed_record_refuses_with_store_corrupt(
    idp: TestIdp, conn: ssogate.Connection, unraisable: List[Any]
) -> None:
    directory = CorruptDirectory()
    gate = make_gate(directory, conn)
    gate.add_member("acme", "alice@example.com")  # kept, so the login's update finds her
    directory.answer = ssogate.Member("acme", "alice@example.com", role="boss")
    out = consume(gate, idp, conn, "alice@example.com")
    assert (out.kind, out.error, out.reason) == ("DENIED", ssogate.Code.STORE_CORRUPT, "STORE_CORRUPT")
    assert "role" in out.reason_text and "boss" in out.reason_text

    directory.answer = ssogate.Member("acme", "alice@example.com", created_at=12)  # type: ignore[arg-type]
    # The stored row the answer stands for: the login's compare-and-swap checks the row it read.
    directory.put_member(ssogate.Member("acme", "alice@example.com", created_at=dt.datetime.fromtimestamp(12, dt.timezone.utc)))
    assert consume(gate, idp, conn, "alice@example.com").accepted  # Unix seconds are accepted as such
    directory.answer = ssogate.Member("acme", "alice@example.com", created_at="yesterday")  # type: ignore[arg-type]
    assert consume(gate, idp, conn, "alice@example.com").error == ssogate.Code.STORE_CORRUPT

    # Not a Member at all: the bridge cannot send it, so the directory "could not answer".
    directory.answer = {"email": "alice@example.com"}
    out = consume(gate, idp, conn, "alice@example.com")
    assert (out.kind, out.error) == ("DENIED", ssogate.Code.STORE_UNAVAILABLE)
    assert any(isinstance(u.exc_value, TypeError) for u in unraisable)


class ConflictingTokens(ssogate.MemoryDirectory):
    """Answers with the generic StoreError form instead of the dedicated classes."""

    def apply(self, change: Sequence[Any]) -> Sequence[int]:
        if any(isinstance(op, ssogate.TakeJoinToken) for op in change):
            raise ssogate.StoreError(ssogate.Code.STORE_CONFLICT, "already a member")
        if any(isinstance(op, ssogate.InsertMember) for op in change):
            # Only NOT_FOUND and STORE_CONFLICT are answers; another store code is "could not answer".
            raise ssogate.StoreError(ssogate.Code.STORE_CORRUPT, "row checksum mismatch")
        return super().apply(change)


def test_not_found_and_conflict_cross_as_codes(
    idp: TestIdp, conn: ssogate.Connection, unraisable: List[Any]
) -> None:
    gate = make_gate(ConflictingTokens(), conn)
    with pytest.raises(ssogate.StoreConflict) as conflict:
        gate.create_account("acme", "Acme again")
    assert conflict.value.code == ssogate.Code.STORE_CONFLICT
    prompt = consume(gate, idp, conn, "carol@example.com")
    with pytest.raises(ssogate.StoreConflict):
        gate.confirm_join(prompt.join_token or "")
    with pytest.raises(ssogate.StoreError) as unavailable:
        gate.add_member("acme", "x@example.com")
    assert type(unavailable.value) is ssogate.StoreError
    assert unavailable.value.code == ssogate.Code.STORE_UNAVAILABLE and "apply" in unavailable.value.message

    # Pickling keeps the class and the message.
    back = pickle.loads(pickle.dumps(ssogate.NotFound("no member x")))
    assert type(back) is ssogate.NotFound and back.code is ssogate.Code.NOT_FOUND and back.message == "no member x"


def test_incomplete_directory_is_refused_at_construction() -> None:
    class Partial(ssogate.Directory):
        def find_account(self, account_id: str) -> Optional[ssogate.Account]:
            return None

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]


def test_with_stores_checks_its_arguments(conn: ssogate.Connection) -> None:
    replay, requests = ssogate.ReplayCache.memory(), ssogate.RequestStore.memory()
    with pytest.raises(TypeError, match="directory"):
        ssogate.Gate.with_stores(object(), replay, requests)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="replay_cache"):
        ssogate.Gate.with_stores(ssogate.MemoryDirectory(), requests, requests)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="request_store"):
        ssogate.Gate.with_stores(ssogate.MemoryDirectory(), replay, replay)  # type: ignore[arg-type]
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.Gate.with_stores(ssogate.MemoryDirectory(), replay, requests, join_token_ttl_seconds=-1)


def test_threads_share_one_gate_over_memory_directory(idp: TestIdp, conn: ssogate.Connection) -> None:
    directory = ssogate.MemoryDirectory()
    gate = make_gate(directory, conn)
    batches = []
    for t in range(8):
        gate.add_member("acme", f"user{t}@example.com")
        batches.append([idp.response(conn, nameid=f"user{t}@example.com", now=NOW).base64 for _ in range(4)])
    results: List[str] = []
    errors: List[BaseException] = []
    lock = threading.Lock()

    def work(batch: List[str]) -> None:
        try:
            for r in batch:
                kind = gate.consume("okta", r).kind
                with lock:
                    results.append(kind)
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and results == ["LOGIN"] * 32
    logins = [r for r in directory.read_audit("acme", 0, 10_000) if r.outcome == "LOGIN"]
    assert len(logins) == 32
    assert sorted(r.email for r in logins) == sorted(f"user{t}@example.com" for t in range(8) for _ in range(4))
    seqs = [r.seq for r in directory.read_audit(None, 0, 10_000)]
    assert seqs == sorted(set(seqs))  # distinct and increasing: no row lost or doubled


def test_sqlite_directory_with_stores(tmp_path: Path, idp: TestIdp, conn: ssogate.Connection) -> None:
    location = f"sqlite:{tmp_path / 'app.db'}"
    directory = ssogate.Directory.open(location)
    assert isinstance(directory, ssogate.NativeDirectory) and repr(directory) == "NativeDirectory(sqlite)"
    gate = make_gate(directory, conn)
    gate.add_member("acme", "alice@example.com")
    assert consume(gate, idp, conn, "alice@example.com").reason == "FIRST_SSO_LOGIN"
    del gate, directory

    # The file keeps the directory: a second gate over it (with its replay cache in the same file)
    # knows alice is already linked.
    again = ssogate.Gate.with_stores(
        ssogate.Directory.open(location), ssogate.ReplayCache.open(location, now=NOW),
        ssogate.RequestStore.open(location), now=NOW,
    )
    assert consume(again, idp, conn, "alice@example.com").reason == "MEMBER_LOGIN"
    assert [r.outcome for r in again.read_audit("acme")][-2:] == ["LOGIN", "LOGIN"]

    with pytest.raises(ssogate.StoreError) as e:
        ssogate.Directory.open("redis://127.0.0.1:6379")
    assert e.value.code == ssogate.Code.STORE_LOCATION
    with pytest.raises(TypeError):
        ssogate.Directory.open(b"memory:")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ssogate.NativeDirectory()


# ---- the reference's own semantics (core/src/store/directory.hpp), called directly ----


def row(outcome: str = "X", email: str = "") -> ssogate.AuditRow:
    return ssogate.AuditRow(0, NOW_DT, "acme", "", email, outcome, "ADMIN", "")


def test_memory_directory_semantics() -> None:
    d = ssogate.MemoryDirectory()
    later = NOW_DT + dt.timedelta(seconds=60)
    with pytest.raises(ssogate.NotFound):
        d.put_connection(ssogate.ConnectionRecord("c1", "acme", "{}"))
    with pytest.raises(ssogate.NotFound):
        d.put_member(ssogate.Member("acme", "a@example.com"))
    d.put_account(ssogate.Account("acme", "Acme", verified_domains=("EXAMPLE.com",), break_glass=("Owner@X.com",)))
    assert d.find_account("acme") == ssogate.Account("acme", "Acme", "mixed", ("example.com",), ("owner@x.com",))
    for cid in ("c2", "c1"):
        d.put_connection(ssogate.ConnectionRecord(cid, "acme", "{}"))
    assert [c.id for c in d.list_connections("acme")] == ["c1", "c2"]
    d.remove_connection("c1")
    with pytest.raises(ssogate.NotFound):
        d.remove_connection("c1")

    # Emails fold ASCII only, as the library does.
    d.put_member(ssogate.Member("acme", "Zed@Example.com"))
    assert d.find_member("acme", "zed@EXAMPLE.COM") is not None
    d.put_member(ssogate.Member("acme", "\u00c9lise@example.com"))
    assert d.find_member("acme", "\u00e9lise@example.com") is None

    d.put_invite(ssogate.InviteRecord("acme", "Bob@example.com", "admin", "t1", NOW_DT, later))
    with pytest.raises(ssogate.StoreConflict):
        d.put_invite(ssogate.InviteRecord("acme", "other@example.com", "admin", "t1", NOW_DT, later))
    assert d.find_invite("acme", "bob@example.com", NOW_DT) is not None
    assert d.find_invite("acme", "bob@example.com", later) is None  # expires_at <= now

    # apply: the operations the library computes, each with its precondition, all or nothing.
    bob = ssogate.Member("acme", "bob@example.com", role="admin", joined_via="sso", created_at=NOW_DT)
    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.TakeInvite("acme", "bob@example.com", "t1", later)])  # expired
    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.TakeInvite("acme", "bob@example.com", "wrong", NOW_DT)])
    with pytest.raises(ssogate.StoreConflict):  # the member exists: the invite and the row stay
        d.apply([
            ssogate.TakeInvite("acme", "Bob@example.com", "t1", NOW_DT),
            ssogate.AppendAudit(row("JOINED", "Bob@example.com")),
            ssogate.InsertMember(ssogate.Member("acme", "zed@example.com")),
        ])
    assert d.find_invite("acme", "bob@example.com", NOW_DT) is not None and d.read_audit(None, 0, 100) == []
    assert d.apply([
        ssogate.TakeInvite("acme", "Bob@example.com", "t1", NOW_DT),
        ssogate.InsertMember(bob),
        ssogate.AppendAudit(row("JOINED", "Bob@example.com")),
    ]) == [1]
    assert d.find_member("acme", "bob@example.com") == bob and d.find_invite("acme", "bob@example.com", NOW_DT) is None
    with pytest.raises(ssogate.NotFound):
        d.revoke_invite("acme", "bob@example.com")

    d.put_join_token(ssogate.JoinToken("j1", "acme", "c2", "Zed@example.com", later))
    with pytest.raises(ssogate.StoreConflict):
        d.put_join_token(ssogate.JoinToken("j1", "acme", "c2", "x@example.com", later))
    assert d.find_join_token("j1", NOW_DT) == ssogate.JoinToken("j1", "acme", "c2", "zed@example.com", later)
    assert d.find_join_token("j1", later) is None and d.find_join_token("nope", NOW_DT) is None
    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.TakeJoinToken("j1", later)])
    d.apply([ssogate.TakeJoinToken("j1", NOW_DT)])
    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.TakeJoinToken("j1", NOW_DT)])

    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.InsertMember(ssogate.Member("nope", "a@example.com"))])
    zed = d.find_member("acme", "zed@example.com")
    assert zed is not None
    linked = dataclasses.replace(zed, sso_linked=True, last_sso_login=later)
    with pytest.raises(ssogate.NotFound):
        d.apply([ssogate.UpdateMember(ssogate.Member("acme", "ghost@example.com"), linked)])
    with pytest.raises(ssogate.StoreConflict):  # compare-and-swap on the whole row
        d.apply([ssogate.UpdateMember(dataclasses.replace(zed, status="disabled"), linked)])
    assert d.apply([ssogate.UpdateMember(zed, linked), ssogate.AppendAudit(row("LOGIN"))]) == [2]
    assert d.find_member("acme", "zed@example.com") == linked

    assert d.apply([ssogate.AppendAudit(ssogate.AuditRow(0, NOW_DT, "other", "", "", "X", "", ""))]) == [3]
    rows = d.read_audit(None, 0, 100)
    assert [(r.seq, r.outcome, r.account_id) for r in rows] == [(1, "JOINED", "acme"), (2, "LOGIN", "acme"), (3, "X", "other")]
    assert rows[0].email == "bob@example.com"
    assert [r.seq for r in d.read_audit("acme", 1, 1)] == [2]


# ---- the directory contract: the library's own checks, over every directory ----


class CallbackDirectory(ssogate.Directory):
    """A second, independent directory written here (not a MemoryDirectory subclass): plain lists and
    one lock, the way a host with no ORM might keep its tables. The contract is the judge."""

    def __init__(self, *, compare_and_swap: bool = True) -> None:
        self._lock = threading.Lock()
        self._cas = compare_and_swap
        self.tables: Dict[str, List[Any]] = {k: [] for k in ("accounts", "connections", "members", "invites", "tokens", "audit")}

    def _find(self, table: str, **key: Any) -> Optional[Any]:
        return next((r for r in self.tables[table] if all(getattr(r, k) == v for k, v in key.items())), None)

    def _put(self, table: str, record: Any, **key: Any) -> None:
        self.tables[table] = [r for r in self.tables[table] if not all(getattr(r, k) == v for k, v in key.items())]
        self.tables[table].append(record)

    def _need_account(self, account_id: str) -> None:
        if self._find("accounts", id=account_id) is None:
            raise ssogate.NotFound(f"no account {account_id}")

    def put_account(self, account: ssogate.Account) -> None:
        with self._lock:
            self._put("accounts", account, id=account.id)

    def find_account(self, account_id: str) -> Optional[ssogate.Account]:
        with self._lock:
            return self._find("accounts", id=account_id)

    def put_connection(self, connection: ssogate.ConnectionRecord) -> None:
        with self._lock:
            self._need_account(connection.account_id)
            self._put("connections", connection, id=connection.id)

    def find_connection(self, connection_id: str) -> Optional[ssogate.ConnectionRecord]:
        with self._lock:
            return self._find("connections", id=connection_id)

    def list_connections(self, account_id: str) -> Sequence[ssogate.ConnectionRecord]:
        with self._lock:
            return sorted((c for c in self.tables["connections"] if c.account_id == account_id), key=lambda c: c.id)

    def remove_connection(self, connection_id: str) -> None:
        with self._lock:
            if self._find("connections", id=connection_id) is None:
                raise ssogate.NotFound(connection_id)
            self._put("connections", None, id=connection_id)
            self.tables["connections"].remove(None)

    def put_member(self, member: ssogate.Member) -> None:
        with self._lock:
            self._need_account(member.account_id)
            self._put("members", member, account_id=member.account_id, email=member.email)

    def find_member(self, account_id: str, email: str) -> Optional[ssogate.Member]:
        with self._lock:
            return self._find("members", account_id=account_id, email=email)

    def list_members(self, account_id: str) -> Sequence[ssogate.Member]:
        with self._lock:
            return sorted((m for m in self.tables["members"] if m.account_id == account_id), key=lambda m: m.email)

    def put_invite(self, invite: ssogate.InviteRecord) -> None:
        with self._lock:
            self._need_account(invite.account_id)
            self._put("invites", invite, account_id=invite.account_id, email=invite.email)

    def find_invite(self, account_id: str, email: str, now: dt.datetime) -> Optional[ssogate.InviteRecord]:
        with self._lock:
            i = self._find("invites", account_id=account_id, email=email)
        return i if i is not None and i.expires_at > now else None

    def revoke_invite(self, account_id: str, email: str) -> None:
        with self._lock:
            i = self._find("invites", account_id=account_id, email=email)
            if i is None:
                raise ssogate.NotFound(email)
            self.tables["invites"].remove(i)

    def put_join_token(self, token: ssogate.JoinToken) -> None:
        with self._lock:
            if self._find("tokens", token=token.token) is not None:
                raise ssogate.StoreConflict(token.token)
            self.tables["tokens"].append(token)

    def find_join_token(self, token: str, now: dt.datetime) -> Optional[ssogate.JoinToken]:
        with self._lock:
            t = self._find("tokens", token=token)
        return t if t is not None and t.expires_at > now else None

    def read_audit(self, account_id: Optional[str], after_seq: int, limit: int) -> Sequence[ssogate.AuditRow]:
        with self._lock:
            rows = [r for r in self.tables["audit"] if r.seq > after_seq and account_id in (None, r.account_id)]
        return rows[:limit]

    def apply(self, change: Sequence[Any]) -> Sequence[int]:
        with self._lock:
            saved = {k: list(v) for k, v in self.tables.items()}
            try:
                return [s for op in change for s in self._one(op)]
            except BaseException:
                self.tables = saved
                raise

    def _bump(self, account_id: str) -> None:
        a = self._find("accounts", id=account_id)
        self._put("accounts", dataclasses.replace(a, revision=a.revision + 1), id=account_id)

    def _one(self, op: Any) -> List[int]:
        if isinstance(op, ssogate.TakeInvite):
            i = self._find("invites", account_id=op.account_id, email=op.email)
            if i is None or i.token != op.token or i.expires_at <= op.now:
                raise ssogate.NotFound("no invite")
            self.tables["invites"].remove(i)
        elif isinstance(op, ssogate.TakeJoinToken):
            t = self._find("tokens", token=op.token)
            if t is None or t.expires_at <= op.now:
                raise ssogate.NotFound("no token")
            self.tables["tokens"].remove(t)
        elif isinstance(op, ssogate.InsertMember):
            self._need_account(op.member.account_id)
            if self._find("members", account_id=op.member.account_id, email=op.member.email) is not None:
                raise ssogate.StoreConflict("member exists")
            self.tables["members"].append(op.member)
            self._bump(op.member.account_id)
        elif isinstance(op, ssogate.UpdateMember):
            m = self._find("members", account_id=op.before.account_id, email=op.before.email)
            if m is None:
                raise ssogate.NotFound("no member")
            if self._cas and m != op.before:
                raise ssogate.StoreConflict("changed")
            self._put("members", op.after, account_id=m.account_id, email=m.email)
            self._bump(m.account_id)
        elif isinstance(op, ssogate.RemoveMember):
            m = self._find("members", account_id=op.before.account_id, email=op.before.email)
            if m is None:
                raise ssogate.NotFound("no member")
            if m != op.before:
                raise ssogate.StoreConflict("changed")
            self.tables["members"].remove(m)
            self._bump(m.account_id)
        elif isinstance(op, ssogate.UpdateAccount):
            a = self._find("accounts", id=op.before.id)
            if a is None:
                raise ssogate.NotFound("no account")
            if a.revision != op.before.revision:
                raise ssogate.StoreConflict("changed")
            self._put("accounts", op.after, id=a.id)
        else:
            seq = len(self.tables["audit"]) + 1
            self.tables["audit"].append(op.entry._replace(seq=seq))
            return [seq]
        return []


@pytest.mark.parametrize("make", [ssogate.MemoryDirectory, CallbackDirectory], ids=["memory", "callback"])
def test_python_directories_pass_the_contract(make: Any) -> None:
    check_directory_contract(make())


def test_native_directories_pass_the_contract(tmp_path: Path) -> None:
    check_directory_contract(ssogate.Directory.open("memory:"))
    check_directory_contract(ssogate.Directory.open(f"sqlite:{tmp_path / 'contract.db'}"))


def test_the_contract_catches_a_directory_without_compare_and_swap() -> None:
    with pytest.raises(ssogate.StoreError) as e:
        check_directory_contract(CallbackDirectory(compare_and_swap=False))
    assert e.value.code == ssogate.Code.STORE_CORRUPT
    assert e.value.message.startswith("directory contract, update_member: ")


def test_normalize_email_is_the_librarys_rule() -> None:
    # The C library computes it (ssogate_email_normalize): A-Z only, so str.lower()'s folding of
    # other scripts (and of the Kelvin sign into "k") never makes two emails one member.
    assert ssogate.normalize_email("Zed.O'Neil@Example.COM") == "zed.o'neil@example.com"
    assert ssogate.normalize_email("\u00c9lise@EXAMPLE.com") == "\u00c9lise@example.com"
    assert ssogate.normalize_email("\u212a@example.com") == "\u212a@example.com"
    assert "\u212a".lower() == "k"  # what a Python-side rule would have done
    assert ssogate.normalize_email("") == ""
