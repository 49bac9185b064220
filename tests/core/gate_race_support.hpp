// One race, run over any stores: two processes, each with its own Gate (its own connections, as two nodes
// would have), consume the very same signed assertion `per_process` times each, started together. Exactly one
// consume logs in; every other one is refused as a replay, and the audit log has one row per consume, in seq
// order. Used over SQLite + Redis (gate_stores_test.cpp) and PostgreSQL (gate_postgres_test.cpp).
#pragma once

#include "gate_support.hpp"
#include "store_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace gate_test {

inline void expect_one_login_of_one_assertion(const std::string &location, const std::string &shared, std::int64_t now,
                                              const std::string &response, std::size_t rows_before, int per_process) {
    using ssogate::core::Code;
    using ssogate::core::gate::Gate;
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    // Each child answers "accepted replayed other|first other reason".
    auto work = [&] {
        ::close(go[1]);
        auto gate = Gate::open(location, shared, frozen(now));
        char start = 0;
        if (::read(go[0], &start, 1) != 1) return std::string("Eno start signal");
        int accepted = 0, replayed = 0, other = 0;
        std::string first_other;
        for (int i = 0; i < per_process; ++i) {
            const auto o = gate->consume("okta", response, {});
            if (o.accepted()) {
                ++accepted;
            } else if (o.error == Code::replayed) {
                ++replayed;
            } else if (other++ == 0) {
                first_other = o.reason + ": " + o.reason_text;
            }
        }
        return std::to_string(accepted) + " " + std::to_string(replayed) + " " + std::to_string(other) + "|" +
               first_other;
    };
    store_test::Child a = store_test::spawn(work), b = store_test::spawn(work);
    ::close(go[0]);
    ASSERT_EQ(::write(go[1], "gg", 2), 2);  // both start now
    ::close(go[1]);
    const std::string ra = store_test::collect(a), rb = store_test::collect(b);
    int acc_a = 0, rep_a = 0, oth_a = 0, acc_b = 0, rep_b = 0, oth_b = 0;
    ASSERT_EQ(std::sscanf(ra.c_str(), "%d %d %d|", &acc_a, &rep_a, &oth_a), 3) << ra;
    ASSERT_EQ(std::sscanf(rb.c_str(), "%d %d %d|", &acc_b, &rep_b, &oth_b), 3) << rb;
    EXPECT_EQ(oth_a + oth_b, 0) << "A: " << ra << "\nB: " << rb;
    EXPECT_EQ(acc_a + acc_b, 1) << "exactly one of the consumes logs in";
    EXPECT_EQ(rep_a + rep_b, 2 * per_process - 1);

    auto reader = Gate::open(location, shared, frozen(now));
    const auto rows = reader->read_audit("acme", 0, 100000);
    ASSERT_EQ(rows.size(), rows_before + 2 * static_cast<std::size_t>(per_process)) << "one audit row per consume";
    int logins = 0, replays = 0;
    std::int64_t last_seq = 0;
    for (std::size_t i = rows_before; i < rows.size(); ++i) {
        if (rows[i].outcome == "LOGIN") ++logins;
        if (rows[i].outcome == "DENIED" && rows[i].reason == "REPLAYED") ++replays;
        EXPECT_GT(rows[i].seq, last_seq) << "rows in seq order";
        last_seq = rows[i].seq;
    }
    EXPECT_EQ(logins, 1);
    EXPECT_EQ(replays, 2 * per_process - 1);
    EXPECT_TRUE(reader->find_member("acme", "alice@example.com")->sso_linked);
}

}  // namespace gate_test
