"""Readers for the attack-suite vectors (tests/vectors/attacks, see its README) and the interop
responses (tests/vectors/interop), shared by test_attacks.py."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, List

from _corpus import INTEROP, VECTORS, iso_time

ATTACKS = VECTORS / "attacks"


def attack_manifest() -> Dict[str, Any]:
    return json.loads((ATTACKS / "manifest.json").read_text(encoding="utf-8"))


def attack_vectors() -> List[Dict[str, Any]]:
    return attack_manifest()["vectors"]


def form_value(vector: Dict[str, Any]) -> bytes:
    """The SAMLResponse form value of an attack vector."""
    body = (ATTACKS / vector["file"]).read_bytes()
    return body if vector["form"] else base64.b64encode(body)


def interop_responses() -> List[Dict[str, Any]]:
    manifest = json.loads((INTEROP / "manifest.json").read_text(encoding="utf-8"))
    return [f for f in manifest["files"] if f.get("kind") == "saml-response"]


def metadata_for_pem(entity_id: str, pem_path: Path) -> str:
    """Minimal IdP metadata around the first certificate of a PEM file (as the C++ test does)."""
    lines = pem_path.read_text(encoding="ascii").splitlines()
    start = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----", start)
    der_b64 = "".join(lines[start + 1 : end])
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="' + entity_id + '">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        "<ds:X509Data><ds:X509Certificate>" + der_b64 + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        'Location="https://idp.invalid/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def unix(text: str) -> int:
    value = iso_time(text)
    assert value is not None
    return value
