package dev.ssogate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An RSA-2048 SP key pair made fresh with the openssl command (an independent tool), as the Python
 * tests do: nothing secret is committed.
 */
final class TestKeys {
    private TestKeys() {}

    record Pair(String keyPem, String certPem) {}

    static Pair selfSigned(Path dir, String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name + "-key.pem");
        Path cert = dir.resolve(name + "-cert.pem");
        Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                "-days", "3650", "-subj", "/CN=" + name + ".ssogate.test", "-keyout", key.toString(), "-out", cert.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("openssl req failed for " + name);
        }
        return new Pair(Files.readString(key), Files.readString(cert));
    }
}
