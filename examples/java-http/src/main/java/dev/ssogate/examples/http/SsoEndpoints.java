package dev.ssogate.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ssogate.Binding;
import dev.ssogate.Gate;
import dev.ssogate.GateOutcome;
import dev.ssogate.GateOutcomeKind;
import dev.ssogate.LoginOptions;
import dev.ssogate.SpLoginRequest;
import dev.ssogate.Code;
import dev.ssogate.SsogateException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's login endpoints over the gate: begin an SP-initiated login, the ACS, the Just-in-Time join
 * prompt, and a page that needs a session. The admin pages (accounts, connections, members) are the
 * dashboard example's; this is the part every Java service writes.
 *
 * <ul>
 *   <li>GET /sso/start?connection=ID&amp;return_to=/path[&amp;binding=post]: begins a login</li>
 *   <li>POST /sso/saml/ID/acs: the IdP's answer (SAMLResponse, RelayState)</li>
 *   <li>GET and POST /join: the Just-in-Time prompt</li>
 *   <li>GET /: who is signed in</li>
 * </ul>
 */
public final class SsoEndpoints {
    private static final Logger LOG = Logger.getLogger(SsoEndpoints.class.getName());
    private static final String COOKIE = "session";
    private static final Pattern ACS = Pattern.compile("^/sso/saml/([A-Za-z0-9_-]{1,64})/acs$");
    private static final Pattern SCRIPT = Pattern.compile("(?s)<script>(.*?)</script>");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a signed-in browser has; kept server-side, the cookie holds only its random id. */
    record Session(String accountId, String email, String csrf, String joinToken, String joinAccount, String joinEmail) {}

    private final Gate gate;
    private final boolean secureCookie;
    private final Map<String, String> accountNames;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** gate is shared (thread-safe); secureCookie marks the cookie Secure (false only for http://localhost). */
    public SsoEndpoints(Gate gate, boolean secureCookie, Map<String, String> accountNames) {
        this.gate = gate;
        this.secureCookie = secureCookie;
        this.accountNames = Map.copyOf(accountNames);
    }

    public void register(HttpServer server) {
        server.createContext("/", this::route);
    }

    private void route(HttpExchange x) throws IOException {
        try (x) {
            x.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
            x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            Matcher acs = ACS.matcher(path);
            if (method.equals("GET") && path.equals("/sso/start")) {
                start(x);
            } else if (method.equals("POST") && acs.matches()) {
                acs(x, acs.group(1));
            } else if (method.equals("GET") && path.equals("/join")) {
                joinPrompt(x);
            } else if (method.equals("POST") && path.equals("/join")) {
                join(x);
            } else if (method.equals("GET") && path.equals("/")) {
                home(x);
            } else {
                text(x, 404, "Not found.");
            }
        } catch (RuntimeException e) {
            LOG.warning("request failed: " + e);
            text(x, 500, "Single sign-on is unavailable.");
        }
    }

    /** A GET is enough: it changes nothing but a pending request, which only the IdP's answer completes. */
    private void start(HttpExchange x) throws IOException {
        Map<String, String> q = form(x.getRequestURI().getRawQuery());
        LoginOptions opts = new LoginOptions().returnTo(safeReturnTo(q.getOrDefault("return_to", "")));
        if ("post".equals(q.get("binding"))) {
            opts.binding(Binding.HTTP_POST);
        }
        SpLoginRequest req;
        try {
            req = gate.beginLogin(q.getOrDefault("connection", ""), opts);
        } catch (SsogateException e) {
            if (e.code() == Code.NOT_FOUND) {
                text(x, 404, "No such identity provider.");
            } else {
                text(x, 400, "Cannot start single sign-on: " + e.code());
            }
            return;
        }
        if (req.binding() == Binding.HTTP_POST) {
            // The library's auto-post form: allow its one inline script by hash, its form by origin.
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; script-src "
                    + scriptHashes(req.postFormHtml()) + "; form-action " + originOf(req.destination())
                    + "; frame-ancestors 'none'");
            send(x, 200, "text/html; charset=utf-8", req.postFormHtml());
            return;
        }
        redirect(x, req.redirectUrl());
    }

    /**
     * The IdP's cross-site POST. The SameSite=Lax cookie does not come with it and nothing here needs it:
     * consume checks the response, the one-time RelayState (or allowIdpInitiated), replays and the policy.
     */
    private void acs(HttpExchange x, String connection) throws IOException {
        byte[] body = readAtMost(x.getRequestBody(), 1 << 20); // a SAMLResponse is a few KB
        if (body == null) {
            text(x, 413, "The form is too large.");
            return;
        }
        Map<String, String> f = form(new String(body, StandardCharsets.US_ASCII));
        GateOutcome out = gate.consume(connection, f.getOrDefault("SAMLResponse", ""), f.get("RelayState"));
        if (out.accepted()) {
            newSession(x, new Session(out.accountId(), out.email(), null, null, null, null));
            String to = safeReturnTo(out.returnTo());
            redirect(x, to.isEmpty() ? "/" : to);
        } else if (out.kind() == GateOutcomeKind.PROMPT_JOIN) {
            newSession(x, new Session(null, null, null, out.joinToken(), out.accountId(), out.email()));
            redirect(x, "/join");
        } else {
            String ref = reference();
            LOG.info("SSO refused (" + ref + "): " + out.reasonName() + ": " + out.reasonText());
            // The existing session, if any, is left alone: a replayed or forged response signs nobody out.
            html(x, 403, "<h1>Sign-in failed</h1><p>" + esc(out.userMessage()) + "</p><p>Reference: " + ref + "</p>");
        }
    }

    private void joinPrompt(HttpExchange x) throws IOException {
        Session s = session(x);
        if (s == null || s.joinToken() == null) {
            redirect(x, "/");
            return;
        }
        html(x, 200, "<h1>Join " + esc(name(s.joinAccount())) + "?</h1><p>As " + esc(s.joinEmail()) + "</p>"
                + "<form method=\"post\" action=\"/join\"><input type=\"hidden\" name=\"csrf_token\" value=\""
                + esc(s.csrf()) + "\"><button>Join</button></form>");
    }

    private void join(HttpExchange x) throws IOException {
        Session s = session(x);
        if (s == null || s.joinToken() == null) {
            redirect(x, "/");
            return;
        }
        byte[] body = readAtMost(x.getRequestBody(), 4096);
        Map<String, String> f = form(body == null ? "" : new String(body, StandardCharsets.US_ASCII));
        if (!MessageDigest.isEqual(f.getOrDefault("csrf_token", "").getBytes(StandardCharsets.UTF_8),
                s.csrf().getBytes(StandardCharsets.UTF_8))) {
            text(x, 403, "The form's security token is missing or out of date.");
            return;
        }
        try {
            gate.confirmJoin(s.joinToken());
        } catch (SsogateException e) {
            html(x, 403, "<h1>You cannot join now</h1><p>" + esc(e.code().name()) + "</p><p>Reference: " + reference() + "</p>");
            return;
        }
        newSession(x, new Session(s.joinAccount(), s.joinEmail(), null, null, null, null));
        redirect(x, "/");
    }

    private void home(HttpExchange x) throws IOException {
        Session s = session(x);
        if (s == null || s.email() == null) {
            text(x, 401, "Log in first.");
            return;
        }
        html(x, 200, "<h1>Signed in</h1><p>" + esc(s.email()) + " in " + esc(name(s.accountId())) + "</p>");
    }

    // ---- sessions

    private void newSession(HttpExchange x, Session s) {
        String id = randomToken();
        Session withCsrf = new Session(s.accountId(), s.email(), randomToken(), s.joinToken(), s.joinAccount(), s.joinEmail());
        sessions.put(id, withCsrf);
        x.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Lax"
                + (secureCookie ? "; Secure" : ""));
    }

    private Session session(HttpExchange x) {
        List<String> cookies = x.getRequestHeaders().getOrDefault("Cookie", List.of());
        for (String header : cookies) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=")) {
                    return sessions.get(p.substring(COOKIE.length() + 1));
                }
            }
        }
        return null;
    }

    private String name(String account) {
        return accountNames.getOrDefault(account, account);
    }

    // ---- helpers

    /**
     * Keeps a path on this service and drops anything else: absolute URLs, //host, backslashes (browsers
     * read /\host as //host), control characters. The gate checks it again.
     */
    static String safeReturnTo(String v) {
        if (v == null || !v.startsWith("/") || v.startsWith("//") || v.contains("\\")) {
            return "";
        }
        for (char c : v.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                return "";
            }
        }
        try {
            URI u = new URI(v);
            return u.getHost() == null && u.getScheme() == null ? v : "";
        } catch (java.net.URISyntaxException e) {
            return "";
        }
    }

    static String scriptHashes(String page) {
        List<String> out = new ArrayList<>();
        Matcher m = SCRIPT.matcher(page);
        while (m.find()) {
            try {
                byte[] sum = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
                out.add("'sha256-" + Base64.getEncoder().encodeToString(sum) + "'");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.isEmpty() ? "'none'" : String.join(" ", out);
    }

    static String originOf(String raw) {
        try {
            URI u = new URI(raw);
            return u.getHost() == null ? "'none'" : u.getScheme() + "://" + u.getRawAuthority();
        } catch (java.net.URISyntaxException e) {
            return "'none'";
        }
    }

    static Map<String, String> form(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static byte[] readAtMost(InputStream in, int max) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        return b.length > max ? null : b;
    }

    private static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The short code a refused user gives the admin; the log line carries it with the operator message. */
    private static String reference() {
        byte[] b = new byte[5];
        RANDOM.nextBytes(b);
        return "R-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b).toUpperCase(java.util.Locale.ROOT);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().set("Location", location);
        x.sendResponseHeaders(303, -1);
    }

    private static void text(HttpExchange x, int status, String body) throws IOException {
        send(x, status, "text/plain; charset=utf-8", body);
    }

    private static void html(HttpExchange x, int status, String body) throws IOException {
        send(x, status, "text/html; charset=utf-8", "<!doctype html><meta charset=\"utf-8\">" + body);
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }
}
