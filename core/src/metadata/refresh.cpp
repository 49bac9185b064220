#include "metadata/refresh.hpp"

#include "crypto/certificate.hpp"
#include "util/email.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <utility>

namespace ssogate::core {

namespace {

constexpr std::int64_t day = 86400;

std::string cert_text(const crypto::Certificate &c) {
    return "signing certificate " + (c.subject.empty() ? std::string("(no subject)") : c.subject) + " (SHA-256 " +
           c.sha256 + ")";
}

MetadataEvent key_event(MetadataEventKind kind, const crypto::Certificate &c, std::string message) {
    MetadataEvent e;
    e.kind = kind;
    e.fingerprint = c.sha256;
    e.not_after = c.not_after;
    e.message = std::move(message);
    return e;
}

// Certificates expired or expiring within the warning window, and metadata past its validUntil.
void expiry_events(const IdpMetadata &md, std::int64_t now, int warning_days, std::vector<MetadataEvent> &out) {
    for (const crypto::Certificate &c : md.signing_certificates()) {
        if (now >= c.not_after) {
            out.push_back(key_event(MetadataEventKind::certificate_expired, c,
                                    cert_text(c) + " expired on " + util::format_datetime(c.not_after) +
                                        ": ask the IdP administrator to renew it and publish the new metadata"));
        } else if (c.not_after - now <= std::int64_t{warning_days} * day) {
            const std::int64_t days = (c.not_after - now) / day;
            out.push_back(key_event(MetadataEventKind::certificate_expires_soon, c,
                                    cert_text(c) + " expires on " + util::format_datetime(c.not_after) + " (in " +
                                        std::to_string(days) + (days == 1 ? " day" : " days") +
                                        "): make sure the IdP publishes its next certificate before then"));
        }
    }
    if (md.valid_until() && *md.valid_until() <= now) {
        MetadataEvent e;
        e.kind = MetadataEventKind::metadata_expired;
        e.message = "the metadata in force was valid until " + util::format_datetime(*md.valid_until()) +
                    " and no newer document could be applied: logins through this connection are refused until it is";
        out.push_back(std::move(e));
    }
}

const Endpoint *first_sso(const IdpMetadata &md) {
    if (const Endpoint *e = md.sso_endpoint(binding_redirect)) return e;
    return md.sso_endpoint(binding_post);
}

// What changed from the metadata in force to the new document.
void change_events(const IdpMetadata &old, const IdpMetadata &now_md, std::vector<MetadataEvent> &out) {
    const auto has = [](const IdpMetadata &md, const crypto::Certificate &c) {
        const auto &certs = md.signing_certificates();
        return std::any_of(certs.begin(), certs.end(), [&](const crypto::Certificate &x) { return x.der == c.der; });
    };
    for (const crypto::Certificate &c : now_md.signing_certificates()) {
        if (!has(old, c))
            out.push_back(key_event(MetadataEventKind::signing_key_added, c,
                                    "the IdP published a new " + cert_text(c) + ", valid until " +
                                        util::format_datetime(c.not_after) +
                                        ": responses signed with it are accepted"));
    }
    for (const crypto::Certificate &c : old.signing_certificates()) {
        if (!has(now_md, c))
            out.push_back(key_event(
                MetadataEventKind::signing_key_removed, c,
                "the IdP no longer lists " + cert_text(c) + ": responses signed with it are refused from now on"));
    }
    const Endpoint *before = first_sso(old);
    const Endpoint *after = first_sso(now_md);
    const std::string b = before ? before->location : "";
    const std::string a = after ? after->location : "";
    if (b != a) {
        MetadataEvent e;
        e.kind = MetadataEventKind::sso_url_changed;
        e.old_value = b;
        e.new_value = a;
        e.message = "the IdP's single sign-on URL changed from " + b + " to " + a +
                    ": SP-initiated logins are sent to the new one";
        out.push_back(std::move(e));
    }
}

std::int64_t clock_of(const RefreshOptions &o) { return o.now.value_or(util::now_seconds()); }

fetch::Transport transport_of(const RefreshOptions &o) {
    return o.transport ? o.transport : fetch::Transport(fetch::curl_transport);
}

}  // namespace

const char *metadata_event_name(MetadataEventKind kind) noexcept {
    switch (kind) {
    case MetadataEventKind::signing_key_added: return "SIGNING_KEY_ADDED";
    case MetadataEventKind::signing_key_removed: return "SIGNING_KEY_REMOVED";
    case MetadataEventKind::certificate_expires_soon: return "CERTIFICATE_EXPIRES_SOON";
    case MetadataEventKind::certificate_expired: return "CERTIFICATE_EXPIRED";
    case MetadataEventKind::sso_url_changed: return "SSO_URL_CHANGED";
    case MetadataEventKind::metadata_expired: return "METADATA_EXPIRED";
    case MetadataEventKind::refresh_failed: return "METADATA_REFRESH_FAILED";
    case MetadataEventKind::entity_id_changed: return "ENTITY_ID_CHANGED";
    case MetadataEventKind::metadata_updated: return "METADATA_UPDATED";
    }
    return "UNKNOWN";
}

std::int64_t next_refresh_time(const IdpMetadata &md, std::int64_t now, int failures) {
    if (failures > 0) {
        std::int64_t wait = 300;
        for (int i = 1; i < failures && wait < 3600; ++i) wait *= 2;
        return now + std::min<std::int64_t>(wait, 3600);
    }
    std::int64_t wait = md.cache_duration_seconds().value_or(6 * 3600);
    wait = std::clamp<std::int64_t>(wait, 600, day);
    if (md.valid_until() && *md.valid_until() > now)
        wait = std::min(wait, std::max<std::int64_t>(60, (*md.valid_until() - now) * 3 / 4));
    return now + wait;
}

UrlImport import_idp_metadata_url(std::string_view url, const ImportOptions &import, const RefreshOptions &options) {
    const std::int64_t now = clock_of(options);
    fetch::Request req;
    req.url = std::string(url);
    fetch::Result got = fetch::get(req, options.policy, transport_of(options));
    ImportOptions io = import;
    io.max_bytes = std::min(io.max_bytes, options.policy.max_bytes);
    if (!io.now) io.now = now;
    auto md = import_idp_metadata(got.reply.body, io);
    MetadataSource src;
    src.url = std::string(url);
    src.etag = got.reply.etag;
    src.last_modified = got.reply.last_modified;
    src.signer_pem = import.trusted_signer_pem;
    src.fetched_at = now;
    src.attempted_at = now;
    src.next_refresh_at = next_refresh_time(*md, now, 0);
    UrlImport out;
    out.idp = with_source(*md, std::move(src));
    expiry_events(*out.idp, now, options.expiry_warning_days, out.events);
    return out;
}

std::shared_ptr<const IdpMetadata> idp_from_settings(std::string_view entity_id, std::string_view sso_url,
                                                     std::string_view certificate, const ImportOptions &import) {
    const std::string_view trimmed = util::trim_xml_space(certificate);
    if (trimmed.empty()) fail(Code::metadata_no_signing_cert, "no signing certificate given: copy it from the IdP");
    const crypto::Certificate cert = trimmed.rfind("-----BEGIN", 0) == 0 ? crypto::parse_certificate_pem(trimmed)
                                                                         : crypto::parse_certificate_base64(trimmed);
    const std::string xml =
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" xmlns:ds=\"http://www.w3.org/2000/09/"
        "xmldsig#\" entityID=\"" +
        util::xml_escape(entity_id) +
        "\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
        util::base64_encode(cert.der) +
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>" +
        std::string(nameid_email) + "</md:NameIDFormat><md:SingleSignOnService Binding=\"" + binding_redirect +
        "\" Location=\"" + util::xml_escape(sso_url) + "\"/><md:SingleSignOnService Binding=\"" + binding_post +
        "\" Location=\"" + util::xml_escape(sso_url) + "\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
    ImportOptions io = import;
    io.trusted_signer_pem.clear();  // nothing to verify: the admin typed these values
    return import_idp_metadata(xml, io);
}

namespace {

// A failed attempt: the metadata in force stays, with its state updated and the failure reported.
RefreshResult refresh_failed(const Connection &c, MetadataSource src, const Error &e, std::int64_t now,
                             const RefreshOptions &options) {
    RefreshResult r;
    src.attempted_at = now;
    src.consecutive_failures += 1;
    src.last_error_code = static_cast<int>(e.code());
    src.last_error = e.what();
    src.next_refresh_at = next_refresh_time(*c.idp(), now, src.consecutive_failures);
    MetadataEvent ev;
    ev.kind = e.code() == Code::metadata_entity_changed ? MetadataEventKind::entity_id_changed
                                                        : MetadataEventKind::refresh_failed;
    ev.error = e.code();
    ev.failures = src.consecutive_failures;
    ev.message = std::string(e.what()) + " (" + std::to_string(src.consecutive_failures) +
                 (src.consecutive_failures == 1 ? " failure" : " consecutive failures") +
                 "; the last good metadata, fetched " + util::format_datetime(src.fetched_at) + ", stays in force)";
    r.events.push_back(std::move(ev));
    expiry_events(*c.idp(), now, options.expiry_warning_days, r.events);
    r.failure = e;
    r.connection = with_idp(c, with_source(*c.idp(), std::move(src)));
    return r;
}

// Imports the new document as the connection's IdP: the same entity (another one is refused with
// metadata_entity_changed), verified with the pinned signer when there is one.
std::shared_ptr<const IdpMetadata> import_refreshed(const IdpMetadata &old, const std::string &body, std::int64_t now,
                                                    const RefreshOptions &options) {
    ImportOptions io;
    io.now = now;
    io.max_bytes = options.policy.max_bytes;
    io.trusted_signer_pem = old.source().signer_pem;
    io.entity_id = old.entity_id();
    try {
        return import_idp_metadata(body, io);
    } catch (const Error &e) {
        if (e.code() != Code::metadata_entity_not_found) throw;
        io.entity_id.clear();
        std::shared_ptr<const IdpMetadata> other;
        try {
            other = import_idp_metadata(body, io);
        } catch (const Error &) {
            throw e;
        }
        fail(Code::metadata_entity_changed, "the metadata at " + old.source().url + " now describes \"" +
                                                util::printable(other->entity_id()) + "\", not \"" +
                                                util::printable(old.entity_id()) +
                                                "\": not applied; check the IdP and import it again");
    }
}

}  // namespace

RefreshResult refresh_connection(const Connection &c, const RefreshOptions &options) {
    const IdpMetadata &old = *c.idp();
    MetadataSource src = old.source();
    if (src.url.empty())
        fail(Code::invalid_argument,
             "connection \"" + c.id() +
                 "\" was not imported from a URL: upload a new metadata file, or import it by URL");
    const std::int64_t now = clock_of(options);
    fetch::Request req;
    req.url = src.url;
    req.if_none_match = src.etag;
    req.if_modified_since = src.last_modified;
    RefreshResult r;
    std::shared_ptr<const IdpMetadata> fresh;
    try {
        fetch::Result got = fetch::get(req, options.policy, transport_of(options));
        if (got.reply.status != 304 && got.reply.body != old.source_xml()) {
            fresh = import_refreshed(old, got.reply.body, now, options);
        }
        if (!got.reply.etag.empty() || got.reply.status != 304) src.etag = got.reply.etag;
        if (!got.reply.last_modified.empty() || got.reply.status != 304) src.last_modified = got.reply.last_modified;
    } catch (const Error &e) {
        return refresh_failed(c, std::move(src), e, now, options);
    }
    src.attempted_at = now;
    src.fetched_at = now;
    src.consecutive_failures = 0;
    src.last_error_code = 0;
    src.last_error.clear();
    if (fresh) {
        change_events(old, *fresh, r.events);
        MetadataEvent ev;
        ev.kind = MetadataEventKind::metadata_updated;
        ev.message = "new metadata from " + src.url + " is in force";
        r.events.insert(r.events.begin(), std::move(ev));
        src.next_refresh_at = next_refresh_time(*fresh, now, 0);
        r.applied = true;
        r.connection = with_idp(c, with_source(*fresh, std::move(src)));
    } else {
        r.not_modified = true;
        src.next_refresh_at = next_refresh_time(old, now, 0);
        r.connection = with_idp(c, with_source(old, std::move(src)));
    }
    expiry_events(*r.connection->idp(), now, options.expiry_warning_days, r.events);
    return r;
}

}  // namespace ssogate::core
