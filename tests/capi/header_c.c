/*
 * ssogate.h must stand alone in strict ISO C: it is the only header C callers include. The build
 * compiles this file as C11; the capi_header_c99 test compiles it again as C99 with every warning an
 * error, which refuses what C11 tolerates (a typedef declared twice, for one).
 */
#include <ssogate/ssogate.h>

/* An ISO C translation unit must not be empty; this also proves the typedefs are usable. */
typedef ssogate_idp_options header_c_options_usable;
