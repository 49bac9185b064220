// Every email and domain rule, once: the syntax of an address and of a domain, the normalised forms,
// and "is this domain in this list". Verification, connection settings, the gate, the policy, the
// stores and the C ABI (ssogate_email_normalize, which host directories call) all use these, so an
// address that one layer accepts is never one another layer reads differently.
//
// ASCII only, on purpose: nothing here depends on the C locale (std::tolower would, and a host that
// calls setlocale would then fold other bytes), and bytes outside ASCII are never changed. An
// internationalised domain is accepted in its xn-- (A-label) form only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::util {

// A-Z to a-z; every other byte unchanged (so the length never changes).
std::string lower_ascii(std::string_view text);

// `text` without XML whitespace (space, tab, CR, LF) at either end; nothing else is removed.
std::string_view trim_xml_space(std::string_view text) noexcept;

// A DNS domain as an email domain or a setting may name one: 2 or more labels of 1 to 63 ASCII
// letters, digits and '-' (not first or last), at most 253 characters, and a top-level label that
// is not all digits (which rules out IPv4 addresses such as 127.0.0.1: no top-level domain is
// numeric, RFC 3696 section 2). Case is not significant.
bool is_valid_domain(std::string_view domain) noexcept;

// local@domain: a dot-atom local part (RFC 5322 atext and single dots, 1 to 64 characters) and a
// domain valid for is_valid_domain; at most 254 characters. No quoted local parts, no address
// literals ("[127.0.0.1]"), no comments.
bool is_valid_email(std::string_view address) noexcept;

// The form every store keys a member, invite or join token by: the whole address lower-cased
// (ASCII). Also the form of a domain in an account's or a connection's list.
std::string normalize_email(std::string_view address);
// The same on a caller's buffer, without allocating (ssogate_email_normalize). Null data is allowed.
void normalize_email_in_place(char *data, std::size_t size) noexcept;

// local@domain with only the domain lower-cased: the email of a verified login (the local part may
// be case-sensitive at the IdP, so it is reported as the IdP sent it).
std::string lower_email_domain(std::string_view address);

// The lower-cased part after the last '@'; empty when there is no '@' or nothing on either side.
std::string email_domain(std::string_view address);

// A domain setting (a connection's allowed domain, an account's verified domain) checked and
// lower-cased. `what` names it in the message ("allowed email domain"). Throws
// Error{invalid_setting} saying which rule the value breaks.
std::string require_domain(std::string_view raw, std::string_view what);

// Whether `domain` is in `list`, case-insensitively (ASCII).
bool domain_in(std::string_view domain, const std::vector<std::string> &list);

// Whether two addresses are the same member (normalize_email of both equal).
bool same_email(std::string_view a, std::string_view b);

}  // namespace ssogate::core::util
