"""The comparer's own tests: it passes outputs that match the manifests and each other, and fails,
naming the input and the runtime, on every kind of wrong output. No library needed: the outputs are
written here from the expectations. Run: python3 -m unittest test_compare (in this directory)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import all_cases, write_cases  # noqa: E402

VECTORS = HERE.parent / "vectors"
CASES = all_cases(VECTORS)


def good_line(case) -> Dict[str, object]:
    """A line that matches the case's expectation: its (first) code, its facts, the implied warnings."""
    code = sorted(case.expect.codes)[0]
    if code != "OK":
        return {"input": case.input, "outcome": "REFUSED", "code": code}
    line: Dict[str, object] = {"input": case.input, "outcome": "OK", "code": "OK"}
    if case.op == "import":
        line.update(entity_id="x", certificates=[],
                    warnings=sorted(w for w, present in case.expect.warnings.items() if present))
    else:
        line.update(email="x", nameid="x", assertion_id="x", idp_entity_id="x")
    line.update(case.expect.facts)
    return line


def good_lines() -> List[Dict[str, object]]:
    return [good_line(c) for c in CASES]


class ComparerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ssogate-compare-test."))
        self.addCleanup(shutil.rmtree, self.dir)

    def write(self, name: str, lines: Sequence[object]) -> Path:
        path = self.dir / f"{name}.jsonl"
        path.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines), encoding="utf-8")
        return path

    def compare(self, *runtimes: Tuple[str, Sequence[object]], cases: Optional[Path] = None) -> Tuple[int, str]:
        args = [sys.executable, str(HERE / "compare.py"), "--vectors", str(VECTORS)]
        if cases is not None:
            args += ["--cases", str(cases)]
        args += [f"{name}={self.write(name, lines)}" for name, lines in runtimes]
        run = subprocess.run(args, capture_output=True, text=True, check=False)
        return run.returncode, run.stdout + run.stderr

    def assert_fails_naming(self, result: Tuple[int, str], *needles: str) -> None:
        code, text = result
        self.assertEqual(code, 1, text)
        for needle in needles:
            self.assertIn(needle, text)

    def test_matching_outputs_pass(self) -> None:
        # Without this, a comparer that always fails would pass every test below.
        lines = good_lines()
        code, text = self.compare(("a", lines), ("b", list(reversed(lines))))
        self.assertEqual(code, 0, text)
        self.assertIn(f"{len(CASES)} inputs, 2 runtime(s) (a, b)", text)

    def test_data_set_covers_both_manifests(self) -> None:
        attacks = json.loads((VECTORS / "attacks" / "manifest.json").read_text(encoding="utf-8"))["vectors"]
        interop = json.loads((VECTORS / "interop" / "manifest.json").read_text(encoding="utf-8"))["files"]
        names = {c.input for c in CASES}
        self.assertLessEqual({"attacks/" + v["name"] for v in attacks}, names)
        for entry in interop:
            stem = entry["file"].split("/")[-1].rsplit(".", 1)[0]
            if entry["kind"] in ("idp-metadata", "federation-metadata"):
                self.assertIn("interop/metadata/" + stem, names)
            if entry["kind"] == "saml-response":
                self.assertIn("interop/responses/" + stem, names)
        # Every reject_variant, except those of a response whose IdP key cannot even be configured.
        variants = sum(len(e.get("reject_variants") or []) for e in interop if "oracle-oam-1" not in e["file"])
        self.assertEqual(sum("#variant" in n for n in names), variants)

    def test_wrong_code_fails_and_names_input(self) -> None:
        lines = good_lines()
        target = next(i for i, c in enumerate(CASES) if c.input.startswith("attacks/xsw"))
        wrong = dict(lines[target], outcome="OK", code="OK", email="mallory@evil.example", nameid="m",
                     assertion_id="a", idp_entity_id="i")
        bad = lines[:target] + [wrong] + lines[target + 1:]
        self.assert_fails_naming(self.compare(("good", lines), ("bad", bad)), CASES[target].input,
                                 "bad: code 'OK', expected", "runtimes disagree", "1 of")

    def test_same_wrong_code_everywhere_still_fails(self) -> None:
        # Agreement is not enough: every runtime must also match the manifests.
        lines = good_lines()
        target = next(i for i, c in enumerate(CASES) if c.input == "interop/metadata/google-1")
        lines[target] = dict(lines[target], code="METADATA_WEAK_KEY")
        self.assert_fails_naming(self.compare(("a", lines), ("b", lines)), "interop/metadata/google-1",
                                 "a: code 'METADATA_WEAK_KEY', expected METADATA_EXPIRED")

    def test_missing_and_extra_inputs_fail(self) -> None:
        lines = good_lines()
        missing = CASES[5].input
        extra = {"input": "attacks/not-a-vector", "outcome": "OK", "code": "OK"}
        bad = [line for line in lines if line["input"] != missing] + [extra]
        self.assert_fails_naming(self.compare(("good", lines), ("bad", bad)), missing, "bad: no line for this input",
                                 "attacks/not-a-vector", "an input no case names")

    def test_disagreement_on_unrecorded_fact_fails(self) -> None:
        # The manifests record no email for interop responses: the runtimes must still agree on it.
        lines = good_lines()
        target = next(i for i, c in enumerate(CASES) if c.input == "interop/responses/adfs-1")
        other = list(lines)
        other[target] = dict(lines[target], email="someone.else@example.com")
        self.assert_fails_naming(self.compare(("c", lines), ("go", other)), "interop/responses/adfs-1",
                                 "runtimes disagree: c / go")

    def test_wrong_fact_extra_key_and_warning_fail(self) -> None:
        lines = good_lines()
        index = {c.input: i for i, c in enumerate(CASES)}
        lines[index["attacks/valid-signed-both"]]["email"] = "bob@example.com"
        lines[index["attacks/unsigned"]]["message"] = "extra"
        lines[index["interop/metadata/adfs-1"]]["warnings"] = []
        self.assert_fails_naming(
            self.compare(("py", lines)), "attacks/valid-signed-both", 'py: email "bob@example.com", expected '
            '"alice@example.com"', "attacks/unsigned", "py: keys: extra ['message']", "interop/metadata/adfs-1",
            "WARN_CERT_EXPIRED missing", "3 of")

    def test_malformed_and_duplicate_lines_fail(self) -> None:
        lines: List[object] = list(good_lines())
        self.assert_fails_naming(self.compare(("j", lines + ["{not json"])), "j:", "not JSON")
        self.assert_fails_naming(self.compare(("j", lines + [lines[0]])), "a second line for " + CASES[0].input)

    def test_missing_output_file_fails(self) -> None:
        args = [sys.executable, str(HERE / "compare.py"), f"a={self.write('a', good_lines())}",
                f"java={self.dir / 'never-written.jsonl'}"]
        run = subprocess.run(args, capture_output=True, text=True, check=False)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("java: cannot read", run.stderr)

    def test_stale_case_file_fails(self) -> None:
        stale = self.dir / "cases.txt"
        with stale.open("w", encoding="utf-8") as out:
            write_cases(CASES[:-1], out)
        code, text = self.compare(("a", good_lines()), cases=stale)
        self.assertEqual(code, 1, text)
        self.assertIn("is not the case file of these manifests", text)


if __name__ == "__main__":
    unittest.main()
