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
    Error(int code, std::string message)
        : code_(code), message_(std::move(message)), what_(std::string(ssogate_code_name(code)) + ": " + message_) {}

    /** A ssogate_code value (never SSOGATE_OK). */
    int code() const noexcept { return code_; }
    const char *code_name() const noexcept { return ssogate_code_name(code_); }
    /** What was expected and what came, for the operator. */
    const std::string &message() const noexcept { return message_; }
    /** "CODE_NAME: message". */
    const char *what() const noexcept override { return what_.c_str(); }

private:
    int code_;
    std::string message_;
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

    [[noreturn]] void raise() const {
        const int code = ssogate_error_code(err_);
        if (code == SSOGATE_OUT_OF_MEMORY) {
            throw std::bad_alloc();
        }
        throw Error(code == SSOGATE_OK ? SSOGATE_INTERNAL : code, ssogate_error_message(err_));
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
    std::string der;     // DER bytes
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
    std::int64_t now = 0;  // Unix seconds; 0 = the system clock
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
    static Idp import_metadata(std::string_view xml, std::string_view entity_id = {},
                               std::string_view signer_pem = {}, const IdpOptions &options = {}) {
        detail::ErrorSlot err;
        const ssogate_idp_options o = options.to_c();
        ssogate_idp *h = ssogate_idp_import(xml.data(), xml.size(), entity_id.data(), entity_id.size(),
                                            signer_pem.data(), signer_pem.size(), &o, err.get());
        if (h == nullptr) {
            err.raise();
        }
        return Idp(h);
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

    ssogate_connection_options to_c() const noexcept {
        ssogate_connection_options o;
        ssogate_connection_options_init(&o, sizeof o);
        o.allow_idp_initiated = allow_idp_initiated ? 1 : 0;
        o.jit_provisioning = jit_provisioning ? 1 : 0;
        o.clock_skew_seconds = clock_skew_seconds;
        o.allow_sha1 = allow_sha1 ? 1 : 0;
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
};

/** A connection (one IdP of an account), owned. Move-only; immutable once made. */
class Connection {
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
    explicit Connection(ssogate_connection *owned) noexcept : h_(owned) {}
    Connection(Connection &&other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
    Connection &operator=(Connection &&other) noexcept {
        if (this != &other) {
            ssogate_connection_free(h_);
            h_ = std::exchange(other.h_, nullptr);
        }
        return *this;
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    ~Connection() { ssogate_connection_free(h_); }

    const ssogate_connection *get() const noexcept { return h_; }
    ssogate_connection *release() noexcept { return std::exchange(h_, nullptr); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

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
    /** The connection's IdP, borrowed: valid as long as this Connection (not moved-from). */
    IdpView idp() const noexcept { return IdpView(ssogate_connection_idp(h_)); }
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

    ssogate_connection *h_ = nullptr;
};

}  // namespace ssogate

#endif  // SSOGATE_HPP
