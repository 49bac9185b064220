#!/usr/bin/env python3
"""Checks that an installed ssogate wheel is self-contained: the XML and crypto stack comes from the
wheel, never from the system.

    python check_wheel.py WHEEL AUDITWHEEL

Run it with the interpreter of the venv the wheel is installed in (one made without system site
packages). Three views of the same question, each of which fails the check on its own:

1. `auditwheel show WHEEL`: the platform tag is a manylinux one, and among the libraries whose
   versioned symbols the wheel uses, every one is either the C/C++ runtime the manylinux policy
   lets a wheel take from the system, or a copy inside the wheel (auditwheel's hashed name).
2. ldd of every ELF file installed from the wheel: each bundled library (libxml2, xmlsec1 and its
   OpenSSL backend, libcrypto, hiredis, SQLite, zlib, and what they pull in) resolves to a path
   inside the installed package, none to /usr/lib or /lib, none "not found".
3. At run time: a child process imports ssogate and imports IdP metadata (which initialises
   libxml2, xmlsec1 and its OpenSSL backend), with LD_DEBUG=files,bindings; every such library that
   this added to the process's mappings (/proc/self/maps) is the wheel's copy, nothing is dlopen()ed
   by its system name or path (xmlsec1 can load its crypto backend at run time; ssogate is built
   with XMLSEC_NO_CRYPTO_DYNAMIC_LOADING, and this is where that is proven), and no symbol of the
   wheel's files binds to a system copy of a bundled library other than one the interpreter itself
   had loaded before (see check_runtime).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
METADATA = HERE.parent / "vectors" / "interop" / "metadata" / "okta-1.xml"

# The libraries the wheel must carry, by the name before ".so" (libxmlsec1 also matches
# libxmlsec1-openssl). libssl is listed although nothing links it today (no TLS in ssogate), so a
# future dependency on it is held to the same rule.
BUNDLED = ("libxml2", "libxmlsec1", "libcrypto", "libssl", "libhiredis", "libsqlite3", "libz", "libxslt",
           "liblzma", "libicuuc", "libicudata",
           # libpq (PostgreSQL stores)
           "libpq",
           # libcurl (metadata URLs) and what it loads
           "libcurl", "libnghttp2", "libidn2", "librtmp", "libssh2", "libpsl", "libgssapi_krb5", "libkrb5",
           "libk5crypto", "libkrb5support", "libcom_err", "libkeyutils", "libldap", "liblber", "libsasl2",
           "libbrotlicommon", "libbrotlidec", "libzstd", "libgnutls", "libnettle", "libhogweed", "libgmp",
           "libp11-kit", "libtasn1", "libunistring", "libffi")
# What a manylinux wheel may take from the system (the C and C++ runtime), plus ssogate's own library.
SYSTEM_OK = re.compile(r"^(libc|libm|libdl|librt|libpthread|libresolv|libgcc_s|libstdc\+\+|ld-linux-x86-64)\.so[.\d]*$")
# auditwheel's renamed copies: the hash before ".so", or before the first dot of a name that has one in
# its stem (liblber-2.5.so.0 becomes liblber-2-64f183c1.5.so.0).
HASHED = re.compile(r"^lib[\w+.-]+-[0-9a-f]{8}(?:\.\d+)*\.so[.\d]*$")

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print(f"FAIL: {message}")


def family(soname: str) -> str | None:
    """The BUNDLED entry a library name belongs to (libxml2.so.2 and libxml2-c05750a6.so.2.9.14 alike)."""
    stem = re.split(r"-[0-9a-f]{8}\.so|\.so", soname, maxsplit=1)[0]
    for name in BUNDLED:
        if stem == name or stem.startswith(name + "-"):
            return name
    return None


def under_system(path: str) -> bool:
    return path.startswith(("/usr/lib", "/lib", "/usr/local/lib"))


def check_auditwheel_show(wheel: Path, auditwheel: str) -> None:
    out = subprocess.run([auditwheel, "show", str(wheel)], check=True, capture_output=True, text=True).stdout
    text = " ".join(out.split())
    tag = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if not tag or not tag.group(1).startswith("manylinux_"):
        fail(f"auditwheel show: expected a manylinux platform tag, got: {out.strip()[:300]}")
    else:
        print(f"auditwheel show: platform tag {tag.group(1)}")
    libs = re.findall(r"([\w+.-]+\.so[.\d]*) with versions", text)
    if not libs:
        fail("auditwheel show: listed no libraries (its output format changed?)")
    for lib in libs:
        if lib == "libssogate.so.0" or SYSTEM_OK.match(lib) or HASHED.match(lib):
            continue
        fail(f"auditwheel show: {lib} would come from the system")


def check_licences(wheel: Path) -> None:
    # The licence and the notices for what the wheel bundles travel with it (pyproject.toml:
    # license-files), and the metadata names the licence.
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = next((zf.read(n).decode() for n in names if n.endswith(".dist-info/METADATA")), "")
    for wanted in ("LICENSE", "THIRD-PARTY-NOTICES.md"):
        if not any(re.fullmatch(rf"[^/]+\.dist-info/licenses/{re.escape(wanted)}", n) for n in names):
            fail(f"{wheel.name} has no .dist-info/licenses/{wanted}")
    if "License-Expression: Apache-2.0" not in metadata:
        fail(f"{wheel.name}: METADATA does not say License-Expression: Apache-2.0")


def installed_elves(package_dir: Path) -> list[Path]:
    roots = [package_dir, package_dir.parent / (package_dir.name + ".libs")]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.so*")):
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def check_ldd(package_dir: Path) -> None:
    site = package_dir.parent
    elves = installed_elves(package_dir)
    if not any(p.name.startswith("_ssogate.") for p in elves):
        fail(f"no _ssogate extension under {package_dir}")
    seen: set[str] = set()
    for elf in elves:
        out = subprocess.run(["ldd", str(elf)], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$", line)
            if not m:
                continue
            name, where = m.groups()
            if where == "not found":
                fail(f"ldd {elf.name}: {name} not found")
                continue
            fam = family(name)
            if fam is None:
                if not SYSTEM_OK.match(name) and name != "libssogate.so.0":
                    fail(f"ldd {elf.name}: {name} => {where} is neither bundled nor the C/C++ runtime")
                continue
            seen.add(fam)
            resolved = Path(where).resolve()
            if under_system(where) or under_system(str(resolved)) or site not in resolved.parents:
                fail(f"ldd {elf.name}: {name} => {where} (outside the wheel)")
    for required in ("libxml2", "libxmlsec1", "libcrypto", "libhiredis", "libsqlite3", "libz", "libcurl", "libpq"):
        if required not in seen:
            fail(f"ldd: nothing installed from the wheel links {required} (expected bundled copies)")
    print(f"ldd: {len(elves)} ELF files; bundled and resolved inside {site}: {', '.join(sorted(seen))}")


PROBE = r"""
import json, sys
def mapped():
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return {line.split()[-1] for line in maps if "/" in line.split()[-1]}
before = mapped()
import ssogate
try:
    ssogate.import_idp_metadata(open(sys.argv[1], "rb").read())
except ssogate.Error:
    pass  # only the initialisation of libxml2, xmlsec1 and OpenSSL matters here
print(json.dumps({"package": ssogate.__file__, "before": sorted(before), "maps": sorted(mapped() - before)}))
"""


def check_runtime(package_dir: Path) -> None:
    env = dict(os.environ, LD_DEBUG="files,bindings")
    env.pop("LD_LIBRARY_PATH", None)
    run = subprocess.run([sys.executable, "-c", PROBE, str(METADATA)], capture_output=True, text=True, env=env,
                         check=False)
    if run.returncode != 0:
        fail(f"the import probe exited {run.returncode}: {run.stderr[-2000:]}")
        return
    result = json.loads(run.stdout.strip().splitlines()[-1])
    if Path(result["package"]).resolve().parent != package_dir:
        fail(f"the probe imported ssogate from {result['package']}, not from {package_dir}")
    # The interpreter itself may have a system zlib (Debian's python3.11 links libz.so.1): that copy is
    # the interpreter's, so only what importing ssogate added is judged.
    own = [Path(p).name for p in result["before"] if family(Path(p).name)]
    if own:
        print(f"run time: the interpreter had these before importing ssogate: {', '.join(own)}")
    mapped: dict[str, list[str]] = {}
    for path in result["maps"]:
        fam = family(Path(path).name)
        if fam is not None:
            mapped.setdefault(fam, []).append(path)
            if under_system(path) or package_dir.parent not in Path(path).resolve().parents:
                fail(f"run time: {path} is mapped (outside the wheel)")
    for required in ("libxml2", "libxmlsec1", "libcrypto", "libz"):
        if required not in mapped:
            fail(f"run time: no {required} mapped after importing metadata")
    if not any("libxmlsec1-openssl" in p for p in mapped.get("libxmlsec1", [])):
        fail("run time: the xmlsec1 OpenSSL backend is not mapped")
    # LD_DEBUG=files prints one "file=<what was asked for> [0];  dynamically loaded by ..." line per
    # dlopen(). Asking for a bundled library by its plain name (xmlsec1 loading "libxmlsec1-openssl.so")
    # or by a system path would find the system's copy: only the wheel's own names are fine.
    for line in run.stderr.splitlines():
        m = re.search(r"file=(\S+) \[\d+\];\s+dynamically loaded by", line)
        if m and family(Path(m.group(1)).name) is not None:
            asked = m.group(1)
            if under_system(asked) or not HASHED.match(Path(asked).name):
                fail(f"run time: {asked} was dlopen()ed (that name or path is the system's copy)")
    # LD_DEBUG=bindings: "binding file <from> [0] to <to> [0]: normal symbol ...", one per symbol.
    # ELF looks a symbol up in the process's global scope (the interpreter and what it links) before
    # the library's own dependencies, so a library the interpreter already linked wins even over the
    # wheel's copy: Debian's python3.11 links zlib, and the wheel's libz and libxml2 then call the
    # interpreter's. That is reported, not failed (it is the interpreter's choice, not the wheel's);
    # a binding to any other system copy of a bundled library fails.
    interpreter_own = {Path(p).resolve() for p in result["before"]}
    interposed: set[str] = set()
    outside: set[tuple[str, Path]] = set()
    for line in run.stderr.splitlines():
        m = re.search(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: normal symbol", line)
        if not m or family(Path(m.group(2)).name) is None:
            continue
        source, target = Path(m.group(1)).resolve(), Path(m.group(2)).resolve()
        if package_dir.parent not in source.parents or package_dir.parent in target.parents:
            continue
        if target in interpreter_own:
            interposed.add(target.name)
        else:
            outside.add((source.name, target))
    for name, target in sorted(outside):
        fail(f"run time: {name} binds symbols to {target} (outside the wheel)")
    if interposed:
        print(f"run time: symbols of {', '.join(sorted(interposed))} bind to the interpreter's own copy (ELF global scope)")
    print("run time: mapped by importing ssogate: " + ", ".join(sorted(Path(p).name for ps in mapped.values() for p in ps)))


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    wheel, auditwheel = Path(sys.argv[1]), sys.argv[2]
    # Located without importing it, so that this process maps nothing of the wheel itself.
    spec = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('ssogate').origin)"],
                          check=True, capture_output=True, text=True).stdout.strip()
    package_dir = Path(spec).resolve().parent
    if sys.prefix == sys.base_prefix:
        fail(f"{sys.executable} is not a venv's interpreter")
    if Path("/usr/lib/python3/dist-packages") in [Path(p) for p in sys.path]:
        fail("the venv sees the system site packages; make it without --system-site-packages")
    check_licences(wheel)
    check_auditwheel_show(wheel, auditwheel)
    check_ldd(package_dir)
    check_runtime(package_dir)
    if failures:
        print(f"{len(failures)} check(s) failed: the wheel is not self-contained")
        return 1
    print("the wheel is self-contained: libxml2, xmlsec1, OpenSSL, hiredis, SQLite, zlib and libcurl come from it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
