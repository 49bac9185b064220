"""Refusals through the Python binding: each with its stable code, raised as MetadataError.

The inputs are derived from corpus files in the test itself (a DOCTYPE put in front of okta-1, ...),
so what each one changes is visible here. The full refusal matrix is tested in C++ (tests/core).
"""

from __future__ import annotations

import threading
import time

import pytest

import ssogate
from ssogate import Code

from _corpus import INTEROP_METADATA, NOW


def _body(xml: bytes) -> bytes:
    # okta-1 without its XML declaration, so a DOCTYPE can be put in front.
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def _refused(xml, code: Code, **kwargs) -> ssogate.MetadataError:
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata(xml, now=NOW, **kwargs)
    assert info.value.code is code, info.value
    assert isinstance(info.value, ValueError)
    assert info.value.message
    return info.value


def test_doctype_refused(okta_xml: bytes) -> None:
    doc = b'<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor>\n' + _body(okta_xml)
    _refused(doc, Code.XML_DOCTYPE)


def test_entity_bomb_refused_quickly(okta_xml: bytes) -> None:
    # "Billion laughs": 10^9 expansions if a parser substituted entities. It must be refused before.
    decls = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE r [{decls}]>\n<r>&l9;</r>'.encode()
    start = time.monotonic()
    _refused(doc, Code.XML_DOCTYPE)
    assert time.monotonic() - start < 2.0


def test_not_xml_refused() -> None:
    _refused(b"this is not XML, it is the PDF someone uploaded", Code.XML_MALFORMED)


def test_not_saml_metadata_refused() -> None:
    _refused(b'<?xml version="1.0"?><html><body>Sign in</body></html>', Code.METADATA_NOT_SAML)


def test_input_over_the_cap_refused(okta_xml: bytes) -> None:
    err = _refused(okta_xml, Code.INPUT_TOO_LARGE, max_bytes=len(okta_xml) - 1)
    assert str(len(okta_xml) - 1) in err.message or str(len(okta_xml)) in err.message
    # The same bytes with room to spare import.
    assert ssogate.import_idp_metadata(okta_xml, now=NOW, max_bytes=len(okta_xml)).entity_id


def test_sp_metadata_uploaded_by_mistake(connection: ssogate.Connection) -> None:
    # The admin uploads our own SP metadata instead of the IdP's.
    _refused(connection.sp_metadata().encode(), Code.METADATA_NO_IDP)


def test_signer_required_but_metadata_unsigned(okta_xml: bytes, okta_idp: ssogate.IdpMetadata) -> None:
    _refused(okta_xml, Code.METADATA_UNSIGNED, signer_pem=okta_idp.certificates[0].pem)


def test_signed_metadata_verified_with_trusted_signer() -> None:
    xml = (INTEROP_METADATA / "entra-1.xml").read_bytes()  # signed with rsa-sha256 by its own cert
    unverified = ssogate.import_idp_metadata(xml, now=NOW)
    assert unverified.signature_verified is False
    signer = unverified.certificates[0].pem
    verified = ssogate.import_idp_metadata(xml, now=NOW, signer_pem=signer)
    assert verified.signature_verified is True
    assert verified.entity_id == unverified.entity_id


def _embedded_signer_pem(xml: bytes) -> str:
    """The certificate in the document's own ds:Signature KeyInfo, as PEM (self-consistency only)."""
    import re
    import textwrap

    sig = xml[xml.index(b"<ds:Signature") :]
    b64 = re.search(rb"<(?:\w+:)?X509Certificate[^>]*>([^<]+)</(?:\w+:)?X509Certificate>", sig).group(1)  # type: ignore[union-attr]
    body = "\n".join(textwrap.wrap(b"".join(b64.split()).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def test_sha1_signed_aggregate_needs_opt_in() -> None:
    xml = (INTEROP_METADATA / "federation-1.xml").read_bytes()  # SWAMID aggregate, signed with rsa-sha1
    signer = _embedded_signer_pem(xml)
    entity = "https://idp.hig.se/idp/shibboleth"
    err = _refused(xml, Code.METADATA_SIGNATURE_INVALID, entity_id=entity, signer_pem=signer)
    assert "SHA-1" in err.message
    idp = ssogate.import_idp_metadata(xml, entity_id=entity, signer_pem=signer, now=NOW, allow_sha1=True)
    assert idp.signature_verified is True
    assert idp.entity_id == entity


def test_signed_metadata_with_another_signer_refused(okta_idp: ssogate.IdpMetadata) -> None:
    xml = (INTEROP_METADATA / "entra-1.xml").read_bytes()
    _refused(xml, Code.METADATA_SIGNATURE_INVALID, signer_pem=okta_idp.certificates[0].pem.encode())


def test_str_and_bytes_inputs_agree(okta_xml: bytes) -> None:
    from_str = ssogate.import_idp_metadata(okta_xml.decode("utf-8"), now=NOW)
    from_view = ssogate.import_idp_metadata(memoryview(okta_xml), now=NOW)
    assert from_str.entity_id == from_view.entity_id == "http://www.okta.com/exkppsa1qwuFV4D7z0h7"


def test_argument_errors(okta_xml: bytes) -> None:
    with pytest.raises(TypeError):
        ssogate.import_idp_metadata(12345)  # type: ignore[arg-type]
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.import_idp_metadata(okta_xml, now=0)
    assert info.value.code is Code.INVALID_ARGUMENT
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.import_idp_metadata(okta_xml, max_bytes=0)
    with pytest.raises(TypeError):
        ssogate.IdpMetadata()


def test_sso_url_binding_names(okta_idp: ssogate.IdpMetadata) -> None:
    assert okta_idp.sso_url("post") == okta_idp.sso_url("redirect") is not None
    with pytest.raises(ssogate.InvalidArgument):
        okta_idp.sso_url("soap")


def test_now_as_aware_datetime(okta_xml: bytes) -> None:
    import datetime as dt

    google = (INTEROP_METADATA / "google-1.xml").read_bytes()
    with pytest.raises(ssogate.MetadataError):
        ssogate.import_idp_metadata(google, now=dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc))
    assert ssogate.import_idp_metadata(google, now=dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)).entity_id
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.import_idp_metadata(okta_xml, now=dt.datetime(2021, 1, 1))  # naive: ambiguous


def test_imports_from_many_threads() -> None:
    # The GIL is released inside; concurrent imports of a big aggregate must all succeed and agree.
    xml = (INTEROP_METADATA / "federation-1.xml").read_bytes()
    results: list = []
    errors: list = []

    def work() -> None:
        try:
            idp = ssogate.import_idp_metadata(xml, entity_id="https://login.liu.se/idp/shibboleth", now=NOW)
            results.append(idp.certificates[0].sha256)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1


def _with_root_extras(xml: bytes, extra: str) -> bytes:
    tag = b"<md:EntityDescriptor"
    at = xml.index(tag) + len(tag)
    return xml[:at] + extra.encode() + xml[at:]


def test_attribute_and_namespace_bounds(okta_xml: bytes) -> None:
    # libxml2's work on one start tag grows with the square of its attributes and namespace
    # declarations; ssogate refuses the element before libxml2 parses it.
    attrs = "".join(f' a{i}=""' for i in range(200))
    err = _refused(_with_root_extras(okta_xml, attrs), Code.XML_ATTRIBUTE_LIMITS)
    assert "more than 32 attributes" in err.message
    decls = "".join(f' xmlns:p{i}="urn:p{i}"' for i in range(100))
    err = _refused(_with_root_extras(okta_xml, decls), Code.XML_ATTRIBUTE_LIMITS)
    assert "more than 32 namespaces" in err.message
    # Within the bounds the same document imports.
    ok = _with_root_extras(okta_xml, "".join(f' a{i}=""' for i in range(20)))
    assert ssogate.import_idp_metadata(ok, now=NOW).entity_id


def test_trailing_content_after_nul_in_utf16(okta_xml: bytes) -> None:
    # UTF-16 with a byte-order mark, U+0000, then more: nothing may hide after the root element.
    body = _body(okta_xml).decode("utf-8")
    utf16 = b"\xff\xfe" + body.encode("utf-16-le")
    assert ssogate.import_idp_metadata(utf16, now=NOW).entity_id
    _refused(utf16 + "\0<x/>".encode("utf-16-le"), Code.XML_MALFORMED)


def test_unsupported_encoding_refused(okta_xml: bytes) -> None:
    err = _refused(b'<?xml version="1.0" encoding="Shift_JIS"?>' + _body(okta_xml), Code.XML_MALFORMED)
    assert "Shift_JIS" in err.message
