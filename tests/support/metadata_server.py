#!/usr/bin/env python3
"""A metadata host for the tests: HTTPS (and plain HTTP) on 127.0.0.1, with its own test CA.

    metadata_server.py DIR

Makes a test CA and a server certificate for 127.0.0.1 and localhost with openssl (into DIR/tls), serves
the files of DIR over HTTPS and HTTP on free ports, and prints one JSON line when ready:
{"https_port": N, "http_port": N, "ca_file": "DIR/tls/ca.pem", "pid": N}. It runs until killed.

GET /NAME serves DIR/NAME with an ETag (SHA-256 of the bytes) and Last-Modified (its mtime), and answers
304 to a matching If-None-Match or If-Modified-Since. Paths for the refusals the tests need:
  /redirect/NAME        301 to /NAME (relative Location)
  /to-http/NAME         302 to http://127.0.0.1:HTTP_PORT/NAME (https -> http)
  /to-private           302 to https://10.1.2.3/metadata.xml (never connected to: refused before)
  /to-localhost/NAME    302 to https://localhost:HTTPS_PORT/NAME
  /loop                 302 to /loop
  /slow/NAME            waits 5 s, then serves NAME
  /big                  20 MiB with a Content-Length
  /big-unsized          20 MiB with no Content-Length (HTTP/1.0, the end is the connection's close)
  /status/CODE          that status, empty body
Every request is appended to DIR/requests.log ("METHOD PATH If-None-Match If-Modified-Since").
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve()
BIG = 20 << 20


def make_tls(tls: Path) -> None:
    tls.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, cwd=tls, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3",
        "-subj", "/CN=ssogate test metadata CA (tests only)", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (tls / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                 "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "server.pem", "-days", "3", "-extfile", "ext.cnf")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    https_port = 0
    http_port = 0

    def log_message(self, *args: object) -> None:  # quiet: the tests read requests.log instead
        pass

    def send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, status: int, location: str) -> None:
        self.send(status, b"", {"Location": location})

    def serve_file(self, name: str) -> None:
        path = (ROOT / name).resolve()
        if ROOT not in path.parents or not path.is_file():
            self.send(404)
            return
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        mtime = int(path.stat().st_mtime)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if inm == etag:
                self.send(304, b"", {"ETag": etag})
                return
        elif ims is not None:
            t = email.utils.parsedate_to_datetime(ims)
            if t is not None and mtime <= int(t.timestamp()):
                self.send(304, b"", {"ETag": etag})
                return
        self.send(200, body, {"Content-Type": "application/samlmetadata+xml", "ETag": etag,
                              "Last-Modified": last_modified})

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        with open(ROOT / "requests.log", "a") as log:
            log.write(f"GET {self.path} {self.headers.get('If-None-Match', '-')} "
                      f"{self.headers.get('If-Modified-Since', '-')}\n")
        path = self.path.split("?", 1)[0]
        parts = path.lstrip("/").split("/", 1)
        head, rest = parts[0], parts[1] if len(parts) > 1 else ""
        if head == "redirect":
            self.redirect(301, "/" + rest)
        elif head == "to-http":
            self.redirect(302, f"http://127.0.0.1:{self.http_port}/{rest}")
        elif head == "to-private":
            self.redirect(302, "https://10.1.2.3/metadata.xml")
        elif head == "to-localhost":
            self.redirect(302, f"https://localhost:{self.https_port}/{rest}")
        elif head == "loop":
            self.redirect(302, "/loop")
        elif head == "slow":
            time.sleep(5)
            self.serve_file(rest)
        elif head == "big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            self.stream_big()
        elif head == "big-unsized":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.stream_big()
        elif head == "status":
            self.send(int(rest or "500"))
        else:
            self.serve_file(path.lstrip("/"))

    def stream_big(self) -> None:
        chunk = b"<" + b"x" * 65535
        try:
            for _ in range(BIG // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client stopped reading at its cap: what the test wants


def listen() -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    make_tls(ROOT / "tls")
    https = listen()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ROOT / "tls" / "server.pem", ROOT / "tls" / "server.key")
    https.socket = context.wrap_socket(https.socket, server_side=True)
    plain = listen()
    Handler.https_port = https.server_address[1]
    Handler.http_port = plain.server_address[1]
    for server in (https, plain):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"https_port": Handler.https_port, "http_port": Handler.http_port,
                      "ca_file": str(ROOT / "tls" / "ca.pem"), "pid": os.getpid()}), flush=True)
    socket.setdefaulttimeout(30)
    threading.Event().wait()


if __name__ == "__main__":
    main()
