// Section 3 (metadata by URL, manual set-up, events), the end of section 4 (refresh) and the gate's
// refresh (section 9): translation only, onto core/src/metadata/refresh.hpp.
#include "internal.hpp"

#include "fetch/fetch.hpp"
#include "metadata/refresh.hpp"

#include <memory>
#include <string>
#include <vector>

namespace core = ssogate::core;
using core::Code;

struct ssogate_fetch_reply {
    core::fetch::Reply r;
    bool set = false;
};

struct ssogate_refresh {
    core::RefreshResult r;
    ssogate_metadata_event_list events;
    std::string error_message;
};

namespace {

ssogate_fetcher &require(ssogate_fetcher *f, const char *fn) {
    if (f == nullptr) core::fail(Code::invalid_argument, std::string(fn) + ": fetcher is NULL");
    return *f;
}

template <typename Body>
int setter(ssogate_error *err, Body body) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        body();
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}

void in_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const char *what) {
    if (v < lo || v > hi)
        core::fail(Code::invalid_setting, std::string(what) + " must be between " + std::to_string(lo) + " and " +
                                              std::to_string(hi) + ", got " + std::to_string(v));
}

// The host's callback as a core transport: its failure codes pass through with a message naming it.
core::fetch::Transport callback_transport(ssogate_fetch_fn fn, void *user_data) {
    return [fn, user_data](const core::fetch::Request &req, const core::fetch::Policy &) {
        ssogate_fetch_reply reply;
        const int rc = fn(user_data, req.url.data(), req.url.size(), req.if_none_match.data(), req.if_none_match.size(),
                          req.if_modified_since.data(), req.if_modified_since.size(), &reply);
        if (rc != SSOGATE_OK) {
            const bool known = rc == SSOGATE_METADATA_FETCH_FAILED || rc == SSOGATE_METADATA_FETCH_TIMEOUT ||
                               rc == SSOGATE_METADATA_TLS || rc == SSOGATE_METADATA_ADDRESS_BLOCKED;
            core::fail(known ? static_cast<Code>(rc) : Code::metadata_fetch_failed,
                       "the host's fetch callback could not get \"" + core::util::printable(req.url, 200) +
                           "\" (it returned " + core::code_name(rc) + ")");
        }
        if (!reply.set)
            core::fail(Code::metadata_fetch_failed,
                       "the host's fetch callback returned 0 without ssogate_fetch_reply_set");
        return reply.r;
    };
}

const core::MetadataEvent *event_at(const ssogate_metadata_event_list *l, size_t i) noexcept {
    return l == nullptr || i >= l->events.size() ? nullptr : &l->events[i];
}

const core::MetadataSource *source_of(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? nullptr : &idp->p->source();
}

}  // namespace

core::RefreshOptions ssogate::capi::refresh_options(const ssogate_fetcher *fetcher) {
    if (fetcher == nullptr) return {};
    core::RefreshOptions o = fetcher->o;
    if (fetcher->fn != nullptr) o.transport = callback_transport(fetcher->fn, fetcher->user_data);
    return o;
}

ssogate_fetcher *ssogate_fetcher_new(void) noexcept {
    try {
        return new ssogate_fetcher();
    } catch (...) {
        return nullptr;
    }
}

void ssogate_fetcher_free(ssogate_fetcher *fetcher) noexcept { delete fetcher; }

int ssogate_fetcher_set_allowed_networks(ssogate_fetcher *fetcher, const char *allowed_networks,
                                         size_t allowed_networks_len, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_allowed_networks");
        std::vector<core::fetch::Network> list;
        const std::string_view text = ssogate::capi::input(allowed_networks, allowed_networks_len, "allowed_networks");
        std::size_t i = 0;
        while (i < text.size()) {
            const std::size_t end = text.find_first_of(" ,", i);
            const std::size_t stop = end == std::string_view::npos ? text.size() : end;
            if (stop > i) list.push_back(core::fetch::parse_network(text.substr(i, stop - i)));
            i = stop + 1;
        }
        f.o.policy.allowed_networks = std::move(list);
    });
}

int ssogate_fetcher_set_ca_file(ssogate_fetcher *fetcher, const char *path, size_t path_len,
                                ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_ca_file");
        const std::string_view p = ssogate::capi::input(path, path_len, "path");
        if (p.find('\0') != std::string_view::npos)
            core::fail(Code::invalid_setting, "the CA file path holds a NUL byte");
        f.o.policy.ca_file = std::string(p);
    });
}

int ssogate_fetcher_set_timeout_ms(ssogate_fetcher *fetcher, int64_t timeout_ms, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_timeout_ms");
        in_range(timeout_ms, 100, 120000, "the timeout (ms)");
        f.o.policy.timeout_ms = static_cast<int>(timeout_ms);
        f.o.policy.connect_timeout_ms = std::min(f.o.policy.connect_timeout_ms, f.o.policy.timeout_ms);
    });
}

int ssogate_fetcher_set_max_bytes(ssogate_fetcher *fetcher, uint64_t max_bytes, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_max_bytes");
        if (max_bytes < 1024 || max_bytes > (64u << 20))
            core::fail(Code::invalid_setting,
                       "max_bytes must be between 1 KiB and 64 MiB, got " + std::to_string(max_bytes));
        f.o.policy.max_bytes = static_cast<std::size_t>(max_bytes);
    });
}

int ssogate_fetcher_set_max_redirects(ssogate_fetcher *fetcher, int max_redirects, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_max_redirects");
        in_range(max_redirects, 0, 10, "max_redirects");
        f.o.policy.max_redirects = max_redirects;
    });
}

int ssogate_fetcher_set_allow_http(ssogate_fetcher *fetcher, int allow, ssogate_error *err) noexcept {
    return setter(err, [&] { require(fetcher, "ssogate_fetcher_set_allow_http").o.policy.allow_http = allow != 0; });
}

int ssogate_fetcher_set_expiry_warning_days(ssogate_fetcher *fetcher, int days, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_expiry_warning_days");
        in_range(days, 1, 365, "expiry_warning_days");
        f.o.expiry_warning_days = days;
    });
}

int ssogate_fetcher_set_now(ssogate_fetcher *fetcher, int64_t now, ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_now");
        if (now < 0) core::fail(Code::invalid_argument, "now is negative");
        f.o.now = now == 0 ? std::nullopt : std::optional<std::int64_t>(now);
    });
}

int ssogate_fetcher_set_callback(ssogate_fetcher *fetcher, ssogate_fetch_fn fn, void *user_data,
                                 ssogate_error *err) noexcept {
    return setter(err, [&] {
        auto &f = require(fetcher, "ssogate_fetcher_set_callback");
        f.fn = fn;
        f.user_data = fn == nullptr ? nullptr : user_data;
    });
}

int ssogate_fetch_reply_set(ssogate_fetch_reply *reply, int status, const char *body, size_t body_len, const char *etag,
                            size_t etag_len, const char *last_modified, size_t last_modified_len, const char *location,
                            size_t location_len) noexcept {
    ssogate_error local;
    SSOGATE_CAPI_BEGIN(&local) {
        if (reply == nullptr) core::fail(Code::invalid_argument, "ssogate_fetch_reply_set: reply is NULL");
        in_range(status, 100, 599, "the HTTP status");
        reply->r.status = status;
        reply->r.body = std::string(ssogate::capi::input(body, body_len, "body"));
        reply->r.etag = std::string(ssogate::capi::input(etag, etag_len, "etag"));
        reply->r.last_modified = std::string(ssogate::capi::input(last_modified, last_modified_len, "last_modified"));
        reply->r.location = std::string(ssogate::capi::input(location, location_len, "location"));
        reply->set = true;
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(&local, local.code)
}

size_t ssogate_metadata_event_list_count(const ssogate_metadata_event_list *events) noexcept {
    return events == nullptr ? 0 : events->events.size();
}

int ssogate_metadata_event_list_kind(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? 0 : static_cast<int>(e->kind);
}

const char *ssogate_metadata_event_list_name(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? nullptr : core::metadata_event_name(e->kind);
}

const char *ssogate_metadata_event_list_message(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? nullptr : e->message.c_str();
}

const char *ssogate_metadata_event_list_fingerprint(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? nullptr : e->fingerprint.c_str();
}

int64_t ssogate_metadata_event_list_not_after(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? 0 : e->not_after;
}

const char *ssogate_metadata_event_list_old_value(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? nullptr : e->old_value.c_str();
}

const char *ssogate_metadata_event_list_new_value(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? nullptr : e->new_value.c_str();
}

int ssogate_metadata_event_list_failures(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? 0 : e->failures;
}

int ssogate_metadata_event_list_error_code(const ssogate_metadata_event_list *events, size_t i) noexcept {
    const auto *e = event_at(events, i);
    return e == nullptr ? SSOGATE_OK : static_cast<int>(e->error);
}

ssogate_idp *ssogate_idp_import_url(const char *url, size_t url_len, const char *entity_id, size_t entity_id_len,
                                    const char *signer_pem, size_t signer_pem_len, const ssogate_idp_options *opts,
                                    const ssogate_fetcher *fetcher, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){core::ImportOptions io = ssogate::capi::import_options(opts);
io.entity_id = std::string(ssogate::capi::input(entity_id, entity_id_len, "entity_id"));
io.trusted_signer_pem = std::string(ssogate::capi::input(signer_pem, signer_pem_len, "signer_pem"));
core::RefreshOptions ro = ssogate::capi::refresh_options(fetcher);
if (!ro.now && io.now) ro.now = io.now;
auto imported = core::import_idp_metadata_url(ssogate::capi::input(url, url_len, "url"), io, ro);
auto handle = std::make_unique<ssogate_idp>(imported.idp);
handle->events.events = std::move(imported.events);
return handle.release();
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_idp *ssogate_idp_from_settings(const char *entity_id, size_t entity_id_len, const char *sso_url,
                                       size_t sso_url_len, const char *certificate, size_t certificate_len,
                                       const ssogate_idp_options *opts, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        return new ssogate_idp(core::idp_from_settings(
            ssogate::capi::input(entity_id, entity_id_len, "entity_id"),
            ssogate::capi::input(sso_url, sso_url_len, "sso_url"),
            ssogate::capi::input(certificate, certificate_len, "certificate"), ssogate::capi::import_options(opts)));
    }
    SSOGATE_CAPI_END(err, nullptr)
}

const ssogate_metadata_event_list *ssogate_idp_events(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? nullptr : &idp->events;
}

const char *ssogate_idp_source_url(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? "" : s->url.c_str();
}

const char *ssogate_idp_source_etag(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? "" : s->etag.c_str();
}

const char *ssogate_idp_source_last_modified(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? "" : s->last_modified.c_str();
}

int64_t ssogate_idp_source_fetched_at(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? 0 : s->fetched_at;
}

int64_t ssogate_idp_source_attempted_at(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? 0 : s->attempted_at;
}

int64_t ssogate_idp_source_next_refresh_at(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? 0 : s->next_refresh_at;
}

int ssogate_idp_source_failures(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? 0 : s->consecutive_failures;
}

int ssogate_idp_source_last_error_code(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? SSOGATE_OK : s->last_error_code;
}

const char *ssogate_idp_source_last_error(const ssogate_idp *idp) noexcept {
    const auto *s = source_of(idp);
    return s == nullptr ? "" : s->last_error.c_str();
}

namespace ssogate::capi {

const ssogate_metadata_event_list *refresh_event_list(const ssogate_refresh *refresh) noexcept {
    return refresh == nullptr ? nullptr : &refresh->events;
}

ssogate_refresh *make_refresh(core::RefreshResult r) {
    auto out = std::make_unique<ssogate_refresh>();
    out->events.events = r.events;
    if (r.failure) out->error_message = r.failure->what();
    out->r = std::move(r);
    return out.release();
}

}  // namespace ssogate::capi

ssogate_refresh *ssogate_connection_refresh(const ssogate_connection *conn, const ssogate_fetcher *fetcher,
                                            ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (conn == nullptr) core::fail(Code::invalid_argument, "ssogate_connection_refresh: conn is NULL");
        return ssogate::capi::make_refresh(core::refresh_connection(*conn->p, ssogate::capi::refresh_options(fetcher)));
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_refresh_free(ssogate_refresh *refresh) noexcept { delete refresh; }

ssogate_connection *ssogate_refresh_connection(const ssogate_refresh *refresh, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (refresh == nullptr) core::fail(Code::invalid_argument, "ssogate_refresh_connection: refresh is NULL");
        return new ssogate_connection(refresh->r.connection);
    }
    SSOGATE_CAPI_END(err, nullptr)
}

int ssogate_refresh_applied(const ssogate_refresh *refresh) noexcept {
    return refresh != nullptr && refresh->r.applied ? 1 : 0;
}

int ssogate_refresh_not_modified(const ssogate_refresh *refresh) noexcept {
    return refresh != nullptr && refresh->r.not_modified ? 1 : 0;
}

int ssogate_refresh_error_code(const ssogate_refresh *refresh) noexcept {
    return refresh == nullptr || !refresh->r.failure ? SSOGATE_OK : static_cast<int>(refresh->r.failure->code());
}

const char *ssogate_refresh_error_message(const ssogate_refresh *refresh) noexcept {
    return refresh == nullptr ? "" : refresh->error_message.c_str();
}

const ssogate_metadata_event_list *ssogate_refresh_events(const ssogate_refresh *refresh) noexcept {
    return refresh == nullptr ? nullptr : &refresh->events;
}
