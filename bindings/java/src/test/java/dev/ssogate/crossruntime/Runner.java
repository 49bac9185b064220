package dev.ssogate.crossruntime;

import dev.ssogate.Connection;
import dev.ssogate.IdpMetadata;
import dev.ssogate.ReplayCache;
import dev.ssogate.SpKey;
import dev.ssogate.SsogateException;
import dev.ssogate.VerifiedLogin;
import dev.ssogate.VerifyOptions;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Java runner of the cross-runtime check (tests/cross_runtime/README.md): reads the case file, makes
 * the calls a Java user of dev.ssogate makes (only the public API, from another package), and writes one
 * JSON line per case. Decides nothing: the comparer judges.
 *
 * <pre>java -Djava.library.path=LIB -cp JAR:TEST_CLASSES dev.ssogate.crossruntime.Runner CASES VECTORS OUT</pre>
 *
 * Exit 0 when every case was run, whatever its outcome; 2 when the runner cannot do its job.
 */
public final class Runner {
    private static final Set<String> REPEATABLE = Set.of("allowed_domain", "sp_encryption_cert_file", "request_id");
    private static final Set<String> KEYS = Set.of("input", "op", "metadata_file", "entity_id", "now",
            "idp_metadata_file", "idp_metadata_xml", "import_now", "connection_id", "acs_url", "sp_entity_id",
            "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "email_attribute", "allowed_domain",
            "sp_encryption_cert_file", "allow_rsa_1_5", "allow_legacy_sp_key", "response_file", "form", "max_bytes",
            "request_id", "decryption_key_file", "decryption_cert_file", "decryption_key_legacy", "repeat");

    private final Path vectors;

    private Runner(Path vectors) {
        this.vectors = vectors;
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: Runner CASES_FILE VECTORS_DIR OUTPUT_FILE");
            System.exit(2);
        }
        try {
            List<Map<String, List<String>>> cases = parse(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8));
            Runner r = new Runner(Path.of(args[1]));
            try (Writer out = Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8)) {
                for (Map<String, List<String>> c : cases) {
                    out.write(json(r.run(c)));
                    out.write('\n');
                }
            }
        } catch (Exception e) {
            System.err.println("crossruntime.Runner: " + e);
            System.exit(2);
        }
    }

    static List<Map<String, List<String>>> parse(List<String> lines) {
        List<Map<String, List<String>>> cases = new ArrayList<>();
        Map<String, List<String>> cur = null;
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isEmpty()) {
                if (cur != null) {
                    cases.add(cur);
                }
                cur = null;
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new IllegalArgumentException("case line without a tab: " + line);
            }
            String key = line.substring(0, tab);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key " + key);
            }
            if (cur == null) {
                cur = new LinkedHashMap<>();
            }
            List<String> values = cur.computeIfAbsent(key, k -> new ArrayList<>());
            if (!values.isEmpty() && !REPEATABLE.contains(key)) {
                throw new IllegalArgumentException("key " + key + " repeated");
            }
            values.add(line.substring(tab + 1));
        }
        if (cur != null) {
            cases.add(cur);
        }
        return cases;
    }

    private static String one(Map<String, List<String>> c, String key) {
        List<String> v = c.get(key);
        return v == null ? null : v.get(0);
    }

    private static List<String> all(Map<String, List<String>> c, String key) {
        return c.getOrDefault(key, List.of());
    }

    private static boolean flag(Map<String, List<String>> c, String key) {
        return "1".equals(one(c, key));
    }

    private static Instant unix(Map<String, List<String>> c, String key) {
        return Instant.ofEpochSecond(Long.parseLong(one(c, key)));
    }

    private byte[] read(String rel) throws IOException {
        return Files.readAllBytes(vectors.resolve(rel));
    }

    Map<String, Object> run(Map<String, List<String>> c) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("input", one(c, "input"));
        String op = one(c, "op");
        try {
            if ("import".equals(op)) {
                IdpMetadata.Options o = new IdpMetadata.Options().now(unix(c, "now")).entityId(one(c, "entity_id"));
                try (IdpMetadata idp = IdpMetadata.importXml(read(one(c, "metadata_file")), o)) {
                    out.put("outcome", "OK");
                    out.put("code", "OK");
                    out.put("entity_id", idp.entityId());
                    out.put("certificates", idp.certificates().stream().map(IdpMetadata.Certificate::sha256).toList());
                    out.put("warnings", idp.warnings().stream().map(w -> w.code().name()).toList());
                }
            } else if ("verify".equals(op)) {
                VerifiedLogin login = verify(c);
                out.put("outcome", "OK");
                out.put("code", "OK");
                out.put("email", login.email());
                out.put("nameid", login.nameId());
                out.put("assertion_id", login.assertionId());
                out.put("idp_entity_id", login.idpEntityId());
            } else {
                throw new IllegalArgumentException("unknown op " + op);
            }
        } catch (SsogateException e) {
            out.clear();
            out.put("input", one(c, "input"));
            out.put("outcome", "REFUSED");
            out.put("code", e.code().name());
        }
        return out;
    }

    private VerifiedLogin verify(Map<String, List<String>> c) throws IOException {
        byte[] metadata = one(c, "idp_metadata_file") != null ? read(one(c, "idp_metadata_file"))
                : one(c, "idp_metadata_xml").getBytes(StandardCharsets.UTF_8);
        try (IdpMetadata idp = IdpMetadata.importXml(metadata, new IdpMetadata.Options().now(unix(c, "import_now")))) {
            Connection.Settings s = new Connection.Settings().id(one(c, "connection_id")).acsUrl(one(c, "acs_url"))
                    .spEntityId(one(c, "sp_entity_id")).allowIdpInitiated(flag(c, "allow_idp_initiated"))
                    .allowSha1(flag(c, "allow_sha1")).clockSkewSeconds(Integer.parseInt(one(c, "clock_skew_seconds")))
                    .allowRsa15(flag(c, "allow_rsa_1_5")).allowLegacySpKey(flag(c, "allow_legacy_sp_key"));
            if (one(c, "email_attribute") != null) {
                s.emailAttribute(one(c, "email_attribute"));
            }
            all(c, "allowed_domain").forEach(s::allowedDomain);
            for (String f : all(c, "sp_encryption_cert_file")) {
                s.spEncryptionCertificate(new String(read(f), StandardCharsets.UTF_8));
            }
            try (Connection conn = Connection.create(idp, s)) {
                SpKey key = null;
                if (one(c, "decryption_key_file") != null) {
                    byte[] k = read(one(c, "decryption_key_file"));
                    byte[] cert = read(one(c, "decryption_cert_file"));
                    key = flag(c, "decryption_key_legacy") ? SpKey.legacy(k, cert) : SpKey.of(k, cert);
                }
                Instant now = unix(c, "now");
                try (ReplayCache cache = ReplayCache.memory(new ReplayCache.Options().now(now))) {
                    byte[] body = read(one(c, "response_file"));
                    String form;
                    if (flag(c, "form")) {
                        for (byte b : body) {
                            if (b < 0) {
                                // The Java API takes the form value as a String (UTF-8): only ASCII crosses unchanged.
                                throw new IllegalArgumentException(one(c, "response_file") + " is not ASCII");
                            }
                        }
                        form = new String(body, StandardCharsets.US_ASCII);
                    } else {
                        form = Base64.getEncoder().encodeToString(body);
                    }
                    VerifyOptions o = new VerifyOptions(cache).now(now).maxBytes(Long.parseLong(one(c, "max_bytes")))
                            .pendingRequestIds(all(c, "request_id"))
                            .decryptionKeys(key == null ? List.of() : List.of(key));
                    int repeat = Integer.parseInt(one(c, "repeat"));
                    for (int i = 1; i < repeat; i++) {
                        try {
                            conn.verify(form, o);
                        } catch (SsogateException ignored) {
                            // Only the last attempt's result is recorded.
                        }
                    }
                    return conn.verify(form, o);
                } finally {
                    if (key != null) {
                        key.close();
                    }
                }
            }
        }
    }

    static String json(Object v) {
        if (v instanceof String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"': b.append("\\\""); break;
                    case '\\': b.append("\\\\"); break;
                    case '\n': b.append("\\n"); break;
                    case '\r': b.append("\\r"); break;
                    case '\t': b.append("\\t"); break;
                    default:
                        if (ch < 0x20) {
                            b.append(String.format("\\u%04x", (int) ch));
                        } else {
                            b.append(ch);
                        }
                }
            }
            return b.append('"').toString();
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) {
                parts.add(json(o));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                parts.add(json(e.getKey()) + ": " + json(e.getValue()));
            }
            return "{" + String.join(", ", parts) + "}";
        }
        throw new IllegalArgumentException("cannot write " + v);
    }
}
