// Shared by the gate_* tests: a Gate on a frozen clock, an account with a connection for a TestIdp,
// and responses signed for that connection.
#pragma once

#include "connection/connection.hpp"
#include "gate/gate.hpp"
#include "testing/idp.hpp"
#include "util/time.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace gate_test {

using namespace ssogate::core;

// One TestIdp for the whole test binary: making an RSA key per test would dominate the run time.
inline ssogate::core::testing::TestIdp &idp() {
    static ssogate::core::testing::TestIdp instance("https://okta.test.example/exk1",
                                                    ssogate::core::testing::KeyType::rsa2048);
    return instance;
}

struct ConnectionSetup {
    std::string id = "okta";
    bool allow_idp_initiated = true;
    bool jit = false;
    std::vector<std::string> allowed_domains;
};

inline std::shared_ptr<const Connection> make_conn(const ConnectionSetup &s) {
    ConnectionParams p;
    p.base_url = "https://app.example.com";
    p.id = s.id;
    p.settings.allow_idp_initiated = s.allow_idp_initiated;
    p.settings.jit_provisioning = s.jit;
    p.settings.allowed_email_domains = s.allowed_domains;
    return make_connection(idp().metadata(), p);
}

// A response for `conn` from the testing IdP, at `now`, for `email`; unsolicited unless
// `in_response_to` is given.
inline std::string response_for(const Connection &conn, std::int64_t now, const std::string &email,
                                const std::string &in_response_to = {}) {
    ssogate::core::testing::ResponseOptions o;
    o.now = now;
    o.acs_url = conn.acs_url();
    o.sp_entity_id = conn.sp_entity_id();
    o.nameid = email;
    o.in_response_to = in_response_to;
    return idp().response_base64(o);
}

inline gate::GateOptions frozen(std::int64_t now) {
    gate::GateOptions o;
    o.clock = [now] { return now; };
    return o;
}

}  // namespace gate_test
