"""The exception hierarchy, the Code enum against the C header and library, and the version."""

from __future__ import annotations

import importlib.metadata
import pickle
import re
from pathlib import Path

import pytest

import ssogate
from ssogate import Code, _ssogate
from ssogate._errors import _error_from_code

from _corpus import HEADER, INTEROP_METADATA, NOW


def _header_codes() -> dict:
    text = HEADER.read_text(encoding="utf-8")
    body = text[text.index("typedef enum ssogate_code {") : text.index("} ssogate_code;")]
    return {name: int(value) for name, value in re.findall(r"\bSSOGATE_([A-Z0-9_]+) = (\d+)", body)}


def test_code_enum_mirrors_the_header() -> None:
    header = _header_codes()
    assert len(header) > 30  # the parse found the enum
    assert {m.name: m.value for m in Code} == header


def test_code_enum_matches_the_loaded_library() -> None:
    for member in Code:
        assert ssogate.code_name(member) == member.name
    assert ssogate.code_name(12345) == "UNKNOWN"


@pytest.mark.parametrize(
    "code, cls, is_value_error",
    [
        (Code.INVALID_URL, ssogate.InvalidArgument, True),
        (Code.CONNECTION_VERSION, ssogate.InvalidArgument, True),
        (Code.XML_DOCTYPE, ssogate.MetadataError, True),
        (Code.METADATA_EXPIRED, ssogate.MetadataError, True),
        (Code.SIGNATURE_INVALID, ssogate.SignatureError, False),
        (Code.AUDIENCE_MISMATCH, ssogate.LoginRejected, False),
        (Code.REPLAYED, ssogate.LoginRejected, False),
        (Code.STORE_UNAVAILABLE, ssogate.StoreError, False),
        (Code.INTERNAL, ssogate.InternalError, False),
        (Code.OUT_OF_MEMORY, ssogate.InternalError, False),
    ],
)
def test_hierarchy_by_code_range(code: Code, cls: type, is_value_error: bool) -> None:
    err = _error_from_code(int(code), "what was expected and what came")
    assert type(err) is cls
    assert isinstance(err, ssogate.Error)
    # A stray `except ValueError` must never swallow a refused login or a bad signature.
    assert isinstance(err, ValueError) is is_value_error
    assert err.code is code
    assert err.code_name == code.name
    assert err.message == "what was expected and what came"
    assert str(err) == f"{code.name}: what was expected and what came"


def test_login_rejected_escapes_except_value_error() -> None:
    with pytest.raises(ssogate.LoginRejected):
        try:
            raise _error_from_code(int(Code.EXPIRED), "NotOnOrAfter passed")
        except ValueError:  # pragma: no cover - the point is that this does not match
            pytest.fail("LoginRejected was caught as ValueError")


def test_unknown_code_is_base_error_with_int_code() -> None:
    err = _error_from_code(555, "from a newer library")
    assert type(err) is ssogate.Error
    assert err.code == 555 and not isinstance(err.code, Code)
    assert err.code_name == "UNKNOWN"


def test_error_repr_and_pickle() -> None:
    err = _error_from_code(int(Code.METADATA_EXPIRED), "validUntil 2021-01-03T16:17:49Z has passed")
    assert repr(err) == "MetadataError(METADATA_EXPIRED (117), 'validUntil 2021-01-03T16:17:49Z has passed')"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ssogate.MetadataError and back.code is Code.METADATA_EXPIRED and back.message == err.message


def test_library_errors_arrive_as_the_right_class() -> None:
    xml = (INTEROP_METADATA / "google-1.xml").read_bytes()
    with pytest.raises(ValueError) as info:  # what a generic caller would write
        ssogate.import_idp_metadata(xml, now=NOW)
    assert type(info.value) is ssogate.MetadataError
    assert info.value.code is Code.METADATA_EXPIRED


def test_version_comes_from_the_loaded_library() -> None:
    major, minor, patch = (int(x) for x in ssogate.__version__.split("."))
    assert _ssogate.version_number() == major * 1_000_000 + minor * 1_000 + patch
    # The header the extension was compiled with, the library it loaded and the wheel agree.
    assert _ssogate.HEADER_VERSION_NUMBER == _ssogate.version_number()
    assert importlib.metadata.version("ssogate") == ssogate.__version__


def test_public_names() -> None:
    for name in ssogate.__all__:
        assert hasattr(ssogate, name), name
    assert "Warning" not in ssogate.__all__  # would shadow the builtin on `from ssogate import *`
    assert ssogate.Warning is not Warning


def test_loads_the_library_shipped_in_the_package() -> None:
    # The wheel is self-contained: the extension finds libssogate.so.0 next to itself ($ORIGIN), not
    # a copy elsewhere on the system that could have another version.
    package_dir = Path(ssogate.__file__).resolve().parent
    with open("/proc/self/maps", encoding="utf-8") as maps:
        loaded = {Path(line.split()[-1]).resolve() for line in maps if line.rstrip().endswith("libssogate.so.0")}
    assert loaded == {package_dir / "libssogate.so.0"}


def test_messages_quoting_long_non_ascii_values_stay_errors() -> None:
    # The importer quotes the first 200 bytes of a bad Location; a two-byte character straddles that
    # point. The message is cut on a character boundary, so this is a MetadataError, never a
    # UnicodeDecodeError (a ValueError that would escape `except ssogate.Error`).
    location = "javascript:xy" + "\u00e9" * 150
    xml = (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/x">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{location}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    ).encode("utf-8")
    with pytest.raises(ssogate.MetadataError) as info:
        ssogate.import_idp_metadata(xml)
    assert info.value.code_name == "METADATA_INVALID"
    assert "\u00e9..." in info.value.message and "\ufffd" not in info.value.message
