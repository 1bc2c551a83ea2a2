/*
 * fuzz_senkyo.c — the 選挙人名簿's handling of outside text: the 投票区
 * table a clerk sends, addresses matched against it, the order of
 * addresses, periods of months, and the CSV writer in UTF-8 and CP932.
 *
 * The input is lines (at most 8 KiB). Lines of the form
 * "code|name|place|D|prefix,prefix" make a 投票区 table (D: 1 for the
 * default); every line is also an address and a text to sort. For any input:
 *   - senkyo_districts_check never crashes; a table it accepts has one
 *     default and unique codes and prefixes, and then senkyo_district_of
 *     gives an index in range, and a match by prefix really is a prefix of
 *     the address's local part (and the longest), else the default;
 *   - senkyo_text_cmp is a total order on the lines: cmp(a, a) = 0, the sign
 *     flips with the arguments, and it is transitive on three;
 *   - senkyo_period_end on a date made of the first bytes either fails or
 *     ends on or after the day it starts from;
 *   - the CSV of electors whose items are the lines is, in UTF-8, the byte
 *     order mark then valid UTF-8 (when the lines are); in CP932 with 〓 it
 *     decodes from CP932 again; in CP932 without 〓 it fails exactly when a
 *     character was unmappable.
 */
#include "base/text.h"
#include "residents/senkyo.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_senkyo: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#define MAX_LINES 64

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* Splits s at c into at most n parts (in place); returns the count. */
static int split(char *s, char c, char **parts, int n)
{
    int k = 0;
    parts[k++] = s;
    for (char *p = s; *p && k < n; p++)
        if (*p == c) {
            *p = '\0';
            parts[k++] = p + 1;
        }
    return k;
}

static void districts(char **lines, int nlines)
{
    struct senkyo_district d[MAX_LINES];
    const char *prefixes[MAX_LINES][8];
    struct senkyo_districts t = {0, d};
    char copy[MAX_LINES][256];
    for (int i = 0; i < nlines; i++) {
        snprintf(copy[i], sizeof copy[i], "%s", lines[i]);
        char *f[5];
        if (split(copy[i], '|', f, 5) != 5)
            continue;
        char *p[8];
        int np = f[4][0] ? split(f[4], ',', p, 8) : 0;
        struct senkyo_district *x = &d[t.count++];
        *x = (struct senkyo_district){f[0], f[1], f[2], f[3][0] == '1', np, prefixes[t.count - 1]};
        for (int k = 0; k < np; k++)
            prefixes[t.count - 1][k] = p[k];
    }
    struct kd_err err;
    if (senkyo_districts_check(&t, &err) < 0) {
        CHECK(err.code != KD_OK);
        return;
    }
    int defaults = 0;
    for (int i = 0; i < t.count; i++) {
        defaults += t.d[i].is_default;
        for (int j = 0; j < i; j++)
            CHECK(strcmp(t.d[i].code, t.d[j].code) != 0);
    }
    CHECK(defaults == 1);
    const char *town = nlines > 0 ? lines[0] : "";
    for (int i = 0; i < nlines; i++) {
        bool by_default;
        int at = senkyo_district_of(&t, lines[i], town, &by_default);
        CHECK(at >= 0 && at < t.count);
        const char *local = senkyo_local_address(lines[i], town);
        CHECK(local >= lines[i] && local <= lines[i] + strlen(lines[i]));
        size_t best = 0;
        for (int k = 0; k < t.count; k++)
            for (int p = 0; p < t.d[k].nprefix; p++) {
                size_t n = strlen(t.d[k].prefix[p]);
                if (strncmp(local, t.d[k].prefix[p], n) == 0 && n > best)
                    best = n;
            }
        if (by_default) {
            CHECK(best == 0);
            CHECK(t.d[at].is_default);
        } else {
            bool found = false;
            for (int p = 0; p < t.d[at].nprefix; p++)
                found |= strlen(t.d[at].prefix[p]) == best &&
                         strncmp(local, t.d[at].prefix[p], best) == 0;
            CHECK(found);
        }
    }
}

static void order(char **lines, int nlines)
{
    for (int i = 0; i < nlines; i++) {
        CHECK(senkyo_text_cmp(lines[i], lines[i]) == 0);
        for (int j = 0; j < nlines && j < 16; j++) {
            int ab = sign(senkyo_text_cmp(lines[i], lines[j]));
            CHECK(ab == -sign(senkyo_text_cmp(lines[j], lines[i])));
            CHECK((ab == 0) == (strcmp(lines[i], lines[j]) == 0));
            for (int k = 0; k < nlines && k < 8; k++)
                if (ab <= 0 && senkyo_text_cmp(lines[j], lines[k]) <= 0)
                    CHECK(senkyo_text_cmp(lines[i], lines[k]) <= 0);
        }
    }
}

static void periods(const uint8_t *data, size_t size)
{
    if (size < 4)
        return;
    struct date from = {1873 + (data[0] | (data[1] & 0x1F) << 8), (uint8_t)(data[2] % 14),
                        (uint8_t)(data[3] % 33)};
    if (!date_valid(from))
        return;
    struct kd_err err;
    struct date end;
    int months = data[1] >> 5;
    if (senkyo_period_end(from, months, &end, &err) == 0)
        CHECK(date_cmp(end, from) >= 0);
}

static bool decodes_cp932(const char *s, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1)
        return true;
    char out[4096];
    char *ip = (char *)s, *op;
    size_t il = n, ol;
    bool ok = true;
    while (il > 0 && ok) {
        op = out;
        ol = sizeof out;
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && ol == sizeof out)
            ok = false;
    }
    iconv_close(cd);
    return ok;
}

static void csv(char **lines, int nlines)
{
    struct senkyo_elector e[MAX_LINES];
    for (int i = 0; i < nlines; i++) {
        const char *s = lines[i];
        e[i] = (struct senkyo_elector){.atena = s, .setai = s, .zokugara = "世帯主", .shimei = s,
                                       .shimei_kana = s, .birth = "2000-01-01", .birth_text = s,
                                       .sex = i % 3, .postcode = "", .address = s,
                                       .katagaki = s, .jumin_code = "", .reason = SENKYO_REGISTERED,
                                       .moved_out = "", .start = "", .district = -1, .number = i};
    }
    struct senkyo_roll r = {.count = nlines, .e = e};
    struct senkyo_file f;
    struct kd_err err;
    bool valid = true;
    for (int i = 0; i < nlines; i++)
        valid &= text_utf8_valid(lines[i], strlen(lines[i]), NULL);
    CHECK(senkyo_roll_csv(&r, 0, nlines, SENKYO_UTF8, SENKYO_UNMAPPABLE_FAIL, &f, &err) == 0);
    CHECK(f.len >= 3 && memcmp(f.data, "\xEF\xBB\xBF", 3) == 0);
    CHECK(!valid || text_utf8_valid(f.data, f.len, NULL));
    free(f.data);
    CHECK(senkyo_roll_csv(&r, 0, nlines, SENKYO_CP932, SENKYO_UNMAPPABLE_GETA, &f, &err) == 0);
    int unmapped = f.unmapped;
    CHECK(decodes_cp932(f.data, f.len));
    free(f.data);
    int rc = senkyo_roll_csv(&r, 0, nlines, SENKYO_CP932, SENKYO_UNMAPPABLE_FAIL, &f, &err);
    if (unmapped) {
        CHECK(rc == -1 && err.code == KD_CONFLICT && strcmp(err.field, "encoding") == 0);
    } else {
        CHECK(rc == 0);
        free(f.data);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *lines[MAX_LINES];
    int n = 0;
    /* Lines without NUL (the texts come from JSON strings, which cannot
     * hold one, or from the database). */
    for (char *p = text; n < MAX_LINES && p <= text + size;) {
        char *end = memchr(p, '\n', (size_t)(text + size - p));
        if (end)
            *end = '\0';
        if (strlen(p) < 250)
            lines[n++] = p;
        if (!end)
            break;
        p = end + 1;
    }
    districts(lines, n);
    order(lines, n);
    periods(data, size);
    csv(lines, n);
    free(text);
    return 0;
}
