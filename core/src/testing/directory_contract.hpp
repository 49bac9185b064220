// The directory contract: every check a Directory must pass, whatever keeps it (memory, SQLite, a
// host's database behind the C ABI, a Python or Go directory). One suite, run by
// tests/core/store_contract_test.cpp and, through ssogate_test_directory_contract, by the C,
// Python and Go tests over their own directories, so that no backend's semantics drift.
#pragma once

#include "store/directory.hpp"

namespace ssogate::core::testing {

// Runs every check against `dir`, which must start empty: the checks write accounts, members,
// invites, join tokens and audit rows of their own (accounts named "contract-..."), so this is for
// tests only. Returns when every check passed. At the first failure throws Error{store_corrupt,
// "directory contract, <check>: <what was expected>; <what came>"}; when the directory cannot
// answer, its own Error, with the check's name put in front of the message.
void check_directory_contract(store::Directory &dir);

}  // namespace ssogate::core::testing
