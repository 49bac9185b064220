// The dashboard's login endpoints on net/http over the Go binding: begin an SP-initiated login, the
// ACS, the Just-in-Time join prompt, and a page that needs a session. The Python example
// (examples/dashboard) has the admin pages; this is the part every Go service writes.
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"ssogate.dev/ssogate"
)

// Session is what a signed-in browser has. Kept server-side; the cookie holds only its random id.
type Session struct {
	AccountID, Email string
	CSRF             string
	// A pending Just-in-Time join: the gate's token and whom it is for.
	JoinToken, JoinAccount, JoinEmail string
}

// SSO serves the login endpoints. Gate is shared (safe for concurrent use); Secure marks the cookie
// Secure (false only for http://localhost).
type SSO struct {
	Gate   *ssogate.Gate
	Secure bool
	// AccountNames are shown on the join prompt ("Join Acme Inc.?").
	AccountNames map[string]string
	// Log receives refusals with their reference and operator message (default: the log package).
	Log func(format string, args ...any)

	mu       sync.Mutex
	sessions map[string]*Session
}

const cookieName = "session"

// Handler routes the endpoints.
func (s *SSO) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sso/start", s.start)
	mux.HandleFunc("POST /sso/saml/{connection}/acs", s.acs)
	mux.HandleFunc("GET /join", s.joinPrompt)
	mux.HandleFunc("POST /join", s.join)
	mux.HandleFunc("GET /{$}", s.home)
	return securityHeaders(mux)
}

// start begins an SP-initiated login: GET /sso/start?connection=ID&return_to=/path. A GET is enough:
// it changes nothing but a pending request, which only the IdP's answer can complete.
func (s *SSO) start(w http.ResponseWriter, r *http.Request) {
	conn := r.URL.Query().Get("connection")
	req, err := s.Gate.BeginSPLogin(conn, ssogate.SPLoginOptions{ReturnTo: safeReturnTo(r.URL.Query().Get("return_to"))})
	switch {
	case errors.Is(err, ssogate.ErrNotFound):
		http.Error(w, "No such identity provider.", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "Cannot start single sign-on: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.Binding == ssogate.BindingHTTPPost {
		// The library's auto-post form: allow its one inline script by hash, its form by origin.
		w.Header().Set("Content-Security-Policy", fmt.Sprintf(
			"default-src 'none'; script-src %s; form-action %s; frame-ancestors 'none'",
			scriptHashes(req.PostFormHTML), originOf(req.Destination)))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(req.PostFormHTML))
		return
	}
	http.Redirect(w, r, req.RedirectURL, http.StatusSeeOther)
}

// acs is the IdP's cross-site POST. The SameSite=Lax cookie does not come with it and nothing here
// needs it: Consume checks the response, the one-time RelayState (or allow_idp_initiated), replays
// and the membership policy.
func (s *SSO) acs(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20) // a SAMLResponse is a few KB
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form is too large.", http.StatusRequestEntityTooLarge)
		return
	}
	out, err := s.Gate.Consume(r.PathValue("connection"), r.PostForm.Get("SAMLResponse"), r.PostForm.Get("RelayState"))
	if err != nil { // a caller error (a closed gate), never a refused login
		http.Error(w, "Single sign-on is unavailable.", http.StatusInternalServerError)
		return
	}
	switch {
	case out.Accepted():
		s.newSession(w, &Session{AccountID: out.AccountID, Email: out.Email})
		to := safeReturnTo(out.ReturnTo)
		if to == "" {
			to = "/"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case out.Kind == ssogate.GateOutcomePromptJoin:
		s.newSession(w, &Session{JoinToken: out.JoinToken, JoinAccount: out.AccountID, JoinEmail: out.Email})
		http.Redirect(w, r, "/join", http.StatusSeeOther)
	default:
		ref := reference()
		s.logf("SSO refused (%s): %s: %s", ref, out.ReasonName, out.ReasonText)
		// The existing session, if any, is left alone: a replayed or forged response signs nobody out.
		w.WriteHeader(http.StatusForbidden)
		render(w, refusedPage, map[string]string{"Message": out.UserMessage, "Reference": ref})
	}
}

func (s *SSO) joinPrompt(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r)
	if sess == nil || sess.JoinToken == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	render(w, joinPage, map[string]string{"Account": s.name(sess.JoinAccount), "Email": sess.JoinEmail, "CSRF": sess.CSRF})
}

func (s *SSO) join(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r)
	if sess == nil || sess.JoinToken == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(sess.CSRF)) != 1 {
		http.Error(w, "The form's security token is missing or out of date.", http.StatusForbidden)
		return
	}
	if err := s.Gate.ConfirmJoin(sess.JoinToken); err != nil {
		w.WriteHeader(http.StatusForbidden)
		render(w, refusedPage, map[string]string{"Message": "You cannot join now: " + err.Error(), "Reference": reference()})
		return
	}
	s.newSession(w, &Session{AccountID: sess.JoinAccount, Email: sess.JoinEmail})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *SSO) home(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r)
	if sess == nil || sess.Email == "" {
		http.Error(w, "Log in first.", http.StatusUnauthorized)
		return
	}
	render(w, homePage, map[string]string{"Email": sess.Email, "Account": s.name(sess.AccountID)})
}

// ---- sessions ----

func (s *SSO) newSession(w http.ResponseWriter, sess *Session) {
	id, csrf := randomToken(), randomToken()
	sess.CSRF = csrf
	s.mu.Lock()
	if s.sessions == nil {
		s.sessions = map[string]*Session{}
	}
	s.sessions[id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, Secure: s.Secure,
		SameSite: http.SameSiteLaxMode})
}

func (s *SSO) session(r *http.Request) *Session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.Value]
}

func (s *SSO) name(account string) string {
	if n, ok := s.AccountNames[account]; ok {
		return n
	}
	return account
}

func (s *SSO) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
		return
	}
	log.Printf(format, args...)
}

// ---- helpers ----

// safeReturnTo keeps a path on this service and drops anything else: absolute URLs, //host,
// backslashes (browsers read /\host as //host), control characters. BeginSPLogin checks it again.
func safeReturnTo(v string) string {
	if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.ContainsAny(v, "\\") {
		return ""
	}
	for _, c := range v {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	if u, err := url.Parse(v); err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return v
}

var scriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

func scriptHashes(page string) string {
	var out []string
	for _, m := range scriptRe.FindAllStringSubmatch(page, -1) {
		sum := sha256.Sum256([]byte(m[1]))
		out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	if len(out) == 0 {
		return "'none'"
	}
	return strings.Join(out, " ")
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// reference is the short code a refused user gives the admin; the log line carries it with the
// operator message.
func reference() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "R-" + strings.ToUpper(base64.RawURLEncoding.EncodeToString(b))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// html/template escapes every value: an IdP's attribute or an account name is text, never markup.
var (
	refusedPage = template.Must(template.New("refused").Parse(`<!doctype html><title>Login refused</title>
<h1>You could not be signed in</h1><p id=message>{{.Message}}</p>
<p>If you ask your administrator for help, give them this reference: <strong id=reference>{{.Reference}}</strong></p>`))
	joinPage = template.Must(template.New("join").Parse(`<!doctype html><title>Join {{.Account}}?</title>
<h1>Join {{.Account}}?</h1><p>You signed in as {{.Email}}.</p>
<form method=post action=/join><input type=hidden name=csrf_token value="{{.CSRF}}"><button>Join {{.Account}}</button></form>`))
	homePage = template.Must(template.New("home").Parse(`<!doctype html><title>{{.Account}}</title>
<p>Signed in as <strong id=email>{{.Email}}</strong> to {{.Account}}.</p>`))
)

func render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.Execute(w, data); err != nil {
		log.Printf("rendering %s: %v", t.Name(), err)
	}
}
