// ssogate.hpp must stand alone as C++17 (the Python binding builds on it with C++17).
#include <ssogate/ssogate.hpp>

#include <type_traits>

static_assert(!std::is_copy_constructible_v<ssogate::Idp>, "Idp owns its handle: move-only");
static_assert(std::is_nothrow_move_constructible_v<ssogate::Connection>, "Connection moves without throwing");
