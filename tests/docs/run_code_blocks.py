#!/usr/bin/env python3
"""Runs every fenced code block of README.md and docs/getting-started.md, so no example in them can
stop working (or refuse every login) unnoticed.

    run_code_blocks.py --build-dir BUILD [FILE.md ...]

Run it with a Python that has the ssogate package installed (scripts/dev.sh uses its .venv). BUILD is
a CMake build directory with the ssogate command, libssogate and, for the Go block, the stage that
scripts/go-test.sh installs (BUILD/stage).

How each language runs:

* python: the blocks of one file run in order in one namespace, as a reader would paste them. Each
  block runs as the body of a function whose top-level names are global, so the ``return`` of a
  request-handler fragment ends the block. The host application the examples assume (the upload
  ``uploaded_bytes``, ``form``, ``request``, ``session``, ``redirect``, ``render``, ...) is a
  stand-in defined here; the IdP is ssogate's testing IdP, whose metadata is ``metadata.xml`` in the
  working directory, and ``form["SAMLResponse"]`` is what it posts for the namespace's ``conn``: an
  answer to ``req`` (with its RelayState) when a login was begun, else a login started at the IdP
  (IdP-initiated). A handler registered with ``@app.post`` is called as the IdP's post would call it:
  for a member, then (with Just-in-Time provisioning on) for a newcomer. Any ``DENIED`` outcome of
  ``Gate.consume`` fails the block: the examples show logins that work.
* sh: bash -e in the same working directory, with the ssogate command on PATH.
* c: the block is the body of ``main``, with ``xml``/``xml_len`` holding metadata.xml; compiled
  against the build's library and run.
* go: the block is the body of a function returning ``error``, with ``xmlBytes`` holding
  metadata.xml; built with the binding in bindings/go against BUILD/stage (GOPROXY=off).

Paths under /var/lib/app/ go to the working directory, and the Redis of the "several nodes" example
(redis://10.0.0.5:6379) to a redis-server this script starts on 127.0.0.1: tests talk to nothing
else.

A block that is not meant to run is marked on the line before its fence, with the reason:
``<!-- doc-test: skip: the set-up commands themselves -->``. Every unmarked block must run; the
script exits 1 naming each block that failed, 0 when all ran.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILES = ["README.md", "docs/getting-started.md"]
SKIP = re.compile(r"^<!--\s*doc-test:\s*skip:\s*(\S.*?)\s*-->$")
FENCE = re.compile(r"^```(\w*)\s*$")
MEMBER = "olivia@acme.com"  # the examples' owner
NEWCOMER = "nina@acme.com"  # someone from a verified domain who is not a member yet


@dataclass
class Block:
    path: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: Optional[str]

    def where(self) -> str:
        return f"{self.path}:{self.line} ({self.lang or 'no language'})"


def blocks_of(path: Path) -> List[Block]:
    out: List[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        if j == len(lines):
            raise SystemExit(f"{rel}:{start + 1}: code block never closed")
        skip = None
        if start > 0:
            s = SKIP.match(lines[start - 1].strip())
            if s:
                skip = s.group(1)
        out.append(Block(rel, start + 1, m.group(1), "\n".join(lines[i + 1 : j]) + "\n", skip))
        i = j + 1
    return out


# ---- the host application the Python examples assume ----


class Redirect(str):
    """What a handler returns to redirect."""


class App:
    def __init__(self) -> None:
        self.routes: List[Callable[..., Any]] = []

    def post(self, _rule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.routes.append(fn)
            return fn

        return register


class Browser:
    """The form the IdP posts: a fresh response from the testing IdP for the namespace's conn."""

    def __init__(self, ns: Dict[str, Any], idp: Any) -> None:
        self.ns = ns
        self.idp = idp
        self.email = MEMBER
        self._cached: Optional[Dict[str, str]] = None

    def _post(self) -> Dict[str, str]:
        import ssogate

        conn = self.ns.get("conn")
        if not isinstance(conn, ssogate.Connection):
            raise AssertionError("form used before a connection named conn exists")
        req = self.ns.get("req")
        form = {}
        if isinstance(req, ssogate.SpLoginRequest) and not self.ns.get("_req_used"):
            form["SAMLResponse"] = self.idp.response(conn, nameid=self.email, in_response_to=req.request_id).base64
            form["RelayState"] = req.relay_state
            self.ns["_req_used"] = True
        else:
            form["SAMLResponse"] = self.idp.response(conn, nameid=self.email).base64  # IdP-initiated
        return form

    def fresh(self) -> None:
        self._cached = None

    def _get(self) -> Dict[str, str]:
        if self._cached is None:
            self._cached = self._post()
        return self._cached

    def __getitem__(self, key: str) -> str:
        return self._get()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._get().get(key, default)


class Request:
    def __init__(self, form: Browser) -> None:
        self.form = form


class Db(dict):  # type: ignore[type-arg]
    def save(self, key: str, value: str) -> None:
        self[key] = value


def host_namespace(workdir: Path) -> Dict[str, Any]:
    import logging

    from ssogate.testing import TestIdp

    idp = TestIdp(entity_id="http://www.okta.com/exk-doc-test", sso_url="https://acme.okta.com/app/doc/sso/saml")
    (workdir / "metadata.xml").write_text(idp.metadata_xml, encoding="utf-8")
    ns: Dict[str, Any] = {"__name__": "__doc__"}
    form = Browser(ns, idp)
    shown: List[Any] = []
    ns.update(
        _test_idp=idp,
        _shown=shown,
        form=form,
        request=Request(form),
        uploaded_bytes=idp.metadata_xml.encode(),
        show_error=lambda *a: shown.append(("error",) + a),
        show_warning=lambda *a: shown.append(("warning",) + a),
        show=lambda *a: shown.append(("show",) + a),
        db=Db(),
        app=App(),
        session={},
        log=logging.getLogger("doc-test"),
        start_session=lambda *a: shown.append(("session",) + a),
        redirect=lambda url, code=302: Redirect(url),
        render=lambda template, **kw: f"<{template} {kw}>",
        url_for=lambda name, **kw: f"/{name}/" + "/".join(str(v) for v in kw.values()),
        send_mail=lambda to, body: shown.append(("mail", to, body)),
        email=MEMBER,
    )
    return ns


def as_function(code: str, filename: str) -> ast.Module:
    """The block as ``def _block(): <code>`` with its top-level names global, then a call."""
    tree = ast.parse(code, filename)
    names = set()
    for node in tree.body:
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub in tree.body:
                names.add(sub.name)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, ast.alias):
                names.add((sub.asname or sub.name).split(".")[0])
    body: List[ast.stmt] = []
    if names:
        body.append(ast.Global(names=sorted(names)))
    body.extend(tree.body or [ast.Pass()])
    fn = ast.FunctionDef(
        name="_block", args=ast.arguments([], [], None, [], [], None, []), body=body, decorator_list=[], returns=None
    )
    call = ast.Expr(ast.Call(ast.Name("_block", ast.Load()), [], []))
    module = ast.Module(body=[fn, call], type_ignores=[])
    return ast.fix_missing_locations(module)


class Denied(AssertionError):
    pass


def watch_gates(ns: Dict[str, Any]) -> Callable[[], None]:
    """Fails on any DENIED outcome of Gate.consume while the examples run; returns the undo."""
    import ssogate

    original = ssogate.Gate.consume

    def consume(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(self, *args, **kwargs)
        if out.kind == "DENIED":
            raise Denied(f"Gate.consume refused the login: {out.reason}: {out.reason_text}")
        return out

    ssogate.Gate.consume = consume  # type: ignore[method-assign]

    def undo() -> None:
        ssogate.Gate.consume = original  # type: ignore[method-assign]

    return undo


def call_routes(ns: Dict[str, Any], before: int) -> None:
    """Posts to each handler the block registered: a member's login, then a newcomer's (JiT)."""
    app: App = ns["app"]
    form: Browser = ns["form"]
    for route in app.routes[before:]:
        conn = ns["conn"]
        for email in [MEMBER] + ([NEWCOMER] if conn.jit_provisioning else []):
            form.email = email
            form.fresh()
            result = route(conn.id)
            if isinstance(result, tuple):
                raise AssertionError(f"the handler answered {result!r} for {email}")
        form.email = MEMBER
        form.fresh()


def run_python(blocks: List[Block], workdir: Path, redis_url: Optional[str]) -> List[str]:
    failures: List[str] = []
    ns = host_namespace(workdir)
    undo = watch_gates(ns)
    try:
        for b in blocks:
            code = localise(b.code, workdir, redis_url)
            before = len(ns["app"].routes)
            ns["form"].fresh()
            try:
                exec(compile(as_function(code, b.where()), b.where(), "exec"), ns)
                call_routes(ns, before)
            except Exception:  # noqa: BLE001 - every failure is reported with its block
                failures.append(f"{b.where()}:\n{textwrap.indent(traceback.format_exc(limit=4), '    ')}")
            else:
                print(f"ok   {b.where()}")
        gate = ns.get("gate")
        if gate is not None and hasattr(gate, "close"):
            gate.close()
    finally:
        undo()
    return failures


def localise(code: str, workdir: Path, redis_url: Optional[str]) -> str:
    code = code.replace("/var/lib/app/", f"{workdir}/")
    if redis_url:
        code = re.sub(r"redis://10\.0\.0\.5:6379", redis_url, code)
    return code


def run_sh(b: Block, workdir: Path, build: Path) -> Optional[str]:
    env = dict(os.environ, PATH=f"{build / 'cli'}:{os.environ.get('PATH', '')}")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", b.code], cwd=workdir, env=env, capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0:
        return f"{b.where()}: exit {r.returncode}\n{textwrap.indent(r.stdout + r.stderr, '    ')}"
    return None


C_PROGRAM = """#include <ssogate/ssogate.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    FILE *f = fopen("metadata.xml", "rb");
    if (!f) return 2;
    static char xml[1 << 20];
    size_t xml_len = fread(xml, 1, sizeof xml, f);
    fclose(f);
%s
    return 0;
}
"""


def run_c(b: Block, workdir: Path, build: Path) -> Optional[str]:
    src = workdir / "block.c"
    src.write_text(C_PROGRAM % textwrap.indent(b.code, "    "), encoding="utf-8")
    exe = workdir / "block"
    lib = build / "capi"
    cc = subprocess.run(
        ["cc", "-std=c11", "-Wall", "-Werror", "-Wno-unused-variable", f"-I{ROOT / 'capi/include'}", str(src),
         "-o", str(exe), f"-L{lib}", "-lssogate", f"-Wl,-rpath,{lib}"],
        capture_output=True, text=True,
    )
    if cc.returncode != 0:
        return f"{b.where()}: does not compile\n{textwrap.indent(cc.stderr, '    ')}"
    r = subprocess.run([str(exe)], cwd=workdir, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "ACS URL: https://" not in r.stdout:
        return f"{b.where()}: exit {r.returncode}\n{textwrap.indent(r.stdout + r.stderr, '    ')}"
    return None


GO_PROGRAM = """package main

import (
\t"fmt"
\t"os"

\t"ssogate.dev/ssogate"
)

func run(xmlBytes []byte) error {
%s
\treturn nil
}

func main() {
\txmlBytes, err := os.ReadFile("metadata.xml")
\tif err == nil {
\t\terr = run(xmlBytes)
\t}
\tif err != nil {
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}
}
"""


def run_go(b: Block, workdir: Path, build: Path) -> Optional[str]:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    pcs = list((build / "stage").glob("**/pkgconfig/ssogate.pc"))
    if go is None or not pcs:
        return (f"{b.where()}: needs the go command and {build}/stage (scripts/go-test.sh installs it): run "
                "scripts/dev.sh go first")
    mod = workdir / "gomod"
    mod.mkdir(exist_ok=True)
    (mod / "go.mod").write_text(
        "module doctest\n\ngo 1.21\n\nrequire ssogate.dev/ssogate v0.0.0\n\n"
        f"replace ssogate.dev/ssogate => {ROOT / 'bindings/go'}\n",
        encoding="utf-8",
    )
    (mod / "main.go").write_text(GO_PROGRAM % textwrap.indent(b.code, "\t"), encoding="utf-8")
    shutil.copy(workdir / "metadata.xml", mod / "metadata.xml")
    pcdir = pcs[0].parent
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcdir), LD_LIBRARY_PATH=str(pcdir.parent), CGO_ENABLED="1",
               GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off")
    r = subprocess.run([go, "run", "."], cwd=mod, env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0 or "https://app.example.com/sso/saml/" not in r.stdout:
        return f"{b.where()}: exit {r.returncode}\n{textwrap.indent(r.stdout + r.stderr, '    ')}"
    return None


@contextlib.contextmanager
def local_redis(workdir: Path, needed: bool) -> Any:
    exe = shutil.which("redis-server")
    if not needed or exe is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=str(ROOT / "build"), help="the CMake build directory")
    ap.add_argument("files", nargs="*", help="Markdown files (default: README.md docs/getting-started.md)")
    args = ap.parse_args(argv)
    build = Path(args.build_dir).resolve()
    files = [Path(f).resolve() if Path(f).is_absolute() else (ROOT / f) for f in (args.files or DEFAULT_FILES)]
    failures: List[str] = []
    ran = skipped = 0
    for path in files:
        blocks = blocks_of(path)
        with tempfile.TemporaryDirectory(prefix="ssogate-docs-") as tmp:
            workdir = Path(tmp)
            old = os.getcwd()
            os.chdir(workdir)
            try:
                runnable = [b for b in blocks if b.skip is None]
                needs_redis = any("redis://10.0.0.5:6379" in b.code for b in runnable)
                with local_redis(workdir, needs_redis) as redis_url:
                    for b in blocks:
                        if b.skip is not None:
                            skipped += 1
                            print(f"skip {b.where()}: {b.skip}")
                    python = [b for b in runnable if b.lang == "python"]
                    failures += run_python(python, workdir, redis_url)
                    ran += len(python)
                    for b in runnable:
                        if b.lang == "python":
                            continue
                        runner = {"sh": run_sh, "c": run_c, "go": run_go}.get(b.lang)
                        if runner is None:
                            failures.append(f"{b.where()}: no runner for this language; mark it "
                                            "<!-- doc-test: skip: REASON --> if it is not meant to run")
                            continue
                        failure = runner(b, workdir, build)
                        ran += 1
                        if failure:
                            failures.append(failure)
                        else:
                            print(f"ok   {b.where()}")
            finally:
                os.chdir(old)
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"{ran - len(failures)} blocks ran, {len(failures)} failed, {skipped} marked skip")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
