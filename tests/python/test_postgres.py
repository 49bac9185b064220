"""The Gate over a real PostgreSQL server (tests/support/pg_server.py: Debian's binaries, 127.0.0.1, a
password): the gate scenario, two nodes sharing one database, wrong credentials and a bad location at
open, and schema migration through ssogate.migrate_database."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

import ssogate
from ssogate import Code, StoreError
from ssogate.testing import TestIdp, check_directory_contract

SERVER = Path(__file__).resolve().parents[1] / "support" / "pg_server.py"
NOW = 1_767_225_600


class Pg:
    def __init__(self, info: dict) -> None:
        self.url = info["url"]
        self.port = info["port"]
        self.user = info["user"]
        self.password = info["password"]

    def database(self, name: str) -> str:
        """A new, empty database on the server; its location."""
        env = dict(os.environ, PGPASSWORD=self.password)
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", "postgres",
                        "-c", f"CREATE DATABASE {name}"], check=True, env=env, capture_output=True)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def sql(self, location: str, statement: str) -> None:
        env = dict(os.environ, PGPASSWORD=self.password)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        self.user, "-d", location.rsplit("/", 1)[1], "-c", statement],
                       check=True, env=env, capture_output=True)


@pytest.fixture(scope="module")
def pg() -> Iterator[Pg]:
    proc = subprocess.Popen([sys.executable, str(SERVER)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "pg_server.py did not start"
        yield Pg(json.loads(line))
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait()


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    return TestIdp("https://idp.pg-test.example/saml")


def seed(gate: ssogate.Gate, idp: TestIdp, account: str) -> ssogate.Connection:
    gate.create_account(account, account.title(), ["example.com"])
    conn = ssogate.Connection.create(ssogate.import_idp_metadata(idp.metadata_xml), base_url="https://app.example.com",
                                     id=account + "-okta", allow_idp_initiated=True)
    gate.add_connection(account, conn)
    gate.add_member(account, "alice@example.com")
    return conn


def test_the_gate_scenario_over_postgresql(pg: Pg, idp: TestIdp) -> None:
    location = pg.database("scenario")
    with ssogate.Gate.open(location, now=NOW) as gate:
        conn = seed(gate, idp, "acme")
        response = idp.response(conn, nameid="alice@example.com", now=NOW).base64
        assert gate.consume(conn.id, response).kind == "LOGIN"
        replay = gate.consume(conn.id, response)
        assert replay.kind == "DENIED" and replay.reason == "REPLAYED"
        gate.invite("acme", "bob@example.com", role="admin", ttl_seconds=3600)
        joined = gate.consume(conn.id, idp.response(conn, nameid="bob@example.com", now=NOW).base64)
        assert joined.kind == "JOINED_BY_INVITE"
        outcomes = [row.outcome for row in gate.read_audit("acme")]
        assert outcomes.count("LOGIN") == 1 and outcomes.count("JOINED_BY_INVITE") == 1
        assert [m.email for m in gate.list_members("acme")] == ["alice@example.com", "bob@example.com"]


def test_two_nodes_share_one_database(pg: Pg, idp: TestIdp) -> None:
    location = pg.database("two_nodes")
    with ssogate.Gate.open(location, now=NOW) as node_a, ssogate.Gate.open(location, now=NOW) as node_b:
        conn = seed(node_a, idp, "globex")
        # The login begins on one node and the IdP posts back to the other.
        begun = node_a.begin_sp_login(conn.id, return_to="/reports")
        request = begun.request_id
        answer = idp.response(conn, nameid="alice@example.com", now=NOW, in_response_to=request).base64
        done = node_b.consume(conn.id, answer, relay_state=begun.relay_state)
        assert done.kind == "LOGIN" and done.return_to == "/reports"
        # The assertion is spent for every node, and so is the RelayState.
        again = node_a.consume(conn.id, answer, relay_state=begun.relay_state)
        assert again.kind == "DENIED"
        assert len(node_a.read_audit("globex")) == len(node_b.read_audit("globex"))


def test_a_wrong_password_fails_at_open_naming_the_server_not_the_password(pg: Pg) -> None:
    bad = pg.url.replace(pg.password, "wrong-pass-123")
    with pytest.raises(StoreError) as caught:
        ssogate.Gate.open(bad)
    assert caught.value.code == Code.STORE_AUTH
    assert f"127.0.0.1:{pg.port}/postgres (user ssogate)" in str(caught.value)
    assert "wrong-pass-123" not in str(caught.value)


def test_a_bad_pool_setting_is_a_location_error(pg: Pg) -> None:
    with pytest.raises(StoreError) as caught:
        ssogate.Gate.open(pg.url + "?pool_max=0")
    assert caught.value.code == Code.STORE_LOCATION
    assert pg.password not in str(caught.value)


def test_an_older_schema_is_refused_until_migrated(pg: Pg, idp: TestIdp) -> None:
    location = pg.database("migrating")
    assert ssogate.migrate_database(location) == (0, 3), "an empty database receives the whole schema"
    assert ssogate.migrate_database(location) == (3, 3), "and nothing is done twice"
    with ssogate.Gate.open(location, now=NOW) as gate:
        seed(gate, idp, "initech")
    # Back to schema version 1, as an older ssogate left it.
    pg.sql(location, "DELETE FROM schema_version WHERE version > 1; DROP TABLE replay_live; "
                     "ALTER TABLE replay DROP COLUMN connection_id; ALTER TABLE accounts DROP COLUMN revision")
    with pytest.raises(StoreError) as caught:
        ssogate.Gate.open(location)
    assert caught.value.code == Code.STORE_SCHEMA_OLDER
    assert "ssogate db migrate" in str(caught.value)
    with ssogate.Gate.open(location, now=NOW, migrate_on_open=True) as gate:
        assert gate.find_member("initech", "alice@example.com") is not None
    assert ssogate.migrate_database(location) == (3, 3)
    pg.sql(location, "INSERT INTO schema_version(version) VALUES (99)")
    with pytest.raises(StoreError) as caught:
        ssogate.migrate_database(location)
    assert caught.value.code == Code.STORE_SCHEMA_NEWER


def test_memory_has_no_schema_to_migrate() -> None:
    with pytest.raises(StoreError) as caught:
        ssogate.migrate_database("memory:")
    assert caught.value.code == Code.STORE_LOCATION


def test_stores_report_a_stopped_server(idp: TestIdp) -> None:
    proc = subprocess.Popen([sys.executable, str(SERVER)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    with ssogate.Gate.open(info["url"], now=NOW) as gate:
        conn = seed(gate, idp, "hooli")
        gate.check_stores()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                gate.check_stores()
            except StoreError:
                break
            time.sleep(0.05)
        refused = gate.consume(conn.id, idp.response(conn, nameid="alice@example.com", now=NOW).base64)
        assert refused.kind == "DENIED" and refused.reason == "STORE_UNAVAILABLE"
        with pytest.raises(StoreError) as caught:
            gate.check_stores()
        assert caught.value.code == Code.STORE_UNAVAILABLE
        assert f"127.0.0.1:{info['port']}" in str(caught.value)


def test_the_gate_repr_hides_the_password(pg: Pg) -> None:
    with ssogate.Gate.open(pg.url) as gate:
        assert pg.password not in repr(gate)
        assert "ssogate:***@127.0.0.1" in repr(gate)


def test_the_directory_contract_holds_on_postgresql(pg: Pg) -> None:
    """The same contract the memory, SQLite and host directories pass (ssogate.testing)."""
    check_directory_contract(ssogate.Directory.open(pg.database("contract")))
