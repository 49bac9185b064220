// "Why did this login fail?": the verification of a SAMLResponse run as a dry run that records every
// check (docs/diagnosing-a-failed-login.md).
//
// There is no second implementation of any check here: explain_response() runs the same Verifier as
// verify_response(), in a mode where each named step records its outcome and the values it compared,
// and where the one step that changes state (the replay-cache insert and the pending-request take) is
// replaced by a read-only look at the replay cache. So the first failing check always carries the code
// verify_response() refuses the same response with (tests/core/explain_test.cpp checks it on every
// attack vector and interop response). Nobody is ever logged in by it.
#pragma once

#include "connection/connection.hpp"
#include "error.hpp"
#include "metadata/idp.hpp"
#include "response/verify.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core {

enum class CheckStatus { pass = 0, fail = 1, not_reached = 2 };

// The stable name of a status: "pass", "fail", "not_reached".
const char *check_status_name(CheckStatus s) noexcept;

struct CheckResult {
    std::string name;  // stable, snake_case ("destination", "signature", ...): see check_names()
    CheckStatus status = CheckStatus::not_reached;
    Code code = Code::ok;  // fail: the code verification refuses with; ok otherwise
    std::string expected;  // what this connection expects ("" when the check compares nothing)
    std::string got;       // what the response holds
    std::string detail;    // fail: the refusal's operator message; otherwise a note or ""
};

// A plain-words cause, with a stable name ("signing_key_not_in_metadata", "acs_behind_proxy",
// "nameid_format_not_email", "clock_off", ...).
struct Hint {
    std::string name;
    std::string text;
};

struct Explanation {
    std::vector<CheckResult> checks;  // in the order verification runs them; every name of check_names()
    std::vector<Hint> hints;
    // The code of the first failing check (what verify_response() refuses with), ok when none failed.
    Code first_failure() const noexcept;
};

struct ExplainOptions {
    // A second metadata of the same IdP (for example freshly fetched from its metadata URL): the
    // explanation then says whether its signing certificates include the key the response was signed
    // with. Never used to accept anything.
    const IdpMetadata *candidate_metadata = nullptr;
};

// Every check name, in order. Those of an EncryptedAssertion ("decryption_key", "decryption",
// "decrypted_signatures") appear only in the explanation of an encrypted Response.
const std::vector<std::string> &check_names();

// Explains how verify_response(connection, saml_response_b64, context) decides, without its side
// effects: context.replay may be null (the "replay" check is then not reached); when set, it is only
// read (ReplayCache::contains), never written; context.pending is never used (the pending IDs in
// context.pending_request_ids are what InResponseTo is compared with). Throws only
// Error{invalid_argument} (no IdP metadata) or out-of-memory; every refusal is a failing check.
Explanation explain_response(const Connection &connection, std::string_view saml_response_b64,
                             const VerifyContext &context, const ExplainOptions &options = {});

}  // namespace ssogate::core
