// `ssogate db migrate LOCATION` (cli/src/db.cpp): brings a SQLite file or a PostgreSQL database to the
// schema this ssogate writes, as the deliberate upgrade step before new nodes start.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

struct DbArgs {
    std::string location;  // sqlite:PATH or postgresql://...
    bool json = false;
};

// Registers `db migrate` on `app`, filling `args`; run it when the returned command was parsed.
CLI::App *add_db_command(CLI::App &app, DbArgs &args);

// Prints what was done ("migrated from schema version 2 to 3" or "already at schema version 3"), as JSON
// with --json. Returns 0; throws ssogate::Error when the library refuses (a newer schema, a location
// without one, a database that cannot be reached).
int run_db_migrate(const DbArgs &args);
