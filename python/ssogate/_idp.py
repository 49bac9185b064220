"""Imported IdP metadata: :func:`import_idp_metadata` and the objects it returns."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING, List, Optional, Tuple, Union

from . import _enums, _ssogate
from ._codes import Code
from ._convert import BytesLike, Timestamp, to_bytes, to_datetime, to_max_bytes, to_unix
from ._errors import InvalidArgument

if TYPE_CHECKING:
    from ._metadata import MetadataEvent, MetadataSource

__all__ = ["Endpoint", "Certificate", "Warning", "IdpMetadata", "import_idp_metadata"]

_BINDING_NAMES = {
    _enums.BINDING["HTTP_REDIRECT"]: "redirect",
    _enums.BINDING["HTTP_POST"]: "post",
}
_BINDING_NUMBERS = {name: number for number, name in _BINDING_NAMES.items()}


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A SingleSignOnService or SingleLogoutService.

    ``binding`` is ``"redirect"`` (HTTP-Redirect), ``"post"`` (HTTP-POST) or ``"other"``; the full
    URI is in ``binding_uri`` either way.
    """

    binding: str
    binding_uri: str
    location: str


@dataclasses.dataclass(frozen=True)
class Certificate:
    """A signing certificate of the IdP. Times are Unix seconds (UTC)."""

    der: bytes = dataclasses.field(repr=False)
    pem: str = dataclasses.field(repr=False)
    sha256: str
    """SHA-256 of the DER as ``AB:CD:...``, the way IdP consoles show it."""
    subject: str
    issuer: str
    not_before: int
    not_after: int
    key_type: str
    key_bits: int

    @property
    def not_before_datetime(self) -> _dt.datetime:
        return to_datetime(self.not_before)

    @property
    def not_after_datetime(self) -> _dt.datetime:
        return to_datetime(self.not_after)


# Named as the C ABI names it. It is a record, not a warnings-module category, so it does not derive
# from the builtin Warning and is left out of ``ssogate.__all__`` (a star import would shadow it).
@dataclasses.dataclass(frozen=True)
class Warning:  # noqa: A001 - the public name the API documents
    """A finding on a successful import (e.g. an expired signing certificate) to show the admin."""

    code: Union[Code, int]
    code_name: str
    message: str


class IdpMetadata:
    """An IdP's imported metadata: immutable and safe to share across threads.

    Make one with :func:`import_idp_metadata`.
    """

    __slots__ = (
        "_native",
        "_entity_id",
        "_sso",
        "_slo",
        "_certs",
        "_nameid_formats",
        "_warnings",
    )
    _native: _ssogate.Idp
    _entity_id: str
    _sso: Tuple[Endpoint, ...]
    _slo: Tuple[Endpoint, ...]
    _certs: Tuple[Certificate, ...]
    _nameid_formats: Tuple[str, ...]
    _warnings: Tuple[Warning, ...]

    def __init__(self) -> None:
        raise TypeError("use ssogate.import_idp_metadata() to make an IdpMetadata")

    @classmethod
    def _from_native(cls, native: _ssogate.Idp) -> IdpMetadata:
        self = object.__new__(cls)
        # Everything is read once: the handle is immutable, and plain tuples make the getters cheap.
        self._native = native
        self._entity_id = native.entity_id
        self._sso = tuple(_endpoint(*e) for e in native.sso_endpoints())
        self._slo = tuple(_endpoint(*e) for e in native.slo_endpoints())
        self._certs = tuple(Certificate(*c) for c in native.certificates())
        self._nameid_formats = tuple(native.nameid_formats())
        self._warnings = tuple(_warning(code, message) for code, message in native.warnings())
        return self

    @property
    def entity_id(self) -> str:
        return self._entity_id

    @property
    def sso_endpoints(self) -> List[Endpoint]:
        """SingleSignOnService endpoints in document order, every binding included."""
        return list(self._sso)

    @property
    def slo_endpoints(self) -> List[Endpoint]:
        return list(self._slo)

    @property
    def certificates(self) -> List[Certificate]:
        """Signing certificates in document order; every one is trusted, so key rollover works."""
        return list(self._certs)

    @property
    def nameid_formats(self) -> List[str]:
        return list(self._nameid_formats)

    @property
    def want_authn_requests_signed(self) -> bool:
        return self._native.want_authn_requests_signed

    @property
    def valid_until(self) -> Optional[int]:
        """validUntil as Unix seconds, or None when the metadata has none."""
        return self._native.valid_until

    @property
    def cache_duration(self) -> Optional[str]:
        """cacheDuration as written (e.g. ``"PT5H"``), or None."""
        return self._native.cache_duration or None

    @property
    def signature_verified(self) -> bool:
        """True when the metadata's own signature was verified against ``signer_pem``."""
        return self._native.signature_verified

    @property
    def warnings(self) -> List[Warning]:
        return list(self._warnings)

    @property
    def source(self) -> "MetadataSource":
        """Where the metadata came from and how its refresh stands (``url`` None for a file)."""
        from ._metadata import _source  # _metadata imports this module

        return _source(self._native)

    @property
    def events(self) -> "List[MetadataEvent]":
        """The events of the URL import that made this IdP (certificates expired or expiring)."""
        from ._metadata import _event

        return [_event(e) for e in _ssogate.idp_events(self._native)]

    def sso_url(self, binding: str = "redirect") -> Optional[str]:
        """The first SSO location with ``binding`` (``"redirect"`` or ``"post"``), or None."""
        number = _BINDING_NUMBERS.get(binding)
        if number is None:
            raise InvalidArgument(Code.INVALID_ARGUMENT, f"binding must be 'redirect' or 'post', got {binding!r}")
        return self._native.sso_url(number)

    def __repr__(self) -> str:
        bindings = sorted({e.binding for e in self._sso if e.binding != "other"})
        certs = ", ".join(f"{c.key_type}-{c.key_bits} {c.sha256[:11]}..." for c in self._certs)
        warn = f", warnings=[{', '.join(w.code_name for w in self._warnings)}]" if self._warnings else ""
        return f"IdpMetadata(entity_id={self._entity_id!r}, sso={bindings}, certificates=[{certs}]{warn})"


def _endpoint(binding: int, binding_uri: str, location: str) -> Endpoint:
    return Endpoint(_BINDING_NAMES.get(binding, "other"), binding_uri, location)


def _warning(code: int, message: str) -> Warning:
    try:
        typed: Union[Code, int] = Code(code)
    except ValueError:
        typed = code
    return Warning(typed, _ssogate.code_name(code), message)


def import_idp_metadata(
    xml: Union[bytes, BytesLike, str],
    *,
    entity_id: Optional[str] = None,
    signer_pem: Union[bytes, str, None] = None,
    now: Optional[Timestamp] = None,
    max_bytes: Optional[int] = None,
    allow_sha1: bool = False,
) -> IdpMetadata:
    """Imports IdP metadata, the bytes as the admin uploaded them.

    Args:
        xml: the document. Prefer bytes (exactly as uploaded); str is encoded as UTF-8.
        entity_id: selects one IdP from an aggregate (EntitiesDescriptor).
        signer_pem: a PEM certificate you trust; the metadata must then carry a signature that
            verifies with it.
        now: the clock for validUntil and certificate expiry (Unix seconds or an aware datetime);
            None is the system clock.
        max_bytes: refuse larger input (default 8 MiB).
        allow_sha1: accept an rsa-sha1 signature or sha1 digest on the metadata itself (some
            federations still sign aggregates with SHA-1); refused by default.

    Raises:
        MetadataError: the document was refused; ``.code`` says why (``Code.METADATA_EXPIRED``, ...).
        InvalidArgument: a bad argument.

    The GIL is released while the library parses and checks, so imports can run in threads.
    """
    data = to_bytes(xml, "xml")
    if entity_id is not None and not isinstance(entity_id, str):
        raise TypeError(f"entity_id must be str, got {type(entity_id).__name__}")
    pem = None if signer_pem is None else to_bytes(signer_pem, "signer_pem")
    native = _ssogate.import_idp(data, entity_id, pem, to_unix(now), to_max_bytes(max_bytes), bool(allow_sha1))
    return IdpMetadata._from_native(native)
