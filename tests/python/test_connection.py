"""Connections through the Python binding: derived URLs, settings, JSON round trip, lifetimes, repr."""

from __future__ import annotations

import gc
import json
import re

import pytest

import ssogate
from ssogate import Code

from _corpus import INTEROP_METADATA, NOW, VECTORS, iso_time

BASE = "https://dashboard.example.com"


def test_urls_derived_from_base_and_id(okta_idp: ssogate.IdpMetadata) -> None:
    conn = ssogate.Connection.create(okta_idp, base_url=BASE, id="okta-prod")
    assert conn.id == "okta-prod"
    assert conn.acs_url == f"{BASE}/sso/saml/okta-prod/acs"
    assert conn.sp_entity_id == f"{BASE}/sso/saml/okta-prod"


def test_generated_id_is_128_random_bits_url_safe(okta_idp: ssogate.IdpMetadata) -> None:
    a = ssogate.Connection.create(okta_idp, base_url=BASE)
    b = ssogate.Connection.create(okta_idp, base_url=BASE)
    for conn in (a, b):
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", conn.id), conn.id
        assert conn.acs_url == f"{BASE}/sso/saml/{conn.id}/acs"
    assert a.id != b.id


def test_defaults(connection: ssogate.Connection) -> None:
    assert connection.allow_idp_initiated is False
    assert connection.jit_provisioning is False
    assert connection.clock_skew_seconds == 180
    assert connection.allow_sha1 is False
    assert connection.allowed_domains == []
    assert connection.email_attribute is None
    assert connection.description is None


def test_settings_and_templates(okta_idp: ssogate.IdpMetadata) -> None:
    conn = ssogate.Connection.create(
        okta_idp,
        base_url=BASE,
        id="c1",
        description="Okta, production",
        acs_url_template="{base}/auth/{id}/consume",
        sp_entity_id_template="{base}/auth/{id}/metadata",
        allowed_domains=["example.com", "example.org"],
        email_attribute="email",
        allow_idp_initiated=True,
        jit_provisioning=True,
        clock_skew_seconds=600,
        allow_sha1=True,
    )
    assert conn.acs_url == f"{BASE}/auth/c1/consume"
    assert conn.sp_entity_id == f"{BASE}/auth/c1/metadata"
    assert conn.description == "Okta, production"
    assert conn.allowed_domains == ["example.com", "example.org"]
    assert conn.email_attribute == "email"
    assert (conn.allow_idp_initiated, conn.jit_provisioning, conn.allow_sha1) == (True, True, True)
    assert conn.clock_skew_seconds == 600


def test_explicit_urls_for_an_existing_idp_app(okta_idp: ssogate.IdpMetadata) -> None:
    conn = ssogate.Connection.create(
        okta_idp, acs_url="https://app.example.com/saml/consume", sp_entity_id="https://app.example.com/saml"
    )
    assert conn.acs_url == "https://app.example.com/saml/consume"
    assert conn.sp_entity_id == "https://app.example.com/saml"


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"base_url": "ftp://files.example.com"}, Code.INVALID_URL),
        ({"base_url": "dashboard.example.com"}, Code.INVALID_URL),
        ({"base_url": BASE, "acs_url": "/relative/acs"}, Code.INVALID_URL),
        ({"base_url": BASE, "clock_skew_seconds": 601}, Code.INVALID_SETTING),
        ({"base_url": BASE, "clock_skew_seconds": -1}, Code.INVALID_SETTING),
        ({"base_url": BASE, "clock_skew_seconds": 2**40}, Code.INVALID_SETTING),
        ({"base_url": BASE, "allowed_domains": ["not a domain"]}, Code.INVALID_SETTING),
        # Domains no address can have: refused when the connection is made, not at every login.
        ({"base_url": BASE, "allowed_domains": ["127.0.0.1"]}, Code.INVALID_SETTING),
        ({"base_url": BASE, "allowed_domains": ["example"]}, Code.INVALID_SETTING),
    ],
)
def test_refused_settings(okta_idp: ssogate.IdpMetadata, kwargs: dict, code: Code) -> None:
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.Connection.create(okta_idp, **kwargs)
    assert info.value.code is code, info.value
    assert isinstance(info.value, ValueError)
    assert info.value.message


def test_base_url_required_without_explicit_urls(okta_idp: ssogate.IdpMetadata) -> None:
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.Connection.create(okta_idp)
    assert info.value.code in (Code.INVALID_ARGUMENT, Code.INVALID_URL)


def test_python_argument_errors(okta_idp: ssogate.IdpMetadata) -> None:
    with pytest.raises(TypeError):
        ssogate.Connection.create(okta_idp, base_url=BASE, allowed_domains="example.com")
    with pytest.raises(TypeError):
        ssogate.Connection.create("not an idp", base_url=BASE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ssogate.Connection()


def test_json_round_trip(okta_idp: ssogate.IdpMetadata) -> None:
    conn = ssogate.Connection.create(
        okta_idp, base_url=BASE, id="c2", description="Okta", allowed_domains=["example.com"], jit_provisioning=True
    )
    text = conn.to_json()
    assert json.loads(text)["schema_version"] == 1
    back = ssogate.Connection.from_json(text, now=NOW)
    for attr in ("id", "description", "acs_url", "sp_entity_id", "allow_idp_initiated", "jit_provisioning",
                 "clock_skew_seconds", "allow_sha1", "allowed_domains", "email_attribute"):
        assert getattr(back, attr) == getattr(conn, attr), attr
    assert back.idp.entity_id == okta_idp.entity_id
    assert [c.sha256 for c in back.idp.certificates] == [c.sha256 for c in okta_idp.certificates]
    assert back.to_json() == text
    assert back.sp_metadata() == conn.sp_metadata()
    assert ssogate.Connection.from_json(text.encode(), now=NOW).id == "c2"


def test_json_from_newer_schema_refused(connection: ssogate.Connection) -> None:
    doc = json.loads(connection.to_json())
    doc["schema_version"] = 999
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.Connection.from_json(json.dumps(doc), now=NOW)
    assert info.value.code is Code.CONNECTION_VERSION
    assert "999" in info.value.message


@pytest.mark.parametrize("text", ["{", "[]", '{"schema_version": 1}', "not json at all"])
def test_malformed_json_refused(text: str) -> None:
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.Connection.from_json(text, now=NOW)
    assert info.value.code is Code.CONNECTION_JSON


@pytest.mark.parametrize("exponent", ["1", "2", "3"])
def test_weak_rsa_public_exponent_is_refused(exponent: str) -> None:
    # With e = 1 anyone could forge any login: the "signature" is the padded digest itself.
    xml = (VECTORS / "metadata" / f"rsa-e{exponent}-idp.xml").read_bytes()
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata(xml, now=NOW)
    assert info.value.code is Code.METADATA_WEAK_KEY
    assert f"public exponent {exponent} " in info.value.message
    ok = (VECTORS / "metadata" / "rsa-e65537-idp.xml").read_bytes()
    assert ssogate.import_idp_metadata(ok, now=NOW).entity_id.endswith("/e65537")


def test_restore_reimports_and_refuses_expired_metadata() -> None:
    # google-1's validUntil (2021-01-03) had not passed when the connection was made, but has at NOW.
    then = iso_time("2021-01-01T00:00:00Z")
    idp = ssogate.import_idp_metadata((INTEROP_METADATA / "google-1.xml").read_bytes(), now=then)
    text = ssogate.Connection.create(idp, base_url=BASE, id="g").to_json()
    assert ssogate.Connection.from_json(text, now=then).id == "g"
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.Connection.from_json(text, now=NOW)
    assert info.value.code is Code.METADATA_EXPIRED


def test_connection_outlives_its_idp_object(okta_xml: bytes) -> None:
    idp = ssogate.import_idp_metadata(okta_xml, now=NOW)
    conn = ssogate.Connection.create(idp, base_url=BASE, id="x")
    del idp
    gc.collect()
    assert conn.idp.sso_url("redirect") is not None
    assert "exkppsa1qwuFV4D7z0h7" in conn.to_json()


def test_restored_idp_outlives_its_connection(connection: ssogate.Connection) -> None:
    # The IdP of a restored connection is borrowed from it in C; the binding keeps the owner alive.
    restored_idp = ssogate.Connection.from_json(connection.to_json(), now=NOW).idp
    gc.collect()
    assert restored_idp.sso_url("post") == connection.idp.sso_url("post")


def test_repr(connection: ssogate.Connection, okta_idp: ssogate.IdpMetadata) -> None:
    r = repr(connection)
    assert r.startswith("Connection(") and "okta-prod" in r and connection.acs_url in r
    ir = repr(okta_idp)
    assert ir.startswith("IdpMetadata(") and okta_idp.entity_id in ir and "RSA-2048" in ir
    assert "BEGIN CERTIFICATE" not in ir
    cr = repr(okta_idp.certificates[0])
    assert okta_idp.certificates[0].sha256 in cr and "BEGIN CERTIFICATE" not in cr and "der=" not in cr
    assert repr(okta_idp.sso_endpoints[0]).startswith("Endpoint(binding='post'")


def test_objects_are_immutable(okta_idp: ssogate.IdpMetadata, connection: ssogate.Connection) -> None:
    with pytest.raises(AttributeError):
        okta_idp.entity_id = "https://evil.example.com"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        connection.acs_url = "https://evil.example.com/acs"  # type: ignore[misc]
    okta_idp.certificates.clear()  # a copy: the IdP keeps its certificates
    assert okta_idp.certificates
