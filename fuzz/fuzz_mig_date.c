/*
 * fuzz_mig_date.c — the migration date forms (src/migration/field.c):
 * YYYY-MM-DD, YYYYMMDD and 年号コード (2 digits) + YYMMDD, with 不詳 (whole or
 * in part) and the eras' limits.
 *
 * Input: one byte chooses the form, whether 不詳 is allowed in the item,
 * zero parts, and the text of a wholly unknown date; the rest is the date.
 * For any input:
 *   - reading either fails with a Japanese reason (valid UTF-8, not empty)
 *     or gives a canonical date: YYYY-MM-DD, a valid day from 1873, or (only
 *     when 不詳 is allowed) 0000-00-00, YYYY-00-00 or YYYY-MM-00;
 *   - a canonical date is written back in the same form, and reading that
 *     gives the same canonical date; when the form has one way of writing
 *     the date (not an era's overlap day, not 不詳 of a blank), the text
 *     written is the input itself;
 *   - writing the input taken as a canonical date either fails with a reason
 *     that does not quote it, or gives a text that reads back to it.
 */
#include "base/date.h"
#include "base/text.h"
#include "migration/codec_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mig_date: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void check_canonical(const char *c, bool unknown_ok)
{
    CHECK(strlen(c) == 10 && c[4] == '-' && c[7] == '-' && digits(c, 4) && digits(c + 5, 2) &&
          digits(c + 8, 2));
    int y = atoi(c), m = atoi(c + 5), d = atoi(c + 8);
    if (m == 0 || d == 0 || y == 0) {
        CHECK(unknown_ok);
        CHECK(d == 0);
        CHECK(y != 0 || m == 0);
        CHECK(y == 0 || y >= 1873);
        CHECK(m <= 12);
        return;
    }
    struct date dt = {y, (uint8_t)m, (uint8_t)d};
    CHECK(date_valid(dt));
}

static void check_reason(const char *r)
{
    CHECK(r[0] && text_utf8_valid(r, strlen(r), NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64)
        return 0;
    uint8_t o = data[0];
    static const char *forms[] = {"iso", "yyyymmdd", "era", "era"};
    static const char *unk[] = {"", "unknown_date =\n", "unknown_date = 99999999\n",
                                "unknown_date = X\n"};
    char text[256];
    snprintf(text, sizeof text, "[profile]\ndate = %s\nunknown_partial = %s\n%s", forms[o & 3],
             o & 4 ? "no" : "yes", unk[(o >> 3) & 3]);
    bool unknown_ok = (o & 32) != 0;
    struct mig_profile *p;
    struct kd_err e;
    CHECK(mig_profile_parse("f", text, strlen(text), NULL, NULL, &p, &e) == 0);
    const char *s = (const char *)data + 1;
    size_t n = size - 1;

    char canon[11], reason[MIG_REASON_CAP], out[32];
    size_t ol;
    if (mig_date_read(p, unknown_ok, s, n, canon, reason) < 0) {
        check_reason(reason);
    } else {
        check_canonical(canon, unknown_ok);
        if (mig_date_write(p, unknown_ok, canon, 10, out, &ol, reason) < 0) {
            fprintf(stderr, "%s: not written back: %s\n", canon, reason);
            CHECK(0 /* a date read cannot be written */);
        }
        CHECK(ol == strlen(out));
        char again[11];
        if (ol == 0) {
            /* a blank 不詳日: the reader's caller turns "" into 0000-00-00 */
            CHECK(p->unknown_date_len == 0 && strcmp(canon, "0000-00-00") == 0);
        } else {
            CHECK(mig_date_read(p, unknown_ok, out, ol, again, reason) == 0);
            CHECK(strcmp(again, canon) == 0);
        }
        /* one way of writing: ISO and YYYYMMDD exact dates */
        bool exact = strncmp(canon + 5, "00", 2) != 0 && strncmp(canon + 8, "00", 2) != 0;
        if (p->date != MIG_DATE_ERA && exact)
            CHECK(ol == n && memcmp(out, s, n) == 0);
    }
    reason[0] = '\0';
    if (mig_date_write(p, unknown_ok, s, n, out, &ol, reason) < 0) {
        check_reason(reason);
        if (n >= 4)
            CHECK(!memmem(reason, strlen(reason), s, n));
    } else {
        CHECK(n == 10);
        char copy[11];
        memcpy(copy, s, 10);
        copy[10] = '\0';
        check_canonical(copy, unknown_ok);
        if (ol > 0) {
            CHECK(mig_date_read(p, unknown_ok, out, ol, canon, reason) == 0);
            if (!(strncmp(s, "0000-00-00", 10) == 0 && p->unknown_date_len == 0))
                CHECK(memcmp(canon, s, 10) == 0);
        }
    }
    mig_profile_free(p);
    return 0;
}
