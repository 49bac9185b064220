#include "util/encoding.hpp"

#include "error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SSOGATE_BASE64_SSSE3 1
#endif

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
            // The table's -1 marks a byte outside the alphabet: its sign is meant.
            // NOLINTNEXTLINE(bugprone-signed-char-misuse)
            const int d = static_cast<int>(decode_table[static_cast<std::size_t>(c)]);
            t.at[k][c] = d < 0 ? kNotData : static_cast<std::uint32_t>(d) << (18 - 6 * k);
        }
    }
    return t;
}
constexpr ShiftedTables shifted = make_shifted_tables();

#ifdef SSOGATE_BASE64_SSSE3
// Sixteen characters at a time with SSSE3 (every x86-64 CPU of the last fifteen years has it; checked
// at run time): one table lookup by each character's high nibble and one by its low nibble say
// whether it is in the alphabet, a third gives what to add to it to get its six bits. Returns how
// many characters were decoded (a multiple of 16, each 16 giving 12 bytes at `out`); it stops before
// the first block that holds anything but the 64 data characters (a line break, '=', junk), which the
// scalar code then deals with. `out` must have 4 bytes of room beyond the 12 of each block.
//
// Validity as bits: each high nibble h has a class bit, bad_for_low[l] has the bit of every class for
// which low nibble l is not in the alphabet, and a character is data iff the two lookups share no bit.
//   class 0x01: h=2 ('+' = 0x2B, '/' = 0x2F)   class 0x02: h=3 ('0'-'9' = 0x30-0x39)
//   class 0x04: h=4, h=6 (l = 1..15)             class 0x08: h=5, h=7 (l = 0..10)
//   class 0x10: every other h, no valid l (control characters, ' ', '!'...'*', bytes >= 0x80)
__attribute__((target("ssse3"))) std::size_t decode_blocks_ssse3(const unsigned char *in, std::size_t n, char *out,
                                                                 std::size_t room) {
    const __m128i class_of_high =
        _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m128i bad_for_low =
        _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    // Added to a character to give its value, by high nibble; '/' (h=2) is told from '+' by moving
    // its index one down: 1 -> '/' + 16 = 63, 2 -> '+' + 19 = 62, 3 -> digits + 4, 4-5 -> upper - 65,
    // 6-7 -> lower - 71.
    const __m128i offset_of_high = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i slash = _mm_set1_epi8('/');
    // Packing: per 16-bit pair, first * 64 + second (12 bits); per 32-bit lane, first pair * 4096 +
    // second pair (24 bits, little-endian); then the three bytes of each lane, most significant first.
    const __m128i pair_weights = _mm_set1_epi32(0x01400140);
    const __m128i lane_weights = _mm_set1_epi32(0x00011000);
    const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    std::size_t done = 0, written = 0;
    while (done + 16 <= n && written + 16 <= room) {
        const __m128i chars = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + done));
        const __m128i high = _mm_and_si128(_mm_srli_epi16(chars, 4), nibble);
        const __m128i low = _mm_and_si128(chars, nibble);
        const __m128i bad = _mm_and_si128(_mm_shuffle_epi8(class_of_high, high), _mm_shuffle_epi8(bad_for_low, low));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) != 0xFFFF) break;
        const __m128i index = _mm_add_epi8(high, _mm_cmpeq_epi8(chars, slash));
        const __m128i values = _mm_add_epi8(chars, _mm_shuffle_epi8(offset_of_high, index));
        const __m128i pairs = _mm_maddubs_epi16(values, pair_weights);
        const __m128i lanes = _mm_madd_epi16(pairs, lane_weights);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + written), _mm_shuffle_epi8(lanes, order));
        done += 16;
        written += 12;
    }
    return done;
}

bool have_ssse3() {
    static const bool yes = __builtin_cpu_supports("ssse3");
    return yes;
}
#endif

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
#ifdef SSOGATE_BASE64_SSSE3
    const bool simd = have_ssse3();
#endif
    unsigned quantum = 0;  // the bits of the data characters of the current quantum
    std::size_t data = 0;  // data characters in the current quantum (0..3)
    std::size_t pad = 0;   // '=' seen (they end the text)
    std::size_t significant = 0;
    const auto *u = reinterpret_cast<const unsigned char *>(in.data());
    const std::size_t n = in.size();
    for (std::size_t pos = 0; pos < n; ++pos) {
        // Fast path: whole quanta of four data characters at a quantum boundary (almost all of a
        // SAMLResponse, between its line breaks), in a loop of their own.
        if (data == 0 && pad == 0) {
            const std::size_t start = pos;
#ifdef SSOGATE_BASE64_SSSE3
            if (simd) {
                const std::size_t room = out.size() - static_cast<std::size_t>(o - out.data());
                const std::size_t blocks = decode_blocks_ssse3(u + pos, n - pos, o, room);
                pos += blocks;
                o += blocks / 4 * 3;
            }
#endif
            while (pos + 4 <= n) {
                const std::uint32_t v = shifted.at[0][u[pos]] | shifted.at[1][u[pos + 1]] | shifted.at[2][u[pos + 2]] |
                                        shifted.at[3][u[pos + 3]];
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
            fail(Code::encoding_invalid,
                 "base64 text has a character outside the standard alphabet at offset " + std::to_string(pos));
        ++significant;
        // '=' may only complete a quantum that holds two or three data characters.
        ++pad;
        if (data < 2 || data + pad > 4) fail(Code::encoding_invalid, "base64 text has '=' padding before its end");
    }
    if ((data + pad) % 4 != 0)
        fail(Code::encoding_invalid,
             "base64 text has " + std::to_string(significant) + " significant characters; expected a multiple of 4");
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
