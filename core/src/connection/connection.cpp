#include "connection/connection.hpp"

#include "crypto/certificate.hpp"
#include "crypto/xmlenc.hpp"
#include "util/email.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/url.hpp"
#include "xml/xml.hpp"

#include <libxml/tree.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace ssogate::core {

namespace {

constexpr std::size_t max_id_length = 64;
constexpr std::size_t max_entity_id_length = 1024;  // SAML core 8.3.6
constexpr int max_clock_skew = 600;

std::string shown(std::string_view s) { return "\"" + util::printable(s) + "\""; }

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

std::string expand(const std::string &tmpl, const std::string &base, const std::string &id, const char *what) {
    std::string out = replace_all(replace_all(tmpl, "{base}", base), "{id}", id);
    if (out.find_first_of("{}") != std::string::npos)
        fail(Code::invalid_url,
             std::string("the ") + what + " template " + shown(tmpl) + " has a placeholder other than {base} and {id}");
    return out;
}

std::string normalise_base_url(const std::string &base) {
    std::string why;
    auto url = util::parse_http_url(base, &why);
    if (!url) fail(Code::invalid_url, "the base URL " + shown(base) + " is not an absolute http(s) URL: " + why);
    if (url->has_query || url->has_fragment)
        fail(Code::invalid_url, "the base URL " + shown(base) +
                                    " has a query or fragment; give the bare URL of the "
                                    "service, e.g. https://app.example.com");
    std::string out = base;
    if (!out.empty() && out.back() == '/') out.pop_back();
    return out;
}

void check_acs_url(const std::string &acs) {
    std::string why;
    auto url = util::parse_http_url(acs, &why);
    if (!url) fail(Code::invalid_url, "the ACS URL " + shown(acs) + " is not an absolute http(s) URL: " + why);
    // The IdP posts to this URL and compares it byte for byte; a fragment never reaches the server.
    if (url->has_fragment) fail(Code::invalid_url, "the ACS URL " + shown(acs) + " has a #fragment");
}

void check_sp_entity_id(const std::string &id) {
    if (id.empty()) fail(Code::invalid_url, "the SP entity ID is empty");
    if (id.size() > max_entity_id_length)
        fail(Code::invalid_url,
             "the SP entity ID is " + std::to_string(id.size()) + " characters long; SAML allows at most 1024");
    for (char c : id)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            fail(Code::invalid_url, "the SP entity ID contains a control character");
    // An entity ID may be any URI, but one that looks like a URL must be a valid one: IdPs compare
    // it as typed, and a typo here fails every login later with a less obvious message.
    const bool looks_like_url = id.find("://") != std::string::npos || id.rfind("http", 0) == 0;
    std::string why;
    if (looks_like_url && !util::parse_http_url(id, &why))
        fail(Code::invalid_url,
             "the SP entity ID " + shown(id) + " looks like a URL but is not a valid http(s) URL: " + why);
}

// "scheme://host[:port]" as browsers compare origins: scheme and host lower-case, the scheme's
// default port dropped. Exposed through normalise_origin() for the login's return-to check.
std::string origin_of(const std::string &raw, bool allow_path) {
    std::string why;
    auto url = util::parse_http_url(raw, &why);
    if (!url)
        fail(Code::invalid_setting, "allowed return origin " + shown(raw) + " is not an absolute http(s) URL: " + why);
    if (!allow_path && ((!url->path.empty() && url->path != "/") || url->has_query || url->has_fragment))
        fail(Code::invalid_setting, "allowed return origin " + shown(raw) +
                                        " has a path, query or fragment; give the origin only, e.g. "
                                        "https://app.example.com");
    const std::string host = util::lower_ascii(url->host);
    const bool default_port = url->port.empty() || (url->scheme == "https" && url->port == "443") ||
                              (url->scheme == "http" && url->port == "80");
    return url->scheme + "://" + host + (default_port ? "" : ":" + url->port);
}

ConnectionSettings validate_settings(const ConnectionSettings &in) {
    ConnectionSettings s = in;
    if (s.clock_skew_seconds < 0 || s.clock_skew_seconds > max_clock_skew)
        fail(Code::invalid_setting, "clock_skew_seconds is " + std::to_string(s.clock_skew_seconds) +
                                        "; it must be between 0 and " + std::to_string(max_clock_skew));
    std::vector<std::string> domains;
    for (const std::string &raw : in.allowed_email_domains) {
        std::string d = util::require_domain(raw, "allowed email domain");
        if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(std::move(d));
    }
    s.allowed_email_domains = std::move(domains);
    std::vector<std::string> origins;
    for (const std::string &raw : in.allowed_return_origins) {
        std::string o = origin_of(raw, false);
        if (std::find(origins.begin(), origins.end(), o) == origins.end()) origins.push_back(std::move(o));
    }
    s.allowed_return_origins = std::move(origins);
    for (char c : s.email_attribute)
        if (static_cast<unsigned char>(c) < 0x20)
            fail(Code::invalid_setting, "email_attribute contains a control character");
    return s;
}

// The SP encryption certificates: RSA (key transport is RSA-OAEP), 2048 bits or more unless the
// connection accepts a legacy key, each once.
std::vector<crypto::Certificate> encryption_certificates(const std::vector<std::string> &pems,
                                                         const ConnectionSettings &settings) {
    std::vector<crypto::Certificate> out;
    // Current and next during a rollover, and some room: each is a private-key operation per
    // EncryptedKey at every encrypted login, so the list is bounded.
    constexpr std::size_t max_certificates = 4;
    if (pems.size() > max_certificates) {
        fail(Code::invalid_setting, std::to_string(pems.size()) + " SP encryption certificates; at most " +
                                        std::to_string(max_certificates) + " (the current and the next key)");
    }
    const int min_bits = settings.allow_legacy_sp_key ? 1024 : 2048;
    for (std::size_t i = 0; i < pems.size(); ++i) {
        const std::string which = "SP encryption certificate #" + std::to_string(i + 1);
        crypto::Certificate cert;
        try {
            cert = crypto::parse_certificate_pem(pems[i]);
        } catch (const Error &e) {
            fail(Code::invalid_setting, which + " does not parse: " + e.what());
        }
        if (cert.key_type != "RSA")
            fail(Code::invalid_setting, which + " has a " + cert.key_type +
                                            " key; assertion encryption uses RSA-OAEP, "
                                            "so an RSA key is required");
        if (cert.key_bits < min_bits)
            fail(Code::invalid_setting, which + " has an RSA key of " + std::to_string(cert.key_bits) +
                                            " bits; at least " + std::to_string(min_bits) + " are required");
        const bool seen =
            std::any_of(out.begin(), out.end(), [&](const crypto::Certificate &c) { return c.der == cert.der; });
        if (!seen) out.push_back(std::move(cert));
    }
    return out;
}

// --- JSON reading -----------------------------------------------------------------------------

using nlohmann::json;

[[noreturn]] void json_error(const std::string &what) { fail(Code::connection_json, "connection JSON: " + what); }

const json &field(const json &obj, const char *name, const char *where) {
    auto it = obj.find(name);
    if (it == obj.end()) json_error(std::string("missing field \"") + name + "\"" + where);
    return *it;
}

std::string string_field(const json &obj, const char *name, const char *where = "") {
    const json &v = field(obj, name, where);
    if (!v.is_string()) json_error(std::string("field \"") + name + "\"" + where + " must be a string");
    return v.get<std::string>();
}

bool bool_field(const json &obj, const char *name, const char *where) {
    const json &v = field(obj, name, where);
    if (!v.is_boolean()) json_error(std::string("field \"") + name + "\"" + where + " must be true or false");
    return v.get<bool>();
}

// --- SP metadata ------------------------------------------------------------------------------

const xmlChar *X(const char *s) { return reinterpret_cast<const xmlChar *>(s); }

struct XmlDocFree {
    void operator()(xmlDoc *d) const noexcept { xmlFreeDoc(d); }
};

xmlNode *add_child(xmlNode *parent, xmlNs *ns, const char *name, const std::string *text = nullptr) {
    // xmlNewTextChild escapes the content (xmlNewChild would not).
    xmlNode *n = xmlNewTextChild(parent, ns, X(name), text != nullptr ? X(text->c_str()) : nullptr);
    if (n == nullptr) fail(Code::out_of_memory, "could not build SP metadata");
    return n;
}

void set_attr(xmlNode *node, const char *name, const std::string &value) {
    if (xmlNewProp(node, X(name), X(value.c_str())) == nullptr)
        fail(Code::out_of_memory, "could not build SP metadata");
}

// A KeyDescriptor of `use` ("signing", "encryption") holding the certificate in a ds:KeyInfo.
xmlNode *add_key_descriptor(xmlNode *sp, xmlNs *md, const crypto::Certificate &cert, const char *use) {
    xmlNode *kd = add_child(sp, md, "KeyDescriptor");
    set_attr(kd, "use", use);
    xmlNode *key_info = add_child(kd, nullptr, "KeyInfo");
    xmlNs *ds = xmlNewNs(key_info, X(xml::ns_ds), X("ds"));
    if (ds == nullptr) fail(Code::out_of_memory, "could not build SP metadata");
    xmlSetNs(key_info, ds);
    xmlNode *data = add_child(key_info, ds, "X509Data");
    const std::string b64 = util::base64_encode(cert.der);
    add_child(data, ds, "X509Certificate", &b64);
    return kd;
}

// A KeyDescriptor use="encryption" with the certificate and, as EncryptionMethod elements, exactly
// the algorithms verification accepts for this connection.
void add_encryption_key(xmlNode *sp, xmlNs *md, const crypto::Certificate &cert, bool allow_rsa_1_5) {
    xmlNode *kd = add_key_descriptor(sp, md, cert, "encryption");
    crypto::DecryptPolicy policy;
    policy.allow_rsa_1_5 = allow_rsa_1_5;
    for (const std::string &algorithm : crypto::accepted_encryption_algorithms(policy)) {
        xmlNode *method = add_child(kd, md, "EncryptionMethod");
        set_attr(method, "Algorithm", algorithm);
    }
}

}  // namespace

std::string normalise_origin(std::string_view url) { return origin_of(std::string(url), true); }

std::shared_ptr<const Connection> make_connection(std::shared_ptr<const IdpMetadata> idp,
                                                  const ConnectionParams &params) {
    if (!idp) fail(Code::invalid_argument, "a connection needs imported IdP metadata");

    std::string id = params.id;
    if (id.empty()) {
        id = util::random_token(16);
    } else if (id.size() > max_id_length || !std::all_of(id.begin(), id.end(), is_id_char)) {
        fail(Code::invalid_argument,
             "connection id " + shown(id) +
                 " must be 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_' (it goes into URLs)");
    }

    const bool need_base = params.acs_url.empty() || params.sp_entity_id.empty();
    std::string base;
    if (need_base) {
        if (params.base_url.empty())
            fail(Code::invalid_url, "the base URL is required unless both the ACS URL and the SP entity ID are given");
        base = normalise_base_url(params.base_url);
    } else if (!params.base_url.empty()) {
        base = normalise_base_url(params.base_url);  // still validated: a typo should not pass silently
    }

    std::string acs = params.acs_url.empty() ? expand(params.acs_url_template, base, id, "ACS URL") : params.acs_url;
    check_acs_url(acs);
    std::string entity = params.sp_entity_id.empty() ? expand(params.sp_entity_id_template, base, id, "SP entity ID")
                                                     : params.sp_entity_id;
    check_sp_entity_id(entity);

    ConnectionSettings settings = validate_settings(params.settings);

    std::string pem;
    if (!params.sp_certificate_pem.empty())
        pem = crypto::to_pem(crypto::parse_certificate_pem(params.sp_certificate_pem));

    std::vector<crypto::Certificate> encryption =
        encryption_certificates(params.sp_encryption_certificates_pem, settings);

    std::shared_ptr<Connection> c(new Connection());
    for (const crypto::Certificate &cert : encryption) c->encryption_cert_pems_.push_back(crypto::to_pem(cert));
    c->encryption_certs_ = std::move(encryption);
    c->id_ = std::move(id);
    c->description_ = params.description;
    c->acs_url_ = std::move(acs);
    c->sp_entity_id_ = std::move(entity);
    c->sp_certificate_pem_ = std::move(pem);
    c->settings_ = std::move(settings);
    c->idp_ = std::move(idp);
    return c;
}

namespace {

json source_to_json(const MetadataSource &s) {
    return json{{"url", s.url},
                {"etag", s.etag},
                {"last_modified", s.last_modified},
                {"signer_pem", s.signer_pem},
                {"fetched_at", s.fetched_at},
                {"attempted_at", s.attempted_at},
                {"next_refresh_at", s.next_refresh_at},
                {"consecutive_failures", s.consecutive_failures},
                {"last_error_code", s.last_error_code},
                {"last_error", s.last_error}};
}

MetadataSource source_from_json(const json &j) {
    if (!j.is_object()) json_error("field \"source\" in \"idp\" must be an object");
    const char *in = " in \"idp\".\"source\"";
    MetadataSource s;
    s.url = string_field(j, "url", in);
    s.etag = string_field(j, "etag", in);
    s.last_modified = string_field(j, "last_modified", in);
    s.signer_pem = string_field(j, "signer_pem", in);
    s.last_error = string_field(j, "last_error", in);
    const auto number = [&](const char *name) {
        const json &v = field(j, name, in);
        if (!v.is_number_integer()) json_error(std::string("field \"") + name + "\"" + in + " must be an integer");
        return v.get<std::int64_t>();
    };
    s.fetched_at = number("fetched_at");
    s.attempted_at = number("attempted_at");
    s.next_refresh_at = number("next_refresh_at");
    const auto failures = number("consecutive_failures");
    const auto code = number("last_error_code");
    if (failures < 0 || failures > 1000000 || code < 0 || code > 100000)
        json_error(std::string("consecutive_failures or last_error_code") + in + " is out of range");
    s.consecutive_failures = static_cast<int>(failures);
    s.last_error_code = static_cast<int>(code);
    if (s.url.empty()) json_error(std::string("field \"url\"") + in + " is empty");
    return s;
}

}  // namespace

std::string Connection::to_json() const {
    json settings = {
        {"allow_idp_initiated", settings_.allow_idp_initiated},       {"jit_provisioning", settings_.jit_provisioning},
        {"clock_skew_seconds", settings_.clock_skew_seconds},         {"allow_sha1", settings_.allow_sha1},
        {"allowed_email_domains", settings_.allowed_email_domains},   {"email_attribute", settings_.email_attribute},
        {"allowed_return_origins", settings_.allowed_return_origins}, {"allow_rsa_1_5", settings_.allow_rsa_1_5},
        {"allow_legacy_sp_key", settings_.allow_legacy_sp_key},
    };
    json encryption = json::array();
    for (const crypto::Certificate &c : encryption_certs_) encryption.push_back(crypto::to_pem(c));
    json j = {
        {"schema_version", connection_schema_version},
        {"id", id_},
        {"description", description_},
        {"acs_url", acs_url_},
        {"sp_entity_id", sp_entity_id_},
        {"settings", std::move(settings)},
        {"sp_certificate_pem", sp_certificate_pem_},
        {"sp_encryption_certificates", std::move(encryption)},
        {"idp", {{"entity_id", idp_->entity_id()}, {"metadata_xml", idp_->source_xml()}}},
    };
    if (const MetadataSource &src = idp_->source(); !src.url.empty()) j["idp"]["source"] = source_to_json(src);
    // Invalid UTF-8 in a description would make dump() throw; replace it rather than fail a save.
    return j.dump(2, ' ', false, json::error_handler_t::replace);
}

std::shared_ptr<const Connection> connection_from_json(std::string_view text, const ImportOptions &import) {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) json_error("the text is not valid JSON");
    if (!j.is_object()) json_error("expected a JSON object");

    const json &version = field(j, "schema_version", "");
    if (!version.is_number_integer()) json_error("field \"schema_version\" must be an integer");
    const auto v = version.get<std::int64_t>();
    if (v > connection_schema_version)
        fail(Code::connection_version, "this connection was written by a newer ssogate (schema " + std::to_string(v) +
                                           "); this one reads " + std::to_string(connection_schema_version) +
                                           ": upgrade ssogate");
    if (v < 1) json_error("schema_version " + std::to_string(v) + " is not valid");

    ConnectionParams p;
    p.id = string_field(j, "id");
    p.description = string_field(j, "description");
    p.acs_url = string_field(j, "acs_url");
    p.sp_entity_id = string_field(j, "sp_entity_id");
    p.sp_certificate_pem = string_field(j, "sp_certificate_pem");
    if (p.id.empty()) json_error("field \"id\" is empty");
    if (p.acs_url.empty()) json_error("field \"acs_url\" is empty");
    if (p.sp_entity_id.empty()) json_error("field \"sp_entity_id\" is empty");

    const json &s = field(j, "settings", "");
    if (!s.is_object()) json_error("field \"settings\" must be an object");
    const char *in_settings = " in \"settings\"";
    p.settings.allow_idp_initiated = bool_field(s, "allow_idp_initiated", in_settings);
    p.settings.jit_provisioning = bool_field(s, "jit_provisioning", in_settings);
    p.settings.allow_sha1 = bool_field(s, "allow_sha1", in_settings);
    const json &skew = field(s, "clock_skew_seconds", in_settings);
    if (!skew.is_number_integer()) json_error("field \"clock_skew_seconds\" in \"settings\" must be an integer");
    const auto skew_value = skew.get<std::int64_t>();
    if (skew_value < 0 || skew_value > max_clock_skew)
        fail(Code::invalid_setting, "clock_skew_seconds is " + std::to_string(skew_value) +
                                        "; it must be between 0 and " + std::to_string(max_clock_skew));
    p.settings.clock_skew_seconds = static_cast<int>(skew_value);
    const json &domains = field(s, "allowed_email_domains", in_settings);
    if (!domains.is_array()) json_error("field \"allowed_email_domains\" in \"settings\" must be an array");
    for (const json &d : domains) {
        if (!d.is_string()) json_error("field \"allowed_email_domains\" in \"settings\" must hold strings");
        p.settings.allowed_email_domains.push_back(d.get<std::string>());
    }
    p.settings.email_attribute = string_field(s, "email_attribute", in_settings);
    // Added after schema 1 was published, so JSON saved by earlier versions lacks it: absent means
    // none (relative return paths only), the behaviour those versions had.
    if (auto it = s.find("allowed_return_origins"); it != s.end()) {
        if (!it->is_array()) json_error("field \"allowed_return_origins\" in \"settings\" must be an array");
        for (const json &o : *it) {
            if (!o.is_string()) json_error("field \"allowed_return_origins\" in \"settings\" must hold strings");
            p.settings.allowed_return_origins.push_back(o.get<std::string>());
        }
    }

    // Added after schema 1 was published: absent means off, or none.
    for (const char *name : {"allow_rsa_1_5", "allow_legacy_sp_key"}) {
        if (auto it = s.find(name); it != s.end()) {
            if (!it->is_boolean()) json_error(std::string("field \"") + name + "\" in \"settings\" must be a boolean");
            (std::string_view(name) == "allow_rsa_1_5" ? p.settings.allow_rsa_1_5 : p.settings.allow_legacy_sp_key) =
                it->get<bool>();
        }
    }
    if (auto it = j.find("sp_encryption_certificates"); it != j.end()) {
        if (!it->is_array()) json_error("field \"sp_encryption_certificates\" must be an array");
        for (const json &c : *it) {
            if (!c.is_string()) json_error("field \"sp_encryption_certificates\" must hold strings");
            p.sp_encryption_certificates_pem.push_back(c.get<std::string>());
        }
    }

    const json &idp = field(j, "idp", "");
    if (!idp.is_object()) json_error("field \"idp\" must be an object");
    const std::string entity_id = string_field(idp, "entity_id", " in \"idp\"");
    const std::string metadata = string_field(idp, "metadata_xml", " in \"idp\"");
    if (entity_id.empty()) json_error("field \"entity_id\" in \"idp\" is empty");

    // Re-import with the same rules as the first import, so a stored connection cannot carry
    // metadata that would be refused today (e.g. validUntil has passed since).
    ImportOptions options = import;
    options.entity_id = entity_id;
    auto md = import_idp_metadata(metadata, options);
    if (auto it = idp.find("source"); it != idp.end()) md = with_source(*md, source_from_json(*it));
    return make_connection(std::move(md), p);
}

std::shared_ptr<const Connection> with_idp(const Connection &c, std::shared_ptr<const IdpMetadata> idp) {
    std::shared_ptr<Connection> out(new Connection());
    out->id_ = c.id_;
    out->description_ = c.description_;
    out->acs_url_ = c.acs_url_;
    out->sp_entity_id_ = c.sp_entity_id_;
    out->sp_certificate_pem_ = c.sp_certificate_pem_;
    out->settings_ = c.settings_;
    out->encryption_certs_ = c.encryption_certs_;
    out->encryption_cert_pems_ = c.encryption_cert_pems_;
    out->idp_ = std::move(idp);
    return out;
}

bool Connection::signs_every_request() const noexcept { return idp_ && idp_->want_authn_requests_signed(); }

std::string Connection::sp_metadata() const {
    xml::ensure_initialized();
    std::unique_ptr<xmlDoc, XmlDocFree> doc(xmlNewDoc(X("1.0")));
    if (!doc) fail(Code::out_of_memory, "could not build SP metadata");
    xmlNode *root = xmlNewDocNode(doc.get(), nullptr, X("EntityDescriptor"), nullptr);
    if (root == nullptr) fail(Code::out_of_memory, "could not build SP metadata");
    xmlDocSetRootElement(doc.get(), root);
    xmlNs *md = xmlNewNs(root, X(xml::ns_md), X("md"));
    if (md == nullptr) fail(Code::out_of_memory, "could not build SP metadata");
    xmlSetNs(root, md);
    set_attr(root, "entityID", sp_entity_id_);

    xmlNode *sp = add_child(root, md, "SPSSODescriptor");
    // Say what this connection does. The SP signing key stays with the host and is given per login,
    // but when the IdP wants signed AuthnRequests begin_login refuses to send an unsigned one
    // (SP_KEY_REQUIRED), so every request this connection sends is signed: "true". Otherwise a login
    // may be begun without a key, so the connection promises nothing: "false" (announcing "true"
    // would make IdPs that honour it reject every unsigned login).
    set_attr(sp, "AuthnRequestsSigned", signs_every_request() ? "true" : "false");
    set_attr(sp, "WantAssertionsSigned", "true");
    set_attr(sp, "protocolSupportEnumeration", xml::protocol_saml2);

    // Children in the order of saml-schema-metadata-2.0.xsd: KeyDescriptor*, (SLO, NameIDFormat*),
    // AssertionConsumerService+.
    if (!sp_certificate_pem_.empty()) {
        add_key_descriptor(sp, md, crypto::parse_certificate_pem(sp_certificate_pem_), "signing");
    }
    for (const crypto::Certificate &cert : encryption_certs_) add_encryption_key(sp, md, cert, settings_.allow_rsa_1_5);
    const std::string email = nameid_email;
    add_child(sp, md, "NameIDFormat", &email);
    xmlNode *acs = add_child(sp, md, "AssertionConsumerService");
    set_attr(acs, "Binding", binding_post);
    set_attr(acs, "Location", acs_url_);
    set_attr(acs, "index", "0");
    set_attr(acs, "isDefault", "true");

    xmlChar *buf = nullptr;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc.get(), &buf, &len, "UTF-8", 1);
    if (buf == nullptr || len <= 0) fail(Code::out_of_memory, "could not serialise SP metadata");
    std::string out(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(len));
    xmlFree(buf);
    return out;
}

}  // namespace ssogate::core
