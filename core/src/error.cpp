#include "error.hpp"

namespace ssogate::core {

const char *code_name(Code code) noexcept {
    switch (code) {
#define SSOGATE_CODE(id, NAME, number) \
    case Code::id:                     \
        return #NAME;
#include "generated/codes.inc"
#undef SSOGATE_CODE
    }
    return "UNKNOWN";
}

const char *code_name(int code) noexcept { return code_name(static_cast<Code>(code)); }

}  // namespace ssogate::core
