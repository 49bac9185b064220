// The responses the benchmarks verify, made once at start-up by the testing IdP: a typical
// Okta-like login (Response and Assertion both signed, RSA-2048/SHA-256, 5 attributes, about 7 KB),
// a large one (200 attributes), and the typical one with its Assertion encrypted to the SP. The clock
// is frozen so that they stay valid however long a run takes.
#pragma once

#include "constants.hpp"

#include "connection/connection.hpp"
#include "crypto/xmlenc.hpp"
#include "store/replay.hpp"
#include "testing/idp.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace ssogate::bench {

// Repeats are not refused: a benchmark verifies the same assertion millions of times, and making a
// fresh signed assertion per iteration would cost more than verifying it. The replay store's own
// cost is measured separately (BM_replay_memory_insert), so nothing is hidden, only separated.
class AcceptEveryReplayCache final : public core::ReplayCache {
public:
    bool insert_if_absent(std::string_view, std::string_view, std::int64_t) override { return true; }
};

struct Fixture {
    std::string name;
    std::string xml;     // the Response as the IdP serialised it
    std::string base64;  // the SAMLResponse form value
};

struct Fixtures {
    std::unique_ptr<core::testing::TestIdp> idp;
    std::string metadata_xml;
    std::shared_ptr<const core::Connection> connection;
    Fixture typical, large;

    // The typical response with its signed Assertion encrypted to the SP (RSA-OAEP mgf1p key
    // transport, AES-256-GCM, the EncryptedKey inside the EncryptedData's KeyInfo), then the
    // Response signed over the EncryptedAssertion: what an IdP with assertion encryption on sends.
    Fixture encrypted;
    // The same IdP and URLs as `connection`, plus the SP encryption certificate; `decryption_keys`
    // holds its private key (RSA-2048, made at start-up), as a host gives it to verification.
    std::shared_ptr<const core::Connection> encrypted_connection;
    core::crypto::DecryptionKeys decryption_keys;
};

// Builds everything (key generation and signing take a few milliseconds). Throws on any failure,
// including a fixture that does not verify: a benchmark of a refusal would measure the wrong path.
const Fixtures &fixtures();

}  // namespace ssogate::bench
