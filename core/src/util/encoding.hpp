// Base64, hex and random identifiers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ssogate::core::util {

// Standard base64 (RFC 4648 section 4) with padding. Whitespace (space, tab, CR, LF) is skipped,
// since IdPs and browsers wrap lines; any other character outside the alphabet, bad padding or
// non-zero trailing bits throw Error{encoding_invalid}.
std::string base64_decode(std::string_view in);
std::string base64_encode(std::string_view bytes);

// "AB:CD:..." upper-case hex with colons, the way IdP consoles show fingerprints.
std::string hex_colon(std::string_view bytes);
std::string sha256(std::string_view bytes);

// `nbytes` bytes from OpenSSL's CSPRNG as unpadded base64url (128 bits -> 22 characters).
std::string random_token(std::size_t nbytes = 16);

}  // namespace ssogate::core::util
