// The metadata lifecycle: import from a URL, refresh with last-known-good, the events an admin must
// hear about (keys added and removed, certificates expiring, the SSO URL changing, refresh failures),
// and a connection set up by hand from the values an IdP shows when there is no metadata file.
#pragma once

#include "connection/connection.hpp"
#include "fetch/fetch.hpp"
#include "metadata/idp.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core {

// Stable numbers (the C ABI's ssogate_metadata_event_kind).
enum class MetadataEventKind : int {
    signing_key_added = 1,
    signing_key_removed = 2,
    certificate_expires_soon = 3,
    certificate_expired = 4,
    sso_url_changed = 5,
    metadata_expired = 6,
    refresh_failed = 7,
    entity_id_changed = 8,
    metadata_updated = 9,
};

// "SIGNING_KEY_ADDED", ...; also the audit log's outcome for the event.
const char *metadata_event_name(MetadataEventKind kind) noexcept;

struct MetadataEvent {
    MetadataEventKind kind = MetadataEventKind::metadata_updated;
    std::string message;         // one sentence for the admin: what happened and what to do
    std::string fingerprint;     // key events: the certificate's SHA-256 ("AB:CD:...")
    std::int64_t not_after = 0;  // key and certificate events: the certificate's expiry
    std::string old_value;       // sso_url_changed, entity_id_changed
    std::string new_value;
    int failures = 0;       // refresh_failed: consecutive failures, this one included
    Code error = Code::ok;  // refresh_failed, entity_id_changed: why
};

struct RefreshOptions {
    fetch::Policy policy;
    fetch::Transport transport;  // empty: libcurl
    int expiry_warning_days = 30;
    std::optional<std::int64_t> now;  // nullopt: the system clock
};

struct UrlImport {
    std::shared_ptr<const IdpMetadata> idp;  // its source() holds the URL and validators
    std::vector<MetadataEvent> events;       // certificates expired or expiring
};

// Fetches the URL (fetch::get) and imports the document with `import` (whose trusted_signer_pem, if
// any, is pinned for every later refresh). Throws the fetch's 13x codes or the import's 1xx codes.
UrlImport import_idp_metadata_url(std::string_view url, const ImportOptions &import, const RefreshOptions &options);

// Metadata built from what an IdP's set-up page shows (Okta: "View SAML setup instructions"): its
// entity ID, its SSO URL (HTTP-Redirect and HTTP-POST) and its signing certificate (PEM, or base64
// DER as copied from a page). It passes through the same import as a file, so the same checks hold.
std::shared_ptr<const IdpMetadata> idp_from_settings(std::string_view entity_id, std::string_view sso_url,
                                                     std::string_view certificate, const ImportOptions &import);

struct RefreshResult {
    // The connection to keep: over the new metadata when `applied`, else the same metadata with its
    // refresh state updated (validators, failure count, next refresh time).
    std::shared_ptr<const Connection> connection;
    bool applied = false;          // a new document is in force
    bool not_modified = false;     // the server answered 304 (or the same bytes)
    std::optional<Error> failure;  // why the refresh did not apply; the last known good stays
    std::vector<MetadataEvent> events;
};

// Refreshes a connection imported from a URL: a conditional GET (ETag, Last-Modified); a document that
// fails (unreachable, malformed, expired, wrongly signed against the pinned signer, another entityID)
// is not applied and is reported as a failure with a refresh_failed event. Never throws for the
// refresh itself; throws invalid_argument for a connection that has no metadata URL.
RefreshResult refresh_connection(const Connection &connection, const RefreshOptions &options);

// When to refresh after an attempt at `now`: after a success, the metadata's cacheDuration (6 hours
// when absent) within [10 minutes, 24 hours], and no later than three quarters of the way to
// validUntil; after `failures` consecutive failures, 5 minutes doubling up to an hour.
std::int64_t next_refresh_time(const IdpMetadata &md, std::int64_t now, int failures);

}  // namespace ssogate::core
