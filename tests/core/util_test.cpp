#include "support.hpp"
#include "util/email.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "util/url.hpp"

#include <optional>
#include <random>
#include <set>
#include <string_view>

namespace ssogate::core {
namespace {

using test::expect_code;

TEST(Base64, RoundTripsEveryLength) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        EXPECT_EQ(util::base64_decode(util::base64_encode(bytes)), bytes) << "length " << i;
        bytes += static_cast<char>(i * 37 + 11);
    }
    EXPECT_EQ(util::base64_encode("hello"), "aGVsbG8=");
    EXPECT_EQ(util::base64_encode("hi"), "aGk=");
    EXPECT_EQ(util::base64_encode(""), "");
}

TEST(Base64, SkipsLineBreaksAndSpaces) {
    EXPECT_EQ(util::base64_decode("aGVs\r\nbG8=\n"), "hello");
    EXPECT_EQ(util::base64_decode(" a G k = "), "hi");
    EXPECT_EQ(util::base64_decode("\t\n"), "");
}

TEST(Base64, RefusesOtherAlphabetsAndJunk) {
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aGk-"); });  // base64url character
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aG_k"); });
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aGk*"); });
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aGVsbG8"); });   // missing padding
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aGk=aGk="); });  // padding in the middle
    expect_code(Code::encoding_invalid, [] { util::base64_decode("a==="); });
    expect_code(Code::encoding_invalid, [] { util::base64_decode("===="); });
    expect_code(Code::encoding_invalid, [] { util::base64_decode(std::string("aGk\0", 4)); });
}

TEST(Base64, RefusesNonZeroTrailingBits) {
    // "aGk=" is canonical for "hi"; "aGl=" decodes to the same bytes with a stray low bit.
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aGl="); });
    expect_code(Code::encoding_invalid, [] { util::base64_decode("aB=="); });
    EXPECT_EQ(util::base64_decode("aA=="), "h");
}

// The obvious decoder, one character at a time: the oracle for the fast one (which decodes sixteen
// characters at a time where the CPU allows, four at a time otherwise).
std::optional<std::string> plain_base64_decode(std::string_view in) {
    static const std::string abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text;
    for (char c : in)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') text += c;
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    std::string out;
    unsigned bits = 0;
    int nbits = 0;
    for (std::size_t i = 0; i + pad < text.size(); ++i) {
        const auto v = abc.find(text[i]);
        if (v == std::string::npos) return std::nullopt;
        bits = (bits << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out += static_cast<char>((bits >> nbits) & 0xff);
        }
    }
    if ((bits & ((1u << nbits) - 1)) != 0) return std::nullopt;  // non-zero bits after the last byte
    return out;
}

std::optional<std::string> fast_base64_decode(std::string_view in) {
    try {
        return util::base64_decode(in);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::encoding_invalid);
        return std::nullopt;
    }
}

TEST(Base64, EveryByteAtEveryPositionOfABlockAgreesWithThePlainDecoder) {
    // 48 characters: three blocks for the sixteen-at-a-time path, then its scalar tail.
    const std::string good = util::base64_encode("The quick brown fox jumps over the lazy dog!!!!");
    ASSERT_EQ(good.size(), 64u);
    int refused = 0;
    for (std::size_t pos = 0; pos < 48; ++pos) {
        for (int b = 0; b < 256; ++b) {
            std::string text = good;
            text[pos] = static_cast<char>(b);
            const auto want = plain_base64_decode(text);
            const auto got = fast_base64_decode(text);
            ASSERT_EQ(got.has_value(), want.has_value()) << "byte " << b << " at " << pos;
            if (want) {
                ASSERT_EQ(*got, *want) << "byte " << b << " at " << pos;
            }
            refused += !got;
        }
    }
    // 64 alphabet characters decode; 4 whitespace characters make the length wrong; the rest are junk.
    EXPECT_EQ(refused, 48 * (256 - 64));
}

TEST(Base64, RandomTextsWithLineBreaksAgreeWithThePlainDecoder) {
    std::mt19937 rng(20261129);
    for (int round = 0; round < 3000; ++round) {
        std::string bytes(rng() % 200, '\0');
        for (char &c : bytes) c = static_cast<char>(rng() & 0xff);
        std::string text = util::base64_encode(bytes);
        // Line breaks and spaces at random places, sometimes none.
        const int breaks = static_cast<int>(rng() % 6);
        for (int i = 0; i < breaks; ++i) text.insert(rng() % (text.size() + 1), (rng() & 1) ? "\r\n" : " ");
        // Sometimes one character changed to anything at all.
        if (!text.empty() && rng() % 3 == 0) text[rng() % text.size()] = static_cast<char>(rng() & 0xff);
        const auto want = plain_base64_decode(text);
        const auto got = fast_base64_decode(text);
        ASSERT_EQ(got.has_value(), want.has_value()) << text;
        if (want) {
            ASSERT_EQ(*got, *want) << text;
        }
    }
}

TEST(Encoding, HexColonAndSha256) {
    EXPECT_EQ(util::hex_colon(std::string("\x00\xab\xff", 3)), "00:AB:FF");
    EXPECT_EQ(util::hex_colon(""), "");
    EXPECT_EQ(util::hex_colon(util::sha256("abc")),
              "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
}

TEST(Encoding, RandomTokensAreUrlSafeAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        std::string t = util::random_token(16);
        EXPECT_EQ(t.size(), 22u);
        EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 200u);
    EXPECT_EQ(util::random_token(3).size(), 4u);
}

TEST(Text, PrintableCutsOnCharacterBoundaries) {
    // 23 ASCII bytes then two-byte characters: a 200-byte cut would land inside the 89th character.
    std::string value = "https://idp.evil.test/x";
    for (int i = 0; i < 150; ++i) value += "\xC3\xA9";
    const std::string shown = util::printable(value);
    EXPECT_EQ(shown.size(), 23u + 2 * 88 + 3) << "199 bytes would end inside a character: 198, then '...'";
    EXPECT_EQ(shown.substr(shown.size() - 5), "\xC3\xA9...");
    EXPECT_EQ(util::valid_utf8(shown), shown);
    // Three- and four-byte characters are never split either.
    for (const std::string ch : {"\xE2\x82\xAC", "\xF0\x9F\x94\x91"}) {
        std::string s;
        for (int i = 0; i < 100; ++i) s += ch;
        for (std::size_t cap = 1; cap < 20; ++cap) {
            const std::string cut = util::printable(s, cap);
            EXPECT_EQ(util::valid_utf8(cut), cut) << cap;
            EXPECT_LE(cut.size(), cap + 3);
        }
    }
    EXPECT_EQ(util::printable("short"), "short");
    EXPECT_EQ(util::quoted("a\nb\x7f"), "'a?b?'") << "control characters cannot forge log lines";
    EXPECT_EQ(util::printable("\xFF\xC3 ok"), "?? ok") << "bytes that are not UTF-8 are shown as '?'";
}

TEST(Text, ValidUtf8RepairsOnlyWhatIsBroken) {
    EXPECT_EQ(util::valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91");
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(util::valid_utf8("a\xC3"), "a" + fffd) << "cut inside a character";
    EXPECT_EQ(util::valid_utf8("\xC0\xAF"), fffd + fffd) << "overlong";
    EXPECT_EQ(util::valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd) << "a surrogate";
    EXPECT_EQ(util::valid_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd) << "above U+10FFFF";
    // The exception type itself keeps its message valid, whatever it was given.
    EXPECT_EQ(std::string(Error(Code::internal, "bad \xC3").what()), "bad " + fffd);
}

TEST(Time, ParsesDateTimes) {
    EXPECT_EQ(util::parse_datetime("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(util::parse_datetime("2026-11-28T00:00:00Z"), 1795824000);
    EXPECT_EQ(util::parse_datetime("2026-11-28T00:00:00"), 1795824000);  // no zone: UTC
    EXPECT_EQ(util::parse_datetime("2026-11-28T00:00:00.999Z"), 1795824000);
    EXPECT_EQ(util::parse_datetime("2026-11-28T01:30:00+01:30"), 1795824000);
    EXPECT_EQ(util::parse_datetime("2026-11-27T22:00:00-02:00"), 1795824000);
    EXPECT_EQ(util::parse_datetime(" 2026-11-28T00:00:00Z\n"), 1795824000);
    EXPECT_EQ(util::parse_datetime("2024-02-29T12:00:00Z"), 1709208000);
    EXPECT_EQ(util::parse_datetime("2000-02-29T00:00:00Z"), 951782400);
    EXPECT_EQ(util::parse_datetime("2026-11-27T24:00:00Z"), 1795824000);
    EXPECT_EQ(util::parse_datetime("1969-12-31T23:59:59Z"), -1);
}

TEST(Time, RefusesBadDateTimes) {
    for (const char *bad :
         {"", "2026-11-28", "2026-11-28 00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
          "1900-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-28T25:00:00Z", "2026-11-28T24:00:01Z",
          "2026-11-28T00:60:00Z", "2026-11-28T00:00:60Z", "2026-11-28T00:00:00.Z", "2026-11-28T00:00:00+15:00",
          "2026-11-28T00:00:00+0100", "2026-11-28T00:00:00ZZ", "26-11-28T00:00:00Z", "2026-1-28T00:00:00Z",
          "0000-01-01T00:00:00Z"})
        EXPECT_FALSE(util::parse_datetime(bad).has_value()) << bad;
}

TEST(Time, FormatsAndRoundTrips) {
    EXPECT_EQ(util::format_datetime(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(util::format_datetime(1795824000), "2026-11-28T00:00:00Z");
    EXPECT_EQ(util::format_datetime(-1), "1969-12-31T23:59:59Z");
    for (std::int64_t t : {std::int64_t{951782400}, std::int64_t{4102444800}, std::int64_t{1709251199}})
        EXPECT_EQ(util::parse_datetime(util::format_datetime(t)), t);
    EXPECT_EQ(util::utc_seconds(2026, 11, 28, 0, 0, 0), 1795824000);
}

TEST(Time, ParsesDurations) {
    EXPECT_EQ(util::parse_duration("PT5H"), 5 * 3600);
    EXPECT_EQ(util::parse_duration("P1DT2H"), 86400 + 7200);
    EXPECT_EQ(util::parse_duration("P1Y2M3DT4H5M6.7S"), 365 * 86400 + 60 * 86400 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6);
    EXPECT_EQ(util::parse_duration("PT30M"), 1800);
    EXPECT_EQ(util::parse_duration("P1M"), 30 * 86400);
    EXPECT_EQ(util::parse_duration("-PT10S"), -10);
    EXPECT_EQ(util::parse_duration("PT0S"), 0);
    for (const char *bad : {"", "P", "PT", "P1DT", "5H", "PT5", "P1H", "PT1D", "P1S", "PT1H1H", "PT1M1H", "P1.5D",
                            "P-1D", "P 1D", "P99999999999Y"})
        EXPECT_FALSE(util::parse_duration(bad).has_value()) << bad;
}

TEST(Url, AcceptsAbsoluteHttpUrls) {
    auto u = util::parse_http_url("https://Idp.Example.com:8443/sso/saml?x=1#frag");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->host, "Idp.Example.com");
    EXPECT_EQ(u->port, "8443");
    EXPECT_EQ(u->path, "/sso/saml");
    EXPECT_TRUE(u->has_query);
    EXPECT_TRUE(u->has_fragment);
    EXPECT_TRUE(util::parse_http_url("HTTP://localhost"));
    EXPECT_TRUE(util::parse_http_url("http://[::1]:8080/acs"));
    EXPECT_TRUE(util::parse_http_url("http://127.0.0.1/a%20b"));
}

TEST(Url, RefusesEverythingElse) {
    for (const char *bad :
         {"", "/relative", "idp.example.com/sso", "ftp://x/", "javascript:alert(1)", "https://", "https:///path",
          "https://user:pw@idp.example.com/", "https://a b/", "https://idp.example.com/a b",
          "https://idp.example.com:0/", "https://idp.example.com:70000/", "https://idp.example.com:/",
          "https://idp.example.com:8x/", "https://idp..example.com/", "https://idp.example.com/\\evil",
          "https://idp.example.com/{id}", "https://[::1/", "https://ex\xc3\xa4mple.com/"}) {
        std::string why;
        EXPECT_FALSE(util::parse_http_url(bad, &why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(Email, AcceptsDotAtomAddressesAtDnsDomains) {
    for (const char *good : {"alice@example.com", "a.b+tag@sub.example.co.uk", "x@a1.io", "alice@123.example.com",
                             "o'neil@example.com", "alice@xn--exmple-cua.com", "alice@example.c0m"}) {
        EXPECT_TRUE(util::is_valid_email(good)) << good;
    }
}

TEST(Email, RefusesIpAddressesAndNumericTopLevelLabels) {
    // No top-level domain is all digits: such a "domain" is an IPv4 address or nothing at all.
    for (const char *bad :
         {"alice@127.0.0.1", "alice@10.0.0.1", "alice@example.123", "alice@[127.0.0.1]", "alice@localhost",
          "alice@example", "alice@-example.com", "alice@exa_mple.com", "alice@example..com", "alice@example.com.",
          ".alice@example.com", "al..ice@example.com", "alice@", "@example.com", "alice", "a@b@example.com",
          "alice@ex\xc3\xa4mple.com", " alice@example.com", "alice@example.com "}) {
        EXPECT_FALSE(util::is_valid_email(bad)) << bad;
    }
    EXPECT_TRUE(util::is_valid_domain("123.example.com"));
    EXPECT_FALSE(util::is_valid_domain("127.0.0.1"));
    EXPECT_FALSE(util::is_valid_domain("example"));
    EXPECT_FALSE(util::is_valid_domain("example.1"));
}

TEST(Email, LowerCasingIsAsciiOnlyWhateverTheLocale) {
    // Bytes outside ASCII are never folded: two stores must agree on which emails are one member.
    EXPECT_EQ(util::lower_ascii("Zed@Example.COM"), "zed@example.com");
    EXPECT_EQ(util::normalize_email("\xc3\x89lise@Example.com"), "\xc3\x89lise@example.com");
    EXPECT_EQ(util::normalize_email("\xc9@X.com"), "\xc9@x.com");  // Latin-1 E-acute stays as it is
    EXPECT_EQ(util::lower_email_domain("Alice@EXAMPLE.com"), "Alice@example.com");
    EXPECT_EQ(util::email_domain("Alice@EXAMPLE.com"), "example.com");
    EXPECT_EQ(util::email_domain("alice"), "");
    EXPECT_TRUE(util::same_email("Alice@Example.com", "alice@example.COM"));
    EXPECT_FALSE(util::same_email("alice@example.com", "alice@example.org"));
    EXPECT_TRUE(util::domain_in("EXAMPLE.com", {"other.org", "Example.COM"}));
    EXPECT_FALSE(util::domain_in("sub.example.com", {"example.com"}));
}

TEST(Email, TrimsXmlWhitespaceOnly) {
    EXPECT_EQ(util::trim_xml_space(" \t\r\nbob@example.com\n  "), "bob@example.com");
    // A vertical tab or a no-break space is not XML whitespace: kept, so the address stays invalid.
    EXPECT_EQ(util::trim_xml_space("\v"
                                   "bob@example.com"),
              "\v"
              "bob@example.com");
    EXPECT_EQ(util::trim_xml_space("\xc2\xa0"
                                   "bob@example.com"),
              "\xc2\xa0"
              "bob@example.com");
    EXPECT_EQ(util::trim_xml_space("  "), "");
}

TEST(Email, DomainSettingsAreCheckedAndLowerCased) {
    EXPECT_EQ(util::require_domain("Example.COM", "allowed email domain"), "example.com");
    std::string msg = expect_code(Code::invalid_setting, [] { util::require_domain("127.0.0.1", "verified domain"); });
    EXPECT_NE(msg.find("verified domain \"127.0.0.1\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("all-numeric"), std::string::npos) << msg;
    msg = expect_code(Code::invalid_setting, [] { util::require_domain("example", "allowed email domain"); });
    EXPECT_NE(msg.find("single label"), std::string::npos) << msg;
    msg = expect_code(Code::invalid_setting, [] { util::require_domain("@example.com", "allowed email domain"); });
    EXPECT_NE(msg.find("starts with '@'"), std::string::npos) << msg;
    msg = expect_code(Code::invalid_setting, [] { util::require_domain("bad\ndomain.com", "allowed email domain"); });
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;  // control characters never reach a log line
}

}  // namespace
}  // namespace ssogate::core
