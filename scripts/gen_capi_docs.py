#!/usr/bin/env python3
"""Generate docs/c-api.md and docs/error-codes.md from the doc comments of capi/include/ssogate/ssogate.h.

The header is the single source: every public declaration carries a /** ... */ comment, and this script
turns them into the reference (as SQLite does). `--check` exits 1 when the committed docs differ from what
the header would produce, so a test catches a header change without regenerated docs.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADER = ROOT / "capi" / "include" / "ssogate" / "ssogate.h"
OUT_API = ROOT / "docs" / "c-api.md"
OUT_CODES = ROOT / "docs" / "error-codes.md"

SECTION = re.compile(r"/\* =+ (\d+)\. (.+?) \*/")
GROUPS = [(1, 99, "Usage"), (100, 179, "XML and metadata"), (180, 199, "Warnings (never a failure)"),
          (200, 299, "Signature"), (300, 399, "Response and assertion"), (400, 499, "State stores"),
          (900, 999, "Internal")]


def clean_comment(text):
    body = text.strip()[3:-2]  # strip /** and */
    lines = [re.sub(r"^\s*\*? ?", "", ln) for ln in body.splitlines()]
    return " ".join(ln.strip() for ln in lines if ln.strip()).strip()


def parse(header_text):
    """Yield (kind, data) items in header order: ("section", title), ("decl", (doc, code)),
    ("code", (name, value, doc))."""
    items = []
    pending_doc = None
    in_enum = None  # the enum's name while inside one
    # Walk line by line, keeping doc comments attached to the next declaration.
    lines = header_text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        m = SECTION.match(s)
        if m:
            items.append(("section", f"{m.group(1)}. {m.group(2)}"))
            pending_doc = None
            i += 1
            continue
        if s.startswith("/**"):
            buf = line
            while "*/" not in buf:
                i += 1
                buf += lines[i]
            pending_doc = clean_comment(buf)
            i += 1
            continue
        if s.startswith("typedef enum"):
            in_enum = s.split()[2]
            items.append(("decl", (pending_doc, s.rstrip("{").strip())))
            pending_doc = None
            i += 1
            continue
        if in_enum:
            em = re.match(r"(SSOGATE_[A-Z0-9_]+)\s*=\s*(\d+)", s)
            if em:
                kind = "code" if in_enum == "ssogate_code" else "enumerator"
                items.append((kind, (em.group(1), int(em.group(2)), pending_doc or "")))
                pending_doc = None
            if s.startswith("}"):
                in_enum = None
            i += 1
            continue
        if s.startswith("SSOGATE_API") or s.startswith("typedef struct"):
            buf = line
            if s.startswith("typedef struct") and "{" in s:
                while not lines[i].strip().startswith("}"):
                    i += 1
                    buf += lines[i]
            else:
                while ";" not in buf:
                    i += 1
                    buf += lines[i]
            decl = re.sub(r"\s+", " ", buf.replace("SSOGATE_API ", "").replace(" SSOGATE_NOEXCEPT", "")
                          .replace("SSOGATE_MUST_CHECK ", "")).strip()
            if s.startswith("typedef struct") and "{" in s:
                decl = re.sub(r"/\*\*(.*?)\*/", lambda mm: "/* " + clean_comment("/**" + mm.group(1) + "*/") + " */",
                              buf.replace("SSOGATE_API ", ""), flags=re.S).rstrip()
            items.append(("decl", (pending_doc, decl)))
            pending_doc = None
            i += 1
            continue
        if s and not s.startswith("//"):
            # A macro or anything else: a doc comment only applies to the very next declaration.
            if s.startswith("#define SSOGATE_VERSION_NUMBER") and pending_doc:
                items.append(("decl", (pending_doc, "#define SSOGATE_VERSION_NUMBER")))
            pending_doc = None
        i += 1
    return items


def render_api(items, header_rel):
    out = ["# C API reference", "",
           f"Generated from the doc comments of `{header_rel}` by `scripts/gen_capi_docs.py`; do not edit by hand.",
           "Conventions (ownership, strings, errors, options structs) are in the header's opening comment,",
           "repeated here:", ""]
    head = HEADER.read_text()
    intro = head[head.index("/*") + 2:head.index("*/")]
    for ln in intro.splitlines():
        ln = re.sub(r"^\s*\* ?", "", ln)
        out.append(ln)
    out.append("")
    for kind, data in items:
        if kind == "section":
            out += [f"## {data}", ""]
        elif kind == "decl":
            doc, decl = data
            out += ["```c", decl, "```", ""]
            if doc:
                out += [doc, ""]
        elif kind == "enumerator":
            name, value, doc = data
            out += [f"- `{name}` = {value}" + (f": {doc}" if doc else "")]
            out += [""]
    out.append("Codes: see [error-codes.md](error-codes.md).")
    return "\n".join(out).rstrip() + "\n"


def render_codes(items):
    codes = [d for k, d in items if k == "code"]
    out = ["# Error codes", "",
           "Generated from `capi/include/ssogate/ssogate.h` by `scripts/gen_capi_docs.py`; do not edit by hand.",
           "Numbers are stable: never renumbered, never reused. `ssogate_code_name(code)` gives the name without",
           "the `SSOGATE_` prefix; Python raises `ssogate.Error` subclasses by range, Go returns `*ssogate.Error`.", ""]
    for lo, hi, title in GROUPS:
        rows = [c for c in codes if lo <= c[1] <= hi]
        if not rows:
            continue
        out += [f"## {lo}-{hi}: {title}", "", "| code | name | meaning |", "| ---: | --- | --- |"]
        for name, value, doc in rows:
            out.append(f"| {value} | `{name.removeprefix('SSOGATE_')}` | {doc.replace('|', '/')} |")
        out.append("")
    ok = [c for c in codes if c[1] == 0]
    if ok:
        out += ["`OK` (0) is success.", ""]
    return "\n".join(out).rstrip() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="exit 1 if the docs are out of date")
    args = ap.parse_args()
    items = parse(HEADER.read_text())
    wanted = {OUT_API: render_api(items, HEADER.relative_to(ROOT)), OUT_CODES: render_codes(items)}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if args.check:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run scripts/gen_capi_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for p, text in wanted.items():
        p.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
