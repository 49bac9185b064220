// Shared by the fuzz targets: the frozen clock and a replay cache that never refuses, so that an
// input gives the same result however often libFuzzer replays it (a stateful target cannot be
// minimised or reproduced).
#pragma once

#include "store/replay.hpp"

#include <cstdint>
#include <string>

namespace ssogate::fuzz {

// The seeds in corpus/verify and corpus/decrypt were signed at this time (tests/fuzz/make_seeds.cpp).
inline constexpr std::int64_t seeds_signed_at = 1767225600;  // 2026-01-01T00:00:00Z
inline constexpr std::int64_t verify_at = seeds_signed_at + 30;
inline constexpr const char *acs_url = "https://app.example.com/sso/saml/fuzz/acs";
inline constexpr const char *sp_entity_id = "https://app.example.com/sso/saml/fuzz";
inline constexpr const char *request_id = "_fuzz-request-1";

// The published TEST SP encryption key pair of the attack vectors (tests/vectors/attacks): the seeds of
// corpus/decrypt are encrypted to this certificate, and fuzz_decrypt decrypts with this key.
inline constexpr const char *sp_encryption_cert_file = SSOGATE_FUZZ_DIR "/../vectors/attacks/TEST-SP-ENC-CERT.pem";
inline constexpr const char *sp_encryption_key_file =
    SSOGATE_FUZZ_DIR "/../vectors/attacks/TEST-SP-ENC-KEY-DO-NOT-USE.pem";

class AcceptEveryReplayCache final : public core::ReplayCache {
public:
    bool insert_if_absent(std::string_view, std::string_view, std::int64_t) override { return true; }
};

// A broken invariant: abort, so libFuzzer records the input as a crash.
[[noreturn]] void violated(const char *what);

std::string read_file(const std::string &path);

}  // namespace ssogate::fuzz
