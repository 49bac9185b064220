/* ssogate.h must stand alone in strict C11: it is the only header C callers include. */
#include <ssogate/ssogate.h>

/* An ISO C translation unit must not be empty; this also proves the typedefs are usable. */
typedef ssogate_idp_options header_c_options_usable;
