// Section 6 of ssogate.h, the end: "why did this login fail?", an explanation of a SAMLResponse
// (core::explain_response) and its getters. ssogate_gate_explain is in gate.cpp, beside the gate.
#include "internal.hpp"

#include <string>

namespace {

using ssogate::core::Code;

const ssogate::core::CheckResult *check(const ssogate_explanation *x, size_t i) noexcept {
    return x == nullptr || i >= x->e.checks.size() ? nullptr : &x->e.checks[i];
}

const ssogate::core::Hint *hint(const ssogate_explanation *x, size_t i) noexcept {
    return x == nullptr || i >= x->e.hints.size() ? nullptr : &x->e.hints[i];
}

}  // namespace

ssogate_explanation *ssogate_explain_response(const ssogate_connection *conn, const char *saml_response,
                                              size_t saml_response_len, const char *pending_request_ids,
                                              size_t pending_request_ids_len, ssogate_replay_cache *replay,
                                              const ssogate_idp *candidate_idp, const ssogate_verify_options *opts,
                                              ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (conn == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_explain_response: conn is NULL");
        }
        const auto response = ssogate::capi::input(saml_response, saml_response_len, "saml_response");
        const auto ids = ssogate::capi::input(pending_request_ids, pending_request_ids_len, "pending_request_ids");
        ssogate::core::VerifyContext ctx;
        ssogate::core::crypto::DecryptionKeys keys;
        ssogate::capi::read_verify_options(opts, ctx, keys);
        ctx.replay = replay == nullptr ? nullptr : replay->p.get();
        ctx.pending_request_ids = ssogate::capi::split_ids(ids);
        ssogate::core::ExplainOptions options;
        options.candidate_metadata = candidate_idp == nullptr ? nullptr : candidate_idp->p.get();
        return new ssogate_explanation{ssogate::core::explain_response(*conn->p, response, ctx, options)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_explanation_free(ssogate_explanation *explanation) noexcept { delete explanation; }

int ssogate_explanation_first_failure(const ssogate_explanation *explanation) noexcept {
    return explanation == nullptr ? SSOGATE_INVALID_ARGUMENT : static_cast<int>(explanation->e.first_failure());
}

size_t ssogate_explanation_check_count(const ssogate_explanation *explanation) noexcept {
    return explanation == nullptr ? 0 : explanation->e.checks.size();
}

const char *ssogate_explanation_check_name(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? nullptr : c->name.c_str();
}

int ssogate_explanation_check_status(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? -1 : static_cast<int>(c->status);
}

int ssogate_explanation_check_code(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? -1 : static_cast<int>(c->code);
}

const char *ssogate_explanation_check_expected(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? nullptr : c->expected.c_str();
}

const char *ssogate_explanation_check_got(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? nullptr : c->got.c_str();
}

const char *ssogate_explanation_check_detail(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *c = check(explanation, i);
    return c == nullptr ? nullptr : c->detail.c_str();
}

size_t ssogate_explanation_hint_count(const ssogate_explanation *explanation) noexcept {
    return explanation == nullptr ? 0 : explanation->e.hints.size();
}

const char *ssogate_explanation_hint_name(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *h = hint(explanation, i);
    return h == nullptr ? nullptr : h->name.c_str();
}

const char *ssogate_explanation_hint_text(const ssogate_explanation *explanation, size_t i) noexcept {
    const auto *h = hint(explanation, i);
    return h == nullptr ? nullptr : h->text.c_str();
}

const char *ssogate_check_status_name(int status) noexcept {
    switch (status) {
    case SSOGATE_CHECK_STATUS_PASS: return "pass";
    case SSOGATE_CHECK_STATUS_FAIL: return "fail";
    case SSOGATE_CHECK_STATUS_NOT_REACHED: return "not_reached";
    default: return nullptr;
    }
}

static_assert(static_cast<int>(ssogate::core::CheckStatus::pass) == SSOGATE_CHECK_STATUS_PASS);
static_assert(static_cast<int>(ssogate::core::CheckStatus::fail) == SSOGATE_CHECK_STATUS_FAIL);
static_assert(static_cast<int>(ssogate::core::CheckStatus::not_reached) == SSOGATE_CHECK_STATUS_NOT_REACHED);
