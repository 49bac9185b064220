package ssogate_test

import (
	"errors"
	"fmt"
	"log"

	"ssogate.dev/ssogate"
)

// An admin uploads the IdP's metadata on the dashboard's SSO screen; the service imports it, makes the
// connection and shows the two values to paste into the IdP's app: the ACS URL and the SP entity ID.
// Here the metadata comes from a TestIdP, so that the example runs anywhere; in a service it is the
// uploaded metadata.xml.
func ExampleImportIdPMetadata() {
	tidp, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer tidp.Close()
	uploaded := tidp.MetadataXML()

	idp, err := ssogate.ImportIdPMetadata(uploaded, ssogate.ImportOptions{})
	if errors.Is(err, ssogate.ErrMetadataExpired) {
		log.Fatal("the metadata has expired: download a fresh copy from the IdP")
	} else if err != nil {
		log.Fatal(err)
	}
	defer idp.Close()
	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "okta"})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	fmt.Println("IdP:", idp.EntityID())
	fmt.Println("ACS URL:", conn.ACSURL())
	fmt.Println("SP entity ID:", conn.SPEntityID())
	// Output:
	// IdP: https://idp.test.example/saml
	// ACS URL: https://app.example.com/sso/saml/okta/acs
	// SP entity ID: https://app.example.com/sso/saml/okta
}

// The ACS handler verifies the SAMLResponse form value the browser posted. This one comes from the
// testing IdP, unsolicited: a login started from the IdP's dashboard (IdP-initiated), which the
// connection must allow. A login the service started itself is finished with FinishSPLogin instead.
func ExampleVerify() {
	tidp, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer tidp.Close()
	idp, err := ssogate.ImportIdPMetadata(tidp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer idp.Close()
	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "test", AllowIdPInitiated: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// One replay cache for the whole service (OpenReplayCache shares one between processes).
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer replay.Close()

	posted, err := tidp.Response(conn, ssogate.TestResponseParams{NameID: "Alice@Example.COM"})
	if err != nil {
		log.Fatal(err)
	}
	login, err := ssogate.Verify(conn, posted.Base64, ssogate.VerifyOptions{ReplayCache: replay})
	if err != nil {
		var e *ssogate.Error
		if errors.As(err, &e) {
			log.Fatalf("login refused: %s (%s)", e.Code, e.Message)
		}
		log.Fatal(err)
	}
	fmt.Println("email:", login.Email)
	fmt.Println("IdP-initiated:", login.InResponseTo == "")

	// The same Response posted again is a replay.
	_, err = ssogate.Verify(conn, posted.Base64, ssogate.VerifyOptions{ReplayCache: replay})
	fmt.Println("again:", errors.Is(err, ssogate.ErrReplayed))
	// Output:
	// email: Alice@example.com
	// IdP-initiated: true
	// again: true
}

// A login the service starts (SP-initiated): BeginSPLogin records the AuthnRequest under a fresh
// RelayState and gives the URL to redirect the browser to; the IdP posts its answer and the RelayState
// back to the ACS, where FinishSPLogin checks that the Response answers that very request, once, and
// returns where the user was going. The testing IdP plays the IdP's part.
func ExampleFinishSPLogin() {
	tidp, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer tidp.Close()
	idp, err := ssogate.ImportIdPMetadata(tidp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer idp.Close()
	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "test"})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// Pending requests live between the redirect and the ACS post (OpenRequestStore for several
	// processes); the replay cache as in the Verify example.
	store, err := ssogate.NewMemoryRequestStore()
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer replay.Close()

	// The login button: redirect the browser (303) to req.RedirectURL.
	req, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{ReturnTo: "/dashboard"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("redirect to the IdP:", req.Destination)

	// The IdP authenticates the user and posts SAMLResponse and RelayState to the ACS URL.
	answer, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: req.RequestID})
	if err != nil {
		log.Fatal(err)
	}
	samlResponse, relayState := answer.Base64, req.RelayState

	// The ACS handler.
	done, err := ssogate.FinishSPLogin(conn, store, relayState, samlResponse, ssogate.VerifyOptions{ReplayCache: replay})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("email:", done.Email)
	fmt.Println("answers our request:", done.InResponseTo == req.RequestID)
	fmt.Println("then go to:", done.ReturnTo)

	// A request is finished once: the same RelayState again is unknown.
	_, err = ssogate.FinishSPLogin(conn, store, relayState, samlResponse, ssogate.VerifyOptions{ReplayCache: replay})
	fmt.Println("again:", errors.Is(err, ssogate.ErrRequestUnknown))
	// Output:
	// redirect to the IdP: https://idp.test.example/sso
	// email: alice@example.com
	// answers our request: true
	// then go to: /dashboard
	// again: true
}
