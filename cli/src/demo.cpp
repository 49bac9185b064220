// `ssogate demo`: the whole flow an admin and their users go through, end to end, on SQLite in a
// temporary directory, with the testing IdP playing Okta. Each step prints what a person would read
// (the outcome and its reason) and checks that the outcome is the expected one, so the demo doubles as
// a smoke test: any unexpected outcome makes the command exit with status 1. It uses only the public
// C++ header, ssogate.hpp: a host can copy any step of it.
#include "demo.hpp"

#include <ssogate/ssogate.hpp>

#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using ssogate::GateOutcome;
using ssogate::GateOutcomeKind;
using ssogate::Role;

namespace {

constexpr const char *kBaseUrl = "https://dashboard.example.com";
constexpr const char *kOktaEntity = "http://www.okta.com/exk1demo0ssogate";
constexpr const char *kOktaSso = "https://acme.okta.example/app/acme_dashboard/exk1demo0ssogate/sso/saml";

const char *kind_name(GateOutcomeKind k) {
    switch (k) {
    case GateOutcomeKind::login: return "LOGIN";
    case GateOutcomeKind::prompt_join: return "PROMPT_JOIN";
    case GateOutcomeKind::joined_by_invite: return "JOINED_BY_INVITE";
    case GateOutcomeKind::denied: return "DENIED";
    }
    return "?";
}

class Demo {
public:
    Demo(std::ostream &out, ssogate::Gate gate, std::int64_t now)
        : out_(out), gate_(std::move(gate)), now_(now), okta_(kOktaEntity, ssogate::KeyType::rsa_2048, kOktaSso) {}

    int run() {
        import_and_save();
        idp_initiated();
        sp_initiated();
        jit_and_invites();
        mixed_then_enforced();
        replay();
        audit();
        out_ << "\n"
             << (failures_ == 0 ? "All steps gave the expected outcome." : "SOME STEPS FAILED") << " (" << steps_
             << " checks, " << failures_ << " unexpected)\n";
        return failures_ == 0 ? 0 : 1;
    }

private:
    void title(const std::string &text) { out_ << "\n" << ++section_ << ". " << text << "\n"; }
    void say(const std::string &text) { out_ << "   " << text << "\n"; }

    void check(bool ok, const std::string &what) {
        ++steps_;
        if (!ok) {
            ++failures_;
            out_ << "   UNEXPECTED: " << what << "\n";
        }
    }

    // Prints an outcome the way an operator reads it, then checks kind and reason.
    void expect(const GateOutcome &o, GateOutcomeKind kind, const std::string &reason) {
        out_ << "   -> " << std::left << std::setw(17) << kind_name(o.kind) << o.reason_name;
        if (!o.email.empty()) out_ << "  (" << o.email << ")";
        out_ << "\n";
        out_ << "      " << o.reason_text.substr(0, 160) << (o.reason_text.size() > 160 ? "..." : "") << "\n";
        check(o.kind == kind && o.reason_name == reason, std::string("expected ") + kind_name(kind) + " " + reason);
    }

    ssogate::Connection connection(bool idp_initiated, bool jit) {
        ssogate::ConnectionParams p;
        p.base_url = kBaseUrl;
        p.id = "okta";
        p.description = "Okta (acme.okta.example)";
        ssogate::ConnectionOptions o;
        o.allow_idp_initiated = idp_initiated;
        o.jit_provisioning = jit;
        return ssogate::Connection(*idp_, p, o);
    }

    void use_connection(bool idp_initiated, bool jit) {
        conn_.emplace(connection(idp_initiated, jit));
        gate_.add_connection("acme", *conn_);
    }

    std::string response(const std::string &email, const std::string &in_response_to = {}) {
        ssogate::TestResponseParams params;
        params.connection(*conn_).now(now_).nameid(email);
        if (!in_response_to.empty()) params.in_response_to(in_response_to);
        params.add_attribute("firstName", email.substr(0, email.find('@'))).add_attribute("email", email);
        return okta_.response(params).base64;
    }

    GateOutcome idp_login(const std::string &email) { return gate_.consume("okta", response(email)); }

    void import_and_save() {
        title("The admin downloads Okta's metadata.xml and uploads it");
        ssogate::IdpOptions import;
        import.now = now_;
        idp_.emplace(ssogate::Idp::import_metadata(okta_.metadata_xml(), {}, {}, import));
        say("IdP entityID    " + idp_->entity_id());
        for (const auto &e : idp_->sso_endpoints()) {
            const auto slash = e.binding_uri.rfind(':');
            say("Sign-on URL     " + e.binding_uri.substr(slash + 1) + "  " + e.location);
        }
        for (const auto &c : idp_->certificates()) say("Certificate     SHA-256 " + c.sha256.substr(0, 47) + "...");
        check(idp_->entity_id() == kOktaEntity, "the imported entityID");

        title("The admin presses Save: these go back into Okta's SAML settings");
        gate_.create_account("acme", "Acme Inc.", {"acme.example"});
        use_connection(false, false);
        say("Single sign on URL           " + conn_->acs_url());
        say("Audience URI (SP Entity ID)  " + conn_->sp_entity_id());
        say("Name ID format               EmailAddress");
        check(conn_->acs_url() == std::string(kBaseUrl) + "/sso/saml/okta/acs", "the ACS URL");

        gate_.add_member("acme", "olivia@acme.example", Role::owner, true);
        gate_.add_member("acme", "pat@acme.example", Role::member, true);
        say("Members with passwords: olivia@acme.example (owner), pat@acme.example");
        const auto preview = gate_.preview_enforcement("acme");
        say(std::string("Enforce SSO right away? ") + (preview.allowed ? "allowed" : "refused") + ": " +
            ssogate::reason_name(preview.reason));
        check(!preview.allowed && preview.reason == SSOGATE_REASON_LOCKOUT_GUARD,
              "the lockout guard before any SSO login");
    }

    void idp_initiated() {
        title("Olivia clicks the app's tile in her Okta dashboard (IdP-initiated)");
        say("Connection setting: log in from the Okta dashboard = off");
        expect(idp_login("olivia@acme.example"), GateOutcomeKind::denied, "UNSOLICITED_NOT_ALLOWED");
        say("The admin turns on \"log in from the Okta dashboard\" and saves; Olivia clicks again");
        use_connection(true, false);
        first_response_ = response("olivia@acme.example");
        expect(gate_.consume("okta", first_response_), GateOutcomeKind::login, "FIRST_SSO_LOGIN");
    }

    void sp_initiated() {
        title("Pat clicks \"Log in with SSO\" on the dashboard (SP-initiated)");
        const auto begun = gate_.begin_sp_login("okta", "/projects");
        const auto query = begun.redirect_url.find("SAMLRequest=");
        const std::string to = begun.redirect_url.substr(0, begun.redirect_url.find('?'));
        say("303 redirect to " + to);
        say("    ?" + begun.redirect_url.substr(query, 40) + "...&RelayState=...");
        check(to == kOktaSso && query != std::string::npos, "the redirect to Okta's sign-on URL with a SAMLRequest");
        say("Okta answers the AuthnRequest " + begun.request_id);
        const auto o = gate_.consume("okta", response("pat@acme.example", begun.request_id), begun.relay_state);
        expect(o, GateOutcomeKind::login, "FIRST_SSO_LOGIN");
        say("Back to " + o.return_to);
        check(o.return_to == "/projects", "the return-to recorded when the login began");
    }

    void jit_and_invites() {
        title("Nina, new at Acme, logs in with Just-in-Time provisioning on");
        use_connection(true, true);
        const auto prompt = idp_login("nina@acme.example");
        expect(prompt, GateOutcomeKind::prompt_join, "JIT_DOMAIN_MATCH");
        say("\"Join Acme Inc.?\" Nina clicks Join");
        gate_.confirm_join(prompt.join_token);
        const auto rows = gate_.read_audit("acme");
        const bool joined =
            !rows.empty() && rows.back().outcome == "JOIN_CONFIRMED" && rows.back().email == "nina@acme.example";
        say("Member created: nina@acme.example (member), audit row " + (rows.empty() ? "-" : rows.back().outcome));
        check(joined, "the joined member's audit row");
        expect(idp_login("nina@acme.example"), GateOutcomeKind::login, "MEMBER_LOGIN");

        title("Invite-only: Just-in-Time off; Oscar logs in without an invite");
        use_connection(true, false);
        expect(idp_login("oscar@acme.example"), GateOutcomeKind::denied, "INVITE_REQUIRED");
        say("Olivia invites oscar@acme.example; Oscar logs in again");
        (void)gate_.invite("acme", "oscar@acme.example", Role::member, std::int64_t{7} * 86400);
        expect(idp_login("oscar@acme.example"), GateOutcomeKind::joined_by_invite, "INVITE_PENDING");
    }

    void password(const std::string &email, bool allowed, int reason) {
        const auto d = gate_.decide_password_login("acme", email);
        out_ << "   password login " << std::left << std::setw(22) << email << (d.allowed ? "allowed  " : "refused  ")
             << ssogate::reason_name(d.reason);
        if (!d.connection_id.empty()) out_ << "  (use connection " << d.connection_id << ")";
        out_ << "\n";
        check(d.allowed == allowed && d.reason == reason,
              std::string("password decision for ") + email + ": " + ssogate::reason_name(reason));
    }

    void mixed_then_enforced() {
        title("Mixed mode: members who had a password keep it");
        password("pat@acme.example", true, SSOGATE_REASON_PASSWORD_ALLOWED);
        password("nina@acme.example", false, SSOGATE_REASON_NO_PASSWORD);

        title("The admin previews SSO Enforced, then switches");
        gate_.add_member("acme", "quinn@acme.example", Role::member, true);
        gate_.add_break_glass("acme", "olivia@acme.example");
        const auto preview = gate_.preview_enforcement("acme");
        std::string losing;
        for (const auto &e : preview.losing_access) losing += (losing.empty() ? "" : ", ") + e;
        say(std::string("Preview: ") + ssogate::reason_name(preview.reason) +
            "; would lose password login: " + (losing.empty() ? "nobody" : losing));
        check(preview.allowed && preview.losing_access == std::vector<std::string>{"quinn@acme.example"},
              "the enforcement preview");
        const auto change = gate_.apply_sso_mode("acme", ssogate::SsoMode::enforced, false);
        say(std::string("Switch to enforced: ") + (change.applied ? "applied" : "refused"));
        check(change.applied, "the switch to enforced");
        password("pat@acme.example", false, SSOGATE_REASON_SSO_REQUIRED);
        password("olivia@acme.example", true, SSOGATE_REASON_BREAK_GLASS);
    }

    void replay() {
        title("An attacker replays Olivia's captured SAMLResponse");
        expect(gate_.consume("okta", first_response_), GateOutcomeKind::denied, "REPLAYED");
    }

    void audit() {
        title("The audit log (every decision, refusals included)");
        const auto rows = gate_.read_audit("acme");
        for (const auto &r : rows) {
            out_ << "   " << std::setw(3) << std::right << r.seq << "  " << std::left << std::setw(18) << r.outcome
                 << std::setw(25) << r.reason << r.email << "\n";
        }
        std::size_t denied = 0;
        for (const auto &r : rows) denied += r.outcome == "DENIED" ? 1 : 0;
        check(denied == 3, "three DENIED rows (IdP-initiated off, invite required, replay)");
    }

    std::ostream &out_;
    ssogate::Gate gate_;
    std::int64_t now_;
    ssogate::TestIdp okta_;
    std::optional<ssogate::Idp> idp_;
    std::optional<ssogate::Connection> conn_;
    std::string first_response_;
    int section_ = 0, steps_ = 0, failures_ = 0;
};

}  // namespace

int run_demo(const DemoArgs &args) {
    std::string dir = args.dir;
    bool made = false;
    if (dir.empty()) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ssogate-demo-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a temporary directory");
        dir = tmpl;
        made = true;
    }
    const std::string db = (std::filesystem::path(dir) / "ssogate.db").string();
    std::cout << "ssogate demo: Acme Inc. signs in to dashboard.example.com with Okta\n"
              << "(Okta is played by ssogate's testing IdP; state in SQLite at " << db << ")\n";
    int rc = 1;
    {
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        rc = Demo(std::cout, ssogate::Gate::open("sqlite:" + db), now).run();
    }
    if (made && !args.keep) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    } else {
        std::cout << "State kept in " << dir << "\n";
    }
    return rc;
}
