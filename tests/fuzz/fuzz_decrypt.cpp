// libFuzzer target: arbitrary bytes as a SAML Response (decoded XML) verified by connections that
// hold an SP encryption certificate and get its private key, so that EncryptedAssertions are
// decrypted (crypto/xmlenc) and their plain text verified. Seeds: corpus/decrypt, made by make_seeds
// with every key transport, data algorithm and key placement, encrypted to the published TEST SP
// key of the attack vectors (fuzz::sp_encryption_key_file).
//
// Properties, beyond "nothing crashes, nothing leaks, nothing but Rejection escapes":
// - a login is accepted only if a signature of the IdP vouches for it: the fuzzer has no IdP key,
//   so every accepted login must be one that some seed (all signed by make_seeds) yields for that
//   connection, field for field;
// - a refusal that claims a verified signature (Rejection::signed_identity) names an identity that
//   some seed's signed Assertion states;
// - every DECRYPTION_FAILED refusal carries the one uniform message for the keys tried, whatever
//   step failed (anything else would be an oracle on padding, tag or plain text).
#include "fuzz_support.hpp"

#include "connection/connection.hpp"
#include "crypto/sign.hpp"
#include "crypto/xmlenc.hpp"
#include "response/verify.hpp"
#include "testing/idp.hpp"
#include "util/email.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ssogate;

struct Target {
    std::shared_ptr<const core::Connection> connection;
    std::string decryption_failed_message;  // the uniform DECRYPTION_FAILED text for its keys
    std::set<std::string> signed_logins;    // fingerprints of the logins the seeds yield
};

struct Setup {
    Target strict;   // one SP encryption certificate, every other setting at its default
    Target lenient;  // two certificates (rollover: an unrelated one first), RSA-1_5 and every other opt-in
    core::crypto::DecryptionKeys keys;        // given to every verification; each connection takes its own
    std::set<std::string> signed_identities;  // what the seeds' signed Assertions state
    fuzz::AcceptEveryReplayCache replay;
};

Setup *setup = nullptr;

void add_field(std::string &out, std::string_view v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
}

// Every field of a login, length-prefixed, so two logins have one fingerprint only if they are equal.
std::string fingerprint(const core::VerifiedLogin &l) {
    std::string out;
    for (std::string_view v :
         {std::string_view(l.connection_id), std::string_view(l.email), std::string_view(l.nameid),
          std::string_view(l.nameid_format), std::string_view(l.idp_entity_id), std::string_view(l.assertion_id),
          std::string_view(l.session_index), std::string_view(l.in_response_to)}) {
        add_field(out, v);
    }
    add_field(out, std::to_string(l.authn_instant));
    add_field(out, l.session_not_on_or_after ? std::to_string(*l.session_not_on_or_after) : "-");
    for (const core::Attribute &a : l.attributes) {
        add_field(out, a.name);
        add_field(out, a.name_format);
        add_field(out, a.friendly_name);
        add_field(out, std::to_string(a.values.size()));
        for (const std::string &v : a.values) add_field(out, v);
    }
    return out;
}

std::shared_ptr<const core::Connection> connection(const std::shared_ptr<const core::IdpMetadata> &idp, const char *id,
                                                   core::ConnectionSettings settings,
                                                   std::vector<std::string> sp_encryption_certificates) {
    core::ConnectionParams p;
    p.id = id;
    p.acs_url = fuzz::acs_url;
    p.sp_entity_id = fuzz::sp_entity_id;
    p.settings = std::move(settings);
    p.sp_encryption_certificates_pem = std::move(sp_encryption_certificates);
    return core::make_connection(idp, p);
}

// The message crypto::fail_decryption gives for `keys`, the keys a connection tries in that order.
std::string uniform_message(const core::crypto::DecryptionKeys &keys) {
    try {
        core::crypto::fail_decryption(keys);
    } catch (const core::Error &e) {
        return e.what();
    }
}

core::VerifiedLogin verify(const core::Connection &conn, std::string_view xml) {
    core::VerifyContext ctx;
    ctx.now = fuzz::verify_at;
    ctx.pending_request_ids = {fuzz::request_id};
    ctx.replay = &setup->replay;
    ctx.max_bytes = 64 * 1024;
    ctx.decryption_keys = &setup->keys;
    return core::verify_response_xml(conn, conn.verification_keys(), xml, ctx);
}

// What the seeds (every one signed by the IdP whose key the fuzzer lacks) yield on `t`: its logins,
// and the identities of the refusals that came after a signature verified.
void learn_from_seeds(Target &t) {
    for (const char *dir : {SSOGATE_FUZZ_DIR "/corpus/decrypt", SSOGATE_FUZZ_DIR "/corpus/verify"}) {
        for (const auto &entry : std::filesystem::directory_iterator(dir)) {
            const std::string xml = fuzz::read_file(entry.path().string());
            try {
                const core::VerifiedLogin login = verify(*t.connection, xml);
                t.signed_logins.insert(fingerprint(login));
                setup->signed_identities.insert(core::signed_identity_of(login));
            } catch (const core::Rejection &r) {
                if (r.signed_identity()) setup->signed_identities.insert(*r.signed_identity());
            }
        }
    }
    if (t.signed_logins.empty()) {
        // The seeds no longer verify (metadata and corpus out of step): every acceptance would look
        // like a forgery. Regenerate both with make_fuzz_seeds.
        std::fprintf(stderr, "fuzz_decrypt: no seed in corpus/decrypt or corpus/verify verifies for %s\n",
                     t.connection->id().c_str());
        std::abort();
    }
}

void run(const Target &t, std::string_view input) {
    try {
        const core::VerifiedLogin login = verify(*t.connection, input);
        if (login.email.empty() || !core::util::is_valid_email(login.email))
            fuzz::violated("login with an invalid email");
        if (t.signed_logins.count(fingerprint(login)) == 0)
            fuzz::violated("accepted a login that no signature of the IdP vouches for");
    } catch (const core::Rejection &r) {
        if (r.signed_identity() && setup->signed_identities.count(*r.signed_identity()) == 0)
            fuzz::violated("a refusal names a signed identity that the IdP never signed");
        if (r.code() == core::Code::decryption_failed && r.what() != t.decryption_failed_message)
            fuzz::violated("a DECRYPTION_FAILED refusal is not the uniform one");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    setup = new Setup();
    core::ImportOptions import;
    import.now = fuzz::seeds_signed_at;
    auto idp = core::import_idp_metadata(fuzz::read_file(SSOGATE_FUZZ_DIR "/testidp-metadata.xml"), import);

    const std::string sp_cert = fuzz::read_file(fuzz::sp_encryption_cert_file);
    const auto sp_key = core::crypto::SigningKey::from_pem(fuzz::read_file(fuzz::sp_encryption_key_file), sp_cert);
    // An unrelated SP key, listed first: the lenient connection tries it (and fails) before the
    // right one, as during a rollover; the strict connection never tries it (not its certificate).
    // With RSA-1_5 and AES-CBC the lenient connection's outcome is at present random: the wrong key's
    // unwrap yields a random session key, which passes CBC's padding check about 1 time in 16 and ends
    // the search before the right key (a genuine response is then refused, never a forged one
    // accepted). libFuzzer may see such inputs as unstable.
    const core::testing::TestIdp other("https://unrelated.fuzz.example/sp-key");
    const auto other_key = core::crypto::SigningKey::from_pem(other.private_key_pem(), other.certificate_pem());
    setup->keys = {other_key, sp_key};

    setup->strict.connection = connection(idp, "fuzz-strict", {}, {sp_cert});
    setup->strict.decryption_failed_message = uniform_message({sp_key});
    core::ConnectionSettings lenient;
    lenient.allow_idp_initiated = true;
    lenient.allow_sha1 = true;
    lenient.allow_rsa_1_5 = true;
    lenient.clock_skew_seconds = 600;
    lenient.allowed_email_domains = {"example.com"};
    lenient.email_attribute = "email";
    setup->lenient.connection = connection(idp, "fuzz-lenient", lenient, {other.certificate_pem(), sp_cert});
    setup->lenient.decryption_failed_message = uniform_message({other_key, sp_key});

    learn_from_seeds(setup->strict);
    learn_from_seeds(setup->lenient);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    run(setup->strict, input);
    run(setup->lenient, input);
    return 0;
}
