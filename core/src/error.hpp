// Error codes and the one exception type the core throws.
//
// The codes are declared once, in capi/include/ssogate/ssogate.h (name, number, meaning);
// scripts/gen_tables.py writes them into generated/codes.inc, from which the Code enum below,
// code_name() and the C ABI's checks are built. A code is never renumbered and never reused. Groups:
// 1-99 usage, 1xx XML and metadata (180-189 warnings), 2xx signature, 3xx assertion and response
// conditions, 4xx state stores, 9xx internal.
#pragma once

#include "util/text.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace ssogate::core {

enum class Code : int {
// NOLINTNEXTLINE(bugprone-macro-parentheses): an X-macro; its arguments are names, not expressions.
#define SSOGATE_CODE(id, NAME, number) id = number,
#include "generated/codes.inc"
#undef SSOGATE_CODE
};

// Stable upper-case name of a code ("METADATA_EXPIRED"); "UNKNOWN" for numbers not in the list.
const char *code_name(Code code) noexcept;
const char *code_name(int code) noexcept;

// The only exception type the core throws on purpose. `message` is for the operator: it says what
// was expected and what came, and never contains key material or whole documents. It is kept as
// valid UTF-8 whatever the values it quotes held, so every host can turn it into a string.
class Error : public std::runtime_error {
public:
    Error(Code code, std::string_view message) : std::runtime_error(util::valid_utf8(message)), code_(code) {}
    Code code() const noexcept { return code_; }

private:
    Code code_;
};

[[noreturn]] inline void fail(Code code, std::string_view message) { throw Error(code, message); }

// A non-fatal finding (e.g. an expired signing certificate) reported beside a successful result.
struct Warning {
    Code code;
    std::string message;
};

}  // namespace ssogate::core
