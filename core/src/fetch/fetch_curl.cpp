// One GET through libcurl. Redirects are not followed here (fetch::get follows them, checking each
// hop); proxies from the environment are not used (the address guard judges the address connected to);
// only http and https; TLS 1.2 or later with peer and host verification.
#include "fetch/fetch.hpp"

#include "util/text.hpp"

#include <curl/curl.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <memory>
#include <mutex>
#include <string>

namespace ssogate::core::fetch {

namespace {

struct Transfer {
    const Policy *policy = nullptr;
    Reply reply;
    bool too_large = false;
    std::string blocked;  // the refused addresses and why, for the message
    int allowed_attempts = 0;
};

std::string address_text(const sockaddr *sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr, buf, sizeof buf);
    }
    return buf;
}

// libcurl asks for every socket it would connect with, after name resolution: the guard's one place,
// so a name that resolves to a refused address (or a redirect to one) never gets a connection.
curl_socket_t open_socket(void *clientp, curlsocktype purpose, curl_sockaddr *address) {
    auto *t = static_cast<Transfer *>(clientp);
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    const sockaddr *sa = &address->addr;
    const char *kind = nullptr;
    if (sa->sa_family == AF_INET) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(sa);
        kind = refused_address_kind(reinterpret_cast<const unsigned char *>(&in->sin_addr), 4,
                                    t->policy->allowed_networks);
    } else if (sa->sa_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        kind = refused_address_kind(reinterpret_cast<const unsigned char *>(&in6->sin6_addr), 16,
                                    t->policy->allowed_networks);
    } else {
        kind = "not an IP address";
    }
    if (kind != nullptr) {
        if (!t->blocked.empty()) t->blocked += ", ";
        t->blocked += address_text(sa) + " (" + kind + ")";
        return CURL_SOCKET_BAD;
    }
    ++t->allowed_attempts;
    return socket(address->family, address->socktype, address->protocol);
}

std::size_t on_body(char *data, std::size_t size, std::size_t n, void *userp) {
    auto *t = static_cast<Transfer *>(userp);
    const std::size_t len = size * n;
    if (t->reply.body.size() + len > t->policy->max_bytes) {
        t->too_large = true;
        return 0;  // stops the transfer (CURLE_WRITE_ERROR)
    }
    t->reply.body.append(data, len);
    return len;
}

// "Name: value\r\n" for the three headers that matter here; values trimmed.
std::size_t on_header(char *data, std::size_t size, std::size_t n, void *userp) {
    auto *t = static_cast<Transfer *>(userp);
    const std::size_t len = size * n;
    const std::string_view line(data, len);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string name(line.substr(0, colon));
    for (char &c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    if (value.size() > 2048) return len;  // no real validator or URL is this long; ignore it
    if (name == "etag") t->reply.etag = std::string(value);
    if (name == "last-modified") t->reply.last_modified = std::string(value);
    if (name == "location") t->reply.location = std::string(value);
    return len;
}

struct EasyFree {
    void operator()(CURL *c) const noexcept { curl_easy_cleanup(c); }
};
struct ListFree {
    void operator()(curl_slist *l) const noexcept { curl_slist_free_all(l); }
};

void init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

[[noreturn]] void fail_transfer(CURLcode rc, const Transfer &t, const Request &req, const char *errbuf) {
    const std::string where = "\"" + util::printable(req.url, 200) + "\"";
    const std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (!t.blocked.empty() && t.allowed_attempts == 0)
        fail(Code::metadata_address_blocked,
             where + " resolves to " + t.blocked +
                 ": refused, the URL must reach the IdP on the internet (the host can allow a network for an "
                 "on-premises IdP)");
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        fail(Code::metadata_fetch_timeout, "no answer from " + where + " within the timeout (" + why + ")");
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
            fail(Code::metadata_fetch_too_large, "the metadata at " + where + " is larger than " +
                                                     std::to_string(t.policy->max_bytes) + " bytes: download stopped");
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR: fail(Code::metadata_tls, "TLS with " + where + " failed: " + why);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: fail(Code::metadata_url_invalid, "metadata URL " + where + ": " + why);
    case CURLE_COULDNT_RESOLVE_HOST:
        fail(Code::metadata_fetch_failed, "the host of " + where + " does not resolve: " + why);
    default: break;
    }
    fail(Code::metadata_fetch_failed, "fetching " + where + " failed: " + why +
                                          (t.blocked.empty() ? "" : " (refused addresses: " + t.blocked + ")"));
}

void set_options(CURL *c, Transfer &t, const Request &req, const Policy &policy, curl_slist *headers, char *errbuf) {
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, policy.allow_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(policy.timeout_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(policy.connect_timeout_ms));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!policy.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, policy.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(policy.max_bytes));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ssogate (SAML metadata refresh)");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

}  // namespace

Reply curl_transport(const Request &req, const Policy &policy) {
    init_once();
    std::unique_ptr<CURL, EasyFree> c(curl_easy_init());
    if (!c) fail(Code::out_of_memory, "curl_easy_init failed");
    curl_slist *raw =
        curl_slist_append(nullptr, "Accept: application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.1");
    std::unique_ptr<curl_slist, ListFree> headers(raw);
    // Appending to a non-empty list returns its head (NULL only when out of memory).
    const auto add = [&](const std::string &line) {
        if (curl_slist_append(headers.get(), line.c_str()) == nullptr)
            fail(Code::out_of_memory, "curl_slist_append failed");
    };
    if (!headers) fail(Code::out_of_memory, "curl_slist_append failed");
    // Validators come from a server's earlier answer: no line breaks may reach the request.
    const auto clean = [](const std::string &v) { return v.find_first_of("\r\n") == std::string::npos; };
    if (!req.if_none_match.empty() && clean(req.if_none_match)) add("If-None-Match: " + req.if_none_match);
    if (!req.if_modified_since.empty() && clean(req.if_modified_since))
        add("If-Modified-Since: " + req.if_modified_since);
    Transfer t;
    t.policy = &policy;
    char errbuf[CURL_ERROR_SIZE] = {};
    set_options(c.get(), t, req, policy, headers.get(), errbuf);
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) fail_transfer(rc, t, req, errbuf);
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    t.reply.status = static_cast<int>(status);
    return std::move(t.reply);
}

}  // namespace ssogate::core::fetch
