package dev.ssogate.crossruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cross-runtime runner on a small case file of its format: one import, one accepted and one refused login. */
class RunnerTest {
    static final String VECTORS = System.getProperty("ssogate.vectors");

    static List<String> verifyCase(String input, String file, String requestId) {
        return List.of("input\t" + input, "op\tverify", "idp_metadata_file\tattacks/idp-metadata.xml",
                "import_now\t1767225600", "connection_id\tc1", "acs_url\thttps://app.example.com/sso/saml/c1/acs",
                "sp_entity_id\thttps://app.example.com/sso/saml/c1", "allow_idp_initiated\t0", "allow_sha1\t0",
                "clock_skew_seconds\t180", "allow_rsa_1_5\t0", "allow_legacy_sp_key\t0", "response_file\t" + file,
                "form\t0", "now\t1767225600", "max_bytes\t0", "request_id\t" + requestId, "repeat\t2", "");
    }

    @Test
    void writesOneLinePerCase(@TempDir Path tmp) throws Exception {
        Path cases = tmp.resolve("cases.txt");
        List<String> lines = new java.util.ArrayList<>(List.of("# a comment", "input\tmd", "op\timport",
                "metadata_file\tinterop/metadata/adfs-1.xml", "now\t1795824000", ""));
        lines.addAll(verifyCase("ok", "attacks/responses/valid-signed-both.xml", "_other"));
        lines.addAll(verifyCase("replayed", "attacks/responses/valid-signed-both.xml", "_req1"));
        Files.write(cases, lines);
        Path out = tmp.resolve("out.jsonl");
        Runner.main(new String[] {cases.toString(), VECTORS, out.toString()});
        List<String> got = Files.readAllLines(out);
        assertEquals(3, got.size());
        assertEquals(true, got.get(0).startsWith("{\"input\": \"md\", \"outcome\": \"OK\", \"code\": \"OK\", \"entity_id\": "),
                got.get(0));
        assertEquals(true, got.get(0).contains("\"warnings\": [\"WARN_CERT_EXPIRED\""), got.get(0));
        // Answering another request: refused; repeated twice with the right one: the second is a replay.
        assertEquals("{\"input\": \"ok\", \"outcome\": \"REFUSED\", \"code\": \"IN_RESPONSE_TO_UNKNOWN\"}", got.get(1));
        assertEquals("{\"input\": \"replayed\", \"outcome\": \"REFUSED\", \"code\": \"REPLAYED\"}", got.get(2));
    }

    @Test
    void unknownKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Runner.parse(List.of("input\tx", "colour\tblue")));
        assertEquals(List.of(Map.of("input", List.of("a b"), "request_id", List.of("1", "2"))),
                Runner.parse(List.of("input\ta b", "request_id\t1", "request_id\t2")));
    }
}
