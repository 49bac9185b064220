"""ssogate: SAML 2.0 single sign-on for products with a web dashboard (the service-provider side).

The admin uploads the IdP's metadata; you import it, make a connection, and show the admin the ACS
URL and SP entity ID to paste back into the IdP::

    import ssogate

    idp = ssogate.import_idp_metadata(open("metadata.xml", "rb").read())
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com")
    print(conn.acs_url, conn.sp_entity_id)
    saved = conn.to_json()                    # keep it in your database
    conn = ssogate.Connection.from_json(saved)

Every failure raises a subclass of :class:`ssogate.Error` with a stable ``code``. This package is a
thin layer over the C library (libssogate.so.0, shipped inside the package); all checks live there.
"""

from __future__ import annotations

from . import _ssogate
from ._codes import Code
from ._connection import Connection
from ._errors import (
    Error,
    InternalError,
    InvalidArgument,
    LoginRejected,
    MetadataError,
    NotFound,
    SignatureError,
    StoreConflict,
    StoreError,
)
from ._idp import Certificate, Endpoint, IdpMetadata, Warning, import_idp_metadata  # noqa: A004
from ._metadata import (
    MetadataEvent,
    MetadataSource,
    RefreshResult,
    idp_from_settings,
    import_idp_metadata_url,
    refresh_connection,
)
from ._gate import AuditRow, EnforcementPreview, Gate, GateOutcome, Invite, PasswordDecision, migrate_database
from ._policy import (
    AccountSettings,
    ConnectionSettings,
    InviteDecision,
    MemberFacts,
    MemberSummary,
    SsoDecision,
    decide_invite_acceptance,
    decide_password_login,
    decide_sso_login,
    preview_enforcement,
)
from ._directory import (
    Account,
    AppendAudit,
    ConnectionRecord,
    Directory,
    InsertMember,
    InviteRecord,
    JoinToken,
    Member,
    MemoryDirectory,
    NativeDirectory,
    TakeInvite,
    TakeJoinToken,
    UpdateMember,
    UpdateAccount,
    RemoveMember,
    normalize_email,
)
from ._login import (
    FinishedSpLogin,
    SpLoginRequest,
    PendingRequest,
    RequestStore,
    SpKey,
    begin_sp_login,
    finish_sp_login,
)
from ._explain import Check, Explanation, Hint, explain
from ._verify import Attribute, ReplayCache, VerifiedLogin, verify_response

#: The version of the C library actually loaded ("MAJOR.MINOR.PATCH").
__version__: str = _ssogate.version_string()


def code_name(code: int) -> str:
    """The stable name of a result code, e.g. ``code_name(117) == "METADATA_EXPIRED"``.

    ``"UNKNOWN"`` for numbers the loaded library does not define.
    """
    return _ssogate.code_name(int(code))


# Warning is importable as ssogate.Warning but kept out of __all__: a star import would shadow the
# builtin Warning in the importing module.
__all__ = [
    "Gate",
    "GateOutcome",
    "Invite",
    "EnforcementPreview",
    "PasswordDecision",
    "AuditRow",
    "AccountSettings",
    "ConnectionSettings",
    "MemberFacts",
    "MemberSummary",
    "SsoDecision",
    "InviteDecision",
    "decide_sso_login",
    "decide_password_login",
    "decide_invite_acceptance",
    "preview_enforcement",
    "Code",
    "Error",
    "InvalidArgument",
    "MetadataError",
    "SignatureError",
    "LoginRejected",
    "StoreError",
    "NotFound",
    "StoreConflict",
    "InternalError",
    "IdpMetadata",
    "Endpoint",
    "Certificate",
    "import_idp_metadata",
    "import_idp_metadata_url",
    "migrate_database",
    "idp_from_settings",
    "refresh_connection",
    "MetadataEvent",
    "MetadataSource",
    "RefreshResult",
    "Connection",
    "code_name",
    "__version__",
    "verify_response",
    "explain",
    "Explanation",
    "Check",
    "Hint",
    "VerifiedLogin",
    "Attribute",
    "ReplayCache",
    "RequestStore",
    "SpKey",
    "SpLoginRequest",
    "PendingRequest",
    "FinishedSpLogin",
    "begin_sp_login",
    "finish_sp_login",
    "Directory",
    "MemoryDirectory",
    "NativeDirectory",
    "TakeInvite",
    "TakeJoinToken",
    "InsertMember",
    "UpdateMember",
    "UpdateAccount",
    "RemoveMember",
    "AppendAudit",
    "Account",
    "ConnectionRecord",
    "Member",
    "InviteRecord",
    "JoinToken",
    "normalize_email",
]
