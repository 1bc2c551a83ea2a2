/*
 * numbers.c — 宛名番号 and 世帯番号: serial + モジュラス11 check digit
 * (住民記録システム標準仕様書 1.1.13; identifiers-and-dates.md §1.5).
 *
 * The standard fixes the rule (weights 2..7 from the rightmost digit,
 * remainder 0 -> 0) but not the width of the number nor what remainder 1
 * gives. Both are town settings:
 *   residents.number_digits   total digits incl. the check digit (default 10)
 *   residents.m11_remainder1  "skip" (default: such serials are not issued)
 *                             or "zero" (check digit 0)
 */
#include "residents/internal.h"
#include "residents/bulk.h"

#include "engine/ident.h"
#include "engine/settings.h"

#include <stdio.h>
#include <string.h>

/* The next serial of series (1 when none was issued yet). */
static int serial_next(struct store *town, const char *series, int64_t *next,
                       struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, "SELECT next FROM serials WHERE name = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, series);
    enum store_step rc = store_step(st, err);
    *next = rc == STORE_ROW ? store_col_i64(st, 0) : 1;
    store_reset(st);
    return rc == STORE_ERROR ? -1 : 0;
}

static int serial_set(struct store *town, const char *series, int64_t next, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town,
                                          "INSERT INTO serials (name, next) VALUES (?, ?)"
                                          " ON CONFLICT (name) DO UPDATE SET next = excluded.next",
                                          err);
    if (!st)
        return -1;
    store_bind_str(st, 1, series);
    store_bind_i64(st, 2, next);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

int residents_series_past(struct store *town, const char *series, int64_t serial,
                          struct kd_err *err)
{
    int64_t next;
    if (serial < 0)
        return 0;
    if (serial_next(town, series, &next, err) < 0)
        return -1;
    return next > serial ? 0 : serial_set(town, series, serial + 1, err);
}

int numbers_next(struct store *town, const char *series, char out[16], struct arena *a,
                 struct kd_err *err)
{
    int64_t digits;
    const char *r1;
    if (settings_get_int(town, "residents.number_digits", 10, 4, 15, &digits, err) < 0 ||
        settings_get(town, "residents.m11_remainder1", "skip", &r1, a, err) < 0)
        return -1;
    enum ident_m11_r1 rule;
    if (strcmp(r1, "skip") == 0)
        rule = IDENT_M11_R1_SKIP;
    else if (strcmp(r1, "zero") == 0)
        rule = IDENT_M11_R1_ZERO;
    else
        return kd_fail(err, KD_INVALID_VALUE, "residents.m11_remainder1",
                       "setting residents.m11_remainder1 must be skip or zero");

    int64_t next;
    if (serial_next(town, series, &next, err) < 0)
        return -1;

    int width = (int)digits - 1;
    int64_t limit = 1;
    for (int i = 0; i < width; i++)
        limit *= 10;
    int cd;
    char serial[16];
    for (;;) {
        if (next >= limit)
            return kd_fail(err, KD_CONFLICT, series, "the %s numbers are used up", series);
        snprintf(serial, sizeof serial, "%0*lld", width, (long long)next);
        cd = ident_m11_check_digit(serial, (size_t)width, rule);
        next++;
        if (cd >= 0)
            break;
    }
    snprintf(out, 16, "%s%d", serial, cd);
    return serial_set(town, series, next, err);
}
