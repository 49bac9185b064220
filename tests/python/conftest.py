"""Shared fixtures for the Python binding's tests.

The tests import the *installed* package (``pip install .``); nothing here adds the source tree to
sys.path. Paths to the test vectors are relative to this file.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

import ssogate
from ssogate.testing import TestIdp

from _corpus import INTEROP_METADATA, NOW


@pytest.fixture(scope="session")
def okta_xml() -> bytes:
    return (INTEROP_METADATA / "okta-1.xml").read_bytes()


@pytest.fixture(scope="session")
def okta_idp(okta_xml: bytes) -> ssogate.IdpMetadata:
    return ssogate.import_idp_metadata(okta_xml, now=NOW)


@pytest.fixture()
def connection(okta_idp: ssogate.IdpMetadata) -> ssogate.Connection:
    return ssogate.Connection.create(okta_idp, base_url="https://dashboard.example.com", id="okta-prod")


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    """A testing IdP playing Okta (the gate and directory tests)."""
    return TestIdp("https://okta.test.example/exk1")


@pytest.fixture()
def conn(idp: TestIdp) -> ssogate.Connection:
    """A connection "okta" to `idp` with IdP-initiated login and Just-in-Time provisioning on."""
    imported = ssogate.import_idp_metadata(idp.metadata_xml)
    return ssogate.Connection.create(
        imported, base_url="https://app.example.com", id="okta", allow_idp_initiated=True, jit_provisioning=True
    )


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    # Test key material is made fresh for every run with the openssl CLI (an independent tool);
    # nothing secret is committed.
    key, cert = directory / f"{name}-key.pem", directory / f"{name}-cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
         "-subj", f"/CN={name}.ssogate.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return key, cert


@pytest.fixture(scope="session")
def sp_keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(private key, certificate) PEM files for the SP, RSA-2048."""
    return _self_signed(tmp_path_factory.mktemp("sp-key"), "sp")


@pytest.fixture(scope="session")
def idp_keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(private key, certificate) PEM files for a test IdP (Lasso), RSA-2048."""
    return _self_signed(tmp_path_factory.mktemp("idp-key"), "idp")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server (Debian's) on a free 127.0.0.1 port, stopped by its pid afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
