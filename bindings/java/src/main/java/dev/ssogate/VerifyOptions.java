package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_sp_key;
import dev.ssogate.internal.capi.ssogate_verify_options;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** The inputs of {@link Connection#verify} and {@link Connection#finishLogin} besides the response. */
public final class VerifyOptions {
    private final ReplayCache replayCache;
    private List<String> pendingRequestIds = List.of();
    private Instant now;
    private long maxBytes;
    private long maxAgeSeconds;
    private List<SpKey> decryptionKeys = List.of();

    /** The replay cache is required: without one a replayed SAMLResponse would be accepted. */
    public VerifyOptions(ReplayCache replayCache) {
        if (replayCache == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT,
                    "VerifyOptions: a replay cache is required; without one a replayed SAMLResponse would be accepted");
        }
        this.replayCache = replayCache;
    }

    /**
     * The IDs of the AuthnRequests this browser is waiting for (from the host's session). None: only
     * an unsolicited login can pass, and only when the connection allows IdP-initiated login.
     */
    public VerifyOptions pendingRequestIds(List<String> ids) {
        pendingRequestIds = List.copyOf(ids);
        return this;
    }

    /** Freezes the clock (tests); null: the system clock. */
    public VerifyOptions now(Instant now) {
        this.now = now;
        return this;
    }

    /** Caps the decoded Response (0: 1 MiB). */
    public VerifyOptions maxBytes(long maxBytes) {
        this.maxBytes = maxBytes;
        return this;
    }

    /** How old (or far in the future) an IssueInstant may be, plus the clock skew (0: 600 s). */
    public VerifyOptions maxAgeSeconds(long seconds) {
        this.maxAgeSeconds = seconds;
        return this;
    }

    /**
     * The SP's encryption keys, for a Response with an EncryptedAssertion; only those whose certificate
     * is one of the connection's SP encryption certificates are tried. None: ASSERTION_ENCRYPTED.
     */
    public VerifyOptions decryptionKeys(List<SpKey> keys) {
        decryptionKeys = new ArrayList<>(keys);
        return this;
    }

    ReplayCache replayCache() {
        return replayCache;
    }

    List<String> pendingRequestIds() {
        return pendingRequestIds;
    }

    /** The pending IDs as C takes them: one string, separated by spaces (an NCName has none). */
    byte[] pendingIdsArgument(String name) {
        return Native.joined(name + ": pending request ID", pendingRequestIds);
    }

    /** Runs call with these options as C verify options and an error object, every key held open. */
    <R> R run(String name, BiFunction<ssogate_verify_options, Native.Err, R> call) {
        if (maxAgeSeconds < 0 || maxBytes < 0) {
            throw new SsogateException(Code.INVALID_ARGUMENT, name + ": maxAgeSeconds and maxBytes must not be negative");
        }
        try (Native.Err e = new Native.Err()) {
            ssogate_verify_options o = new ssogate_verify_options();
            try {
                o.setNow(Native.unixOrZero(now));
                o.setMax_bytes(maxBytes);
                o.setMax_age_seconds(maxAgeSeconds);
                if (decryptionKeys.isEmpty()) {
                    return call.apply(o, e);
                }
                if (o.alloc_decryption_keys(decryptionKeys.size()) != 0) {
                    throw new OutOfMemoryError("allocating ssogate_verify_options.decryption_keys failed");
                }
                try {
                    return withKeys(0, o, () -> call.apply(o, e));
                } finally {
                    o.free_decryption_keys();
                }
            } finally {
                o.delete();
            }
        }
    }

    /** Holds key i (and, recursively, the keys after it) open while it sits in the C array. */
    private <R> R withKeys(int i, ssogate_verify_options o, java.util.function.Supplier<R> call) {
        if (i == decryptionKeys.size()) {
            return call.get();
        }
        SpKey k = decryptionKeys.get(i);
        if (k == null) {
            return withKeys(i + 1, o, call);
        }
        return k.ref.use((SWIGTYPE_p_ssogate_sp_key h) -> {
            if (o.set_decryption_key(i, h) != 0) {
                throw new SsogateException(Code.INTERNAL, "setting decryption key " + i + " failed");
            }
            return withKeys(i + 1, o, call);
        });
    }
}
