// Section 1 of ssogate.h: version.
#include "internal.hpp"

#define SSOGATE_STR2(x) #x
#define SSOGATE_STR(x) SSOGATE_STR2(x)

int ssogate_version_number(void) noexcept { return SSOGATE_VERSION_NUMBER; }

const char *ssogate_version_string(void) noexcept {
    // Built from the same macros as the number, so the two cannot disagree.
    return SSOGATE_STR(SSOGATE_VERSION_MAJOR) "." SSOGATE_STR(SSOGATE_VERSION_MINOR) "." SSOGATE_STR(
        SSOGATE_VERSION_PATCH);
}
