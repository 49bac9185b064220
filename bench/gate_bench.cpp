// Gate consumes per second (verification + policy + store + audit) on SQLite and on PostgreSQL, beside
// verification alone (the same responses, a memory replay cache) measured in the same run, with one thread
// and with two. Prints each path's time per login, its ratio to verification alone, and on PostgreSQL the
// database round trips per login.
//
//   ssogate_bench_gate [--logins N] [--postgres URL]
//
// bench/run-gate.sh starts a private PostgreSQL server (tests/support/pg_server.py) and passes its URL.
// Every consume is a distinct member's first login with a freshly signed assertion (signed before the
// clock starts), so each one verifies, decides, updates a member row and appends an audit row.
#include "connection/connection.hpp"
#include "gate/gate.hpp"
#include "response/verify.hpp"
#include "store/open.hpp"
#include "store/postgres.hpp"
#include "store/replay_memory.hpp"
#include "store/sql/connection.hpp"
#include "testing/idp.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ssogate::core;

namespace {

struct Fixture {
    testing::TestIdp idp{"https://okta.bench.example/exk1", testing::KeyType::rsa2048};
    std::shared_ptr<const Connection> conn;
    std::int64_t now = util::now_seconds();
    std::string account;

    // One per measured run: its own account and connection, so runs over one database do not collide.
    explicit Fixture(int run) : account("acme" + std::to_string(run)) {
        ConnectionParams p;
        p.base_url = "https://app.example.com";
        p.id = "okta" + std::to_string(run);
        p.settings.allow_idp_initiated = true;  // the responses are unsolicited: no request to match
        conn = make_connection(idp.metadata(), p);
    }

    std::string email(int thread, int i) const {
        return "t" + std::to_string(thread) + "u" + std::to_string(i) + "@example.com";
    }

    // Responses for threads x logins distinct users, signed up front.
    std::vector<std::vector<std::string>> responses(int threads, int logins) {
        std::vector<std::vector<std::string>> out(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t) {
            for (int i = 0; i < logins; ++i) {
                testing::ResponseOptions o;
                o.now = now;
                o.acs_url = conn->acs_url();
                o.sp_entity_id = conn->sp_entity_id();
                o.nameid = email(t, i);
                out[static_cast<std::size_t>(t)].push_back(idp.response_base64(o));
            }
        }
        return out;
    }
};

// Runs work(thread) on `threads` threads at once; returns the wall time per item.
template <typename Work>
double seconds_per_item(int threads, int items_per_thread, Work work) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(t); });
    for (auto &th : pool) th.join();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    return took.count() / (threads * items_per_thread);
}

double verify_alone(Fixture &f, int threads, int logins) {
    const auto responses = f.responses(threads, logins);
    MemoryReplayCache replay;
    return seconds_per_item(threads, logins, [&](int t) {
        VerifyContext ctx;
        ctx.now = f.now;
        ctx.replay = &replay;
        for (const auto &r : responses[static_cast<std::size_t>(t)]) (void)verify_response(*f.conn, r, ctx);
    });
}

// A gate over `stores` with the run's account, its connection and every member the run signs in.
std::shared_ptr<gate::Gate> seeded_gate(Fixture &f, store::Stores stores, int threads, int logins) {
    gate::GateOptions o;
    const std::int64_t now = f.now;
    o.clock = [now] { return now; };
    auto g = std::make_shared<gate::Gate>(std::move(stores), o);
    g->create_account(f.account, "Acme", {"example.com"});
    g->add_connection(f.account, f.conn);
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < logins; ++i) g->add_member(f.account, f.email(t, i), policy::Role::member, false);
    return g;
}

double gate_consumes(Fixture &f, gate::Gate &g, int threads, int logins) {
    const auto responses = f.responses(threads, logins);
    int refused = 0;
    const double s = seconds_per_item(threads, logins, [&](int t) {
        for (const auto &r : responses[static_cast<std::size_t>(t)])
            if (!g.consume(f.conn->id(), r, {}).accepted()) ++refused;  // reported below; a refused run means nothing
    });
    if (refused != 0) {
        std::fprintf(stderr, "%d consumes were refused: the figures are void\n", refused);
        std::exit(1);
    }
    return s;
}

void row(const char *what, int threads, double s, double reference, const std::string &extra = {}) {
    std::printf("| %-34s | %d | %8.0f us | %7.0f /s | %5.2fx |%s\n", what, threads, s * 1e6, threads / s, s / reference,
                extra.c_str());
}

}  // namespace

int main(int argc, char **argv) {
    int logins = 300;
    std::string postgres;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--logins" && i + 1 < argc) {
            logins = std::atoi(argv[++i]);
        } else if (a == "--postgres" && i + 1 < argc) {
            postgres = argv[++i];
        } else {
            std::fprintf(stderr, "usage: ssogate_bench_gate [--logins N] [--postgres URL]\n");
            return 2;
        }
    }
    int run = 0;
    const auto dir = std::filesystem::temp_directory_path() / ("ssogate-gate-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::printf("| path | threads | wall time per login | logins | vs verification alone | round trips per login\n");
    std::printf("| --- | --- | --- | --- | --- | --- |\n");
    for (int threads : {1, 2}) {
        Fixture f(++run);
        const double reference = verify_alone(f, threads, logins);
        row("verification alone (memory replay)", threads, reference, reference);
        {
            const auto path = dir / ("gate-" + std::to_string(threads) + ".db");
            Fixture fs(++run);
            auto g = seeded_gate(fs, store::open_stores("sqlite:" + path.string()), threads, logins);
            row("gate consume, SQLite (one file)", threads, gate_consumes(fs, *g, threads, logins), reference);
        }
        if (!postgres.empty()) {
            auto db = store::open_postgres(postgres);
            auto conn = store::as_connection(db);
            store::Stores stores{store::sql::make_directory(conn), store::sql::make_replay_cache(conn, {}, {}),
                                 store::sql::make_pending_requests(conn)};
            Fixture fp(++run);
            auto g = seeded_gate(fp, std::move(stores), threads, logins);
            const std::uint64_t before = store::round_trips(*db);
            const double s = gate_consumes(fp, *g, threads, logins);
            const double trips = static_cast<double>(store::round_trips(*db) - before) / (threads * logins);
            char extra[64];
            std::snprintf(extra, sizeof extra, " %.1f |", trips);
            row("gate consume, PostgreSQL (pool)", threads, s, reference, extra);
        }
    }
    std::filesystem::remove_all(dir);
    return 0;
}
