// ssogate.h must stand alone in C++ too (extern "C", noexcept on every declaration).
#include <ssogate/ssogate.h>

#include <type_traits>

static_assert(noexcept(ssogate_version_number()), "C ABI declarations are noexcept in C++");
static_assert(std::is_standard_layout_v<ssogate_idp_options>, "options structs are plain C structs");
