// Section 5 of ssogate.h, the pending-request store of SP-initiated logins: in memory, at a store
// location (SQLite, Redis), or over the host's own callbacks.
#include "internal.hpp"

#include "store/open.hpp"
#include "store/redis.hpp"
#include "store/sqlite.hpp"
#include "util/text.hpp"

#include <string>

// The record a callback reads (put) or fills (take). `filled` tells a take that reported found=1
// without calling ssogate_pending_request_set apart from a real record.
struct ssogate_pending_request {
    ssogate::core::store::PendingRequest r;
    bool filled = false;
};

namespace {

using ssogate::core::Code;
using ssogate::core::store::PendingRequest;

// The first published ssogate_request_callbacks: struct_size, user_data, the three functions.
constexpr std::size_t request_callbacks_v1_size =
    offsetof(ssogate_request_callbacks, free_user_data) + sizeof(void (*)(void *));

// The host's store. C callbacks cannot throw: a non-zero return is how they say "I could not
// answer", which must refuse the login rather than let it through.
class CallbackPendingRequests final : public ssogate::core::store::PendingRequests {
public:
    explicit CallbackPendingRequests(const ssogate_request_callbacks &cb) : cb_(cb) {}
    ~CallbackPendingRequests() override {
        if (cb_.free_user_data != nullptr) {
            cb_.free_user_data(cb_.user_data);
        }
    }
    CallbackPendingRequests(const CallbackPendingRequests &) = delete;
    CallbackPendingRequests &operator=(const CallbackPendingRequests &) = delete;

    void put(std::string_view token, const PendingRequest &request) override {
        ssogate_pending_request record{request, true};
        check(cb_.put(cb_.user_data, token.data(), token.size(), &record), "put");
    }

    std::optional<PendingRequest> take(std::string_view token, std::int64_t now) override {
        ssogate_pending_request out;
        int found = -1;
        check(cb_.take(cb_.user_data, token.data(), token.size(), now, &out, &found), "take");
        return result(out, found, "take");
    }

    std::optional<PendingRequest> take_by_request_id(std::string_view connection_id, std::string_view request_id,
                                                     std::int64_t now) override {
        if (cb_.take_by_request_id == nullptr) {
            return std::nullopt;  // documented: such responses are refused as unknown requests
        }
        ssogate_pending_request out;
        int found = -1;
        check(cb_.take_by_request_id(cb_.user_data, connection_id.data(), connection_id.size(), request_id.data(),
                                     request_id.size(), now, &out, &found),
              "take_by_request_id");
        return result(out, found, "take_by_request_id");
    }

private:
    static void check(int rc, const char *what) {
        if (rc != 0) {
            ssogate::core::fail(Code::store_unavailable, std::string("the host's pending-request ") + what +
                                                             " callback returned " + std::to_string(rc));
        }
    }
    static std::optional<PendingRequest> result(const ssogate_pending_request &out, int found, const char *what) {
        // Anything but an explicit 0 or 1 (with a record) is a broken store: fail closed.
        if (found == 0) {
            return std::nullopt;
        }
        if (found != 1 || !out.filled) {
            ssogate::core::fail(
                Code::store_unavailable,
                std::string("the host's pending-request ") + what + " callback returned 0 but set *found to " +
                    std::to_string(found) +
                    (found == 1 ? " without calling ssogate_pending_request_set" : ", expected 0 or 1"));
        }
        return out.r;
    }

    ssogate_request_callbacks cb_;
};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

ssogate_request_store *ssogate_request_store_new_memory(ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){return new ssogate_request_store{ssogate::core::store::make_memory_pending_requests()};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_request_store *ssogate_request_store_open(const char *location, size_t location_len,
                                                  ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){namespace st = ssogate::core::store;
const std::string_view loc = ssogate::capi::input(location, location_len, "location");
if (loc == "memory:") {
    return new ssogate_request_store{st::make_memory_pending_requests()};
}
// The same registry as the gate's (sqlite:, postgresql://, redis://): open_stores' first location holds the
// directory, which Redis cannot, so a store in Redis comes with a throwaway in-memory directory.
const bool redis = starts_with(loc, "redis://") || starts_with(loc, "rediss://");
auto stores = st::open_stores(redis ? std::string_view("memory:") : loc, redis ? loc : std::string_view());
return new ssogate_request_store{std::move(stores.pending)};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_request_store *ssogate_request_store_new_callbacks(const ssogate_request_callbacks *cb,
                                                           ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (cb == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_request_store_new_callbacks: cb is NULL");
        }
        ssogate::capi::require_struct_size(cb->struct_size, request_callbacks_v1_size, "ssogate_request_callbacks");
        if (cb->put == nullptr || cb->take == nullptr) {
            ssogate::core::fail(Code::invalid_argument,
                                "ssogate_request_store_new_callbacks: put and take are required");
        }
        return new ssogate_request_store{std::make_shared<CallbackPendingRequests>(*cb)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_request_store_free(ssogate_request_store *store) noexcept { delete store; }

const char *ssogate_pending_request_request_id(const ssogate_pending_request *r) noexcept {
    return r == nullptr ? nullptr : r->r.request_id.c_str();
}

const char *ssogate_pending_request_connection_id(const ssogate_pending_request *r) noexcept {
    return r == nullptr ? nullptr : r->r.connection_id.c_str();
}

const char *ssogate_pending_request_return_to(const ssogate_pending_request *r) noexcept {
    return r == nullptr ? nullptr : r->r.return_to.c_str();
}

int64_t ssogate_pending_request_created_at(const ssogate_pending_request *r) noexcept {
    return r == nullptr ? 0 : r->r.created_at;
}

int64_t ssogate_pending_request_expires_at(const ssogate_pending_request *r) noexcept {
    return r == nullptr ? 0 : r->r.expires_at;
}

int ssogate_pending_request_set(ssogate_pending_request *r, const char *request_id, size_t request_id_len,
                                const char *connection_id, size_t connection_id_len, const char *return_to,
                                size_t return_to_len, int64_t created_at, int64_t expires_at) noexcept {
    ssogate_error local;
    SSOGATE_CAPI_BEGIN(&local) {
        if (r == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_pending_request_set: r is NULL");
        }
        PendingRequest p;
        p.request_id = std::string(ssogate::capi::input(request_id, request_id_len, "request_id"));
        p.connection_id = std::string(ssogate::capi::input(connection_id, connection_id_len, "connection_id"));
        p.return_to = std::string(ssogate::capi::input(return_to, return_to_len, "return_to"));
        p.created_at = created_at;
        p.expires_at = expires_at;
        r->r = std::move(p);
        r->filled = true;
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(&local, local.code)
}
