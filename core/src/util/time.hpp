// xs:dateTime and xs:duration, as SAML uses them. Times are Unix seconds (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core::util {

// The current time, seconds since the epoch.
std::int64_t now_seconds() noexcept;

// xs:dateTime: "2024-01-02T03:04:05Z", optional fractional seconds, "Z" or "+hh:mm"/"-hh:mm" offset.
// A value without a zone is taken as UTC (SAML requires UTC). Fractions are truncated. nullopt when
// the text is not a valid dateTime.
std::optional<std::int64_t> parse_datetime(std::string_view text);
// "2024-01-02T03:04:05Z".
std::string format_datetime(std::int64_t seconds);
// Unix seconds of a UTC calendar time (proleptic Gregorian calendar), computed without the C
// library's time zone or locale. Fields are not range-checked (callers validate).
std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second) noexcept;
// xs:duration such as "PT5H" or "P1DT2H"; years and months count as 365 and 30 days. nullopt if invalid.
std::optional<std::int64_t> parse_duration(std::string_view text);

}  // namespace ssogate::core::util
