/*
 * fuzz_clock.c — the text boundary helpers of base/: ISO instants, UTF-8
 * validation, decimal integers.
 *
 * The whole input is, in turn:
 *   - a timestamp for clock_parse_iso(); when it parses, clock_format_iso()
 *     must give the 24-character form of the same instant back (the input
 *     itself for that form, ".000Z" or "T00:00:00.000Z" appended to the
 *     shorter ones), and that must parse to the same milliseconds;
 *   - bytes for text_utf8_valid(), compared with a plain reference decoder
 *     (verdict and offset of the first bad sequence);
 *   - a number for text_parse_i64() under a few ranges, compared with a
 *     reference built on strtoll();
 * and its first 8 bytes are an instant for clock_format_iso(), which must
 * round-trip through clock_parse_iso() for years 0000 to 9999.
 */
#include "base/clock.h"
#include "base/text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_clock: check failed: %s (line %d)\n", #cond, __LINE__);      \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* ---- ISO instants ---------------------------------------------------------- */

static void check_iso(const char *s, size_t len)
{
    int64_t ms;
    if (!clock_parse_iso(s, len, &ms))
        return;
    CHECK(len == 10 || len == 20 || len == 24);
    char want[CLOCK_ISO_LEN];
    if (len == 24) {
        memcpy(want, s, 24);
    } else if (len == 20) {
        memcpy(want, s, 19);
        memcpy(want + 19, ".000Z", 5);
    } else {
        memcpy(want, s, 10);
        memcpy(want + 10, "T00:00:00.000Z", 14);
    }
    want[24] = '\0';
    char got[CLOCK_ISO_LEN];
    clock_format_iso(ms, got);
    if (memcmp(got, want, CLOCK_ISO_LEN) != 0) {
        fprintf(stderr, "fuzz_clock: parsed %.*s as %lld, formatted back as %s\n", (int)len, s,
                (long long)ms, got);
        abort();
    }
    int64_t again;
    CHECK(clock_parse_iso(got, 24, &again) && again == ms);
}

/* [0000-01-01T00:00:00.000Z, 10000-01-01T00:00:00.000Z) in ms */
#define MS_YEAR0 (-62167219200000LL)
#define MS_YEAR10000 (253402300800000LL)

static void check_format(int64_t ms)
{
    char buf[CLOCK_ISO_LEN];
    clock_format_iso(ms, buf);
    CHECK(buf[24] == '\0' && strlen(buf) == 24);
    if (ms < MS_YEAR0 || ms >= MS_YEAR10000)
        return;
    int64_t back;
    if (!clock_parse_iso(buf, 24, &back) || back != ms) {
        fprintf(stderr, "fuzz_clock: %lld formatted as %s does not parse back\n",
                (long long)ms, buf);
        abort();
    }
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* RFC 3629 by the book: decode by the lead byte's bit pattern, then refuse
 * overlongs, surrogates and code points past U+10FFFF. */
static bool ref_utf8_valid(const unsigned char *s, size_t len, size_t *bad_at)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i], cp, n;
        if ((c & 0x80) == 0) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            n = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 4, cp = c & 0x07;
        else
            goto bad;
        if (len - i < n)
            goto bad;
        for (unsigned k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
            goto bad; /* overlong */
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += n;
        continue;
    bad:
        *bad_at = i;
        return false;
    }
    return true;
}

static void check_utf8(const char *s, size_t len)
{
    size_t bad = (size_t)-1, ref_bad = (size_t)-2;
    bool ok = text_utf8_valid(s, len, &bad);
    bool ref = ref_utf8_valid((const unsigned char *)s, len, &ref_bad);
    if (ok != ref || (!ok && bad != ref_bad)) {
        fprintf(stderr, "fuzz_clock: text_utf8_valid says %s (at %zu), the reference %s (at %zu)\n",
                ok ? "valid" : "invalid", ok ? (size_t)0 : bad, ref ? "valid" : "invalid",
                ref ? (size_t)0 : ref_bad);
        abort();
    }
    CHECK(text_utf8_valid(s, len, NULL) == ok);
    if (ok) {
        /* Code points counted = bytes that are not continuation bytes. */
        size_t chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)s[i] & 0xC0) != 0x80;
        CHECK(text_utf8_chars(s, len) == chars);
    }
}

/* ---- integers ----------------------------------------------------------- */

/* The documented form: an optional '-', then one to 19 digits (the limit
 * keeps the accumulator from wrapping; a longer number is refused). */
static bool ref_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    size_t i = len > 0 && s[0] == '-';
    if (i == len || len - i > 19)
        return false;
    for (size_t k = i; k < len; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    char buf[32];
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static void check_i64(const char *s, size_t len)
{
    static const int64_t ranges[][2] = {
        {INT64_MIN, INT64_MAX}, {0, 65535}, {1, 500}, {-5, 5}, {1, INT64_MAX},
    };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        int64_t got = 0x5a5a, want = 0x5a5a;
        bool ok = text_parse_i64(s, len, ranges[r][0], ranges[r][1], &got);
        bool ref = len < 32 && ref_parse_i64(s, len, ranges[r][0], ranges[r][1], &want);
        if (ok != ref || got != want) {
            fprintf(stderr, "fuzz_clock: text_parse_i64(\"%.*s\", %lld, %lld): %s %lld, "
                            "reference %s %lld\n",
                    (int)len, s, (long long)ranges[r][0], (long long)ranges[r][1],
                    ok ? "ok" : "refused", (long long)got, ref ? "ok" : "refused",
                    (long long)want);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;
    check_iso(s, size);
    check_utf8(s, size);
    check_i64(s, size);
    if (size >= 8) {
        uint64_t u;
        memcpy(&u, data, 8);
        check_format((int64_t)u);
    }
    return 0;
}
