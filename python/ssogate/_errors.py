"""The exception hierarchy: one base, :class:`Error`, and one subclass per range of codes.

``LoginRejected`` and ``SignatureError`` are deliberately *not* ``ValueError``: a stray
``except ValueError`` around a login must never swallow an authentication failure. Metadata and
argument problems are ``ValueError`` because they are bad input from the admin or the caller.
"""

from __future__ import annotations

from typing import Optional, Union

from . import _ssogate
from ._codes import Code

__all__ = [
    "Error",
    "InvalidArgument",
    "MetadataError",
    "SignatureError",
    "LoginRejected",
    "StoreError",
    "NotFound",
    "StoreConflict",
    "InternalError",
]


class Error(Exception):
    """A call into ssogate failed.

    Attributes:
        code: the stable result code (a :class:`Code`, or a plain ``int`` for a code this Python
            package does not know yet, from a newer library).
        code_name: its stable name, e.g. ``"METADATA_EXPIRED"``.
        message: the operator message: what was expected and what came. It never holds keys or
            whole documents, so it is safe to log and to show an admin.
        user_message: a short text safe to show the end user whose login failed: generic, names
            the code for their administrator, never echoes input.
        signed_identity: for a refused login whose refusal came after the response's signature
            verified (IdP-initiated not allowed, NameID format, email domain, replay, ...), who the
            signed assertion names: an address in its normalised form, else the NameID as stated
            (``""`` when it names nobody readable). ``None`` when the refusal came before any
            signature verified (nothing the sender chose is reported), and for every other error.
    """

    code: Union[Code, int]
    message: str
    user_message: str
    signed_identity: Optional[str] = None

    def __init__(self, code: int, message: str, user_message: str = "", signed_identity: Optional[str] = None) -> None:
        super().__init__(int(code), message)
        try:
            self.code = Code(code)
        except ValueError:
            self.code = int(code)
        self.message = message
        self.user_message = user_message
        self.signed_identity = signed_identity

    @property
    def code_name(self) -> str:
        # The loaded library is the authority on names (it may know codes newer than this file).
        return _ssogate.code_name(int(self.code))

    def __str__(self) -> str:
        return f"{self.code_name}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code_name} ({int(self.code)}), {self.message!r})"


class InvalidArgument(Error, ValueError):
    """Codes 1-99: a bad argument or setting (URL, clock skew, connection JSON, ...)."""


class MetadataError(Error, ValueError):
    """Codes 100-199: the XML or the IdP metadata was refused (malformed, DOCTYPE, expired, ...)."""


class SignatureError(Error):
    """Codes 200-299: a signature did not verify or was not acceptable, or an encrypted assertion could
    not be decrypted (DECRYPTION_FAILED, ENCRYPTION_ALGORITHM, ENCRYPTION_MALFORMED)."""


class LoginRejected(Error):
    """Codes 300-399: a SAML response failed a condition (audience, time, replay, ...).

    Not a ``ValueError`` on purpose, so ``except ValueError`` cannot hide a refused login.
    """


class StoreError(Error):
    """Codes 400-499: a state store (replay cache, pending requests, directory) could not answer."""


class NotFound(StoreError):
    """``Code.NOT_FOUND``: the thing asked for is not there (no such account, invite, join token...).

    A host's own :class:`ssogate.Directory` raises it where the store contract says "not found":
    ``raise ssogate.NotFound("no member bob@example.com in account acme")``.
    """

    def __init__(self, message: str = "not found", user_message: str = "") -> None:
        super().__init__(Code.NOT_FOUND, message, user_message)

    def __reduce__(self) -> tuple:
        # Exception pickling replays self.args, which hold (code, message): not this signature.
        return (type(self), (self.message, self.user_message))


class StoreConflict(StoreError):
    """``Code.STORE_CONFLICT``: the thing to create exists already (an account, a member, a join token).

    A host's own :class:`ssogate.Directory` raises it where the store contract says "conflict".
    """

    def __init__(self, message: str = "already exists", user_message: str = "") -> None:
        super().__init__(Code.STORE_CONFLICT, message, user_message)

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.user_message))


class InternalError(Error):
    """Codes 900-999: a bug in ssogate or a dependency, or memory exhaustion."""


def _class_for(code: int) -> type[Error]:
    if 1 <= code <= 99:
        return InvalidArgument
    if 100 <= code <= 199:
        return MetadataError
    if 200 <= code <= 299:
        return SignatureError
    if 300 <= code <= 399:
        return LoginRejected
    if 400 <= code <= 499:
        return StoreError
    if 900 <= code <= 999:
        return InternalError
    return Error


def _error_from_code(code: int, message: str, user_message: str = "", signed_identity: Optional[str] = None) -> Error:
    """Builds the exception for a failed call; the extension module calls this to raise."""
    # The two store answers a caller (and a host's own Directory) tests for have their own classes,
    # still StoreError, so `except ssogate.StoreError` keeps catching them.
    if code == Code.NOT_FOUND:
        return NotFound(message, user_message)
    if code == Code.STORE_CONFLICT:
        return StoreConflict(message, user_message)
    return _class_for(code)(code, message, user_message, signed_identity)
