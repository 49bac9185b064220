// libFuzzer target: the strict base64 decoder that every SAMLResponse goes through. Properties:
// decoding either throws Error{encoding_invalid} or gives bytes that encode back to the input minus
// its whitespace (strictness: one text per byte string), and any bytes survive encode + decode.
#include "fuzz_support.hpp"

#include "error.hpp"
#include "util/encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace ssogate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    try {
        const std::string decoded = core::util::base64_decode(input);
        std::string canonical;
        for (char c : input) {
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') canonical += c;
        }
        if (core::util::base64_encode(decoded) != canonical)
            fuzz::violated("two base64 texts decode to the same bytes");
    } catch (const core::Error &e) {
        if (e.code() != core::Code::encoding_invalid) fuzz::violated("base64_decode failed with another code");
    }
    if (core::util::base64_decode(core::util::base64_encode(input)) != input)
        fuzz::violated("encode + decode lost bytes");
    return 0;
}
