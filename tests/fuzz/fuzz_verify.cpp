// libFuzzer target: arbitrary bytes as a SAML Response (decoded XML, and as the base64 form value)
// against fixed connections whose IdP key signed the seed corpus (corpus/verify, made by
// make_seeds). The contract under test: verification either returns a login read from the signed
// assertion or throws Rejection; nothing else escapes, nothing crashes, nothing leaks.
#include "fuzz_support.hpp"

#include "connection/connection.hpp"
#include "response/verify.hpp"
#include "util/email.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace {

using namespace ssogate;

struct Setup {
    std::shared_ptr<const core::Connection> strict;   // the defaults
    std::shared_ptr<const core::Connection> lenient;  // every opt-in on: reaches the other branches
    fuzz::AcceptEveryReplayCache replay;
};

Setup *setup = nullptr;

std::shared_ptr<const core::Connection> connection(std::shared_ptr<const core::IdpMetadata> idp,
                                                   core::ConnectionSettings settings) {
    core::ConnectionParams p;
    p.id = "fuzz";
    p.acs_url = fuzz::acs_url;
    p.sp_entity_id = fuzz::sp_entity_id;
    p.settings = std::move(settings);
    return core::make_connection(std::move(idp), p);
}

void check(const core::VerifiedLogin &login) {
    // A login must always name who logged in and which assertion it came from.
    if (login.email.empty() || login.email.find('@') == std::string::npos) fuzz::violated("login without an email");
    if (login.assertion_id.empty()) fuzz::violated("login without an assertion ID");
    if (!core::util::is_valid_email(login.email)) fuzz::violated("login with an invalid email");
}

void verify_xml(const core::Connection &conn, std::string_view input) {
    core::VerifyContext ctx;
    ctx.now = fuzz::verify_at;
    ctx.pending_request_ids = {fuzz::request_id};
    ctx.replay = &setup->replay;
    ctx.max_bytes = 64 * 1024;
    try {
        check(core::verify_response_xml(conn, conn.verification_keys(), input, ctx));
    } catch (const core::Rejection &) {
        // Refusals are the expected outcome for almost every input; any other exception type escapes
        // and libFuzzer reports it.
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    setup = new Setup();
    core::ImportOptions import;
    import.now = fuzz::seeds_signed_at;
    auto idp = core::import_idp_metadata(fuzz::read_file(SSOGATE_FUZZ_DIR "/testidp-metadata.xml"), import);
    setup->strict = connection(idp, {});
    core::ConnectionSettings lenient;
    lenient.allow_idp_initiated = true;
    lenient.allow_sha1 = true;
    lenient.clock_skew_seconds = 600;
    lenient.allowed_email_domains = {"example.com"};
    lenient.email_attribute = "email";
    setup->lenient = connection(idp, lenient);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    verify_xml(*setup->strict, input);
    verify_xml(*setup->lenient, input);
    // The same bytes as the posted form value: the size cap and the strict base64 decoder.
    core::VerifyContext ctx;
    ctx.now = fuzz::verify_at;
    ctx.replay = &setup->replay;
    ctx.max_bytes = 64 * 1024;
    try {
        check(core::verify_response(*setup->strict, input, ctx));
    } catch (const core::Rejection &) {
    }
    return 0;
}
