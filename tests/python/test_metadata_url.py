"""Metadata by URL through Python, against a real HTTPS host on 127.0.0.1 with a test CA
(tests/support/metadata_server.py): import, 304, key rotation with events in the gate's audit log and the
on_event listener, last-known-good, the fetch policy's refusals, a host fetch function, manual set-up."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

import ssogate
from ssogate.testing import TestIdp

SERVER = Path(__file__).resolve().parents[1] / "support" / "metadata_server.py"
ENTITY = "https://idp.url-test.example/saml"


class Host:
    def __init__(self, root: Path, info: dict) -> None:
        self.root = root
        self.port = info["https_port"]
        self.http_port = info["http_port"]
        self.ca_file = info["ca_file"]

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}/{path}"

    def put(self, name: str, text: str) -> None:
        (self.root / name).write_text(text)

    @property
    def options(self) -> dict:
        return {"allowed_networks": ["127.0.0.1/32"], "ca_file": self.ca_file}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    root = tmp_path_factory.mktemp("metadata-host")
    proc = subprocess.Popen([sys.executable, str(SERVER), str(root)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "metadata_server.py did not start"
        yield Host(root, json.loads(line))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def metadata(certs_der: List[bytes], sso: str = "https://idp.url-test.example/sso", entity: str = ENTITY) -> str:
    keys = "".join(
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        + base64.b64encode(der).decode() + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for der in certs_der
    )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' + keys
        + f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def der_of(idp: TestIdp) -> bytes:
    pem = idp.certificate_pem
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


def test_import_refresh_and_rotation_through_the_gate(host: Host) -> None:
    a, b = TestIdp(ENTITY), TestIdp(ENTITY)
    host.put("rot.xml", metadata([der_of(a)]))
    idp = ssogate.import_idp_metadata_url(host.url("rot.xml"), **host.options)
    assert idp.entity_id == ENTITY
    assert idp.source.url == host.url("rot.xml") and idp.source.etag and idp.source.failures == 0
    assert idp.source.next_refresh_at > idp.source.fetched_at
    assert idp.events == []
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="rot")
    assert ssogate.Connection.from_json(conn.to_json()).idp.source.url == host.url("rot.xml")

    seen: List[Tuple[str, str]] = []
    with ssogate.Gate.open("memory:") as gate:
        gate.create_account("acme", "Acme", verified_domains=["example.com"])
        gate.add_connection("acme", conn)
        same = gate.refresh_connection("rot", on_event=lambda cid, e: seen.append((cid, e.kind)), **host.options)
        assert same.ok and same.not_modified and not same.applied and same.events == []

        host.put("rot.xml", metadata([der_of(a), der_of(b)]))
        added = gate.refresh_connection("rot", on_event=lambda cid, e: seen.append((cid, e.kind)), **host.options)
        assert added.applied and [e.kind for e in added.events] == ["METADATA_UPDATED", "SIGNING_KEY_ADDED"]
        assert added.events[1].fingerprint == added.connection.idp.certificates[1].sha256

        host.put("rot.xml", metadata([der_of(b)], sso="https://idp.url-test.example/sso2"))
        removed = gate.refresh_connection("rot", **host.options)
        assert [e.kind for e in removed.events] == ["METADATA_UPDATED", "SIGNING_KEY_REMOVED", "SSO_URL_CHANGED"]
        assert removed.events[2].new_value == "https://idp.url-test.example/sso2"

        # A broken document: the last known good stays, the failure is counted, audited and reported.
        host.put("rot.xml", "<md:EntityDescriptor")
        failed = gate.refresh_connection("rot", on_event=lambda cid, e: seen.append((cid, e.kind)), **host.options)
        assert not failed.ok and failed.error == ssogate.Code.XML_MALFORMED
        assert failed.events[0].kind == "METADATA_REFRESH_FAILED" and failed.events[0].failures == 1
        assert failed.connection.idp.source.failures == 1
        assert len(failed.connection.idp.certificates) == 1  # still the document of the last success

        # A login signed with the rotated-in key verifies; the gate stored the refreshed connection.
        out = gate.consume("rot", b.response(failed.connection, nameid="someone@example.com").base64)
        assert out.reason != "SIGNATURE_INVALID"
        rows = gate.read_audit("acme", reason="METADATA")
        assert [r.outcome for r in rows] == ["METADATA_UPDATED", "SIGNING_KEY_ADDED", "METADATA_UPDATED",
                                             "SIGNING_KEY_REMOVED", "SSO_URL_CHANGED", "METADATA_REFRESH_FAILED"]
        with pytest.raises(ssogate.NotFound):
            gate.refresh_connection("nope", **host.options)
    assert seen == [("rot", "METADATA_UPDATED"), ("rot", "SIGNING_KEY_ADDED"), ("rot", "METADATA_REFRESH_FAILED")]


@pytest.mark.parametrize(
    ("path", "options", "code"),
    [
        ("to-http/x.xml", {}, ssogate.Code.METADATA_REDIRECT_REFUSED),
        ("to-private", {}, ssogate.Code.METADATA_ADDRESS_BLOCKED),
        ("loop", {}, ssogate.Code.METADATA_REDIRECT_REFUSED),
        ("status/404", {}, ssogate.Code.METADATA_HTTP_STATUS),
        ("big", {}, ssogate.Code.METADATA_FETCH_TOO_LARGE),
        ("slow/x.xml", {"timeout": 1.0}, ssogate.Code.METADATA_FETCH_TIMEOUT),
        ("x.xml", {"allowed_networks": []}, ssogate.Code.METADATA_ADDRESS_BLOCKED),
        ("x.xml", {"ca_file": None}, ssogate.Code.METADATA_TLS),
    ],
)
def test_fetch_refusals(host: Host, path: str, options: dict, code: ssogate.Code) -> None:
    host.put("x.xml", metadata([der_of(TestIdp(ENTITY))]))
    with pytest.raises(ssogate.Error) as e:
        ssogate.import_idp_metadata_url(host.url(path), **{**host.options, **options})
    assert e.value.code == code, e.value.message


def test_url_rules() -> None:
    for bad in ("http://idp.example/md.xml", "ftp://idp.example/x", "https://u:p@idp.example/x", "idp.example/x"):
        with pytest.raises(ssogate.Error) as e:
            ssogate.import_idp_metadata_url(bad)
        assert e.value.code == ssogate.Code.METADATA_URL_INVALID, bad


def test_host_fetch_function_and_manual_set_up() -> None:
    idp = TestIdp(ENTITY)
    doc = metadata([der_of(idp)]).encode()
    calls: List[Tuple[str, str]] = []

    def fetch(url: str, if_none_match: str, if_modified_since: str) -> Tuple[int, bytes, str, str, str]:
        calls.append((url, if_none_match))
        if url.endswith("/start"):
            return 302, b"", "", "", "/metadata"
        if if_none_match == '"v1"':
            return 304, b"", '"v1"', "", ""
        return 200, doc, '"v1"', "", ""

    imported = ssogate.import_idp_metadata_url("https://idp.example/start", fetch=fetch)
    conn = ssogate.Connection.create(imported, base_url="https://app.example.com", id="cb")
    result = ssogate.refresh_connection(conn, fetch=fetch)
    assert result.not_modified and result.ok
    assert calls == [("https://idp.example/start", ""), ("https://idp.example/metadata", ""),
                     ("https://idp.example/start", '"v1"'), ("https://idp.example/metadata", '"v1"')]

    def broken(url: str, inm: str, ims: str) -> Tuple[int, bytes, str, str, str]:
        raise OSError("no route")

    with pytest.raises(ssogate.Error) as e:
        ssogate.import_idp_metadata_url("https://idp.example/x", fetch=broken)
    assert e.value.code == ssogate.Code.METADATA_FETCH_FAILED

    manual = ssogate.idp_from_settings(ENTITY, "https://idp.url-test.example/sso", idp.certificate_pem)
    assert manual.entity_id == ENTITY and manual.sso_url("post") == "https://idp.url-test.example/sso"
    assert manual.source.url is None
    with pytest.raises(ssogate.Error) as e:
        ssogate.idp_from_settings(ENTITY, "https://idp.url-test.example/sso", "not a certificate")
    assert e.value.code == ssogate.Code.METADATA_BAD_CERT
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.refresh_connection(ssogate.Connection.create(manual, base_url="https://app.example.com"))


def test_an_admin_edit_during_a_refresh_wins() -> None:
    idp = TestIdp(ENTITY)
    doc = metadata([der_of(idp)]).encode()
    imported = ssogate.import_idp_metadata_url(
        "https://idp.example/md", fetch=lambda url, inm, ims: (200, doc, '"v1"', "", ""))
    conn = ssogate.Connection.create(imported, base_url="https://app.example.com", id="edit")
    with ssogate.Gate.open("memory:") as gate:
        gate.create_account("acme", "Acme", verified_domains=["example.com"])
        gate.add_connection("acme", conn)

        def fetch_while_an_admin_saves(url: str, inm: str, ims: str) -> Tuple[int, bytes, str, str, str]:
            gate.update_connection("acme", conn, allow_idp_initiated=True)  # another admin, meanwhile
            return 200, doc.replace(b"/sso", b"/sso-new"), '"v2"', "", ""

        with pytest.raises(ssogate.StoreConflict, match="changed or removed while its metadata was being refreshed"):
            gate.refresh_connection("edit", fetch=fetch_while_an_admin_saves)
        out = gate.consume("edit", idp.response(conn, nameid="a@example.com").base64)
        assert out.reason != "UNSOLICITED_NOT_ALLOWED"  # the admin's setting is the one stored
        again = gate.refresh_connection("edit", fetch=lambda url, inm, ims: (304, b"", '"v1"', "", ""))
        assert again.ok and again.not_modified
