"""The dashboard's directory: accounts, connections, members, invites, join tokens and the audit log
in the application's own SQLite database, with ssogate's policy deciding over them.

A product keeps its users in its own database, so this is the shape to copy: ssogate reads and
writes through these methods (``ssogate.Directory``), and the dashboard's pages read the same
tables to list members, invites and connections. Every write with effects arrives through
``apply``, in one transaction. ``ssogate.testing.check_directory_contract`` checks it (see
tests/test_directory.py).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from typing import Any, List, Optional, Sequence

import ssogate
from ssogate import (
    Account,
    AppendAudit,
    AuditRow,
    ConnectionRecord,
    InsertMember,
    InviteRecord,
    JoinToken,
    Member,
    NotFound,
    RemoveMember,
    StoreConflict,
    TakeInvite,
    TakeJoinToken,
    UpdateAccount,
    UpdateMember,
    normalize_email,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, sso_mode TEXT NOT NULL,
    verified_domains TEXT NOT NULL, break_glass TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), json TEXT NOT NULL,
    enabled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    account_id TEXT NOT NULL REFERENCES accounts(id), email TEXT NOT NULL, role TEXT NOT NULL,
    status TEXT NOT NULL, has_password INTEGER NOT NULL, joined_via TEXT NOT NULL,
    sso_linked INTEGER NOT NULL, last_sso_login INTEGER, created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, email));
CREATE TABLE IF NOT EXISTS invites (
    account_id TEXT NOT NULL REFERENCES accounts(id), email TEXT NOT NULL, role TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, email));
CREATE TABLE IF NOT EXISTS join_tokens (
    token TEXT PRIMARY KEY, account_id TEXT NOT NULL, connection_id TEXT NOT NULL, email TEXT NOT NULL,
    expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, account_id TEXT NOT NULL,
    connection_id TEXT NOT NULL, email TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
    detail TEXT NOT NULL);
"""


def _unix(t: Optional[dt.datetime]) -> Optional[int]:
    return None if t is None else int(t.timestamp())


def _time(t: Optional[int]) -> Optional[dt.datetime]:
    return None if t is None else dt.datetime.fromtimestamp(t, tz=dt.timezone.utc)


def _words(value: str) -> tuple:
    return tuple(w for w in value.split(" ") if w)


class SqliteDirectory(ssogate.Directory):
    """An ``ssogate.Directory`` over one SQLite file (WAL), shared by the threads of one process.

    One connection behind one lock: every method is a short transaction, and ``apply`` is BEGIN
    IMMEDIATE ... COMMIT, or ROLLBACK at the first operation whose precondition does not hold.
    """

    def __init__(self, path: str) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        # A database made before accounts had a revision gains the column (every account at 0).
        if "revision" not in [c[1] for c in self._db.execute("PRAGMA table_info(accounts)")]:
            self._db.execute("ALTER TABLE accounts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        # The seq of the audit rows appended by the calling thread's last apply(): the gate calls
        # the directory synchronously from the thread that called it, so after gate.consume() this
        # is the row that call wrote, which the refusal page shows as the reference.
        self._appended = threading.local()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _all(self, sql: str, *args: Any) -> List[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _one(self, sql: str, *args: Any) -> Optional[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    # ---- accounts ----

    def put_account(self, account: Account) -> None:
        domains = " ".join(normalize_email(d) for d in account.verified_domains)
        glass = " ".join(normalize_email(e) for e in account.break_glass)
        with self._lock:
            # Every write moves the revision, which ssogate's UpdateAccount compares.
            self._db.execute(
                "INSERT INTO accounts (id, name, sso_mode, verified_domains, break_glass) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, sso_mode = excluded.sso_mode, "
                "verified_domains = excluded.verified_domains, break_glass = excluded.break_glass, "
                "revision = revision + 1",
                (account.id, account.name, account.sso_mode, domains, glass),
            )

    @staticmethod
    def _account(r: tuple) -> Account:
        return Account(r[0], r[1], r[2], _words(r[3]), _words(r[4]), int(r[5]))

    def find_account(self, account_id: str) -> Optional[Account]:
        r = self._one("SELECT id, name, sso_mode, verified_domains, break_glass, revision FROM accounts WHERE id = ?",
                      account_id)
        return None if r is None else self._account(r)

    def list_accounts(self) -> List[Account]:
        """Not part of ssogate.Directory: the dashboard's own read (home-realm discovery)."""
        return [self._account(r) for r in self._all(
            "SELECT id, name, sso_mode, verified_domains, break_glass, revision FROM accounts ORDER BY id")]

    def _bump(self, account_id: str) -> None:
        """A member change moves its account's revision (the caller holds the lock, inside a transaction)."""
        self._db.execute("UPDATE accounts SET revision = revision + 1 WHERE id = ?", (account_id,))

    # ---- connections ----

    def _require_account(self, account_id: str) -> None:
        if self._one("SELECT 1 FROM accounts WHERE id = ?", account_id) is None:
            raise NotFound(f'no account with id "{account_id}"')

    def put_connection(self, connection: ConnectionRecord) -> None:
        with self._lock:
            self._require_account(connection.account_id)
            self._db.execute(
                "INSERT OR REPLACE INTO connections VALUES (?, ?, ?, ?)",
                (connection.id, connection.account_id, connection.json, int(connection.enabled)),
            )

    def find_connection(self, connection_id: str) -> Optional[ConnectionRecord]:
        r = self._one("SELECT id, account_id, json, enabled FROM connections WHERE id = ?", connection_id)
        return None if r is None else ConnectionRecord(r[0], r[1], r[2], bool(r[3]))

    def list_connections(self, account_id: str) -> Sequence[ConnectionRecord]:
        rows = self._all("SELECT id, account_id, json, enabled FROM connections WHERE account_id = ? ORDER BY id",
                         account_id)
        return [ConnectionRecord(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def remove_connection(self, connection_id: str) -> None:
        with self._lock:
            if self._db.execute("DELETE FROM connections WHERE id = ?", (connection_id,)).rowcount == 0:
                raise NotFound(f'no connection with id "{connection_id}"')

    # ---- members ----

    @staticmethod
    def _member(r: tuple) -> Member:
        return Member(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6]), _time(r[7]), _time(r[8]))

    @staticmethod
    def _member_row(m: Member) -> tuple:
        return (m.account_id, normalize_email(m.email), m.role, m.status, int(m.has_password), m.joined_via,
                int(m.sso_linked), _unix(m.last_sso_login), _unix(m.created_at))

    def put_member(self, member: Member) -> None:
        with self._lock:
            self._require_account(member.account_id)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 self._member_row(member))
                self._bump(member.account_id)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def find_member(self, account_id: str, email: str) -> Optional[Member]:
        r = self._one("SELECT * FROM members WHERE account_id = ? AND email = ?", account_id, normalize_email(email))
        return None if r is None else self._member(r)

    def list_members(self, account_id: str) -> Sequence[Member]:
        return [self._member(r) for r in self._all("SELECT * FROM members WHERE account_id = ? ORDER BY email",
                                                   account_id)]

    def accounts_of(self, email: str) -> List[str]:
        """Not part of ssogate.Directory: the accounts an email is a member of (password login)."""
        rows = self._all("SELECT account_id FROM members WHERE email = ? ORDER BY account_id", normalize_email(email))
        return [r[0] for r in rows]

    # ---- invites and join tokens ----

    def put_invite(self, invite: InviteRecord) -> None:
        email = normalize_email(invite.email)
        with self._lock:
            self._require_account(invite.account_id)
            other = self._one("SELECT account_id, email FROM invites WHERE token = ?", invite.token)
            if other is not None and (other[0], other[1]) != (invite.account_id, email):
                raise StoreConflict("an invite with this token already exists for another email")
            self._db.execute("INSERT OR REPLACE INTO invites VALUES (?, ?, ?, ?, ?, ?)",
                             (invite.account_id, email, invite.role, invite.token, _unix(invite.created_at),
                              _unix(invite.expires_at)))

    def find_invite(self, account_id: str, email: str, now: dt.datetime) -> Optional[InviteRecord]:
        r = self._one("SELECT * FROM invites WHERE account_id = ? AND email = ? AND expires_at > ?",
                      account_id, normalize_email(email), _unix(now))
        return None if r is None else InviteRecord(r[0], r[1], r[2], r[3], _time(r[4]), _time(r[5]))

    def list_invites(self, account_id: str, now: dt.datetime) -> List[InviteRecord]:
        """Not part of ssogate.Directory: the pending invites the settings page lists."""
        rows = self._all("SELECT * FROM invites WHERE account_id = ? AND expires_at > ? ORDER BY email",
                         account_id, _unix(now))
        return [InviteRecord(r[0], r[1], r[2], r[3], _time(r[4]), _time(r[5])) for r in rows]

    def revoke_invite(self, account_id: str, email: str) -> None:
        with self._lock:
            n = self._db.execute("DELETE FROM invites WHERE account_id = ? AND email = ?",
                                 (account_id, normalize_email(email))).rowcount
        if n == 0:
            raise NotFound(f"no invite for {normalize_email(email)} in account {account_id}")

    def put_join_token(self, token: JoinToken) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT INTO join_tokens VALUES (?, ?, ?, ?, ?)",
                                 (token.token, token.account_id, token.connection_id, normalize_email(token.email),
                                  _unix(token.expires_at)))
            except sqlite3.IntegrityError:
                raise StoreConflict("this join token already exists") from None

    def find_join_token(self, token: str, now: dt.datetime) -> Optional[JoinToken]:
        r = self._one("SELECT * FROM join_tokens WHERE token = ? AND expires_at > ?", token, _unix(now))
        return None if r is None else JoinToken(r[0], r[1], r[2], r[3], _time(r[4]))

    # ---- the audit log ----

    def read_audit(self, account_id: Optional[str], after_seq: int, limit: int) -> Sequence[AuditRow]:
        rows = self._all("SELECT * FROM audit WHERE seq > ? AND (? = '' OR account_id = ?) ORDER BY seq LIMIT ?",
                         after_seq, account_id or "", account_id or "", limit)
        return [AuditRow(r[0], _time(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def forget_appended(self) -> None:
        """Call before a gate call whose audit row you want (threads are reused by servers)."""
        self._appended.seqs = []

    def last_appended(self) -> List[int]:
        """The audit seqs the calling thread's last change appended (see __init__)."""
        return list(getattr(self._appended, "seqs", []))

    # ---- every write with effects: one transaction ----

    def apply(self, change: Sequence[Any]) -> Sequence[int]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seqs = [seq for op in change for seq in self._apply_one(op)]
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        self._appended.seqs = seqs
        return seqs

    def _apply_one(self, op: Any) -> List[int]:
        db = self._db
        if isinstance(op, TakeInvite):
            email = normalize_email(op.email)
            n = db.execute("DELETE FROM invites WHERE account_id = ? AND email = ? AND token = ? AND expires_at > ?",
                           (op.account_id, email, op.token, _unix(op.now))).rowcount
            if n == 0:
                raise NotFound(f"no pending invite for {email} in account {op.account_id}")
        elif isinstance(op, TakeJoinToken):
            n = db.execute("DELETE FROM join_tokens WHERE token = ? AND expires_at > ?",
                           (op.token, _unix(op.now))).rowcount
            if n == 0:
                raise NotFound("the join token is unknown, already used or expired")
        elif isinstance(op, InsertMember):
            self._require_account(op.member.account_id)
            try:
                db.execute("INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._member_row(op.member))
            except sqlite3.IntegrityError:
                raise StoreConflict(f"{op.member.email} is already a member of account {op.member.account_id}") from None
            self._bump(op.member.account_id)
        elif isinstance(op, (UpdateMember, RemoveMember)):
            before = self._member_row(op.before)
            row = db.execute("SELECT * FROM members WHERE account_id = ? AND email = ?", before[:2]).fetchone()
            if row is None:
                raise NotFound(f"no member {before[1]} in account {before[0]}")
            if tuple(row) != before:  # compare-and-swap: never overwrite another writer's change
                raise StoreConflict(f"the member {before[1]} in account {before[0]} changed since it was read")
            if isinstance(op, RemoveMember):
                db.execute("DELETE FROM members WHERE account_id = ? AND email = ?", before[:2])
            else:
                after = self._member_row(op.after)
                db.execute("UPDATE members SET role = ?, status = ?, has_password = ?, joined_via = ?, "
                           "sso_linked = ?, last_sso_login = ?, created_at = ? WHERE account_id = ? AND email = ?",
                           after[2:] + before[:2])
            self._bump(before[0])
        elif isinstance(op, UpdateAccount):
            # Compare-and-swap on the revision: a decision made over an account and members that have
            # changed since (another admin, another node) is refused and decided again by ssogate.
            a = op.after
            n = db.execute("UPDATE accounts SET name = ?, sso_mode = ?, verified_domains = ?, break_glass = ?, "
                           "revision = revision + 1 WHERE id = ? AND revision = ?",
                           (a.name, a.sso_mode, " ".join(normalize_email(d) for d in a.verified_domains),
                            " ".join(normalize_email(e) for e in a.break_glass), op.before.id,
                            op.before.revision)).rowcount
            if n == 0:
                if self._one("SELECT 1 FROM accounts WHERE id = ?", op.before.id) is None:
                    raise NotFound(f'no account with id "{op.before.id}"')
                raise StoreConflict(f"the account {op.before.id} or one of its members changed since it was read")
        elif isinstance(op, AppendAudit):
            e = op.entry
            cur = db.execute("INSERT INTO audit (time, account_id, connection_id, email, outcome, reason, detail) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (_unix(e.time), e.account_id, e.connection_id, normalize_email(e.email), e.outcome,
                              e.reason, e.detail))
            return [int(cur.lastrowid)]
        else:
            raise TypeError(f"unknown directory operation {type(op).__name__}")
        return []
