// Built instead of postgres.cpp when SSOGATE_WITH_POSTGRES is OFF (no libpq): every PostgreSQL location is
// refused up front with store_location, so a host learns at start-up that this build cannot reach it.
#include "store/postgres.hpp"

#include "error.hpp"

namespace ssogate::core::store {

namespace {

[[noreturn]] void no_postgres() {
    fail(Code::store_location,
         "PostgreSQL location: this build of ssogate has no PostgreSQL support (it was built "
         "with SSOGATE_WITH_POSTGRES=OFF); use sqlite:PATH or memory:, or a build with libpq");
}

}  // namespace

class PostgresDatabase {};

PostgresLocation parse_postgres_location(std::string_view) { no_postgres(); }
std::shared_ptr<PostgresDatabase> open_postgres(std::string_view, const PostgresOptions &) { no_postgres(); }
std::shared_ptr<sql::Connection> as_connection(std::shared_ptr<PostgresDatabase>) { no_postgres(); }
int schema_version(PostgresDatabase &) { no_postgres(); }
int schema_version_at_open(const PostgresDatabase &) { no_postgres(); }
std::uint64_t round_trips(const PostgresDatabase &) { no_postgres(); }

}  // namespace ssogate::core::store
