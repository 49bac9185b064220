/*
 * The assertion harness of the C ABI test programs: count passing checks, stop at the first failure
 * with its file, line and expression (and both sides for strings and codes), and print the closing
 * "N passed, N failed" line that test runners read. Include it once per program, after ssogate.h.
 */
#ifndef SSOGATE_TESTS_CHECK_H
#define SSOGATE_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed;

static void fail_at(const char *file, int line, const char *what) {
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    printf("%d passed, 1 failed\n", passed);
    exit(1);
}

#define CHECK(cond)                             \
    do {                                        \
        if (cond) {                             \
            passed++;                           \
        } else {                                \
            fail_at(__FILE__, __LINE__, #cond); \
        }                                       \
    } while (0)

/* Strings: NULL-safe equality, printing both sides on failure. */
#define CHECK_STR(got, want)                                                                     \
    do {                                                                                         \
        const char *g_ = (got);                                                                  \
        const char *w_ = (want);                                                                 \
        if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {                                   \
            passed++;                                                                            \
        } else {                                                                                 \
            fprintf(stderr, "  got:  %s\n  want: %s\n", g_ ? g_ : "(NULL)", w_ ? w_ : "(NULL)"); \
            fail_at(__FILE__, __LINE__, #got " == " #want);                                      \
        }                                                                                        \
    } while (0)

/* The code recorded in err, printing the code name and message on a mismatch. */
#define CHECK_CODE(err, want)                                                                \
    do {                                                                                     \
        int c_ = ssogate_error_code(err);                                                    \
        if (c_ == (want)) {                                                                  \
            passed++;                                                                        \
        } else {                                                                             \
            fprintf(stderr, "  got:  %d %s: %s\n  want: %d %s\n", c_, ssogate_code_name(c_), \
                    ssogate_error_message(err), (want), ssogate_code_name(want));            \
            fail_at(__FILE__, __LINE__, "error code of " #err " == " #want);                 \
        }                                                                                    \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                           \
    do {                                                                                      \
        const char *h_ = (hay);                                                               \
        if (h_ != NULL && strstr(h_, (needle)) != NULL) {                                     \
            passed++;                                                                         \
        } else {                                                                              \
            fprintf(stderr, "  \"%s\" not found in: %.400s\n", (needle), h_ ? h_ : "(NULL)"); \
            fail_at(__FILE__, __LINE__, #hay " contains " #needle);                           \
        }                                                                                     \
    } while (0)

#endif /* SSOGATE_TESTS_CHECK_H */
