"""The whole SSO story (admin set-up, logins, joins, enforcement, refusals) on the dashboard's real pages, in Debian's chromium (headless, through Selenium),
against two testing IdPs served over HTTP: one per tenant.

The app is http://localhost:<port>; the IdPs and the "other site" page are http://127.0.0.1:<port>,
another site, so the IdP's POST to the ACS is a cross-site POST as in production (the SameSite=Lax
session cookie does not come with it). Every step saves a screenshot (DASHBOARD_TEST_OUTPUT, else
the test's tmp_path); a failing step fails with its screenshot's path.
"""

from __future__ import annotations

import contextlib
import html
import shutil
import urllib.request
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from ssogate.testing_web import WebIdp

from conftest import OKTA_METADATA, LiveDashboard, PageServer, screenshots_dir

CHROMEDRIVER = "/usr/bin/chromedriver"
ACME_OWNER = ("owner@acme.example", "acme-owner-password")
GLOBEX_OWNER = ("owner@globex.example", "globex-owner-password")
INJECTED = '<img src=x id=injected onerror="document.title=1">'


def chromium() -> WebDriver:
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,1000", "--no-first-run", "--disable-extensions",
                "--password-store=basic", "--disable-features=PasswordLeakDetection"):
        opts.add_argument(arg)
    # Selenium Manager cannot download drivers here: the Debian chromedriver, named explicitly.
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


class Story:
    """Numbered steps, a screenshot after each; a failing step names its screenshot."""

    def __init__(self, driver: WebDriver, out: Path) -> None:
        self.driver = driver
        self.out = out
        self.n = 0
        self.shots: List[Path] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.n += 1
        path = self.out / f"{self.n:02d}-{name}.png"
        try:
            yield
        except Exception as e:
            self.driver.save_screenshot(str(path))
            # WebDriver errors: their message (a timeout has none), not chromedriver's native stack.
            why = f"{type(e).__name__}: {e.msg or 'timed out'}" if hasattr(e, "msg") else str(e)
            raise AssertionError(f"step {self.n} ({name}) failed: {why}\n  at {self.driver.current_url}\n"
                                 f"  screenshot: {path}") from e
        self.driver.save_screenshot(str(path))
        self.shots.append(path)

    def shot(self, what: str) -> None:
        """An extra screenshot inside the current step."""
        self.driver.save_screenshot(str(self.out / f"{self.n:02d}-{what}.png"))


# ---- what a person does on the pages ----

def gone(element: Any) -> bool:
    """Whether the element's document was replaced. While chromium swaps documents, chromedriver may
    answer "Node with given id does not belong to the document" instead of "stale element": both mean gone."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


class Browser:
    def __init__(self, driver: WebDriver, live: LiveDashboard) -> None:
        self.d = driver
        self.live = live
        self.wait = WebDriverWait(driver, 15)

    def by_id(self, element_id: str):  # noqa: ANN201
        return self.wait.until(EC.presence_of_element_located((By.ID, element_id)))

    def click(self, element_id: str) -> None:
        """Clicks something that does not leave the page (a checkbox, a radio button)."""
        self.wait.until(EC.element_to_be_clickable((By.ID, element_id))).click()

    def submit(self, element_id: str) -> None:
        """Clicks a button that leaves the page, and waits until the next page has replaced it (so
        that the next step never interrupts the request, e.g. the one that sets the session cookie)."""
        page = self.d.find_element(By.TAG_NAME, "html")
        self.wait.until(EC.element_to_be_clickable((By.ID, element_id))).click()
        self.wait.until(lambda d: gone(page))

    def type(self, element_id: str, text: str) -> None:
        field = self.by_id(element_id)
        field.clear()
        field.send_keys(text)

    def go(self, path: str) -> None:
        self.d.get(self.live.base_url + path)

    def at(self, path_prefix: str) -> None:
        self.wait.until(lambda d: d.current_url.startswith(self.live.base_url + path_prefix))

    def text(self, element_id: str) -> str:
        return self.by_id(element_id).text

    def logout(self) -> None:
        self.d.delete_all_cookies()

    def enter_email(self, email: str, path: str = "/login") -> None:
        self.logout()
        self.go(path)
        self.type("email", email)
        self.submit("next")
        self.by_id("login-email")

    def password_login(self, email: str, password: str, path: str = "/login") -> None:
        self.enter_email(email, path)
        if not self.d.find_element(By.ID, "password").is_displayed():
            self.d.find_element(By.TAG_NAME, "summary").click()  # the break-glass fold when SSO is enforced
        self.type("password", password)
        self.submit("password-login")

    def sso_login(self, email: str, idp: WebIdp, attributes: str = "", binding: str = "redirect") -> None:
        """Email, "Continue with ...", then on the IdP's page: this user, Sign in."""
        self.enter_email(email)
        self.submit("sso")
        self.wait.until(lambda d: d.current_url.startswith(idp.url + "/sso"))
        assert f"({binding} binding)" in self.d.page_source
        self.pick_user(email, attributes)
        self.submit("sign-in")

    def pick_user(self, email: str, attributes: str = "") -> None:
        self.d.find_element(By.CSS_SELECTOR, "input[name=pick][value=other]").click()
        self.type("email", email)
        if attributes:
            self.type("attributes", attributes)

    def idp_tile_login(self, idp: WebIdp, email: str) -> None:
        self.d.get(idp.url + "/")
        self.pick_user(email)
        self.submit("open-app")

    def add_idp(self, account: str, description: str, metadata_file: Path, *, jit: bool = False,
                idp_initiated: bool = False) -> None:
        self.go(f"/a/{account}/settings/sso")
        self.submit("new-idp")
        self.type("description", description)
        self.by_id("metadata").send_keys(str(metadata_file))
        self.click("jit" if jit else "invite-only")
        if idp_initiated:
            self.click("allow_idp_initiated")
        self.submit("save")
        self.by_id("saved")

    def configure_idp_app(self, idp: WebIdp) -> None:
        """Copy the ACS URL and SP Entity ID from the dashboard's page into the IdP's SAML settings."""
        acs = self.by_id("acs-url").get_attribute("value")
        entity = self.by_id("sp-entity-id").get_attribute("value")
        self.d.find_element(By.CSS_SELECTOR, "button[data-copy=acs-url]").click()
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "button[data-copy=acs-url]").text == "Copied")
        self.d.get(idp.url + "/admin")
        self.type("acs_url", acs)
        self.type("sp_entity_id", entity)
        self.submit("save")
        self.wait.until(lambda d: self.by_id("acs_url").get_attribute("value") == acs)

    def set_options(self, **checks: bool) -> None:
        """On a connection's page: set checkboxes / radios (by id) and save."""
        for element_id, on in checks.items():
            box = self.by_id(element_id)
            if box.is_selected() != on:
                box.click()
        self.submit("save-options")
        self.by_id("saved")

    def refused(self) -> str:
        """On the refusal page: its reference."""
        self.by_id("refusal-message")
        return self.text("reference")


def audit(live: LiveDashboard, account: str, **filters):  # noqa: ANN001, ANN201
    return live.dash.gate.read_audit(account, newest_first=True, **filters)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    return screenshots_dir(tmp_path / "screenshots")


def test_the_sso_story_in_a_browser(live: LiveDashboard, tmp_path: Path, out: Path) -> None:
    acme_idp = WebIdp("Acme Okta", users=[{"email": "alice@acme.example", "attributes": {"firstName": "Alice"}}])
    globex_idp = WebIdp("Globex IdP", users=[{"email": "dave@globex.example"}])
    other_site = PageServer()
    driver = chromium()
    acme_idp.start()
    globex_idp.start()
    b = Browser(driver, live)
    s = Story(driver, out)

    def replay(sent: tuple) -> None:
        """Posts a response the IdP sent before, again, from another site's page."""
        _, saml, relay = sent
        relay_field = f"<input type=hidden name=RelayState value='{html.escape(relay)}'>" if relay else ""
        other_site.html = (
            f"<!doctype html><form method=post action='{html.escape(acme_idp.app.acs_url)}'>"
            f"<input type=hidden name=SAMLResponse value='{saml}'>{relay_field}"
            "<button id=replay>Post again</button></form>")
        driver.get(other_site.url)
        b.submit("replay")
    try:
        acme_meta = tmp_path / "acme-idp-metadata.xml"
        acme_meta.write_bytes(fetch(acme_idp.metadata_url))
        globex_meta = tmp_path / "globex-idp-metadata.xml"
        globex_meta.write_bytes(fetch(globex_idp.metadata_url))

        with s.step("admin-logs-in-with-password"):
            b.password_login(*ACME_OWNER)
            b.at("/a/acme/")
            assert b.text("home-email") == ACME_OWNER[0]
            assert b.text("via") == "a password"

        with s.step("admin-uploads-okta-metadata"):
            b.add_idp("acme", "Okta (corpus)", OKTA_METADATA)
            assert b.text("idp-entity-id") == "http://www.okta.com/exkppsa1qwuFV4D7z0h7"
            assert "2028-09-07" in b.text("certificates")
            assert b.by_id("acs-url").get_attribute("value").startswith(live.base_url + "/sso/saml/")
            # Not the IdP the users log in with here: disabled, so discovery skips it.
            b.set_options(enabled=False)

        with s.step("admin-uploads-web-idp-metadata"):
            b.add_idp("acme", "Acme Okta", acme_meta)
            assert b.text("idp-entity-id") == acme_idp.entity_id
            sp_meta = fetch(b.by_id("sp-metadata").get_attribute("href")).decode()
            assert b.by_id("sp-entity-id").get_attribute("value") in sp_meta

        with s.step("acs-url-and-entity-id-pasted-into-the-idp"):
            b.configure_idp_app(acme_idp)
            assert acme_idp.app is not None and acme_idp.app.acs_url.startswith(live.base_url)

        with s.step("invite-only-refuses-alice"):
            b.sso_login("alice@acme.example", acme_idp)
            ref = b.refused()
            assert "INVITE_REQUIRED" in b.text("refusal-message")
            row = audit(live, "acme", limit=1)[0]
            assert (f"R-{row.seq}", row.email, row.reason) == (ref, "alice@acme.example", "INVITE_REQUIRED")

        with s.step("admin-finds-the-reference-and-invites-alice"):
            b.password_login(*ACME_OWNER)
            b.at("/a/acme/")
            b.go("/a/acme/audit")
            b.type("filter-ref", ref)
            b.submit("filter")
            rows = driver.find_elements(By.CSS_SELECTOR, "tr.audit-row")
            assert len(rows) == 1 and ref in rows[0].text, [r.text for r in rows]
            assert rows[0].get_attribute("data-reason") == "INVITE_REQUIRED"
            b.go("/a/acme/settings/sso")
            b.type("member-email", "alice@acme.example")
            driver.find_element(By.CSS_SELECTOR, "#member-role option[value=admin]").click()
            b.submit("send-invite")
            assert "Invited alice@acme.example" in b.text("notice")
            assert "alice@acme.example" in b.text("invites")

        with s.step("alice-joins-by-invite-sp-initiated"):
            b.sso_login("alice@acme.example", acme_idp)
            b.at("/a/acme/")
            assert b.text("home-email") == "alice@acme.example"
            assert b.text("via") == "single sign-on"
            assert audit(live, "acme", email="alice@acme.example", limit=1)[0].outcome == "JOINED_BY_INVITE"

        with s.step("back-button-after-login"):
            logins = len(audit(live, "acme", email="alice@acme.example", outcome=["LOGIN", "JOINED_BY_INVITE"]))
            driver.back()
            # Back skips the auto-post page (a POST result) and lands on the IdP's sign-in page.
            b.wait.until(lambda d: d.current_url.startswith(acme_idp.url + "/sso"))
            s.shot("where-back-went")
            # Signing in there again answers the same, already used, AuthnRequest: refused, nothing more.
            b.submit("sign-in")
            b.refused()
            assert audit(live, "acme", limit=1)[0].reason == "REQUEST_UNKNOWN"
            s.shot("sign-in-again-refused")
            b.go("/a/acme/")
            assert b.text("home-email") == "alice@acme.example"  # still signed in
            again = audit(live, "acme", email="alice@acme.example", outcome=["LOGIN", "JOINED_BY_INVITE"])
            assert len(again) == logins  # going back signed nobody in a second time

        with s.step("replayed-sp-initiated-post-refused"):
            replay(acme_idp.sent[-1])
            ref = b.refused()
            row = audit(live, "acme", limit=1)[0]
            assert (f"R-{row.seq}", row.outcome, row.reason) == (ref, "DENIED", "REQUEST_UNKNOWN"), row
            s.shot("refusal")
            b.go("/a/acme/")
            assert b.text("home-email") == "alice@acme.example"  # a refused replay signs nobody out

        with s.step("idp-initiated-refused-while-toggle-off"):
            b.logout()
            b.idp_tile_login(acme_idp, "alice@acme.example")
            ref = b.refused()
            row = audit(live, "acme", limit=1)[0]
            assert (f"R-{row.seq}", row.reason) == (ref, "UNSOLICITED_NOT_ALLOWED")

        with s.step("admin-allows-idp-initiated-and-jit"):
            b.password_login(*ACME_OWNER)
            b.go("/a/acme/settings/sso")
            driver.find_element(By.LINK_TEXT, "Acme Okta").click()
            b.set_options(allow_idp_initiated=True, jit=True)
            assert b.by_id("allow_idp_initiated").is_selected()

        with s.step("idp-initiated-login-from-the-app-tile"):
            b.logout()
            b.idp_tile_login(acme_idp, "alice@acme.example")
            b.at("/a/acme/")
            assert b.text("home-email") == "alice@acme.example"

        with s.step("replayed-idp-initiated-post-refused"):
            replay(acme_idp.sent[-1])
            ref = b.refused()
            row = audit(live, "acme", limit=1)[0]
            assert (f"R-{row.seq}", row.reason, row.email) == (ref, "REPLAYED", "alice@acme.example"), row

        with s.step("jit-join-prompt"):
            b.logout()
            b.idp_tile_login(acme_idp, "bob@acme.example")
            b.at("/join")
            assert b.text("join-title") == "Join Acme Inc.?"

        with s.step("jit-joined"):
            b.submit("join")
            b.at("/a/acme/")
            assert b.text("home-email") == "bob@acme.example"
            assert live.dash.directory.find_member("acme", "bob@acme.example").joined_via == "sso"

        with s.step("admin-adds-a-password-member"):
            b.password_login(*ACME_OWNER)
            b.go("/a/acme/settings/sso")
            b.type("member-email", "pat@acme.example")
            b.type("member-password", "pat-password")
            b.submit("add-member")
            assert "Added pat@acme.example" in b.text("notice")

        with s.step("preview-enforcement"):
            b.submit("preview")
            assert "pat@acme.example" in b.text("losing") and ACME_OWNER[0] in b.text("losing")

        with s.step("owner-made-break-glass"):
            b.type("member-email", ACME_OWNER[0])
            b.submit("make-break-glass")
            b.submit("preview")
            assert ACME_OWNER[0] in b.text("break-glass") and ACME_OWNER[0] not in b.text("losing")

        with s.step("sso-enforced"):
            b.submit("enforce")
            assert b.text("current-mode") == "SSO Enforced"
            assert live.dash.account("acme").sso_mode == "enforced"

        with s.step("password-login-refused-when-enforced"):
            b.password_login("pat@acme.example", "pat-password")
            err = b.by_id("login-error")
            assert err.get_attribute("data-reason") == "SSO_REQUIRED", err.text
            assert b.by_id("sso").is_displayed()  # and sent to SSO instead

        with s.step("break-glass-password-login-allowed"):
            b.password_login(*ACME_OWNER)
            b.at("/a/acme/")
            assert audit(live, "acme", email=ACME_OWNER[0], limit=1)[0].reason == "BREAK_GLASS"

        with s.step("forged-csrf-token-refused"):
            b.go("/a/acme/settings/sso")
            driver.execute_script("document.querySelector('#mode input[name=csrf_token]').value = 'forged'")
            b.submit("mixed")
            assert "security token" in b.text("error-message")
            assert live.dash.account("acme").sso_mode == "enforced"

        with s.step("cross-site-post-to-an-admin-form-refused"):
            other_site.html = (
                f"<!doctype html><form method=post action='{live.base_url}/a/acme/settings/sso/mode'>"
                "<input type=hidden name=mode value=mixed><button id=attack>Win a prize</button></form>")
            driver.get(other_site.url)
            b.submit("attack")
            assert "posted from another site" in b.text("error-message")
            assert live.dash.account("acme").sso_mode == "enforced"

        with s.step("return-to-off-site-ignored"):
            b.password_login(*ACME_OWNER, path="/login?return_to=https://evil.example/steal")
            b.at("/a/acme/")
            assert "evil" not in driver.current_url

        with s.step("second-tenant-sets-up-its-idp"):
            b.password_login(*GLOBEX_OWNER)
            b.at("/a/globex/")
            b.add_idp("globex", f"Globex {INJECTED}", globex_meta, jit=True)
            # The description is shown as text on every page, never as markup.
            assert not driver.find_elements(By.ID, "injected")
            assert INJECTED in b.text("conn-title")
            b.configure_idp_app(globex_idp)
            b.go("/a/globex/settings/sso")
            assert not driver.find_elements(By.ID, "injected") and INJECTED in b.text("providers")

        with s.step("second-tenant-user-joins-by-jit"):
            b.enter_email("dave@globex.example")
            assert not driver.find_elements(By.ID, "injected") and INJECTED in b.text("sso")
            b.submit("sso")
            b.wait.until(lambda d: d.current_url.startswith(globex_idp.url + "/sso"))
            b.pick_user("dave@globex.example")
            b.submit("sign-in")
            b.at("/join")
            assert b.text("join-title") == "Join Globex Corp.?"
            b.submit("join")
            b.at("/a/globex/")
            assert b.text("home-email") == "dave@globex.example"

        with s.step("second-tenant-user-kept-out-of-the-first"):
            b.go("/a/acme/")
            assert "another account" in b.text("error-message")
            b.go("/a/acme/settings/sso")
            assert "another account" in b.text("error-message")

        with s.step("second-tenants-idp-cannot-sign-into-the-first"):
            # Globex's IdP admin points its app at Acme's ACS and asserts an Acme user.
            acme_conn = [c for c, _ in live.dash.connections("acme") if c.description == "Acme Okta"][0]
            driver.get(globex_idp.url + "/admin")
            b.type("acs_url", acme_conn.acs_url)
            b.type("sp_entity_id", acme_conn.sp_entity_id)
            b.submit("save")
            b.idp_tile_login(globex_idp, "alice@acme.example")
            ref = b.refused()
            row = audit(live, "acme", limit=1)[0]
            assert f"R-{row.seq}" == ref and row.outcome == "DENIED" and row.email == "", row
            s.shot("refusal")
            b.go("/a/acme/")
            assert "another account" in b.text("error-message")  # still dave of globex, nothing more

        with s.step("post-binding-login-under-the-csp"):
            b.password_login(*GLOBEX_OWNER)
            b.go("/a/globex/settings/sso")
            driver.find_element(By.CSS_SELECTOR, "#providers tr.provider a").click()
            b.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#binding option[value=post]"))).click()
            b.submit("save-options")
            b.by_id("saved")
            globex_idp.set_app(*[(c.acs_url, c.sp_entity_id) for c, _ in live.dash.connections("globex")][0])
            # The dashboard serves the library's auto-post form; its CSP allows that one script by
            # its hash, so the browser posts the AuthnRequest and the IdP says it came by POST.
            b.sso_login("dave@globex.example", globex_idp, f"displayName={INJECTED}", binding="post")
            b.at("/a/globex/")
            assert b.text("home-email") == "dave@globex.example"
            # An attribute's value from the IdP is text too.
            assert not driver.find_elements(By.ID, "injected") and INJECTED in b.text("attributes")
    finally:
        driver.quit()
        acme_idp.stop()
        globex_idp.stop()
        other_site.stop()
    assert len(s.shots) == s.n
