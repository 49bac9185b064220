package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_error;
import dev.ssogate.internal.capi.SsogateCapi;

import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/** What every class of the package shares to call the C ABI. */
final class Native {
    private Native() {}

    /** Frees the handles of objects that were never closed, when they become unreachable. */
    static final Cleaner CLEANER = Cleaner.create();

    /** UTF-8 bytes of s for a (pointer, length) argument; null stays null, which C reads as (NULL, 0). */
    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A list as the C ABI takes it: one string, items separated by spaces. An item that is empty or holds
     * a space or a comma would be split differently by C, so it is refused here.
     */
    static byte[] joined(String what, List<String> items) {
        if (items == null || items.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (String item : items) {
            if (item == null || item.isEmpty() || item.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c))) {
                throw new SsogateException(Code.INVALID_ARGUMENT,
                        what + ": item \"" + item + "\" is empty or contains a comma or white space");
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(item);
        }
        return utf8(b.toString());
    }

    static int bool(boolean b) {
        return b ? 1 : 0;
    }

    /** A Unix time from C as an Instant; 0 (not set) as null. */
    static Instant instantOrNull(long unix) {
        return unix == 0 ? null : Instant.ofEpochSecond(unix);
    }

    static long unixOrZero(Instant t) {
        return t == null ? 0 : t.getEpochSecond();
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * One ssogate_error for one call. The C library never shares error state between calls or threads,
     * and neither does this package: every call that can fail makes its own and frees it.
     */
    static final class Err implements AutoCloseable {
        final SWIGTYPE_p_ssogate_error h;

        Err() {
            NativeLibrary.ensureLoaded();
            h = SsogateCapi.ssogate_error_new();
            if (h == null) {
                throw new OutOfMemoryError("ssogate_error_new returned NULL");
            }
        }

        /**
         * The recorded C error as an exception; the messages are copied before the error is freed. A
         * failing call that recorded no code is a library bug, reported as such instead of as success.
         */
        SsogateException failure(String call) {
            int code = SsogateCapi.ssogate_error_code(h);
            if (code == 0) {
                return new SsogateException(Code.INTERNAL, call + " failed but recorded no error code");
            }
            String identity = SsogateCapi.ssogate_error_signed_identity(h);
            return new SsogateException(code, SsogateCapi.ssogate_error_message(h),
                    SsogateCapi.ssogate_error_user_message(h), identity != null, identity);
        }

        /** Throws the recorded error when rc is not SSOGATE_OK. */
        void check(int rc, String call) {
            if (rc != 0) {
                throw failure(call);
            }
        }

        /** Throws the recorded error when a call that makes a handle returned NULL. */
        <T> T made(T handle, String call) {
            if (handle == null) {
                throw failure(call);
            }
            return handle;
        }

        @Override
        public void close() {
            SsogateCapi.ssogate_error_free(h);
        }
    }

    /**
     * A C handle owned by one Java object. Calls hold a read lock while they use it, so that close()
     * on another thread waits for them instead of freeing a handle C is using; close() is idempotent,
     * and a call on a closed handle throws INVALID_ARGUMENT naming the object. The Cleaner frees the
     * handle of an object nobody closed once it is unreachable.
     */
    static final class Ref<T> implements Runnable {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final String what;
        private final Consumer<T> free;
        private T handle;
        private Cleaner.Cleanable cleanable;

        Ref(String what, T handle, Consumer<T> free) {
            this.what = what;
            this.handle = handle;
            this.free = free;
        }

        /** Registers the Cleaner for owner (which must not be referenced by this Ref). */
        Ref<T> cleanedWith(Object owner) {
            cleanable = CLEANER.register(owner, this);
            return this;
        }

        /** Frees the handle now (once; later calls do nothing). */
        void close() {
            if (cleanable != null) {
                cleanable.clean();
            } else {
                run();
            }
        }

        <R> R use(Function<T, R> f) {
            lock.readLock().lock();
            try {
                if (handle == null) {
                    throw new SsogateException(Code.INVALID_ARGUMENT, what + " is closed");
                }
                return f.apply(handle);
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (handle != null) {
                    free.accept(handle);
                    handle = null;
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }
}
