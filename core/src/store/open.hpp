// One call that turns store locations into the stores a host needs.
//
//   open_stores("sqlite:/var/lib/app/ssogate.db")               everything in one SQLite file
//   open_stores("memory:")                                      everything in this process (tests)
//   open_stores("sqlite:/var/lib/app/ssogate.db",
//               "redis://127.0.0.1:6379/0")                     directory in SQLite; replay cache and
//                                                               pending requests shared in Redis
//
// The directory is never in Redis: it is the durable record (members, audit log) and needs
// transactions; Redis holds only the short-lived state that several nodes must share.
#pragma once

#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/redis.hpp"
#include "store/replay.hpp"
#include "store/sqlite.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace ssogate::core::store {

struct Stores {
    std::shared_ptr<Directory> directory;
    std::shared_ptr<ReplayCache> replay;
    std::shared_ptr<PendingRequests> pending;
};

struct StoreOptions {
    SqliteOptions sqlite;
    int redis_connect_timeout_ms = 1000;
    int redis_command_timeout_ms = 1000;
    std::string redis_key_prefix = "ssogate:";
    std::function<std::int64_t()> clock;  // for the replay caches; empty = the system clock
    ReplayLimits replay_limits;           // live assertion IDs, in all and per connection
};

// `location`: "sqlite:PATH" or "memory:" (the directory, and the shared state unless
// `shared_location` is given). `shared_location`: empty (same as `location`), "sqlite:PATH",
// "memory:" or "redis://HOST:PORT[/DB]". Throws store_location for a malformed or unsupported
// location (including redis:// as `location`), and what the stores throw when they cannot open.
// A Redis server that is down does not fail here: the first replay or pending call does.
Stores open_stores(std::string_view location, std::string_view shared_location = {}, const StoreOptions &options = {});

// The directory alone at `location` ("sqlite:PATH" or "memory:"), with the same errors.
std::shared_ptr<Directory> open_directory(std::string_view location, const StoreOptions &options = {});

}  // namespace ssogate::core::store
