#include "util/encoding.hpp"

#include "error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

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

// The fast path's tables: for each position k of a quantum, a character's six bits already shifted
// into place (18, 12, 6, 0), or the high bit for a character outside the alphabet, so one OR of
// four lookups both decodes a quantum and says whether all four were data characters.
constexpr std::uint32_t kNotData = 0x80000000u;
struct ShiftedTables {
    std::uint32_t at[4][256];
};
constexpr ShiftedTables make_shifted_tables() {
    ShiftedTables t{};
    for (int k = 0; k < 4; ++k) {
        for (int c = 0; c < 256; ++c) {
            const int d = decode_table[static_cast<std::size_t>(c)];
            t.at[k][c] = d < 0 ? kNotData : static_cast<std::uint32_t>(d) << (18 - 6 * k);
        }
    }
    return t;
}
constexpr ShiftedTables shifted = make_shifted_tables();

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
    // One pass, no intermediate copy (this runs on every SAMLResponse, tens of KiB): significant
    // characters are decoded four at a time as they come, so line breaks may fall anywhere, and
    // padding is accepted only to complete the last quantum.
    std::string out(in.size() / 4 * 3 + 3, '\0');
    char *o = out.data();
    unsigned quantum = 0;      // the bits of the data characters of the current quantum
    std::size_t data = 0;      // data characters in the current quantum (0..3)
    std::size_t pad = 0;       // '=' seen (they end the text)
    std::size_t significant = 0;
    const auto *u = reinterpret_cast<const unsigned char *>(in.data());
    const std::size_t n = in.size();
    for (std::size_t pos = 0; pos < n; ++pos) {
        // Fast path: whole quanta of four data characters at a quantum boundary (almost all of a
        // SAMLResponse, between its line breaks), in a loop of their own.
        if (data == 0 && pad == 0) {
            const std::size_t start = pos;
            while (pos + 4 <= n) {
                const std::uint32_t v = shifted.at[0][u[pos]] | shifted.at[1][u[pos + 1]] |
                                        shifted.at[2][u[pos + 2]] | shifted.at[3][u[pos + 3]];
                if ((v & kNotData) != 0) break;
                o[0] = static_cast<char>((v >> 16) & 0xff);
                o[1] = static_cast<char>((v >> 8) & 0xff);
                o[2] = static_cast<char>(v & 0xff);
                o += 3;
                pos += 4;
            }
            significant += pos - start;
            if (pos >= n) break;
        }
        const char c = in[pos];
        const signed char d = decode_table[u[pos]];
        if (d >= 0) {
            if (pad != 0) fail(Code::encoding_invalid, "base64 text has '=' padding before its end");
            ++significant;
            quantum = (quantum << 6) | static_cast<unsigned>(d);
            if (++data == 4) {
                *o++ = static_cast<char>((quantum >> 16) & 0xff);
                *o++ = static_cast<char>((quantum >> 8) & 0xff);
                *o++ = static_cast<char>(quantum & 0xff);
                quantum = 0;
                data = 0;
            }
            continue;
        }
        if (is_skipped_space(c)) continue;
        if (c != '=')
            fail(Code::encoding_invalid, "base64 text has a character outside the standard alphabet at offset " +
                                             std::to_string(pos));
        ++significant;
        // '=' may only complete a quantum that holds two or three data characters.
        ++pad;
        if (data < 2 || data + pad > 4) fail(Code::encoding_invalid, "base64 text has '=' padding before its end");
    }
    if ((data + pad) % 4 != 0)
        fail(Code::encoding_invalid, "base64 text has " + std::to_string(significant) +
                                         " significant characters; expected a multiple of 4");
    // A canonical encoder leaves the bits after the last byte zero; anything else means two
    // different texts decode to the same bytes, which a strict decoder must not allow.
    if (data == 2) {
        if ((quantum & 0xf) != 0) fail(Code::encoding_invalid, "base64 text has non-zero bits after its last byte");
        *o++ = static_cast<char>((quantum >> 4) & 0xff);
    } else if (data == 3) {
        if ((quantum & 0x3) != 0) fail(Code::encoding_invalid, "base64 text has non-zero bits after its last byte");
        *o++ = static_cast<char>((quantum >> 10) & 0xff);
        *o++ = static_cast<char>((quantum >> 2) & 0xff);
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
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
