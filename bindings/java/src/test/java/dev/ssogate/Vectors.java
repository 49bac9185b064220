package dev.ssogate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The shared conformance data, tests/vectors: the same files the C++, C, Python and Go tests read. The
 * directory comes from the system property ssogate.vectors (the pom sets it to the repository's); a
 * missing directory fails the tests instead of skipping them.
 */
final class Vectors {
    private Vectors() {}

    /** The clock of the interop corpus: its generation date, so that its expiry facts hold. */
    static final Instant CORPUS_NOW = Instant.parse("2026-11-28T00:00:00Z");

    static Path dir(String sub) {
        String root = System.getProperty("ssogate.vectors", "");
        if (root.isEmpty()) {
            throw new IllegalStateException("set -Dssogate.vectors=<repository>/tests/vectors");
        }
        Path p = Path.of(root, sub);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("ssogate.vectors=" + root + ": no " + sub + " directory there");
        }
        return p;
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Path p) {
        return new String(bytes(p), StandardCharsets.UTF_8);
    }

    static Map<String, Object> manifest(String sub) {
        return Json.obj(Json.parse(text(dir(sub).resolve("manifest.json"))));
    }
}
