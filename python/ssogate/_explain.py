"""Why did this login fail? An explanation of a SAMLResponse, check by check.

::

    x = ssogate.explain(conn, posted_value, pending_request_ids=["_req1"], now=when_it_was_posted)
    print(x)                      # one line per check, then the hints
    if not x.ok:
        print(x.first_failed_check.name, x.first_failure.name, x.first_failed_check.detail)

The explanation runs the very checks :func:`ssogate.verify_response` runs (in the C library, as a
dry run): its first failing check carries the code verification refuses the same response with.
Nobody is logged in and nothing is recorded: the replay cache is only read when one is given, and no
pending request is taken. Every object here is immutable.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Optional, Tuple, Union

from . import _ssogate
from ._codes import Code
from ._connection import Connection
from ._convert import BytesLike, Timestamp, to_bytes, to_max_bytes, to_unix
from ._idp import IdpMetadata
from ._verify import ReplayCache, SpKey, _native_keys, _positive, _request_ids

__all__ = ["Check", "Hint", "Explanation", "explain", "CHECK_PASS", "CHECK_FAIL", "CHECK_NOT_REACHED"]

#: The values of :attr:`Check.status` (``ssogate_check_status``).
CHECK_PASS = "pass"
CHECK_FAIL = "fail"
CHECK_NOT_REACHED = "not_reached"
_STATUS = {0: CHECK_PASS, 1: CHECK_FAIL, 2: CHECK_NOT_REACHED}


class Check(NamedTuple):
    """One check: its stable name, ``"pass"``, ``"fail"`` or ``"not_reached"``, the code verification
    refuses with when it failed (``Code.OK`` otherwise) and the values it compared."""

    name: str
    status: str
    code: Code
    expected: str  #: what the connection expects ("" when the check compares nothing)
    got: str  #: what the response holds
    detail: str  #: the refusal's operator message when it failed; a note or "" otherwise

    def __str__(self) -> str:
        line = f"{self.status.upper():<11} {self.name}"
        if self.status == CHECK_FAIL:
            line += f" [{self.code.name}] {self.detail}"
        elif self.detail:
            line += f" ({self.detail})"
        if self.expected or self.got:
            line += f"\n            expected: {self.expected}\n            got:      {self.got}"
        return line


class Hint(NamedTuple):
    """A likely cause in plain words, with a stable name (``"signing_key_not_in_metadata"``,
    ``"acs_behind_proxy"``, ``"nameid_format_not_email"``, ``"clock_off"``, ...)."""

    name: str
    text: str


class Explanation(NamedTuple):
    """Every check, in the order verification runs them, and the hints."""

    checks: Tuple[Check, ...]
    hints: Tuple[Hint, ...]
    first_failure: Code  #: what verification refuses with; ``Code.OK`` when it accepts

    @property
    def ok(self) -> bool:
        """True when verification accepts the response (every check that ran passed)."""
        return self.first_failure == Code.OK

    @property
    def first_failed_check(self) -> Optional[Check]:
        return next((c for c in self.checks if c.status == CHECK_FAIL), None)

    def check(self, name: str) -> Optional[Check]:
        """The check named ``name``, or None."""
        return next((c for c in self.checks if c.name == name), None)

    def __str__(self) -> str:
        lines = [str(c) for c in self.checks]
        lines += [f"hint ({h.name}): {h.text}" for h in self.hints]
        return "\n".join(lines)


def _explanation(t: Any) -> Explanation:
    first, checks, hints = t
    return Explanation(
        checks=tuple(
            Check(name, _STATUS.get(status, CHECK_NOT_REACHED), Code(code), expected, got, detail)
            for (name, status, code, expected, got, detail) in checks
        ),
        hints=tuple(Hint(n, text) for (n, text) in hints),
        first_failure=Code(first),
    )


def _candidate(candidate_metadata: Optional[IdpMetadata]) -> Any:
    if candidate_metadata is None:
        return None
    if not isinstance(candidate_metadata, IdpMetadata):
        raise TypeError(f"candidate_metadata must be an IdpMetadata, got {type(candidate_metadata).__name__}")
    return candidate_metadata._native


def explain(
    connection: Connection,
    saml_response: Union[str, BytesLike],
    *,
    pending_request_ids: Union[str, Iterable[str]] = (),
    replay_cache: Optional[ReplayCache] = None,
    candidate_metadata: Optional[IdpMetadata] = None,
    now: Optional[Timestamp] = None,
    max_bytes: Optional[int] = None,
    max_age_seconds: Optional[int] = None,
    decryption_keys: Iterable[SpKey] = (),
) -> Explanation:
    """Explains how :func:`ssogate.verify_response` decides on this ``SAMLResponse`` form value.

    The arguments are those of ``verify_response``; ``replay_cache`` is optional here and only read
    (an assertion ID it holds fails the ``"replay"`` check; without one that check is not reached).
    ``candidate_metadata`` is a second metadata of the same IdP (say, fetched from its metadata URL
    just now), never trusted: the hints then say whether it has the key the response was signed with.
    ``now`` is the time to judge the response at (the time it was posted, for a captured one).

    Returns an :class:`Explanation`; raises only ``TypeError`` or ``InvalidArgument`` for bad arguments.
    The GIL is released while the library works.
    """
    if not isinstance(connection, Connection):
        raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
    if replay_cache is not None and not isinstance(replay_cache, ReplayCache):
        raise TypeError(f"replay_cache must be a ReplayCache or None, got {type(replay_cache).__name__}")
    if max_age_seconds is not None:
        max_age_seconds = _positive(max_age_seconds)
    t = _ssogate.explain_response(
        connection._native,
        to_bytes(saml_response, "saml_response"),
        None if replay_cache is None else replay_cache._native,
        _candidate(candidate_metadata),
        _request_ids(pending_request_ids),
        to_unix(now),
        to_max_bytes(max_bytes),
        max_age_seconds,
        _native_keys(decryption_keys),
    )
    return _explanation(t)
