"""The documentation runner (tests/docs/run_code_blocks.py) fails when an example fails: the README's
old quick start, which refused every login it was shown, is caught; a failing shell block is caught
unless marked; a block in a language it cannot run is an error, not a silent pass."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "docs" / "run_code_blocks.py"


@pytest.fixture(scope="module")
def runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_code_blocks", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(runner: ModuleType, tmp_path: Path, markdown: str) -> int:
    doc = tmp_path / "doc.md"
    doc.write_text(markdown, encoding="utf-8")
    return int(runner.main(["--build-dir", str(tmp_path / "no-build"), str(doc)]))


# The README's Python quick start as it was: a connection that refuses IdP-initiated logins, shown a
# login started from Okta's dashboard.
OLD_QUICK_START = '''
```python
import ssogate
idp = ssogate.import_idp_metadata(open("metadata.xml", "rb").read())
conn = ssogate.Connection.create(idp, base_url="https://app.example.com")
replay = ssogate.ReplayCache.open("sqlite:/var/lib/app/sso.db")
login = ssogate.verify_response(conn, form["SAMLResponse"], replay_cache=replay)
print(login.email)
```
'''


def test_the_old_quick_start_fails(runner: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(runner, tmp_path, OLD_QUICK_START) == 1
    err = capsys.readouterr().err
    assert "FAIL" in err and "UNSOLICITED_NOT_ALLOWED" in err


def test_the_fixed_quick_start_runs(runner: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixed = OLD_QUICK_START.replace('base_url="https://app.example.com")',
                                    'base_url="https://app.example.com", allow_idp_initiated=True)')
    assert run(runner, tmp_path, fixed) == 0
    assert "1 blocks ran, 0 failed" in capsys.readouterr().out


def test_a_denied_gate_outcome_fails(runner: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = '''
```python
import ssogate
conn = ssogate.Connection.create(ssogate.import_idp_metadata(uploaded_bytes), base_url="https://app.example.com")
gate = ssogate.Gate.open("memory:")
gate.create_account("acme", "Acme", verified_domains=["acme.com"])
gate.add_connection("acme", conn)
req = gate.begin_sp_login(conn.id)
out = gate.consume(conn.id, form["SAMLResponse"], form.get("RelayState"))
```
'''
    assert run(runner, tmp_path, doc) == 1
    assert "Gate.consume refused the login: INVITE_REQUIRED" in capsys.readouterr().err


def test_shell_blocks_fail_unless_marked(runner: ModuleType, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    failing = "```sh\ntrue\nfalse\n```\n"
    assert run(runner, tmp_path, failing) == 1
    assert "doc.md:1 (sh): exit 1" in capsys.readouterr().err
    marked = "<!-- doc-test: skip: installs packages -->\n" + failing
    assert run(runner, tmp_path, marked) == 0
    assert "skip" in capsys.readouterr().out
    # The marker must say why.
    assert run(runner, tmp_path, "<!-- doc-test: skip: -->\n" + failing) == 1


def test_a_language_without_runner_is_an_error(runner: ModuleType, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(runner, tmp_path, "```ruby\nputs 1\n```\n") == 1
    assert "no runner for this language" in capsys.readouterr().err
    assert run(runner, tmp_path, "```\nplain\n```\n") == 1


def test_python_failure_names_the_block(runner: ModuleType, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    doc = "text\n\n```python\nx = 1\n```\n\n```python\nassert x == 2, 'x is not 2'\n```\n"
    assert run(runner, tmp_path, doc) == 1
    err = capsys.readouterr().err
    assert "doc.md:7 (python)" in err and "x is not 2" in err
