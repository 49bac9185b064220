"""Connections: one IdP of an account, with the ACS URL and SP entity ID the IdP needs back."""

from __future__ import annotations

from typing import Iterable, List, Optional, Union

from . import _ssogate
from ._codes import Code
from ._convert import BytesLike, Timestamp, to_bytes, to_max_bytes, to_unix
from ._errors import InvalidArgument
from ._idp import IdpMetadata

__all__ = ["Connection"]


def _str(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, got {type(value).__name__}")
    return value


def _opt_str(value: Optional[str], what: str) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{what} must be str, got {type(value).__name__}")
    return value


class Connection:
    """A connection (what an admin's "+ New Identity Provider", then "Save" makes): immutable and shareable.

    Make one with :meth:`create` or restore one with :meth:`from_json`. The settings are checked by
    the library; a refused value raises :class:`ssogate.InvalidArgument` naming the field.
    """

    __slots__ = ("_native", "_idp")
    _native: _ssogate.Connection
    _idp: IdpMetadata

    def __init__(self) -> None:
        raise TypeError("use Connection.create() or Connection.from_json() to make a Connection")

    @classmethod
    def _from_native(cls, native: _ssogate.Connection) -> Connection:
        self = object.__new__(cls)
        self._native = native
        # The connection's own IdP (the C library keeps a reference), not the object passed to
        # create(): that one may be dropped, and this view keeps the connection alive instead.
        self._idp = IdpMetadata._from_native(native.idp())
        return self

    @classmethod
    def create(
        cls,
        idp: IdpMetadata,
        *,
        base_url: Optional[str] = None,
        id: Optional[str] = None,  # noqa: A002 - the field is called id everywhere else
        description: Optional[str] = None,
        acs_url: Optional[str] = None,
        sp_entity_id: Optional[str] = None,
        acs_url_template: Optional[str] = None,
        sp_entity_id_template: Optional[str] = None,
        allowed_domains: Iterable[str] = (),
        email_attribute: Optional[str] = None,
        sp_certificate_pem: Optional[str] = None,
        allow_idp_initiated: bool = False,
        jit_provisioning: bool = False,
        clock_skew_seconds: int = 180,
        allow_sha1: bool = False,
        allowed_return_origins: Iterable[str] = (),
        sp_encryption_certificates: Iterable[str] = (),
        allow_rsa_1_5: bool = False,
        allow_legacy_sp_key: bool = False,
    ) -> Connection:
        """Makes a connection for an imported IdP.

        The ACS URL and SP entity ID default to ``{base}/sso/saml/{id}/acs`` and
        ``{base}/sso/saml/{id}`` (templates configurable); give ``acs_url`` and ``sp_entity_id``
        for an IdP app that already exists. ``id`` defaults to 128 random bits, URL-safe.
        ``allowed_domains`` empty means any email domain. ``allowed_return_origins``
        ("https://app.example.com") are the origins an SP-initiated login may return to with an
        absolute URL; paths on the service are always allowed. ``sp_certificate_pem`` is the
        certificate of the SP key logins are begun with: published in the SP metadata, and a login
        begun with another key is refused (``SP_KEY_INVALID``).

        ``sp_encryption_certificates`` are the certificates (PEM, RSA of 2048 bits or more) of the
        SP's encryption keys: the current one and, during a key rollover, the next. The IdP encrypts
        assertions to one of them; the SP metadata lists each. The private keys never enter the
        connection or its JSON: give them to :func:`ssogate.verify_response` (``decryption_keys``)
        or once to :meth:`ssogate.Gate.add_decryption_key`. ``allow_rsa_1_5`` accepts RSA-1_5 key
        transport (open to Bleichenbacher's attack: legacy IdPs only); ``allow_legacy_sp_key``
        accepts 1024-bit encryption certificates (other projects' test keys only).
        """
        if not isinstance(idp, IdpMetadata):
            raise TypeError(f"idp must be an IdpMetadata, got {type(idp).__name__}")
        if isinstance(allowed_domains, str):
            # A lone string would otherwise be split into one-letter "domains".
            raise TypeError("allowed_domains must be a list of domains, not a str")
        domains = [_str(d, "allowed_domains item") for d in allowed_domains]
        if isinstance(allowed_return_origins, str):
            raise TypeError("allowed_return_origins must be a list of origins, not a str")
        origins = [_str(o, "allowed_return_origins item") for o in allowed_return_origins]
        if isinstance(sp_encryption_certificates, str):
            raise TypeError("sp_encryption_certificates must be a list of PEM certificates, not a str")
        enc_certs = [_str(c, "sp_encryption_certificates item") for c in sp_encryption_certificates]
        if isinstance(clock_skew_seconds, bool) or not isinstance(clock_skew_seconds, int):
            raise TypeError(f"clock_skew_seconds must be int, got {type(clock_skew_seconds).__name__}")
        # The range (0..600) is the library's to enforce; here only what an int32 cannot carry.
        if not -(2**31) <= clock_skew_seconds < 2**31:
            raise InvalidArgument(
                Code.INVALID_SETTING, f"clock_skew_seconds must be 0..600, got {clock_skew_seconds}"
            )
        skew = clock_skew_seconds
        native = _ssogate.connection_new(
            idp._native,
            base_url=_opt_str(base_url, "base_url"),
            id=_opt_str(id, "id"),
            description=_opt_str(description, "description"),
            acs_url=_opt_str(acs_url, "acs_url"),
            sp_entity_id=_opt_str(sp_entity_id, "sp_entity_id"),
            acs_url_template=_opt_str(acs_url_template, "acs_url_template"),
            sp_entity_id_template=_opt_str(sp_entity_id_template, "sp_entity_id_template"),
            allowed_domains=domains,
            email_attribute=_opt_str(email_attribute, "email_attribute"),
            sp_certificate_pem=_opt_str(sp_certificate_pem, "sp_certificate_pem"),
            allow_idp_initiated=bool(allow_idp_initiated),
            jit_provisioning=bool(jit_provisioning),
            clock_skew_seconds=skew,
            allow_sha1=bool(allow_sha1),
            allowed_return_origins=origins,
            sp_encryption_certificates=enc_certs,
            allow_rsa_1_5=bool(allow_rsa_1_5),
            allow_legacy_sp_key=bool(allow_legacy_sp_key),
        )
        return cls._from_native(native)

    @classmethod
    def from_json(
        cls,
        s: Union[str, BytesLike],
        *,
        now: Optional[Timestamp] = None,
        max_bytes: Optional[int] = None,
    ) -> Connection:
        """Restores a connection from :meth:`to_json` output.

        The IdP metadata inside is imported again (with ``now`` and ``max_bytes``), so metadata whose
        validUntil has passed is refused as on first import. Malformed JSON raises
        ``InvalidArgument`` with ``Code.CONNECTION_JSON``; JSON from a newer ssogate,
        ``Code.CONNECTION_VERSION``.
        """
        native = _ssogate.connection_from_json(to_bytes(s, "s"), to_unix(now), to_max_bytes(max_bytes))
        return cls._from_native(native)

    # The settings with_settings may change: everything but the identity (id, and the ACS URL and SP
    # entity ID the IdP was given, with the base URL and templates they came from).
    _SETTINGS = (
        "description",
        "allowed_domains",
        "email_attribute",
        "sp_certificate_pem",
        "allow_idp_initiated",
        "jit_provisioning",
        "clock_skew_seconds",
        "allow_sha1",
        "allowed_return_origins",
        "sp_encryption_certificates",
        "allow_rsa_1_5",
        "allow_legacy_sp_key",
    )

    def with_settings(self, *, idp: Optional[IdpMetadata] = None, **settings: object) -> Connection:
        """A copy with some settings changed, keeping the id, the ACS URL and the SP entity ID.

        The way to change a saved connection: ``gate.add_connection(account, conn.with_settings(
        allow_idp_initiated=True))``. The keywords are :meth:`create`'s settings
        (``allow_idp_initiated``, ``jit_provisioning``, ``allowed_domains``, ``description``,
        ``clock_skew_seconds``, ...); ``idp`` replaces the IdP metadata (a refreshed download, a new
        signing certificate). ``id``, ``acs_url``, ``sp_entity_id``, ``base_url`` and the templates
        are refused with ``TypeError``: they are what the IdP was given, so changing them is a new
        connection (:meth:`create`), and the IdP must be told the new URLs. Values are checked
        as by :meth:`create`.
        """
        unknown = sorted(set(settings) - set(self._SETTINGS))
        if unknown:
            identity = {"id", "acs_url", "sp_entity_id", "base_url", "acs_url_template", "sp_entity_id_template"}
            if identity & set(unknown):
                raise TypeError(
                    f"with_settings keeps the connection's identity; {', '.join(unknown)} cannot change: make a new "
                    "connection with Connection.create (and give the IdP its new URLs)"
                )
            raise TypeError(f"with_settings got unknown settings: {', '.join(unknown)}")
        current = {
            "description": self.description,
            "allowed_domains": self.allowed_domains,
            "email_attribute": self.email_attribute,
            "sp_certificate_pem": self.sp_certificate_pem,
            "allow_idp_initiated": self.allow_idp_initiated,
            "jit_provisioning": self.jit_provisioning,
            "clock_skew_seconds": self.clock_skew_seconds,
            "allow_sha1": self.allow_sha1,
            "allowed_return_origins": self.allowed_return_origins,
            "sp_encryption_certificates": self.sp_encryption_certificates,
            "allow_rsa_1_5": self.allow_rsa_1_5,
            "allow_legacy_sp_key": self.allow_legacy_sp_key,
        }
        current.update(settings)
        return Connection.create(
            self._idp if idp is None else idp,
            id=self.id,
            acs_url=self.acs_url,
            sp_entity_id=self.sp_entity_id,
            **current,  # type: ignore[arg-type]
        )

    @property
    def id(self) -> str:
        return self._native.id

    @property
    def description(self) -> Optional[str]:
        return self._native.description or None

    @property
    def acs_url(self) -> str:
        """The ACS URL to paste into the IdP ("Single sign on URL" in Okta)."""
        return self._native.acs_url

    @property
    def sp_entity_id(self) -> str:
        """The SP entity ID to paste into the IdP ("Audience URI (SP Entity ID)" in Okta)."""
        return self._native.sp_entity_id

    @property
    def allow_idp_initiated(self) -> bool:
        return self._native.allow_idp_initiated

    @property
    def jit_provisioning(self) -> bool:
        return self._native.jit_provisioning

    @property
    def clock_skew_seconds(self) -> int:
        return self._native.clock_skew_seconds

    @property
    def allow_sha1(self) -> bool:
        return self._native.allow_sha1

    @property
    def allowed_domains(self) -> List[str]:
        return self._native.allowed_domains()

    @property
    def allowed_return_origins(self) -> List[str]:
        """Origins an SP-initiated login may return to with an absolute URL (normalised)."""
        return self._native.allowed_return_origins()

    @property
    def email_attribute(self) -> Optional[str]:
        """The SAML attribute the email is read from; None when it is the NameID."""
        return self._native.email_attribute or None

    @property
    def sp_certificate_pem(self) -> Optional[str]:
        """The SP signing certificate (PEM) published in the SP metadata; None when there is none."""
        return self._native.sp_certificate_pem or None

    @property
    def sp_certificate_sha256(self) -> Optional[str]:
        """The SP certificate's SHA-256 fingerprint ("AB:CD:..."), as IdP consoles show it; None without one."""
        return self._native.sp_certificate_sha256 or None

    @property
    def authn_requests_signed(self) -> bool:
        """Whether every login begun for this connection is signed (the IdP wants signed AuthnRequests)."""
        return self._native.authn_requests_signed

    @property
    def sp_encryption_certificates(self) -> List[str]:
        """The SP encryption certificates (PEM) the IdP may encrypt to, in the order given."""
        return self._native.sp_encryption_certificates()

    @property
    def sp_encryption_certificate_sha256s(self) -> List[str]:
        """Their SHA-256 fingerprints ("AB:CD:..."), in the same order."""
        return self._native.sp_encryption_certificate_sha256s()

    @property
    def allow_rsa_1_5(self) -> bool:
        """Whether RSA-1_5 key transport is accepted in encrypted assertions (off by default)."""
        return self._native.allow_rsa_1_5

    @property
    def allow_legacy_sp_key(self) -> bool:
        """Whether SP encryption certificates of 1024 to 2047 bits are accepted (off by default)."""
        return self._native.allow_legacy_sp_key

    @property
    def idp(self) -> IdpMetadata:
        return self._idp

    def to_json(self) -> str:
        """JSON with a schema version (IdP metadata included), for the host's own database."""
        return self._native.to_json()

    def sp_metadata(self) -> str:
        """SAML 2.0 SP metadata (SPSSODescriptor) for IdPs that import it.

        ``AuthnRequestsSigned`` is ``"true"`` when the IdP wants signed requests (every login begun
        for this connection is then signed; an unsigned one is refused), else ``"false"``; the SP
        certificate, when set, is its signing ``KeyDescriptor``.
        """
        return self._native.sp_metadata()

    def __repr__(self) -> str:
        return (
            f"Connection(id={self.id!r}, acs_url={self.acs_url!r}, sp_entity_id={self.sp_entity_id!r}, "
            f"idp={self._idp.entity_id!r})"
        )
