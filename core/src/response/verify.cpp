#include "response/verify.hpp"

#include "crypto/dsig.hpp"
#include "response/explain.hpp"
#include "util/email.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "util/url.hpp"
#include "xml/xml.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <type_traits>

namespace ssogate::core {
namespace {

constexpr const char *status_success = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr const char *cm_bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr const char *nameid_unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
constexpr const char *nameid_entity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

[[noreturn]] void reject(Code code, std::string_view message) { throw Rejection(code, message); }

// Values from the document go into operator messages: cut short on a character boundary, control
// characters dropped, so a hostile Response can neither flood logs, forge log lines nor break a decoder.
std::string shown(std::string_view v) { return util::quoted(v); }

std::string when(std::int64_t t) { return util::format_datetime(t); }

// A value from the document as an explanation shows it (expected/got): unquoted, but cut and cleaned as
// shown() does, so a hostile Response can no more flood or forge an explanation than a log line.
std::string plain(std::string_view v) { return util::printable(v, 512); }

std::string skew_note(std::int64_t now, int skew) {
    return " (now " + when(now) + ", clock skew " + std::to_string(skew) + " s)";
}

std::optional<std::int64_t> optional_time(std::optional<std::string_view> v, const char *attr, Code code,
                                          const char *what) {
    if (!v) return std::nullopt;
    auto t = util::parse_datetime(*v);
    if (!t) reject(code, std::string(what) + " " + attr + " " + shown(*v) + " is not a valid xs:dateTime");
    return *t;
}

std::int64_t required_time(std::optional<std::string_view> v, const char *attr, Code code, const char *what) {
    if (!v) reject(code, std::string(what) + " has no " + attr);
    return *optional_time(v, attr, code, what);
}

// Everything the envelope checks need from the whole tree, gathered in one walk of it (this runs on
// every login, and each walk of a tree that does not fit the CPU's nearest cache costs about as much
// as the checks themselves).
struct Found {
    std::vector<xmlNode *> encrypted;   // saml:EncryptedAssertion
    std::vector<xmlNode *> assertions;  // saml:Assertion, nested ones included
    std::vector<xmlNode *> signatures;  // ds:Signature, anywhere
    crypto::IdRegistry ids;             // every ID-like attribute, for the uniqueness check
};

void collect(xmlNode *node, Found &out) {
    for (xmlNode *c = node->children; c != nullptr; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            // parse() never lets one through (a DTD stops it first); a second lock on that door.
            if (c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE || c->type == XML_ENTITY_DECL ||
                c->type == XML_DTD_NODE)
                reject(Code::xml_doctype, "the SAML Response uses entities, which ssogate refuses");
            continue;
        }
        if (xml::is_element(c, xml::ns_saml, "Assertion")) {
            out.assertions.push_back(c);
        } else if (xml::is_element(c, xml::ns_saml, "EncryptedAssertion")) {
            out.encrypted.push_back(c);
        } else if (xml::is_element(c, xml::ns_ds, "Signature")) {
            out.signatures.push_back(c);
        }
        if (c->properties != nullptr) out.ids.visit(c);
        collect(c, out);
    }
}

// The explain call's notebook (response/explain.hpp): every step of the Verifier opens an entry, closes
// it as passed or failed, and may note the values it compared. Null in verify_response(), where the
// steps only run their checks.
struct Recorder {
    Explanation &out;
    const ExplainOptions &options;
    std::vector<std::size_t> open_steps{};
    bool encrypted = false;

    std::size_t open(const char *name) {
        CheckResult c;
        c.name = name;
        out.checks.push_back(std::move(c));
        open_steps.push_back(out.checks.size() - 1);
        return out.checks.size() - 1;
    }
    void close(std::size_t i) {
        open_steps.pop_back();
        out.checks[i].status = CheckStatus::pass;
    }
    // A step that a nested step's failure left is itself a pass: the failure is the nested one's.
    void close_failed(std::size_t i, const Error &e) {
        open_steps.pop_back();
        for (std::size_t j = i + 1; j < out.checks.size(); ++j) {
            if (out.checks[j].status == CheckStatus::fail) {
                out.checks[i].status = CheckStatus::pass;
                return;
            }
        }
        CheckResult &c = out.checks[i];
        c.status = CheckStatus::fail;
        c.code = e.code();
        c.detail = e.what();
    }
    // The first values noted for the innermost open step are kept (with several bearer confirmations
    // or signatures, the first one's).
    void note(std::string expected, std::string got) {
        if (open_steps.empty()) return;
        CheckResult &c = out.checks[open_steps.back()];
        if (!c.expected.empty() || !c.got.empty()) return;
        c.expected = std::move(expected);
        c.got = std::move(got);
    }
    void append_got(const std::string &more) {
        if (open_steps.empty()) return;
        CheckResult &c = out.checks[open_steps.back()];
        c.got += (c.got.empty() ? "" : "; ") + more;
    }
    void hint(const char *name, std::string text) {
        for (const Hint &h : out.hints)
            if (h.name == name) return;
        out.hints.push_back(Hint{name, std::move(text)});
    }
    // A check that was not run, and why.
    void not_reached(const char *name, std::string why) {
        CheckResult c;
        c.name = name;
        c.detail = std::move(why);
        out.checks.push_back(std::move(c));
    }
    // What a candidate plain text that is then dropped (RSA-1_5 alternatives) had recorded.
    struct Mark {
        std::size_t checks, hints;
    };
    Mark mark() const { return {out.checks.size(), out.hints.size()}; }
    void rollback(const Mark &m) {
        out.checks.resize(m.checks);
        out.hints.resize(m.hints);
    }
};

struct Verifier {
    const Connection &conn;
    const crypto::KeySet &keys;
    const VerifyContext &ctx;
    std::int64_t now = 0;
    int skew = 0;
    // Whether the Response root carries a signature (verified before any Assertion check runs).
    bool response_signed = false;
    // Attribute values as views into the document (no copy per attribute read).
    xml::AttributeReader attr{};
    // The decrypted Assertion's document, alive as long as the checks read from it.
    std::optional<xml::Document> plain_;
    // The decrypted EncryptedID and EncryptedAttribute elements of the Assertion, likewise.
    std::vector<xml::Document> inner_;
    // Every Attribute of the Assertion, plain or decrypted, in document order.
    std::vector<xmlNode *> attribute_nodes_;
    // The parser limits of the posted Response, applied to every decrypted plain text too.
    xml::Limits limits_;
    // Set by explain_response(): every step records its outcome, and commit() only reads.
    Recorder *rec = nullptr;

    // A named check: it runs as is, and when explaining, its outcome is recorded. A failure ends
    // verification (and the explanation: what follows is not reached).
    template <typename F>
    std::invoke_result_t<F> step(const char *name, F &&f) {
        if (rec == nullptr) return f();
        const std::size_t i = rec->open(name);
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
                f();
                rec->close(i);
            } else {
                auto r = f();
                rec->close(i);
                return r;
            }
        } catch (const Error &e) {
            rec->close_failed(i, e);
            throw;
        }
    }

    // A check that nothing later depends on: verification stops at its failure as at any other, but an
    // explanation records it and goes on, so that one run names every value that is wrong (a wrong
    // ACS URL and a clock off by minutes, say). The first failure recorded is still the refusal.
    template <typename F>
    void soft_step(const char *name, F &&f) {
        if (rec == nullptr) return f();
        const std::size_t i = rec->open(name);
        try {
            f();
            rec->close(i);
        } catch (const Error &e) {
            rec->close_failed(i, e);
        }
    }

    void note(std::string expected, std::string got) {
        if (rec != nullptr) rec->note(std::move(expected), std::move(got));
    }

    // The time checks' values, and in plain words how far off the clock would have to be.
    void note_times(const std::string &expected, const std::string &got) {
        if (rec != nullptr) note(expected + skew_note(now, skew), got);
    }
    // `lead` says what is how far off ("the Response IssueInstant is 412 seconds in the future");
    // `seconds` is how far apart the two clocks are if the response is fresh: exactly for an
    // IssueInstant (the IdP's clock when it wrote the response), at least for a window's end.
    void clock_hint(std::int64_t seconds, const std::string &lead, bool exact) {
        if (rec == nullptr) return;
        const std::string n = std::to_string(seconds < 0 ? -seconds : seconds);
        std::string text = lead;
        if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
        rec->hint("clock_off",
                  text + ". If the login was just tried, this server's clock and the IdP's are " +
                      (exact ? "about " : "at least ") + n + " seconds apart (this server: " + when(now) +
                      ", allowed clock skew " + std::to_string(skew) +
                      " s): check NTP on this server and ask the IdP's admin to check theirs; raising the "
                      "connection's clock_skew_seconds only hides it. If this response was captured earlier, "
                      "explain it with `now` set to the time it was posted.");
    }

    const std::string &acs() const { return conn.acs_url(); }
    const std::string &idp_entity() const { return conn.idp()->entity_id(); }

    void check_issuer(xmlNode *issuer, const std::string &what) {
        // SAML profiles 4.1.4.2: the Issuer of a Web SSO Response or Assertion is an entity ID (Format
        // omitted or ...:entity). Any other format names something else than the IdP's entity.
        if (auto format = attr(issuer, "Format"); format && *format != nameid_entity) {
            reject(Code::issuer_mismatch, what + " Issuer has Format " + shown(*format) +
                                              "; the Web SSO profile "
                                              "requires it absent or " +
                                              shown(nameid_entity));
        }
        std::string got = xml::trimmed_text(issuer);
        if (rec != nullptr) note(idp_entity(), plain(got));
        if (got != idp_entity() && rec != nullptr) {
            rec->hint("issuer_mismatch",
                      "The response comes from " + shown(got) + " but this connection trusts the IdP " +
                          shown(idp_entity()) +
                          ". The response was posted to the wrong connection's ACS URL, or the IdP's metadata "
                          "was imported from another app or tenant: import the metadata of the app that "
                          "sends this response.");
        }
        if (got != idp_entity()) {
            reject(Code::issuer_mismatch, what + " Issuer is " + shown(got) + " but this connection's IdP is " +
                                              shown(idp_entity()) + " (from its metadata)");
        }
    }

    // An IssueInstant may be at most max_age_seconds old and never in the future, each with the clock
    // skew. The age bound on the (always signed) Assertion is also what bounds how long its ID must stay
    // in the replay cache.
    void check_issue_instant(std::int64_t issued, const char *what) {
        if (rec != nullptr)
            note_times("IssueInstant between " + when(now - ctx.max_age_seconds - skew) + " and " + when(now + skew) +
                           " (maximum age " + std::to_string(ctx.max_age_seconds) + " s)",
                       when(issued));
        if (issued > now + skew) {
            clock_hint(issued - now,
                       std::string("the ") + what + " IssueInstant is " + std::to_string(issued - now) +
                           " seconds in the future (at most " + std::to_string(skew) + " s of clock skew are accepted)",
                       true);
        }
        if (issued < now - ctx.max_age_seconds - skew) {
            clock_hint(now - issued,
                       std::string("the ") + what + " IssueInstant is " + std::to_string(now - issued) +
                           " seconds old (at most " + std::to_string(ctx.max_age_seconds) + " s of maximum age + " +
                           std::to_string(skew) + " s of clock skew are accepted)",
                       true);
        }
        if (issued > now + skew) {
            reject(Code::issue_instant, std::string(what) + " IssueInstant " + when(issued) + " is in the future" +
                                            skew_note(now, skew) +
                                            ": the IdP's clock is ahead, or the message "
                                            "was made to look fresh");
        }
        if (issued < now - ctx.max_age_seconds - skew) {
            reject(Code::issue_instant, std::string(what) + " IssueInstant " + when(issued) + " is more than " +
                                            std::to_string(ctx.max_age_seconds) + " s (maximum age) + " +
                                            std::to_string(skew) + " s (clock skew) before now " + when(now));
        }
    }

    // A validity window [NotBefore, NotOnOrAfter) as SAML core 2.5.1.2 and 2.4.1.2 define it: NotBefore
    // must be earlier than NotOnOrAfter when both are present (an inverted window would otherwise pass
    // at both ends thanks to the skew), and now must fall inside it, widened by the clock skew.
    void check_window(std::optional<std::int64_t> not_before, std::optional<std::int64_t> not_on_or_after,
                      const char *what, Code too_early, Code too_late) {
        if (rec != nullptr)
            note_times(std::string("now inside [NotBefore, NotOnOrAfter)"),
                       "NotBefore " + (not_before ? when(*not_before) : std::string("(none)")) + ", NotOnOrAfter " +
                           (not_on_or_after ? when(*not_on_or_after) : std::string("(none)")));
        if (not_on_or_after && now - skew >= *not_on_or_after) {
            clock_hint(now - *not_on_or_after,
                       std::string(what) + " expired " + std::to_string(now - *not_on_or_after) + " seconds ago",
                       false);
        }
        if (not_before && now + skew < *not_before) {
            clock_hint(*not_before - now,
                       std::string(what) + " becomes valid only in " + std::to_string(*not_before - now) + " seconds",
                       false);
        }
        if (not_before && not_on_or_after && *not_before >= *not_on_or_after) {
            reject(Code::time_window_invalid, std::string(what) + " NotBefore " + when(*not_before) +
                                                  " is not earlier than its NotOnOrAfter " + when(*not_on_or_after));
        }
        if (not_on_or_after && now - skew >= *not_on_or_after) {
            reject(too_late, std::string(what) + " expired at " + when(*not_on_or_after) + skew_note(now, skew));
        }
        if (not_before && now + skew < *not_before) {
            reject(too_early, std::string(what) + " is valid from " + when(*not_before) + skew_note(now, skew));
        }
    }

    // Response structure: everything here only ever refuses; nothing is returned from it.
    void check_response(xmlNode *root) {
        step("response", [&] { check_response_root(root); });
        soft_step("response_issue_instant", [&] {
            check_issue_instant(
                required_time(attr(root, "IssueInstant"), "IssueInstant", Code::response_malformed, "the Response"),
                "Response");
        });
        soft_step("destination", [&] { check_destination(root); });
        soft_step("response_issuer", [&] {
            if (xmlNode *issuer = xml::first_child_element(root, xml::ns_saml, "Issuer")) {
                check_issuer(issuer, "Response");
            } else {
                if (rec != nullptr)
                    note(idp_entity(), "(no Issuer: optional on a Response; the Assertion's is checked)");
            }
        });
        step("status", [&] { check_status(root); });
    }

    // Root element, Version and ID.
    void check_response_root(xmlNode *root) {
        if (rec != nullptr)
            note("samlp:Response, Version 2.0, an ID",
                 xml::qualified_name(root) + ", Version " + shown(attr(root, "Version").value_or("(none)")));
        if (!xml::is_element(root, xml::ns_samlp, "Response")) {
            reject(Code::response_malformed,
                   "the root element is " + xml::qualified_name(root) + "; expected {" + xml::ns_samlp + "}Response");
        }
        auto version = attr(root, "Version");
        if (version.value_or("") != "2.0") {
            reject(Code::response_version,
                   "Response Version is " + shown(version.value_or("(none)")) + "; expected '2.0'");
        }
        if (!attr(root, "ID")) reject(Code::response_malformed, "the Response has no ID attribute");
    }

    void check_destination(xmlNode *root) {
        auto destination = attr(root, "Destination");
        if (rec != nullptr)
            note(acs(), destination
                            ? plain(*destination)
                            : std::string(response_signed ? "(none)" : "(none: allowed on an unsigned Response)"));
        if (destination) {
            if (*destination != acs()) {
                url_hint(*destination, "Destination");
                reject(Code::destination_mismatch, "Response Destination is " + shown(*destination) +
                                                       " but this connection's ACS URL is " + shown(acs()));
            }
        } else if (response_signed) {
            reject(Code::destination_mismatch,
                   "the Response is signed but has no Destination; expected " + shown(acs()));
        }
    }

    // A Destination or Recipient that is not the ACS URL: the usual two causes in plain words.
    void url_hint(std::string_view got, const char *what) {
        if (rec == nullptr) return;
        const auto g = util::parse_http_url(got);
        const auto e = util::parse_http_url(acs());
        if (g && e && g->path == e->path && (g->scheme != e->scheme || g->host != e->host || g->port != e->port)) {
            const std::string origin = g->scheme + "://" + g->host + (g->port.empty() ? "" : ":" + g->port);
            rec->hint("acs_behind_proxy",
                      std::string("The ") + what + " " + shown(got) + " differs from the ACS URL " + shown(acs()) +
                          " only by scheme, host or port: the app probably runs behind a proxy or load balancer and "
                          "built its URLs from the address it sees. Set the connection's base URL to the public "
                          "address users reach, " +
                          shown(origin) + ", so that its ACS URL is the one the IdP posts to.");
            return;
        }
        rec->hint("acs_url_mismatch",
                  std::string("The IdP posts to ") + shown(got) + " but this connection's ACS URL is " + shown(acs()) +
                      ": set the IdP app's Single sign-on URL (Okta: SAML Settings > Single sign-on URL; Entra: "
                      "Reply URL) to " +
                      shown(acs()) + ", or check that the response was posted to the right connection.");
    }

    void check_status(xmlNode *root) {
        xmlNode *status = xml::first_child_element(root, xml::ns_samlp, "Status");
        xmlNode *code = status ? xml::first_child_element(status, xml::ns_samlp, "StatusCode") : nullptr;
        if (code == nullptr) reject(Code::response_malformed, "the Response has no Status/StatusCode");
        const std::string_view top = attr(code, "Value").value_or("");
        if (rec != nullptr) note(status_success, plain(top));
        if (top != status_success) {
            std::string msg = "the IdP refused the login: StatusCode " + shown(top);
            if (xmlNode *sub = xml::first_child_element(code, xml::ns_samlp, "StatusCode")) {
                msg += ", second-level " + shown(attr(sub, "Value").value_or(""));
            }
            if (xmlNode *m = xml::first_child_element(status, xml::ns_samlp, "StatusMessage")) {
                msg += ", StatusMessage " + shown(xml::trimmed_text(m));
            }
            if (rec != nullptr) {
                rec->hint("idp_refused",
                          "The IdP itself refused the login and says why in its status (see the status check): "
                          "often the user is not assigned to the app at the IdP, or the IdP could not read the "
                          "AuthnRequest. The IdP's own sign-in log has the details.");
            }
            reject(Code::status_not_success, msg);
        }
    }

    // The one plain Assertion every later step reads: exactly one in the whole document, directly
    // inside the Response.
    xmlNode *resolve_assertion(xmlNode *root, const Found &found) {
        const std::vector<xmlNode *> &assertions = found.assertions;
        if (assertions.size() != 1) {
            reject(Code::assertion_count, "the Response holds " + std::to_string(assertions.size()) +
                                              " Assertion elements (counting nested ones); expected exactly one");
        }
        if (assertions[0]->parent != root) {
            reject(Code::assertion_count, "the only Assertion sits inside " +
                                              xml::qualified_name(assertions[0]->parent) +
                                              "; expected it directly inside the Response");
        }
        return assertions[0];
    }

    struct Coverage {
        bool response = false;   // a verified signature on the Response
        bool assertion = false;  // a verified signature on the Assertion
    };

    // Verifies every ds:Signature of `document`: each must sit directly inside `root` (the Response,
    // or nullptr for the decrypted Assertion's own document) or `assertion` (nullptr while the
    // Assertion is still encrypted). Returns which of the two verified signatures cover.
    Coverage verify_signatures(const xml::Document &document, xmlNode *root, xmlNode *assertion, Found &found) {
        xmlDoc *doc = document.get();
        found.ids.commit(doc);
        const std::vector<xmlNode *> &signatures = found.signatures;
        bool on_response = false, on_assertion = false;
        crypto::DsigPolicy policy{conn.settings().allow_sha1};
        // Placement first, for all of them: nothing is verified in a document shaped for wrapping.
        for (xmlNode *sig : signatures) {
            bool *slot = root != nullptr && sig->parent == root             ? &on_response
                         : assertion != nullptr && sig->parent == assertion ? &on_assertion
                                                                            : nullptr;
            if (slot == nullptr) {
                reject(Code::signature_placement, "a ds:Signature sits inside " + xml::qualified_name(sig->parent) +
                                                      "; signatures are accepted only directly inside the Response "
                                                      "or the Assertion");
            }
            if (*slot) {
                reject(Code::signature_placement,
                       "two ds:Signature elements inside " + xml::qualified_name(sig->parent));
            }
            *slot = true;
        }
        // Then the shape of every signature (algorithms, transforms, reference), then cryptography.
        std::vector<crypto::SignatureProfile> profiles;
        profiles.reserve(signatures.size());
        for (xmlNode *sig : signatures) profiles.push_back(crypto::check_signature_profile(doc, sig, policy));
        // For a document whose canonicalization could cost much more than its parse, no Reference is
        // digested before its SignatureValue verified with a key from the metadata.
        for (const crypto::SignatureProfile &p : profiles)
            policy.signature_value_first |=
                crypto::canonicalization_may_be_costly(document.shape(), p.inclusive_prefixes);
        if (rec != nullptr) note("signed with a certificate of the metadata: " + keys.describe(), "");
        for (std::size_t i = 0; i < signatures.size(); ++i) {
            xmlNode *sig = signatures[i];
            crypto::VerifiedSignature verified;
            try {
                verified = crypto::verify_enveloped(sig, profiles[i], keys, policy);
            } catch (const Error &e) {
                if (rec != nullptr && e.code() == Code::signature_invalid) diagnose_key(sig, profiles[i], policy);
                throw;
            }
            if (verified.signed_element != sig->parent) {
                reject(Code::signature_reference, "a verified signature does not cover its parent element");
            }
            if (rec != nullptr) signed_with(sig, verified);
        }
        return {on_response, on_assertion};
    }

    // Explaining: which certificate verified a signature, and whether the other metadata has it.
    void signed_with(xmlNode *sig, const crypto::VerifiedSignature &verified) {
        rec->append_got(xml::qualified_name(sig->parent) + " signed with SHA-256 " + verified.certificate_sha256 +
                        " (" + verified.signature_method + ")");
        const IdpMetadata *other = rec->options.candidate_metadata;
        if (other == nullptr) return;
        for (const crypto::Certificate &c : other->signing_certificates())
            if (c.sha256 == verified.certificate_sha256) return;
        rec->hint("candidate_metadata_drops_key",
                  "The other metadata given no longer lists the certificate this response was signed with "
                  "(SHA-256 " +
                      verified.certificate_sha256 +
                      "): importing it now would refuse this IdP's logins until the IdP signs with one of the "
                      "certificates it lists. Wait until the IdP has switched, or keep both certificates.");
    }

    // Explaining a signature that verifies with no key of the metadata: which key did sign it? The
    // certificate the response names in its KeyInfo (never trusted, only tried here), and the signing
    // certificates of the other metadata, when one was given.
    void diagnose_key(xmlNode *sig, const crypto::SignatureProfile &profile, const crypto::DsigPolicy &policy) {
        auto verifies_with = [&](const crypto::KeySet &set) -> std::optional<std::string> {
            try {
                return crypto::verify_enveloped(sig, profile, set, policy).certificate_sha256;
            } catch (const Error &) {
                return std::nullopt;
            }
        };
        try {
            std::optional<crypto::Certificate> stated;
            xmlNode *ki = xml::first_child_element(sig, xml::ns_ds, "KeyInfo");
            xmlNode *xd = ki ? xml::first_child_element(ki, xml::ns_ds, "X509Data") : nullptr;
            xmlNode *xc = xd ? xml::first_child_element(xd, xml::ns_ds, "X509Certificate") : nullptr;
            if (xc != nullptr) stated = crypto::parse_certificate_base64(xml::text(xc));
            bool in_metadata = false;
            for (const auto &e : keys.entries()) in_metadata |= stated && e.certificate.sha256 == stated->sha256;
            if (stated) {
                rec->append_got("the signature's KeyInfo names SHA-256 " + stated->sha256 + " (" + stated->subject +
                                (in_metadata ? "), which is in the metadata" : "), which is not in the metadata"));
            }
            const bool stated_signed =
                stated && !in_metadata && verifies_with(*crypto::KeySet::from_certificates({*stated})).has_value();
            if (stated_signed) {
                rec->hint("signing_key_not_in_metadata",
                          "The IdP signs with a key that is not in this connection's metadata: the signature "
                          "verifies with the certificate its KeyInfo names, SHA-256 " +
                              stated->sha256 + " (" + stated->subject + "), while the metadata has " + keys.describe() +
                              ". The IdP has most likely rotated its signing certificate: import its current "
                              "metadata (from its metadata URL), or add that certificate after checking it with "
                              "the IdP's admin.");
            } else {
                rec->hint("signature_does_not_verify",
                          "The signature verifies with none of the metadata's certificates (" + keys.describe() +
                              "). Either the IdP signs with a key that is not in the metadata (it rotated its "
                              "certificate: import its current metadata) or the response was changed after it "
                              "was signed (a proxy or an app rewriting the form value, an edited test response).");
            }
            const IdpMetadata *other = rec->options.candidate_metadata;
            if (other == nullptr) return;
            if (auto fp = verifies_with(*crypto::KeySet::from(*other))) {
                rec->hint("candidate_metadata_has_key",
                          "The other metadata given (for example the one now at the IdP's metadata URL) has the "
                          "certificate this response was signed with, SHA-256 " +
                              *fp + ": import that metadata and this check passes.");
            } else {
                rec->hint("candidate_metadata_lacks_key",
                          "The other metadata given does not have the key this response was signed with either "
                          "(its certificates: " +
                              crypto::KeySet::from(*other)->describe() + ").");
            }
        } catch (const Error &) {
            // A diagnosis only: a certificate that does not parse or load just says nothing more.
        }
    }

    void require_coverage(const Coverage &c) {
        if (!c.response && !c.assertion) {
            reject(Code::signature_missing,
                   "neither the Response nor the Assertion is signed; the IdP must sign "
                   "the Assertion or the Response (trusted certificates: " +
                       keys.describe() + ")");
        }
    }

    VerifiedLogin run(std::string_view xml_bytes) {
        limits_.max_bytes = ctx.max_bytes;
        const xml::Limits &limits = limits_;
        Found found;
        xml::Document doc = step("xml", [&] {
            if (rec != nullptr)
                note("well-formed XML within the parser's limits, without DTD or entities",
                     std::to_string(xml_bytes.size()) + " bytes");
            xml::Document d = xml::parse(xml_bytes, limits, "SAML Response");
            if (d.root()->properties != nullptr) found.ids.visit(d.root());
            collect(d.root(), found);
            return d;
        });
        xmlNode *root = doc.root();
        for (xmlNode *s : found.signatures) response_signed |= s->parent == root;
        if (rec != nullptr) rec->encrypted = !found.encrypted.empty();
        check_response(root);
        if (!found.encrypted.empty()) return run_encrypted(doc, root, found, limits);
        xmlNode *assertion = step("assertion", [&] {
            if (rec != nullptr)
                note("exactly one Assertion, directly inside the Response",
                     std::to_string(found.assertions.size()) + " Assertion elements");
            return resolve_assertion(root, found);
        });
        const Coverage coverage = step("signatures", [&] { return verify_signatures(doc, root, assertion, found); });
        step("signature_coverage", [&] { require_coverage(coverage); });
        return check_signed_assertion(root, assertion);
    }

    // From here on, every value comes from `assertion`, the node a verified signature covers (its
    // own, or the Response's which contains it, as posted or encrypted), or from the verified Response
    // root. A refusal from here on names who the signed Assertion was for, so the operator sees who
    // was refused.
    VerifiedLogin check_signed_assertion(xmlNode *root, xmlNode *assertion) {
        try {
            return check_assertion(root, assertion);
        } catch (const Rejection &r) {
            throw r.with_signed_identity(identity_in(assertion));
        } catch (const Error &e) {
            throw Rejection(e.code(), e.what(), identity_in(assertion));
        }
    }

    // An EncryptedAssertion: exactly one, directly inside the Response, and no plain Assertion
    // beside it. The Response's signature (which covers the cipher text as posted) is verified
    // before anything is decrypted; the plain text then goes through the same parser, limits and
    // signature checks as a posted Assertion, and every check after.
    VerifiedLogin run_encrypted(const xml::Document &doc, xmlNode *root, Found &found, const xml::Limits &limits) {
        xmlNode *encrypted = step("assertion", [&] {
            if (rec != nullptr)
                note("exactly one EncryptedAssertion (or Assertion), directly inside the Response",
                     std::to_string(found.encrypted.size()) + " EncryptedAssertion and " +
                         std::to_string(found.assertions.size()) + " Assertion elements");
            return resolve_encrypted_assertion(root, found);
        });
        const crypto::DecryptionKeys sp_keys =
            step("decryption_key", [&] { return decryption_keys("an EncryptedAssertion"); });
        const Coverage outer = step("signatures", [&] { return verify_signatures(doc, root, nullptr, found); });
        step("decryption", [&] { decrypt_assertion(encrypted, sp_keys, outer, limits); });
        return check_signed_assertion(root, plain_->root());
    }

    // The EncryptedAssertion's plain text into plain_, its signatures verified (see run_encrypted).
    void decrypt_assertion(xmlNode *encrypted, const crypto::DecryptionKeys &sp_keys, const Coverage &outer,
                           const xml::Limits &limits) {
        crypto::DecryptPolicy policy;
        policy.allow_rsa_1_5 = conn.settings().allow_rsa_1_5;
        policy.max_bytes = ctx.max_bytes;
        const crypto::Decrypted decrypted = crypto::decrypt_element(encrypted, sp_keys, policy);
        // AES-CBC has no integrity: when no verified signature covered the cipher text, every
        // refusal of the plain text before its own signature verified is the decryption refusal,
        // so bytes changed in transit teach the sender nothing about the plain text they made.
        const bool uniform = !decrypted.authenticated && !outer.response;
        // More than one candidate only under RSA-1_5 with AES-CBC (see Decrypted::alternatives): a
        // wrong key's garbage fails these checks, and then the next candidate is tried; when all fail,
        // the refusal is the decryption one, as it cannot say which plain text was meant.
        const std::size_t candidates = 1 + decrypted.alternatives.size();
        for (std::size_t i = 0; i < candidates && !plain_; ++i) {
            const std::string &text = i == 0 ? decrypted.plain_text : decrypted.alternatives[i - 1];
            // What a candidate that is then refused recorded is dropped with it: only the refusal
            // verification gives stays in an explanation.
            const Recorder::Mark mark = rec != nullptr ? rec->mark() : Recorder::Mark{0, 0};
            try {
                xml::Document plain = xml::parse(text, limits, "the decrypted Assertion");
                Coverage inner = step("decrypted_signatures", [&] { return check_decrypted(plain); });
                inner.response = outer.response;
                step("signature_coverage", [&] { require_coverage(inner); });
                plain_ = std::move(plain);
            } catch (const Error &) {
                if (!uniform && candidates == 1) throw;
                if (rec != nullptr) rec->rollback(mark);
                if (i + 1 == candidates) crypto::fail_decryption(sp_keys);
            }
        }
    }

    xmlNode *resolve_encrypted_assertion(xmlNode *root, const Found &found) {
        if (found.encrypted.size() != 1 || !found.assertions.empty()) {
            reject(Code::assertion_count, "the Response holds " + std::to_string(found.encrypted.size()) +
                                              " EncryptedAssertion and " + std::to_string(found.assertions.size()) +
                                              " Assertion elements; expected exactly one of either");
        }
        if (found.encrypted[0]->parent != root) {
            reject(Code::assertion_count, "the EncryptedAssertion sits inside " +
                                              xml::qualified_name(found.encrypted[0]->parent) +
                                              "; expected it directly inside the Response");
        }
        return found.encrypted[0];
    }

    // The host's keys for this connection's SP encryption certificates; refused when there is none.
    // `what`: the encrypted element found ("an EncryptedAssertion", "an EncryptedID", ...).
    crypto::DecryptionKeys decryption_keys(const std::string &what) const {
        const auto &certs = conn.sp_encryption_certificates();
        if (certs.empty()) {
            reject(Code::assertion_encrypted,
                   "the Response carries " + what +
                       " but this connection has no "
                       "SP encryption key: add one (its certificate to the connection, which "
                       "then publishes it in the SP metadata for the IdP; the private key to "
                       "verification), or turn off assertion encryption for this app at the IdP");
        }
        crypto::DecryptionKeys out;
        if (ctx.decryption_keys != nullptr) {
            for (const auto &key : *ctx.decryption_keys)
                for (const crypto::Certificate &c : certs)
                    if (key && key->certificate().der == c.der) out.push_back(key);
        }
        if (out.empty()) {
            std::string list;
            for (const crypto::Certificate &c : certs)
                list += (list.empty() ? "" : ", ") + std::string("SHA-256 ") + c.sha256;
            reject(Code::assertion_encrypted, "the Response carries " + what +
                                                  " but no private key was given "
                                                  "for this connection's SP encryption certificates (" +
                                                  list + "): give the SP encryption key to verification");
        }
        return out;
    }

    // The decrypted document: a saml:Assertion at its root, no Assertion or EncryptedAssertion inside
    // it, its signatures verified. Returns whether its own signature covers it.
    Coverage check_decrypted(const xml::Document &plain) {
        xmlNode *a = plain.root();
        if (!xml::is_element(a, xml::ns_saml, "Assertion")) {
            reject(Code::assertion_malformed,
                   "the decrypted EncryptedAssertion holds " + xml::qualified_name(a) + "; expected a saml:Assertion");
        }
        Found inner;
        if (a->properties != nullptr) inner.ids.visit(a);
        collect(a, inner);
        if (!inner.assertions.empty() || !inner.encrypted.empty()) {
            reject(Code::assertion_count, "the decrypted Assertion contains another Assertion; expected exactly one");
        }
        return verify_signatures(plain, nullptr, a, inner);
    }

    // Who the signed Assertion names, read without judging it (the checks report what is wrong): the
    // email attribute's single value when the connection reads the email from one and it is there,
    // else the NameID; XML whitespace trimmed, text only (a value split by a comment or a child
    // element is not read), a valid address in its normalised form, anything else as util::printable
    // shows it (at most 256 bytes, cut on a character boundary with "...", control characters as
    // '?'). "" when there is nothing readable.
    std::string identity_in(xmlNode *assertion) const noexcept {
        try {
            std::string value;
            bool found = false;
            const std::string &email_attribute = conn.settings().email_attribute;
            if (!email_attribute.empty()) {
                xmlNode *only = nullptr;
                int count = 0;
                for (xmlNode *st : xml::NamedChildren(assertion, xml::ns_saml, "AttributeStatement")) {
                    for (xmlNode *at : xml::NamedChildren(st, xml::ns_saml, "Attribute")) {
                        if (xml::attribute(at, "Name").value_or("") != email_attribute) continue;
                        const xml::NamedChildren values(at, xml::ns_saml, "AttributeValue");
                        only = values.size() == 1 ? values.front() : nullptr;
                        ++count;
                    }
                }
                if (count == 1 && only != nullptr && xml::has_only_text(only)) {
                    value = std::string(util::trim_xml_space(xml::text(only)));
                    found = true;
                }
            }
            if (!found) {
                xmlNode *subject = xml::first_child_element(assertion, xml::ns_saml, "Subject");
                xmlNode *nameid = subject ? xml::first_child_element(subject, xml::ns_saml, "NameID") : nullptr;
                if (nameid == nullptr || !xml::has_only_text(nameid)) return {};
                value = xml::trimmed_text(nameid);
            }
            if (util::is_valid_email(value)) return util::normalize_email(value);
            return util::printable(value, 256);
        } catch (...) {
            return {};
        }
    }

    // What the Assertion checks establish, step by step; nothing in it is stored anywhere until commit()
    // runs, after every check passed.
    struct Checked {
        VerifiedLogin out;
        // The last second at which this assertion could still be accepted: every time bound lowers it.
        // The replay cache keeps the ID until then and no longer, so retention follows the signed
        // IssueInstant and the maximum age, whatever far-off NotOnOrAfter the IdP chose.
        std::int64_t expires = 0;
        // The signed InResponseTo, when the login answers one of this browser's AuthnRequests.
        std::optional<std::string> request_id;
    };

    // One bearer confirmation's facts.
    struct Bearer {
        std::int64_t not_on_or_after = 0;
        std::optional<std::string_view> in_response_to;
    };

    // The Assertion checks, in order, then the one step that changes state (replay, pending request).
    VerifiedLogin check_assertion(xmlNode *root, xmlNode *a) {
        Checked c;
        check_assertion_header(a, c);
        xmlNode *subject = nullptr;
        const Bearer bearer = step("subject_confirmation", [&] {
            subject = only_subject(a);
            return check_subject_confirmations(subject, c);
        });
        soft_step("in_response_to", [&] { check_in_response_to(root, bearer, c); });
        check_conditions(a, c);
        soft_step("authn_statement", [&] { check_authn_statements(a, c.out); });
        step("attributes", [&] { read_attributes(a, c.out); });
        step("identity", [&] { check_identity(subject, c.out); });
        soft_step("email_domain", [&] { check_domain(c.out.email); });
        c.out.idp_entity_id = idp_entity();
        c.out.connection_id = conn.id();
        if (rec != nullptr) {
            explain_replay(c);
        } else {
            commit(c);
        }
        return std::move(c.out);
    }

    // Version, ID, IssueInstant and Issuer of the Assertion.
    void check_assertion_header(xmlNode *a, Checked &c) {
        std::int64_t issued = 0;
        step("assertion_header", [&] {
            auto version = attr(a, "Version");
            if (rec != nullptr)
                note("Version 2.0, an ID, an IssueInstant", "Version " + shown(version.value_or("(none)")) + ", ID " +
                                                                shown(attr(a, "ID").value_or("(none)")));
            if (version.value_or("") != "2.0") {
                reject(Code::response_version,
                       "Assertion Version is " + shown(version.value_or("(none)")) + "; expected '2.0'");
            }
            c.out.assertion_id = attr(a, "ID").value_or("");
            if (c.out.assertion_id.empty()) reject(Code::assertion_malformed, "the Assertion has no ID");
            issued = required_time(attr(a, "IssueInstant"), "IssueInstant", Code::assertion_malformed, "the Assertion");
        });
        soft_step("assertion_issue_instant", [&] { check_issue_instant(issued, "Assertion"); });
        c.expires = issued + ctx.max_age_seconds + skew;
        soft_step("assertion_issuer", [&] {
            xmlNode *issuer = xml::first_child_element(a, xml::ns_saml, "Issuer");
            if (issuer == nullptr) reject(Code::assertion_malformed, "the Assertion has no Issuer");
            check_issuer(issuer, "Assertion");
        });
    }

    std::string replay_key(const Checked &c) const {
        return "saml-assertion " + idp_entity() + " " + c.out.assertion_id;
    }

    // Explaining, in place of commit(): the replay cache is only read (ReplayCache::contains), when one
    // was given and it can be read without a change; the pending-request store is never used.
    void explain_replay(const Checked &c) {
        if (ctx.replay == nullptr) {
            rec->not_reached("replay",
                             "no replay cache was given to explain, so whether this assertion ID was "
                             "already used was not looked up");
            return;
        }
        std::optional<bool> seen;
        try {
            seen = ctx.replay->contains(replay_key(c));
        } catch (const std::exception &e) {
            // Verification would refuse with STORE_UNAVAILABLE at its insert; an explanation that only
            // reads says that it could not look, and why.
            rec->not_reached("replay", std::string("the replay cache could not answer, so whether this assertion "
                                                   "ID was already used was not looked up: ") +
                                           e.what());
            return;
        }
        if (!seen) {
            rec->not_reached("replay",
                             "this replay cache (a host's own store) cannot be read without recording, "
                             "so whether this assertion ID was already used was not looked up");
            return;
        }
        step("replay", [&] {
            if (rec != nullptr)
                note("Assertion ID not used before",
                     *seen ? "already used: " + c.out.assertion_id : c.out.assertion_id);
            if (*seen) {
                reject(Code::replayed, "Assertion ID " + shown(c.out.assertion_id) +
                                           " was already used (replay); it stays remembered until " + when(c.expires));
            }
        });
    }

    xmlNode *only_subject(xmlNode *a) {
        const xml::NamedChildren subjects(a, xml::ns_saml, "Subject");
        if (subjects.size() != 1) {
            reject(Code::subject_confirmation,
                   "the Assertion has " + std::to_string(subjects.size()) + " Subject elements; expected one");
        }
        return subjects.front();
    }

    // The first bearer SubjectConfirmation that passes confirms the subject; when none does, the first
    // failure is the one reported.
    Bearer check_subject_confirmations(xmlNode *subject, Checked &c) {
        std::optional<Rejection> first_failure;
        for (xmlNode *sc : xml::NamedChildren(subject, xml::ns_saml, "SubjectConfirmation")) {
            if (attr(sc, "Method").value_or("") != cm_bearer) continue;
            try {
                Bearer b = check_bearer(sc);
                c.expires = std::min(c.expires, b.not_on_or_after + skew);
                return b;
            } catch (const Rejection &r) {
                if (!first_failure) first_failure = r;
            }
        }
        if (first_failure) throw *first_failure;
        reject(Code::subject_confirmation, "the Subject has no SubjectConfirmation with Method " + shown(cm_bearer));
    }

    // InResponseTo: SP-initiated (one of our pending requests) or unsolicited (only when allowed).
    void check_in_response_to(xmlNode *root, const Bearer &bearer, Checked &c) {
        auto resp_irt = attr(root, "InResponseTo");
        if (rec != nullptr) note_in_response_to(resp_irt, bearer);
        if (resp_irt && bearer.in_response_to && *resp_irt != *bearer.in_response_to) {
            reject(Code::in_response_to_unknown, "Response InResponseTo " + shown(*resp_irt) +
                                                     " differs from SubjectConfirmationData InResponseTo " +
                                                     shown(*bearer.in_response_to));
        }
        // An unsigned Response's InResponseTo is the attacker's to write: it may refuse (above) but it
        // never makes an unsolicited assertion look solicited. Only signed values decide.
        if (response_signed && resp_irt) {
            c.request_id = std::string(*resp_irt);
        } else if (bearer.in_response_to) {
            c.request_id = std::string(*bearer.in_response_to);
        }
        if (c.request_id) {
            const auto &p = ctx.pending_request_ids;
            if (std::find(p.begin(), p.end(), *c.request_id) == p.end()) {
                reject(Code::in_response_to_unknown,
                       "InResponseTo " + shown(*c.request_id) + " is not one of the " + std::to_string(p.size()) +
                           " AuthnRequest IDs this browser is waiting for (expired session, another browser, or a "
                           "replayed response)");
            }
            c.out.in_response_to = *c.request_id;
        } else if (!conn.settings().allow_idp_initiated) {
            reject(Code::unsolicited_not_allowed,
                   "the Response answers no AuthnRequest (no InResponseTo): an "
                   "IdP-initiated login, which this connection refuses; enable "
                   "allow_idp_initiated to accept logins started from the IdP dashboard");
        }
    }

    void note_in_response_to(std::optional<std::string_view> resp_irt, const Bearer &bearer) {
        std::string expected;
        for (const auto &id : ctx.pending_request_ids) expected += (expected.empty() ? "" : ", ") + id;
        expected = expected.empty() ? std::string("none pending: only an IdP-initiated login, which this connection ") +
                                          (conn.settings().allow_idp_initiated ? "allows" : "refuses")
                                    : "one of " + expected;
        std::string got = resp_irt ? "Response " + plain(*resp_irt) : std::string();
        if (bearer.in_response_to) {
            got += (got.empty() ? "" : ", ") + std::string("SubjectConfirmationData ") + plain(*bearer.in_response_to);
        }
        if (rec != nullptr) note(expected, got.empty() ? std::string("(none: IdP-initiated)") : got);
    }

    // Exactly one Conditions: its validity window, the kinds of condition it holds, its audiences.
    void check_conditions(xmlNode *a, Checked &c) {
        xmlNode *cond = nullptr;
        std::optional<std::int64_t> not_before, not_on_or_after;
        step("conditions", [&] {
            const xml::NamedChildren conditions(a, xml::ns_saml, "Conditions");
            if (rec != nullptr) note("one Conditions", std::to_string(conditions.size()));
            if (conditions.size() > 1) reject(Code::assertion_malformed, "the Assertion has more than one Conditions");
            if (conditions.empty()) {
                reject(Code::audience_mismatch,
                       "the Assertion has no Conditions/AudienceRestriction; expected one naming " +
                           shown(conn.sp_entity_id()));
            }
            cond = conditions.front();
            not_on_or_after =
                optional_time(attr(cond, "NotOnOrAfter"), "NotOnOrAfter", Code::assertion_malformed, "Conditions");
            not_before = optional_time(attr(cond, "NotBefore"), "NotBefore", Code::assertion_malformed, "Conditions");
        });
        soft_step("conditions_time", [&] {
            check_window(not_before, not_on_or_after, "the Assertion (Conditions)", Code::not_yet_valid, Code::expired);
        });
        if (not_on_or_after) c.expires = std::min(c.expires, *not_on_or_after + skew);
        soft_step("condition_kinds", [&] { check_condition_kinds(cond); });
        soft_step("audience", [&] { check_audiences(cond); });
    }

    // Every AudienceRestriction must name this SP (SAML core 2.5.1.4: each one must be satisfied).
    void check_audiences(xmlNode *conditions) {
        const xml::NamedChildren restrictions(conditions, xml::ns_saml, "AudienceRestriction");
        if (restrictions.empty()) {
            reject(Code::audience_mismatch,
                   "the Assertion has no AudienceRestriction; expected one naming " + shown(conn.sp_entity_id()));
        }
        for (xmlNode *r : restrictions) {
            std::string got;
            bool found = false;
            for (xmlNode *aud : xml::NamedChildren(r, xml::ns_saml, "Audience")) {
                std::string v = xml::trimmed_text(aud);
                found |= v == conn.sp_entity_id();
                got += (got.empty() ? "" : ", ") + shown(v);
            }
            if (rec != nullptr) note(conn.sp_entity_id(), got);
            if (!found) {
                reject(Code::audience_mismatch, "Audience is " + (got.empty() ? std::string("empty") : got) +
                                                    " but this connection's SP entity ID is " +
                                                    shown(conn.sp_entity_id()));
            }
        }
    }

    // At least one AuthnStatement; the first gives AuthnInstant, SessionIndex and SessionNotOnOrAfter.
    // SessionNotOnOrAfter ends the IdP session the login rests on: one already over (in any statement)
    // cannot start one here.
    void check_authn_statements(xmlNode *a, VerifiedLogin &out) {
        const xml::NamedChildren authn(a, xml::ns_saml, "AuthnStatement");
        if (authn.empty()) {
            reject(Code::authn_statement_missing,
                   "the Assertion has no AuthnStatement; the SAML Web SSO profile "
                   "requires one (configure the IdP app for SAML 2.0 Web SSO)");
        }
        out.authn_instant = required_time(attr(authn.front(), "AuthnInstant"), "AuthnInstant",
                                          Code::assertion_malformed, "AuthnStatement");
        out.session_index = attr(authn.front(), "SessionIndex").value_or("");
        if (rec != nullptr) {
            note("at least one AuthnStatement; an IdP session (SessionNotOnOrAfter) not over" + skew_note(now, skew),
                 std::to_string(authn.size()) + " AuthnStatement, AuthnInstant " + when(out.authn_instant) +
                     ", SessionNotOnOrAfter " + plain(attr(authn.front(), "SessionNotOnOrAfter").value_or("(none)")));
        }
        for (xmlNode *statement : authn) {
            const auto session_end = optional_time(attr(statement, "SessionNotOnOrAfter"), "SessionNotOnOrAfter",
                                                   Code::assertion_malformed, "AuthnStatement");
            check_window(std::nullopt, session_end,
                         "the IdP session this login rests on (AuthnStatement SessionNotOnOrAfter)",
                         Code::session_expired, Code::session_expired);
            if (statement == authn.front()) out.session_not_on_or_after = session_end;
        }
    }

    // An EncryptedID or EncryptedAttribute of the signed Assertion, opened with the same keys and
    // allow-list as an EncryptedAssertion, its plain text parsed with the same limits; its root must be
    // saml:`expected`. The Assertion's verified signature covers the cipher text, so the plain text is
    // what the IdP signed.
    xmlNode *decrypt_inner(xmlNode *encrypted, const char *expected) {
        const std::string name = std::string("saml:") + reinterpret_cast<const char *>(encrypted->name);
        const crypto::DecryptionKeys sp_keys = decryption_keys("a " + name + " in its Assertion");
        crypto::DecryptPolicy policy;
        policy.allow_rsa_1_5 = conn.settings().allow_rsa_1_5;
        policy.max_bytes = ctx.max_bytes;
        const crypto::Decrypted decrypted = crypto::decrypt_element(encrypted, sp_keys, policy);
        // The Assertion's signature covers the cipher text, so only a wrong key's garbage can fail
        // here; with several candidates (RSA-1_5 and AES-CBC), the first that parses as `expected`.
        const std::size_t candidates = 1 + decrypted.alternatives.size();
        for (std::size_t i = 0; i < candidates; ++i) {
            const std::string &text = i == 0 ? decrypted.plain_text : decrypted.alternatives[i - 1];
            try {
                xml::Document plain = xml::parse(text, limits_, "the decrypted " + name);
                xmlNode *root = plain.root();
                if (!xml::is_element(root, xml::ns_saml, expected)) {
                    reject(Code::assertion_malformed, "the decrypted " + name + " holds " + xml::qualified_name(root) +
                                                          "; expected a saml:" + expected);
                }
                inner_.push_back(std::move(plain));
                return root;
            } catch (const Error &) {
                if (candidates == 1) throw;
            }
        }
        crypto::fail_decryption(sp_keys);
    }

    // Every Attribute (and decrypted EncryptedAttribute) of every AttributeStatement of the signed
    // Assertion, values as text.
    void read_attributes(xmlNode *a, VerifiedLogin &out) {
        for (xmlNode *st : xml::NamedChildren(a, xml::ns_saml, "AttributeStatement")) {
            for (xmlNode *c : xml::all_child_elements(st)) {
                if (xml::is_element(c, xml::ns_saml, "Attribute")) {
                    attribute_nodes_.push_back(c);
                } else if (xml::is_element(c, xml::ns_saml, "EncryptedAttribute")) {
                    attribute_nodes_.push_back(decrypt_inner(c, "Attribute"));
                }
            }
        }
        out.attributes.reserve(attribute_nodes_.size());
        for (xmlNode *at : attribute_nodes_) {
            Attribute &added = out.attributes.emplace_back();
            added.name = attr(at, "Name").value_or("");
            if (added.name.empty()) reject(Code::assertion_malformed, "an Attribute has no Name");
            added.name_format = attr(at, "NameFormat").value_or("");
            added.friendly_name = attr(at, "FriendlyName").value_or("");
            for (xmlNode *v : xml::NamedChildren(at, xml::ns_saml, "AttributeValue")) {
                added.values.push_back(xml::text(v));
            }
        }
    }

    // The only step that changes state, run after every check passed: the assertion ID goes into the
    // replay cache until it could no longer be accepted anyway, then the answered AuthnRequest is
    // taken from the pending-request store, so two logins cannot answer one request.
    void commit(const Checked &c) {
        const std::string key = replay_key(c);
        bool first_use = false;
        try {
            first_use = ctx.replay->insert_if_absent(conn.id(), key, c.expires);
        } catch (const std::exception &e) {
            reject(Code::store_unavailable,
                   std::string("the replay cache could not answer, so the login is refused: ") + e.what());
        }
        if (!first_use) {
            reject(Code::replayed, "Assertion ID " + shown(c.out.assertion_id) +
                                       " was already used (replay); it stays "
                                       "remembered until " +
                                       when(c.expires));
        }
        if (!c.request_id || ctx.pending == nullptr) return;
        bool consumed = false;
        try {
            consumed = ctx.pending->take_by_request_id(conn.id(), *c.request_id, now).has_value();
        } catch (const std::exception &e) {
            reject(Code::store_unavailable, std::string("the pending-request store could not answer: ") + e.what());
        }
        if (!consumed) {
            reject(Code::in_response_to_unknown, "AuthnRequest " + shown(*c.request_id) +
                                                     " was already answered by "
                                                     "another login or has expired");
        }
    }

    // One bearer SubjectConfirmation: its Recipient, its window, its InResponseTo.
    Bearer check_bearer(xmlNode *sc) {
        const xml::NamedChildren datas(sc, xml::ns_saml, "SubjectConfirmationData");
        if (datas.size() != 1) {
            reject(Code::subject_confirmation, "the bearer SubjectConfirmation has " + std::to_string(datas.size()) +
                                                   " SubjectConfirmationData elements; expected one");
        }
        xmlNode *d = datas.front();
        auto recipient = attr(d, "Recipient");
        if (rec != nullptr) {
            auto until = attr(d, "NotOnOrAfter");
            if (rec != nullptr)
                note("Recipient " + acs() + ", NotOnOrAfter later than now" + skew_note(now, skew),
                     "Recipient " + plain(recipient.value_or("(none)")) + ", NotOnOrAfter " +
                         plain(until.value_or("(none)")));
            if (recipient && *recipient != acs()) url_hint(*recipient, "Recipient");
        }
        if (!recipient || *recipient != acs()) {
            reject(Code::recipient_mismatch, "SubjectConfirmationData Recipient is " +
                                                 shown(recipient.value_or("(none)")) +
                                                 " but this connection's ACS URL is " + shown(acs()));
        }
        const std::int64_t until = required_time(attr(d, "NotOnOrAfter"), "NotOnOrAfter", Code::subject_confirmation,
                                                 "the bearer SubjectConfirmationData");
        check_window(
            optional_time(attr(d, "NotBefore"), "NotBefore", Code::subject_confirmation, "SubjectConfirmationData"),
            until, "the bearer SubjectConfirmationData", Code::subject_expired, Code::subject_expired);
        return {until, attr(d, "InResponseTo")};
    }

    // SAML core 2.5.1: a Conditions element holds AudienceRestriction, OneTimeUse (at most one) and
    // ProxyRestriction (at most one). Any other condition, a generic saml:Condition with an xsi:type
    // included, is one ssogate cannot evaluate, which makes the assertion Indeterminate (2.5.1.1): refused.
    // OneTimeUse asks that the assertion be used once, which the replay cache does for every assertion;
    // ProxyRestriction limits what the SP may issue on its own, which ssogate never does.
    void check_condition_kinds(xmlNode *conditions) {
        int one_time_use = 0, proxy_restriction = 0;
        for (xmlNode *c = conditions->children; c != nullptr; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || xml::is_element(c, xml::ns_saml, "AudienceRestriction")) continue;
            int *count = xml::is_element(c, xml::ns_saml, "OneTimeUse")         ? &one_time_use
                         : xml::is_element(c, xml::ns_saml, "ProxyRestriction") ? &proxy_restriction
                                                                                : nullptr;
            if (count == nullptr) {
                reject(Code::condition_unknown, "the Assertion's Conditions hold " + xml::qualified_name(c) +
                                                    ", a condition ssogate cannot evaluate; SAML makes such an "
                                                    "assertion Indeterminate, so it is refused");
            }
            if (++*count > 1) {
                reject(Code::assertion_malformed,
                       "the Assertion's Conditions hold more than one " + xml::qualified_name(c));
            }
        }
    }

    void check_domain(const std::string &email) {
        const auto &allowed = conn.settings().allowed_email_domains;
        if (rec != nullptr) {
            std::string list;
            for (const auto &d : allowed) list += (list.empty() ? "" : ", ") + d;
            if (rec != nullptr)
                note(allowed.empty() ? std::string("any domain (no allowed_email_domains)") : list,
                     util::email_domain(email));
        }
        if (allowed.empty()) return;
        const std::string domain = util::email_domain(email);
        if (util::domain_in(domain, allowed)) return;
        std::string list;
        for (const auto &d : allowed) list += (list.empty() ? "" : ", ") + d;
        reject(Code::email_domain_not_allowed, "the address's domain " + shown(domain) +
                                                   " is not among this connection's allowed domains (" + list + ")");
    }

    // Who the login is for: the NameID as sent, and the email from the connection's email attribute
    // when it names one, else from the NameID.
    void check_identity(xmlNode *subject, VerifiedLogin &out) {
        read_nameid(subject, out);
        if (conn.settings().email_attribute.empty()) {
            if (rec != nullptr)
                note(std::string("NameID Format ") + nameid_email + " (or unspecified holding an address)",
                     "NameID Format " + (out.nameid_format.empty() ? std::string("(none)") : out.nameid_format) +
                         ", value " + shown(out.nameid));
            if (rec != nullptr && out.nameid_format != nameid_email &&
                !((out.nameid_format.empty() || out.nameid_format == nameid_unspecified) &&
                  util::is_valid_email(out.nameid))) {
                rec->hint("nameid_format_not_email",
                          "The IdP sends the NameID in format " +
                              shown(out.nameid_format.empty() ? "(none)" : out.nameid_format) + " (value " +
                              shown(out.nameid) +
                              ") but this connection needs the user's email address. In Okta: the app's SAML "
                              "Settings > Name ID format: \"EmailAddress\", and Application username: \"Email\". "
                              "In Entra: Attributes & Claims > Unique User Identifier: user.mail, format Email "
                              "address. Or set the connection's email_attribute to an attribute that holds it.");
            }
            email_from_nameid(out);
        } else {
            if (rec != nullptr)
                note("attribute " + shown(conn.settings().email_attribute) + " with one email address", "");
            email_from_attribute(out);
        }
    }

    void read_nameid(xmlNode *subject, VerifiedLogin &out) {
        xmlNode *nameid = xml::first_child_element(subject, xml::ns_saml, "NameID");
        if (xmlNode *encrypted = xml::first_child_element(subject, xml::ns_saml, "EncryptedID")) {
            if (nameid != nullptr) reject(Code::nameid_invalid, "the Subject holds both a NameID and an EncryptedID");
            nameid = decrypt_inner(encrypted, "NameID");
        }
        const std::string &email_attribute = conn.settings().email_attribute;
        if (nameid != nullptr) {
            // A comment or processing instruction inside NameID is how truncation attacks split an
            // address ("user@evil.com<!---->.example.com"): refuse, never join or cut.
            if (!xml::has_only_text(nameid)) {
                reject(Code::nameid_invalid,
                       "the NameID contains markup (a comment, processing instruction or element); "
                       "only text is accepted");
            }
            out.nameid = xml::trimmed_text(nameid);
            out.nameid_format = attr(nameid, "Format").value_or("");
        } else if (email_attribute.empty()) {
            reject(Code::nameid_invalid, "the Subject has no NameID");
        }
    }

    // The email attribute must occur once, with one text-only value that is a valid address.
    void email_from_attribute(VerifiedLogin &out) {
        const std::string &email_attribute = conn.settings().email_attribute;
        const Attribute *found = nullptr;
        int count = 0;
        for (const auto &at : out.attributes) {
            if (at.name == email_attribute) {
                found = &at;
                ++count;
            }
        }
        if (count != 1 || found->values.size() != 1) {
            reject(Code::email_attribute,
                   "the connection reads the email from attribute " + shown(email_attribute) +
                       ", but the Assertion has " + std::to_string(count) + " such attributes with " +
                       std::to_string(found ? found->values.size() : 0) + " values; expected exactly one value");
        }
        // The value must be plain text as well (same truncation attack as NameID).
        for (xmlNode *at : attribute_nodes_) {
            if (attr(at, "Name").value_or("") != email_attribute) continue;
            for (xmlNode *v : xml::NamedChildren(at, xml::ns_saml, "AttributeValue")) {
                if (!xml::has_only_text(v)) {
                    reject(Code::email_attribute, "the email attribute's value contains markup; only text is accepted");
                }
            }
        }
        // XML whitespace around the value is layout, as around a NameID (trimmed_text): trimmed
        // the same way, and nothing else is removed or changed.
        const std::string value(util::trim_xml_space(found->values[0]));
        if (!util::is_valid_email(value)) {
            reject(Code::email_attribute, "attribute " + shown(email_attribute) + " holds " + shown(value) +
                                              ", which is not a valid email address");
        }
        out.email = util::lower_email_domain(value);
    }

    // Without an email attribute the NameID is the email: format emailAddress, or unspecified with a
    // value that is an address.
    void email_from_nameid(VerifiedLogin &out) {
        const std::string &format = out.nameid_format;
        if (format == nameid_email) {
            if (!util::is_valid_email(out.nameid)) {
                reject(Code::nameid_invalid, "the NameID " + shown(out.nameid) +
                                                 " (format emailAddress) is not a valid "
                                                 "email address");
            }
        } else if (format.empty() || format == nameid_unspecified) {
            if (!util::is_valid_email(out.nameid)) {
                reject(Code::nameid_format, "the NameID format is unspecified and its value " + shown(out.nameid) +
                                                " is not an email address; choose \"EmailAddress\" as Name ID format "
                                                "in the IdP's app settings (Okta: SAML Settings > Name ID format)");
            }
        } else {
            reject(Code::nameid_format, "the NameID format is " + shown(format) + "; expected " + shown(nameid_email) +
                                            ": choose \"EmailAddress\" as Name ID format in the IdP's app settings "
                                            "(Okta: SAML Settings > Name ID format), or set the connection's "
                                            "email_attribute");
        }
        out.email = util::lower_email_domain(out.nameid);
    }
};

}  // namespace

Rejection::Rejection(Code code, std::string_view message)
    : Error(code, message), user_message_(user_message_for(code)) {}

Rejection::Rejection(Code code, std::string_view message, std::string signed_identity)
    : Error(code, message), user_message_(user_message_for(code)), signed_identity_(std::move(signed_identity)) {}

Rejection Rejection::with_signed_identity(std::string identity) const {
    Rejection r = *this;
    r.signed_identity_ = std::move(identity);
    return r;
}

std::string signed_identity_of(const VerifiedLogin &login) { return util::normalize_email(login.email); }

std::string user_message_for(Code code) {
    const std::string tag = std::string(" (error ") + code_name(code) + ")";
    switch (code) {
    case Code::status_not_success:
        return "The identity provider did not complete the sign-in. Try again, or ask your administrator" + tag + ".";
    case Code::replayed:
    case Code::in_response_to_unknown:
    case Code::issue_instant:
    case Code::expired:
    case Code::subject_expired:
    case Code::not_yet_valid:
    case Code::request_unknown:
    case Code::request_expired:
    case Code::request_connection_mismatch:
    case Code::relay_state_invalid:
        return "This sign-in has expired or was already used. Start the sign-in again from the beginning" + tag + ".";
    case Code::email_domain_not_allowed:
        return "Your email address's domain is not allowed to sign in here. Ask your administrator" + tag + ".";
    case Code::store_unavailable: return "Sign-in is temporarily unavailable. Try again in a moment" + tag + ".";
    default: return "Sign-in failed. Ask your administrator to check the SSO configuration" + tag + ".";
    }
}

namespace {

void require_replay(const VerifyContext &context) {
    if (context.replay == nullptr) {
        fail(Code::invalid_argument,
             "VerifyContext.replay is required: verification without a replay cache would "
             "accept a replayed SAMLResponse");
    }
}

Verifier make_verifier(const Connection &connection, const crypto::KeySet &keys, const VerifyContext &context) {
    if (!connection.idp()) fail(Code::invalid_argument, "the connection has no IdP metadata");
    return Verifier{connection,
                    keys,
                    context,
                    context.now.value_or(util::now_seconds()),
                    connection.settings().clock_skew_seconds,
                    false,
                    {},
                    std::nullopt,
                    {},
                    {},
                    {},
                    nullptr};
}

// The size cap on the decoded XML, then every check.
VerifiedLogin check_xml(Verifier &v, std::string_view xml) {
    try {
        v.step("input_size", [&] {
            if (v.rec != nullptr) {
                v.note("at most " + std::to_string(v.ctx.max_bytes) + " bytes of XML",
                       std::to_string(xml.size()) + " bytes");
            }
            if (xml.size() > v.ctx.max_bytes) {
                reject(Code::input_too_large, "the SAML Response is " + std::to_string(xml.size()) +
                                                  " bytes; the cap is " + std::to_string(v.ctx.max_bytes));
            }
        });
        return v.run(xml);
    } catch (const Rejection &) {
        throw;
    } catch (const Error &e) {
        // XML, base64 and store errors met on the way are refusals of this login too.
        throw Rejection(e.code(), e.what());
    }
}

// The form value's size caps, then base64: a cap before decoding. The raw length first (line breaks
// allowed, generously): what is said is what was measured.
void check_form_size(std::string_view saml_response_b64, std::size_t max_bytes) {
    const std::size_t raw_cap = max_form_value_bytes(max_bytes);
    if (saml_response_b64.size() > raw_cap) {
        reject(Code::input_too_large, "the SAMLResponse value is " + std::to_string(saml_response_b64.size()) +
                                          " characters long; for the cap of " + std::to_string(max_bytes) +
                                          " decoded bytes at most " + std::to_string(raw_cap) +
                                          " characters (line breaks included) are read");
    }
    // Then what it decodes to (base64 is 4/3 of the bytes). Counting is only needed when the raw
    // length alone could exceed the cap (it never does for a normal post), which keeps a pass over
    // every byte off the hot path.
    if (saml_response_b64.size() / 4 * 3 > max_bytes) {
        std::size_t significant = 0;
        for (char c : saml_response_b64) significant += !(c == ' ' || c == '\t' || c == '\r' || c == '\n');
        if (significant / 4 * 3 > max_bytes + 3) {
            reject(Code::input_too_large, "the SAMLResponse value holds " + std::to_string(significant) +
                                              " base64 characters, which decode to about " +
                                              std::to_string(significant / 4 * 3) + " bytes; the cap is " +
                                              std::to_string(max_bytes) + " decoded bytes");
        }
    }
}

VerifiedLogin check_form_value(Verifier &v, std::string_view saml_response_b64) {
    std::string decoded;
    try {
        v.step("form_size", [&] {
            if (v.rec != nullptr) {
                v.note("at most " + std::to_string(max_form_value_bytes(v.ctx.max_bytes)) +
                           " characters, decoding to at most " + std::to_string(v.ctx.max_bytes) + " bytes",
                       std::to_string(saml_response_b64.size()) + " characters");
            }
            check_form_size(saml_response_b64, v.ctx.max_bytes);
        });
        v.step("base64", [&] {
            try {
                decoded = util::base64_decode(saml_response_b64);
            } catch (const Rejection &) {
                throw;
            } catch (const Error &e) {
                throw Rejection(e.code(), std::string("the SAMLResponse form value is not valid base64: ") + e.what());
            }
        });
    } catch (const Rejection &) {
        throw;
    } catch (const Error &e) {
        throw Rejection(e.code(), e.what());
    }
    return check_xml(v, decoded);
}

}  // namespace

VerifiedLogin verify_response_xml(const Connection &connection, const crypto::KeySet &keys, std::string_view xml,
                                  const VerifyContext &context) {
    require_replay(context);
    Verifier v = make_verifier(connection, keys, context);
    return check_xml(v, xml);
}

VerifiedLogin verify_response(const Connection &connection, const crypto::KeySet &keys,
                              std::string_view saml_response_b64, const VerifyContext &context) {
    require_replay(context);
    Verifier v = make_verifier(connection, keys, context);
    return check_form_value(v, saml_response_b64);
}

const char *check_status_name(CheckStatus s) noexcept {
    switch (s) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::fail: return "fail";
    case CheckStatus::not_reached: return "not_reached";
    }
    return "not_reached";
}

const std::vector<std::string> &check_names() {
    static const std::vector<std::string> names{"form_size",
                                                "base64",
                                                "input_size",
                                                "xml",
                                                "response",
                                                "response_issue_instant",
                                                "destination",
                                                "response_issuer",
                                                "status",
                                                "assertion",
                                                "decryption_key",
                                                "signatures",
                                                "decryption",
                                                "decrypted_signatures",
                                                "signature_coverage",
                                                "assertion_header",
                                                "assertion_issue_instant",
                                                "assertion_issuer",
                                                "subject_confirmation",
                                                "in_response_to",
                                                "conditions",
                                                "conditions_time",
                                                "condition_kinds",
                                                "audience",
                                                "authn_statement",
                                                "attributes",
                                                "identity",
                                                "email_domain",
                                                "replay"};
    return names;
}

Code Explanation::first_failure() const noexcept {
    for (const CheckResult &c : checks)
        if (c.status == CheckStatus::fail) return c.code;
    return Code::ok;
}

void add_code_hints(const Connection &connection, Explanation &out);  // explain.cpp

Explanation explain_response(const Connection &connection, std::string_view saml_response_b64,
                             const VerifyContext &context, const ExplainOptions &options) {
    if (!connection.idp()) fail(Code::invalid_argument, "the connection has no IdP metadata");
    Explanation out;
    Recorder rec{out, options};
    try {
        Verifier v = make_verifier(connection, connection.verification_keys(), context);
        v.rec = &rec;
        check_form_value(v, saml_response_b64);
    } catch (const Error &e) {
        // Every refusal is recorded by the step it came from; one from outside every step (the
        // metadata's keys could not be loaded) is recorded here, so that it is never lost.
        if (out.first_failure() == Code::ok) {
            CheckResult c;
            c.name = "verification";
            c.status = CheckStatus::fail;
            c.code = e.code();
            c.detail = e.what();
            out.checks.push_back(std::move(c));
        }
    }
    // The checks that were not run, in their order.
    const std::vector<std::string> encrypted_only{"decryption_key", "decryption", "decrypted_signatures"};
    for (const std::string &name : check_names()) {
        if (!rec.encrypted && std::find(encrypted_only.begin(), encrypted_only.end(), name) != encrypted_only.end())
            continue;
        const bool present =
            std::any_of(out.checks.begin(), out.checks.end(), [&](const CheckResult &c) { return c.name == name; });
        if (!present) rec.not_reached(name.c_str(), "");
    }
    add_code_hints(connection, out);
    return out;
}

std::size_t max_form_value_bytes(std::size_t max_bytes) noexcept { return 2 * (max_bytes / 3 * 4) + 4096; }

const crypto::KeySet &Connection::verification_keys() const {
    // A failed build (an unloadable certificate) throws out of call_once and is retried next time.
    std::call_once(keys_once_, [this] {
        if (!idp_) fail(Code::invalid_argument, "the connection has no IdP metadata");
        keys_ = crypto::KeySet::from(*idp_);
    });
    return *keys_;
}

VerifiedLogin verify_response(const Connection &connection, std::string_view saml_response_b64,
                              const VerifyContext &context) {
    return verify_response(connection, connection.verification_keys(), saml_response_b64, context);
}

}  // namespace ssogate::core
