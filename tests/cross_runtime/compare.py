#!/usr/bin/env python3
"""The comparer of the cross-runtime check: every runtime's output against the expectations of the
manifests (cases.py) and against every other runtime. Standard library only.

    python3 compare.py [--vectors tests/vectors] [--cases CASES_FILE] c=c.jsonl python=python.jsonl ...

Exit 0 when each runtime named has a line for every input and no other, every line matches its
expectation, and all runtimes wrote the same line for each input; else 1, with one block per input
that differs (what was expected, what each runtime wrote, and why it fails). Exit 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import OK_KEYS, Case, Expectation, all_cases  # noqa: E402 - after the path is set


def load_output(runtime: str, path: Path) -> Tuple[Dict[str, Dict], List[str]]:
    """The lines of one runtime's output by input, and the problems that are not about one input."""
    lines: Dict[str, Dict] = {}
    problems: List[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return lines, [f"{runtime}: cannot read {path}: {e}"]
    for number, raw in enumerate(text.splitlines(), 1):
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as e:
            problems.append(f"{runtime}: {path}:{number}: not JSON ({e}): {raw[:120]!r}")
            continue
        if not isinstance(line, dict) or not isinstance(line.get("input"), str):
            problems.append(f"{runtime}: {path}:{number}: not an object with a string \"input\": {raw[:120]!r}")
            continue
        if line["input"] in lines:
            problems.append(f"{runtime}: {path}:{number}: a second line for {line['input']}")
            continue
        lines[line["input"]] = line
    return lines, problems


def describe(expect: Expectation) -> str:
    codes = sorted(expect.codes)
    text = f"code {codes[0]}" if len(codes) == 1 else "code one of " + ", ".join(codes)
    for key, value in sorted(expect.facts.items()):
        text += f", {key} {json.dumps(value, ensure_ascii=False)}"
    for warning, present in sorted(expect.warnings.items()):
        text += f", {'with' if present else 'without'} {warning}"
    return text


def check_line(op: str, expect: Expectation, line: Dict) -> List[str]:
    """Why a runtime's line does not match the expectation (empty: it matches)."""
    why = []
    outcome, code = line.get("outcome"), line.get("code")
    if outcome not in ("OK", "REFUSED"):
        why.append(f"outcome {outcome!r} is neither \"OK\" nor \"REFUSED\"")
    elif (outcome == "OK") != (code == "OK"):
        why.append(f"outcome {outcome} with code {code!r}")
    if code not in expect.codes:
        why.append(f"code {code!r}, expected {' or '.join(sorted(expect.codes))}")
    wanted = {"input", "outcome", "code"} | (set(OK_KEYS[op]) if outcome == "OK" else set())
    if set(line) != wanted:
        missing, extra = sorted(wanted - set(line)), sorted(set(line) - wanted)
        why.append(f"keys: missing {missing}, extra {extra}" if missing else f"keys: extra {extra}")
    if outcome == "OK" and code in expect.codes:
        for key, value in sorted(expect.facts.items()):
            if line.get(key) != value:
                got = json.dumps(line.get(key), ensure_ascii=False)
                why.append(f"{key} {got}, expected {json.dumps(value, ensure_ascii=False)}")
        warnings = line.get("warnings")
        if expect.warnings and not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
            why.append(f"warnings {warnings!r} is not a list of code names")
        elif expect.warnings:
            for warning, present in sorted(expect.warnings.items()):
                if (warning in warnings) != present:
                    why.append(f"{warning} {'missing' if present else 'reported'}: the certificates' dates say "
                               f"{'it applies' if present else 'it does not'}")
    return why


def compare(cases: Sequence[Case], outputs: Dict[str, Tuple[Dict[str, Dict], List[str]]]) -> Tuple[List[str], int]:
    """The report blocks (one per failing input, plus file problems) and the number of inputs compared."""
    blocks: List[str] = []
    for _, (_, problems) in outputs.items():
        blocks += problems
    known = {c.input for c in cases}
    for runtime, (lines, _) in outputs.items():
        for extra in sorted(set(lines) - known):
            shown = json.dumps(lines[extra], ensure_ascii=False)
            blocks.append(f"{extra}\n  {runtime}: an input no case names: {shown}")
    width = max([len("expected")] + [len(r) for r in outputs])
    for case in cases:
        why: List[str] = []
        present = {}
        for runtime, (lines, _) in outputs.items():
            line = lines.get(case.input)
            if line is None:
                why.append(f"{runtime}: no line for this input")
                continue
            present[runtime] = line
            why += [f"{runtime}: {reason}" for reason in check_line(case.op, case.expect, line)]
        groups: Dict[str, List[str]] = {}  # each distinct line: the runtimes that wrote it, in argument order
        for runtime, line in present.items():
            groups.setdefault(json.dumps(line, sort_keys=True, ensure_ascii=False), []).append(runtime)
        if len(groups) > 1:
            why.append("runtimes disagree: " + " / ".join("+".join(g) for g in groups.values()))
        if why:
            block = [case.input, f"  {'expected':<{width}}  {describe(case.expect)}"]
            for runtime in outputs:
                line = present.get(runtime)
                shown = "(missing)" if line is None else json.dumps(
                    {k: v for k, v in line.items() if k != "input"}, ensure_ascii=False)
                block.append(f"  {runtime:<{width}}  {shown}")
            block += [f"  - {reason}" for reason in why]
            blocks.append("\n".join(block))
    return blocks, len(cases)


def case_file_inputs(path: Path) -> List[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    return [line.split("\t", 1)[1] for line in lines if line.startswith("input\t")]


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vectors", type=Path, default=HERE.parent / "vectors", help="the tests/vectors directory")
    p.add_argument("--cases", type=Path,
                   help="the case file the runners read: it must name exactly the inputs of the manifests")
    p.add_argument("outputs", nargs="+", metavar="RUNTIME=FILE", help="a runtime's name and its output file")
    args = p.parse_args(argv)
    runtimes: Dict[str, Path] = {}
    for item in args.outputs:
        name, eq, file = item.partition("=")
        if not eq or not name or not file or name in runtimes:
            p.error(f"{item!r}: want RUNTIME=FILE, each runtime once")
        runtimes[name] = Path(file)

    cases = all_cases(args.vectors)
    if args.cases is not None:
        listed = case_file_inputs(args.cases)
        if listed != [c.input for c in cases]:
            print(f"compare.py: {args.cases} is not the case file of these manifests (regenerate it with cases.py)",
                  file=sys.stderr)
            return 1
    outputs = {name: load_output(name, path) for name, path in runtimes.items()}
    unreadable = [problem for _, problems in outputs.values() for problem in problems if ": cannot read " in problem]
    if unreadable:
        # Without the file, every input would be reported missing: say the one thing that matters.
        print("\n".join(unreadable), file=sys.stderr)
        return 1
    blocks, count = compare(cases, outputs)
    names = ", ".join(runtimes)
    if blocks:
        print("\n\n".join(blocks))
        failing = sum(1 for b in blocks if not b.startswith(tuple(f"{r}:" for r in runtimes)))
        print(f"\ncompare.py: FAILED: {failing} of {count} inputs differ ({names})", file=sys.stderr)
        return 1
    print(f"compare.py: {count} inputs, {len(runtimes)} runtime(s) ({names}): every line matches the manifests' "
          "expectation and every runtime wrote the same lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
