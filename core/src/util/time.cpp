#include "util/time.hpp"

#include <chrono>
#include <cstdio>

namespace ssogate::core::util {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date. Counting in 400-year eras (146097 days
// each) starting at March 1st puts the leap day at the end of the year, so no table is needed.
std::int64_t days_from_civil(std::int64_t y, int m, int d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;                          // [0, 399]
    const int mp = (m + 9) % 12;                                     // March = 0
    const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;             // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
    return era * 146097 + doe - 719468;                              // 719468: 0000-03-01 to 1970-01-01
}

struct Civil {
    std::int64_t year;
    int month, day;
};

Civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) noexcept {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_fixed(std::string_view s, std::size_t &pos, std::size_t n, int &out) noexcept {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(s[pos + i])) return false;
        v = v * 10 + (s[pos + i] - '0');
    }
    pos += n;
    out = v;
    return true;
}

bool expect(std::string_view s, std::size_t &pos, char c) noexcept {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

std::string_view trim_ws(std::string_view s) noexcept {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::int64_t now_seconds() noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second) noexcept {
    return days_from_civil(year, month, day) * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
}

std::optional<std::int64_t> parse_datetime(std::string_view text) {
    // xs:dateTime's whiteSpace facet is "collapse", so surrounding blanks are part of valid input.
    const std::string_view s = trim_ws(text);
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_fixed(s, pos, 4, year) || !expect(s, pos, '-') || !read_fixed(s, pos, 2, month) || !expect(s, pos, '-') ||
        !read_fixed(s, pos, 2, day) || !expect(s, pos, 'T') || !read_fixed(s, pos, 2, hour) || !expect(s, pos, ':') ||
        !read_fixed(s, pos, 2, minute) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, second))
        return std::nullopt;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    // 24:00:00 is the end of the day in XML Schema 1.0; every other hour must be below 24.
    if (minute > 59 || second > 59 || hour > 24 || (hour == 24 && (minute != 0 || second != 0))) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < s.size() && is_digit(s[pos])) ++pos;
        if (pos == start) return std::nullopt;
        // Fractions are truncated: SAML times are compared at whole seconds.
    }
    std::int64_t offset = 0;
    if (pos < s.size()) {
        if (s[pos] == 'Z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const int sign = s[pos] == '-' ? -1 : 1;
            ++pos;
            int oh = 0, om = 0;
            if (!read_fixed(s, pos, 2, oh) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, om)) return std::nullopt;
            if (oh > 14 || om > 59 || (oh == 14 && om != 0)) return std::nullopt;
            offset = sign * (std::int64_t{oh} * 3600 + std::int64_t{om} * 60);
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size()) return std::nullopt;
    // Local time = UTC + offset, so UTC = local - offset.
    return utc_seconds(year, month, day, hour, minute, second) - offset;
}

std::string format_datetime(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const Civil c = civil_from_days(days);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(c.year), c.month, c.day,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
    return buf;
}

std::optional<std::int64_t> parse_duration(std::string_view text) {
    const std::string_view s = trim_ws(text);
    std::size_t pos = 0;
    bool negative = false;
    if (pos < s.size() && s[pos] == '-') {
        negative = true;
        ++pos;
    }
    if (!expect(s, pos, 'P')) return std::nullopt;

    // Each designator may appear once, in this order; M means months before T and minutes after.
    static constexpr char date_units[] = {'Y', 'M', 'D'};
    static constexpr std::int64_t date_seconds[] = {std::int64_t{365} * 86400, std::int64_t{30} * 86400, 86400};
    static constexpr char time_units[] = {'H', 'M', 'S'};
    static constexpr std::int64_t time_seconds[] = {3600, 60, 1};
    // Bounds every number so the sum cannot overflow int64 (10^10 years is far beyond any real value).
    constexpr std::int64_t max_number = 10'000'000'000;

    std::int64_t total = 0;
    bool any = false;
    bool in_time = false;
    std::size_t next_unit = 0;
    bool time_component = false;
    while (pos < s.size()) {
        if (s[pos] == 'T') {
            if (in_time) return std::nullopt;
            in_time = true;
            next_unit = 0;
            ++pos;
            continue;
        }
        std::int64_t number = 0;
        std::size_t start = pos;
        while (pos < s.size() && is_digit(s[pos])) {
            number = number * 10 + (s[pos] - '0');
            if (number > max_number) return std::nullopt;
            ++pos;
        }
        if (pos == start) return std::nullopt;
        bool fraction = false;
        if (pos < s.size() && s[pos] == '.') {
            fraction = true;
            ++pos;
            std::size_t fstart = pos;
            while (pos < s.size() && is_digit(s[pos])) ++pos;
            if (pos == fstart) return std::nullopt;
        }
        if (pos >= s.size()) return std::nullopt;
        const char unit = s[pos++];
        const char *units = in_time ? time_units : date_units;
        const std::int64_t *mult = in_time ? time_seconds : date_seconds;
        std::size_t k = next_unit;
        while (k < 3 && units[k] != unit) ++k;
        if (k == 3) return std::nullopt;
        if (fraction && !(in_time && unit == 'S')) return std::nullopt;
        next_unit = k + 1;
        total += number * mult[k];
        any = true;
        if (in_time) time_component = true;
    }
    if (!any || (in_time && !time_component)) return std::nullopt;
    return negative ? -total : total;
}

}  // namespace ssogate::core::util
