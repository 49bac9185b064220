// The decision handles of section 9 that two entry points hand out: the gate (gate.cpp, decisions
// over its directory) and the pure policy (policy.cpp, decisions over the caller's facts). One
// definition here, so both build the same handle and the getters in gate.cpp serve either.
#pragma once

#include "internal.hpp"

#include "policy/policy.hpp"

#include <string>
#include <string_view>
#include <vector>

// An enforcement preview; `applied` and `mode` are what ssogate_gate_apply_sso_mode did (a pure
// preview never applies, and reports the mode the caller gave).
struct ssogate_enforcement {
    ssogate::core::policy::EnforcementPreview p;
    bool applied = false;
    ssogate::core::policy::SsoMode mode = ssogate::core::policy::SsoMode::mixed;
};

struct ssogate_password_decision {
    ssogate::core::policy::PasswordDecision d;
};

namespace ssogate::capi {

// "a.com b.com,c.com" -> {"a.com", "b.com", "c.com"}: the list syntax of every section 9 call (and of
// section 6's request IDs). Empty items (doubled separators) are skipped.
inline std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t end = text.find_first_of(" ,", i);
        const std::size_t stop = end == std::string_view::npos ? text.size() : end;
        if (stop > i) out.emplace_back(text.substr(i, stop - i));
        i = stop + 1;
    }
    return out;
}

}  // namespace ssogate::capi
