#include "util/encoding.hpp"

#include "error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

namespace ssogate::core::util {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char alphabet_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// -1: not in the alphabet; values 0..63 otherwise. Built at compile time from the alphabet so the
// table and the encoder cannot disagree.
constexpr std::array<signed char, 256> make_decode_table() {
    std::array<signed char, 256> t{};
    for (auto &v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return t;
}
constexpr auto decode_table = make_decode_table();

bool is_skipped_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string encode_with(std::string_view bytes, const char *abc, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        out += abc[(v >> 6) & 63];
        out += abc[v & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        unsigned v = byte(i) << 16;
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        out += abc[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

}  // namespace

std::string base64_decode(std::string_view in) {
    // Collect the significant characters first so padding rules can be checked on the whole
    // quantum, wherever the line breaks fell.
    std::string sig;
    sig.reserve(in.size());
    for (std::size_t pos = 0; pos < in.size(); ++pos) {
        char c = in[pos];
        if (is_skipped_space(c)) continue;
        if (c != '=' && decode_table[static_cast<unsigned char>(c)] < 0)
            fail(Code::encoding_invalid, "base64 text has a character outside the standard alphabet at offset " +
                                             std::to_string(pos));
        sig += c;
    }
    if (sig.size() % 4 != 0)
        fail(Code::encoding_invalid, "base64 text has " + std::to_string(sig.size()) +
                                         " significant characters; expected a multiple of 4");
    std::size_t pad = 0;
    if (!sig.empty() && sig.back() == '=') pad = (sig.size() >= 2 && sig[sig.size() - 2] == '=') ? 2 : 1;
    if (sig.find('=') != std::string::npos && sig.find('=') != sig.size() - pad)
        fail(Code::encoding_invalid, "base64 text has '=' padding before its end");

    std::string out;
    out.reserve(sig.size() / 4 * 3);
    for (std::size_t i = 0; i < sig.size(); i += 4) {
        bool last = i + 4 == sig.size();
        std::size_t data_chars = last ? 4 - pad : 4;
        unsigned v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            unsigned d = k < data_chars ? static_cast<unsigned>(decode_table[static_cast<unsigned char>(sig[i + k])])
                                        : 0u;
            v = (v << 6) | d;
        }
        out += static_cast<char>((v >> 16) & 0xff);
        if (data_chars >= 3) out += static_cast<char>((v >> 8) & 0xff);
        if (data_chars == 4) out += static_cast<char>(v & 0xff);
        // A canonical encoder leaves the bits after the last byte zero; anything else means two
        // different texts decode to the same bytes, which a strict decoder must not allow.
        if (data_chars == 2 && (v & 0xffff) != 0)
            fail(Code::encoding_invalid, "base64 text has non-zero bits after its last byte");
        if (data_chars == 3 && (v & 0xff) != 0)
            fail(Code::encoding_invalid, "base64 text has non-zero bits after its last byte");
    }
    return out;
}

std::string base64_encode(std::string_view bytes) { return encode_with(bytes, alphabet, true); }

std::string hex_colon(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto b = static_cast<unsigned char>(bytes[i]);
        if (i != 0) out += ':';
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string sha256(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        fail(Code::internal, "OpenSSL SHA-256 failed");
    return std::string(reinterpret_cast<const char *>(md), len);
}

std::string random_token(std::size_t nbytes) {
    if (nbytes == 0 || nbytes > 1024) fail(Code::invalid_argument, "random_token wants 1..1024 bytes");
    std::string raw(nbytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char *>(raw.data()), static_cast<int>(nbytes)) != 1)
        fail(Code::internal, "OpenSSL's random generator failed (RAND_bytes)");
    return encode_with(raw, alphabet_url, false);
}

}  // namespace ssogate::core::util
