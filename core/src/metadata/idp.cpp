#include "metadata/idp.hpp"

#include "crypto/metadata_signature.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "util/url.hpp"
#include "xml/xml.hpp"

#include <algorithm>

namespace ssogate::core {

const Endpoint *IdpMetadata::sso_endpoint(std::string_view binding) const noexcept {
    for (const Endpoint &e : sso_)
        if (e.binding == binding) return &e;
    return nullptr;
}

namespace {

using xml::ns_ds;
using xml::ns_md;

constexpr std::int64_t expiry_warning_seconds = std::int64_t{30} * 86400;
constexpr std::size_t max_listed_entities = 20;
constexpr std::size_t max_entity_id_length = 1024;  // SAML core 8.3.6

// Entity IDs come from the uploaded file; keep messages readable whatever they contain.
std::string shown(std::string_view s) { return util::printable(s); }

std::string quoted(std::string_view s) { return "\"" + shown(s) + "\""; }

struct Entity {
    xmlNode *node = nullptr;
    std::vector<xmlNode *> enclosing;  // EntitiesDescriptor ancestors, outermost first
};

void collect_entities(xmlNode *group, std::vector<xmlNode *> &chain, std::vector<Entity> &out) {
    chain.push_back(group);
    for (xmlNode *child : xml::all_child_elements(group)) {
        if (xml::is_element(child, ns_md, "EntityDescriptor"))
            out.push_back({child, chain});
        else if (xml::is_element(child, ns_md, "EntitiesDescriptor"))
            collect_entities(child, chain, out);
    }
    chain.pop_back();
}

bool has_idp_role(const xmlNode *entity) {
    return xml::first_child_element(entity, ns_md, "IDPSSODescriptor") != nullptr;
}

std::string entity_id_of(const xmlNode *entity) { return xml::attribute(entity, "entityID").value_or(""); }

std::string list_entity_ids(const std::vector<const Entity *> &entities) {
    std::string out;
    std::size_t n = 0;
    for (const Entity *e : entities) {
        if (n == max_listed_entities) break;
        if (n++ != 0) out += ", ";
        out += shown(entity_id_of(e->node));
    }
    if (entities.size() > max_listed_entities)
        out += " (and " + std::to_string(entities.size() - max_listed_entities) + " more)";
    return out;
}

std::vector<std::string> split_ws(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (i < s.size()) {
        while (i < s.size() && ws(s[i])) ++i;
        std::size_t start = i;
        while (i < s.size() && !ws(s[i])) ++i;
        if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    std::size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// validUntil of one element, checked for syntax; nullopt when absent.
std::optional<std::int64_t> valid_until_of(const xmlNode *node) {
    auto text = xml::attribute(node, "validUntil");
    if (!text) return std::nullopt;
    auto t = util::parse_datetime(*text);
    if (!t)
        fail(Code::metadata_invalid, "validUntil " + quoted(*text) + " on " + xml::qualified_name(node) +
                                         " is not an xs:dateTime (expected e.g. 2030-01-31T00:00:00Z)");
    return t;
}

[[noreturn]] void expired(std::int64_t valid_until, std::int64_t now) {
    fail(Code::metadata_expired, "this metadata was valid until " + util::format_datetime(valid_until) +
                                     " and it is now " + util::format_datetime(now) +
                                     ": download a current copy from your identity provider and upload it again");
}

std::string binding_name(std::string_view uri) {
    if (uri == binding_redirect) return "HTTP-Redirect";
    if (uri == binding_post) return "HTTP-POST";
    return std::string(uri);
}

Endpoint read_endpoint(const xmlNode *node, const char *what) {
    Endpoint e;
    auto binding = xml::attribute(node, "Binding");
    auto location = xml::attribute(node, "Location");
    if (!binding || binding->empty())
        fail(Code::metadata_invalid, std::string("a ") + what + " has no Binding attribute");
    if (!location || location->empty())
        fail(Code::metadata_invalid,
             std::string("the ") + what + " with binding " + shown(*binding) + " has no Location attribute");
    e.binding = *binding;
    e.location = *location;
    e.response_location = xml::attribute(node, "ResponseLocation").value_or("");
    std::string why;
    if (!util::parse_http_url(e.location, &why))
        fail(Code::metadata_invalid, std::string("the ") + what + " Location " + quoted(e.location) + " (binding " +
                                         binding_name(e.binding) + ") is not an absolute http(s) URL: " + why);
    if (!e.response_location.empty() && !util::parse_http_url(e.response_location, &why))
        fail(Code::metadata_invalid, std::string("the ") + what + " ResponseLocation " + quoted(e.response_location) +
                                         " is not an absolute http(s) URL: " + why);
    return e;
}

std::string describe(const crypto::Certificate &c) {
    return "signing certificate " + (c.subject.empty() ? std::string("(no subject)") : shown(c.subject)) +
           " (SHA-256 " + c.sha256 + ")";
}

void check_key(const crypto::Certificate &c) {
    const std::string weakness = crypto::key_weakness(c);
    if (!weakness.empty())
        fail(Code::metadata_weak_key, describe(c) + " has " + weakness +
                                          ": ask your IdP administrator for a signing certificate with an RSA key of "
                                          "2048 bits or more (exponent 65537) or an EC key on P-256, P-384 or P-521");
}

}  // namespace

// One import, in the order a reviewer reads metadata: the document and its signature, the entity, its
// IdP role, lifetime, endpoints, signing certificates, then the optional facts. Each step reads from
// the verified (or unsigned, when no signer is pinned) document and writes into `md`.
class MetadataImporter {
public:
    MetadataImporter(std::string_view bytes, const ImportOptions &options)
        : bytes_(bytes),
          options_(options),
          now_(options.now.value_or(util::now_seconds())),
          md_(std::make_shared<IdpMetadata>()) {}

    std::shared_ptr<const IdpMetadata> run();

private:
    xml::Document parse_and_verify();
    Entity choose_entity(xmlNode *root) const;
    Entity choose_in_aggregate(xmlNode *root) const;
    void read_entity_id(xmlNode *entity);
    xmlNode *idp_role(xmlNode *entity) const;
    void read_lifetime(const Entity &chosen, xmlNode *idp);
    void read_cache_duration(const Entity &chosen);
    void read_endpoints(xmlNode *idp);
    void read_signing_certificates(xmlNode *idp);
    void add_certificate(xmlNode *x509, const std::string &where);
    void warn_about_lifetimes();
    void read_options(xmlNode *idp);

    std::string_view bytes_;
    const ImportOptions &options_;
    const std::int64_t now_;
    std::shared_ptr<IdpMetadata> md_;
};

std::shared_ptr<const IdpMetadata> MetadataImporter::run() {
    xml::Document doc = parse_and_verify();
    xmlNode *root = doc.root();
    // An expired aggregate is refused whatever entity is asked for.
    if (auto root_until = valid_until_of(root); root_until && *root_until <= now_ && !options_.accept_expired)
        expired(*root_until, now_);
    const Entity chosen = choose_entity(root);
    read_entity_id(chosen.node);
    xmlNode *idp = idp_role(chosen.node);
    read_lifetime(chosen, idp);
    read_cache_duration(chosen);
    read_endpoints(idp);
    read_signing_certificates(idp);
    warn_about_lifetimes();
    read_options(idp);
    md_->source_xml_ = std::string(bytes_);
    return md_;
}

// Parses under the limits and, when the caller pinned a signer, verifies the document's signature
// before anything in it counts.
xml::Document MetadataImporter::parse_and_verify() {
    xml::Limits limits;
    // 0 is what a zeroed options struct carries; it means "the default", not "refuse everything".
    if (options_.max_bytes != 0) limits.max_bytes = options_.max_bytes;
    xml::Document doc = xml::parse(bytes_, limits, "the IdP metadata");
    xmlNode *root = doc.root();
    if (!xml::is_element(root, ns_md, "EntitiesDescriptor") && !xml::is_element(root, ns_md, "EntityDescriptor"))
        fail(Code::metadata_not_saml, "this is not SAML 2.0 metadata: root element is " + xml::qualified_name(root) +
                                          "; expected {" + ns_md + "}EntityDescriptor or EntitiesDescriptor");
    if (!options_.trusted_signer_pem.empty()) {
        crypto::Certificate signer = crypto::parse_certificate_pem(options_.trusted_signer_pem);
        crypto::verify_metadata_signature(doc.get(), signer,
                                          crypto::MetadataSignaturePolicy{options_.allow_sha1, doc.shape()});
        md_->signature_verified_ = true;
    }
    return doc;
}

// A single EntityDescriptor is the entity (when an entityID was asked for, it must be that one).
Entity MetadataImporter::choose_entity(xmlNode *root) const {
    if (xml::is_element(root, ns_md, "EntitiesDescriptor")) return choose_in_aggregate(root);
    if (!options_.entity_id.empty() && entity_id_of(root) != options_.entity_id)
        fail(Code::metadata_entity_not_found,
             "this metadata describes entityID " + quoted(entity_id_of(root)) + ", not " + quoted(options_.entity_id));
    return Entity{root, {}};
}

// In an aggregate: the entity asked for by entityID (exactly once), else the only IdP; several IdPs
// without a choice are ambiguous.
Entity MetadataImporter::choose_in_aggregate(xmlNode *root) const {
    std::vector<Entity> entities;
    std::vector<xmlNode *> chain;
    collect_entities(root, chain, entities);
    std::vector<const Entity *> idps;
    for (const Entity &e : entities)
        if (has_idp_role(e.node)) idps.push_back(&e);
    if (!options_.entity_id.empty()) {
        const Entity *found = nullptr;
        for (const Entity &e : entities) {
            if (entity_id_of(e.node) != options_.entity_id) continue;
            if (found != nullptr)
                fail(Code::metadata_invalid,
                     "entityID " + quoted(options_.entity_id) + " appears more than once in this metadata");
            found = &e;
        }
        if (found == nullptr)
            fail(Code::metadata_entity_not_found, "entityID " + quoted(options_.entity_id) +
                                                      " is not in this metadata; its identity providers are: " +
                                                      (idps.empty() ? std::string("(none)") : list_entity_ids(idps)));
        return *found;
    }
    if (idps.size() == 1) return *idps.front();
    if (idps.size() > 1)
        fail(Code::metadata_ambiguous, "this metadata describes " + std::to_string(idps.size()) +
                                           " identity providers; choose one by entityID: " + list_entity_ids(idps));
    // A lone entity is returned so that idp_role() reports the specific reason it is not an IdP.
    if (entities.size() == 1) return entities.front();
    fail(Code::metadata_no_idp, "none of the " + std::to_string(entities.size()) +
                                    " entities in this metadata is an identity provider (no "
                                    "IDPSSODescriptor): upload the metadata of your identity provider");
}

void MetadataImporter::read_entity_id(xmlNode *entity) {
    const std::string entity_id = entity_id_of(entity);
    if (trim(entity_id).empty()) fail(Code::metadata_invalid, "the EntityDescriptor has no entityID");
    if (entity_id.size() > max_entity_id_length)
        fail(Code::metadata_invalid,
             "the entityID is " + std::to_string(entity_id.size()) + " characters long; SAML allows at most 1024");
    md_->entity_id_ = entity_id;
}

// The first IDPSSODescriptor that supports SAML 2.0; an entity without one is refused with what it is.
xmlNode *MetadataImporter::idp_role(xmlNode *entity) const {
    const std::string &entity_id = md_->entity_id_;
    std::vector<xmlNode *> roles = xml::child_elements(entity, ns_md, "IDPSSODescriptor");
    if (roles.empty()) {
        if (xml::first_child_element(entity, ns_md, "SPSSODescriptor") != nullptr)
            fail(Code::metadata_no_idp,
                 "this is a service provider's metadata (it has an SPSSODescriptor): upload the "
                 "metadata of your identity provider (in Okta: Sign On tab, View IdP metadata)");
        std::string found;
        for (xmlNode *c : xml::all_child_elements(entity)) {
            if (xml::is_element(c, ns_ds, "Signature") || xml::is_element(c, ns_md, "Extensions")) continue;
            found += found.empty() ? "" : ", ";
            found += reinterpret_cast<const char *>(c->name);
        }
        fail(Code::metadata_no_idp, "entity " + quoted(entity_id) +
                                        " is not an identity provider: it has no IDPSSODescriptor (it has: " +
                                        (found.empty() ? std::string("no roles") : found) +
                                        "); upload the metadata of your identity provider");
    }
    std::string protocols_seen;
    for (xmlNode *r : roles) {
        std::string pse = xml::attribute(r, "protocolSupportEnumeration").value_or("");
        auto tokens = split_ws(pse);
        if (std::find(tokens.begin(), tokens.end(), xml::protocol_saml2) != tokens.end()) return r;
        protocols_seen += protocols_seen.empty() ? "" : "; ";
        protocols_seen += pse.empty() ? std::string("(none)") : shown(pse);
    }
    fail(Code::metadata_no_saml2, "the identity provider " + quoted(entity_id) +
                                      " does not support SAML 2.0: "
                                      "its protocolSupportEnumeration is " +
                                      protocols_seen + ", which lacks " + xml::protocol_saml2 +
                                      "; configure the IdP application for SAML 2.0");
}

// Lifetime: the earliest validUntil of the enclosing groups, the entity and its IdP role.
void MetadataImporter::read_lifetime(const Entity &chosen, xmlNode *idp) {
    std::optional<std::int64_t> until;
    auto consider = [&until](const xmlNode *n) {
        if (auto t = valid_until_of(n); t && (!until || *t < *until)) until = t;
    };
    for (xmlNode *g : chosen.enclosing) consider(g);
    consider(chosen.node);
    consider(idp);
    if (until && *until <= now_ && !options_.accept_expired) expired(*until, now_);
    md_->valid_until_ = until;
}

// cacheDuration: the entity's own, else the nearest enclosing group's.
void MetadataImporter::read_cache_duration(const Entity &chosen) {
    std::optional<std::string> cache;
    const xmlNode *cache_owner = nullptr;
    if ((cache = xml::attribute(chosen.node, "cacheDuration"))) cache_owner = chosen.node;
    for (auto it = chosen.enclosing.rbegin(); !cache && it != chosen.enclosing.rend(); ++it)
        if ((cache = xml::attribute(*it, "cacheDuration"))) cache_owner = *it;
    if (!cache) return;
    auto seconds = util::parse_duration(*cache);
    if (!seconds)
        fail(Code::metadata_invalid, "cacheDuration " + quoted(*cache) + " on " + xml::qualified_name(cache_owner) +
                                         " is not an xs:duration (expected e.g. PT6H)");
    md_->cache_duration_ = trim(*cache);
    md_->cache_duration_seconds_ = seconds;
}

// Endpoints, in document order; at least one SingleSignOnService must be usable.
void MetadataImporter::read_endpoints(xmlNode *idp) {
    bool usable_sso = false;
    std::string bindings_seen;
    for (xmlNode *n : xml::child_elements(idp, ns_md, "SingleSignOnService")) {
        Endpoint e = read_endpoint(n, "SingleSignOnService");
        if (e.binding == binding_redirect || e.binding == binding_post) usable_sso = true;
        bindings_seen += bindings_seen.empty() ? "" : ", ";
        bindings_seen += shown(e.binding);
        md_->sso_.push_back(std::move(e));
    }
    if (!usable_sso)
        fail(Code::metadata_no_sso_endpoint,
             "the identity provider " + quoted(md_->entity_id_) +
                 " has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding (found: " +
                 (bindings_seen.empty() ? std::string("none") : bindings_seen) +
                 "); enable SAML 2.0 web browser SSO on the IdP and download its metadata again");
    for (xmlNode *n : xml::child_elements(idp, ns_md, "SingleLogoutService"))
        md_->slo_.push_back(read_endpoint(n, "SingleLogoutService"));
}

// Every X509Certificate of every KeyDescriptor for signing (or without a use), each once; at least one,
// and none with a weak key.
void MetadataImporter::read_signing_certificates(xmlNode *idp) {
    std::size_t descriptor_index = 0;
    std::size_t cert_index = 0;
    for (xmlNode *kd : xml::child_elements(idp, ns_md, "KeyDescriptor")) {
        ++descriptor_index;
        auto use = xml::attribute(kd, "use");
        if (use && *use == "encryption") continue;
        if (use && *use != "signing")
            fail(Code::metadata_invalid, "KeyDescriptor #" + std::to_string(descriptor_index) + " has use=" +
                                             quoted(*use) + "; expected \"signing\", \"encryption\" or no use");
        for (xmlNode *key_info : xml::child_elements(kd, ns_ds, "KeyInfo"))
            for (xmlNode *data : xml::child_elements(key_info, ns_ds, "X509Data"))
                for (xmlNode *x509 : xml::child_elements(data, ns_ds, "X509Certificate"))
                    add_certificate(x509, "signing certificate #" + std::to_string(++cert_index) +
                                              " (in KeyDescriptor #" + std::to_string(descriptor_index) + ")");
    }
    if (md_->certs_.empty())
        fail(Code::metadata_no_signing_cert,
             "the identity provider " + quoted(md_->entity_id_) +
                 " publishes no signing certificate (no KeyDescriptor for signing with a ds:X509Certificate); "
                 "ssogate needs it to verify logins: download the complete metadata from your IdP");
    for (const crypto::Certificate &c : md_->certs_) check_key(c);
}

void MetadataImporter::add_certificate(xmlNode *x509, const std::string &where) {
    if (!xml::has_only_text(x509)) fail(Code::metadata_bad_cert, where + " contains markup; expected base64 text only");
    crypto::Certificate cert;
    try {
        cert = crypto::parse_certificate_base64(xml::text(x509));
    } catch (const Error &e) {
        fail(Code::metadata_bad_cert,
             where + " does not parse: " + e.what() + "; download the metadata again from your IdP");
    }
    const bool duplicate = std::any_of(md_->certs_.begin(), md_->certs_.end(),
                                       [&cert](const crypto::Certificate &c) { return c.der == cert.der; });
    if (!duplicate) md_->certs_.push_back(std::move(cert));
}

// Certificate lifetimes are warnings: the admin must hear about them, but the IdP may already be
// rolling over to a new certificate listed beside the old one.
void MetadataImporter::warn_about_lifetimes() {
    for (const crypto::Certificate &c : md_->certs_) {
        if (now_ >= c.not_after) {
            md_->warnings_.push_back({Code::warn_cert_expired, describe(c) + " expired on " +
                                                                   util::format_datetime(c.not_after) +
                                                                   ": ask your IdP administrator to renew it, then "
                                                                   "upload the new metadata"});
        } else if (c.not_after - now_ <= expiry_warning_seconds) {
            std::int64_t days = (c.not_after - now_) / 86400;
            md_->warnings_.push_back({Code::warn_cert_expires_soon,
                                      describe(c) + " expires on " + util::format_datetime(c.not_after) + " (in " +
                                          std::to_string(days) + (days == 1 ? " day" : " days") +
                                          "): ask your IdP administrator to renew it, then upload the new metadata"});
        }
        if (now_ < c.not_before)
            md_->warnings_.push_back({Code::warn_cert_not_yet_valid, describe(c) + " is not valid before " +
                                                                         util::format_datetime(c.not_before) +
                                                                         ": check the clocks, or wait until then"});
    }
}

// NameIDFormat list and WantAuthnRequestsSigned.
void MetadataImporter::read_options(xmlNode *idp) {
    for (xmlNode *n : xml::child_elements(idp, ns_md, "NameIDFormat")) {
        std::string f = xml::trimmed_text(n);
        if (!f.empty()) md_->nameid_formats_.push_back(std::move(f));
    }
    if (auto want = xml::attribute(idp, "WantAuthnRequestsSigned")) {
        std::string v = trim(*want);
        if (v == "true" || v == "1")
            md_->want_authn_requests_signed_ = true;
        else if (v != "false" && v != "0")
            fail(Code::metadata_invalid, "WantAuthnRequestsSigned is " + quoted(*want) + "; expected true or false");
    }
}

std::shared_ptr<const IdpMetadata> with_source(const IdpMetadata &md, MetadataSource source) {
    auto copy = std::make_shared<IdpMetadata>(md);
    copy->source_ = std::move(source);
    return copy;
}

std::shared_ptr<const IdpMetadata> import_idp_metadata(std::string_view xml, const ImportOptions &options) {
    return MetadataImporter(xml, options).run();
}

}  // namespace ssogate::core
