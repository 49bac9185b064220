"""Shared pieces of the dashboard's tests: the app on a real socket, the testing IdPs, a page server
for cross-site forms."""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise in a failure report

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
REPO = EXAMPLE.parent.parent
sys.path.insert(0, str(EXAMPLE))

import app as dashboard  # noqa: E402 - the example is not a package

OKTA_METADATA = REPO / "tests" / "vectors" / "interop" / "metadata" / "okta-1.xml"


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


class LiveDashboard:
    """The example served by werkzeug on 127.0.0.1, addressed as http://localhost:<port> (so that the
    testing IdPs on 127.0.0.1 are another site, as a real IdP is)."""

    def __init__(self, db_path: str) -> None:
        self._app: Any = None
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.port = self.server.server_port
        self.base_url = f"http://localhost:{self.port}"
        self.app = dashboard.create_app(db_path, self.base_url)
        dashboard.seed_demo(self.app)
        self.dash: dashboard.Dashboard = self.app.extensions["dashboard"]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _wsgi(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


class PageServer:
    """Serves one page, set by the test, from http://127.0.0.1:<port>/ (another site than the app)."""

    def __init__(self) -> None:
        outer = self
        self.html = "<!doctype html><title>empty</title>"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                data = outer.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def live(tmp_path: Path) -> Iterator[LiveDashboard]:
    d = LiveDashboard(str(tmp_path / "dashboard.db"))
    yield d
    d.stop()


@pytest.fixture()
def app(tmp_path: Path) -> Any:
    a = dashboard.create_app(str(tmp_path / "dashboard.db"), "http://localhost:5000")
    dashboard.seed_demo(a)
    return a


def screenshots_dir(default: Path) -> Path:
    out = Path(os.environ.get("DASHBOARD_TEST_OUTPUT") or default)
    out.mkdir(parents=True, exist_ok=True)
    return out
