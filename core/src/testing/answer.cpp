#include "testing/answer.hpp"

#include "error.hpp"
#include "login/login.hpp"
#include "metadata/idp.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "xml/xml.hpp"

#include <optional>
#include <vector>

namespace ssogate::core::testing {
namespace {

[[noreturn]] void refuse(const std::string &why) { fail(Code::invalid_argument, "testing IdP: " + why); }

// application/x-www-form-urlencoded decoding: %XX and '+' for a space.
std::string form_decode(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
            out += ' ';
        } else if (v[i] == '%') {
            const int hi = i + 2 < v.size() ? hex(v[i + 1]) : -1;
            const int lo = i + 2 < v.size() ? hex(v[i + 2]) : -1;
            if (hi < 0 || lo < 0) refuse("the query string has a bad percent escape");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += v[i];
        }
    }
    return out;
}

// The value of `name` in a query string ("a=1&b=2"), decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        const std::string_view pair = query.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name) return form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
        start = end + 1;
    }
    return std::nullopt;
}

constexpr std::size_t max_request_bytes = std::size_t{256} * 1024;

// The AuthnRequest XML and what the transport says about it.
struct Transport {
    std::string xml;
    ReceivedRequest received;
    bool redirect = false;
};

Transport decode(std::string_view request) {
    Transport t;
    if (request.find("SAMLRequest=") != std::string_view::npos) {
        t.redirect = true;
        const std::size_t q = request.find('?');
        std::string_view query = q == std::string_view::npos ? request : request.substr(q + 1);
        query = query.substr(0, query.find('#'));
        const auto saml_request = query_value(query, "SAMLRequest");
        if (!saml_request || saml_request->empty()) refuse("the URL's SAMLRequest is empty");
        try {
            t.xml = raw_inflate(util::base64_decode(*saml_request), max_request_bytes);
        } catch (const Error &e) {
            refuse(std::string("the URL's SAMLRequest is not base64 of DEFLATE data: ") + e.what());
        }
        t.received.relay_state = query_value(query, "RelayState").value_or("");
        t.received.is_signed = query_value(query, "Signature").has_value();
        return t;
    }
    try {
        t.xml = util::base64_decode(request);
    } catch (const Error &) {
        refuse("the request is neither a URL with SAMLRequest nor a base64 SAMLRequest form value");
    }
    return t;
}

void check_request(xmlNode *root, const Connection &conn) {
    if (!xml::is_element(root, xml::ns_samlp, "AuthnRequest"))
        refuse("the request is " + xml::qualified_name(root) + ", not a samlp:AuthnRequest");
    if (xml::attribute(root, "Version").value_or("") != "2.0") refuse("the AuthnRequest's Version is not 2.0");
    xmlNode *issuer = xml::first_child_element(root, xml::ns_saml, "Issuer");
    const std::string sp = issuer == nullptr ? "" : xml::trimmed_text(issuer);
    if (sp != conn.sp_entity_id())
        refuse("the AuthnRequest's Issuer is " + util::quoted(sp) + "; the connection's SP entity ID is " +
               util::quoted(conn.sp_entity_id()));
    if (auto acs = xml::attribute(root, "AssertionConsumerServiceURL"); acs && *acs != conn.acs_url())
        refuse("the AuthnRequest asks for ACS " + util::quoted(*acs) + "; the connection's is " +
               util::quoted(conn.acs_url()));
    if (auto binding = xml::attribute(root, "ProtocolBinding"); binding && *binding != binding_post)
        refuse("the AuthnRequest asks for the response binding " + util::quoted(*binding) + "; only HTTP-POST is sent");
    if (auto destination = xml::attribute(root, "Destination")) {
        bool known = false;
        for (const Endpoint &e : conn.idp()->sso_endpoints()) known |= e.location == *destination;
        if (!known)
            refuse("the AuthnRequest's Destination " + util::quoted(*destination) + " is not an SSO URL of the IdP");
    }
}

}  // namespace

ReceivedRequest read_authn_request(std::string_view request, const Connection &connection) {
    if (request.size() > max_request_bytes) refuse("the request is larger than 256 KiB");
    Transport t = decode(request);
    const xml::Document doc = xml::parse(t.xml, xml::Limits{}, "the AuthnRequest");
    xmlNode *root = doc.root();
    check_request(root, connection);
    t.received.id = xml::attribute(root, "ID").value_or("");
    if (t.received.id.empty()) refuse("the AuthnRequest has no ID");
    if (!t.redirect) t.received.is_signed = xml::first_child_element(root, xml::ns_ds, "Signature") != nullptr;
    if (connection.signs_every_request() && !t.received.is_signed)
        refuse("the IdP wants signed AuthnRequests and this one is unsigned");
    return t.received;
}

}  // namespace ssogate::core::testing
