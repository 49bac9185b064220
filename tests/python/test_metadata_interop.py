"""Every metadata file of the real-IdP corpus through the Python binding, against the manifest's facts.

The same files go through the C ABI in tests/capi; both must agree, since Python only translates.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Dict, List

import pytest

import ssogate
from ssogate import Code

from _corpus import INTEROP_METADATA, NOW, iso_time, metadata_entries, openssl_time

# Outcomes that are not "imports": the documents the issue says must be refused, with their codes.
REFUSED = {
    "google-1": Code.METADATA_EXPIRED,  # validUntil 2021-01-03
    "shibboleth-3": Code.METADATA_EXPIRED,  # validUntil 2017-04-22
    "simplesamlphp-1": Code.METADATA_WEAK_KEY,  # RSA-1024 signing key
}
# Aggregates: refused as ambiguous without an entityID; this IdP (RSA-2048, SAML 2.0) is chosen.
AGGREGATE_CHOICE = {
    "federation-1": "https://idp.hig.se/idp/shibboleth",
    "federation-2": "https://idp.umu.se/saml2/idp/metadata.php",
}

_BINDING_NAMES = {"HTTP-Redirect": "redirect", "HTTP-POST": "post"}


def _name(entry: Dict[str, Any]) -> str:
    return entry["file"].split("/")[-1].rsplit(".", 1)[0]


ENTRIES = metadata_entries()
SINGLE = [e for e in ENTRIES if _name(e) not in REFUSED and _name(e) not in AGGREGATE_CHOICE]


def test_manifest_lists_every_metadata_file() -> None:
    # A file added to the corpus without a manifest entry would silently go untested.
    on_disk = sorted(p.name for p in INTEROP_METADATA.glob("*.xml"))
    listed = sorted(e["file"].split("/")[-1] for e in ENTRIES)
    assert on_disk == listed
    assert len(on_disk) == 20
    assert set(REFUSED) | set(AGGREGATE_CHOICE) <= {_name(e) for e in ENTRIES}


def _signing_keys(details: Dict[str, Any]) -> List[Dict[str, Any]]:
    # KeyDescriptors without `use` count as signing.
    return [k for k in details["idp_key_descriptors"] if k["use"] in ("signing", "(unspecified)")]


@pytest.mark.parametrize("entry", SINGLE, ids=_name)
def test_imports_with_manifest_facts(entry: Dict[str, Any]) -> None:
    xml = (INTEROP_METADATA / entry["file"].split("/")[-1]).read_bytes()
    facts = entry["facts"]
    (details,) = [d for d in facts["entity_details"] if "IDPSSODescriptor" in d["roles"]]

    idp = ssogate.import_idp_metadata(xml, now=NOW)

    assert idp.entity_id == details["entity_id"]
    assert idp.valid_until == iso_time(facts["valid_until"])
    assert idp.cache_duration == facts["cache_duration"]
    assert idp.want_authn_requests_signed == (details["want_authn_requests_signed"] == "true")
    assert idp.signature_verified is False  # no signer certificate was given
    assert idp.nameid_formats == details["nameid_formats"]

    # Certificates: the signing ones, in document order, with the fingerprints and expiry recorded.
    expected_keys = _signing_keys(details)
    assert [c.sha256 for c in idp.certificates] == [k["sha256"] for k in expected_keys]
    assert [c.not_after for c in idp.certificates] == [openssl_time(k["not_after"]) for k in expected_keys]
    for cert in idp.certificates:
        assert cert.key_type == "RSA"
        assert cert.key_bits >= 2048
        assert cert.not_before < cert.not_after
        assert len(cert.der) > 100 and cert.pem.startswith("-----BEGIN CERTIFICATE-----")
        assert cert.not_after_datetime.timestamp() == cert.not_after

    # Endpoints: every SingleSignOnService / SingleLogoutService, in document order, any binding.
    for got, want in ((idp.sso_endpoints, details["sso"]), (idp.slo_endpoints, details["slo"])):
        assert [e.location for e in got] == [w["location"] for w in want]
        assert [e.binding_uri.rsplit(":", 1)[-1] for e in got] == [w["binding"] for w in want]
        assert [e.binding for e in got] == [_BINDING_NAMES.get(w["binding"], "other") for w in want]
    for binding in ("redirect", "post"):
        first = next((e.location for e in idp.sso_endpoints if e.binding == binding), None)
        assert idp.sso_url(binding) == first

    # Warnings: exactly the certificate findings the clock implies.
    codes = {w.code for w in idp.warnings}
    expired = any(c.not_after < NOW for c in idp.certificates)
    soon = any(NOW <= c.not_after < NOW + 30 * 86400 for c in idp.certificates)
    not_yet = any(c.not_before > NOW for c in idp.certificates)
    assert (Code.WARN_CERT_EXPIRED in codes) == expired
    assert (Code.WARN_CERT_EXPIRES_SOON in codes) == soon
    assert (Code.WARN_CERT_NOT_YET_VALID in codes) == not_yet
    for w in idp.warnings:
        assert w.code_name == w.code.name and w.message


def test_adfs_1_imports_with_expired_certificate_warning() -> None:
    idp = ssogate.import_idp_metadata((INTEROP_METADATA / "adfs-1.xml").read_bytes(), now=NOW)
    (cert,) = idp.certificates  # the encryption KeyDescriptor is not a signing certificate
    assert cert.sha256.startswith("96:E3:1C:CC")
    assert cert.not_after_datetime.year == 2017
    expired = [w for w in idp.warnings if w.code == Code.WARN_CERT_EXPIRED]
    assert len(expired) == 1
    assert expired[0].code_name == "WARN_CERT_EXPIRED"
    assert "WARN_CERT_EXPIRED" in repr(idp)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_code(name: str) -> None:
    xml = (INTEROP_METADATA / f"{name}.xml").read_bytes()
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata(xml, now=NOW)
    assert info.value.code == REFUSED[name]
    assert info.value.code_name == REFUSED[name].name
    assert info.value.message


def test_google_1_imported_before_its_valid_until() -> None:
    # The refusal above is about the clock, not the document: a day before validUntil it imports.
    xml = (INTEROP_METADATA / "google-1.xml").read_bytes()
    idp = ssogate.import_idp_metadata(xml, now=iso_time("2021-01-02T16:17:49Z"))
    assert idp.entity_id == "https://accounts.google.com/o/saml2?idpid=C02dfl1r1"
    assert idp.valid_until == iso_time("2021-01-03T16:17:49.000Z")


_MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def _idp_entity_ids(path) -> List[str]:
    root = ET.parse(path).getroot()
    return [e.get("entityID") for e in root.iter(f"{_MD}EntityDescriptor") if e.find(f"{_MD}IDPSSODescriptor") is not None]


def _sp_only_entity_ids(path) -> List[str]:
    root = ET.parse(path).getroot()
    return [e.get("entityID") for e in root.iter(f"{_MD}EntityDescriptor") if e.find(f"{_MD}IDPSSODescriptor") is None]


@pytest.mark.parametrize("name", sorted(AGGREGATE_CHOICE))
def test_aggregate_without_entity_id_is_ambiguous(name: str) -> None:
    path = INTEROP_METADATA / f"{name}.xml"
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata(path.read_bytes(), now=NOW)
    assert info.value.code == Code.METADATA_AMBIGUOUS
    # The admin is told which IdPs there are to choose from (and SPs are not offered).
    idps = _idp_entity_ids(path)
    assert len(idps) > 1
    assert idps[0] in info.value.message
    assert AGGREGATE_CHOICE[name] in info.value.message
    assert _sp_only_entity_ids(path)[0] not in info.value.message


@pytest.mark.parametrize("name", sorted(AGGREGATE_CHOICE))
def test_aggregate_with_entity_id_imports(name: str) -> None:
    entity_id = AGGREGATE_CHOICE[name]
    idp = ssogate.import_idp_metadata((INTEROP_METADATA / f"{name}.xml").read_bytes(), entity_id=entity_id, now=NOW)
    assert idp.entity_id == entity_id
    assert idp.certificates and all(c.key_type == "RSA" and c.key_bits == 2048 for c in idp.certificates)
    assert idp.sso_url("redirect") is not None


@pytest.mark.parametrize(
    "name, entity_id, code",
    [
        ("federation-1", "https://idp.protectnetwork.org/protectnetwork-idp", Code.METADATA_WEAK_KEY),  # RSA-512
        ("federation-1", "https://idp.secure.su.se/identity", Code.METADATA_NO_SAML2),  # SAML 1.x only
        ("federation-1", "https://order.kib.ki.se/shibboleth", Code.METADATA_NO_IDP),  # an SP
        ("federation-2", "https://idp.example.org/not-in-the-file", Code.METADATA_ENTITY_NOT_FOUND),
    ],
)
def test_aggregate_refusals_for_chosen_entity(name: str, entity_id: str, code: Code) -> None:
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata((INTEROP_METADATA / f"{name}.xml").read_bytes(), entity_id=entity_id, now=NOW)
    assert info.value.code == code
