"""A testing IdP, for testing your ACS handler end to end without a real IdP.

::

    from ssogate.testing import TestIdp

    idp = TestIdp()                                   # a fresh RSA-2048 key and certificate
    meta = ssogate.import_idp_metadata(idp.metadata_xml)
    conn = ssogate.Connection.create(meta, base_url="https://app.example.com")
    r = idp.response(conn, in_response_to=request_id, attributes={"groups": ["admins"]})
    client.post(conn.acs_url, data={"SAMLResponse": r.base64})

Its key lives in memory only; nothing it signs proves anything to a real SP.
"""

from __future__ import annotations

import base64

from typing import Any, Dict, Iterable, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _enums, _ssogate
from ._connection import Connection
from ._directory import _native_directory
from ._login import SpLoginRequest
from ._convert import Timestamp, to_unix

__all__ = ["TestIdp", "TestResponse", "check_directory_contract"]

_SIGN = {name.lower(): n for name, n in _enums.TEST_SIGN.items()}
_KEYS = {"rsa": _enums.KEY_TYPE["RSA_2048"], "ec": _enums.KEY_TYPE["EC_P256"]}
_STRINGS = (
    "in_response_to", "destination", "recipient", "audience", "issuer", "nameid", "nameid_format", "status",
    "sub_status", "status_message", "session_index", "response_id", "assertion_id", "signature_method",
    "digest_method",
)
_PLACEMENTS = {name.lower(): n for name, n in _enums.TEST_KEY_PLACEMENT.items()}
_TIMES = ("now", "issue_instant", "not_before", "not_on_or_after", "subject_not_on_or_after")

AttributeValues = Union[str, Sequence[str]]


class TestResponse(NamedTuple):
    """A signed Response: ``base64`` is the SAMLResponse form value, ``xml`` the document;
    ``relay_state`` the RelayState to post with it (what :meth:`TestIdp.answer` read from a Redirect
    URL; "" otherwise)."""

    base64: str
    xml: str
    relay_state: str = ""


class TestIdp:
    """A testing IdP with its own key ("rsa": RSA-2048, "ec": P-256) and self-signed certificate.

    Immutable and safe to share across threads.
    """

    __test__ = False  # not a pytest test class, despite the name
    __slots__ = ("_native",)

    def __init__(
        self,
        entity_id: str = "https://idp.test.example/saml",
        *,
        key_type: str = "rsa",
        sso_url: str = "https://idp.test.example/sso",
    ) -> None:
        if key_type not in _KEYS:
            raise ValueError(f"key_type must be 'rsa' or 'ec', got {key_type!r}")
        self._native = _ssogate.test_idp_new(entity_id, _KEYS[key_type], sso_url)

    @classmethod
    def from_pem(
        cls,
        key_pem: str,
        certificate_pem: str,
        entity_id: str = "https://idp.test.example/saml",
        *,
        sso_url: str = "https://idp.test.example/sso",
    ) -> "TestIdp":
        """The testing IdP over a key and certificate kept from an earlier one (``private_key_pem``,
        ``certificate_pem``), so that its metadata stays the same across runs. A key that does not
        match the certificate raises :class:`ssogate.InvalidArgument`."""
        idp = cls.__new__(cls)
        idp._native = _ssogate.test_idp_from_pem(entity_id, sso_url, key_pem, certificate_pem)
        return idp

    @property
    def entity_id(self) -> str:
        return self._native.entity_id

    @property
    def certificate_pem(self) -> str:
        return self._native.certificate_pem

    @property
    def private_key_pem(self) -> str:
        """The private key (PEM): a throwaway for tests, never for a real IdP."""
        return self._native.private_key_pem

    @property
    def metadata_xml(self) -> str:
        """IdP metadata (this certificate, emailAddress NameID format, the SSO URL) to import."""
        return self._native.metadata_xml

    def response(
        self,
        connection: Connection,
        *,
        sign: str = "both",
        attributes: Union[Mapping[str, AttributeValues], Iterable[Tuple[str, AttributeValues]], None] = None,
        authn_statement: bool = True,
        encrypt_to: Optional[str] = None,
        key_transport: Optional[str] = None,
        data_algorithm: Optional[str] = None,
        key_placement: str = "in_key_info",
        _answering: Optional[str] = None,
        **knobs: Union[str, Timestamp, None],
    ) -> TestResponse:
        """A signed Response for ``connection`` (its ACS URL and SP entity ID).

        ``sign``: "none", "response", "assertion" or "both". ``attributes``: ``{name: value or
        [values]}``. String knobs: in_response_to (none: unsolicited), destination, recipient,
        audience (""  leaves the element or attribute out), issuer, nameid, nameid_format, status,
        sub_status, status_message, session_index, response_id, assertion_id, signature_method,
        digest_method. Times (Unix seconds or aware datetimes): now (default: the system clock),
        issue_instant, not_before, not_on_or_after, subject_not_on_or_after.

        ``encrypt_to`` (an SP encryption certificate, PEM) encrypts the Assertion as an IdP with
        assertion encryption on does: the Assertion is signed first (``sign`` "assertion" or
        "both"), then encrypted, then the Response is signed over the EncryptedAssertion ("response"
        or "both"). ``key_transport`` and ``data_algorithm`` are algorithm URIs (default xmlenc
        rsa-oaep-mgf1p and xmlenc11 aes256-gcm); ``key_placement`` is "in_key_info",
        "retrieval_method" (Okta's shape) or "carried_key_name".
        """
        if not isinstance(connection, Connection):
            raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
        if sign not in _SIGN:
            raise ValueError(f"sign must be one of {sorted(_SIGN)}, got {sign!r}")
        strings: Dict[str, str] = {}
        times: Dict[str, int] = {}
        for name, value in knobs.items():
            if value is None:
                continue
            if name in _STRINGS:
                if not isinstance(value, str):
                    raise TypeError(f"{name} must be str, got {type(value).__name__}")
                strings[name] = value
            elif name in _TIMES:
                unix = to_unix(value)  # type: ignore[arg-type]
                assert unix is not None
                times[name] = unix
            else:
                raise TypeError(f"unknown knob {name!r}")
        encryption = None
        if encrypt_to is not None:
            if key_placement not in _PLACEMENTS:
                raise ValueError(f"key_placement must be one of {sorted(_PLACEMENTS)}, got {key_placement!r}")
            for name, value in (("encrypt_to", encrypt_to), ("key_transport", key_transport),
                                ("data_algorithm", data_algorithm)):
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"{name} must be str, got {type(value).__name__}")
            encryption = (encrypt_to, key_transport or "", data_algorithm or "", _PLACEMENTS[key_placement])
        elif key_transport is not None or data_algorithm is not None:
            raise TypeError("key_transport and data_algorithm need encrypt_to (the SP encryption certificate)")
        items = attributes.items() if isinstance(attributes, Mapping) else (attributes or ())
        attrs = [(n, [v] if isinstance(v, str) else list(v), "", "") for n, v in items]
        b64, xml, relay_state = _ssogate.test_response_new(
            self._native, connection._native, strings, times, attrs, authn_statement, _SIGN[sign], encryption,
            _answering,
        )
        return TestResponse(b64, xml, relay_state)

    def answer(
        self,
        connection: Connection,
        request: Union[SpLoginRequest, str],
        **options: Any,
    ) -> TestResponse:
        """Answers an SP-initiated login as the IdP would: ``request`` is what
        :func:`ssogate.begin_sp_login` (or ``Gate.begin_sp_login``) returned, or the Redirect URL, or
        the base64 ``SAMLRequest`` form value of HTTP-POST. The AuthnRequest is parsed and checked
        against the connection (Issuer, ACS URL, binding, Destination, signed when the IdP wants it:
        ``InvalidArgument`` says what is wrong); the Response answers its ID. ``options`` are those of
        :meth:`response` (not ``in_response_to``). Post ``base64`` with ``relay_state`` to the ACS
        (for a POST-binding request, the RelayState is the request's own ``relay_state``).
        """
        if "in_response_to" in options:
            raise TypeError("answer() takes the InResponseTo from the request; do not pass in_response_to")
        if isinstance(request, SpLoginRequest):
            if request.binding == "redirect":
                assert request.redirect_url is not None
                text = request.redirect_url
            else:
                text = base64.b64encode(request.xml.encode("utf-8")).decode("ascii")
        elif isinstance(request, str):
            text = request
        else:
            raise TypeError(f"request must be an SpLoginRequest or a str, got {type(request).__name__}")
        r = self.response(connection, _answering=text, **options)
        if isinstance(request, SpLoginRequest) and not r.relay_state:
            return r._replace(relay_state=request.relay_state)
        return r

    def __repr__(self) -> str:
        return f"TestIdp({self.entity_id!r})"


def check_directory_contract(directory: object) -> None:
    """Runs the directory contract over ``directory`` (your :class:`ssogate.Directory`, or one of
    :meth:`ssogate.Directory.open`): the same checks the library's own directories pass, through the
    same C ABI a gate uses. Every read and plain write, each :meth:`ssogate.Directory.apply`
    operation's precondition and error, all-or-nothing changes, increasing audit seqs.

    The directory must start empty and the checks WRITE test data to it (accounts named
    "contract-..."): for tests only. Returns None when every check passed; raises
    ``ssogate.StoreError`` with ``Code.STORE_CORRUPT`` and a message naming the check ("directory
    contract, update_member: ...") at the first failure, or the directory's own error when it could
    not answer.
    """
    _ssogate.testing_directory_contract(_native_directory(directory))
