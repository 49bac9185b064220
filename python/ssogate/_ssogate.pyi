# Type stubs for the extension module ssogate._ssogate (python/src/_ssogate.cpp): the low-level layer
# over the C ABI. Applications use the `ssogate` package, which wraps these in friendlier objects.
from typing import Any, Callable, List, Optional, Tuple

HEADER_VERSION_NUMBER: int
BINDING_OTHER: int
BINDING_HTTP_REDIRECT: int
BINDING_HTTP_POST: int

def version_string() -> str: ...
def version_number() -> int: ...
def code_name(code: int) -> str: ...

class Idp:
    @property
    def entity_id(self) -> str: ...
    @property
    def want_authn_requests_signed(self) -> bool: ...
    @property
    def valid_until(self) -> Optional[int]: ...
    @property
    def cache_duration(self) -> str: ...
    @property
    def signature_verified(self) -> bool: ...
    def sso_endpoints(self) -> List[Tuple[int, str, str]]: ...
    def slo_endpoints(self) -> List[Tuple[int, str, str]]: ...
    def nameid_formats(self) -> List[str]: ...
    def certificates(self) -> List[Tuple[bytes, str, str, str, str, int, int, str, int]]: ...
    def warnings(self) -> List[Tuple[int, str]]: ...
    def sso_url(self, binding: int) -> Optional[str]: ...

def import_idp(
    xml: bytes,
    entity_id: Optional[str],
    signer_pem: Optional[bytes],
    now: Optional[int],
    max_bytes: Optional[int],
    allow_sha1: bool = ...,
) -> Idp: ...

class Connection:
    @property
    def id(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def acs_url(self) -> str: ...
    @property
    def sp_entity_id(self) -> str: ...
    @property
    def allow_idp_initiated(self) -> bool: ...
    @property
    def jit_provisioning(self) -> bool: ...
    @property
    def clock_skew_seconds(self) -> int: ...
    @property
    def allow_sha1(self) -> bool: ...
    @property
    def email_attribute(self) -> str: ...
    @property
    def sp_certificate_pem(self) -> str: ...
    @property
    def sp_certificate_sha256(self) -> str: ...
    @property
    def authn_requests_signed(self) -> bool: ...
    @property
    def allow_rsa_1_5(self) -> bool: ...
    @property
    def allow_legacy_sp_key(self) -> bool: ...
    def sp_encryption_certificates(self) -> List[str]: ...
    def sp_encryption_certificate_sha256s(self) -> List[str]: ...
    def allowed_domains(self) -> List[str]: ...
    def allowed_return_origins(self) -> List[str]: ...
    def idp(self) -> Idp: ...
    def to_json(self) -> str: ...
    def sp_metadata(self) -> str: ...

def connection_new(
    idp: Idp,
    *,
    base_url: Optional[str],
    id: Optional[str],
    description: Optional[str],
    acs_url: Optional[str],
    sp_entity_id: Optional[str],
    acs_url_template: Optional[str],
    sp_entity_id_template: Optional[str],
    allowed_domains: List[str],
    email_attribute: Optional[str],
    sp_certificate_pem: Optional[str],
    allow_idp_initiated: bool,
    jit_provisioning: bool,
    clock_skew_seconds: int,
    allow_sha1: bool,
    allowed_return_origins: List[str] = ...,
    sp_encryption_certificates: List[str] = ...,
    allow_rsa_1_5: bool = ...,
    allow_legacy_sp_key: bool = ...,
) -> Connection: ...
def connection_from_json(json: bytes, now: Optional[int], max_bytes: Optional[int]) -> Connection: ...

# ---- login (python/src/login.cpp) ----

_Record = Tuple[str, str, str, int, int]

class RequestStore: ...

class SpKey:
    @property
    def certificate_pem(self) -> str: ...

def request_store_memory() -> RequestStore: ...
def request_store_open(location: str) -> RequestStore: ...
def request_store_from_callables(
    put: Callable[[str, str, str, str, int, int], None],
    take: Callable[[str, int], Optional[_Record]],
    take_by_request_id: Optional[Callable[[str, str, int], Optional[_Record]]],
) -> RequestStore: ...
def sp_key_new(key_pem: bytes, cert_pem: bytes) -> SpKey: ...
def sp_key_new_legacy(key_pem: bytes, cert_pem: bytes) -> SpKey: ...
def sp_login_begin(
    connection: Connection,
    store: RequestStore,
    *,
    return_to: Optional[str],
    sp_key: Optional[SpKey],
    binding: int,
    force_authn: bool,
    is_passive: bool,
    ttl_seconds: int,
    now: Optional[int],
) -> Tuple[str, str, int, str, str, str, str, bool, int, int]: ...
def sp_login_finish(
    connection: Connection,
    store: RequestStore,
    relay_state: str,
    saml_response: bytes,
    *,
    replay: Any,
    now: Optional[int],
    decryption_keys: List[SpKey] = ...,
) -> Tuple[Any, str]: ...

# ---- verification and replay caches (python/src/verify.cpp) ----
from typing import Any as _Any, Callable as _Callable, Dict as _Dict

class ReplayCache: ...

def replay_cache_new_memory(
    now: Optional[int], max_entries: Optional[int], max_entries_per_connection: Optional[int]
) -> ReplayCache: ...
def replay_cache_open_location(
    location: str, now: Optional[int], max_entries: Optional[int], max_entries_per_connection: Optional[int]
) -> ReplayCache: ...
def replay_cache_from_callable(fn: _Callable[[str, int], bool]) -> ReplayCache: ...
def verify_response(
    connection: Connection,
    saml_response: bytes,
    replay: ReplayCache,
    pending_request_ids: List[str],
    now: Optional[int],
    max_bytes: Optional[int],
    max_age_seconds: Optional[int],
    decryption_keys: List[SpKey] = ...,
) -> Tuple[str, str, str, str, str, str, str, int, Optional[int], str, List[Tuple[str, str, str, List[str]]]]: ...

_ExplanationTuple = Tuple[int, List[Tuple[str, int, int, str, str, str]], List[Tuple[str, str]]]

def explain_response(
    connection: Connection,
    saml_response: bytes,
    replay: Optional[ReplayCache],
    candidate: Optional[Idp],
    pending_request_ids: List[str],
    now: Optional[int],
    max_bytes: Optional[int],
    max_age_seconds: Optional[int],
    decryption_keys: List[SpKey] = ...,
) -> _ExplanationTuple: ...

# ---- testing IdP (python/src/testing.cpp) ----
TEST_SIGN_NONE: int
TEST_SIGN_RESPONSE: int
TEST_SIGN_ASSERTION: int
TEST_SIGN_BOTH: int
KEY_RSA_2048: int
KEY_EC_P256: int

class TestIdp:
    @property
    def entity_id(self) -> str: ...
    @property
    def certificate_pem(self) -> str: ...
    @property
    def private_key_pem(self) -> str: ...
    @property
    def metadata_xml(self) -> str: ...

def test_idp_new(entity_id: str, key_type: int, sso_url: str) -> TestIdp: ...
def test_idp_from_pem(entity_id: str, sso_url: str, key_pem: str, cert_pem: str) -> TestIdp: ...
def test_response_new(
    idp: TestIdp,
    connection: Connection,
    strings: _Dict[str, str],
    times: _Dict[str, int],
    attributes: List[Tuple[str, List[str], str, str]],
    authn_statement: Optional[bool],
    sign: Optional[int],
    encryption: Optional[Tuple[str, str, str, int]] = ...,
    answering: Optional[str] = ...,
) -> Tuple[str, str, str]: ...

# ---- gate (python/src/gate.cpp) ----

GATE_OUTCOME_LOGIN: int
GATE_OUTCOME_PROMPT_JOIN: int
GATE_OUTCOME_JOINED_BY_INVITE: int
GATE_OUTCOME_DENIED: int

class Gate: ...

def reason_name(reason: int) -> str: ...
def reason_text(reason: int) -> str: ...
def gate_open(location: str, shared: str, now: int, join_token_ttl_seconds: int) -> Gate: ...
def gate_create_account(gate: Gate, id: str, name: str, verified_domains: List[str]) -> None: ...
def gate_add_break_glass(gate: Gate, account_id: str, email: str) -> None: ...
def gate_add_connection(gate: Gate, account_id: str, connection: Connection, enabled: bool) -> None: ...
def gate_add_decryption_key(gate: Gate, key: SpKey) -> None: ...
def gate_set_connection_enabled(gate: Gate, connection_id: str, enabled: bool) -> None: ...
def gate_add_member(gate: Gate, account_id: str, email: str, role: int, has_password: bool) -> None: ...
def gate_invite(gate: Gate, account_id: str, email: str, role: int, ttl_seconds: int) -> Tuple[str, str, int]: ...
def gate_preview_enforcement(
    gate: Gate, account_id: str
) -> Tuple[bool, bool, int, int, str, List[str], List[str]]: ...
def gate_apply_sso_mode(
    gate: Gate, account_id: str, mode: int, force: bool
) -> Tuple[bool, bool, int, int, str, List[str], List[str]]: ...
def gate_begin_sp_login(
    gate: Gate,
    connection_id: str,
    return_to: str,
    sp_key: Optional[SpKey],
    binding: int,
    force_authn: bool,
    is_passive: bool,
    ttl_seconds: int,
) -> Tuple[str, str, int, str, str, str, str, bool, int, int]: ...
def gate_consume(gate: Gate, connection_id: str, saml_response: bytes, relay_state: str) -> Tuple[Any, ...]: ...
def gate_explain(
    gate: Gate, connection_id: str, saml_response: bytes, pending_request_ids: List[str], candidate: Optional[Idp],
    now: int,
) -> _ExplanationTuple: ...
def gate_confirm_join(gate: Gate, join_token: str) -> None: ...

_MemberTuple = Tuple[str, str, int, int, bool, int, bool, int, int]

def gate_confirm_join_member(gate: Gate, join_token: str) -> _MemberTuple: ...
def gate_find_member(gate: Gate, account_id: str, email: str) -> Optional[_MemberTuple]: ...
def gate_list_members(gate: Gate, account_id: str) -> List[_MemberTuple]: ...
def gate_check_stores(gate: Gate) -> None: ...
def gate_query_audit(
    gate: Gate,
    account_id: str,
    email: str,
    outcomes: str,
    reasons: str,
    after_seq: int,
    before_seq: int,
    since: int,
    until: int,
    newest_first: bool,
    limit: int,
) -> List[Tuple[int, int, str, str, str, str, str, str]]: ...
def gate_decide_password_login(gate: Gate, account_id: str, email: str) -> Tuple[bool, int, str]: ...
def gate_read_audit(
    gate: Gate, account_id: str, after_seq: int, limit: int
) -> List[Tuple[int, int, str, str, str, str, str, str]]: ...

# ---- directory (python/src/directory.cpp) ----

class Directory: ...

def directory_open(location: str) -> Directory: ...
def directory_from_python(bridge: Any) -> Directory: ...
def testing_directory_contract(directory: Directory) -> None: ...
def email_normalize(email: str) -> str: ...
def gate_new(
    directory: Directory, replay: ReplayCache, requests: RequestStore, now: int, join_token_ttl_seconds: int
) -> Gate: ...

# ---- policy (python/src/policy.cpp) ----

SSO_OUTCOME_LOGIN: int
SSO_OUTCOME_JOIN_BY_INVITE: int
SSO_OUTCOME_PROMPT_JOIN: int
SSO_OUTCOME_DENY: int

_PolicyAccount = Tuple[int, List[str], List[str]]
_PolicyFacts = Tuple[bool, int, int, int, bool, bool, bool]

def policy_decide_sso_login(
    account: _PolicyAccount,
    connection: Tuple[str, bool, bool, bool, List[str]],
    facts: _PolicyFacts,
    email: str,
    unsolicited: bool,
) -> Tuple[int, int, bool, str]: ...
def policy_decide_password_login(
    account: _PolicyAccount, facts: _PolicyFacts, email: str, sso_connection_id: str
) -> Tuple[bool, int, str]: ...
def policy_decide_invite_acceptance(
    account: _PolicyAccount, invited_email: str, method: int, sso_email: str
) -> Tuple[bool, int, str]: ...
def policy_preview_enforcement(
    account: _PolicyAccount, members: List[Tuple[str, int, int, bool]], has_enabled_connection: bool, force: bool
) -> Tuple[bool, bool, int, int, str, List[str], List[str]]: ...

# ---- metadata by URL, refresh, events (python/src/metadata.cpp) ----

class Fetcher: ...

def make_fetcher(
    allowed_networks: str,
    ca_file: str,
    timeout_ms: int,
    max_bytes: int,
    max_redirects: int,
    allow_http: bool,
    expiry_warning_days: int,
    now: int,
    fetch: Optional[Callable[[str, str, str], Tuple[int, bytes, str, str, str]]],
) -> Fetcher: ...
def import_idp_url(url: str, entity_id: str, signer_pem: str, allow_sha1: bool, fetcher: Fetcher) -> Idp: ...
def idp_from_settings(entity_id: str, sso_url: str, certificate: str) -> Idp: ...
def idp_events(idp: Idp) -> List[Tuple[int, str, str, str, int, str, str, int, int]]: ...
def idp_source(idp: Idp) -> Tuple[str, str, str, int, int, int, int, int, str]: ...
def connection_refresh(connection: Connection, fetcher: Fetcher) -> Tuple[Connection, bool, bool, int, str, List[Any]]: ...
def gate_refresh_connection(
    gate: Gate, connection_id: str, fetcher: Fetcher
) -> Tuple[Connection, bool, bool, int, str, List[Any]]: ...
