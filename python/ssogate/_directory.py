"""Bringing your own directory: accounts, connections, members, invites, join tokens and the audit log
kept in your application's database, with ssogate's policy deciding over them.

Subclass :class:`Directory` and implement every method (a forgotten one is a ``TypeError`` when you
instantiate the class), then make a gate over it::

    class PostgresDirectory(ssogate.Directory):
        def find_member(self, account_id, email):
            row = db.fetchone("SELECT ... WHERE account_id = %s AND email = %s", (account_id, email))
            return None if row is None else ssogate.Member(...)
        ...

    gate = ssogate.Gate.with_stores(
        PostgresDirectory(), ssogate.ReplayCache.open("redis://127.0.0.1:6379"),
        ssogate.RequestStore.open("redis://127.0.0.1:6379"))

:class:`MemoryDirectory` is the reference implementation: copy it. Every write with effects arrives
through one method, :meth:`Directory.apply`: a list of operations the library computed (the member
row, the invite or join token to consume, the audit row), each with a precondition, to apply in
order in ONE transaction of your database. Your directory only stores: it holds no membership rule.
Check it with :func:`ssogate.testing.check_directory_contract`, the same checks the library's own
directories pass.

The rules a directory follows (they are the library's, see core/src/store/directory.hpp):

- Answer "absent" (``None`` or an empty list) only when you know it is absent. When your database
  cannot answer, raise anything (the connection's own exception is fine): the call fails with
  ``Code.STORE_UNAVAILABLE`` and a login is refused, never let through. The exception goes to
  ``sys.unraisablehook`` so its traceback is not lost.
- Where a method says so, raise :class:`ssogate.NotFound` or :class:`ssogate.StoreConflict`.
- Emails and domains arrive normalised (ASCII A-Z lower-cased); keep and compare them as they come,
  and put emails your own code writes (an admin screen, an import) through :func:`normalize_email`.
- Times are timezone-aware UTC datetimes; a record returned with a field of the wrong kind (a role
  named "boss", a number where a string goes) refuses the call with ``Code.STORE_CORRUPT``.
- Methods are called from any thread, several at once, and while the gate has released the GIL.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as _dt
import json
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _ssogate
from ._codes import Code
from ._convert import to_datetime
from ._errors import NotFound, StoreConflict, StoreError
from ._gate import AuditRow

__all__ = [
    "Account",
    "ConnectionRecord",
    "Member",
    "InviteRecord",
    "JoinToken",
    "Directory",
    "MemoryDirectory",
    "TakeInvite",
    "TakeJoinToken",
    "InsertMember",
    "UpdateMember",
    "UpdateAccount",
    "RemoveMember",
    "AppendAudit",
    "Operation",
    "NativeDirectory",
    "normalize_email",
]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Account:
    """An account (a customer of your product) and its SSO settings."""

    id: str
    name: str
    sso_mode: str = "mixed"  #: "mixed" or "enforced"
    verified_domains: Tuple[str, ...] = ()  #: lower-case
    break_glass: Tuple[str, ...] = ()  #: member emails that keep password login under enforcement
    #: Moves forward at every change to the account or its members; UpdateAccount compares it. Read
    #: from the store (ignored by put_account).
    revision: int = 0


@dataclasses.dataclass(frozen=True)
class ConnectionRecord:
    """A saved connection: ``json`` is :meth:`ssogate.Connection.to_json`, kept verbatim."""

    id: str
    account_id: str
    json: str
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class Member:
    """A member of an account; (account_id, email) is its key."""

    account_id: str
    email: str  #: lower-case
    role: str = "member"  #: "owner", "admin" or "member"
    status: str = "active"  #: "active" or "disabled"
    has_password: bool = False  #: had a password before SSO (kept in Mixed mode)
    joined_via: str = "password"  #: "password" or "sso"
    sso_linked: bool = False
    last_sso_login: Optional[_dt.datetime] = None  #: None = never
    created_at: _dt.datetime = _EPOCH


@dataclasses.dataclass(frozen=True)
class InviteRecord:
    """A pending invite: at most one per (account_id, email); ``token`` is unique.

    (:class:`ssogate.Invite` is what :meth:`Gate.invite` returns to you; this is the stored row.)
    """

    account_id: str
    email: str
    role: str
    token: str
    created_at: _dt.datetime
    expires_at: _dt.datetime


@dataclasses.dataclass(frozen=True)
class JoinToken:
    """Issued with a PROMPT_JOIN outcome; redeemed once by :meth:`Gate.confirm_join`."""

    token: str
    account_id: str
    connection_id: str
    email: str
    expires_at: _dt.datetime


# ---- the operations of a change (Directory.apply), each with its precondition ----


@dataclasses.dataclass(frozen=True)
class TakeInvite:
    """Deletes the invite of (account_id, email) if it exists, its token is ``token`` and
    ``expires_at > now``; otherwise the change fails with NotFound."""

    account_id: str
    email: str
    token: str
    now: _dt.datetime


@dataclasses.dataclass(frozen=True)
class TakeJoinToken:
    """Deletes the join token if it exists and ``expires_at > now``; otherwise NotFound."""

    token: str
    now: _dt.datetime


@dataclasses.dataclass(frozen=True)
class InsertMember:
    """Inserts the member: NotFound when its account does not exist (checked first), StoreConflict
    when the member exists."""

    member: Member


@dataclasses.dataclass(frozen=True)
class UpdateMember:
    """Replaces the member with ``after`` only if the stored row equals ``before`` in every field (a
    compare-and-swap: another writer's change is never overwritten): NotFound when there is no such
    member, StoreConflict when the stored row differs."""

    before: Member
    after: Member


@dataclasses.dataclass(frozen=True)
class RemoveMember:
    """Deletes the member only if the stored row equals ``before`` in every field: NotFound when there
    is no such member, StoreConflict when the stored row differs. Moves the account's revision."""

    before: Member


@dataclasses.dataclass(frozen=True)
class UpdateAccount:
    """Replaces the account with ``after`` only if its stored ``revision`` still equals
    ``before.revision`` (a compare-and-swap): NotFound when there is no such account, StoreConflict
    when the revision moved. ``after.revision`` is ``before.revision + 1``; store it. ``after`` may
    equal ``before`` but for the revision: the change then proves that nothing moved since the read.

    InsertMember, UpdateMember and RemoveMember move their account's revision forward (+1) in the
    same transaction: that is what serialises the lockout guard against member changes made by other
    processes or nodes."""

    before: Account
    after: Account


@dataclasses.dataclass(frozen=True)
class AppendAudit:
    """Appends the row (its ``seq`` is 0) under the next sequence number. No precondition."""

    entry: AuditRow


Operation = Union[TakeInvite, TakeJoinToken, InsertMember, UpdateMember, AppendAudit, UpdateAccount, RemoveMember]


class Directory(abc.ABC):
    """The directory a gate decides with, kept by you. Implement every method.

    "Not found" and "conflict" are :class:`ssogate.NotFound` and :class:`ssogate.StoreConflict`
    (or any :class:`ssogate.StoreError` with ``Code.NOT_FOUND`` / ``Code.STORE_CONFLICT``), raised
    only where a method's docstring names them. Any other exception means "could not answer": the
    gate's call fails with ``Code.STORE_UNAVAILABLE`` (fail closed).
    """

    @staticmethod
    def open(location: str) -> NativeDirectory:  # noqa: A003 - the natural name
        """One of the library's own directories: ``"memory:"``, ``"sqlite:PATH"`` or
        ``"postgresql://USER:PASSWORD@HOST:PORT/DB"``.

        A malformed location, or ``redis://`` (the directory needs transactions, so it is never in
        Redis), raises ``StoreError`` with ``Code.STORE_LOCATION``.
        """
        if not isinstance(location, str):
            raise TypeError(f"location must be str, got {type(location).__name__}")
        return NativeDirectory._wrap(_ssogate.directory_open(location), location.split(":", 1)[0])

    # ---- accounts ----

    @abc.abstractmethod
    def put_account(self, account: Account) -> None:
        """Inserts or replaces the account (settings such as the SSO mode change through this)."""

    @abc.abstractmethod
    def find_account(self, account_id: str) -> Optional[Account]:
        """The account, or None."""

    # ---- connections ----

    @abc.abstractmethod
    def put_connection(self, connection: ConnectionRecord) -> None:
        """Inserts or replaces the connection. NotFound when its account does not exist."""

    @abc.abstractmethod
    def find_connection(self, connection_id: str) -> Optional[ConnectionRecord]:
        """The connection, or None."""

    @abc.abstractmethod
    def list_connections(self, account_id: str) -> Sequence[ConnectionRecord]:
        """The account's connections, ordered by id."""

    @abc.abstractmethod
    def remove_connection(self, connection_id: str) -> None:
        """Deletes the connection. NotFound when there is none."""

    # ---- members ----

    @abc.abstractmethod
    def put_member(self, member: Member) -> None:
        """Inserts or replaces the member (admin edits). NotFound when its account does not exist."""

    @abc.abstractmethod
    def find_member(self, account_id: str, email: str) -> Optional[Member]:
        """The member, or None."""

    @abc.abstractmethod
    def list_members(self, account_id: str) -> Sequence[Member]:
        """The account's members, ordered by email."""

    # ---- invites and join tokens ----

    @abc.abstractmethod
    def put_invite(self, invite: InviteRecord) -> None:
        """Inserts or replaces the invite of (account_id, email). NotFound when the account does not
        exist; StoreConflict when another email's invite has this token."""

    @abc.abstractmethod
    def find_invite(self, account_id: str, email: str, now: _dt.datetime) -> Optional[InviteRecord]:
        """The invite of (account_id, email) if unexpired (``expires_at > now``), else None."""

    @abc.abstractmethod
    def revoke_invite(self, account_id: str, email: str) -> None:
        """Deletes the invite of (account_id, email). NotFound when there is none."""

    @abc.abstractmethod
    def put_join_token(self, token: JoinToken) -> None:
        """Stores a new join token. StoreConflict when one with this token exists."""

    @abc.abstractmethod
    def find_join_token(self, token: str, now: _dt.datetime) -> Optional[JoinToken]:
        """The join token if it is known, unused and unexpired (``expires_at > now``), else None.
        Consumes nothing: confirm_join reads it to decide again before a TakeJoinToken consumes it."""

    # ---- the audit log ----

    @abc.abstractmethod
    def read_audit(self, account_id: Optional[str], after_seq: int, limit: int) -> Sequence[AuditRow]:
        """Rows with ``seq > after_seq``, oldest first, at most ``limit``; ``account_id`` None means
        every account."""

    # ---- every write with effects: ONE transaction ----

    @abc.abstractmethod
    def apply(self, change: Sequence[Operation]) -> Sequence[int]:
        """Applies the operations in order, in ONE transaction: each sees the effect of the earlier
        ones; the first whose precondition does not hold raises its NotFound / StoreConflict, and then
        nothing of the change may remain (an invite taken, a row appended earlier in the same change:
        all undone). Returns the seq given to each AppendAudit row, in order: > 0 and greater than
        every earlier row's. The audit log grows only through this."""


class NativeDirectory:
    """A directory the library keeps itself (:meth:`Directory.open`): opaque, used through a gate."""

    __slots__ = ("_native", "_what")
    _native: Any
    _what: str

    def __init__(self) -> None:
        raise TypeError("use Directory.open(location) to open one of the library's directories")

    @classmethod
    def _wrap(cls, native: Any, what: str) -> NativeDirectory:
        self = object.__new__(cls)
        self._native = native
        self._what = what
        return self

    def __repr__(self) -> str:
        return f"NativeDirectory({self._what})"


# ---- the reference implementation ----

def normalize_email(email: str) -> str:
    """The form every directory keys an email by (and a domain's form): the library's own rule.

    ASCII A-Z lower-cased, every other character unchanged (``str.lower()`` would also fold other
    scripts, and then your directory and the gate would disagree about who is who). Use it where your
    own code writes or looks up an email outside the gate; emails the gate passes in are already in
    this form. It does not check the address.
    """
    return _ssogate.email_normalize(email)



class MemoryDirectory(Directory):
    """A directory in this process's memory: the reference for your own.

    One lock makes every method atomic, and :meth:`apply` puts the maps back as they were when an
    operation fails, which is the all-or-nothing a database transaction gives. In your database,
    ``apply`` is BEGIN, one statement per operation (each precondition a WHERE clause: ``DELETE ...
    WHERE token = ? AND expires_at > ?``, ``UPDATE members SET ... WHERE <every column> = <before>``,
    the row count telling whether it held), and COMMIT, or ROLLBACK on the first that did not.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: Dict[str, Account] = {}
        self._connections: Dict[str, ConnectionRecord] = {}
        self._members: Dict[Tuple[str, str], Member] = {}
        self._invites: Dict[Tuple[str, str], InviteRecord] = {}
        self._join_tokens: Dict[str, JoinToken] = {}
        self._audit: List[AuditRow] = []

    def put_account(self, account: Account) -> None:
        account = dataclasses.replace(
            account,
            verified_domains=tuple(normalize_email(d) for d in account.verified_domains),
            break_glass=tuple(normalize_email(e) for e in account.break_glass),
        )
        with self._lock:
            stored = self._accounts.get(account.id)
            self._accounts[account.id] = dataclasses.replace(
                account, revision=0 if stored is None else stored.revision + 1
            )

    def find_account(self, account_id: str) -> Optional[Account]:
        with self._lock:
            return self._accounts.get(account_id)

    def put_connection(self, connection: ConnectionRecord) -> None:
        with self._lock:
            self._require_account(connection.account_id)
            self._connections[connection.id] = connection

    def find_connection(self, connection_id: str) -> Optional[ConnectionRecord]:
        with self._lock:
            return self._connections.get(connection_id)

    def list_connections(self, account_id: str) -> Sequence[ConnectionRecord]:
        with self._lock:
            found = [c for c in self._connections.values() if c.account_id == account_id]
        return sorted(found, key=lambda c: c.id)

    def remove_connection(self, connection_id: str) -> None:
        with self._lock:
            if self._connections.pop(connection_id, None) is None:
                raise NotFound(f'no connection with id "{connection_id}"')

    def put_member(self, member: Member) -> None:
        member = dataclasses.replace(member, email=normalize_email(member.email))
        with self._lock:
            self._require_account(member.account_id)
            self._members[(member.account_id, member.email)] = member

    def find_member(self, account_id: str, email: str) -> Optional[Member]:
        with self._lock:
            return self._members.get((account_id, normalize_email(email)))

    def list_members(self, account_id: str) -> Sequence[Member]:
        with self._lock:
            found = [m for (a, _), m in self._members.items() if a == account_id]
        return sorted(found, key=lambda m: m.email)

    def put_invite(self, invite: InviteRecord) -> None:
        invite = dataclasses.replace(invite, email=normalize_email(invite.email))
        key = (invite.account_id, invite.email)
        with self._lock:  # one transaction: the token check and the write
            self._require_account(invite.account_id)
            for other_key, other in self._invites.items():
                if other.token == invite.token and other_key != key:
                    raise StoreConflict("an invite with this token already exists for another email")
            self._invites[key] = invite

    def find_invite(self, account_id: str, email: str, now: _dt.datetime) -> Optional[InviteRecord]:
        with self._lock:
            invite = self._invites.get((account_id, normalize_email(email)))
        if invite is None or invite.expires_at <= now:
            return None
        return invite

    def revoke_invite(self, account_id: str, email: str) -> None:
        with self._lock:
            if self._invites.pop((account_id, normalize_email(email)), None) is None:
                raise NotFound(f"no invite for {normalize_email(email)} in account {account_id}")

    def put_join_token(self, token: JoinToken) -> None:
        token = dataclasses.replace(token, email=normalize_email(token.email))
        with self._lock:  # one transaction (or a unique key on token)
            if token.token in self._join_tokens:
                raise StoreConflict("this join token already exists")
            self._join_tokens[token.token] = token

    def find_join_token(self, token: str, now: _dt.datetime) -> Optional[JoinToken]:
        with self._lock:
            t = self._join_tokens.get(token)
        if t is None or t.expires_at <= now:
            return None
        return t

    def read_audit(self, account_id: Optional[str], after_seq: int, limit: int) -> Sequence[AuditRow]:
        with self._lock:
            rows = [r for r in self._audit if r.seq > after_seq and (not account_id or r.account_id == account_id)]
        return rows[:limit]

    def apply(self, change: Sequence[Operation]) -> Sequence[int]:
        with self._lock:  # one transaction: put everything back if an operation fails
            saved = (dict(self._invites), dict(self._join_tokens), dict(self._members), len(self._audit))
            accounts = dict(self._accounts)
            try:
                return [seq for op in change for seq in self._apply_locked(op)]
            except BaseException:
                self._invites, self._join_tokens, self._members = saved[0], saved[1], saved[2]
                self._accounts = accounts
                del self._audit[saved[3]:]
                raise

    def _apply_locked(self, op: Operation) -> List[int]:
        if isinstance(op, TakeInvite):
            key = (op.account_id, normalize_email(op.email))
            invite = self._invites.get(key)
            if invite is None or invite.token != op.token or invite.expires_at <= op.now:
                raise NotFound(f"no pending invite for {key[1]} in account {op.account_id}")
            del self._invites[key]
        elif isinstance(op, TakeJoinToken):
            token = self._join_tokens.get(op.token)
            if token is None or token.expires_at <= op.now:
                raise NotFound("the join token is unknown, already used or expired")
            del self._join_tokens[op.token]
        elif isinstance(op, InsertMember):
            m = dataclasses.replace(op.member, email=normalize_email(op.member.email))
            self._require_account(m.account_id)
            if (m.account_id, m.email) in self._members:
                raise StoreConflict(f"{m.email} is already a member of account {m.account_id}")
            self._members[(m.account_id, m.email)] = m
            self._bump_locked(m.account_id)
        elif isinstance(op, UpdateMember):
            before = dataclasses.replace(op.before, email=normalize_email(op.before.email))
            key = (before.account_id, before.email)
            stored = self._members.get(key)
            if stored is None:
                raise NotFound(f"no member {key[1]} in account {key[0]}")
            if stored != before:
                raise StoreConflict(f"the member {key[1]} in account {key[0]} changed since it was read")
            self._members[key] = dataclasses.replace(op.after, email=key[1])
            self._bump_locked(key[0])
        elif isinstance(op, RemoveMember):
            before = dataclasses.replace(op.before, email=normalize_email(op.before.email))
            key = (before.account_id, before.email)
            stored = self._members.get(key)
            if stored is None:
                raise NotFound(f"no member {key[1]} in account {key[0]}")
            if stored != before:
                raise StoreConflict(f"the member {key[1]} in account {key[0]} changed since it was read")
            del self._members[key]
            self._bump_locked(key[0])
        elif isinstance(op, UpdateAccount):
            account = self._accounts.get(op.before.id)
            if account is None:
                raise NotFound(f'no account with id "{op.before.id}"')
            if account.revision != op.before.revision:
                raise StoreConflict(f"the account {op.before.id} or one of its members changed since it was read")
            self._accounts[account.id] = dataclasses.replace(op.after, revision=account.revision + 1)
        elif isinstance(op, AppendAudit):
            return [self._append_locked(op.entry)]
        else:
            raise TypeError(f"unknown directory operation {type(op).__name__}")
        return []

    # Callers hold self._lock.
    def _bump_locked(self, account_id: str) -> None:
        account = self._accounts.get(account_id)
        if account is not None:
            self._accounts[account_id] = dataclasses.replace(account, revision=account.revision + 1)

    def _require_account(self, account_id: str) -> None:
        if account_id not in self._accounts:
            raise NotFound(f'no account with id "{account_id}"')

    def _append_locked(self, entry: AuditRow) -> int:
        seq = len(self._audit) + 1
        self._audit.append(entry._replace(seq=seq, email=normalize_email(entry.email)))
        return seq


# ---- the bridge the extension calls (records cross the C ABI as JSON, "directory records, schema 1") ----

_ANSWERS = (Code.NOT_FOUND, Code.STORE_CONFLICT)


def _unix(value: Any, what: str) -> Any:
    # A datetime becomes Unix seconds; anything else goes into the JSON as it is, so a record with a
    # wrong kind of value is refused by the library (STORE_CORRUPT) naming the field.
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"{what}: a naive datetime is ambiguous; give it a tzinfo (e.g. timezone.utc)")
        return int(value.timestamp())
    return value


def _expect(value: Any, cls: type, method: str) -> Any:
    if not isinstance(value, cls):
        raise TypeError(f"Directory.{method} returned {type(value).__name__}; expected {cls.__name__}")
    return value


def _account_out(a: Account) -> Dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "sso_mode": a.sso_mode,
        "verified_domains": list(a.verified_domains),
        "break_glass": list(a.break_glass),
        "revision": a.revision,
    }


def _connection_out(c: ConnectionRecord) -> Dict[str, Any]:
    return {"id": c.id, "account_id": c.account_id, "json": c.json, "enabled": c.enabled}


def _member_out(m: Member) -> Dict[str, Any]:
    return {
        "account_id": m.account_id,
        "email": m.email,
        "role": m.role,
        "status": m.status,
        "has_password": m.has_password,
        "joined_via": m.joined_via,
        "sso_linked": m.sso_linked,
        "last_sso_login": 0 if m.last_sso_login is None else _unix(m.last_sso_login, "last_sso_login"),
        "created_at": _unix(m.created_at, "created_at"),
    }


def _invite_out(i: InviteRecord) -> Dict[str, Any]:
    return {
        "account_id": i.account_id,
        "email": i.email,
        "role": i.role,
        "token": i.token,
        "created_at": _unix(i.created_at, "created_at"),
        "expires_at": _unix(i.expires_at, "expires_at"),
    }


def _join_token_out(t: JoinToken) -> Dict[str, Any]:
    return {
        "token": t.token,
        "account_id": t.account_id,
        "connection_id": t.connection_id,
        "email": t.email,
        "expires_at": _unix(t.expires_at, "expires_at"),
    }


def _audit_out(r: AuditRow) -> Dict[str, Any]:
    return {
        "seq": r.seq,
        "time": _unix(r.time, "time"),
        "account_id": r.account_id,
        "connection_id": r.connection_id,
        "email": r.email,
        "outcome": r.outcome,
        "reason": r.reason,
        "detail": r.detail,
    }


def _account_in(d: Dict[str, Any]) -> Account:
    return Account(
        d["id"], d["name"], d["sso_mode"], tuple(d["verified_domains"]), tuple(d["break_glass"]), d.get("revision", 0)
    )


def _connection_in(d: Dict[str, Any]) -> ConnectionRecord:
    return ConnectionRecord(d["id"], d["account_id"], d["json"], d["enabled"])


def _member_in(d: Dict[str, Any]) -> Member:
    last = d["last_sso_login"]
    return Member(
        account_id=d["account_id"],
        email=d["email"],
        role=d["role"],
        status=d["status"],
        has_password=d["has_password"],
        joined_via=d["joined_via"],
        sso_linked=d["sso_linked"],
        last_sso_login=None if last == 0 else to_datetime(last),
        created_at=to_datetime(d["created_at"]),
    )


def _invite_in(d: Dict[str, Any]) -> InviteRecord:
    return InviteRecord(
        d["account_id"], d["email"], d["role"], d["token"], to_datetime(d["created_at"]), to_datetime(d["expires_at"])
    )


def _join_token_in(d: Dict[str, Any]) -> JoinToken:
    return JoinToken(d["token"], d["account_id"], d["connection_id"], d["email"], to_datetime(d["expires_at"]))


def _audit_in(d: Dict[str, Any]) -> AuditRow:
    return AuditRow(
        d["seq"], to_datetime(d["time"]), d["account_id"], d["connection_id"], d["email"], d["outcome"],
        d["reason"], d["detail"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Bridge:
    """What the extension's C callbacks call: JSON and plain values in, ``(code, answer)`` out.

    ``code`` is 0, ``Code.NOT_FOUND`` or ``Code.STORE_CONFLICT``; ``answer`` is None or a JSON str
    (for apply, the array of the audit seqs). Any other exception propagates to the extension, which reports
    it to ``sys.unraisablehook`` and answers "could not answer" (STORE_UNAVAILABLE).
    """

    __slots__ = ("_d",)

    def __init__(self, directory: Directory) -> None:
        self._d = directory

    @staticmethod
    def _call(fn: Callable[[], Any]) -> Tuple[int, Any]:
        try:
            return 0, fn()
        except StoreError as e:
            if e.code in _ANSWERS:
                return int(e.code), None
            raise

    def _find(self, method: str, cls: type, out: Callable[[Any], Dict[str, Any]], *args: Any) -> Tuple[int, Any]:
        code, found = self._call(lambda: getattr(self._d, method)(*args))
        if code != 0 or found is None:
            return code, None
        return 0, _dumps(out(_expect(found, cls, method)))

    def _list(self, method: str, cls: type, out: Callable[[Any], Dict[str, Any]], *args: Any) -> Tuple[int, Any]:
        code, found = self._call(lambda: getattr(self._d, method)(*args))
        if code != 0:
            return code, None
        if found is None or isinstance(found, (str, bytes, dict)):
            raise TypeError(f"Directory.{method} returned {type(found).__name__}; expected a list of {cls.__name__}")
        return 0, _dumps([out(_expect(x, cls, method)) for x in found])

    def put_account(self, j: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.put_account(_account_in(json.loads(j))))

    def find_account(self, account_id: str) -> Tuple[int, Any]:
        return self._find("find_account", Account, _account_out, account_id)

    def put_connection(self, j: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.put_connection(_connection_in(json.loads(j))))

    def find_connection(self, connection_id: str) -> Tuple[int, Any]:
        return self._find("find_connection", ConnectionRecord, _connection_out, connection_id)

    def list_connections(self, account_id: str) -> Tuple[int, Any]:
        return self._list("list_connections", ConnectionRecord, _connection_out, account_id)

    def remove_connection(self, connection_id: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.remove_connection(connection_id))

    def put_member(self, j: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.put_member(_member_in(json.loads(j))))

    def find_member(self, account_id: str, email: str) -> Tuple[int, Any]:
        return self._find("find_member", Member, _member_out, account_id, email)

    def list_members(self, account_id: str) -> Tuple[int, Any]:
        return self._list("list_members", Member, _member_out, account_id)

    def put_invite(self, j: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.put_invite(_invite_in(json.loads(j))))

    def find_invite(self, account_id: str, email: str, now: int) -> Tuple[int, Any]:
        return self._find("find_invite", InviteRecord, _invite_out, account_id, email, to_datetime(now))

    def revoke_invite(self, account_id: str, email: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.revoke_invite(account_id, email))

    def put_join_token(self, j: str) -> Tuple[int, Any]:
        return self._call(lambda: self._d.put_join_token(_join_token_in(json.loads(j))))

    def find_join_token(self, token: str, now: int) -> Tuple[int, Any]:
        return self._find("find_join_token", JoinToken, _join_token_out, token, to_datetime(now))

    def read_audit(self, account_id: str, after_seq: int, limit: int) -> Tuple[int, Any]:
        return self._list("read_audit", AuditRow, _audit_out, account_id or None, after_seq, limit)

    def apply(self, j: str) -> Tuple[int, Any]:
        change = [_operation_in(op) for op in json.loads(j)]
        code, seqs = self._call(lambda: self._d.apply(change))
        if code != 0:
            return code, None
        if seqs is None or isinstance(seqs, (str, bytes, dict)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in seqs
        ):
            raise TypeError(f"Directory.apply returned {type(seqs).__name__}; expected a list of seqs (int)")
        return 0, _dumps(list(seqs))


def _operation_in(d: Dict[str, Any]) -> Operation:
    """One operation of a "directory change, schema 1" as the library sends it."""
    op = d["op"]
    if op == "take_invite":
        return TakeInvite(d["account_id"], d["email"], d["token"], to_datetime(d["now"]))
    if op == "take_join_token":
        return TakeJoinToken(d["token"], to_datetime(d["now"]))
    if op == "insert_member":
        return InsertMember(_member_in(d["member"]))
    if op == "update_member":
        return UpdateMember(_member_in(d["before"]), _member_in(d["after"]))
    if op == "append_audit":
        return AppendAudit(_audit_in(d["entry"]))
    if op == "update_account":
        return UpdateAccount(_account_in(d["before"]), _account_in(d["after"]))
    if op == "remove_member":
        return RemoveMember(_member_in(d["before"]))
    raise ValueError(f"the library sent a directory operation this binding does not know: {op!r}")


def _native_directory(directory: Any) -> Any:
    """The extension's directory handle for a :class:`Directory` or a :class:`NativeDirectory`."""
    if isinstance(directory, NativeDirectory):
        return directory._native
    if isinstance(directory, Directory):
        return _ssogate.directory_from_python(_Bridge(directory))
    raise TypeError(f"directory must be an ssogate.Directory or Directory.open(...), got {type(directory).__name__}")
