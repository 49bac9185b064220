"""The generated enum tables (ssogate._enums) against the compiled library and the package's strings."""

from __future__ import annotations

import pytest

import ssogate
from ssogate import _enums, _ssogate
from ssogate._gate import _KINDS, _MODES, _ROLES
from ssogate._policy import _JOINED_VIA, _METHODS, _OUTCOMES, _STATUSES


# Each table beside the extension's constants, which the C++ view reads from the compiled header.
@pytest.mark.parametrize(
    "table, prefix",
    [
        (_enums.BINDING, "BINDING_"),
        (_enums.TEST_SIGN, "TEST_SIGN_"),
        (_enums.GATE_OUTCOME, "GATE_OUTCOME_"),
        (_enums.SSO_OUTCOME, "SSO_OUTCOME_"),
    ],
)
def test_tables_match_the_compiled_header(table: dict, prefix: str) -> None:
    assert table
    for name, number in table.items():
        assert getattr(_ssogate, prefix + name) == number, name


def test_key_types_match_the_compiled_header() -> None:
    assert _enums.KEY_TYPE == {"RSA_2048": _ssogate.KEY_RSA_2048, "EC_P256": _ssogate.KEY_EC_P256}


def test_reasons_are_the_library_names() -> None:
    assert len(_enums.REASON) > 20
    for name, number in _enums.REASON.items():
        # SSOGATE_REASON_NONE is the absence of a reason: the library names it UNKNOWN.
        assert _ssogate.reason_name(number) == ("UNKNOWN" if name == "NONE" else name)
    assert _ssogate.reason_name(max(_enums.REASON.values()) + 1) == "UNKNOWN"


def test_the_package_strings_come_from_the_tables() -> None:
    assert _ROLES == {"owner": 0, "admin": 1, "member": 2}
    assert _MODES == {"mixed": 0, "enforced": 1}
    assert _STATUSES == {"active": 0, "disabled": 1}
    assert _JOINED_VIA == {"password": 0, "sso": 1}
    assert _METHODS == {"password": 0, "sso": 1}
    assert set(_KINDS.values()) == {"LOGIN", "PROMPT_JOIN", "JOINED_BY_INVITE", "DENIED"}
    assert set(_OUTCOMES.values()) == {"LOGIN", "JOIN_BY_INVITE", "PROMPT_JOIN", "DENY"}


def test_every_code_name_is_a_python_code() -> None:
    for n in range(1000):
        name = ssogate.code_name(n)
        if name != "UNKNOWN":
            assert ssogate.Code(n).name == name
