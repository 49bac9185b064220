// ssogate.hpp: a header-only C++17 view over the C ABI of ssogate.h.
//
// It adds RAII ownership (move-only handles), std::string / std::vector values and exceptions, and
// nothing else: every call goes through the exported C functions, so a program (or a binding, such
// as the Python module) built on this header uses exactly the ABI that C and Go use.
//
//     auto idp = ssogate::Idp::import_metadata(xml_bytes);
//     ssogate::ConnectionParams params;
//     params.base_url = "https://app.example.com";
//     ssogate::Connection conn(idp, params);
//     std::cout << conn.acs_url() << "\n" << conn.sp_entity_id() << "\n";
//
// Failures throw ssogate::Error, which carries the stable code (ssogate_code) and the operator
// message. Strings returned by value are copies; a Connection's idp() is a view that lives as long
// as that Connection.
#ifndef SSOGATE_HPP
#define SSOGATE_HPP

#include "ssogate/ssogate.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssogate {

/** The stable name of a code ("METADATA_EXPIRED"), "UNKNOWN" for other numbers. */
inline const char *code_name(int code) noexcept { return ssogate_code_name(code); }

/** The version of the loaded library, as SSOGATE_VERSION_NUMBER and as "MAJOR.MINOR.PATCH". */
inline int version_number() noexcept { return ssogate_version_number(); }
inline std::string version_string() { return ssogate_version_string(); }

/** A refusal or failure from the library: the stable code and the operator message. */
class Error : public std::exception {
public:
    Error(int code, std::string message, std::string user_message = {},
          std::optional<std::string> signed_identity = std::nullopt)
        : code_(code),
          message_(std::move(message)),
          user_message_(std::move(user_message)),
          signed_identity_(std::move(signed_identity)),
          what_(std::string(ssogate_code_name(code)) + ": " + message_) {}

    /** A ssogate_code value (never SSOGATE_OK). */
    int code() const noexcept { return code_; }
    const char *code_name() const noexcept { return ssogate_code_name(code_); }
    /** What was expected and what came, for the operator. */
    const std::string &message() const noexcept { return message_; }
    /** Safe to show the end user (ssogate_error_user_message): generic, names the code. */
    const std::string &user_message() const noexcept { return user_message_; }
    /**
     * Who a refused login was for, when the refusal came after the signature verified
     * (ssogate_error_signed_identity); nullopt when it came before, or for any other failure.
     */
    const std::optional<std::string> &signed_identity() const noexcept { return signed_identity_; }
    /** "CODE_NAME: message". */
    const char *what() const noexcept override { return what_.c_str(); }

private:
    int code_;
    std::string message_;
    std::string user_message_;
    std::optional<std::string> signed_identity_;
    std::string what_;
};

namespace detail {

// One ssogate_error per call: the C API has no hidden "last error", and neither does this view.
class ErrorSlot {
public:
    ErrorSlot() : err_(ssogate_error_new()) {
        if (err_ == nullptr) {
            throw std::bad_alloc();
        }
    }
    ~ErrorSlot() { ssogate_error_free(err_); }
    ErrorSlot(const ErrorSlot &) = delete;
    ErrorSlot &operator=(const ErrorSlot &) = delete;

    ssogate_error *get() noexcept { return err_; }
    int code() const noexcept { return ssogate_error_code(err_); }

    [[noreturn]] void raise() const {
        const int code = ssogate_error_code(err_);
        if (code == SSOGATE_OUT_OF_MEMORY) {
            throw std::bad_alloc();
        }
        const char *identity = ssogate_error_signed_identity(err_);
        throw Error(code == SSOGATE_OK ? SSOGATE_INTERNAL : code, ssogate_error_message(err_),
                    ssogate_error_user_message(err_),
                    identity == nullptr ? std::nullopt : std::optional<std::string>(identity));
    }
    void check(int code) const {
        if (code != SSOGATE_OK) {
            raise();
        }
    }

private:
    ssogate_error *err_;
};

inline std::string str(const char *s) { return s == nullptr ? std::string() : std::string(s); }

// Owns one C handle: move-only, and the handle's _free runs exactly once. Every RAII class below
// derives from it, so ownership is written once.
template <typename T, void (*Free)(T *)>
class Owned {
public:
    Owned(const Owned &) = delete;
    Owned &operator=(const Owned &) = delete;
    Owned(Owned &&other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
    Owned &operator=(Owned &&other) noexcept {
        if (this != &other) {
            Free(h_);
            h_ = std::exchange(other.h_, nullptr);
        }
        return *this;
    }
    ~Owned() { Free(h_); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

protected:
    Owned() noexcept = default;
    explicit Owned(T *owned) noexcept : h_(owned) {}
    T *h_ = nullptr;
};

// The handle a C constructor returned, or the error it reported (those return NULL on failure).
template <typename T>
T *checked(T *h, ErrorSlot &err) {
    if (h == nullptr) {
        err.raise();
    }
    return h;
}

}  // namespace detail

/** A SAML binding (ssogate_binding). */
enum class Binding : int {
    other = SSOGATE_BINDING_OTHER,
    http_redirect = SSOGATE_BINDING_HTTP_REDIRECT,
    http_post = SSOGATE_BINDING_HTTP_POST,
};

/** A SingleSignOnService or SingleLogoutService. */
struct Endpoint {
    Binding binding = Binding::other;
    std::string binding_uri;
    std::string location;
};

/** A signing certificate of the IdP. */
struct Certificate {
    std::string der;  // DER bytes
    std::string pem;
    std::string sha256;  // "AB:CD:..."
    std::string subject;
    std::string issuer;
    std::int64_t not_before = 0;  // Unix seconds
    std::int64_t not_after = 0;
    std::string key_type;  // "RSA", "EC", ...
    int key_bits = 0;
};

/** A finding beside a successful import (code is one of the SSOGATE_WARN_* values). */
struct Warning {
    int code = SSOGATE_OK;
    std::string message;
};

/** ssogate_idp_options with C++ defaults. */
struct IdpOptions {
    std::uint64_t max_bytes = 8u << 20;
    std::int64_t now = 0;     // Unix seconds; 0 = the system clock
    bool allow_sha1 = false;  // accept a SHA-1 signature on the metadata itself (signer_pem given)

    ssogate_idp_options to_c() const noexcept {
        ssogate_idp_options o;
        ssogate_idp_options_init(&o, sizeof o);
        o.max_bytes = max_bytes;
        o.now = now;
        o.allow_sha1 = allow_sha1 ? 1 : 0;
        return o;
    }
};

/** A metadata event (ssogate_metadata_event_list). */
struct MetadataEvent {
    int kind = 0;  // ssogate_metadata_event
    std::string name;
    std::string message;
    std::string fingerprint;
    std::int64_t not_after = 0;
    std::string old_value;
    std::string new_value;
    int failures = 0;
    int error_code = SSOGATE_OK;
};

/** The source of URL-imported metadata (ssogate_idp_source_*). */
struct MetadataSource {
    std::string url;
    std::string etag;
    std::string last_modified;
    std::int64_t fetched_at = 0;
    std::int64_t attempted_at = 0;
    std::int64_t next_refresh_at = 0;
    int failures = 0;
    int last_error_code = SSOGATE_OK;
    std::string last_error;
};

/** One GET as a host's fetch callback sees it. */
struct FetchRequest {
    std::string url;
    std::string if_none_match;
    std::string if_modified_since;
};

/** A host fetch callback's answer (ssogate_fetch_reply_set). */
struct FetchReply {
    int status = 200;
    std::string body;
    std::string etag;
    std::string last_modified;
    std::string location;
};

/**
 * How metadata URLs are fetched (ssogate_fetcher): the address guard's allowed networks, a CA file,
 * limits, and optionally the host's own HTTP client. Move-only.
 */
class Fetcher : public detail::Owned<ssogate_fetcher, ssogate_fetcher_free> {
public:
    using Callback = std::function<FetchReply(const FetchRequest &)>;

    Fetcher() : Owned(ssogate_fetcher_new()) {
        if (h_ == nullptr) {
            throw std::bad_alloc();
        }
    }
    Fetcher &allowed_networks(std::string_view list) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_allowed_networks(h_, list.data(), list.size(), err.get()));
        return *this;
    }
    Fetcher &ca_file(std::string_view path) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_ca_file(h_, path.data(), path.size(), err.get()));
        return *this;
    }
    Fetcher &timeout_ms(std::int64_t ms) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_timeout_ms(h_, ms, err.get()));
        return *this;
    }
    Fetcher &max_bytes(std::uint64_t n) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_max_bytes(h_, n, err.get()));
        return *this;
    }
    Fetcher &max_redirects(int n) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_max_redirects(h_, n, err.get()));
        return *this;
    }
    Fetcher &allow_http(bool allow) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_allow_http(h_, allow ? 1 : 0, err.get()));
        return *this;
    }
    Fetcher &expiry_warning_days(int days) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_expiry_warning_days(h_, days, err.get()));
        return *this;
    }
    Fetcher &now(std::int64_t t) {
        detail::ErrorSlot err;
        err.check(ssogate_fetcher_set_now(h_, t, err.get()));
        return *this;
    }
    /**
     * Fetches through callback instead of libcurl (an empty one returns to libcurl). The callback runs on
     * the importing thread; an exception it throws fails the fetch (SSOGATE_METADATA_FETCH_FAILED).
     */
    Fetcher &callback(Callback cb) {
        detail::ErrorSlot err;
        cb_ = cb ? std::make_unique<Callback>(std::move(cb)) : nullptr;
        err.check(ssogate_fetcher_set_callback(h_, cb_ ? &Fetcher::trampoline : nullptr, cb_.get(), err.get()));
        return *this;
    }
    const ssogate_fetcher *get() const noexcept { return h_; }

private:
    static int trampoline(void *user_data, const char *url, size_t url_len, const char *inm, size_t inm_len,
                          const char *ims, size_t ims_len, ssogate_fetch_reply *reply) noexcept {
        try {
            const FetchReply r = (*static_cast<Callback *>(user_data))(
                FetchRequest{std::string(url, url_len), std::string(inm, inm_len), std::string(ims, ims_len)});
            return ssogate_fetch_reply_set(reply, r.status, r.body.data(), r.body.size(), r.etag.data(), r.etag.size(),
                                           r.last_modified.data(), r.last_modified.size(), r.location.data(),
                                           r.location.size());
        } catch (...) {
            return SSOGATE_METADATA_FETCH_FAILED;
        }
    }
    std::unique_ptr<Callback> cb_;
};

namespace detail {
inline std::vector<MetadataEvent> read_events(const ssogate_metadata_event_list *l) {
    std::vector<MetadataEvent> out(ssogate_metadata_event_list_count(l));
    for (std::size_t i = 0; i < out.size(); ++i) {
        MetadataEvent &e = out[i];
        e.kind = ssogate_metadata_event_list_kind(l, i);
        e.name = str(ssogate_metadata_event_list_name(l, i));
        e.message = str(ssogate_metadata_event_list_message(l, i));
        e.fingerprint = str(ssogate_metadata_event_list_fingerprint(l, i));
        e.not_after = ssogate_metadata_event_list_not_after(l, i);
        e.old_value = str(ssogate_metadata_event_list_old_value(l, i));
        e.new_value = str(ssogate_metadata_event_list_new_value(l, i));
        e.failures = ssogate_metadata_event_list_failures(l, i);
        e.error_code = ssogate_metadata_event_list_error_code(l, i);
    }
    return out;
}
}  // namespace detail

/**
 * Read access to imported metadata, without ownership. Idp owns one; Connection::idp() lends one
 * that lives as long as its connection.
 */
class IdpView {
public:
    IdpView() noexcept = default;
    explicit IdpView(const ssogate_idp *handle) noexcept : h_(handle) {}

    const ssogate_idp *get() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_ != nullptr; }

    std::string entity_id() const { return detail::str(ssogate_idp_entity_id(h_)); }
    bool want_authn_requests_signed() const noexcept { return ssogate_idp_want_authn_requests_signed(h_) != 0; }
    /** validUntil, Unix seconds; nullopt when the metadata has none. */
    std::optional<std::int64_t> valid_until() const noexcept {
        const std::int64_t v = ssogate_idp_valid_until(h_);
        return v == 0 ? std::nullopt : std::optional<std::int64_t>(v);
    }
    std::string cache_duration() const { return detail::str(ssogate_idp_cache_duration(h_)); }
    bool signature_verified() const noexcept { return ssogate_idp_signature_verified(h_) != 0; }

    std::vector<Endpoint> sso_endpoints() const {
        std::vector<Endpoint> out(ssogate_idp_sso_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i].binding = static_cast<Binding>(ssogate_idp_sso_binding(h_, i));
            out[i].binding_uri = detail::str(ssogate_idp_sso_binding_uri(h_, i));
            out[i].location = detail::str(ssogate_idp_sso_location(h_, i));
        }
        return out;
    }
    std::vector<Endpoint> slo_endpoints() const {
        std::vector<Endpoint> out(ssogate_idp_slo_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i].binding = static_cast<Binding>(ssogate_idp_slo_binding(h_, i));
            out[i].binding_uri = detail::str(ssogate_idp_slo_binding_uri(h_, i));
            out[i].location = detail::str(ssogate_idp_slo_location(h_, i));
        }
        return out;
    }
    /** The first SSO location with that binding, nullopt when the IdP has none. */
    std::optional<std::string> sso_url(Binding binding) const {
        const char *url = ssogate_idp_sso_url(h_, static_cast<int>(binding));
        return url == nullptr ? std::nullopt : std::optional<std::string>(url);
    }
    std::vector<std::string> nameid_formats() const {
        std::vector<std::string> out(ssogate_idp_nameid_format_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = detail::str(ssogate_idp_nameid_format(h_, i));
        }
        return out;
    }
    std::vector<Certificate> certificates() const {
        std::vector<Certificate> out(ssogate_idp_cert_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            Certificate &c = out[i];
            std::size_t len = 0;
            const unsigned char *der = ssogate_idp_cert_der(h_, i, &len);
            if (der != nullptr) {
                c.der.assign(reinterpret_cast<const char *>(der), len);
            }
            c.pem = detail::str(ssogate_idp_cert_pem(h_, i));
            c.sha256 = detail::str(ssogate_idp_cert_sha256(h_, i));
            c.subject = detail::str(ssogate_idp_cert_subject(h_, i));
            c.issuer = detail::str(ssogate_idp_cert_issuer(h_, i));
            c.not_before = ssogate_idp_cert_not_before(h_, i);
            c.not_after = ssogate_idp_cert_not_after(h_, i);
            c.key_type = detail::str(ssogate_idp_cert_key_type(h_, i));
            c.key_bits = ssogate_idp_cert_key_bits(h_, i);
        }
        return out;
    }
    /** Where the metadata came from and how its refresh stands (empty url for a file). */
    MetadataSource source() const {
        MetadataSource m;
        m.url = detail::str(ssogate_idp_source_url(h_));
        m.etag = detail::str(ssogate_idp_source_etag(h_));
        m.last_modified = detail::str(ssogate_idp_source_last_modified(h_));
        m.fetched_at = ssogate_idp_source_fetched_at(h_);
        m.attempted_at = ssogate_idp_source_attempted_at(h_);
        m.next_refresh_at = ssogate_idp_source_next_refresh_at(h_);
        m.failures = ssogate_idp_source_failures(h_);
        m.last_error_code = ssogate_idp_source_last_error_code(h_);
        m.last_error = detail::str(ssogate_idp_source_last_error(h_));
        return m;
    }
    /** The events of the URL import that made this IdP (certificates expired or expiring). */
    std::vector<MetadataEvent> events() const { return detail::read_events(ssogate_idp_events(h_)); }
    std::vector<Warning> warnings() const {
        std::vector<Warning> out(ssogate_idp_warning_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i].code = ssogate_idp_warning_code(h_, i);
            out[i].message = detail::str(ssogate_idp_warning_message(h_, i));
        }
        return out;
    }

private:
    const ssogate_idp *h_ = nullptr;
};

/** Imported IdP metadata, owned. Move-only; immutable, so a const Idp may be shared across threads. */
class Idp : public IdpView {
public:
    /**
     * Imports metadata as uploaded. entity_id selects an IdP from an aggregate (empty: the document's
     * only IdP); signer_pem, when not empty, is a trusted certificate the metadata must be signed with.
     */
    static Idp import_metadata(std::string_view xml, std::string_view entity_id = {}, std::string_view signer_pem = {},
                               const IdpOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_idp_options o = options.to_c();
        ssogate_idp *h = ssogate_idp_import(xml.data(), xml.size(), entity_id.data(), entity_id.size(),
                                            signer_pem.data(), signer_pem.size(), &o, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return Idp(h);
    }

    /** Imports metadata from an https URL (ssogate_idp_import_url); fetcher nullptr: the defaults. */
    static Idp import_url(std::string_view url, std::string_view entity_id = {}, std::string_view signer_pem = {},
                          const IdpOptions &options = {}, const Fetcher *fetcher = nullptr) {
        detail::ErrorSlot err;
        const ssogate_idp_options o = options.to_c();
        ssogate_idp *h =
            ssogate_idp_import_url(url.data(), url.size(), entity_id.data(), entity_id.size(), signer_pem.data(),
                                   signer_pem.size(), &o, fetcher == nullptr ? nullptr : fetcher->get(), err.get());
        return Idp(detail::checked(h, err));
    }

    /** Metadata from an IdP's set-up values (ssogate_idp_from_settings). */
    static Idp from_settings(std::string_view entity_id, std::string_view sso_url, std::string_view certificate,
                             const IdpOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_idp_options o = options.to_c();
        ssogate_idp *h = ssogate_idp_from_settings(entity_id.data(), entity_id.size(), sso_url.data(), sso_url.size(),
                                                   certificate.data(), certificate.size(), &o, err.get());
        return Idp(detail::checked(h, err));
    }

    /** Takes ownership of a handle from ssogate_idp_import. */
    explicit Idp(ssogate_idp *owned) noexcept : IdpView(owned) {}
    Idp(Idp &&other) noexcept : IdpView(other.release()) {}
    Idp &operator=(Idp &&other) noexcept {
        if (this != &other) {
            ssogate_idp_free(const_cast<ssogate_idp *>(get()));
            IdpView::operator=(IdpView(other.release()));
        }
        return *this;
    }
    Idp(const Idp &) = delete;
    Idp &operator=(const Idp &) = delete;
    ~Idp() { ssogate_idp_free(const_cast<ssogate_idp *>(get())); }

    /** Gives up ownership; the caller frees the handle with ssogate_idp_free. */
    ssogate_idp *release() noexcept {
        auto *h = const_cast<ssogate_idp *>(get());
        IdpView::operator=(IdpView());
        return h;
    }
};

/** ssogate_connection_options with C++ defaults. */
struct ConnectionOptions {
    bool allow_idp_initiated = false;
    bool jit_provisioning = false;
    int clock_skew_seconds = 180;
    bool allow_sha1 = false;
    bool allow_rsa_1_5 = false;        // RSA-1_5 key transport (Bleichenbacher): legacy IdPs only
    bool allow_legacy_sp_key = false;  // SP encryption keys of 1024-2047 bits: other projects' test keys only

    ssogate_connection_options to_c() const noexcept {
        ssogate_connection_options o;
        ssogate_connection_options_init(&o, sizeof o);
        o.allow_idp_initiated = allow_idp_initiated ? 1 : 0;
        o.jit_provisioning = jit_provisioning ? 1 : 0;
        o.clock_skew_seconds = clock_skew_seconds;
        o.allow_sha1 = allow_sha1 ? 1 : 0;
        o.allow_rsa_1_5 = allow_rsa_1_5 ? 1 : 0;
        o.allow_legacy_sp_key = allow_legacy_sp_key ? 1 : 0;
        return o;
    }
};

/** The strings of a new connection (ssogate_connection_params). Empty means "not set": the default. */
struct ConnectionParams {
    std::string base_url;
    std::string id;
    std::string description;
    std::string acs_url;
    std::string sp_entity_id;
    std::string acs_url_template;
    std::string sp_entity_id_template;
    std::vector<std::string> allowed_domains;
    std::string email_attribute;
    std::string sp_certificate_pem;
    std::vector<std::string> allowed_return_origins;  // origins an SP-initiated login may return to
    // Certificates (PEM) of the SP encryption keys: current and, during a rollover, next.
    std::vector<std::string> sp_encryption_certificates;
};

/** A connection (one IdP of an account), owned. Move-only; immutable once made. */
class Connection : public detail::Owned<ssogate_connection, ssogate_connection_free> {
public:
    /** Makes a connection; throws Error (INVALID_URL, INVALID_SETTING, INVALID_ARGUMENT) naming the field. */
    Connection(const IdpView &idp, const ConnectionParams &params, const ConnectionOptions &options = {}) {
        detail::ErrorSlot err;
        Params p;
        set(p.h, params.base_url, ssogate_connection_params_set_base_url, err);
        set(p.h, params.id, ssogate_connection_params_set_id, err);
        set(p.h, params.description, ssogate_connection_params_set_description, err);
        set(p.h, params.acs_url, ssogate_connection_params_set_acs_url, err);
        set(p.h, params.sp_entity_id, ssogate_connection_params_set_sp_entity_id, err);
        set(p.h, params.acs_url_template, ssogate_connection_params_set_acs_url_template, err);
        set(p.h, params.sp_entity_id_template, ssogate_connection_params_set_sp_entity_id_template, err);
        for (const auto &domain : params.allowed_domains) {
            err.check(ssogate_connection_params_add_allowed_domain(p.h, domain.data(), domain.size(), err.get()));
        }
        set(p.h, params.email_attribute, ssogate_connection_params_set_email_attribute, err);
        set(p.h, params.sp_certificate_pem, ssogate_connection_params_set_sp_certificate_pem, err);
        for (const auto &origin : params.allowed_return_origins) {
            err.check(ssogate_connection_params_add_return_origin(p.h, origin.data(), origin.size(), err.get()));
        }
        for (const auto &cert : params.sp_encryption_certificates) {
            err.check(
                ssogate_connection_params_add_sp_encryption_certificate(p.h, cert.data(), cert.size(), err.get()));
        }
        const ssogate_connection_options o = options.to_c();
        h_ = ssogate_connection_new(idp.get(), p.h, &o, err.get());
        if (h_ == nullptr) {
            err.raise();
        }
    }

    /** Restores a connection from to_json(); the IdP metadata inside is imported again with options. */
    static Connection from_json(std::string_view json, const IdpOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_idp_options o = options.to_c();
        ssogate_connection *h = ssogate_connection_from_json(json.data(), json.size(), &o, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return Connection(h);
    }

    /** Takes ownership of a handle from ssogate_connection_new / _from_json. */
    explicit Connection(ssogate_connection *owned) noexcept : Owned(owned) {}

    const ssogate_connection *get() const noexcept { return h_; }
    ssogate_connection *release() noexcept { return std::exchange(h_, nullptr); }

    std::string id() const { return detail::str(ssogate_connection_id(h_)); }
    std::string description() const { return detail::str(ssogate_connection_description(h_)); }
    /** "Single sign on URL" in Okta. */
    std::string acs_url() const { return detail::str(ssogate_connection_acs_url(h_)); }
    /** "Audience URI (SP Entity ID)" in Okta. */
    std::string sp_entity_id() const { return detail::str(ssogate_connection_sp_entity_id(h_)); }
    bool allow_idp_initiated() const noexcept { return ssogate_connection_allow_idp_initiated(h_) != 0; }
    bool jit_provisioning() const noexcept { return ssogate_connection_jit_provisioning(h_) != 0; }
    int clock_skew_seconds() const noexcept { return ssogate_connection_clock_skew_seconds(h_); }
    bool allow_sha1() const noexcept { return ssogate_connection_allow_sha1(h_) != 0; }
    std::vector<std::string> allowed_domains() const {
        std::vector<std::string> out(ssogate_connection_allowed_domain_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = detail::str(ssogate_connection_allowed_domain(h_, i));
        }
        return out;
    }
    std::string email_attribute() const { return detail::str(ssogate_connection_email_attribute(h_)); }
    std::vector<std::string> allowed_return_origins() const {
        std::vector<std::string> out(ssogate_connection_return_origin_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = detail::str(ssogate_connection_return_origin(h_, i));
        }
        return out;
    }
    /** The connection's IdP, borrowed: valid as long as this Connection (not moved-from). */
    IdpView idp() const noexcept { return IdpView(ssogate_connection_idp(h_)); }
    std::string sp_certificate_pem() const { return detail::str(ssogate_connection_sp_certificate_pem(h_)); }
    /** "AB:CD:...", "" without an SP certificate. */
    std::string sp_certificate_sha256() const { return detail::str(ssogate_connection_sp_certificate_sha256(h_)); }
    /** Whether every login begun for this connection is signed (the IdP wants signed AuthnRequests). */
    bool authn_requests_signed() const noexcept { return ssogate_connection_authn_requests_signed(h_) != 0; }
    bool allow_rsa_1_5() const noexcept { return ssogate_connection_allow_rsa_1_5(h_) != 0; }
    bool allow_legacy_sp_key() const noexcept { return ssogate_connection_allow_legacy_sp_key(h_) != 0; }
    /** The SP encryption certificates (PEM), in the order added. */
    std::vector<std::string> sp_encryption_certificates() const {
        std::vector<std::string> out(ssogate_connection_sp_encryption_certificate_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = detail::str(ssogate_connection_sp_encryption_certificate_pem(h_, i));
        }
        return out;
    }
    /** Their SHA-256 fingerprints ("AB:CD:..."), in the same order. */
    std::vector<std::string> sp_encryption_certificate_sha256s() const {
        std::vector<std::string> out(ssogate_connection_sp_encryption_certificate_count(h_));
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = detail::str(ssogate_connection_sp_encryption_certificate_sha256(h_, i));
        }
        return out;
    }
    std::string to_json() const { return detail::str(ssogate_connection_to_json(h_)); }
    std::string sp_metadata() const { return detail::str(ssogate_connection_sp_metadata(h_)); }

private:
    // The C builder, freed on every path out of the constructor.
    struct Params {
        ssogate_connection_params *h = ssogate_connection_params_new();
        Params() {
            if (h == nullptr) {
                throw std::bad_alloc();
            }
        }
        ~Params() { ssogate_connection_params_free(h); }
        Params(const Params &) = delete;
        Params &operator=(const Params &) = delete;
    };

    using Setter = int (*)(ssogate_connection_params *, const char *, std::size_t, ssogate_error *);
    static void set(ssogate_connection_params *p, const std::string &value, Setter setter, detail::ErrorSlot &err) {
        if (!value.empty()) {
            err.check(setter(p, value.data(), value.size(), err.get()));
        }
    }
};

// ---- verification ----

/** What a refresh did (ssogate_refresh): the connection to keep, and why. */
struct RefreshResult {
    Connection connection;  // over the new metadata when applied, else the last known good
    bool applied = false;
    bool not_modified = false;
    int error_code = SSOGATE_OK;  // why the last known good stayed
    std::string error_message;
    std::vector<MetadataEvent> events;
};

namespace detail {
inline RefreshResult take_refresh(ssogate_refresh *h, ErrorSlot &err) {
    checked(h, err);
    const std::unique_ptr<ssogate_refresh, void (*)(ssogate_refresh *)> owner(h, ssogate_refresh_free);
    RefreshResult r{Connection(checked(ssogate_refresh_connection(h, err.get()), err)),
                    ssogate_refresh_applied(h) != 0,
                    ssogate_refresh_not_modified(h) != 0,
                    ssogate_refresh_error_code(h),
                    str(ssogate_refresh_error_message(h)),
                    read_events(ssogate_refresh_events(h))};
    return r;
}
}  // namespace detail

/** Refreshes a connection imported from a URL (ssogate_connection_refresh); fetcher nullptr: the defaults. */
inline RefreshResult refresh_connection(const Connection &connection, const Fetcher *fetcher = nullptr) {
    detail::ErrorSlot err;
    return detail::take_refresh(
        ssogate_connection_refresh(connection.get(), fetcher == nullptr ? nullptr : fetcher->get(), err.get()), err);
}

/** ssogate_replay_cache_options with C++ defaults. */
struct ReplayCacheOptions {
    std::int64_t now = 0;                          // frozen clock for forgetting entries; 0 = the system clock
    std::uint64_t max_entries = 0;                 // live entries in all; 0 = the default (1,000,000)
    std::uint64_t max_entries_per_connection = 0;  // live entries of one connection; 0 = max_entries / 10

    ssogate_replay_cache_options to_c() const noexcept {
        ssogate_replay_cache_options o;
        ssogate_replay_cache_options_init(&o, sizeof o);
        o.now = now;
        o.max_entries = max_entries;
        o.max_entries_per_connection = max_entries_per_connection;
        return o;
    }
};

/**
 * A replay cache, owned. Move-only; thread-safe, so one may serve every verification of a process.
 */
class ReplayCache : public detail::Owned<ssogate_replay_cache, ssogate_replay_cache_free> {
public:
    /** An in-memory cache for this process. */
    static ReplayCache memory(const ReplayCacheOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_replay_cache_options o = options.to_c();
        return ReplayCache(detail::checked(ssogate_replay_cache_new_memory(&o, err.get()), err));
    }
    /** "memory:", "sqlite:PATH", "postgresql://..." or "redis://[USER:PASSWORD@]HOST:PORT[/DB]". */
    static ReplayCache open(std::string_view location, const ReplayCacheOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_replay_cache_options o = options.to_c();
        return ReplayCache(
            detail::checked(ssogate_replay_cache_open(location.data(), location.size(), &o, err.get()), err));
    }
    /** The host's own store (see ssogate_replay_callbacks); cb is copied, its struct_size is set here. */
    static ReplayCache from_callbacks(ssogate_replay_callbacks cb) {
        detail::ErrorSlot err;
        cb.struct_size = sizeof cb;
        return ReplayCache(detail::checked(ssogate_replay_cache_new_callbacks(&cb, err.get()), err));
    }

    explicit ReplayCache(ssogate_replay_cache *owned) noexcept : Owned(owned) {}

    ssogate_replay_cache *get() const noexcept { return h_; }
};

/** ssogate_verify_options with C++ defaults (0 keeps each library default). */
struct VerifyOptions {
    std::int64_t now = 0;  // Unix seconds; 0 = the system clock
    std::uint64_t max_bytes = 0;
    std::int64_t max_age_seconds = 0;
    // The SP encryption keys (SpKey::get()), borrowed: keep the SpKey objects alive while verifying.
    std::vector<const ssogate_sp_key *> decryption_keys;

    ssogate_verify_options to_c() const noexcept {
        ssogate_verify_options o;
        ssogate_verify_options_init(&o, sizeof o);
        if (now != 0) o.now = now;
        if (max_bytes != 0) o.max_bytes = max_bytes;
        if (max_age_seconds != 0) o.max_age_seconds = max_age_seconds;
        o.decryption_keys = decryption_keys.empty() ? nullptr : decryption_keys.data();
        o.decryption_key_count = decryption_keys.size();
        return o;
    }
};

/** A SAML attribute of a verified login. */
struct Attribute {
    std::string name;
    std::string name_format;    // "" when absent
    std::string friendly_name;  // "" when absent
    std::vector<std::string> values;
};

/** A verified login, copied out of its ssogate_verified_login handle: values from the signed Assertion only. */
struct VerifiedLogin {
    std::string email;
    std::string nameid;
    std::string nameid_format;
    std::string idp_entity_id;
    std::string connection_id;
    std::string assertion_id;
    std::string session_index;
    std::int64_t authn_instant = 0;
    std::optional<std::int64_t> session_not_on_or_after;
    std::string in_response_to;  // "" for an unsolicited login
    std::vector<Attribute> attributes;

    /** Reads every value of a login handle (which stays the caller's). */
    static VerifiedLogin from(const ssogate_verified_login *h) {
        VerifiedLogin v;
        v.email = detail::str(ssogate_verified_login_email(h));
        v.nameid = detail::str(ssogate_verified_login_nameid(h));
        v.nameid_format = detail::str(ssogate_verified_login_nameid_format(h));
        v.idp_entity_id = detail::str(ssogate_verified_login_idp_entity_id(h));
        v.connection_id = detail::str(ssogate_verified_login_connection_id(h));
        v.assertion_id = detail::str(ssogate_verified_login_assertion_id(h));
        v.session_index = detail::str(ssogate_verified_login_session_index(h));
        v.authn_instant = ssogate_verified_login_authn_instant(h);
        const std::int64_t until = ssogate_verified_login_session_not_on_or_after(h);
        if (until != 0) v.session_not_on_or_after = until;
        v.in_response_to = detail::str(ssogate_verified_login_in_response_to(h));
        v.attributes.resize(ssogate_verified_login_attribute_count(h));
        for (std::size_t i = 0; i < v.attributes.size(); ++i) {
            Attribute &a = v.attributes[i];
            a.name = detail::str(ssogate_verified_login_attribute_name(h, i));
            a.name_format = detail::str(ssogate_verified_login_attribute_name_format(h, i));
            a.friendly_name = detail::str(ssogate_verified_login_attribute_friendly_name(h, i));
            a.values.resize(ssogate_verified_login_attribute_value_count(h, i));
            for (std::size_t j = 0; j < a.values.size(); ++j) {
                a.values[j] = detail::str(ssogate_verified_login_attribute_value(h, i, j));
            }
        }
        return v;
    }
};

/**
 * Verifies a SAMLResponse form value for conn (ssogate_verify_response). pending_request_ids are the
 * AuthnRequest IDs this browser waits for (empty: only an unsolicited login can pass). Throws Error
 * (with user_message()) on refusal.
 */
inline VerifiedLogin verify_response(const Connection &conn, std::string_view saml_response,
                                     const std::vector<std::string> &pending_request_ids, const ReplayCache &replay,
                                     const VerifyOptions &options = {}) {
    std::string ids;
    for (const auto &id : pending_request_ids) {
        if (!ids.empty()) ids += ' ';
        ids += id;
    }
    detail::ErrorSlot err;
    const ssogate_verify_options o = options.to_c();
    ssogate_verified_login *h = ssogate_verify_response(conn.get(), saml_response.data(), saml_response.size(),
                                                        ids.data(), ids.size(), replay.get(), &o, err.get());
    if (h == nullptr) {
        err.raise();
    }
    struct Free {
        ssogate_verified_login *h;
        ~Free() { ssogate_verified_login_free(h); }
    } owner{h};
    return VerifiedLogin::from(h);
}

// ---- "why did this login fail?" ----

/** The status of one check of an explanation (ssogate_check_status). */
enum class CheckStatus : int {
    pass = SSOGATE_CHECK_STATUS_PASS,
    fail = SSOGATE_CHECK_STATUS_FAIL,
    not_reached = SSOGATE_CHECK_STATUS_NOT_REACHED
};

/** One check of an explanation (ssogate_explanation_check_*). */
struct ExplainedCheck {
    std::string name;  // stable: "destination", "signatures", ...
    CheckStatus status = CheckStatus::not_reached;
    int code = SSOGATE_OK;  // the refusal's code when it failed
    std::string expected;
    std::string got;
    std::string detail;
};

/** A likely cause in plain words, with a stable name ("signing_key_not_in_metadata", ...). */
struct ExplainHint {
    std::string name;
    std::string text;
};

/** An explanation, copied out of its ssogate_explanation handle. */
struct Explanation {
    std::vector<ExplainedCheck> checks;
    std::vector<ExplainHint> hints;
    int first_failure = SSOGATE_OK;  // what verification refuses with; SSOGATE_OK when it accepts

    /** Reads every value of an explanation handle (which stays the caller's). */
    static Explanation from(const ssogate_explanation *h) {
        Explanation x;
        x.first_failure = ssogate_explanation_first_failure(h);
        x.checks.resize(ssogate_explanation_check_count(h));
        for (std::size_t i = 0; i < x.checks.size(); ++i) {
            ExplainedCheck &c = x.checks[i];
            c.name = detail::str(ssogate_explanation_check_name(h, i));
            c.status = static_cast<CheckStatus>(ssogate_explanation_check_status(h, i));
            c.code = ssogate_explanation_check_code(h, i);
            c.expected = detail::str(ssogate_explanation_check_expected(h, i));
            c.got = detail::str(ssogate_explanation_check_got(h, i));
            c.detail = detail::str(ssogate_explanation_check_detail(h, i));
        }
        x.hints.resize(ssogate_explanation_hint_count(h));
        for (std::size_t i = 0; i < x.hints.size(); ++i) {
            x.hints[i].name = detail::str(ssogate_explanation_hint_name(h, i));
            x.hints[i].text = detail::str(ssogate_explanation_hint_text(h, i));
        }
        return x;
    }

    /** Takes an explanation handle over (frees it) and returns its values; raises err's error for NULL. */
    static Explanation take(ssogate_explanation *h, detail::ErrorSlot &err) {
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_explanation, void (*)(ssogate_explanation *)> owner(h, ssogate_explanation_free);
        return from(h);
    }
};

/**
 * "Why did this login fail?" (ssogate_explain_response): every check verify_response would run, as a
 * dry run that records nothing. replay may be null (only read when given); candidate, when set, is a
 * second metadata of the IdP to compare the signing key with. Throws Error only for caller errors.
 */
inline Explanation explain_response(const Connection &conn, std::string_view saml_response,
                                    const std::vector<std::string> &pending_request_ids,
                                    const ReplayCache *replay = nullptr, const IdpView &candidate = {},
                                    const VerifyOptions &options = {}) {
    std::string ids;
    for (const auto &id : pending_request_ids) {
        if (!ids.empty()) ids += ' ';
        ids += id;
    }
    detail::ErrorSlot err;
    const ssogate_verify_options o = options.to_c();
    return Explanation::take(
        ssogate_explain_response(conn.get(), saml_response.data(), saml_response.size(), ids.data(), ids.size(),
                                 replay ? replay->get() : nullptr, candidate.get(), &o, err.get()),
        err);
}

// ---- testing IdP ----

/** What a TestIdp signs (ssogate_test_sign). */
enum class TestSign : int {
    none = SSOGATE_TEST_SIGN_NONE,
    response = SSOGATE_TEST_SIGN_RESPONSE,
    assertion = SSOGATE_TEST_SIGN_ASSERTION,
    both = SSOGATE_TEST_SIGN_BOTH,
};

/** Where an encrypting testing IdP puts the EncryptedKey (ssogate_test_key_placement). */
enum class TestKeyPlacement : int {
    in_key_info = SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO,
    retrieval_method = SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD,
    carried_key_name = SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME,
};

/** The key a TestIdp makes (ssogate_key_type). */
enum class KeyType : int { rsa_2048 = SSOGATE_KEY_TYPE_RSA_2048, ec_p256 = SSOGATE_KEY_TYPE_EC_P256 };

/**
 * The knobs of one test Response (ssogate_test_response_params), owned and move-only. Setters
 * return *this so they chain: TestResponseParams().connection(conn).in_response_to("_r1").
 */
class TestResponseParams : public detail::Owned<ssogate_test_response_params, ssogate_test_response_params_free> {
public:
    TestResponseParams() : Owned(ssogate_test_response_params_new()) {
        if (h_ == nullptr) throw std::bad_alloc();
    }

    const ssogate_test_response_params *get() const noexcept { return h_; }

    TestResponseParams &connection(const Connection &conn) {
        detail::ErrorSlot err;
        err.check(ssogate_test_response_params_set_connection(h_, conn.get(), err.get()));
        return *this;
    }
    /**
     * Answers an AuthnRequest as the IdP receives it (ssogate_test_response_params_answer_request): the
     * Redirect URL, or the base64 SAMLRequest form value of HTTP-POST.
     */
    TestResponseParams &answer(const Connection &conn, std::string_view request) {
        detail::ErrorSlot err;
        err.check(
            ssogate_test_response_params_answer_request(h_, conn.get(), request.data(), request.size(), err.get()));
        return *this;
    }
    /** The RelayState answer() read from a Redirect URL ("" for none). */
    std::string relay_state() const { return detail::str(ssogate_test_response_params_relay_state(h_)); }
#define SSOGATE_HPP_TEST_STRING(name)                                                          \
    TestResponseParams &name(std::string_view v) {                                             \
        detail::ErrorSlot err;                                                                 \
        err.check(ssogate_test_response_params_set_##name(h_, v.data(), v.size(), err.get())); \
        return *this;                                                                          \
    }
    SSOGATE_HPP_TEST_STRING(acs_url)
    SSOGATE_HPP_TEST_STRING(sp_entity_id)
    SSOGATE_HPP_TEST_STRING(in_response_to)
    SSOGATE_HPP_TEST_STRING(destination)
    SSOGATE_HPP_TEST_STRING(recipient)
    SSOGATE_HPP_TEST_STRING(audience)
    SSOGATE_HPP_TEST_STRING(issuer)
    SSOGATE_HPP_TEST_STRING(nameid)
    SSOGATE_HPP_TEST_STRING(nameid_format)
    SSOGATE_HPP_TEST_STRING(status)
    SSOGATE_HPP_TEST_STRING(sub_status)
    SSOGATE_HPP_TEST_STRING(status_message)
    SSOGATE_HPP_TEST_STRING(session_index)
    SSOGATE_HPP_TEST_STRING(response_id)
    SSOGATE_HPP_TEST_STRING(assertion_id)
    SSOGATE_HPP_TEST_STRING(signature_method)
    SSOGATE_HPP_TEST_STRING(digest_method)
#undef SSOGATE_HPP_TEST_STRING
#define SSOGATE_HPP_TEST_TIME(name)                                           \
    TestResponseParams &name(std::int64_t t) {                                \
        detail::ErrorSlot err;                                                \
        err.check(ssogate_test_response_params_set_##name(h_, t, err.get())); \
        return *this;                                                         \
    }
    SSOGATE_HPP_TEST_TIME(now)
    SSOGATE_HPP_TEST_TIME(issue_instant)
    SSOGATE_HPP_TEST_TIME(not_before)
    SSOGATE_HPP_TEST_TIME(not_on_or_after)
    SSOGATE_HPP_TEST_TIME(subject_not_on_or_after)
#undef SSOGATE_HPP_TEST_TIME
    TestResponseParams &authn_statement(bool on) {
        detail::ErrorSlot err;
        err.check(ssogate_test_response_params_set_authn_statement(h_, on ? 1 : 0, err.get()));
        return *this;
    }
    /**
     * Encrypts the Assertion to an SP certificate (ssogate_test_response_params_set_encryption). Empty
     * algorithms keep the defaults (rsa-oaep-mgf1p, aes256-gcm); an empty certificate turns it off.
     */
    TestResponseParams &encrypt(std::string_view cert_pem, std::string_view key_transport = {},
                                std::string_view data_algorithm = {},
                                TestKeyPlacement placement = TestKeyPlacement::in_key_info) {
        detail::ErrorSlot err;
        err.check(ssogate_test_response_params_set_encryption(
            h_, cert_pem.data(), cert_pem.size(), key_transport.data(), key_transport.size(), data_algorithm.data(),
            data_algorithm.size(), static_cast<int>(placement), err.get()));
        return *this;
    }
    TestResponseParams &sign(TestSign what) {
        detail::ErrorSlot err;
        err.check(ssogate_test_response_params_set_sign(h_, static_cast<int>(what), err.get()));
        return *this;
    }
    /** One value; call again with the same name to append values to the attribute added last. */
    TestResponseParams &add_attribute(std::string_view name, std::string_view value, std::string_view name_format = {},
                                      std::string_view friendly_name = {}) {
        detail::ErrorSlot err;
        err.check(ssogate_test_response_params_add_attribute(
            h_, name.data(), name.size(), name_format.data(), name_format.size(), friendly_name.data(),
            friendly_name.size(), value.data(), value.size(), err.get()));
        return *this;
    }
};

/** A signed test Response, copied out of its handle. */
struct TestResponse {
    std::string base64;  // the SAMLResponse form value
    std::string xml;
};

/** A testing IdP (ssogate_test_idp), owned. Move-only; immutable, so shareable across threads. */
class TestIdp : public detail::Owned<ssogate_test_idp, ssogate_test_idp_free> {
public:
    explicit TestIdp(std::string_view entity_id = {}, KeyType key_type = KeyType::rsa_2048,
                     std::string_view sso_url = {}) {
        detail::ErrorSlot err;
        h_ = ssogate_test_idp_new(entity_id.data(), entity_id.size(), sso_url.data(), sso_url.size(),
                                  static_cast<int>(key_type), err.get());
        if (h_ == nullptr) err.raise();
    }

    /** Over a kept key and certificate (ssogate_test_idp_from_pem). */
    static TestIdp from_pem(std::string_view key_pem, std::string_view cert_pem, std::string_view entity_id = {},
                            std::string_view sso_url = {}) {
        detail::ErrorSlot err;
        ssogate_test_idp *h =
            ssogate_test_idp_from_pem(entity_id.data(), entity_id.size(), sso_url.data(), sso_url.size(),
                                      key_pem.data(), key_pem.size(), cert_pem.data(), cert_pem.size(), err.get());
        if (h == nullptr) err.raise();
        return TestIdp(h);
    }

    /** Takes ownership of a handle from ssogate_test_idp_new / _from_pem. */
    explicit TestIdp(ssogate_test_idp *owned) noexcept : Owned(owned) {}

    const ssogate_test_idp *get() const noexcept { return h_; }
    std::string entity_id() const { return detail::str(ssogate_test_idp_entity_id(h_)); }
    std::string certificate_pem() const { return detail::str(ssogate_test_idp_certificate_pem(h_)); }
    std::string private_key_pem() const { return detail::str(ssogate_test_idp_private_key_pem(h_)); }
    std::string metadata_xml() const { return detail::str(ssogate_test_idp_metadata_xml(h_)); }

    TestResponse response(const TestResponseParams &params) const {
        detail::ErrorSlot err;
        ssogate_test_response *r = ssogate_test_response_new(h_, params.get(), err.get());
        if (r == nullptr) err.raise();
        TestResponse out{detail::str(ssogate_test_response_base64(r)), detail::str(ssogate_test_response_xml(r))};
        ssogate_test_response_free(r);
        return out;
    }
};

// ---- login ----

/**
 * A pending-request store for SP-initiated logins (ssogate_request_store), owned. Move-only;
 * thread-safe, so one may serve every login of a process.
 */
class RequestStore : public detail::Owned<ssogate_request_store, ssogate_request_store_free> {
public:
    /** An in-memory store for this process. */
    static RequestStore memory() {
        detail::ErrorSlot err;
        return RequestStore(detail::checked(ssogate_request_store_new_memory(err.get()), err));
    }
    /** "memory:", "sqlite:PATH", "postgresql://..." or "redis://[USER:PASSWORD@]HOST:PORT[/DB]". */
    static RequestStore open(std::string_view location) {
        detail::ErrorSlot err;
        return RequestStore(
            detail::checked(ssogate_request_store_open(location.data(), location.size(), err.get()), err));
    }
    /** The host's own store (see ssogate_request_callbacks); cb is copied, its struct_size is set here. */
    static RequestStore from_callbacks(ssogate_request_callbacks cb) {
        detail::ErrorSlot err;
        cb.struct_size = sizeof cb;
        return RequestStore(detail::checked(ssogate_request_store_new_callbacks(&cb, err.get()), err));
    }

    explicit RequestStore(ssogate_request_store *owned) noexcept : Owned(owned) {}

    ssogate_request_store *get() const noexcept { return h_; }
};

/** The SP's signing key and certificate (ssogate_sp_key), owned. Move-only; immutable. */
class SpKey : public detail::Owned<ssogate_sp_key, ssogate_sp_key_free> {
public:
    /** Throws Error (SP_KEY_INVALID) when the PEM key or certificate is unusable. */
    SpKey(std::string_view key_pem, std::string_view cert_pem) {
        detail::ErrorSlot err;
        h_ = ssogate_sp_key_new(key_pem.data(), key_pem.size(), cert_pem.data(), cert_pem.size(), err.get());
        if (h_ == nullptr) {
            err.raise();
        }
    }

    /** A 1024-bit-or-more key that only decrypts (ssogate_sp_key_new_legacy). */
    static SpKey legacy(std::string_view key_pem, std::string_view cert_pem) {
        detail::ErrorSlot err;
        ssogate_sp_key *h =
            ssogate_sp_key_new_legacy(key_pem.data(), key_pem.size(), cert_pem.data(), cert_pem.size(), err.get());
        if (h == nullptr) {
            err.raise();
        }
        return SpKey(h);
    }
    explicit SpKey(ssogate_sp_key *owned) noexcept : Owned(owned) {}

    const ssogate_sp_key *get() const noexcept { return h_; }
    std::string certificate_pem() const { return detail::str(ssogate_sp_key_certificate_pem(h_)); }
};

/** ssogate_sp_login_options with C++ defaults. */
struct SpLoginOptions {
    Binding binding = Binding::http_redirect;
    bool force_authn = false;
    bool is_passive = false;
    std::int64_t ttl_seconds = 600;
    std::int64_t now = 0;  // Unix seconds; 0 = the system clock

    ssogate_sp_login_options to_c() const noexcept {
        ssogate_sp_login_options o;
        ssogate_sp_login_options_init(&o, sizeof o);
        o.binding = static_cast<std::int32_t>(binding);
        o.force_authn = force_authn ? 1 : 0;
        o.is_passive = is_passive ? 1 : 0;
        o.ttl_seconds = ttl_seconds;
        o.now = now;
        return o;
    }
};

/** A begun login, copied out of its ssogate_sp_login_request handle. */
struct SpLoginRequest {
    std::string request_id;
    std::string relay_state;
    Binding binding = Binding::http_redirect;
    std::string destination;
    std::string redirect_url;    // HTTP-Redirect; "" for POST
    std::string post_form_html;  // HTTP-POST; "" for Redirect
    std::string xml;
    bool is_signed = false;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
};

/**
 * Begins an SP-initiated login (ssogate_sp_login_begin): return_to empty for none; sp_key null for an
 * unsigned request. Throws Error on refusal (RETURN_TO_NOT_ALLOWED, BINDING_UNSUPPORTED, ...).
 */
inline SpLoginRequest begin_sp_login(const Connection &conn, const RequestStore &store, std::string_view return_to = {},
                                     const SpKey *sp_key = nullptr, const SpLoginOptions &options = {}) {
    detail::ErrorSlot err;
    const ssogate_sp_login_options o = options.to_c();
    ssogate_sp_login_request *h = ssogate_sp_login_begin(conn.get(), store.get(), return_to.data(), return_to.size(),
                                                         sp_key == nullptr ? nullptr : sp_key->get(), &o, err.get());
    if (h == nullptr) {
        err.raise();
    }
    struct Free {
        ssogate_sp_login_request *h;
        ~Free() { ssogate_sp_login_request_free(h); }
    } owner{h};
    SpLoginRequest r;
    r.request_id = detail::str(ssogate_sp_login_request_id(h));
    r.relay_state = detail::str(ssogate_sp_login_request_relay_state(h));
    r.binding = static_cast<Binding>(ssogate_sp_login_request_binding(h));
    r.destination = detail::str(ssogate_sp_login_request_destination(h));
    r.redirect_url = detail::str(ssogate_sp_login_request_redirect_url(h));
    r.post_form_html = detail::str(ssogate_sp_login_request_post_form_html(h));
    r.xml = detail::str(ssogate_sp_login_request_xml(h));
    r.is_signed = ssogate_sp_login_request_is_signed(h) != 0;
    r.issued_at = ssogate_sp_login_request_issued_at(h);
    r.expires_at = ssogate_sp_login_request_expires_at(h);
    return r;
}

/** A login finished at the ACS: the verified login and where to send the user. */
struct FinishedSpLogin {
    VerifiedLogin login;
    std::string return_to;  // "" for none or an unsolicited login
};

/**
 * Finishes a login at the ACS (ssogate_sp_login_finish) with the posted RelayState (empty when the IdP
 * sent none) and SAMLResponse. Throws Error on refusal.
 */
inline FinishedSpLogin finish_sp_login(const Connection &conn, const RequestStore &store, std::string_view relay_state,
                                       std::string_view saml_response, const ReplayCache &replay,
                                       const VerifyOptions &options = {}) {
    detail::ErrorSlot err;
    const ssogate_verify_options o = options.to_c();
    ssogate_verified_login *h =
        ssogate_sp_login_finish(conn.get(), store.get(), relay_state.data(), relay_state.size(), saml_response.data(),
                                saml_response.size(), replay.get(), &o, err.get());
    if (h == nullptr) {
        err.raise();
    }
    struct Free {
        ssogate_verified_login *h;
        ~Free() { ssogate_verified_login_free(h); }
    } owner{h};
    return FinishedSpLogin{VerifiedLogin::from(h), detail::str(ssogate_verified_login_return_to(h))};
}

// ---- gate ----

/** An account's SSO mode (ssogate_sso_mode). */
enum class SsoMode : int { mixed = SSOGATE_SSO_MODE_MIXED, enforced = SSOGATE_SSO_MODE_ENFORCED };
/** A member's role (ssogate_role). */
enum class Role : int { owner = SSOGATE_ROLE_OWNER, admin = SSOGATE_ROLE_ADMIN, member = SSOGATE_ROLE_MEMBER };
/** ssogate_policy_member_status. */
enum class MemberStatus : int {
    active = SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
    disabled = SSOGATE_POLICY_MEMBER_STATUS_DISABLED
};
/** ssogate_policy_joined_via. */
enum class JoinedVia : int { password = SSOGATE_POLICY_JOINED_VIA_PASSWORD, sso = SSOGATE_POLICY_JOINED_VIA_SSO };
/** What a consumed response became (ssogate_gate_outcome_kinds). */
enum class GateOutcomeKind : int {
    login = SSOGATE_GATE_OUTCOME_LOGIN,
    prompt_join = SSOGATE_GATE_OUTCOME_PROMPT_JOIN,
    joined_by_invite = SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE,
    denied = SSOGATE_GATE_OUTCOME_DENIED,
};

/** The stable name ("MEMBER_DISABLED") and the operator sentence of a ssogate_reason. */
inline const char *reason_name(int reason) noexcept { return ssogate_reason_name(reason); }
inline const char *reason_text(int reason) noexcept { return ssogate_reason_text(reason); }

/** ssogate_gate_options; zero means the library default. */
struct GateOptions {
    std::int64_t now = 0;  // a frozen clock, Unix seconds; 0 = the system clock
    std::int64_t join_token_ttl_seconds = 0;
    std::uint64_t max_response_bytes = 0;
    bool migrate_on_open = false;  // upgrade an older database schema when opening

    ssogate_gate_options to_c() const noexcept {
        ssogate_gate_options o;
        ssogate_gate_options_init(&o, sizeof o);
        o.now = now;
        o.join_token_ttl_seconds = join_token_ttl_seconds;
        o.max_response_bytes = max_response_bytes;
        o.migrate_on_open = migrate_on_open ? 1 : 0;
        return o;
    }
};

/** An invite, copied out of its handle. */
struct Invite {
    std::string token;
    std::string email;
    std::int64_t expires_at = 0;
};

/** An enforcement preview; applied and mode are set by Gate::apply_sso_mode. */
struct EnforcementPreview {
    bool allowed = false;
    bool applied = false;
    SsoMode mode = SsoMode::mixed;
    int reason = SSOGATE_REASON_NONE;
    std::string detail;
    std::vector<std::string> losing_access;
    std::vector<std::string> break_glass;
};

/** The outcome of Gate::consume, copied out of its handle. */
struct GateOutcome {
    GateOutcomeKind kind = GateOutcomeKind::denied;
    int reason = SSOGATE_REASON_NONE;  // ssogate_reason; NONE when verification or a store refused
    std::string reason_name;           // the reason's or the error code's name
    std::string reason_text;           // for the operator
    std::string user_message;          // safe for the end user
    int error_code = SSOGATE_OK;
    bool signature_verified = false;  // false: refused before any signature verified (email is "")
    std::string email;                // verified email, or who a refusal after verification was for
    std::string account_id;
    std::string connection_id;
    std::string join_token;              // PROMPT_JOIN
    std::string return_to;               // SP-initiated logins
    std::optional<VerifiedLogin> login;  // LOGIN and JOINED_BY_INVITE

    bool accepted() const noexcept {
        return kind == GateOutcomeKind::login || kind == GateOutcomeKind::joined_by_invite;
    }
};

/** A password-login decision. */
struct PasswordDecision {
    bool allowed = false;
    int reason = SSOGATE_REASON_NONE;
    std::string connection_id;  // where to send the user for SSO ("" when not applicable)
};

/** One row of the audit log. */
struct AuditRow {
    std::int64_t seq = 0;
    std::int64_t time = 0;
    std::string account_id;
    std::string connection_id;
    std::string email;
    std::string outcome;
    std::string reason;
    std::string detail;
};

/** A member of an account as the gate's directory stores it (ssogate_member). */
struct MemberRecord {
    std::string account_id;
    std::string email;
    Role role = Role::member;
    MemberStatus status = MemberStatus::active;
    JoinedVia joined_via = JoinedVia::password;
    bool has_password = false;
    bool sso_linked = false;
    std::int64_t last_sso_login = 0;  // 0 = never
    std::int64_t created_at = 0;
};

/** A filtered read of the audit log (ssogate_audit_query): every filter is off when left empty or 0. */
struct AuditQuery {
    std::string account_id;
    std::string email;
    std::string outcomes;  // "LOGIN,DENIED"
    std::string reasons;   // "REPLAYED INVITE_REQUIRED"
    std::int64_t after_seq = 0;
    std::int64_t before_seq = 0;
    std::int64_t since = 0;
    std::int64_t until = 0;
    bool newest_first = false;
    std::size_t limit = 0;  // 0 = 1000
};

namespace detail {

// The gate and the pure policy (// ---- policy ---- below) hand out the same two decision handles;
// these copy one out and free it, so both read them the same way.
inline EnforcementPreview take_enforcement(ssogate_enforcement *h, ErrorSlot &err) {
    const std::unique_ptr<ssogate_enforcement, void (*)(ssogate_enforcement *)> owner(checked(h, err),
                                                                                      ssogate_enforcement_free);
    EnforcementPreview p;
    p.allowed = ssogate_enforcement_allowed(h) != 0;
    p.applied = ssogate_enforcement_applied(h) != 0;
    p.mode = static_cast<SsoMode>(ssogate_enforcement_mode(h));
    p.reason = ssogate_enforcement_reason(h);
    p.detail = str(ssogate_enforcement_detail(h));
    for (std::size_t i = 0; i < ssogate_enforcement_losing_access_count(h); ++i) {
        p.losing_access.push_back(str(ssogate_enforcement_losing_access(h, i)));
    }
    for (std::size_t i = 0; i < ssogate_enforcement_break_glass_count(h); ++i) {
        p.break_glass.push_back(str(ssogate_enforcement_break_glass(h, i)));
    }
    return p;
}

inline PasswordDecision take_password_decision(ssogate_password_decision *h, ErrorSlot &err) {
    const std::unique_ptr<ssogate_password_decision, void (*)(ssogate_password_decision *)> owner(
        checked(h, err), ssogate_password_decision_free);
    return PasswordDecision{ssogate_password_decision_allowed(h) != 0, ssogate_password_decision_reason(h),
                            str(ssogate_password_decision_connection_id(h))};
}

}  // namespace detail

/** What ssogate_db_migrate did: the schema version found (0: empty) and the version now. */
struct Migration {
    int from = 0;
    int to = 0;
};

/** Brings the database at location (sqlite:PATH or postgresql://...) to this library's schema (ssogate_db_migrate). */
inline Migration migrate_database(std::string_view location) {
    detail::ErrorSlot err;
    Migration m;
    err.check(ssogate_db_migrate(location.data(), location.size(), &m.from, &m.to, err.get()));
    return m;
}

/**
 * The gate (ssogate_gate): verification + policy + directory + audit over its stores. Move-only; the
 * C object is thread-safe, so one Gate may be used from many threads.
 */
class Gate : public detail::Owned<ssogate_gate, ssogate_gate_free> {
public:
    /** location "sqlite:PATH", "postgresql://..." or "memory:"; shared_location "" or "redis://...". */
    static Gate open(std::string_view location, std::string_view shared_location = {},
                     const GateOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_gate_options o = options.to_c();
        ssogate_gate *h = ssogate_gate_open(location.data(), location.size(), shared_location.data(),
                                            shared_location.size(), &o, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return Gate(h);
    }

    explicit Gate(ssogate_gate *owned) noexcept : Owned(owned) {}

    ssogate_gate *get() const noexcept { return h_; }

    /** Gives the gate an SP encryption key (ssogate_gate_add_decryption_key); the gate keeps its own reference. */
    void add_decryption_key(const SpKey &key) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_add_decryption_key(h_, key.get(), err.get()));
    }

    void create_account(std::string_view id, std::string_view name,
                        const std::vector<std::string> &verified_domains) const {
        std::string domains;
        for (const auto &d : verified_domains) {
            if (!domains.empty()) domains += ' ';
            domains += d;
        }
        detail::ErrorSlot err;
        err.check(ssogate_gate_create_account(h_, id.data(), id.size(), name.data(), name.size(), domains.data(),
                                              domains.size(), err.get()));
    }
    void add_break_glass(std::string_view account_id, std::string_view email) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_add_break_glass(h_, account_id.data(), account_id.size(), email.data(), email.size(),
                                               err.get()));
    }
    void add_connection(std::string_view account_id, const Connection &conn, bool enabled = true) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_add_connection(h_, account_id.data(), account_id.size(), conn.get(), enabled ? 1 : 0,
                                              err.get()));
    }
    void set_connection_enabled(std::string_view connection_id, bool enabled) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_set_connection_enabled(h_, connection_id.data(), connection_id.size(), enabled ? 1 : 0,
                                                      err.get()));
    }
    void add_member(std::string_view account_id, std::string_view email, Role role, bool has_password) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_add_member(h_, account_id.data(), account_id.size(), email.data(), email.size(),
                                          static_cast<int>(role), has_password ? 1 : 0, err.get()));
    }
    // Throws Error POLICY_DENIED when the lockout guard refuses (see ssogate_gate_remove_member).
    void remove_member(std::string_view account_id, std::string_view email) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_remove_member(h_, account_id.data(), account_id.size(), email.data(), email.size(),
                                             err.get()));
    }
    Invite invite(std::string_view account_id, std::string_view email, Role role, std::int64_t ttl_seconds) const {
        detail::ErrorSlot err;
        ssogate_invite *h = ssogate_gate_invite(h_, account_id.data(), account_id.size(), email.data(), email.size(),
                                                static_cast<int>(role), ttl_seconds, err.get());
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_invite, void (*)(ssogate_invite *)> owner(h, ssogate_invite_free);
        return Invite{detail::str(ssogate_invite_token(h)), detail::str(ssogate_invite_email(h)),
                      ssogate_invite_expires_at(h)};
    }
    EnforcementPreview preview_enforcement(std::string_view account_id) const {
        detail::ErrorSlot err;
        return take(ssogate_gate_preview_enforcement(h_, account_id.data(), account_id.size(), err.get()), err);
    }
    /** Switching to enforced applies only when the preview allows (see ssogate_gate_apply_sso_mode). */
    EnforcementPreview apply_sso_mode(std::string_view account_id, SsoMode mode, bool force = false) const {
        detail::ErrorSlot err;
        return take(ssogate_gate_apply_sso_mode(h_, account_id.data(), account_id.size(), static_cast<int>(mode),
                                                force ? 1 : 0, err.get()),
                    err);
    }

    /** An SP-initiated login on a saved connection; options.now 0 takes the gate's clock. */
    SpLoginRequest begin_sp_login(std::string_view connection_id, std::string_view return_to = {},
                                  const SpKey *sp_key = nullptr, const SpLoginOptions &options = {}) const {
        detail::ErrorSlot err;
        const ssogate_sp_login_options o = options.to_c();
        ssogate_sp_login_request *h =
            ssogate_gate_begin_sp_login(h_, connection_id.data(), connection_id.size(), return_to.data(),
                                        return_to.size(), sp_key == nullptr ? nullptr : sp_key->get(), &o, err.get());
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_sp_login_request, void (*)(ssogate_sp_login_request *)> owner(
            h, ssogate_sp_login_request_free);
        SpLoginRequest r;
        r.request_id = detail::str(ssogate_sp_login_request_id(h));
        r.relay_state = detail::str(ssogate_sp_login_request_relay_state(h));
        r.binding = static_cast<Binding>(ssogate_sp_login_request_binding(h));
        r.destination = detail::str(ssogate_sp_login_request_destination(h));
        r.redirect_url = detail::str(ssogate_sp_login_request_redirect_url(h));
        r.post_form_html = detail::str(ssogate_sp_login_request_post_form_html(h));
        r.xml = detail::str(ssogate_sp_login_request_xml(h));
        r.is_signed = ssogate_sp_login_request_is_signed(h) != 0;
        r.issued_at = ssogate_sp_login_request_issued_at(h);
        r.expires_at = ssogate_sp_login_request_expires_at(h);
        return r;
    }

    /**
     * ssogate_gate_explain: the explanation of a response posted to a stored connection, read-only
     * (the replay cache, pending requests and RelayState are never touched). now: 0 = the gate's clock.
     */
    Explanation explain(std::string_view connection_id, std::string_view saml_response,
                        const std::vector<std::string> &pending_request_ids = {}, const IdpView &candidate = {},
                        std::int64_t now = 0) const {
        std::string ids;
        for (const auto &id : pending_request_ids) {
            if (!ids.empty()) ids += ' ';
            ids += id;
        }
        detail::ErrorSlot err;
        return Explanation::take(
            ssogate_gate_explain(h_, connection_id.data(), connection_id.size(), saml_response.data(),
                                 saml_response.size(), ids.data(), ids.size(), candidate.get(), now, err.get()),
            err);
    }

    /** The ACS. Refusals are outcomes (kind denied), not exceptions; throws only for caller errors. */
    GateOutcome consume(std::string_view connection_id, std::string_view saml_response,
                        std::string_view relay_state = {}) const {
        detail::ErrorSlot err;
        ssogate_gate_outcome *h =
            ssogate_gate_consume(h_, connection_id.data(), connection_id.size(), saml_response.data(),
                                 saml_response.size(), relay_state.data(), relay_state.size(), err.get());
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_gate_outcome, void (*)(ssogate_gate_outcome *)> owner(h,
                                                                                            ssogate_gate_outcome_free);
        GateOutcome o;
        o.kind = static_cast<GateOutcomeKind>(ssogate_gate_outcome_kind(h));
        o.reason = ssogate_gate_outcome_reason(h);
        o.reason_name = detail::str(ssogate_gate_outcome_reason_name(h));
        o.reason_text = detail::str(ssogate_gate_outcome_reason_text(h));
        o.user_message = detail::str(ssogate_gate_outcome_user_message(h));
        o.error_code = ssogate_gate_outcome_error_code(h);
        o.signature_verified = ssogate_gate_outcome_signature_verified(h) != 0;
        o.email = detail::str(ssogate_gate_outcome_email(h));
        o.account_id = detail::str(ssogate_gate_outcome_account_id(h));
        o.connection_id = detail::str(ssogate_gate_outcome_connection_id(h));
        o.join_token = detail::str(ssogate_gate_outcome_join_token(h));
        o.return_to = detail::str(ssogate_gate_outcome_return_to(h));
        if (const ssogate_verified_login *login = ssogate_gate_outcome_verified_login(h)) {
            o.login = VerifiedLogin::from(login);
        }
        return o;
    }

    /** Throws Error NOT_FOUND for an unknown, used or expired token. */
    void confirm_join(std::string_view join_token) const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_confirm_join(h_, join_token.data(), join_token.size(), err.get()));
    }

    /** confirm_join, returning the member it created. */
    MemberRecord confirm_join_member(std::string_view join_token) const {
        detail::ErrorSlot err;
        return take_member(ssogate_gate_confirm_join_member(h_, join_token.data(), join_token.size(), err.get()), err);
    }

    /** The member, or nothing when the account has no such member (or is unknown). */
    std::optional<MemberRecord> find_member(std::string_view account_id, std::string_view email) const {
        detail::ErrorSlot err;
        ssogate_member *h =
            ssogate_gate_find_member(h_, account_id.data(), account_id.size(), email.data(), email.size(), err.get());
        if (h == nullptr && err.code() == SSOGATE_NOT_FOUND) {
            return std::nullopt;
        }
        return take_member(h, err);
    }

    /** The account's members by email; Error NOT_FOUND for an unknown account. */
    std::vector<MemberRecord> list_members(std::string_view account_id) const {
        detail::ErrorSlot err;
        ssogate_member_list *h = ssogate_gate_list_members(h_, account_id.data(), account_id.size(), err.get());
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_member_list, void (*)(ssogate_member_list *)> owner(h, ssogate_member_list_free);
        std::vector<MemberRecord> out;
        for (std::size_t i = 0; i < ssogate_member_list_count(h); ++i) {
            out.push_back(member_of(ssogate_member_list_get(h, i)));
        }
        return out;
    }

    /** Refreshes a stored connection (ssogate_gate_refresh_connection): audited; the result says what happened. */
    RefreshResult refresh_connection(std::string_view connection_id, const Fetcher *fetcher = nullptr) const {
        detail::ErrorSlot err;
        return detail::take_refresh(
            ssogate_gate_refresh_connection(h_, connection_id.data(), connection_id.size(),
                                            fetcher == nullptr ? nullptr : fetcher->get(), err.get()),
            err);
    }

    /** One round trip to each store; throws Error STORE_UNAVAILABLE naming the store that did not answer. */
    void check_stores() const {
        detail::ErrorSlot err;
        err.check(ssogate_gate_check_stores(h_, err.get()));
    }

    PasswordDecision decide_password_login(std::string_view account_id, std::string_view email) const {
        detail::ErrorSlot err;
        return detail::take_password_decision(
            ssogate_gate_decide_password_login(h_, account_id.data(), account_id.size(), email.data(), email.size(),
                                               err.get()),
            err);
    }

    /** Rows with seq > after_seq, oldest first; account_id "" for every account; limit 0 = 1000. */
    std::vector<AuditRow> read_audit(std::string_view account_id = {}, std::int64_t after_seq = 0,
                                     std::size_t limit = 0) const {
        detail::ErrorSlot err;
        ssogate_audit *h =
            ssogate_gate_read_audit(h_, account_id.data(), account_id.size(), after_seq, limit, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return audit_rows(h);
    }

    /** The rows matching every filter of q, in its order. */
    std::vector<AuditRow> query_audit(const AuditQuery &q) const {
        ssogate_audit_query c;
        ssogate_audit_query_init(&c, sizeof c);
        c.account_id = q.account_id.data();
        c.account_id_len = q.account_id.size();
        c.email = q.email.data();
        c.email_len = q.email.size();
        c.outcomes = q.outcomes.data();
        c.outcomes_len = q.outcomes.size();
        c.reasons = q.reasons.data();
        c.reasons_len = q.reasons.size();
        c.after_seq = q.after_seq;
        c.before_seq = q.before_seq;
        c.since = q.since;
        c.until = q.until;
        c.newest_first = q.newest_first ? 1 : 0;
        c.limit = q.limit;
        detail::ErrorSlot err;
        ssogate_audit *h = ssogate_gate_query_audit(h_, &c, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return audit_rows(h);
    }

private:
    static std::vector<AuditRow> audit_rows(ssogate_audit *h) {
        const std::unique_ptr<ssogate_audit, void (*)(ssogate_audit *)> owner(h, ssogate_audit_free);
        std::vector<AuditRow> rows(ssogate_audit_count(h));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            rows[i] = AuditRow{ssogate_audit_seq(h, i),
                               ssogate_audit_time(h, i),
                               detail::str(ssogate_audit_account_id(h, i)),
                               detail::str(ssogate_audit_connection_id(h, i)),
                               detail::str(ssogate_audit_email(h, i)),
                               detail::str(ssogate_audit_outcome(h, i)),
                               detail::str(ssogate_audit_reason(h, i)),
                               detail::str(ssogate_audit_detail(h, i))};
        }
        return rows;
    }

    static MemberRecord member_of(const ssogate_member *h) {
        MemberRecord m;
        m.account_id = detail::str(ssogate_member_account_id(h));
        m.email = detail::str(ssogate_member_email(h));
        m.role = static_cast<Role>(ssogate_member_role(h));
        m.status = static_cast<MemberStatus>(ssogate_member_status(h));
        m.joined_via = static_cast<JoinedVia>(ssogate_member_joined_via(h));
        m.has_password = ssogate_member_has_password(h) != 0;
        m.sso_linked = ssogate_member_sso_linked(h) != 0;
        m.last_sso_login = ssogate_member_last_sso_login(h);
        m.created_at = ssogate_member_created_at(h);
        return m;
    }

    static MemberRecord take_member(ssogate_member *h, detail::ErrorSlot &err) {
        if (h == nullptr) {
            err.raise();
        }
        const std::unique_ptr<ssogate_member, void (*)(ssogate_member *)> owner(h, ssogate_member_free);
        return member_of(h);
    }

    static EnforcementPreview take(ssogate_enforcement *h, detail::ErrorSlot &err) {
        return detail::take_enforcement(h, err);
    }
};

// ---- policy ----

/**
 * The pure policy (ssogate.h section 9, "Pure policy"): the gate's four decisions over facts the
 * caller gathers from its own database. No store, no clock, no audit row; the same answers as the
 * gate. The password decision and the enforcement preview are the gate's PasswordDecision and
 * EnforcementPreview (applied is always false; mode is the account's).
 */
namespace policy {

/** ssogate_policy_member_status and ssogate_policy_joined_via (defined beside the gate, which returns them too). */
using ssogate::JoinedVia;
using ssogate::MemberStatus;

/** What an SSO login becomes (ssogate_sso_outcome). */
enum class SsoOutcome : int {
    login = SSOGATE_SSO_OUTCOME_LOGIN,
    join_by_invite = SSOGATE_SSO_OUTCOME_JOIN_BY_INVITE,
    prompt_join = SSOGATE_SSO_OUTCOME_PROMPT_JOIN,
    deny = SSOGATE_SSO_OUTCOME_DENY,
};
/** ssogate_policy_invite_method. */
enum class InviteMethod : int {
    password = SSOGATE_POLICY_INVITE_METHOD_PASSWORD,
    sso = SSOGATE_POLICY_INVITE_METHOD_SSO
};

/** The account's settings. Each decision reads only what it needs. */
struct Account {
    SsoMode sso_mode = SsoMode::mixed;
    std::vector<std::string> verified_domains;
    std::vector<std::string> break_glass;
};

/** The connection's settings (ssogate_policy_connection, with its id and allowed domains). */
struct ConnectionFacts {
    std::string id;
    bool enabled = true;
    bool jit_provisioning = false;
    bool allow_idp_initiated = false;
    std::vector<std::string> allowed_domains;  // empty = any domain
};

/** What the directory knows about one (account, email) (ssogate_policy_facts). */
struct Facts {
    bool is_member = false;  // false: the member fields are ignored
    MemberStatus status = MemberStatus::active;
    Role role = Role::member;
    JoinedVia joined_via = JoinedVia::password;
    bool has_password = false;
    bool sso_linked = false;
    bool has_pending_invite = false;
};

/** One member for preview_enforcement. */
struct Member {
    std::string email;
    Role role = Role::member;
    MemberStatus status = MemberStatus::active;
    bool sso_linked = false;
};

/** An SSO login decision, copied out of its handle. */
struct SsoDecision {
    SsoOutcome outcome = SsoOutcome::deny;
    int reason = SSOGATE_REASON_NONE;  // ssogate_reason
    bool link_identity = false;        // record that the member is now linked to SSO
    std::string detail;
};

/** An invite-acceptance decision, copied out of its handle. */
struct InviteDecision {
    bool allowed = false;
    int reason = SSOGATE_REASON_NONE;
    std::string detail;
};

namespace detail {

// "a b c": the list syntax of the C calls. Items never contain a space or comma (domains, emails).
inline std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) {
        if (!out.empty()) out += ' ';
        out += item;
    }
    return out;
}

inline ssogate_policy_account to_c(const Account &a) noexcept {
    ssogate_policy_account c;
    ssogate_policy_account_init(&c, sizeof c);
    c.sso_mode = static_cast<int>(a.sso_mode);
    return c;
}

inline ssogate_policy_facts to_c(const Facts &f) noexcept {
    ssogate_policy_facts c;
    ssogate_policy_facts_init(&c, sizeof c);
    c.is_member = f.is_member ? 1 : 0;
    c.member_status = static_cast<int>(f.status);
    c.role = static_cast<int>(f.role);
    c.joined_via = static_cast<int>(f.joined_via);
    c.has_password = f.has_password ? 1 : 0;
    c.sso_linked = f.sso_linked ? 1 : 0;
    c.has_pending_invite = f.has_pending_invite ? 1 : 0;
    return c;
}

}  // namespace detail

/** ssogate_policy_decide_sso_login. Throws Error only for caller errors (a number outside its enum). */
inline SsoDecision decide_sso_login(const Account &account, const ConnectionFacts &connection, const Facts &facts,
                                    std::string_view email, bool unsolicited = false) {
    ssogate::detail::ErrorSlot err;
    const ssogate_policy_account a = detail::to_c(account);
    ssogate_policy_connection c;
    ssogate_policy_connection_init(&c, sizeof c);
    c.enabled = connection.enabled ? 1 : 0;
    c.jit_provisioning = connection.jit_provisioning ? 1 : 0;
    c.allow_idp_initiated = connection.allow_idp_initiated ? 1 : 0;
    const ssogate_policy_facts f = detail::to_c(facts);
    const std::string verified = detail::join(account.verified_domains);
    const std::string allowed = detail::join(connection.allowed_domains);
    ssogate_sso_decision *h = ssogate::detail::checked(
        ssogate_policy_decide_sso_login(&a, verified.data(), verified.size(), &c, connection.id.data(),
                                        connection.id.size(), allowed.data(), allowed.size(), &f, email.data(),
                                        email.size(), unsolicited ? 1 : 0, err.get()),
        err);
    const std::unique_ptr<ssogate_sso_decision, void (*)(ssogate_sso_decision *)> owner(h, ssogate_sso_decision_free);
    return SsoDecision{static_cast<SsoOutcome>(ssogate_sso_decision_outcome(h)), ssogate_sso_decision_reason(h),
                       ssogate_sso_decision_link_identity(h) != 0,
                       ssogate::detail::str(ssogate_sso_decision_detail(h))};
}

/** ssogate_policy_decide_password_login; sso_connection_id: where refusals that point at SSO send the user. */
inline PasswordDecision decide_password_login(const Account &account, const Facts &facts, std::string_view email,
                                              std::string_view sso_connection_id = {}) {
    ssogate::detail::ErrorSlot err;
    const ssogate_policy_account a = detail::to_c(account);
    const ssogate_policy_facts f = detail::to_c(facts);
    const std::string glass = detail::join(account.break_glass);
    return ssogate::detail::take_password_decision(
        ssogate_policy_decide_password_login(&a, glass.data(), glass.size(), &f, email.data(), email.size(),
                                             sso_connection_id.data(), sso_connection_id.size(), err.get()),
        err);
}

/** ssogate_policy_decide_invite_acceptance; sso_email is the verified email (ignored for passwords). */
inline InviteDecision decide_invite_acceptance(const Account &account, std::string_view invited_email,
                                               InviteMethod method, std::string_view sso_email = {}) {
    ssogate::detail::ErrorSlot err;
    const ssogate_policy_account a = detail::to_c(account);
    ssogate_invite_decision *h =
        ssogate::detail::checked(ssogate_policy_decide_invite_acceptance(&a, invited_email.data(), invited_email.size(),
                                                                         static_cast<int>(method), sso_email.data(),
                                                                         sso_email.size(), err.get()),
                                 err);
    const std::unique_ptr<ssogate_invite_decision, void (*)(ssogate_invite_decision *)> owner(
        h, ssogate_invite_decision_free);
    return InviteDecision{ssogate_invite_decision_allowed(h) != 0, ssogate_invite_decision_reason(h),
                          ssogate::detail::str(ssogate_invite_decision_detail(h))};
}

/** ssogate_policy_preview_enforcement over the given members. */
inline EnforcementPreview preview_enforcement(const Account &account, const std::vector<Member> &members,
                                              bool has_enabled_connection, bool force = false) {
    ssogate::detail::ErrorSlot err;
    const std::unique_ptr<ssogate_policy_members, void (*)(ssogate_policy_members *)> list(ssogate_policy_members_new(),
                                                                                           ssogate_policy_members_free);
    if (!list) {
        throw std::bad_alloc();
    }
    for (const auto &m : members) {
        err.check(ssogate_policy_members_add(list.get(), m.email.data(), m.email.size(), static_cast<int>(m.role),
                                             static_cast<int>(m.status), m.sso_linked ? 1 : 0, err.get()));
    }
    const ssogate_policy_account a = detail::to_c(account);
    const std::string glass = detail::join(account.break_glass);
    return ssogate::detail::take_enforcement(
        ssogate_policy_preview_enforcement(&a, glass.data(), glass.size(), list.get(), has_enabled_connection ? 1 : 0,
                                           force ? 1 : 0, err.get()),
        err);
}

}  // namespace policy

// ---- directory ----

/** ssogate_email_normalize on a copy: the form every directory keys an email (or a domain) by. */
inline std::string email_normalize(std::string email) {
    ssogate_email_normalize(email.data(), email.size());
    return email;
}

/**
 * A directory (ssogate_directory), owned: the library's own ("memory:", "sqlite:PATH") or the host's
 * callbacks. Move-only; thread-safe. A gate made over it shares it, so it may be dropped right after.
 */
class Directory : public detail::Owned<ssogate_directory, ssogate_directory_free> {
public:
    /** "memory:" or "sqlite:PATH" (never Redis: the directory needs transactions). */
    static Directory open(std::string_view location) {
        detail::ErrorSlot err;
        return Directory(detail::checked(ssogate_directory_open(location.data(), location.size(), err.get()), err));
    }
    /**
     * The host's own directory (see ssogate_directory_callbacks); cb is copied, its struct_size is set
     * here. When this throws, free_user_data has not been called: the caller still owns user_data.
     */
    static Directory from_callbacks(ssogate_directory_callbacks cb) {
        detail::ErrorSlot err;
        cb.struct_size = sizeof cb;
        return Directory(detail::checked(ssogate_directory_new_callbacks(&cb, err.get()), err));
    }

    explicit Directory(ssogate_directory *owned) noexcept : Owned(owned) {}

    ssogate_directory *get() const noexcept { return h_; }
};

/**
 * ssogate_test_directory_contract: the directory contract's checks over `directory`, which must
 * start empty (the checks write test data: for tests only). Throws Error at the first failure.
 */
inline void testing_directory_contract(const Directory &directory) {
    detail::ErrorSlot err;
    err.check(ssogate_test_directory_contract(directory.get(), err.get()));
}

/** A gate over stores the caller made (ssogate_gate_new); it shares them. */
inline Gate gate_with_stores(const Directory &directory, const ReplayCache &replay, const RequestStore &requests,
                             const GateOptions &options = {}) {
    detail::ErrorSlot err;
    const ssogate_gate_options o = options.to_c();
    return Gate(detail::checked(ssogate_gate_new(directory.get(), replay.get(), requests.get(), &o, err.get()), err));
}

}  // namespace ssogate

#endif  // SSOGATE_HPP
