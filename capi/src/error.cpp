// Section 2 of ssogate.h: errors, and the one place where C++ exceptions become C error codes.
#include "internal.hpp"

#include "util/text.hpp"

#include <exception>
#include <new>

namespace {

using ssogate::core::Code;

// The core's Code enum is built from generated/codes.inc; this checks that list against the C enum
// of the header being compiled, so a code renamed or renumbered in the header without running
// scripts/gen_tables.py does not build (a code only added to the header fails tables_in_sync).
// An X-macro: its arguments are names, not expressions, so they take no parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SSOGATE_CODE(id, NAME, number) \
    static_assert(SSOGATE_##NAME == number && static_cast<int>(Code::id) == number, #NAME);
#include "generated/codes.inc"
// NOLINTEND(bugprone-macro-parentheses)
#undef SSOGATE_CODE

}  // namespace

namespace ssogate::capi {

void set_error(ssogate_error *err, int code, std::string_view message) noexcept {
    if (err == nullptr) {
        return;
    }
    err->code = code;
    err->has_signed_identity = false;
    err->signed_identity.clear();
    try {
        // Messages quote input; whatever they hold, hosts get valid UTF-8 (no binding's string
        // conversion may fail on an error it is reporting).
        err->message = core::util::valid_utf8(message);
    } catch (...) {
        err->message.clear();
    }
    try {
        err->user_message = core::user_message_for(static_cast<core::Code>(code));
    } catch (...) {
        err->user_message.clear();
    }
}

void record_current_exception(ssogate_error *err) noexcept {
    try {
        throw;
    } catch (const core::Rejection &e) {
        set_error(err, static_cast<int>(e.code()), e.what());
        if (err != nullptr) {
            try {
                err->user_message = e.user_message();
            } catch (...) {
                // keep the generic text set_error chose
            }
            if (e.signed_identity()) {
                try {
                    err->signed_identity = *e.signed_identity();
                    err->has_signed_identity = true;
                } catch (...) {
                    // out of memory: report no identity rather than a wrong one
                }
            }
        }
    } catch (const core::Error &e) {
        set_error(err, static_cast<int>(e.code()), e.what());
    } catch (const std::bad_alloc &) {
        set_error(err, SSOGATE_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception &e) {
        set_error(err, SSOGATE_INTERNAL, e.what());
    } catch (...) {
        set_error(err, SSOGATE_INTERNAL, "unexpected non-standard exception in ssogate");
    }
}

std::string_view input(const char *ptr, std::size_t len, const char *what) {
    if (ptr == nullptr) {
        if (len != 0) {
            core::fail(core::Code::invalid_argument,
                       std::string(what) + " is NULL but its length is " + std::to_string(len));
        }
        return {};
    }
    return {ptr, len};
}

void require_struct_size(std::uint32_t struct_size, std::size_t first_version_size, const char *name) {
    if (struct_size < first_version_size) {
        core::fail(core::Code::options_size, std::string(name) + ".struct_size is " + std::to_string(struct_size) +
                                                 ", expected at least " + std::to_string(first_version_size) +
                                                 " (initialise it with " + name + "_init(&opts, sizeof opts))");
    }
}

}  // namespace ssogate::capi

ssogate_error *ssogate_error_new(void) noexcept { return new (std::nothrow) ssogate_error(); }

void ssogate_error_free(ssogate_error *err) noexcept { delete err; }

int ssogate_error_code(const ssogate_error *err) noexcept { return err == nullptr ? SSOGATE_OK : err->code; }

const char *ssogate_error_message(const ssogate_error *err) noexcept {
    return err == nullptr ? "" : err->message.c_str();
}

const char *ssogate_error_user_message(const ssogate_error *err) noexcept {
    return err == nullptr ? "" : err->user_message.c_str();
}

const char *ssogate_error_signed_identity(const ssogate_error *err) noexcept {
    return err == nullptr || !err->has_signed_identity ? nullptr : err->signed_identity.c_str();
}

const char *ssogate_code_name(int code) noexcept { return ssogate::core::code_name(code); }
