/*
 * milestones.c — age milestones (年齢到達) published as register events.
 *
 * Reaching an age changes nothing in the register, but other 業務 act on it:
 * 介護保険 第1号被保険者 at 65, 後期高齢者医療 at 75, 国民年金 at 20, 印鑑登録 at
 * 15, 選挙権 at 18, 就学 at 6. The register publishes the day each resident
 * reaches one of the town's milestone ages (setting residents.milestone_ages)
 * as an event in the same sequence as the 異動 (register_events), so a
 * system reading GET /api/v1/events sees both in order, and tells the
 * in-process milestone subscribers in the same transaction.
 *
 * The age is reached on the day before the birthday (date_reaches_age: 年齢
 * 計算ニ関スル法律). A resident is one whose record on that day is 'resident';
 * a person who moves in after the day is not told about it again.
 *
 * residents_publish_milestones() catches up, day by day, from the day after
 * the last one published (milestone_progress) to a given day; the first run
 * starts with that day. The server runs it at start and when the date
 * changes; `kyodo residents milestones` runs it by hand.
 */
#include "residents/internal.h"

#include "base/clock.h"
#include "base/date.h"
#include "engine/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_AGES "6,15,18,20,40,65,70,75"

enum { MAX_AGES = 16, MAX_MILESTONE_SUBSCRIBERS = 8 };

static milestone_subscriber milestone_subscribers[MAX_MILESTONE_SUBSCRIBERS];
static int milestone_subscriber_count;

int residents_subscribe_milestones(milestone_subscriber fn)
{
    if (milestone_subscriber_count == MAX_MILESTONE_SUBSCRIBERS)
        return -1;
    milestone_subscribers[milestone_subscriber_count++] = fn;
    return 0;
}

/* "6,15,18" → ages, ascending, each 1..DATE_AGE_MAX once. */
static int parse_ages(const char *s, int *ages, int *n, struct kd_err *err)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > DATE_AGE_MAX || (*n > 0 && v <= ages[*n - 1]) ||
            *n == MAX_AGES || (*end && *end != ','))
            return kd_fail(err, KD_INVALID_VALUE, "residents.milestone_ages",
                           "residents.milestone_ages must be ages from 1 to %d in increasing "
                           "order, separated by commas (at most %d)",
                           DATE_AGE_MAX, MAX_AGES);
        ages[(*n)++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

int residents_milestone_ages(struct store *town, int *ages, int *n, struct arena *a,
                             struct kd_err *err)
{
    const char *s;
    if (settings_get(town, "residents.milestone_ages", DEFAULT_AGES, &s, a, err) < 0)
        return -1;
    return parse_ages(s, ages, n, err);
}

/* Residents born in [from, to] whose record on `day` is 'resident'. */
static const char SQL_BORN[] =
    "SELECT i.atena, i.birth FROM resident_index i"
    " WHERE i.birth >= ?1 AND i.birth <= ?2 AND i.birth <> ''";

static const char SQL_PUBLISH[] =
    "INSERT INTO register_events (source, atena, age, on_date, recorded_at)"
    " VALUES ('age', ?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";

/* Publishes the milestones of one day; *count += how many. */
static int publish_day(struct store *town, struct date day, const int *ages, int nages,
                       const char *now_iso, int *count, struct arena *a, struct kd_err *err)
{
    char day_iso[DATE_ISO_LEN];
    date_format_iso(day, day_iso);
    for (int k = 0; k < nages; k++) {
        /* Who reaches ages[k] on `day` was born about ages[k] years before
         * the day after: look two days either side, then decide exactly. */
        struct date lo, hi;
        if (date_add_years(day, -ages[k], &lo, err) < 0)
            return -1;
        hi = lo;
        if (date_add_days(lo, -2, &lo, NULL) < 0 || date_add_days(hi, 3, &hi, NULL) < 0)
            continue; /* the window leaves the calendar's range: nobody */
        char lo_iso[DATE_ISO_LEN], hi_iso[DATE_ISO_LEN];
        date_format_iso(lo, lo_iso);
        date_format_iso(hi, hi_iso);
        struct store_stmt *st = store_prepare(town, SQL_BORN, err);
        if (!st)
            return -1;
        store_bind_str(st, 1, lo_iso);
        store_bind_str(st, 2, hi_iso);
        /* Collect first: publishing reads the register again. */
        const char **who = NULL;
        int n = 0, cap = 0;
        enum store_step rc;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            size_t len;
            const char *b = store_col_text(st, 1, &len);
            struct date birth, reached;
            if (date_parse_iso(b, len, NULL, &birth, NULL) < 0 ||
                date_reaches_age(birth, ages[k], &reached, NULL) < 0 ||
                date_cmp(reached, day) != 0)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 32;
                const char **grown = arena_alloc(a, (size_t)cap * sizeof *grown);
                if (grown && n)
                    memcpy(grown, who, (size_t)n * sizeof *grown);
                who = grown;
            }
            const char *t = store_col_text(st, 0, &len);
            if (!who || !(who[n++] = arena_strndup(a, t, len))) {
                store_reset(st);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
        }
        store_reset(st);
        if (rc != STORE_DONE)
            return -1;
        for (int i = 0; i < n; i++) {
            struct record r;
            int found = tl_as_of(town, who[i], day_iso, 0, &r, a, err);
            if (found < 0)
                return -1;
            if (!found || strcmp(r.status, "resident") != 0 ||
                (r.removal_date[0] && strcmp(r.removal_date, day_iso) <= 0))
                continue;
            st = store_prepare(town, SQL_PUBLISH, err);
            if (!st)
                return -1;
            store_bind_str(st, 1, who[i]);
            store_bind_i64(st, 2, ages[k]);
            store_bind_str(st, 3, day_iso);
            store_bind_str(st, 4, now_iso);
            rc = store_step(st, err);
            store_reset(st);
            if (rc != STORE_DONE)
                return -1;
            if (store_changes(town) == 0)
                continue; /* published before */
            struct milestone_notice mn = {store_last_id(town), who[i], ages[k], day_iso, &r};
            for (int s = 0; s < milestone_subscriber_count; s++)
                if (milestone_subscribers[s](town, &mn, err) < 0)
                    return -1;
            (*count)++;
        }
    }
    return 0;
}

static const char SQL_PROGRESS[] = "SELECT through FROM milestone_progress WHERE id = 1";
static const char SQL_SET_PROGRESS[] =
    "INSERT INTO milestone_progress (id, through) VALUES (1, ?1)"
    " ON CONFLICT (id) DO UPDATE SET through = excluded.through";

int residents_publish_milestones(struct store *town, const char *from, const char *through,
                                 int64_t now_ms, int *published, struct kd_err *err)
{
    *published = 0;
    struct date last, next = {0, 0, 0};
    if (date_parse_iso(through, strlen(through), "through", &last, err) < 0 ||
        (from && date_parse_iso(from, strlen(from), "from", &next, err) < 0))
        return -1;
    if (from && date_cmp(next, last) > 0)
        return kd_fail(err, KD_INVALID_VALUE, "from", "from is after through");
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)64 << 20);
    int ages[MAX_AGES], nages;
    if (residents_milestone_ages(town, ages, &nages, &a, err) < 0) {
        arena_release(&a);
        return -1;
    }
    char now[CLOCK_ISO_LEN];
    clock_format_iso(now_ms, now);
    int rc = 0;
    /* One transaction per day: a long catch-up keeps what it has done. */
    while (rc == 0) {
        if (store_begin_write(town, err) < 0) {
            rc = -1;
            break;
        }
        struct store_stmt *st = store_prepare(town, SQL_PROGRESS, err);
        enum store_step s = st ? store_step(st, err) : STORE_ERROR;
        struct date day = last, done = {0, 0, 0};
        if (s == STORE_ROW) {
            size_t len;
            const char *t = store_col_text(st, 0, &len);
            if (date_parse_iso(t, len, "milestone_progress", &done, err) < 0 ||
                date_add_days(done, 1, &day, err) < 0)
                s = STORE_ERROR;
        }
        if (from) {
            day = next; /* the days asked for, whatever was done before */
            if (date_add_days(next, 1, &next, err) < 0)
                s = STORE_ERROR;
        }
        if (st)
            store_reset(st);
        if (s == STORE_ERROR) {
            store_rollback(town);
            rc = -1;
            break;
        }
        if (date_cmp(day, last) > 0) {
            store_rollback(town);
            break; /* caught up */
        }
        char day_iso[DATE_ISO_LEN];
        date_format_iso(day, day_iso);
        if (publish_day(town, day, ages, nages, now, published, &a, err) < 0 ||
            !(st = store_prepare(town, SQL_SET_PROGRESS, err))) {
            store_rollback(town);
            rc = -1;
            break;
        }
        /* Progress only moves forward. */
        if (done.y && date_cmp(day, done) < 0)
            date_format_iso(done, day_iso);
        store_bind_str(st, 1, day_iso);
        s = store_step(st, err);
        store_reset(st);
        if (s != STORE_DONE || store_commit(town, err) < 0) {
            store_rollback(town);
            rc = -1;
        }
        arena_release(&a);
        arena_init(&a, NULL, 0, (size_t)64 << 20);
    }
    arena_release(&a);
    return rc;
}
