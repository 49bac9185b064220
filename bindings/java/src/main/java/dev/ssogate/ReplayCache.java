package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_replay_cache;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_replay_cache_options;

import java.time.Instant;

/**
 * Remembers assertion IDs until they expire, so that a SAMLResponse cannot be posted twice. Safe for
 * concurrent use: make one per process (memory) or share one store between processes (SQLite) or nodes
 * (Redis). A cache that cannot answer makes verification refuse with STORE_UNAVAILABLE.
 */
public final class ReplayCache implements AutoCloseable {
    /** Optional settings; the defaults are the library's. */
    public static final class Options {
        private Instant now;
        private long maxEntries;
        private long maxEntriesPerConnection;

        /**
         * Freezes the clock that decides when an entry may be forgotten; tests that verify with a
         * frozen {@link VerifyOptions#now} set it too, or an old response would be forgotten at once.
         */
        public Options now(Instant now) {
            this.now = now;
            return this;
        }

        /** Live entries in all (0: 1,000,000); beyond it logins are refused, nothing is forgotten early. */
        public Options maxEntries(long n) {
            maxEntries = n;
            return this;
        }

        /** Live entries of one connection (0: a tenth of maxEntries). */
        public Options maxEntriesPerConnection(long n) {
            maxEntriesPerConnection = n;
            return this;
        }
    }

    final Native.Ref<SWIGTYPE_p_ssogate_replay_cache> ref;

    private ReplayCache(SWIGTYPE_p_ssogate_replay_cache h) {
        ref = new Native.Ref<>("the replay cache", h, SsogateCapi::ssogate_replay_cache_free).cleanedWith(this);
    }

    /** An in-memory cache for this process. */
    public static ReplayCache memory() {
        return open("memory:", null);
    }

    /** An in-memory cache for this process. */
    public static ReplayCache memory(Options options) {
        return open("memory:", options);
    }

    /** Opens "memory:", "sqlite:PATH" or "redis://HOST:PORT[/DB]"; STORE_LOCATION for anything else. */
    public static ReplayCache open(String location) {
        return open(location, null);
    }

    public static ReplayCache open(String location, Options options) {
        Options opts = options == null ? new Options() : options;
        try (Native.Err e = new Native.Err()) {
            ssogate_replay_cache_options o = new ssogate_replay_cache_options();
            try {
                o.setNow(Native.unixOrZero(opts.now));
                o.setMax_entries(opts.maxEntries);
                o.setMax_entries_per_connection(opts.maxEntriesPerConnection);
                return new ReplayCache(e.made(SsogateCapi.ssogate_replay_cache_open(Native.utf8(location), o, e.h),
                        "ssogate_replay_cache_open"));
            } finally {
                o.delete();
            }
        }
    }

    /** Releases the cache (and its database or Redis connection); waits for calls using it. */
    @Override
    public void close() {
        ref.close();
    }
}
