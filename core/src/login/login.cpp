#include "login/login.hpp"

#include "crypto/dsig.hpp"
#include "error.hpp"
#include "util/encoding.hpp"
#include "util/time.hpp"
#include "util/url.hpp"
#include "xml/xml.hpp"

#include <libxml/tree.h>
#include <libxml/valid.h>
#include <zlib.h>

#include <algorithm>
#include <limits>

namespace ssogate::core {
namespace {

constexpr std::size_t max_return_to_bytes = 2048;
// 256 bits: the token is the only thing that ties the IdP's answer to this browser's request.
constexpr std::size_t relay_state_bytes = 32;
// 160 bits, so an answer cannot be matched to a request by guessing its ID.
constexpr std::size_t request_id_bytes = 20;

std::string escape_xml(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

[[noreturn]] void refuse_return_to(const std::string &why) {
    fail(Code::return_to_not_allowed, "return-to address refused: " + why +
                                          "; give a path on this service (\"/dashboard\") or an absolute URL whose "
                                          "origin is in the connection's allowed_return_origins");
}

const char *binding_uri(LoginBinding b) { return b == LoginBinding::post ? binding_post : binding_redirect; }

std::string binding_label(std::string_view uri) {
    if (uri == binding_redirect) return "HTTP-Redirect";
    if (uri == binding_post) return "HTTP-POST";
    return std::string(uri);
}

std::string authn_request_xml(const Connection &conn, const BegunLogin &b, const LoginOptions &o) {
    std::string x =
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
        b.request_id + "\" Version=\"2.0\" IssueInstant=\"" + util::format_datetime(b.issued_at) + "\" Destination=\"" +
        escape_xml(b.destination) + "\"";
    if (o.force_authn) x += " ForceAuthn=\"true\"";
    if (o.is_passive) x += " IsPassive=\"true\"";
    x += " ProtocolBinding=\"" + std::string(binding_post) + "\" AssertionConsumerServiceURL=\"" +
         escape_xml(conn.acs_url()) + "\">";
    x += "<saml:Issuer>" + escape_xml(conn.sp_entity_id()) + "</saml:Issuer>";
    x += "<samlp:NameIDPolicy Format=\"" + std::string(nameid_email) + "\" AllowCreate=\"true\"/>";
    x += "</samlp:AuthnRequest>";
    return x;
}

std::string sign_xml(const std::string &unsigned_xml, const SpKey &key) {
    xml::Document doc = xml::parse(unsigned_xml, xml::Limits{}, "AuthnRequest");
    xmlNode *root = doc.root();
    // The reference "#ID" resolves only through the document's ID table.
    xmlAttr *id = xmlHasProp(root, reinterpret_cast<const xmlChar *>("ID"));
    xmlChar *value = id == nullptr ? nullptr : xmlNodeGetContent(reinterpret_cast<xmlNode *>(id));
    const bool added = value != nullptr && xmlAddID(nullptr, doc.get(), value, id) != nullptr;
    xmlFree(value);
    if (!added) fail(Code::internal, "registering the AuthnRequest ID failed");
    key.sign_enveloped(doc.get(), root);
    xmlChar *buf = nullptr;
    int len = 0;
    xmlDocDumpMemoryEnc(doc.get(), &buf, &len, "UTF-8");
    if (buf == nullptr || len <= 0) fail(Code::out_of_memory, "serialising the AuthnRequest failed");
    std::string out(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(len));
    xmlFree(buf);
    return out;
}

std::string post_form(const std::string &action, const std::string &saml_request, const std::string &relay_state) {
    // One constant inline script (allowed by its hash under a strict CSP) and a <noscript> button
    // for browsers without JavaScript; no inline event handlers.
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"referrer\" content=\"no-referrer\"><title>Signing in</title></head><body>\n"
           "<form method=\"post\" action=\"" +
           escape_xml(action) +
           "\">\n"
           "<input type=\"hidden\" name=\"SAMLRequest\" value=\"" +
           escape_xml(saml_request) +
           "\">\n"
           "<input type=\"hidden\" name=\"RelayState\" value=\"" +
           escape_xml(relay_state) +
           "\">\n"
           "<noscript><p>JavaScript is off: press Continue to sign in.</p>"
           "<button type=\"submit\">Continue</button></noscript>\n"
           "</form>\n<script>" +
           std::string(post_form_script) + "</script>\n</body></html>\n";
}

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

[[noreturn]] void reject(Code code, const std::string &message) { throw Rejection(code, message); }

std::string short_id(std::string_view s) {
    constexpr std::size_t cap = 80;
    return "\"" + std::string(s.substr(0, cap)) + (s.size() > cap ? "...\"" : "\"");
}

// The InResponseTo the (not yet verified) response claims, used only as a lookup key: verification
// then requires the signed value to equal it. nullopt when absent or unreadable (verification then
// reports the real problem on the same bytes).
std::optional<std::string> claimed_in_response_to(std::string_view b64, std::size_t max_bytes) {
    try {
        const std::string bytes = util::base64_decode(b64);
        xml::Limits limits;
        limits.max_bytes = max_bytes;
        xml::Document doc = xml::parse(bytes, limits, "SAML Response");
        xmlNode *root = doc.root();
        if (auto irt = xml::attribute(root, "InResponseTo")) return irt;
        xmlNode *a = xml::first_child_element(root, xml::ns_saml, "Assertion");
        xmlNode *s = a == nullptr ? nullptr : xml::first_child_element(a, xml::ns_saml, "Subject");
        if (s == nullptr) return std::nullopt;
        for (xmlNode *sc : xml::child_elements(s, xml::ns_saml, "SubjectConfirmation")) {
            xmlNode *d = xml::first_child_element(sc, xml::ns_saml, "SubjectConfirmationData");
            if (d != nullptr) {
                if (auto irt = xml::attribute(d, "InResponseTo")) return irt;
            }
        }
    } catch (const Error &) {
    }
    return std::nullopt;
}

template <typename F>
std::optional<store::PendingRequest> ask_store(F take) {
    try {
        return take();
    } catch (const std::exception &e) {
        reject(Code::store_unavailable,
               std::string("the pending-request store could not answer, so the login is refused: ") + e.what());
    }
}

// The earliest time the store can be asked for: it then hands back a request even when its time to
// live has passed (and removes it), so the user hears "expired" rather than "unknown".
constexpr std::int64_t any_time = std::numeric_limits<std::int64_t>::min();

}  // namespace

std::string url_encode(std::string_view value) {
    // RFC 3986 unreserved characters stay; everything else is %XX with upper-case hex. The same
    // encoding goes into the URL and into the string the signature covers (bindings 3.4.4.1).
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size() * 3);
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string raw_deflate(std::string_view bytes) {
    z_stream z{};
    // windowBits -15: raw DEFLATE without the zlib header and checksum, as the Redirect binding says.
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fail(Code::internal, "zlib deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) fail(Code::internal, "zlib deflate did not finish");
    return out;
}

std::string raw_inflate(std::string_view bytes, std::size_t max_bytes) {
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) fail(Code::internal, "zlib inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    char buf[16384];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef *>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            fail(Code::encoding_invalid, "the data is not raw DEFLATE");
        }
        out.append(buf, sizeof buf - z.avail_out);
        if (out.size() > max_bytes) {
            inflateEnd(&z);
            fail(Code::input_too_large, "the inflated data exceeds " + std::to_string(max_bytes) + " bytes");
        }
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            inflateEnd(&z);
            fail(Code::encoding_invalid, "the DEFLATE data is truncated");
        }
    }
    inflateEnd(&z);
    return out;
}

std::string check_return_to(const Connection &connection, std::string_view rt) {
    if (rt.empty()) return {};
    if (rt.size() > max_return_to_bytes)
        refuse_return_to("it is " + std::to_string(rt.size()) + " bytes long; at most 2048 are allowed");
    for (char ch : rt) {
        auto c = static_cast<unsigned char>(ch);
        // Browsers strip tabs and newlines from URLs and read "\" as "/", which turns "/\evil.com"
        // into "//evil.com": refuse them rather than guess how a browser will read the address.
        if (c <= 0x20 || c >= 0x7f) refuse_return_to("it contains a space, a control character or non-ASCII text");
        if (ch == '\\') refuse_return_to("it contains a backslash");
        // What RFC 3986 never allows unencoded; hosts often echo the address into HTML or headers.
        if (std::string_view("<>\"^`{|}").find(ch) != std::string_view::npos)
            refuse_return_to("it contains one of <>\"^`{|}, which must be percent-encoded");
    }
    if (rt.front() == '/') {
        // "//host/..." is scheme-relative: another site.
        if (rt.size() > 1 && rt[1] == '/') refuse_return_to("it starts with \"//\", which names another host");
        return std::string(rt);
    }
    std::string why;
    auto url = util::parse_http_url(rt, &why);
    if (!url) refuse_return_to("it is neither a path starting with \"/\" nor an absolute http(s) URL (" + why + ")");
    const std::string origin = normalise_origin(rt);
    const auto &allowed = connection.settings().allowed_return_origins;
    if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
        std::string list;
        for (const auto &a : allowed) list += (list.empty() ? "" : ", ") + a;
        refuse_return_to("its origin " + origin + " is not among the allowed return origins (" +
                         (list.empty() ? std::string("none configured") : list) + ")");
    }
    return std::string(rt);
}

BegunLogin begin_login(const Connection &connection, store::PendingRequests &store, const LoginOptions &o) {
    xml::ensure_initialized();
    if (o.ttl_seconds < 1 || o.ttl_seconds > max_login_ttl_seconds)
        fail(Code::invalid_argument, "ttl_seconds is " + std::to_string(o.ttl_seconds) + "; it must be 1 to " +
                                         std::to_string(max_login_ttl_seconds));
    const std::string return_to = check_return_to(connection, o.return_to);

    BegunLogin b;
    b.binding = o.binding;
    const IdpMetadata &idp = *connection.idp();
    const Endpoint *endpoint = idp.sso_endpoint(binding_uri(o.binding));
    if (endpoint == nullptr) {
        std::string have;
        for (const auto &e : idp.sso_endpoints()) have += (have.empty() ? "" : ", ") + binding_label(e.binding);
        fail(Code::binding_unsupported, "the IdP " + idp.entity_id() + " has no SingleSignOnService with the " +
                                            binding_label(binding_uri(o.binding)) + " binding; its metadata lists: " +
                                            (have.empty() ? std::string("none") : have) +
                                            ". Begin the login with one of those bindings");
    }
    if (idp.want_authn_requests_signed() && !o.sp_key) {
        fail(Code::sp_key_required,
             "the IdP " + idp.entity_id() +
                 " wants signed AuthnRequests "
                 "(WantAuthnRequestsSigned=\"true\" in its metadata); begin the login with the SP "
                 "signing key whose certificate the IdP has");
    }
    if (o.sp_key && !connection.sp_certificate_pem().empty()) {
        // The connection's SP metadata publishes one signing certificate; a request signed by another
        // key would be refused by an IdP that took the certificate from there.
        const crypto::Certificate published = crypto::parse_certificate_pem(connection.sp_certificate_pem());
        if (published.sha256 != o.sp_key->certificate().sha256) {
            fail(Code::sp_key_invalid, "the SP key's certificate (SHA-256 " + o.sp_key->certificate().sha256 +
                                           ") is not the one connection " + connection.id() +
                                           " publishes in its SP metadata (SHA-256 " + published.sha256 +
                                           "); begin the login with that key, or save the connection with this "
                                           "key's certificate");
        }
    }
    b.destination = endpoint->location;
    b.is_signed = static_cast<bool>(o.sp_key);
    b.issued_at = o.now.value_or(util::now_seconds());
    b.expires_at = b.issued_at + o.ttl_seconds;
    b.request_id = "_" + util::random_token(request_id_bytes);
    b.relay_state = util::random_token(relay_state_bytes);

    const std::string unsigned_xml = authn_request_xml(connection, b, o);
    if (o.binding == LoginBinding::redirect) {
        b.xml = unsigned_xml;
        std::string query = "SAMLRequest=" + url_encode(util::base64_encode(raw_deflate(unsigned_xml))) +
                            "&RelayState=" + url_encode(b.relay_state);
        if (o.sp_key) {
            // Bindings 3.4.4.1: the signature covers exactly these bytes, in this order, as they
            // appear in the URL.
            query += "&SigAlg=" + url_encode(crypto::alg_rsa_sha256);
            query += "&Signature=" + url_encode(util::base64_encode(o.sp_key->sign_rsa_sha256(query)));
        }
        const std::string &loc = b.destination;
        const char sep = loc.find('?') == std::string::npos         ? '?'
                         : (loc.back() == '?' || loc.back() == '&') ? '\0'
                                                                    : '&';
        b.redirect_url = loc + (sep == '\0' ? std::string() : std::string(1, sep)) + query;
    } else {
        b.xml = o.sp_key ? sign_xml(unsigned_xml, *o.sp_key) : unsigned_xml;
        b.post_form_html = post_form(b.destination, util::base64_encode(b.xml), b.relay_state);
    }

    store::PendingRequest record;
    record.request_id = b.request_id;
    record.connection_id = connection.id();
    record.return_to = return_to;
    record.created_at = b.issued_at;
    record.expires_at = b.expires_at;
    store.put(b.relay_state, record);
    return b;
}

FinishedLogin finish_login(const Connection &connection, store::PendingRequests &store, std::string_view relay_state,
                           std::string_view saml_response_b64, const VerifyContext &context) {
    const std::int64_t now = context.now.value_or(util::now_seconds());
    VerifyContext ctx = context;
    ctx.pending = nullptr;
    ctx.pending_request_ids.clear();
    FinishedLogin out;

    if (!relay_state.empty()) {
        if (relay_state.size() > max_relay_state_bytes ||
            !std::all_of(relay_state.begin(), relay_state.end(), is_token_char)) {
            reject(Code::relay_state_invalid,
                   "the RelayState (" + std::to_string(relay_state.size()) +
                       " bytes) is not one ssogate issued: its tokens are 43 base64url characters. If the IdP sends a "
                       "default RelayState with IdP-initiated logins, clear that setting at the IdP");
        }
        auto request = ask_store([&] { return store.take(relay_state, any_time); });
        if (!request) {
            reject(Code::request_unknown,
                   "no pending login has this RelayState: it was already used, never issued "
                   "here, or expired and was purged. The user should start the login again");
        }
        if (request->connection_id != connection.id()) {
            reject(Code::request_connection_mismatch,
                   "the RelayState belongs to a login begun for connection " + short_id(request->connection_id) +
                       ", but the response arrived at the ACS of connection " + short_id(connection.id()));
        }
        if (request->expires_at <= now) {
            reject(Code::request_expired, "the login began at " + util::format_datetime(request->created_at) +
                                              " and expired at " + util::format_datetime(request->expires_at) +
                                              "; it is now " + util::format_datetime(now));
        }
        ctx.pending_request_ids.push_back(request->request_id);
        out.login = verify_response(connection, saml_response_b64, ctx);
        if (out.login.in_response_to != request->request_id) {
            throw Rejection(Code::in_response_to_unknown,
                            "the RelayState names AuthnRequest " + short_id(request->request_id) +
                                " but the Response answers no request (unsolicited)",
                            signed_identity_of(out.login));
        }
        out.return_to = std::move(request->return_to);
        out.request_id = std::move(request->request_id);
        return out;
    }

    auto claimed = claimed_in_response_to(saml_response_b64, context.max_bytes);
    if (!claimed) {
        out.login = verify_response(connection, saml_response_b64, ctx);  // unsolicited: allow_idp_initiated decides
        return out;
    }
    ctx.pending_request_ids.push_back(*claimed);
    out.login = verify_response(connection, saml_response_b64, ctx);
    // Verification reads InResponseTo from the signed elements only; when it found none there, the
    // login is unsolicited (and was allowed), and no pending request is involved.
    if (out.login.in_response_to.empty()) return out;
    // Refusals from here on come after the response verified: they name who it was for.
    try {
        auto request = ask_store([&] { return store.take_by_request_id(connection.id(), *claimed, any_time); });
        if (!request) {
            reject(Code::request_unknown, "the Response answers AuthnRequest " + short_id(*claimed) +
                                              ", which is not pending for this connection (already answered, begun "
                                              "for another connection, or expired and purged)");
        }
        if (request->expires_at <= now) {
            reject(Code::request_expired, "AuthnRequest " + short_id(*claimed) + " expired at " +
                                              util::format_datetime(request->expires_at) + "; it is now " +
                                              util::format_datetime(now));
        }
        out.return_to = std::move(request->return_to);
        out.request_id = std::move(request->request_id);
    } catch (const Rejection &r) {
        throw r.with_signed_identity(signed_identity_of(out.login));
    }
    return out;
}

}  // namespace ssogate::core
