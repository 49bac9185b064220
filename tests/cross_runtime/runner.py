#!/usr/bin/env python3
"""The Python runner of the cross-runtime check: every case of the case file through the installed
ssogate package, as a Python user calls it, one JSON line per case (README.md).

    python runner.py CASES_FILE VECTORS_DIR OUTPUT_FILE
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import ssogate

# Keys a case may repeat; every other key appears at most once.
REPEATABLE = {"allowed_domain", "sp_encryption_cert_file", "request_id"}
KNOWN = {
    "import": {"input", "op", "metadata_file", "entity_id", "now"},
    "verify": {
        "input", "op", "idp_metadata_file", "idp_metadata_xml", "import_now", "connection_id", "acs_url",
        "sp_entity_id", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "email_attribute",
        "allowed_domain", "sp_encryption_cert_file", "allow_rsa_1_5", "allow_legacy_sp_key", "response_file",
        "form", "now", "max_bytes", "request_id", "decryption_key_file", "decryption_cert_file",
        "decryption_key_legacy", "repeat",
    },
}


class CaseError(Exception):
    """The case file is not what README.md describes: the runner stops."""


def read_cases(path: Path) -> Iterator[Dict[str, List[str]]]:
    case: Dict[str, List[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("#"):
            continue
        if line == "":
            if case:
                yield case
            case = {}
            continue
        key, tab, value = line.partition("\t")
        if not tab:
            raise CaseError(f"{path}:{number}: no tab in {line!r}")
        if key in case and key not in REPEATABLE:
            raise CaseError(f"{path}:{number}: {key} repeated")
        case.setdefault(key, []).append(value)
    if case:
        yield case


def one(case: Dict[str, List[str]], key: str) -> str:
    if key not in case:
        raise CaseError(f"{case.get('input', ['?'])[0]}: no {key}")
    return case[key][0]


def optional(case: Dict[str, List[str]], key: str) -> Optional[str]:
    return case[key][0] if key in case else None


def flag(case: Dict[str, List[str]], key: str) -> bool:
    value = one(case, key)
    if value not in ("0", "1"):
        raise CaseError(f"{one(case, 'input')}: {key} is {value!r}, not 0 or 1")
    return value == "1"


def run_import(case: Dict[str, List[str]], vectors: Path) -> Dict[str, object]:
    xml = (vectors / one(case, "metadata_file")).read_bytes()
    idp = ssogate.import_idp_metadata(xml, entity_id=optional(case, "entity_id"), now=int(one(case, "now")))
    return {
        "entity_id": idp.entity_id,
        "certificates": [c.sha256 for c in idp.certificates],
        "warnings": [w.code_name for w in idp.warnings],
    }


def run_verify(case: Dict[str, List[str]], vectors: Path) -> Dict[str, object]:
    inline = optional(case, "idp_metadata_xml")
    xml = inline.encode("utf-8") if inline is not None else (vectors / one(case, "idp_metadata_file")).read_bytes()
    idp = ssogate.import_idp_metadata(xml, now=int(one(case, "import_now")))
    conn = ssogate.Connection.create(
        idp,
        id=one(case, "connection_id"),
        acs_url=one(case, "acs_url"),
        sp_entity_id=one(case, "sp_entity_id"),
        allow_idp_initiated=flag(case, "allow_idp_initiated"),
        allow_sha1=flag(case, "allow_sha1"),
        clock_skew_seconds=int(one(case, "clock_skew_seconds")),
        email_attribute=optional(case, "email_attribute"),
        allowed_domains=case.get("allowed_domain", []),
        sp_encryption_certificates=[
            (vectors / p).read_text(encoding="ascii") for p in case.get("sp_encryption_cert_file", [])
        ],
        allow_rsa_1_5=flag(case, "allow_rsa_1_5"),
        allow_legacy_sp_key=flag(case, "allow_legacy_sp_key"),
    )
    keys = []
    key_file = optional(case, "decryption_key_file")
    if key_file is not None:
        key_pem = (vectors / key_file).read_bytes()
        cert_pem = (vectors / one(case, "decryption_cert_file")).read_text(encoding="ascii")
        load = ssogate.SpKey.legacy if flag(case, "decryption_key_legacy") else ssogate.SpKey
        keys.append(load(key_pem, cert_pem))
    body = (vectors / one(case, "response_file")).read_bytes()
    form = body if flag(case, "form") else base64.b64encode(body)
    now = int(one(case, "now"))
    max_bytes = int(one(case, "max_bytes"))
    cache = ssogate.ReplayCache.memory(now=now)
    repeat = int(one(case, "repeat"))
    if repeat < 1:
        raise CaseError(f"{one(case, 'input')}: repeat {repeat}")
    for attempt in range(repeat):
        try:
            login = ssogate.verify_response(
                conn, form, replay_cache=cache, pending_request_ids=case.get("request_id", []), now=now,
                max_bytes=max_bytes or None, decryption_keys=keys,
            )
        except ssogate.Error:
            if attempt == repeat - 1:
                raise  # only the last attempt's result is recorded
    return {"email": login.email, "nameid": login.nameid, "assertion_id": login.assertion_id,
            "idp_entity_id": login.idp_entity_id}


def run_case(case: Dict[str, List[str]], vectors: Path) -> Dict[str, object]:
    name = one(case, "input")
    op = one(case, "op")
    if op not in KNOWN:
        raise CaseError(f"{name}: unknown op {op!r}")
    unknown = set(case) - KNOWN[op]
    if unknown:
        raise CaseError(f"{name}: unknown keys {sorted(unknown)}")
    try:
        facts = run_import(case, vectors) if op == "import" else run_verify(case, vectors)
    except ssogate.Error as e:
        return {"input": name, "outcome": "REFUSED", "code": e.code_name}
    return {"input": name, "outcome": "OK", "code": "OK", **facts}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3:
        print("usage: runner.py CASES_FILE VECTORS_DIR OUTPUT_FILE", file=sys.stderr)
        return 2
    cases_file, vectors, output = Path(argv[0]), Path(argv[1]), Path(argv[2])
    try:
        lines = [json.dumps(run_case(c, vectors), ensure_ascii=False) for c in read_cases(cases_file)]
    except (CaseError, OSError) as e:
        print(f"runner.py: {e}", file=sys.stderr)
        return 1
    output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"runner.py: {len(lines)} cases -> {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
