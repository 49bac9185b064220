"""The testing IdP served over HTTP, for logging in to your application in a browser.

::

    from ssogate.testing_web import WebIdp

    idp = WebIdp("Acme Okta", users=[{"email": "alice@acme.example", "attributes": {"firstName": "Alice"}}])
    idp.start()                      # http://127.0.0.1:<free port>/, in a background thread
    print(idp.metadata_url)          # what your admin page imports
    idp.set_app(acs_url, sp_entity_id)   # or on its /admin page, as an Okta admin pastes them
    ...
    idp.stop()

Pages, as a real IdP has them: ``/metadata`` (its metadata), ``/admin`` (the app's "Single sign on
URL" and "Audience URI (SP Entity ID)"), ``/sso`` (takes an AuthnRequest by HTTP-Redirect or
HTTP-POST and shows a page to pick the user and attributes, then posts the signed response to the
ACS), and ``/`` (the user's app tiles: IdP-initiated login). Two instances play two tenants' IdPs.

Run one from a shell: ``python -m ssogate.testing_web --name "Acme Okta" --port 8001 --user alice@acme.example``.

It signs with a throwaway key and serves plain HTTP on 127.0.0.1: for tests and demos only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._connection import Connection
from ._errors import Error
from ._idp import import_idp_metadata
from .testing import TestIdp

__all__ = ["WebIdp"]

_MAX_FORM = 256 * 1024  # an AuthnRequest form is a few KB

# The auto-post page's one script, allowed by its hash in the page's Content-Security-Policy.
_SUBMIT_SCRIPT = "document.forms[0].submit();"
_SUBMIT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SUBMIT_SCRIPT.encode()).digest()).decode()

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "header{background:#1a3d7c;color:#fff;padding:.6rem 1rem;border-radius:6px;margin-bottom:1rem}"
    "fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}"
    "input[type=text],input[type=email],input[type=url],textarea{width:100%;box-sizing:border-box;padding:.3rem}"
    ".tile{display:inline-block;border:1px solid #bbb;border-radius:8px;padding:1rem;margin:.5rem;width:16rem}"
    "button{padding:.4rem .9rem;margin:.2rem 0}.error{background:#fde;padding:.6rem;border-radius:6px}"
    "code{background:#eee;padding:0 .2rem}"
)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


class _User:
    __slots__ = ("email", "attributes")

    def __init__(self, email: str, attributes: Mapping[str, Any]) -> None:
        self.email = email
        self.attributes = {str(k): (v if isinstance(v, str) else list(v)) for k, v in attributes.items()}


def _parse_attributes(text: str) -> Dict[str, List[str]]:
    """``name=value`` lines; a name given twice has two values."""
    out: Dict[str, List[str]] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out.setdefault(name.strip(), []).append(value.strip())
    return out


class WebIdp:
    """A testing IdP with web pages, on ``http://127.0.0.1:<port>``.

    ``users``: ``[{"email": ..., "attributes": {name: value or [values]}}]``, offered on the pick
    page and the app tile (any other email can be typed in). ``port=0`` takes a free port.
    ``key_pem``/``certificate_pem`` keep the signing key across runs (see ``TestIdp.from_pem``).
    """

    def __init__(
        self,
        name: str = "Testing IdP",
        *,
        users: Sequence[Mapping[str, Any]] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        key_pem: Optional[str] = None,
        certificate_pem: Optional[str] = None,
    ) -> None:
        self.name = name
        self.users = [_User(u["email"], u.get("attributes", {})) for u in users]
        self._lock = threading.Lock()
        self._app: Optional[Connection] = None
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        entity_id, sso_url = f"{self.url}/saml", f"{self.url}/sso"
        if key_pem is not None and certificate_pem is not None:
            self.idp = TestIdp.from_pem(key_pem, certificate_pem, entity_id, sso_url=sso_url)
        else:
            self.idp = TestIdp(entity_id, sso_url=sso_url)
        self._thread: Optional[threading.Thread] = None
        #: Every response this IdP posted, newest last: (email, base64 SAMLResponse, RelayState), for tests.
        self.sent: List[Tuple[str, str, str]] = []

    # ---- running ----

    def start(self) -> "WebIdp":
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"WebIdp {self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "WebIdp":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what the IdP admin configures ----

    @property
    def entity_id(self) -> str:
        return self.idp.entity_id

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/metadata"

    @property
    def metadata_xml(self) -> str:
        return self.idp.metadata_xml

    @property
    def app(self) -> Optional[Connection]:
        return self._app

    def set_app(self, acs_url: str, sp_entity_id: str) -> None:
        """The SP's ACS URL and entity ID, as the SP's admin page shows them (InvalidArgument if malformed)."""
        meta = import_idp_metadata(self.idp.metadata_xml)
        conn = Connection.create(meta, acs_url=acs_url.strip(), sp_entity_id=sp_entity_id.strip(), id="app")
        with self._lock:
            self._app = conn

    def __repr__(self) -> str:
        return f"WebIdp({self.name!r}, {self.url!r})"

    # ---- pages ----

    def _page(self, title: str, body: str) -> str:
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>{_e(title)} - {_e(self.name)}</title><style>{_STYLE}</style></head>"
            f"<body><header><strong>{_e(self.name)}</strong> (testing IdP)</header><h1>{_e(title)}</h1>{body}"
            "</body></html>"
        )

    def _user_fields(self) -> str:
        options = "".join(
            f"<label><input type=radio name=pick value='{i}'{' checked' if i == 0 else ''}> {_e(u.email)}"
            f" <small>{_e(', '.join(f'{k}={v}' for k, v in u.attributes.items()))}</small></label><br>"
            for i, u in enumerate(self.users)
        )
        return (
            f"<fieldset><legend>User</legend>{options}"
            f"<label><input type=radio name=pick value=other{'' if self.users else ' checked'}> another user:</label>"
            "<input type=email name=email id=email placeholder='someone@example.com'>"
            "<label>Attributes (one <code>name=value</code> a line)"
            "<textarea name=attributes id=attributes rows=3></textarea></label></fieldset>"
        )

    def _chosen_user(self, form: Mapping[str, str]) -> Tuple[str, Dict[str, Any]]:
        pick = form.get("pick", "other")
        if pick != "other" and pick.isdigit() and int(pick) < len(self.users):
            u = self.users[int(pick)]
            return u.email, dict(u.attributes)
        return form.get("email", "").strip(), dict(_parse_attributes(form.get("attributes", "")))

    def home_page(self) -> str:
        app = self._app
        if app is None:
            tiles = "<p>No app yet: an admin adds one on <a href=/admin>the admin page</a>.</p>"
        else:
            tiles = (
                f"<div class=tile><h2>Dashboard</h2><p><small>{_e(app.acs_url)}</small></p>"
                f"<form method=post action=/tile>{self._user_fields()}"
                "<button type=submit id=open-app>Open app</button></form></div>"
            )
        return self._page("My apps", tiles + "<p><a href=/metadata>IdP metadata</a> · <a href=/admin>Admin</a></p>")

    def admin_page(self, message: str = "") -> str:
        app = self._app
        acs = "" if app is None else app.acs_url
        aud = "" if app is None else app.sp_entity_id
        return self._page(
            "SAML settings",
            (f"<p class=error>{_e(message)}</p>" if message else "")
            + "<form method=post action=/admin>"
            f"<label>Single sign on URL <input type=url name=acs_url id=acs_url value='{_e(acs)}'></label>"
            f"<label>Audience URI (SP Entity ID) <input type=text name=sp_entity_id id=sp_entity_id value='{_e(aud)}'>"
            "</label><p>Name ID format: EmailAddress</p><button type=submit id=save>Save</button></form>"
            f"<p>Entity ID <code>{_e(self.entity_id)}</code>, metadata at <a href=/metadata>{_e(self.metadata_url)}</a></p>",
        )

    def pick_page(self, request_text: str, binding: str, relay_state: str) -> str:
        return self._page(
            "Sign in",
            f"<p>An app asks you to sign in ({_e(binding)} binding).</p><form method=post action=/sso/answer>"
            f"<input type=hidden name=request value='{_e(request_text)}'>"
            f"<input type=hidden name=binding value='{_e(binding)}'>"
            f"<input type=hidden name=relay_state value='{_e(relay_state)}'>"
            f"{self._user_fields()}<button type=submit id=sign-in>Sign in</button></form>",
        )

    def post_page(self, acs_url: str, saml_response: str, relay_state: str) -> str:
        relay = f"<input type=hidden name=RelayState value='{_e(relay_state)}'>" if relay_state else ""
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Signing in</title></head><body>"
            f"<form method=post action='{_e(acs_url)}'><input type=hidden name=SAMLResponse value='{_e(saml_response)}'>"
            f"{relay}<noscript><button type=submit>Continue</button></noscript></form>"
            f"<script>{_SUBMIT_SCRIPT}</script></body></html>"
        )

    def error_page(self, message: str) -> str:
        return self._page("Cannot sign in", f"<p class=error id=idp-error>{_e(message)}</p>")

    def respond(self, email: str, attributes: Mapping[str, Any], request_text: Optional[str],
                relay_state: str = "") -> Tuple[str, str]:
        """The signed response for ``email`` (answering ``request_text``, or unsolicited): (base64,
        RelayState). ``relay_state``: what came with an HTTP-POST AuthnRequest (a Redirect URL carries its own)."""
        app = self._app
        if app is None:
            raise ValueError("this IdP has no app yet: set its ACS URL and SP entity ID on /admin")
        attrs = dict(attributes)
        if request_text is None:
            r = self.idp.response(app, nameid=email, attributes=attrs)
        else:
            r = self.idp.answer(app, request_text, nameid=email, attributes=attrs)
        relay = r.relay_state or relay_state
        with self._lock:
            self.sent.append((email, r.base64, relay))
        return r.base64, relay


def _handler_for(web: WebIdp) -> type:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ssogate-testing-idp"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: tests and the dashboard command print what matters

        def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8",
                  csp: str = "default-src 'none'; style-src 'unsafe-inline'; form-action *") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, where: str) -> None:
            self.send_response(303)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _form(self) -> Optional[Dict[str, str]]:
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_FORM:
                self._send(413, web.error_page("The form is too large."))
                return None
            raw = self.rfile.read(length).decode("utf-8", "replace")
            return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path, _, query = self.path.partition("?")
            if path == "/":
                self._send(200, web.home_page())
            elif path == "/metadata":
                self._send(200, web.metadata_xml, "application/samlmetadata+xml")
            elif path == "/admin":
                self._send(200, web.admin_page())
            elif path == "/sso":
                params = urllib.parse.parse_qs(query)
                if "SAMLRequest" not in params:
                    self._send(400, web.error_page("No SAMLRequest in the URL."))
                    return
                # The whole URL goes to TestIdp.answer, which reads (and checks) the request from it.
                self._send(200, web.pick_page(f"{web.url}/sso?{query}", "redirect",
                                              params.get("RelayState", [""])[0]))
            else:
                self._send(404, web.error_page("No such page."))

        def do_POST(self) -> None:  # noqa: N802
            form = self._form()
            if form is None:
                return
            path = self.path.partition("?")[0]
            try:
                if path == "/admin":
                    try:
                        web.set_app(form.get("acs_url", ""), form.get("sp_entity_id", ""))
                    except Error as e:
                        self._send(400, web.admin_page(e.message))
                        return
                    self._redirect("/admin")
                elif path == "/sso":
                    if "SAMLRequest" not in form:
                        self._send(400, web.error_page("No SAMLRequest in the form."))
                        return
                    self._send(200, web.pick_page(form["SAMLRequest"], "post", form.get("RelayState", "")))
                elif path == "/sso/answer":
                    email, attrs = web._chosen_user(form)
                    request_text = form.get("request", "")
                    relay_in = form.get("relay_state", "") if form.get("binding") == "post" else ""
                    saml, relay = web.respond(email, attrs, request_text, relay_in)
                    self._auto_post(saml, relay)
                elif path == "/tile":
                    email, attrs = web._chosen_user(form)
                    saml, _ = web.respond(email, attrs, None)
                    self._auto_post(saml, "")
                else:
                    self._send(404, web.error_page("No such page."))
            except (Error, ValueError) as e:
                self._send(400, web.error_page(getattr(e, "message", None) or str(e)))

        def _auto_post(self, saml: str, relay: str) -> None:
            app = web.app
            assert app is not None
            self._send(200, web.post_page(app.acs_url, saml, relay),
                       csp=f"default-src 'none'; script-src '{_SUBMIT_HASH}'; form-action {_origin(app.acs_url)}")

    return Handler


def _origin(url: str) -> str:
    u = urllib.parse.urlsplit(url)
    return f"{u.scheme}://{u.netloc}"


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description="Serve the testing IdP on 127.0.0.1 until interrupted.")
    p.add_argument("--name", default="Testing IdP")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--user", action="append", default=[], help="an email offered on the pick page (repeatable)")
    p.add_argument("--acs-url")
    p.add_argument("--sp-entity-id")
    args = p.parse_args(argv)
    web = WebIdp(args.name, users=[{"email": u} for u in args.user], port=args.port)
    if args.acs_url and args.sp_entity_id:
        web.set_app(args.acs_url, args.sp_entity_id)
    print(f"{web.name}: {web.url}/ (metadata {web.metadata_url})", flush=True)
    web.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        web.stop()


if __name__ == "__main__":
    main()
