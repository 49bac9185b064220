// Text that goes into messages: values from untrusted input, made safe to show and to hand to any
// language as a string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ssogate::core::util {

// `text` as valid UTF-8: every byte that does not start or continue a well-formed character (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF) becomes U+FFFD. Valid text is returned
// unchanged. Every message the library hands to a host passes through it, so no binding's string
// conversion can fail on it.
std::string valid_utf8(std::string_view text);

// A value for an operator message: at most `max_bytes` bytes of it, cut on a character boundary (never
// inside a UTF-8 sequence), "..." appended when cut, control characters and invalid bytes shown as '?'
// (so a hostile value can neither forge log lines nor break a decoder).
std::string printable(std::string_view text, std::size_t max_bytes = 200);

// Text as XML character data or an attribute value in double quotes: & < > " escaped.
std::string xml_escape(std::string_view text);

// printable() in single quotes: 'value'.
std::string quoted(std::string_view text, std::size_t max_bytes = 200);

}  // namespace ssogate::core::util
