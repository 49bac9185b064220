#include "util/email.hpp"

#include "util/text.hpp"

#include "error.hpp"

#include <algorithm>

namespace ssogate::core::util {

namespace {

constexpr std::size_t max_address = 254;  // RFC 5321 4.5.3.1.3 (a path of 256 minus the brackets)
constexpr std::size_t max_local = 64;     // RFC 5321 4.5.3.1.1
constexpr std::size_t max_domain = 253;   // a DNS name in text form
constexpr std::size_t max_label = 63;     // RFC 1035 2.3.4

constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) noexcept { return is_upper(c) || (c >= 'a' && c <= 'z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_xml_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr char lower(char c) noexcept { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 5322 atext, plus '.' (placement is checked separately).
bool is_local_char(char c) noexcept {
    static constexpr std::string_view extra = "!#$%&'*+/=?^_`{|}~-.";
    return is_alpha(c) || is_digit(c) || extra.find(c) != std::string_view::npos;
}

// Why `domain` is not a valid domain, as the end of a sentence; nullptr when it is one.
const char *domain_problem(std::string_view domain) noexcept {
    if (domain.empty()) return "is empty";
    if (domain.size() > max_domain) return "is longer than 253 characters";
    std::size_t labels = 0;
    bool top_all_digits = false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = domain.find('.', start);
        const std::string_view label =
            domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty()) return "has an empty label (two dots in a row, or a dot at either end)";
        if (label.size() > max_label) return "has a label longer than 63 characters";
        if (label.front() == '-' || label.back() == '-') return "has a label that starts or ends with '-'";
        for (char c : label) {
            if (!is_alpha(c) && !is_digit(c) && c != '-') {
                return "holds a character other than ASCII letters, digits, '-' and '.' (give an internationalised "
                       "name in its xn-- form)";
            }
        }
        ++labels;
        top_all_digits = std::all_of(label.begin(), label.end(), is_digit);
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return "is a single label; a domain has at least two, e.g. example.com";
    if (top_all_digits)
        return "ends in an all-numeric label (an IP address is not a domain; no top-level domain is numeric)";
    return nullptr;
}

}  // namespace

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    normalize_email_in_place(out.data(), out.size());
    return out;
}

void normalize_email_in_place(char *data, std::size_t size) noexcept {
    if (data == nullptr) return;
    for (std::size_t i = 0; i < size; ++i) data[i] = lower(data[i]);
}

std::string_view trim_xml_space(std::string_view text) noexcept {
    while (!text.empty() && is_xml_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_xml_space(text.back())) text.remove_suffix(1);
    return text;
}

bool is_valid_domain(std::string_view domain) noexcept { return domain_problem(domain) == nullptr; }

bool is_valid_email(std::string_view s) noexcept {
    if (s.size() > max_address) return false;
    const auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) return false;
    const std::string_view local = s.substr(0, at);
    if (local.size() > max_local || local.front() == '.' || local.back() == '.') return false;
    char prev = 0;
    for (char c : local) {
        if (!is_local_char(c) || (c == '.' && prev == '.')) return false;
        prev = c;
    }
    return is_valid_domain(s.substr(at + 1));
}

std::string normalize_email(std::string_view address) { return lower_ascii(address); }

std::string lower_email_domain(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::string(address);
    return std::string(address.substr(0, at + 1)) + lower_ascii(address.substr(at + 1));
}

std::string email_domain(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return {};
    return lower_ascii(address.substr(at + 1));
}

std::string require_domain(std::string_view raw, std::string_view what) {
    // The setting goes into the message: cut short, control characters shown as '?'.
    const std::string shown = "\"" + printable(raw) + "\"";
    if (!raw.empty() && raw.front() == '@') {
        fail(Code::invalid_setting, std::string(what) + " " + shown +
                                        " starts with '@'; give the domain only, e.g. "
                                        "example.com");
    }
    if (const char *why = domain_problem(raw)) {
        fail(Code::invalid_setting, std::string(what) + " " + shown + " is not a DNS domain: it " + why);
    }
    return lower_ascii(raw);
}

bool domain_in(std::string_view domain, const std::vector<std::string> &list) {
    const std::string d = lower_ascii(domain);
    return std::any_of(list.begin(), list.end(), [&](const std::string &item) { return lower_ascii(item) == d; });
}

bool same_email(std::string_view a, std::string_view b) {
    return a.size() == b.size() && normalize_email(a) == normalize_email(b);
}

}  // namespace ssogate::core::util
