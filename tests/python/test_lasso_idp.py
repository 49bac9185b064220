"""An independent implementation signs, ssogate verifies: Lasso (python3-lasso, a C SAML library
nobody here wrote) acts as the IdP and answers our SP with a signed Response, IdP-initiated and in
answer to an AuthnRequest; ssogate.verify_response must accept it, and refuse its SHA-1 signature
unless the connection opts in."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional, Tuple

import lasso
import pytest

import ssogate

IDP_ENTITY = "https://lasso-idp.ssogate.test/metadata"
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture()
def lasso_setup(tmp_path: Path, idp_keypair: Tuple[Path, Path]) -> Tuple[Path, ssogate.IdpMetadata]:
    """Lasso's IdP metadata around the openssl-made certificate, and the same imported by ssogate."""
    key, cert = idp_keypair
    cert_b64 = "".join(line for line in cert.read_text().splitlines() if "CERTIFICATE" not in line)
    metadata = tmp_path / "lasso-idp.xml"
    metadata.write_text(
        f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP_ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_b64}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
        Location="https://lasso-idp.ssogate.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""",
        encoding="utf-8",
    )
    return metadata, ssogate.import_idp_metadata(metadata.read_bytes())


def _server(tmp_path: Path, metadata: Path, keypair: Tuple[Path, Path], conn: ssogate.Connection,
            signature_method: int) -> lasso.Server:
    key, cert = keypair
    server = lasso.Server(str(metadata), str(key), None, str(cert))
    server.signatureMethod = signature_method
    sp = tmp_path / "sp.xml"
    sp.write_text(conn.sp_metadata(), encoding="utf-8")  # Lasso learns our ACS URL and entity ID from it
    server.addProvider(lasso.PROVIDER_ROLE_SP, str(sp))
    return server


def _lasso_response(server: lasso.Server, conn: ssogate.Connection, authn_request_b64: Optional[str],
                    persistent: bool = False) -> str:
    """Lasso's signed Response (the SAMLResponse form value), IdP-initiated or answering a request.
    ``persistent``: a persistent NameID of Lasso's making (it encrypts only transient and persistent
    ones) and the address in a "mail" attribute."""
    login = lasso.Login(server)
    if authn_request_b64 is None:
        login.initIdpInitiatedAuthnRequest(conn.sp_entity_id)
        login.request.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
        login.request.nameIdPolicy.format = (
            lasso.SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT if persistent else lasso.SAML2_NAME_IDENTIFIER_FORMAT_EMAIL
        )
        login.request.nameIdPolicy.allowCreate = True
    else:
        # Our AuthnRequest is unsigned (the SP has no key here): tell Lasso not to insist.
        login.setSignatureVerifyHint(lasso.PROFILE_SIGNATURE_VERIFY_HINT_IGNORE)
    login.processAuthnRequestMsg(authn_request_b64)
    login.validateRequestMsg(True, True)
    now = dt.datetime.now(dt.timezone.utc)
    login.buildAssertion(lasso.SAML_AUTHENTICATION_METHOD_PASSWORD, _iso(now), None, _iso(now),
                         _iso(now + dt.timedelta(minutes=5)))
    if persistent:
        # Lasso made the persistent NameID itself (and encrypted it when asked to).
        value = lasso.Saml2AttributeValue()
        text = lasso.MiscTextNode.newWithString("alice@example.com")
        text.textChild = True  # a text node, not an element named after the text
        value.any = [text]
        mail = lasso.Saml2Attribute()
        mail.name = "mail"
        mail.nameFormat = lasso.SAML2_ATTRIBUTE_NAME_FORMAT_BASIC
        mail.attributeValue = [value]
        statement = lasso.Saml2AttributeStatement()
        statement.attribute = [mail]
        login.assertion.attributeStatement = [statement]
    else:
        login.assertion.subject.nameID.content = "alice@example.com"
    login.buildAuthnResponseMsg()
    assert login.msgUrl == conn.acs_url
    return login.msgBody


def _authn_request(conn: ssogate.Connection, request_id: str) -> str:
    now = _iso(dt.datetime.now(dt.timezone.utc))
    xml = (
        f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{request_id}" Version="2.0" '
        f'IssueInstant="{now}" Destination="https://lasso-idp.ssogate.test/sso" '
        f'AssertionConsumerServiceURL="{conn.acs_url}" '
        f'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">'
        f"<saml:Issuer>{conn.sp_entity_id}</saml:Issuer>"
        f'<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>'
        f"</samlp:AuthnRequest>"
    )
    return base64.b64encode(xml.encode()).decode()


def test_lasso_idp_initiated_response_is_accepted(tmp_path: Path, idp_keypair, lasso_setup) -> None:
    metadata, idp = lasso_setup
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso", allow_idp_initiated=True)
    server = _server(tmp_path, metadata, idp_keypair, conn, lasso.SIGNATURE_METHOD_RSA_SHA256)
    form = _lasso_response(server, conn, None)
    assert b"rsa-sha256" in base64.b64decode(form)
    login = ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory())
    assert login.email == "alice@example.com"
    assert login.nameid_format == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    assert login.idp_entity_id == IDP_ENTITY
    assert login.in_response_to == ""
    # The same connection without IdP-initiated login refuses Lasso's unsolicited response.
    strict = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso")
    with pytest.raises(ssogate.LoginRejected) as info:
        ssogate.verify_response(strict, form, replay_cache=ssogate.ReplayCache.memory())
    assert info.value.code == ssogate.Code.UNSOLICITED_NOT_ALLOWED


def test_lasso_answers_our_authn_request(tmp_path: Path, idp_keypair, lasso_setup) -> None:
    metadata, idp = lasso_setup
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso")
    server = _server(tmp_path, metadata, idp_keypair, conn, lasso.SIGNATURE_METHOD_RSA_SHA256)
    form = _lasso_response(server, conn, _authn_request(conn, "_req-lasso-1"))
    response = ET.fromstring(base64.b64decode(form))
    assert response.get("InResponseTo") == "_req-lasso-1"
    cache = ssogate.ReplayCache.memory()
    login = ssogate.verify_response(conn, form, replay_cache=cache, pending_request_ids=["_req-lasso-1"])
    assert login.in_response_to == "_req-lasso-1"
    assert login.email == "alice@example.com"
    # Posted again: a replay. For another pending request: unknown.
    with pytest.raises(ssogate.LoginRejected) as info:
        ssogate.verify_response(conn, form, replay_cache=cache, pending_request_ids=["_req-lasso-1"])
    assert info.value.code == ssogate.Code.REPLAYED
    with pytest.raises(ssogate.LoginRejected) as info:
        ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory(),
                                pending_request_ids=["_req-other"])
    assert info.value.code == ssogate.Code.IN_RESPONSE_TO_UNKNOWN


def test_lasso_sha1_is_refused_unless_allowed(tmp_path: Path, idp_keypair, lasso_setup) -> None:
    metadata, idp = lasso_setup
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso", allow_idp_initiated=True)
    server = _server(tmp_path, metadata, idp_keypair, conn, lasso.SIGNATURE_METHOD_RSA_SHA1)
    form = _lasso_response(server, conn, None)
    assert b"rsa-sha1" in base64.b64decode(form)
    with pytest.raises(ssogate.SignatureError) as info:
        ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory())
    assert info.value.code == ssogate.Code.SIGNATURE_ALGORITHM
    legacy = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso",
                                       allow_idp_initiated=True, allow_sha1=True)
    assert ssogate.verify_response(legacy, form, replay_cache=ssogate.ReplayCache.memory()).email == "alice@example.com"


def test_lasso_response_tampered_is_refused(tmp_path: Path, idp_keypair, lasso_setup) -> None:
    # Control: the acceptances above mean something only if a changed byte is refused.
    metadata, idp = lasso_setup
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso", allow_idp_initiated=True)
    server = _server(tmp_path, metadata, idp_keypair, conn, lasso.SIGNATURE_METHOD_RSA_SHA256)
    xml = base64.b64decode(_lasso_response(server, conn, None)).replace(b"alice@example.com", b"mallo@example.com")
    with pytest.raises(ssogate.SignatureError) as info:
        ssogate.verify_response(conn, base64.b64encode(xml), replay_cache=ssogate.ReplayCache.memory())
    assert info.value.code == ssogate.Code.SIGNATURE_INVALID


# --------------------------------------------------------------------------- Lasso encrypts for us


def _encrypting_server(tmp_path: Path, metadata: Path, keypair: Tuple[Path, Path], conn: ssogate.Connection,
                       mode: int, key_method: int, sym_key: int) -> lasso.Server:
    """A Lasso IdP that encrypts to the SP encryption certificate it read from our SP metadata."""
    server = _server(tmp_path, metadata, keypair, conn, lasso.SIGNATURE_METHOD_RSA_SHA256)
    provider = server.getProvider(conn.sp_entity_id)
    provider.setEncryptionMode(mode)
    provider.setKeyEncryptionMethod(key_method)
    provider.setEncryptionSymKeyType(sym_key)
    return server


def _encrypted_conn(idp: ssogate.IdpMetadata, sp_keypair: Tuple[Path, Path], **settings: bool) -> ssogate.Connection:
    return ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso", allow_idp_initiated=True,
                                     sp_encryption_certificates=[sp_keypair[1].read_text()], **settings)


@pytest.mark.parametrize("sym_key", [lasso.ENCRYPTION_SYM_KEY_TYPE_AES_128, lasso.ENCRYPTION_SYM_KEY_TYPE_AES_256])
def test_lasso_encrypted_assertion_is_decrypted(tmp_path: Path, idp_keypair, sp_keypair, lasso_setup,
                                                sym_key: int) -> None:
    metadata, idp = lasso_setup
    conn = _encrypted_conn(idp, sp_keypair)
    server = _encrypting_server(tmp_path, metadata, idp_keypair, conn, lasso.ENCRYPTION_MODE_ASSERTION,
                                lasso.KEY_ENCRYPTION_METHOD_OAEP, sym_key)
    form = _lasso_response(server, conn, None)
    xml = base64.b64decode(form)
    assert b"EncryptedAssertion" in xml and b"rsa-oaep-mgf1p" in xml
    assert b"alice@example.com" not in xml
    key = ssogate.SpKey(sp_keypair[0].read_bytes(), sp_keypair[1].read_bytes())
    login = ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory(), decryption_keys=[key])
    assert login.email == "alice@example.com"
    assert login.idp_entity_id == IDP_ENTITY
    # Without the key: the refusal says the connection cannot decrypt.
    with pytest.raises(ssogate.LoginRejected) as info:
        ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory())
    assert info.value.code == ssogate.Code.ASSERTION_ENCRYPTED


def test_lasso_encrypted_nameid_is_decrypted(tmp_path: Path, idp_keypair, sp_keypair, lasso_setup) -> None:
    metadata, idp = lasso_setup
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="lasso", allow_idp_initiated=True,
                                     email_attribute="mail", sp_encryption_certificates=[sp_keypair[1].read_text()])
    server = _encrypting_server(tmp_path, metadata, idp_keypair, conn, lasso.ENCRYPTION_MODE_NAMEID,
                                lasso.KEY_ENCRYPTION_METHOD_OAEP, lasso.ENCRYPTION_SYM_KEY_TYPE_AES_256)
    form = _lasso_response(server, conn, None, persistent=True)
    xml = base64.b64decode(form)
    assert b"EncryptedID" in xml and b"nameid-format:persistent" not in xml
    key = ssogate.SpKey(sp_keypair[0].read_bytes(), sp_keypair[1].read_bytes())
    login = ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory(), decryption_keys=[key])
    assert login.nameid
    assert login.nameid_format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert login.email == "alice@example.com"


def test_lasso_rsa_1_5_needs_the_opt_in(tmp_path: Path, idp_keypair, sp_keypair, lasso_setup) -> None:
    metadata, idp = lasso_setup
    conn = _encrypted_conn(idp, sp_keypair)
    server = _encrypting_server(tmp_path, metadata, idp_keypair, conn, lasso.ENCRYPTION_MODE_ASSERTION,
                                lasso.KEY_ENCRYPTION_METHOD_PKCS1, lasso.ENCRYPTION_SYM_KEY_TYPE_AES_128)
    form = _lasso_response(server, conn, None)
    assert b"rsa-1_5" in base64.b64decode(form)
    key = ssogate.SpKey(sp_keypair[0].read_bytes(), sp_keypair[1].read_bytes())
    with pytest.raises(ssogate.SignatureError) as info:  # the cryptography refusals' class
        ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory(), decryption_keys=[key])
    assert info.value.code == ssogate.Code.ENCRYPTION_ALGORITHM
    legacy = _encrypted_conn(idp, sp_keypair, allow_rsa_1_5=True)
    login = ssogate.verify_response(legacy, form, replay_cache=ssogate.ReplayCache.memory(), decryption_keys=[key])
    assert login.email == "alice@example.com"
