#!/usr/bin/env python3
"""Writes the RSA public-exponent vectors of this folder (run by hand; the output is committed):

    python3 tests/vectors/metadata/make_weak_exponent.py tests/vectors/metadata

For each exponent e in 1, 2, 3 and 65537 it makes a self-signed certificate whose RSA public key has
a fresh 2048-bit modulus and exponent e, and IdP metadata around it (rsa-e<e>-idp.xml). OpenSSL and
Python's `cryptography` refuse to make keys with e = 1 or 2, so the SubjectPublicKeyInfo is written
here in DER by hand and the certificate is signed with the modulus' real key (e = 65537); a parser
reads the certificate, and nothing checks that signature. The private keys are not kept.
"""

import base64
import datetime as dt
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + der_len(len(body)) + body


def integer(v: int) -> bytes:
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")  # a leading zero keeps it positive
    return tlv(0x02, body)


def read_tlv(data: bytes, i: int):
    """(tag, start of value, end of value) of the TLV at offset i."""
    tag = data[i]
    n = data[i + 1]
    if n < 0x80:
        return tag, i + 2, i + 2 + n
    k = n & 0x7F
    length = int.from_bytes(data[i + 2 : i + 2 + k], "big")
    return tag, i + 2 + k, i + 2 + k + length


RSA_ALGORITHM = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
SHA256_WITH_RSA = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d01010b")) + b"\x05\x00")


def certificate_with_exponent(e: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ssogate tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"ssogate test rsa-2048 e={e}")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1000 + e)
            .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
            .not_valid_after(dt.datetime(2036, 1, 1, tzinfo=dt.timezone.utc))
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    _, tbs_start, _ = read_tlv(der, 0)
    _, tbs_body, tbs_end = read_tlv(der, tbs_start)
    tbs_body_bytes = der[tbs_body:tbs_end]
    at = tbs_body_bytes.index(spki)
    n = key.public_key().public_numbers().n
    rsa_public_key = tlv(0x30, integer(n) + integer(e))
    new_spki = tlv(0x30, RSA_ALGORITHM + tlv(0x03, b"\x00" + rsa_public_key))
    tbs = tlv(0x30, tbs_body_bytes[:at] + new_spki + tbs_body_bytes[at + len(spki):])
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return tlv(0x30, tbs + SHA256_WITH_RSA + tlv(0x03, b"\x00" + signature))


def metadata(entity_id: str, der: bytes) -> str:
    b64 = base64.b64encode(der).decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">\n'
        '  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
        '    <md:KeyDescriptor use="signing">\n'
        '      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>\n'
        f'        <ds:X509Certificate>{b64}</ds:X509Certificate>\n'
        '      </ds:X509Data></ds:KeyInfo>\n'
        '    </md:KeyDescriptor>\n'
        '    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\n'
        '    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        ' Location="https://idp.weak-exponent.test.example/sso"/>\n'
        '  </md:IDPSSODescriptor>\n'
        '</md:EntityDescriptor>\n'
    )


def main() -> None:
    out = Path(sys.argv[1])
    for e in (1, 2, 3, 65537):
        der = certificate_with_exponent(e)
        (out / f"rsa-e{e}-idp.xml").write_text(
            metadata(f"https://idp.weak-exponent.test.example/e{e}", der), encoding="utf-8")


if __name__ == "__main__":
    main()
