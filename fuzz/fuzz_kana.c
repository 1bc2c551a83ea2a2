/*
 * fuzz_kana.c — the search keys and the reading functions of engine/kana.
 *
 * For any input (at most 4 KiB):
 *   - kana_search_key and name_search_key never crash; a key is valid UTF-8
 *     of out_len bytes with no NUL inside, at most KANA_MAX_CHARS code
 *     points and KANA_KEY_MAX bytes, in NFKC (ICU's own check), and
 *     idempotent: the key of a key is the key;
 *   - a failure is one of the documented codes, and leaves "" in out;
 *   - with a buffer of the size the first input byte picks, the call either
 *     gives the same key or fails with KD_TOO_LONG and the size it needs;
 *   - kana_normalise_reading gives valid UTF-8, is idempotent, and does not
 *     change the reading's key;
 *   - a reading that kana_check_reading accepts is its own normal form.
 *
 * The first input byte is the small buffer's size; the rest is the text.
 */
#include "engine/kana.h"

#include "base/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_kana: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

typedef int (*key_fn)(const char *, size_t, char *, size_t, size_t *, struct kd_err *);

static void check_nfkc(const char *s, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar u[2 * KANA_MAX_CHARS];
    int32_t n = 0;
    u_strFromUTF8(u, 2 * KANA_MAX_CHARS, &n, s, (int32_t)len, &st);
    CHECK(U_SUCCESS(st));
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    CHECK(U_SUCCESS(st));
    CHECK(unorm2_isNormalized(nfkc, u, n, &st));
    CHECK(U_SUCCESS(st));
}

/* A key has no NUL inside (control characters are removed); a normalised
 * reading may (it passes what is not kana through, for the check to refuse). */
static void check_result(const char *out, size_t n, int is_key)
{
    CHECK(n <= KANA_KEY_MAX);
    CHECK(out[n] == '\0');
    CHECK(!is_key || strlen(out) == n);
    CHECK(text_utf8_valid(out, n, NULL));
    CHECK(text_utf8_chars(out, n) <= KANA_MAX_CHARS);
}

static void check_failure(int rc, const struct kd_err *err, const char *out)
{
    CHECK(rc == -1);
    CHECK(err->code == KD_INVALID_UTF8 || err->code == KD_TOO_LONG);
    CHECK(out[0] == '\0');
}

/* Returns 1 with the key in out, 0 when the input is refused. */
static int check_key(key_fn fn, const char *in, size_t len, size_t small_cap,
                     char out[KANA_KEY_MAX + 1], size_t *out_len)
{
    struct kd_err err = {0};
    size_t n = 12345;
    int rc = fn(in, len, out, KANA_KEY_MAX + 1, &n, &err);
    if (rc != 0) {
        check_failure(rc, &err, out);
        CHECK(n == 0);
        return 0;
    }
    check_result(out, n, 1);
    check_nfkc(out, n);

    /* Idempotent. */
    char again[KANA_KEY_MAX + 1];
    size_t n2 = 0;
    rc = fn(out, n, again, sizeof again, &n2, &err);
    if (rc != 0 || n2 != n || memcmp(again, out, n) != 0) {
        fprintf(stderr, "fuzz_kana: key not idempotent: %zu bytes -> %d, %zu bytes\n", n, rc, n2);
        abort();
    }

    /* A small buffer: the same key, or KD_TOO_LONG and the size needed. */
    char *small = malloc(small_cap + 1);
    CHECK(small);
    small[small_cap] = 'z';
    rc = fn(in, len, small, small_cap, &n2, &err);
    if (n + 1 <= small_cap) {
        CHECK(rc == 0 && n2 == n && memcmp(small, out, n + 1) == 0);
    } else {
        CHECK(rc == -1 && err.code == KD_TOO_LONG && n2 == n);
        CHECK(small_cap == 0 || small[0] == '\0');
    }
    CHECK(small[small_cap] == 'z');
    free(small);
    *out_len = n;
    return 1;
}

static void check_reading(const char *in, size_t len)
{
    char norm[KANA_KEY_MAX + 1], again[KANA_KEY_MAX + 1];
    size_t n = 0, n2 = 0;
    struct kd_err err = {0};
    int rc = kana_normalise_reading(in, len, norm, sizeof norm, &n, &err);
    int accepted = kana_check_reading(in, len, "f", &err) == 0;
    if (rc != 0) {
        check_failure(rc, &err, norm);
        CHECK(!accepted);
        return;
    }
    check_result(norm, n, 0);
    /* Idempotent. */
    CHECK(kana_normalise_reading(norm, n, again, sizeof again, &n2, &err) == 0);
    CHECK(n2 == n && memcmp(again, norm, n) == 0);
    /* A stored reading is its own normal form. */
    if (accepted)
        CHECK(n == len && memcmp(norm, in, len) == 0);
    /* Normalising does not change what the reading is found by. */
    char k1[KANA_KEY_MAX + 1], k2[KANA_KEY_MAX + 1];
    size_t l1 = 0, l2 = 0;
    if (kana_search_key(in, len, k1, sizeof k1, &l1, &err) == 0 &&
        kana_search_key(norm, n, k2, sizeof k2, &l2, &err) == 0) {
        if (l1 != l2 || memcmp(k1, k2, l1) != 0) {
            fprintf(stderr, "fuzz_kana: the key of the normalised reading differs\n");
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    size_t small_cap = data[0];
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    char out[KANA_KEY_MAX + 1];
    size_t n;
    check_key(kana_search_key, in, len, small_cap, out, &n);
    check_key(name_search_key, in, len, small_cap, out, &n);
    check_reading(in, len);
    return 0;
}
