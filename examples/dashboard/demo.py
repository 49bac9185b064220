"""Serves the dashboard and two testing IdPs (one per tenant) on 127.0.0.1 until interrupted:
what ``scripts/dev.sh dashboard`` runs.

    python demo.py --state build/dashboard [--port 5000] [--idp-ports 8001 8002]

The state directory keeps the SQLite database and the IdPs' keys, so a connection saved in one run
still verifies in the next (the IdPs' entity IDs include their ports: keep the same ports).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from ssogate.testing_web import WebIdp
from werkzeug.serving import make_server

import app as dashboard

TENANTS = [
    # account, IdP name, users the IdP offers (the owner logs in with a password first)
    ("acme", "Acme Okta", ["alice@acme.example", "bob@acme.example"]),
    ("globex", "Globex IdP", ["dave@globex.example"]),
]


def web_idp(state: Path, name: str, port: int, users: list) -> WebIdp:
    key, cert = state / f"idp-{port}.key.pem", state / f"idp-{port}.cert.pem"
    if key.exists() and cert.exists():
        idp = WebIdp(name, users=[{"email": u} for u in users], port=port,
                     key_pem=key.read_text(), certificate_pem=cert.read_text())
    else:
        idp = WebIdp(name, users=[{"email": u} for u in users], port=port)
        key.write_text(idp.idp.private_key_pem)
        key.chmod(0o600)
        cert.write_text(idp.idp.certificate_pem)
    return idp


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--state", default="dashboard-state")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--idp-ports", type=int, nargs=2, default=[8001, 8002])
    args = p.parse_args()
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    base_url = f"http://localhost:{args.port}"
    secret = os.environ.get("DASHBOARD_SECRET_KEY")
    if not secret:
        secret_file = state / "secret-key"
        if not secret_file.exists():
            secret_file.write_text(os.urandom(32).hex())
            secret_file.chmod(0o600)
        secret = secret_file.read_text().strip()
    app = dashboard.create_app(str(state / "dashboard.db"), base_url, secret_key=secret)
    dashboard.seed_demo(app)
    idps = [web_idp(state, name, port, users) for (_, name, users), port in zip(TENANTS, args.idp_ports)]
    for idp in idps:
        idp.start()
    server = make_server("127.0.0.1", args.port, app, threaded=True)

    print(f"""
Dashboard   {base_url}/login
  Acme Inc.     owner@acme.example   / acme-owner-password
  Globex Corp.  owner@globex.example / globex-owner-password
""")
    for (account, name, users), idp in zip(TENANTS, idps):
        print(f"{name:<11} {idp.url}/  (app tile; SAML settings at {idp.url}/admin)")
        print(f"  metadata    {idp.metadata_url}")
        print(f"  users       {', '.join(users)} (or type any email on its sign-in page)")
    print("""
The admin's path: log in as the owner, Settings -> + New Identity Provider, upload the IdP's metadata
(download it from the URL above), Save; paste the ACS URL and SP Entity ID into the IdP's SAML
settings page; log out and log in as alice@acme.example. Ctrl-C stops everything.
""", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for idp in idps:
            idp.stop()


if __name__ == "__main__":
    main()
