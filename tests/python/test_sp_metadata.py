"""SP metadata: its content, validity against the OASIS schema (xmllint), and Lasso loading it.

Schema: /usr/share/xml/opensaml/saml-schema-metadata-2.0.xsd (Debian opensaml-schemas). It imports
the W3C schemas by URL; tests/vectors/schema/catalog.xml maps those URLs to the copies from Debian
xmltooling-schemas, and --nonet makes sure nothing is fetched.

Lasso (Debian python3-lasso, visible because the venv has --system-site-packages) is an independent
SAML implementation: it must load our SP metadata as a service provider and address a response to
our ACS URL.
"""

from __future__ import annotations

import base64
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ssogate

from _corpus import NOW, SCHEMA_CATALOG, VECTORS

METADATA_XSD = Path("/usr/share/xml/opensaml/saml-schema-metadata-2.0.xsd")
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def _xmllint(path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, XML_CATALOG_FILES=str(SCHEMA_CATALOG))
    return subprocess.run(
        ["xmllint", "--nonet", "--noout", "--schema", str(METADATA_XSD), str(path)],
        env=env, capture_output=True, text=True, check=False,
    )


@pytest.fixture()
def sp_connection(okta_idp: ssogate.IdpMetadata, sp_keypair) -> ssogate.Connection:
    _, cert = sp_keypair
    return ssogate.Connection.create(
        okta_idp, base_url="https://dashboard.example.com", id="with-cert", sp_certificate_pem=cert.read_text()
    )


def test_content(connection: ssogate.Connection) -> None:
    root = ET.fromstring(connection.sp_metadata())
    assert root.tag == f"{MD}EntityDescriptor"
    assert root.get("entityID") == connection.sp_entity_id
    (sp,) = root.findall(f"{MD}SPSSODescriptor")
    assert SAML2_PROTOCOL in sp.get("protocolSupportEnumeration").split()
    assert sp.get("WantAssertionsSigned") == "true"
    assert [n.text for n in sp.findall(f"{MD}NameIDFormat")] == [EMAIL]
    (acs,) = sp.findall(f"{MD}AssertionConsumerService")
    assert (acs.get("Binding"), acs.get("Location")) == (HTTP_POST, connection.acs_url)
    assert sp.findall(f"{MD}KeyDescriptor") == []  # no SP certificate configured
    assert root.find(f"{MD}IDPSSODescriptor") is None


def test_content_with_sp_certificate(sp_connection: ssogate.Connection, sp_keypair) -> None:
    _, cert = sp_keypair
    der_b64 = "".join(line for line in cert.read_text().splitlines() if "CERTIFICATE" not in line)
    root = ET.fromstring(sp_connection.sp_metadata())
    certs = [c.text for c in root.iter(f"{DS}X509Certificate")]
    assert certs and all("".join(c.split()) == der_b64 for c in certs)


def test_authn_requests_signed_says_what_the_connection_does(
    okta_idp: ssogate.IdpMetadata, sp_keypair, idp_keypair
) -> None:
    key, cert = sp_keypair
    # This IdP wants signed AuthnRequests: every login begun for the connection is signed (an
    # unsigned one is refused), so the metadata says so, with the SP key's certificate.
    wants = ssogate.import_idp_metadata((VECTORS / "metadata" / "minimal-idp.xml").read_bytes(), now=NOW)
    assert wants.want_authn_requests_signed
    conn = ssogate.Connection.create(wants, base_url="https://app.example.com", id="signed",
                                     sp_certificate_pem=cert.read_text())
    (sp,) = ET.fromstring(conn.sp_metadata()).findall(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert [k.get("use") for k in sp.findall(f"{MD}KeyDescriptor")] == ["signing"]
    store = ssogate.RequestStore.memory()
    assert ssogate.begin_sp_login(conn, store, sp_key=ssogate.SpKey(key.read_bytes(), cert.read_bytes())).is_signed
    # A key whose certificate is not the published one would be refused by the IdP: refused here first.
    other_key, other_cert = idp_keypair
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.begin_sp_login(conn, store, sp_key=ssogate.SpKey(other_key.read_bytes(), other_cert.read_bytes()))
    assert info.value.code == ssogate.Code.SP_KEY_INVALID and "SP metadata" in info.value.message

    # Okta's does not ask: a login may be begun unsigned, so the connection promises nothing.
    plain = ssogate.Connection.create(okta_idp, base_url="https://app.example.com", id="plain",
                                      sp_certificate_pem=cert.read_text())
    (sp,) = ET.fromstring(plain.sp_metadata()).findall(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "false"


@pytest.mark.parametrize("with_cert", [False, True], ids=["no-cert", "sp-cert"])
def test_validates_against_oasis_schema(
    tmp_path: Path, connection: ssogate.Connection, sp_connection: ssogate.Connection, with_cert: bool
) -> None:
    doc = tmp_path / "sp.xml"
    doc.write_text((sp_connection if with_cert else connection).sp_metadata(), encoding="utf-8")
    result = _xmllint(doc)
    assert result.returncode == 0, result.stderr
    assert f"{doc} validates" in result.stderr


def test_schema_check_can_fail(tmp_path: Path, connection: ssogate.Connection) -> None:
    # The same document with an element the schema does not allow: xmllint must say so (exit 3),
    # which shows the check above would catch a bad document (and that the schema compiled).
    text = connection.sp_metadata()
    broken = text.replace("AssertionConsumerService", "AssertionConsumerSrvice")
    assert broken != text
    doc = tmp_path / "broken.xml"
    doc.write_text(broken, encoding="utf-8")
    result = _xmllint(doc)
    assert result.returncode == 3, result.stderr
    assert "fails to validate" in result.stderr


# Lasso is imported inside the functions that use it, not at the top: the wheel test
# (tests/wheel/run.sh) runs this module in a venv without system site packages, where python3-lasso
# is absent, and deselects the Lasso tests by name.
def _lasso_idp(tmp_path: Path, idp_keypair) -> lasso.Server:
    """An IdP-side Lasso server with freshly generated key material and minimal IdP metadata."""
    import lasso

    key, cert = idp_keypair
    cert_b64 = "".join(line for line in cert.read_text().splitlines() if "CERTIFICATE" not in line)
    metadata = tmp_path / "lasso-idp.xml"
    metadata.write_text(
        f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://lasso-idp.ssogate.test/metadata">
  <md:IDPSSODescriptor protocolSupportEnumeration="{SAML2_PROTOCOL}">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_b64}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://lasso-idp.ssogate.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""",
        encoding="utf-8",
    )
    return lasso.Server(str(metadata), str(key), None, str(cert))


@pytest.mark.parametrize("with_cert", [False, True], ids=["no-cert", "sp-cert"])
def test_lasso_loads_sp_metadata(
    tmp_path: Path, idp_keypair, connection: ssogate.Connection, sp_connection: ssogate.Connection, with_cert: bool
) -> None:
    import lasso

    conn = sp_connection if with_cert else connection
    server = _lasso_idp(tmp_path, idp_keypair)
    path = tmp_path / "sp.xml"
    path.write_text(conn.sp_metadata(), encoding="utf-8")
    server.addProvider(lasso.PROVIDER_ROLE_SP, str(path))  # raises lasso.Error when refused

    assert conn.sp_entity_id in server.providerIds
    provider = server.getProvider(conn.sp_entity_id)
    assert provider.role == lasso.PROVIDER_ROLE_SP
    assert provider.getAssertionConsumerServiceUrl(None) == conn.acs_url

    # Lasso, as the IdP, builds an IdP-initiated response for our SP: it must go to our ACS URL and
    # name our entity ID as audience, both read from the metadata we exported.
    login = lasso.Login(server)
    login.initIdpInitiatedAuthnRequest(conn.sp_entity_id)
    login.request.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
    login.request.nameIdPolicy.format = lasso.SAML2_NAME_IDENTIFIER_FORMAT_EMAIL
    login.request.nameIdPolicy.allowCreate = True
    login.processAuthnRequestMsg(None)
    login.validateRequestMsg(True, True)
    login.buildAssertion(
        lasso.SAML_AUTHENTICATION_METHOD_PASSWORD,
        "2026-11-28T00:00:00Z", None, "2026-11-28T00:00:00Z", "2026-11-28T00:05:00Z",
    )
    login.buildAuthnResponseMsg()
    assert login.msgUrl == conn.acs_url
    response = ET.fromstring(base64.b64decode(login.msgBody))
    assert response.get("Destination") == conn.acs_url
    assert [a.text for a in response.iter(f"{SAML}Audience")] == [conn.sp_entity_id]


def test_lasso_refuses_garbage(tmp_path: Path, idp_keypair) -> None:
    # Control: the acceptance above means something only if Lasso does refuse a bad document.
    import lasso

    server = _lasso_idp(tmp_path, idp_keypair)
    path = tmp_path / "garbage.xml"
    path.write_text("<md:EntityDescriptor this is not metadata", encoding="utf-8")
    with pytest.raises(lasso.Error):
        server.addProvider(lasso.PROVIDER_ROLE_SP, str(path))
    assert "this is not metadata" not in str(server.providerIds)
    assert len(server.providerIds) == 0


def test_connection_shows_its_sp_certificate(sp_connection: ssogate.Connection, connection: ssogate.Connection,
                                             sp_keypair) -> None:
    # The fingerprint an admin compares with what the IdP received: openssl's own.
    _, cert = sp_keypair
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
        capture_output=True, text=True, check=True,
    ).stdout.strip().split("=", 1)[1]
    assert sp_connection.sp_certificate_sha256 == fingerprint
    assert "-----BEGIN CERTIFICATE-----" in sp_connection.sp_certificate_pem
    assert connection.sp_certificate_sha256 is None
    assert connection.sp_certificate_pem is None
    # Okta's metadata does not want signed requests; an IdP whose metadata does makes every login signed.
    assert connection.authn_requests_signed is False
    wants = ssogate.import_idp_metadata((VECTORS / "metadata" / "minimal-idp.xml").read_bytes(), now=NOW)
    signed = ssogate.Connection.create(wants, base_url="https://dashboard.example.com", id="signed",
                                       sp_certificate_pem=cert.read_text())
    assert signed.authn_requests_signed is True
    assert 'AuthnRequestsSigned="true"' in signed.sp_metadata()
