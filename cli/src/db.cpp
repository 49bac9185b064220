#include "db.hpp"

#include "ssogate/ssogate.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

CLI::App *add_db_command(CLI::App &app, DbArgs &args) {
    auto *db = app.add_subcommand("db", "The database of the gate's stores");
    db->require_subcommand(1);
    auto *migrate = db->add_subcommand("migrate",
                                       "Bring a SQLite file or PostgreSQL database to this ssogate's schema, in one "
                                       "transaction (back it up first)");
    migrate
        ->add_option("LOCATION", args.location,
                     "sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (the password may also come from "
                     "PGPASSWORD or ~/.pgpass)")
        ->required();
    migrate->add_flag("--json", args.json, "Print {\"from\": N, \"to\": M} instead of a sentence");
    return migrate;
}

int run_db_migrate(const DbArgs &args) {
    const ssogate::Migration m = ssogate::migrate_database(args.location);
    if (args.json) {
        std::cout << nlohmann::json{{"from", m.from}, {"to", m.to}}.dump() << "\n";
    } else if (m.from == m.to) {
        std::cout << "already at schema version " << m.to << "\n";
    } else if (m.from == 0) {
        std::cout << "created schema version " << m.to << " in an empty database\n";
    } else {
        std::cout << "migrated from schema version " << m.from << " to " << m.to << "\n";
    }
    return 0;
}
