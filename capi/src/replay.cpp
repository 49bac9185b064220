// Section 5 of ssogate.h, the replay cache: in memory, at a store location (SQLite, Redis), or over
// the host's own callbacks.
#include "internal.hpp"

#include "store/open.hpp"
#include "store/replay_memory.hpp"

#include <functional>
#include <limits>
#include <string>

namespace {

using ssogate::core::Code;

// The first published ssogate_replay_cache_options: struct_size, now, max_entries.
constexpr std::size_t replay_options_v1_size =
    offsetof(ssogate_replay_cache_options, max_entries) + sizeof(std::uint64_t);
// The first published ssogate_replay_callbacks: struct_size, user_data, the two functions.
constexpr std::size_t replay_callbacks_v1_size =
    offsetof(ssogate_replay_callbacks, free_user_data) + sizeof(void (*)(void *));

struct CacheSettings {
    std::function<std::int64_t()> clock;  // empty: the system clock
    ssogate::core::ReplayLimits limits;
};

std::size_t to_size(std::uint64_t v) {
    return static_cast<std::size_t>(std::min<std::uint64_t>(v, std::numeric_limits<std::size_t>::max()));
}

CacheSettings settings_of(const ssogate_replay_cache_options *opts) {
    CacheSettings out;
    if (opts == nullptr) {
        return out;
    }
    ssogate::capi::require_struct_size(opts->struct_size, replay_options_v1_size, "ssogate_replay_cache_options");
    if (opts->now != 0) {
        const std::int64_t frozen = opts->now;
        out.clock = [frozen] { return frozen; };
    }
    if (opts->max_entries != 0) out.limits.max_entries = to_size(opts->max_entries);
    if (SSOGATE_CAPI_COVERS(opts, max_entries_per_connection)) {
        out.limits.max_entries_per_connection = to_size(opts->max_entries_per_connection);
    }
    return out;
}

// The host's store. The callbacks are C: they cannot throw, and a non-zero return is the only way
// they can say "I could not answer", which must refuse the login rather than let it through.
class CallbackReplayCache final : public ssogate::core::ReplayCache {
public:
    explicit CallbackReplayCache(const ssogate_replay_callbacks &cb) : cb_(cb) {}
    ~CallbackReplayCache() override {
        if (cb_.free_user_data != nullptr) {
            cb_.free_user_data(cb_.user_data);
        }
    }
    CallbackReplayCache(const CallbackReplayCache &) = delete;
    CallbackReplayCache &operator=(const CallbackReplayCache &) = delete;

    bool insert_if_absent(std::string_view, std::string_view key, std::int64_t expires_at) override {
        // Anything but an explicit 1 or 0 is a broken store: fail closed.
        int inserted = -1;
        const int rc = cb_.insert_if_absent(cb_.user_data, key.data(), key.size(), expires_at, &inserted);
        if (rc != 0) {
            ssogate::core::fail(Code::store_unavailable,
                                "the host's replay cache callback returned " + std::to_string(rc));
        }
        if (inserted != 0 && inserted != 1) {
            ssogate::core::fail(Code::store_unavailable,
                                "the host's replay cache callback returned 0 but set *inserted to " +
                                    std::to_string(inserted) + ", expected 0 or 1");
        }
        return inserted == 1;
    }

private:
    ssogate_replay_callbacks cb_;
};

}  // namespace

void ssogate_replay_cache_options_init(ssogate_replay_cache_options *opts, size_t size) noexcept {
    // now 0 (the system clock) and max_entries 0 (the default) are already what zeroing gives.
    ssogate::capi::init_options(opts, size, [](ssogate_replay_cache_options *) {});
}

ssogate_replay_cache *ssogate_replay_cache_new_memory(const ssogate_replay_cache_options *opts,
                                                      ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){const CacheSettings s = settings_of(opts);
return new ssogate_replay_cache{std::make_shared<ssogate::core::MemoryReplayCache>(s.clock, s.limits)};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_replay_cache *ssogate_replay_cache_open(const char *location, size_t location_len,
                                                const ssogate_replay_cache_options *opts, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){const std::string_view loc = ssogate::capi::input(location, location_len, "location");
const CacheSettings s = settings_of(opts);
if (loc == "memory:") {
    return new ssogate_replay_cache{std::make_shared<ssogate::core::MemoryReplayCache>(s.clock, s.limits)};
}
ssogate::core::store::StoreOptions so;
so.clock = s.clock;
so.replay_limits = s.limits;
// open_stores' first location holds the directory, which Redis cannot: a replay cache in
// Redis comes with a throwaway in-memory directory that nothing here uses.
const bool redis = loc.substr(0, 8) == "redis://" || loc.substr(0, 9) == "rediss://";
auto stores =
    ssogate::core::store::open_stores(redis ? std::string_view("memory:") : loc, redis ? loc : std::string_view(), so);
return new ssogate_replay_cache{std::move(stores.replay)};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_replay_cache *ssogate_replay_cache_new_callbacks(const ssogate_replay_callbacks *cb,
                                                         ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (cb == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_replay_cache_new_callbacks: cb is NULL");
        }
        ssogate::capi::require_struct_size(cb->struct_size, replay_callbacks_v1_size, "ssogate_replay_callbacks");
        if (cb->insert_if_absent == nullptr) {
            ssogate::core::fail(Code::invalid_argument,
                                "ssogate_replay_cache_new_callbacks: cb->insert_if_absent is NULL");
        }
        return new ssogate_replay_cache{std::make_shared<CallbackReplayCache>(*cb)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_replay_cache_free(ssogate_replay_cache *cache) noexcept { delete cache; }
