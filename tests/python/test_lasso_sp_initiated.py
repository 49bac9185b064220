"""SP-initiated login against an implementation nobody here wrote.

Lasso (Debian python3-lasso) plays the IdP: it loads our SP metadata (with the SP certificate),
processes our AuthnRequest over HTTP-Redirect and HTTP-POST, signed and unsigned (checking our
signature, and refusing a tampered one), and answers with a signed Response that ssogate then
accepts with InResponseTo matched. The Redirect signature is also checked with the openssl CLI over
the exact query-string bytes that SAML bindings 3.4.4.1 prescribes.
"""

from __future__ import annotations

import base64
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Tuple

import lasso
import pytest

import ssogate

IDP_ENTITY = "https://lasso-idp.ssogate.test/metadata"
IDP_SSO = "https://lasso-idp.ssogate.test/sso"


def _b64_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)


def _idp_metadata(cert_pem: str, want_signed: bool) -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP_ENTITY}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="{'true' if want_signed else 'false'}"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{_b64_body(cert_pem)}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{IDP_SSO}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{IDP_SSO}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


class Setup:
    def __init__(self, tmp_path: Path, sp_keypair, idp_keypair, signed: bool) -> None:
        sp_key, sp_cert = sp_keypair
        idp_key, idp_cert = idp_keypair
        md = _idp_metadata(idp_cert.read_text(), want_signed=signed)
        self.conn = ssogate.Connection.create(
            ssogate.import_idp_metadata(md), base_url="https://app.example.com", id="lasso",
            sp_certificate_pem=sp_cert.read_text(),
        )
        self.sp_key = ssogate.SpKey(sp_key.read_bytes(), sp_cert.read_bytes()) if signed else None
        self.store = ssogate.RequestStore.memory()
        self.replay = ssogate.ReplayCache.memory()
        md_path = tmp_path / "idp.xml"
        md_path.write_text(md)
        self.server = lasso.Server(str(md_path), str(idp_key), None, str(idp_cert))
        # Lasso signs with RSA-SHA1 unless told otherwise; ssogate refuses SHA-1 by default.
        self.server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
        sp_md = tmp_path / "sp.xml"
        sp_md.write_text(self.conn.sp_metadata(), encoding="utf-8")
        # The SP metadata carries our certificate (KeyDescriptor use="signing"): Lasso checks our
        # request signatures with it.
        self.server.addProvider(lasso.PROVIDER_ROLE_SP, str(sp_md))

    def lasso_login(self, force_signature: bool) -> lasso.Login:
        login = lasso.Login(self.server)
        login.setSignatureVerifyHint(
            lasso.PROFILE_SIGNATURE_VERIFY_HINT_FORCE if force_signature else lasso.PROFILE_SIGNATURE_VERIFY_HINT_IGNORE
        )
        return login


def _iso(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _answer(login: lasso.Login, email: str = "alice@example.com") -> Tuple[str, str]:
    """Lasso validates the request it processed and answers it: (SAMLResponse, RelayState)."""
    login.validateRequestMsg(True, True)
    now = int(time.time())
    login.buildAssertion(lasso.SAML_AUTHENTICATION_METHOD_PASSWORD, _iso(now), None, _iso(now - 60), _iso(now + 300))
    # Lasso cannot invent an email address: the IdP fills in the NameID the request asked for.
    name_id = lasso.Saml2NameID()
    name_id.format = lasso.SAML2_NAME_IDENTIFIER_FORMAT_EMAIL
    name_id.content = email
    login.assertion.subject.nameId = name_id
    login.buildAuthnResponseMsg()
    assert login.msgUrl.startswith("https://app.example.com/sso/saml/lasso/acs")
    return login.msgBody, login.msgRelayState or ""


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("binding", ["redirect", "post"])
def test_lasso_idp_answers_our_request(tmp_path: Path, sp_keypair, idp_keypair, signed: bool, binding: str) -> None:
    s = Setup(tmp_path, sp_keypair, idp_keypair, signed)
    req = ssogate.begin_sp_login(s.conn, s.store, return_to="/after-lasso", binding=binding, sp_key=s.sp_key)
    assert req.is_signed == signed

    login = s.lasso_login(force_signature=signed)
    if binding == "redirect":
        assert req.redirect_url is not None
        login.processAuthnRequestMsg(urllib.parse.urlsplit(req.redirect_url).query)
    else:
        assert req.post_form_html is not None
        login.processAuthnRequestMsg(base64.b64encode(req.xml.encode()).decode())
        login.msgRelayState = req.relay_state  # the form's second field
    assert login.request.id == req.request_id
    assert login.request.assertionConsumerServiceUrl == s.conn.acs_url
    assert login.request.nameIdPolicy.format == lasso.SAML2_NAME_IDENTIFIER_FORMAT_EMAIL

    saml_response, relay_state = _answer(login)
    if binding == "redirect":
        assert relay_state == req.relay_state  # Lasso carried our RelayState through
    done = ssogate.finish_sp_login(s.conn, s.store, req.relay_state, saml_response, replay_cache=s.replay)
    assert done.email == "alice@example.com"
    assert done.in_response_to == req.request_id
    assert done.idp_entity_id == IDP_ENTITY
    assert done.return_to == "/after-lasso"


def test_lasso_refuses_a_tampered_redirect_signature(tmp_path: Path, sp_keypair, idp_keypair) -> None:
    s = Setup(tmp_path, sp_keypair, idp_keypair, signed=True)
    req = ssogate.begin_sp_login(s.conn, s.store, sp_key=s.sp_key)
    query = urllib.parse.urlsplit(req.redirect_url or "").query
    # Another RelayState under the same signature.
    tampered = query.replace("RelayState=" + req.relay_state, "RelayState=" + req.relay_state[::-1])
    assert tampered != query
    with pytest.raises(lasso.Error):
        s.lasso_login(force_signature=True).processAuthnRequestMsg(tampered)
    # The same request with its signature stripped: refused by Lasso, which insists on signatures...
    with pytest.raises(lasso.Error):
        s.lasso_login(force_signature=True).processAuthnRequestMsg(query.split("&SigAlg=")[0])
    # ...and never produced by ssogate for an IdP whose metadata wants signed requests.
    with pytest.raises(ssogate.InvalidArgument) as e:
        ssogate.begin_sp_login(s.conn, s.store)
    assert e.value.code == ssogate.Code.SP_KEY_REQUIRED
    # The untampered request passes the same check.
    s.lasso_login(force_signature=True).processAuthnRequestMsg(query)


def test_lasso_refuses_a_tampered_post_signature(tmp_path: Path, sp_keypair, idp_keypair) -> None:
    s = Setup(tmp_path, sp_keypair, idp_keypair, signed=True)
    req = ssogate.begin_sp_login(s.conn, s.store, binding="post", sp_key=s.sp_key)
    assert "<ds:Signature" in req.xml
    tampered = req.xml.replace('ForceAuthn', 'X') if 'ForceAuthn' in req.xml else req.xml.replace(
        'AllowCreate="true"', 'AllowCreate="false"')
    assert tampered != req.xml
    with pytest.raises(lasso.Error):
        s.lasso_login(force_signature=True).processAuthnRequestMsg(base64.b64encode(tampered.encode()).decode())


def test_redirect_signature_verifies_with_openssl(tmp_path: Path, sp_keypair, idp_keypair) -> None:
    s = Setup(tmp_path, sp_keypair, idp_keypair, signed=True)
    req = ssogate.begin_sp_login(s.conn, s.store, sp_key=s.sp_key)
    query = urllib.parse.urlsplit(req.redirect_url or "").query
    signed_part, _, signature = query.rpartition("&Signature=")
    assert signed_part.startswith("SAMLRequest=") and "&RelayState=" in signed_part
    assert signed_part.endswith("&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256")

    _, sp_cert = sp_keypair
    pub = tmp_path / "sp-pub.pem"
    subprocess.run(["openssl", "x509", "-in", str(sp_cert), "-pubkey", "-noout", "-out", str(pub)], check=True)
    data, sig = tmp_path / "signed.txt", tmp_path / "sig.bin"
    sig.write_bytes(base64.b64decode(urllib.parse.unquote(signature)))

    def verify(octets: str) -> subprocess.CompletedProcess:
        data.write_bytes(octets.encode("ascii"))
        return subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", str(sig), str(data)],
            capture_output=True, text=True,
        )

    ok = verify(signed_part)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stdout + ok.stderr
    bad = verify(signed_part.replace("RelayState=", "RelayState=x", 1))
    assert bad.returncode != 0 and "Verification failure" in bad.stdout
