#include "verify.hpp"

#include "files.hpp"
#include "text.hpp"

#include <ssogate/ssogate.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using nlohmann::json;

namespace {

json login_json(const ssogate::VerifiedLogin &v) {
    json attributes = json::array();
    for (const auto &a : v.attributes) {
        attributes.push_back({{"name", a.name},
                              {"name_format", a.name_format},
                              {"friendly_name", a.friendly_name},
                              {"values", a.values}});
    }
    return {{"email", v.email},
            {"nameid", v.nameid},
            {"nameid_format", v.nameid_format},
            {"idp_entity_id", v.idp_entity_id},
            {"connection_id", v.connection_id},
            {"assertion_id", v.assertion_id},
            {"session_index", v.session_index},
            {"authn_instant", datetime(v.authn_instant)},
            {"session_not_on_or_after",
             v.session_not_on_or_after ? json(datetime(*v.session_not_on_or_after)) : json(nullptr)},
            {"in_response_to", v.in_response_to},
            {"attributes", attributes}};
}

void print_login(const ssogate::VerifiedLogin &v) {
    const auto or_none = [](const std::string &s) { return s.empty() ? std::string("(none)") : s; };
    std::cout << "Login verified\n"
              << "  Email:           " << v.email << "\n"
              << "  NameID:          " << v.nameid << "\n"
              << "  NameID format:   " << or_none(v.nameid_format) << "\n"
              << "  IdP:             " << v.idp_entity_id << "\n"
              << "  Connection:      " << v.connection_id << "\n"
              << "  Assertion ID:    " << v.assertion_id << "\n"
              << "  Session index:   " << or_none(v.session_index) << "\n"
              << "  Authn instant:   " << datetime(v.authn_instant) << "\n"
              << "  Session ends:    "
              << (v.session_not_on_or_after ? datetime(*v.session_not_on_or_after) : "(not set)") << "\n"
              << "  In response to:  " << (v.in_response_to.empty() ? "(unsolicited)" : v.in_response_to) << "\n"
              << "  Attributes:";
    if (v.attributes.empty()) {
        std::cout << " none\n";
        return;
    }
    std::cout << "\n";
    for (const auto &a : v.attributes) {
        std::cout << "    " << a.name << (a.friendly_name.empty() ? "" : " (" + a.friendly_name + ")") << ":";
        for (const auto &value : a.values) std::cout << " " << value;
        std::cout << "\n";
    }
}

// Loads the SP encryption keys given as --decryption-key/--decryption-cert pairs. A key under 2048
// bits loads only for a connection made with --allow-legacy-sp-key (SpKey::legacy: such a key can
// decrypt but never signs); otherwise SpKey refuses it. A refused pair is named by its files.
std::vector<ssogate::SpKey> load_decryption_keys(const VerifyArgs &args, const ssogate::Connection &conn) {
    std::vector<ssogate::SpKey> keys;
    keys.reserve(args.decryption_keys.size());
    for (std::size_t i = 0; i < args.decryption_keys.size(); ++i) {
        const std::string &key_file = args.decryption_keys[i];
        const std::string &cert_file = args.decryption_certs[i];
        const std::string key_pem = read_input(key_file, pem_file_cap, "the decryption key file");
        const std::string cert_pem = read_input(cert_file, pem_file_cap, "the decryption certificate file");
        try {
            keys.push_back(conn.allow_legacy_sp_key() ? ssogate::SpKey::legacy(key_pem, cert_pem)
                                                      : ssogate::SpKey(key_pem, cert_pem));
        } catch (const ssogate::Error &e) {
            std::string message = "--decryption-key " + key_file;
            message.append(" with --decryption-cert ").append(cert_file).append(": ").append(e.message());
            throw ssogate::Error(e.code(), std::move(message), e.user_message());
        }
    }
    return keys;
}

// What people paste instead of the form value: the decoded XML (from a browser's SAML tracer), or the
// value still URL-encoded (copied from the raw request body). Either would fail as bad base64; say
// what it is and what to pass instead.
void refuse_misencoded(std::string_view posted, const std::string &file) {
    const auto first = posted.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    const std::string_view text = posted.substr(first);
    const std::string name = file == "-" ? std::string("stdin") : file;
    if (text.front() == '<' || text.rfind("\xef\xbb\xbf<", 0) == 0) {
        throw ssogate::Error(SSOGATE_ENCODING_INVALID,
                             "RESPONSE " + name +
                                 " holds XML (a decoded SAML Response); verify takes the SAMLResponse form value "
                                 "as the browser posts it, base64: encode it first (base64 -w0 " +
                                 (file == "-" ? std::string("response.xml") : file) + " > response.b64)",
                             "The sign-in response could not be read.");
    }
    std::string lower;
    for (const char c : text.substr(0, 65536)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool form_body = lower.rfind("samlresponse=", 0) == 0;
    const bool percent = lower.find("%2b") != std::string::npos || lower.find("%2f") != std::string::npos ||
                         lower.find("%3d") != std::string::npos;
    if (form_body || percent) {
        const std::string decode =
            form_body ? "python3 -c 'import sys, urllib.parse; "
                        "print(urllib.parse.parse_qs(sys.stdin.read())[\"SAMLResponse\"][0])'"
                      : "python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.stdin.read().strip()))'";
        throw ssogate::Error(
            SSOGATE_ENCODING_INVALID,
            "RESPONSE " + name + " is URL-encoded (" +
                (form_body ? std::string("a form body, SAMLResponse=...") : std::string("%2B, %2F or %3D")) +
                "); verify takes the SAMLResponse value after URL-decoding, the base64 text alone: "
                "decode it first, e.g. " +
                decode + " < " + (file == "-" ? std::string("body.txt") : file) + " > response.b64",
            "The sign-in response could not be read.");
    }
}

const char *status_word(ssogate::CheckStatus s) {
    switch (s) {
    case ssogate::CheckStatus::pass: return "PASS";
    case ssogate::CheckStatus::fail: return "FAIL";
    case ssogate::CheckStatus::not_reached: return "NOT REACHED";
    }
    return "?";
}

json explanation_json(const ssogate::Explanation &x) {
    json checks = json::array();
    for (const auto &c : x.checks) {
        checks.push_back({{"name", c.name},
                          {"status", ssogate_check_status_name(static_cast<int>(c.status))},
                          {"code", c.status == ssogate::CheckStatus::fail ? json(ssogate_code_name(c.code)) : json()},
                          {"expected", c.expected},
                          {"got", c.got},
                          {"detail", c.detail}});
    }
    json hints = json::array();
    for (const auto &h : x.hints) hints.push_back({{"name", h.name}, {"text", h.text}});
    return {{"result", ssogate_code_name(x.first_failure)},
            {"accepted", x.first_failure == SSOGATE_OK},
            {"checks", checks},
            {"hints", hints}};
}

void print_explanation(const ssogate::Explanation &x, const ssogate::Connection &conn) {
    std::cout << "Explaining the response for connection " << conn.id() << "\n"
              << "  ACS URL:       " << conn.acs_url() << "\n"
              << "  SP entity ID:  " << conn.sp_entity_id() << "\n"
              << "  IdP:           " << conn.idp().entity_id() << "\n\n";
    for (const auto &c : x.checks) {
        std::string line = std::string("  ") + status_word(c.status);
        line.resize(16, ' ');
        line += c.name;
        if (c.status == ssogate::CheckStatus::fail) {
            line.resize(std::max<std::size_t>(line.size() + 1, 42), ' ');
            line += ssogate_code_name(c.code);
        }
        std::cout << line << "\n";
        if (c.status == ssogate::CheckStatus::not_reached && c.expected.empty()) {
            if (!c.detail.empty()) std::cout << "                " << c.detail << "\n";
            continue;
        }
        if (!c.expected.empty() || !c.got.empty()) {
            std::cout << "                expected: " << c.expected << "\n"
                      << "                got:      " << c.got << "\n";
        }
        if (c.status == ssogate::CheckStatus::fail) std::cout << "                " << c.detail << "\n";
    }
    std::cout << "\n";
    if (x.first_failure == SSOGATE_OK) {
        std::cout << "Verification accepts this response.\n";
    } else {
        std::cout << "Verification refuses this response with " << ssogate_code_name(x.first_failure) << ".\n";
    }
    if (!x.hints.empty()) {
        std::cout << "\nLikely causes:\n";
        for (const auto &h : x.hints) std::cout << "  - " << h.text << " [" << h.name << "]\n";
    }
}

// `verify --explain`: the explanation of the posted value; no replay cache (this command cannot
// know a server's), so the replay check is not reached.
int run_explain(const VerifyArgs &args, const std::string &posted, const ssogate::Connection &conn,
                const ssogate::VerifyOptions &options, const ssogate::IdpOptions &import) {
    std::optional<ssogate::Idp> other;
    if (!args.compare_metadata.empty()) {
        other = ssogate::Idp::import_metadata(
            read_input(args.compare_metadata, metadata_file_cap, "the --compare-metadata file"), {}, {}, import);
    }
    const ssogate::Explanation x = ssogate::explain_response(
        conn, posted, args.request_ids, nullptr, other ? ssogate::IdpView(other->get()) : ssogate::IdpView{}, options);
    if (args.json) {
        std::cout << json{{"explanation", explanation_json(x)}}.dump(2, ' ', false, json::error_handler_t::replace)
                  << "\n";
    } else {
        print_explanation(x, conn);
    }
    return x.first_failure == SSOGATE_OK ? 0 : 3;
}

}  // namespace

CLI::App *add_verify_command(CLI::App &app, VerifyArgs &args) {
    auto *cmd = app.add_subcommand("verify",
                                   "Verify a SAMLResponse for a connection and print the login or the "
                                   "refusal (exit 3)");
    cmd->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")->required();
    // Not CLI::ExistingFile: "-" reads stdin.
    cmd->add_option("RESPONSE", args.response,
                    "A file holding the SAMLResponse form value as posted (base64; not the decoded XML, not "
                    "URL-encoded), or - for stdin")
        ->required();
    cmd->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    cmd->add_option("--request-id", args.request_ids,
                    "An AuthnRequest ID this browser waits for (repeatable; none: an IdP-initiated login)");
    cmd->add_option("--decryption-key", args.decryption_keys,
                    "The PEM private key of an SP encryption key, for encrypted assertions (repeatable, paired in "
                    "order with --decryption-cert). It is read for this run only: a connection JSON never holds a "
                    "private key, so a server loads it from its own secret store")
        ->allow_extra_args(false)  // one file per occurrence (repeat the option), so no positional is taken
        ;
    cmd->add_option("--decryption-cert", args.decryption_certs,
                    "The PEM certificate of the --decryption-key in the same position; only keys whose certificate "
                    "the connection lists ('idp import --sp-encryption-cert') are tried")
        ->allow_extra_args(false)  // one file per occurrence (repeat the option), so no positional is taken
        ;
    auto *explain =
        cmd->add_flag("--explain", args.explain,
                      "Run every check and print each one (pass, fail, not reached) with the values it compared, and "
                      "the likely causes in plain words; nothing is recorded. Exit 0 when verification accepts, 3 "
                      "when it refuses");
    cmd->add_option("--compare-metadata", args.compare_metadata,
                    "With --explain: a second metadata of the IdP (say, just fetched from its metadata URL), to say "
                    "whether it has the key the response was signed with; never trusted")
        ->check(CLI::ExistingFile)
        ->needs(explain);
    cmd->add_flag("--json", args.json, "Print one JSON object instead of text");
    return cmd;
}

int run_verify(const VerifyArgs &args) {
    if (args.decryption_keys.size() != args.decryption_certs.size()) {
        std::cerr << "error: --decryption-key and --decryption-cert go in pairs: got " << args.decryption_keys.size()
                  << " key(s) and " << args.decryption_certs.size() << " certificate(s)\n";
        return 2;
    }
    try {
        const std::string posted = read_input(args.response, response_file_cap, "RESPONSE");
        refuse_misencoded(posted, args.response);
        ssogate::IdpOptions import;
        import.now = args.now.value_or(0);
        const auto conn = ssogate::Connection::from_json(
            read_input(args.connection, connection_file_cap, "the connection file"), import);
        // A fresh cache per run: the command checks one Response, so a replay across runs is not
        // detected (a server keeps its cache). It shares the frozen clock, or --now far from the
        // real time would make entries expire (or never) on the wrong clock.
        ssogate::ReplayCacheOptions replay_options;
        replay_options.now = args.now.value_or(0);
        const auto replay = ssogate::ReplayCache::memory(replay_options);
        // Kept alive until verification returns: the options borrow them.
        const std::vector<ssogate::SpKey> keys = load_decryption_keys(args, conn);
        ssogate::VerifyOptions options;
        options.now = args.now.value_or(0);
        for (const auto &key : keys) options.decryption_keys.push_back(key.get());
        if (args.explain) return run_explain(args, posted, conn, options, import);
        const ssogate::VerifiedLogin login = ssogate::verify_response(conn, posted, args.request_ids, replay, options);
        if (args.json) {
            std::cout << json{{"login", login_json(login)}}.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
        } else {
            print_login(login);
        }
        return 0;
    } catch (const ssogate::Error &e) {
        // Refusals of the connection file too, so --json always prints one object.
        if (args.json) {
            print_error_json(e.code(), e.code_name(), e.message(), 3, e.user_message());
        } else {
            std::cerr << "error: " << e.code_name() << ": " << e.message() << "\n"
                      << "end-user message: " << e.user_message() << "\n";
        }
        return 3;
    }
}
