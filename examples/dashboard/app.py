"""A SaaS dashboard with enterprise SSO: an account's admin connects an IdP, its users log in through it.

A Flask application over ssogate's Gate, with its directory in the application's own SQLite file
(directory.py). Run it with ``python app.py --db dash.db --base-url http://localhost:5000`` (see
README.md), or ``scripts/dev.sh dashboard`` for it and two testing IdPs.

Pages:
    /login                       email first; SSO domains go to their IdP (home-realm discovery)
    /login/password              password login, where the account's mode allows it
    /sso/start                   begins an SP-initiated login (HTTP-Redirect or HTTP-POST)
    /sso/saml/<id>/acs           the ACS: the IdP's cross-site POST
    /sso/saml/<id>/metadata      the SP metadata for IdPs that import it
    /join                        "Join Acme Inc.?" after a Just-in-Time login
    /a/<account>/                the dashboard
    /a/<account>/settings/sso    Settings -> Single sign-on (owners and admins)
    /a/<account>/audit           the audit log, newest first, filterable
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import sqlite3
import threading
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.security import check_password_hash, generate_password_hash

import ssogate

from directory import SqliteDirectory

log = logging.getLogger("dashboard")

MAX_UPLOAD = 512 * 1024  # an IdP's metadata is a few KB; aggregates are not for this page
ADMIN_ROLES = ("owner", "admin")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AppTables:
    """The application's own tables: passwords (ssogate decides who may use one, never checks it) and
    the AuthnRequest binding chosen per connection."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS passwords (email TEXT PRIMARY KEY, hash TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS connection_prefs (id TEXT PRIMARY KEY, binding TEXT NOT NULL)")

    def set(self, email: str, password: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO passwords VALUES (?, ?)",
                             (ssogate.normalize_email(email), generate_password_hash(password)))

    def check(self, email: str, password: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT hash FROM passwords WHERE email = ?",
                                   (ssogate.normalize_email(email),)).fetchone()
        # Hash something either way, so the answer takes as long for an unknown email.
        return check_password_hash(row[0] if row else _DUMMY_HASH, password) and row is not None

    def binding(self, connection_id: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT binding FROM connection_prefs WHERE id = ?", (connection_id,)).fetchone()
        return row[0] if row else "redirect"

    def set_binding(self, connection_id: str, binding: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO connection_prefs VALUES (?, ?)", (connection_id, binding))


_DUMMY_HASH = generate_password_hash("not a password")


class Dashboard:
    """What the pages share: the gate, the directory it decides with, the password table."""

    def __init__(self, db_path: str, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.directory = SqliteDirectory(db_path)
        self.tables = AppTables(db_path)
        # Replay cache and pending SP-initiated logins: the library's own SQLite stores, next to the
        # application's database (every process of this machine shares them).
        state = f"sqlite:{db_path}-sso-state"
        self.gate = ssogate.Gate.with_stores(
            self.directory, ssogate.ReplayCache.open(state), ssogate.RequestStore.open(state))

    # ---- reads the pages need ----

    def account(self, account_id: str) -> Optional[ssogate.Account]:
        return self.directory.find_account(account_id)

    def connections(self, account_id: str) -> List[Tuple[ssogate.Connection, bool]]:
        return [(ssogate.Connection.from_json(r.json), r.enabled) for r in self.directory.list_connections(account_id)]

    def connection(self, connection_id: str) -> Optional[Tuple[str, ssogate.Connection, bool]]:
        r = self.directory.find_connection(connection_id)
        if r is None:
            return None
        return r.account_id, ssogate.Connection.from_json(r.json), r.enabled

    def sso_for(self, email: str) -> Optional[Tuple[ssogate.Account, ssogate.Connection]]:
        """Home-realm discovery: the account that verified the email's domain, and its enabled IdP."""
        domain = email.rpartition("@")[2]
        for account in self.directory.list_accounts():
            if domain and domain in account.verified_domains:
                for conn, enabled in self.connections(account.id):
                    if enabled and (not conn.allowed_domains or domain in conn.allowed_domains):
                        return account, conn
        return None

    def seed(self, account_id: str, name: str, domains: List[str], owner: str, password: str) -> None:
        """An account with an owner who logs in with a password (the state before SSO)."""
        self.gate.create_account(account_id, name, verified_domains=domains)
        self.gate.add_member(account_id, owner, role="owner", has_password=True)
        self.tables.set(owner, password)


# ---- helpers ----

def is_local(base_url: str) -> bool:
    host = urllib.parse.urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_return_to(value: Optional[str]) -> Optional[str]:
    """A path on this service, or None: never an absolute URL, a scheme-relative //host or a backslash
    trick (browsers read /\\evil.example as //evil.example). ssogate checks it again at begin_sp_login."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 for c in value) or urllib.parse.urlsplit(value).netloc:
        return None
    return value


def origin_of(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    u = urllib.parse.urlsplit(url)
    return f"{u.scheme}://{u.netloc}" if u.scheme in ("http", "https") and u.netloc else None


def script_hashes(page: str) -> List[str]:
    """The CSP hashes of a page's inline scripts (the library's auto-post form has one)."""
    return ["'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
            for s in re.findall(r"<script>(.*?)</script>", page, re.S)]


def shown_attributes(attributes: Optional[Dict[str, List[str]]], budget: int = 1500) -> Dict[str, List[str]]:
    """The attributes the home page shows, kept in the session cookie: as many as fit in ``budget``
    characters (a cookie holds about 4 KB; an IdP may send hundreds of groups)."""
    kept: Dict[str, List[str]] = {}
    for name, values in (attributes or {}).items():
        size = len(name) + sum(len(v) for v in values)
        if size > budget:
            break
        kept[name] = list(values)
        budget -= size
    return kept


def reference_of(seqs: List[int]) -> str:
    """The short reference a refused user gives the admin: the audit row's sequence number."""
    return f"R-{seqs[-1]}" if seqs else "R-" + secrets.token_hex(4)


def create_app(db_path: str, base_url: str, *, secret_key: Optional[str] = None) -> Flask:
    app = Flask(__name__)
    dash = Dashboard(db_path, base_url)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        SESSION_COOKIE_NAME="dash_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Browsers drop Secure cookies on http://; localhost is the one place the example runs without TLS.
        SESSION_COOKIE_SECURE=not is_local(base_url),
    )
    app.extensions["dashboard"] = dash
    own_origin = origin_of(dash.base_url)

    # ---- sessions, CSRF, headers ----

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    def sign_in(account_id: str, email: str, via: str, attributes: Optional[Dict[str, List[str]]] = None) -> None:
        session.clear()  # a new session at every login: no fixation
        session.update(account=account_id, email=email, via=via, attrs=shown_attributes(attributes),
                       csrf=secrets.token_urlsafe(32))

    @app.context_processor
    def template_globals() -> Dict[str, Any]:
        return {"csrf_token": csrf_token, "me": session.get("email"), "my_account": session.get("account")}

    @app.before_request
    def check_post() -> None:
        g.form_targets = []
        g.script_hashes = []
        if request.method in SAFE_METHODS:
            return
        if request.endpoint == "acs":
            return  # the IdP's cross-site POST; RelayState (one-time, server-side) protects it
        # A browser says where a POST comes from; another site's form is refused before anything else.
        origin = request.headers.get("Origin")
        if origin is not None and origin != own_origin:
            abort(403, "This form was posted from another site.")
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            abort(403, "This form was posted from another site.")
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(403, "The form's security token is missing or out of date: reload the page and try again.")

    @app.after_request
    def headers(resp: Any) -> Any:
        form_action = " ".join(["'self'"] + g.get("form_targets", []))
        scripts = " ".join(["'self'"] + g.get("script_hashes", []))
        resp.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self'; connect-src 'self'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if isinstance(e, RequestEntityTooLarge):
            message = f"The upload is larger than {MAX_UPLOAD // 1024} KB. An IdP's metadata.xml is a few KB."
        else:
            message = e.description or e.name
        return render_template("error.html", status=e.code, title=e.name, message=message), e.code

    def member_or_403(account_id: str, admin: bool = False) -> ssogate.Member:
        if session.get("account") != account_id or "email" not in session:
            if "email" not in session:
                abort(redirect(url_for("login", return_to=request.full_path.rstrip("?"))))
            abort(403, "You are signed in to another account.")
        m = dash.directory.find_member(account_id, session["email"])
        if m is None or m.status != "active":
            session.clear()
            abort(403, "You are not a member of this account.")
        if admin and m.role not in ADMIN_ROLES:
            abort(403, "Only the account's owners and admins can change its settings.")
        return m

    def allow_form_to(url: Optional[str]) -> None:
        o = origin_of(url)
        if o and o not in g.form_targets:
            g.form_targets.append(o)

    # ---- users: login ----

    @app.get("/")
    def index() -> Any:
        if "account" in session:
            return redirect(url_for("home", account_id=session["account"]))
        return redirect(url_for("login"))

    @app.get("/login")
    def login() -> Any:
        return render_template("login.html", return_to=safe_return_to(request.args.get("return_to")) or "")

    @app.post("/login")
    def login_email() -> Any:
        email = ssogate.normalize_email(request.form.get("email", "").strip())
        return_to = safe_return_to(request.form.get("return_to")) or ""
        if "@" not in email:
            return render_template("login.html", return_to=return_to, error="Enter your work email."), 400
        found = dash.sso_for(email)
        account, conn = found if found else (None, None)
        if conn is not None:
            allow_form_to(conn.idp.sso_url(dash.tables.binding(conn.id)) or conn.idp.sso_url("post"))
        return render_template("login_step.html", email=email, return_to=return_to, account=account, conn=conn)

    @app.post("/login/password")
    def login_password() -> Any:
        email = ssogate.normalize_email(request.form.get("email", "").strip())
        return_to = safe_return_to(request.form.get("return_to"))
        if not dash.tables.check(email, request.form.get("password", "")):
            return render_template("login_step.html", email=email, return_to=return_to or "", account=None,
                                   conn=None, error="Wrong email or password."), 401
        refusals = []
        for account_id in dash.directory.accounts_of(email):
            decision = dash.gate.decide_password_login(account_id, email)
            if decision.allowed:
                sign_in(account_id, email, "password")
                return redirect(return_to or url_for("home", account_id=account_id), 303)
            refusals.append((account_id, decision))
        conn = None
        if refusals and refusals[0][1].connection_id:
            found = dash.connection(refusals[0][1].connection_id)
            conn = found[1] if found else None
            if conn is not None:
                allow_form_to(conn.idp.sso_url(dash.tables.binding(conn.id)) or conn.idp.sso_url("post"))
        message = refusals[0][1].reason_text if refusals else "You are not a member of any account."
        return render_template("login_step.html", email=email, return_to=return_to or "", account=None, conn=conn,
                               error=message, reason=refusals[0][1].reason if refusals else "NOT_A_MEMBER"), 403

    @app.post("/sso/start")
    def sso_start() -> Any:
        conn_id = request.form.get("connection", "")
        if dash.connection(conn_id) is None:
            abort(404, "No such identity provider.")
        binding = dash.tables.binding(conn_id)
        try:
            req = dash.gate.begin_sp_login(conn_id, return_to=safe_return_to(request.form.get("return_to")),
                                           binding=binding)
        except ssogate.InvalidArgument as e:
            abort(400, e.message)
        if req.binding == "redirect":
            allow_form_to(req.redirect_url)  # a form's redirect is checked against form-action too
            return redirect(req.redirect_url, 303)
        # HTTP-POST: the library's auto-post form; its one inline script is allowed by its hash.
        page = req.post_form_html or ""
        allow_form_to(req.destination)
        g.script_hashes.extend(script_hashes(page))
        return page

    @app.post("/sso/saml/<connection_id>/acs")
    def acs(connection_id: str) -> Any:
        # Cross-site POST from the IdP: the SameSite=Lax session cookie does not come with it, and
        # nothing here needs it. gate.consume checks the response, the one-time RelayState (SP-initiated)
        # or the connection's allow_idp_initiated (IdP-initiated), replays, and the membership policy.
        dash.directory.forget_appended()
        out = dash.gate.consume(connection_id, request.form.get("SAMLResponse", ""), request.form.get("RelayState"))
        seqs = dash.directory.last_appended()  # the audit row this call wrote: the refusal's reference
        if out.accepted:
            attrs = out.login.attribute_dict() if out.login else {}
            sign_in(out.account_id, out.email, "sso", attrs)
            return redirect(safe_return_to(out.return_to) or url_for("home", account_id=out.account_id), 303)
        if out.kind == "PROMPT_JOIN":
            session.clear()
            acc = dash.account(out.account_id)
            attrs = out.login.attribute_dict() if out.login else {}
            session.update(join={"token": out.join_token, "account": out.account_id, "email": out.email,
                                 "name": acc.name if acc else out.account_id, "attrs": attrs},
                           csrf=secrets.token_urlsafe(32))
            return redirect(url_for("join"), 303)
        reference = reference_of(seqs)
        log.info("SSO refused (%s): %s: %s", reference, out.reason, out.reason_text)
        # The session is left alone: a refused (replayed, forged) response signs nobody out.
        return render_template("refused.html", message=out.user_message or "Single sign-on failed.",
                               reference=reference), 403

    @app.get("/sso/saml/<connection_id>/metadata")
    def sp_metadata(connection_id: str) -> Any:
        found = dash.connection(connection_id)
        if found is None:
            abort(404, "No such identity provider.")
        return found[1].sp_metadata(), 200, {"Content-Type": "application/samlmetadata+xml"}

    @app.get("/join")
    def join() -> Any:
        pending = session.get("join")
        if not pending:
            return redirect(url_for("login"))
        return render_template("join.html", pending=pending)

    @app.post("/join")
    def join_confirm() -> Any:
        pending = session.get("join")
        if not pending:
            return redirect(url_for("login"), 303)
        if request.form.get("answer") != "join":
            session.clear()
            return render_template("error.html", status=200, title="Not joined",
                                   message=f"You did not join {pending['name']}.")
        dash.directory.forget_appended()
        try:
            dash.gate.confirm_join(pending["token"])
        except (ssogate.StoreError, ssogate.InvalidArgument) as e:
            session.clear()
            return render_template("refused.html", message=f"You cannot join {pending['name']} now: {e.message}",
                                   reference=reference_of(dash.directory.last_appended())), 403
        sign_in(pending["account"], pending["email"], "sso", pending.get("attrs"))
        return redirect(url_for("home", account_id=pending["account"]), 303)

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"), 303)

    # ---- the dashboard ----

    @app.get("/a/<account_id>/")
    def home(account_id: str) -> Any:
        me = member_or_403(account_id)
        return render_template("home.html", account=dash.account(account_id), member=me,
                               attrs=session.get("attrs", {}), via=session.get("via"))

    # ---- admin: Settings -> Single sign-on ----

    @app.get("/a/<account_id>/settings/sso")
    def sso_settings(account_id: str) -> Any:
        me = member_or_403(account_id, admin=True)
        preview = dash.gate.preview_enforcement(account_id) if request.args.get("preview") else None
        now = dt.datetime.now(dt.timezone.utc)
        return render_template(
            "sso_settings.html", account=dash.account(account_id), member=me, connections=dash.connections(account_id),
            members=dash.directory.list_members(account_id), invites=dash.directory.list_invites(account_id, now),
            preview=preview, now=now, soon=now + dt.timedelta(days=30), notice=request.args.get("notice"))

    def connection_form(account_id: str) -> Dict[str, Any]:
        domains = [d for d in re.split(r"[\s,]+", request.form.get("allowed_domains", "").strip().lower()) if d]
        return {
            "description": request.form.get("description", "").strip() or None,
            "allow_idp_initiated": request.form.get("allow_idp_initiated") == "on",
            "jit_provisioning": request.form.get("provisioning") == "jit",
            "allowed_domains": domains,
        }

    @app.get("/a/<account_id>/settings/sso/new")
    def new_connection(account_id: str) -> Any:
        member_or_403(account_id, admin=True)
        return render_template("new_connection.html", account=dash.account(account_id), form={})

    @app.post("/a/<account_id>/settings/sso/new")
    def create_connection(account_id: str) -> Any:
        member_or_403(account_id, admin=True)
        upload = request.files.get("metadata")
        xml = upload.read() if upload and upload.filename else request.form.get("metadata_xml", "").encode("utf-8")
        settings = connection_form(account_id)
        try:
            if not xml.strip():
                raise ssogate.InvalidArgument(ssogate.Code.INVALID_ARGUMENT,
                                              "Upload the IdP's metadata.xml or paste its contents.")
            idp = ssogate.import_idp_metadata(xml, max_bytes=MAX_UPLOAD)
            conn = ssogate.Connection.create(idp, base_url=dash.base_url, **settings)
            dash.gate.add_connection(account_id, conn)
        except ssogate.Error as e:
            return render_template("new_connection.html", account=dash.account(account_id), form=request.form,
                                   error=f"{e.code_name}: {e.message}"), 400
        return redirect(url_for("connection_page", account_id=account_id, connection_id=conn.id, saved=1), 303)

    def own_connection(account_id: str, connection_id: str) -> Tuple[ssogate.Connection, bool]:
        found = dash.connection(connection_id)
        if found is None or found[0] != account_id:
            abort(404, "No such identity provider in this account.")
        return found[1], found[2]

    @app.get("/a/<account_id>/settings/sso/<connection_id>")
    def connection_page(account_id: str, connection_id: str) -> Any:
        member_or_403(account_id, admin=True)
        conn, enabled = own_connection(account_id, connection_id)
        now = dt.datetime.now(dt.timezone.utc)
        return render_template("connection.html", account=dash.account(account_id), conn=conn, enabled=enabled,
                               binding=dash.tables.binding(connection_id), now=now,
                               soon=now + dt.timedelta(days=30), saved=request.args.get("saved"))

    @app.post("/a/<account_id>/settings/sso/<connection_id>")
    def update_connection(account_id: str, connection_id: str) -> Any:
        member_or_403(account_id, admin=True)
        conn, _ = own_connection(account_id, connection_id)
        try:
            dash.gate.update_connection(account_id, conn, enabled=request.form.get("enabled") == "on",
                                        **connection_form(account_id))
        except ssogate.Error as e:
            abort(400, e.message)
        binding = request.form.get("binding", "redirect")
        dash.tables.set_binding(connection_id, binding if binding in ("redirect", "post") else "redirect")
        return redirect(url_for("connection_page", account_id=account_id, connection_id=connection_id, saved=1), 303)

    @app.post("/a/<account_id>/settings/sso/mode")
    def set_mode(account_id: str) -> Any:
        member_or_403(account_id, admin=True)
        mode = request.form.get("mode", "")
        if mode not in ("mixed", "enforced"):
            abort(400, "The mode is Mixed or SSO Enforced.")
        result = dash.gate.apply_sso_mode(account_id, mode, force=request.form.get("force") == "on")
        notice = (f"Mode is now {'SSO Enforced' if result.mode == 'enforced' else 'Mixed'}." if result.applied
                  else f"Not switched: {result.detail}")
        return redirect(url_for("sso_settings", account_id=account_id, notice=notice, preview=1), 303)

    @app.post("/a/<account_id>/members")
    def add_member(account_id: str) -> Any:
        member_or_403(account_id, admin=True)
        email = request.form.get("email", "").strip()
        role = request.form.get("role", "member")
        action = request.form.get("action", "add")
        try:
            if action == "invite":
                inv = dash.gate.invite(account_id, email, role=role)
                notice = f"Invited {inv.email} as {role} until {inv.expires_at:%Y-%m-%d}."
            elif action == "break_glass":
                dash.gate.add_break_glass(account_id, email)
                notice = f"{email} keeps password login when SSO is enforced."
            else:
                password = request.form.get("password", "")
                dash.gate.add_member(account_id, email, role=role, has_password=bool(password))
                if password:
                    dash.tables.set(email, password)
                notice = f"Added {email} as {role}."
        except ssogate.Error as e:
            notice = f"Not done: {e.message}"
        return redirect(url_for("sso_settings", account_id=account_id, notice=notice) + "#members", 303)

    @app.get("/a/<account_id>/audit")
    def audit(account_id: str) -> Any:
        member_or_403(account_id, admin=True)
        f = {k: request.args.get(k, "").strip() for k in ("email", "outcome", "reason", "ref")}
        kwargs: Dict[str, Any] = {"newest_first": True, "limit": 200}
        if f["email"]:
            kwargs["email"] = f["email"]
        if f["outcome"]:
            kwargs["outcome"] = f["outcome"].upper()
        if f["reason"]:
            kwargs["reason"] = f["reason"].upper()
        m = re.fullmatch(r"R-(\d+)", f["ref"].upper())
        if m:
            seq = int(m.group(1))
            kwargs.update(after_seq=seq - 1, before_seq=seq + 1)
        rows = dash.gate.read_audit(account_id, **kwargs)
        return render_template("audit.html", account=dash.account(account_id), rows=rows, f=f)

    app.jinja_env.filters["when"] = lambda t: "never" if t is None else t.strftime("%Y-%m-%d %H:%M:%S UTC")
    return app


def main() -> None:
    p = argparse.ArgumentParser(description="Serve the dashboard example.")
    p.add_argument("--db", default="dashboard.db", help="the SQLite file (created if missing)")
    p.add_argument("--base-url", default="http://localhost:5000")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--seed", action="store_true", help="create the accounts acme and globex if missing")
    args = p.parse_args()
    app = create_app(args.db, args.base_url, secret_key=os.environ.get("DASHBOARD_SECRET_KEY"))
    if args.seed:
        seed_demo(app)
    app.run(host=args.host, port=args.port, threaded=True)


def seed_demo(app: Flask) -> None:
    """Two tenants, each with an owner who logs in with a password."""
    dash: Dashboard = app.extensions["dashboard"]
    if dash.account("acme") is None:
        dash.seed("acme", "Acme Inc.", ["acme.example"], "owner@acme.example", "acme-owner-password")
    if dash.account("globex") is None:
        dash.seed("globex", "Globex Corp.", ["globex.example"], "owner@globex.example", "globex-owner-password")


if __name__ == "__main__":
    main()
