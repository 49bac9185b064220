#!/usr/bin/env python3
"""A private PostgreSQL server for one test run, from Debian's binaries (/usr/lib/postgresql/15/bin).

    python3 tests/support/pg_server.py

initdb into a new directory under /tmp (run as the unprivileged "postgres" user when started as root, as
PostgreSQL requires; the directory is removed when the server stops), the server on a free 127.0.0.1 port with no Unix socket and password (SCRAM) authentication,
then one JSON line on stdout: {"url": ..., "port": ..., "pid": ..., "user": ..., "password": ...}. The
server stops (fast shutdown, by its pid) when stdin closes or this script gets SIGTERM or SIGINT; it is
killed with this script (PR_SET_PDEATHSIG), so a test that dies leaves nothing running. The password is a
test value, not a secret.
"""
from __future__ import annotations

import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
USER = "ssogate"
PASSWORD = "test-password-not-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres() -> dict:
    """Keyword arguments for subprocess: drop to the postgres user when root; die with this script."""
    drop = os.geteuid() == 0
    pw = pwd.getpwnam("postgres") if drop else None

    def before_exec() -> None:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if pw is not None:
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)

    return {"preexec_fn": before_exec, "stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL}


def main() -> None:
    # Not under the caller's temporary directory: the postgres user could not traverse a root-only parent.
    root = Path(tempfile.mkdtemp(prefix="ssogate-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chmod(root, 0o755)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    subprocess.run([str(BIN / "initdb"), "-D", str(root / "data"), "-U", USER, f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256", "--auth-local=reject", "-N", "-E", "UTF8", "--locale=C"],
                   check=True, **as_postgres())
    port = free_port()
    server = subprocess.Popen([str(BIN / "postgres"), "-D", str(root / "data"), "-p", str(port), "-c",
                               "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c",
                               "max_connections=60"], **as_postgres())
    deadline = time.monotonic() + 30
    while subprocess.run([str(BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode != 0:
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit("postgres did not start")
        time.sleep(0.05)

    def stop(*_: object) -> None:
        # Only a signal here: the main thread is inside server.wait(), which holds Popen's wait lock.
        if server.poll() is None:
            server.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"url": f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres", "port": port,
                      "pid": server.pid, "user": USER, "password": PASSWORD}), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    server.wait()  # a fast shutdown: what is committed is on disk
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
