// `ssogate demo` (cli/src/demo.cpp).
#pragma once

#include <string>

struct DemoArgs {
    std::string dir;    // where the SQLite file goes; empty: a fresh temporary directory
    bool keep = false;  // keep the temporary directory (to inspect the database afterwards)
};

// Runs the whole flow; 0 when every step gave the expected outcome, 1 otherwise. Throws
// ssogate::Error for a failure that is not a login outcome (a store that cannot be opened).
int run_demo(const DemoArgs &args);
