// `ssogate demo`: the whole SSO flow (import, URLs, logins, JiT, invites, SSO modes), end to end,
// on SQLite in a temporary directory, with the testing IdP playing Okta. Each step prints what a
// person would read (the outcome and its reason) and checks that the outcome is the expected one, so
// the demo doubles as a smoke test: any unexpected outcome makes the command exit with status 1.
#include "demo.hpp"

#include "connection/connection.hpp"
#include "error.hpp"
#include "gate/gate.hpp"
#include "login/login.hpp"
#include "metadata/idp.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"
#include "util/time.hpp"

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace core = ssogate::core;
using core::gate::Gate;
using core::gate::Outcome;
using core::gate::OutcomeKind;

namespace {

constexpr const char *kBaseUrl = "https://dashboard.example.com";
constexpr const char *kOktaEntity = "http://www.okta.com/exk1demo0ssogate";
constexpr const char *kOktaSso = "https://acme.okta.example/app/acme_dashboard/exk1demo0ssogate/sso/saml";

// Percent-decoding of one query value (the Redirect binding's SAMLRequest).
std::string url_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(in[i] == '+' ? ' ' : in[i]);
        }
    }
    return out;
}

// What the IdP does with the browser's redirect: inflate the AuthnRequest and read its ID, the
// value its Response must name in InResponseTo.
std::string authn_request_id(const std::string &redirect_url) {
    const auto start = redirect_url.find("SAMLRequest=");
    if (start == std::string::npos) throw std::runtime_error("the redirect URL has no SAMLRequest");
    const auto value_start = start + std::string_view("SAMLRequest=").size();
    const auto end = redirect_url.find('&', value_start);
    const std::string value = redirect_url.substr(value_start, end == std::string::npos ? std::string::npos
                                                                                          : end - value_start);
    const std::string xml = core::raw_inflate(core::util::base64_decode(url_decode(value)), 1u << 20);
    const auto id = xml.find(" ID=\"");
    if (id == std::string::npos) throw std::runtime_error("the AuthnRequest has no ID attribute");
    const auto id_end = xml.find('"', id + 5);
    return xml.substr(id + 5, id_end - id - 5);
}

class Demo {
public:
    Demo(std::ostream &out, std::shared_ptr<Gate> gate, std::int64_t now)
        : out_(out), gate_(std::move(gate)), now_(now), okta_(kOktaEntity) {}

    int run() {
        import_and_save();
        idp_initiated();
        sp_initiated();
        jit_and_invites();
        mixed_then_enforced();
        replay();
        audit();
        out_ << "\n" << (failures_ == 0 ? "All steps gave the expected outcome." : "SOME STEPS FAILED") << " ("
             << steps_ << " checks, " << failures_ << " unexpected)\n";
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
    void expect(const Outcome &o, OutcomeKind kind, const std::string &reason) {
        out_ << "   -> " << std::left << std::setw(17) << core::gate::to_string(o.kind) << o.reason;
        if (!o.email.empty()) out_ << "  (" << o.email << ")";
        out_ << "\n";
        out_ << "      " << o.reason_text.substr(0, 160) << (o.reason_text.size() > 160 ? "..." : "") << "\n";
        check(o.kind == kind && o.reason == reason,
              std::string("expected ") + core::gate::to_string(kind) + " " + reason);
    }

    std::shared_ptr<const core::Connection> connection(bool idp_initiated, bool jit) {
        core::ConnectionParams p;
        p.base_url = kBaseUrl;
        p.id = "okta";
        p.description = "Okta (acme.okta.example)";
        p.settings.allow_idp_initiated = idp_initiated;
        p.settings.jit_provisioning = jit;
        return core::make_connection(idp_, p);
    }

    std::string response(const std::string &email, const std::string &in_response_to = {}) {
        core::testing::ResponseOptions o;
        o.now = now_;
        o.acs_url = conn_->acs_url();
        o.sp_entity_id = conn_->sp_entity_id();
        o.nameid = email;
        o.in_response_to = in_response_to;
        core::testing::TestAttribute first, mail;
        first.name = "firstName";
        first.values = {email.substr(0, email.find('@'))};
        mail.name = "email";
        mail.values = {email};
        o.attributes = {first, mail};
        return okta_.response_base64(o);
    }

    Outcome idp_login(const std::string &email) { return gate_->consume("okta", response(email), {}); }

    void import_and_save() {
        title("The admin downloads Okta's metadata.xml and uploads it");
        core::ImportOptions import;
        import.now = now_;
        idp_ = core::import_idp_metadata(okta_.metadata_xml(kOktaSso), import);
        say("IdP entityID    " + idp_->entity_id());
        for (const auto &e : idp_->sso_endpoints()) {
            const auto slash = e.binding.rfind(':');
            say("Sign-on URL     " + e.binding.substr(slash + 1) + "  " + e.location);
        }
        for (const auto &c : idp_->signing_certificates()) say("Certificate     SHA-256 " + c.sha256.substr(0, 47) + "...");
        check(idp_->entity_id() == kOktaEntity, "the imported entityID");

        title("The admin presses Save: these go back into Okta's SAML settings");
        conn_ = connection(false, false);
        gate_->create_account("acme", "Acme Inc.", {"acme.example"});
        gate_->add_connection("acme", conn_);
        say("Single sign on URL           " + conn_->acs_url());
        say("Audience URI (SP Entity ID)  " + conn_->sp_entity_id());
        say("Name ID format               EmailAddress");
        check(conn_->acs_url() == std::string(kBaseUrl) + "/sso/saml/okta/acs", "the ACS URL");

        gate_->add_member("acme", "olivia@acme.example", core::policy::Role::owner, true);
        gate_->add_member("acme", "pat@acme.example", core::policy::Role::member, true);
        say("Members with passwords: olivia@acme.example (owner), pat@acme.example");
        const auto preview = gate_->preview_enforcement("acme");
        say(std::string("Enforce SSO right away? ") + (preview.allowed ? "allowed" : "refused") + ": " +
            core::policy::reason_name(preview.reason));
        check(!preview.allowed && preview.reason == core::policy::Reason::lockout_guard,
              "the lockout guard before any SSO login");
    }

    void idp_initiated() {
        title("Olivia clicks the app's tile in her Okta dashboard (IdP-initiated)");
        say("Connection setting: log in from the Okta dashboard = off");
        expect(idp_login("olivia@acme.example"), OutcomeKind::denied, "UNSOLICITED_NOT_ALLOWED");
        say("The admin turns on \"log in from the Okta dashboard\" and saves; Olivia clicks again");
        conn_ = connection(true, false);
        gate_->add_connection("acme", conn_);
        first_response_ = response("olivia@acme.example");
        expect(gate_->consume("okta", first_response_, {}), OutcomeKind::login, "FIRST_SSO_LOGIN");
    }

    void sp_initiated() {
        title("Pat clicks \"Log in with SSO\" on the dashboard (SP-initiated)");
        const auto begun = gate_->begin_login("okta", "/projects", core::LoginBinding::redirect);
        const auto query = begun.redirect_url.find("SAMLRequest=");
        say("303 redirect to " + begun.redirect_url.substr(0, begun.redirect_url.find('?')));
        say("    ?" + begun.redirect_url.substr(query, 40) + "...&RelayState=...");
        const std::string id = authn_request_id(begun.redirect_url);
        say("Okta reads the AuthnRequest " + id + " and answers it");
        check(id == begun.request_id, "the AuthnRequest ID read from the redirect URL");
        const auto o = gate_->consume("okta", response("pat@acme.example", id), begun.relay_state);
        expect(o, OutcomeKind::login, "FIRST_SSO_LOGIN");
        say("Back to " + o.return_to);
        check(o.return_to == "/projects", "the return-to recorded when the login began");
    }

    void jit_and_invites() {
        title("Nina, new at Acme, logs in with Just-in-Time provisioning on");
        conn_ = connection(true, true);
        gate_->add_connection("acme", conn_);
        const auto prompt = idp_login("nina@acme.example");
        expect(prompt, OutcomeKind::prompt_join, "JIT_DOMAIN_MATCH");
        say("\"Join Acme Inc.?\" Nina clicks Join");
        const auto member = gate_->confirm_join(prompt.join_token);
        say("Member created: " + member.email + " (" + core::policy::to_string(member.role) + ")");
        check(member.email == "nina@acme.example", "the joined member");
        expect(idp_login("nina@acme.example"), OutcomeKind::login, "MEMBER_LOGIN");

        title("Invite-only: Just-in-Time off; Oscar logs in without an invite");
        conn_ = connection(true, false);
        gate_->add_connection("acme", conn_);
        expect(idp_login("oscar@acme.example"), OutcomeKind::denied, "INVITE_REQUIRED");
        say("Olivia invites oscar@acme.example; Oscar logs in again");
        (void)gate_->invite("acme", "oscar@acme.example", core::policy::Role::member, 7 * 86400);
        expect(idp_login("oscar@acme.example"), OutcomeKind::joined_by_invite, "INVITE_PENDING");
    }

    void password(const std::string &email, bool allowed, core::policy::Reason reason) {
        const auto d = gate_->password_login_allowed("acme", email);
        out_ << "   password login " << std::left << std::setw(22) << email << (d.allowed ? "allowed  " : "refused  ")
             << core::policy::reason_name(d.reason);
        if (!d.sso_connection_id.empty()) out_ << "  (use connection " << d.sso_connection_id << ")";
        out_ << "\n";
        check(d.allowed == allowed && d.reason == reason,
              std::string("password decision for ") + email + ": " + core::policy::reason_name(reason));
    }

    void mixed_then_enforced() {
        title("Mixed mode: members who had a password keep it");
        password("pat@acme.example", true, core::policy::Reason::password_allowed);
        password("nina@acme.example", false, core::policy::Reason::no_password);

        title("The admin previews SSO Enforced, then switches");
        gate_->add_member("acme", "quinn@acme.example", core::policy::Role::member, true);
        gate_->add_break_glass("acme", "olivia@acme.example");
        const auto preview = gate_->preview_enforcement("acme");
        std::string losing;
        for (const auto &e : preview.losing_access) losing += (losing.empty() ? "" : ", ") + e;
        say(std::string("Preview: ") + core::policy::reason_name(preview.reason) + "; would lose password login: " +
            (losing.empty() ? "nobody" : losing));
        check(preview.allowed && preview.losing_access == std::vector<std::string>{"quinn@acme.example"},
              "the enforcement preview");
        const auto change = gate_->set_sso_mode("acme", core::policy::SsoMode::enforced, false);
        say(std::string("Switch to enforced: ") + (change.applied ? "applied" : "refused"));
        check(change.applied, "the switch to enforced");
        password("pat@acme.example", false, core::policy::Reason::sso_required);
        password("olivia@acme.example", true, core::policy::Reason::break_glass);
    }

    void replay() {
        title("An attacker replays Olivia's captured SAMLResponse");
        expect(gate_->consume("okta", first_response_, {}), OutcomeKind::denied, "REPLAYED");
    }

    void audit() {
        title("The audit log (every decision, refusals included)");
        const auto rows = gate_->read_audit("acme");
        for (const auto &r : rows) {
            out_ << "   " << std::setw(3) << std::right << r.seq << "  " << std::left << std::setw(18) << r.outcome
                 << std::setw(25) << r.reason << r.email << "\n";
        }
        std::size_t denied = 0;
        for (const auto &r : rows) denied += r.outcome == "DENIED" ? 1 : 0;
        check(denied == 3, "three DENIED rows (IdP-initiated off, invite required, replay)");
    }

    std::ostream &out_;
    std::shared_ptr<Gate> gate_;
    std::int64_t now_;
    core::testing::TestIdp okta_;
    std::shared_ptr<const core::IdpMetadata> idp_;
    std::shared_ptr<const core::Connection> conn_;
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
        const std::int64_t now = core::util::now_seconds();
        auto gate = Gate::open("sqlite:" + db);
        rc = Demo(std::cout, gate, now).run();
    }
    if (made && !args.keep) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    } else {
        std::cout << "State kept in " << dir << "\n";
    }
    return rc;
}
