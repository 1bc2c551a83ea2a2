/*
 * allocation.c — sharing a common cost between the towns (費用按分).
 *
 * Each cost is split by a method: equally (均等), by residents (人口), by data
 * volume (データ量), or a mix with percentages (均等:30,人口:70 — the seed's
 * rule is customisation costs equally, because they do not depend on data
 * volume, while others may follow size). A town's exact share is
 *
 *   amount × Σ over the mix of  p_m / 100 × w(town, m) / Σ w(·, m)
 *
 * and the yen are handed out by the largest-remainder method (Hamilton): each
 * town gets the floor of its exact share, and the yen left over go one each
 * to the towns with the largest fractional parts, so the shares add up to
 * the amount exactly. Equal remainders go to the town listed first.
 *
 * Exactness: shares are fractions over one common denominator held in a
 * 128-bit integer; the bounds below keep amount × denominator within it
 * (amount <= 10^12 yen, residents <= 10^8 and volume <= 10^10 per town, 64
 * towns).
 */
#include "consortium/internal.h"

#include <stdio.h>
#include <string.h>

#define TOWNS_MAX 64
#define COSTS_MAX 10
#define AMOUNT_MAX ((int64_t)1000000000000)

enum method { M_EQUAL, M_RESIDENTS, M_VOLUME, M_COUNT };

static const char *const method_ja[M_COUNT] = {"均等", "人口", "データ量"};
static const char *const method_en[M_COUNT] = {"equal", "residents", "volume"};

struct town {
    const char *code, *name;
    int64_t w[M_COUNT]; /* 1, residents, volume (-1: not given) */
};

struct cost {
    const char *name;
    int64_t amount;
    int64_t pct[M_COUNT]; /* percent of the amount by each method */
    const struct cons_rec *rec;
};

static bool method_of(const char *s, size_t n, enum method *m)
{
    for (int k = 0; k < M_COUNT; k++)
        if ((strlen(method_ja[k]) == n && memcmp(method_ja[k], s, n) == 0) ||
            (strlen(method_en[k]) == n && memcmp(method_en[k], s, n) == 0)) {
            *m = (enum method)k;
            return true;
        }
    return false;
}

/* "均等", "residents", "均等:30,人口:70". */
static int parse_method(struct kd_err *err, struct cons_sheet *s, const struct cons_rec *r,
                        const char *spec, struct cost *c)
{
    memset(c->pct, 0, sizeof c->pct);
    enum method m;
    if (method_of(spec, strlen(spec), &m)) {
        c->pct[m] = 100;
        return 0;
    }
    int64_t sum = 0;
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        char num[16];
        int64_t v;
        size_t nn = colon ? n - (size_t)(colon - p) - 1 : 0;
        if (!colon || !method_of(p, (size_t)(colon - p), &m) || nn == 0 || nn >= sizeof num)
            goto bad;
        memcpy(num, colon + 1, nn);
        num[nn] = '\0';
        if (nn > 1 && num[nn - 1] == '%')
            num[nn - 1] = '\0';
        if (!cons_parse_int(num, 0, 100, &v) || c->pct[m] != 0)
            goto bad;
        c->pct[m] = v;
        sum += v;
        p = comma ? comma + 1 : p + n;
    }
    if (sum != 100)
        return cons_fail(err, s, r, KD_INVALID_VALUE, c->name,
                         "the shares of the method of %s add up to %lld%%, not 100%%", c->name,
                         (long long)sum);
    return 0;
bad:
    return cons_fail(err, s, r, KD_INVALID_VALUE, c->name,
                     "the method of %s must be 均等, 人口, データ量 (or equal, residents, "
                     "volume), or a mix such as 均等:30,人口:70",
                     c->name);
}

int cons_allocation(struct cons_sheet *s, struct kd_err *err)
{
    for (int i = 1; i < s->n; i++) {
        const char *t = s->recs[i].f[0];
        if (strcmp(t, "town") && strcmp(t, "cost") && strcmp(t, "title") &&
            strcmp(t, "source") && strcmp(t, "printed") && strcmp(t, "unit"))
            return cons_fail(err, s, &s->recs[i], KD_INVALID_VALUE, t,
                             "unknown record %s in an allocation sheet", t);
    }
    struct town *towns = arena_zalloc(s->a, TOWNS_MAX * sizeof *towns);
    struct cost costs[COSTS_MAX];
    int nt = 0, nc = 0;
    bool any_volume = false;
    if (!towns)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int i = 1; i < s->n; i++) {
        const struct cons_rec *r = &s->recs[i];
        if (strcmp(r->f[0], "town") == 0) {
            if (cons_need(err, s, r, 4, 5,
                          "town<TAB>code<TAB>name<TAB>residents[<TAB>data volume]") < 0 ||
                cons_name(err, s, r, 2, "town") < 0 || cons_town(err, s, r, 1, 2) < 0)
                return -1;
            for (int k = 0; k < nt; k++)
                if (strcmp(towns[k].code, r->f[1]) == 0)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2], "%s is listed twice",
                                     r->f[2]);
            if (nt == TOWNS_MAX)
                return cons_fail(err, s, r, KD_TOO_LONG, r->f[2], "at most %d towns",
                                 TOWNS_MAX);
            struct town *t = &towns[nt];
            t->code = r->f[1];
            t->name = r->f[2];
            t->w[M_EQUAL] = 1;
            t->w[M_VOLUME] = -1;
            if (cons_count(err, s, r, 3, t->name, "residents", 0, 100000000,
                           &t->w[M_RESIDENTS]) < 0)
                return -1;
            if (r->nf == 5) {
                if (cons_count(err, s, r, 4, t->name, "data volume", 0, 10000000000,
                               &t->w[M_VOLUME]) < 0)
                    return -1;
                any_volume = true;
            }
            nt++;
        } else if (strcmp(r->f[0], "cost") == 0) {
            if (cons_need(err, s, r, 4, 4, "cost<TAB>name<TAB>amount<TAB>method") < 0 ||
                cons_name(err, s, r, 1, "cost") < 0)
                return -1;
            for (int k = 0; k < nc; k++)
                if (strcmp(costs[k].name, r->f[1]) == 0)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[1],
                                     "cost %s is listed twice", r->f[1]);
            if (nc == COSTS_MAX)
                return cons_fail(err, s, r, KD_TOO_LONG, r->f[1], "at most %d costs",
                                 COSTS_MAX);
            struct cost *c = &costs[nc];
            c->name = r->f[1];
            c->rec = r;
            if (cons_money(err, s, r, 2, c->name, "amount", false, &c->amount) < 0 ||
                parse_method(err, s, r, r->f[3], c) < 0)
                return -1;
            if (c->amount > AMOUNT_MAX)
                return cons_fail(err, s, r, KD_INVALID_VALUE, c->name,
                                 "the amount of %s is above one trillion yen", c->name);
            nc++;
        }
    }
    if (nt == 0 || nc == 0)
        return cons_fail(err, s, NULL, KD_MISSING_FIELD, nt ? "cost" : "town",
                         "an allocation sheet lists towns and costs");

    /* Each method used needs its weights, and a positive total. */
    int64_t total_w[M_COUNT] = {0};
    for (int m = 0; m < M_COUNT; m++)
        for (int k = 0; k < nt; k++)
            total_w[m] += towns[k].w[m] > 0 ? towns[k].w[m] : 0;
    for (int c = 0; c < nc; c++) {
        for (int m = 0; m < M_COUNT; m++) {
            if (!costs[c].pct[m])
                continue;
            for (int k = 0; k < nt; k++)
                if (towns[k].w[m] < 0)
                    return cons_fail(err, s, costs[c].rec, KD_MISSING_FIELD,
                                     cons_printf(s, "%s/data volume", towns[k].name),
                                     "%s is shared by data volume, but %s has none", costs[c].name,
                                     towns[k].name);
            if (total_w[m] == 0)
                return cons_fail(err, s, costs[c].rec, KD_INVALID_VALUE, costs[c].name,
                                 "%s is shared by %s, but every town has 0", costs[c].name,
                                 method_ja[m]);
        }
    }

    /* The table: towns down, costs across. */
    int vol = any_volume ? 1 : 0;
    int ncols = 2 + vol + nc + 2;
    const char **head = arena_alloc(s->a, (size_t)ncols * sizeof *head);
    double *widths = arena_alloc(s->a, (size_t)ncols * sizeof *widths);
    enum report_align *align = arena_alloc(s->a, (size_t)ncols * sizeof *align);
    if (!head || !widths || !align)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int col = 0;
    head[col] = "町村名", widths[col] = 26, align[col++] = REPORT_LEFT;
    head[col] = "人口", widths[col] = 20, align[col++] = REPORT_RIGHT;
    if (vol)
        head[col] = "データ量", widths[col] = 22, align[col++] = REPORT_RIGHT;
    double cw = (267.0 - 26 - 20 - 22 * vol - 30 - 18) / nc;
    if (cw > 40)
        cw = 40;
    for (int c = 0; c < nc; c++)
        head[col] = costs[c].name, widths[col] = cw, align[col++] = REPORT_RIGHT;
    head[col] = "負担額合計", widths[col] = 30, align[col++] = REPORT_RIGHT;
    head[col] = "負担割合", widths[col] = 18, align[col++] = REPORT_RIGHT;
    struct cons_table *t = cons_table_new(s, "費用按分（単位：円）", ncols, head, widths, align);
    if (!t)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    s->r->landscape = true;

    int64_t *share = arena_zalloc(s->a, (size_t)(nt * nc) * sizeof *share);
    int64_t *leftover = arena_zalloc(s->a, (size_t)nc * sizeof *leftover);
    __int128 *rem = arena_alloc(s->a, (size_t)nt * sizeof *rem);
    if (!share || !leftover || !rem)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int c = 0; c < nc; c++) {
        /* Common denominator: 100 × Π W_m over the methods used. */
        __int128 den = 100;
        for (int m = 0; m < M_COUNT; m++)
            if (costs[c].pct[m])
                den *= total_w[m];
        int64_t given = 0;
        for (int k = 0; k < nt; k++) {
            __int128 num = 0;
            for (int m = 0; m < M_COUNT; m++) {
                if (!costs[c].pct[m])
                    continue;
                /* p_m × w_km × (den / (100 × W_m)) */
                num += (__int128)costs[c].pct[m] * towns[k].w[m] * (den / 100 / total_w[m]);
            }
            num *= costs[c].amount;
            share[k * nc + c] = (int64_t)(num / den);
            rem[k] = num % den;
            given += share[k * nc + c];
        }
        leftover[c] = costs[c].amount - given;
        for (int64_t left = leftover[c]; left > 0; left--) {
            int best = -1;
            for (int k = 0; k < nt; k++)
                if (rem[k] >= 0 && (best < 0 || rem[k] > rem[best]))
                    best = k;
            if (best < 0) /* cannot happen: the remainders add up to the yen left */
                return kd_fail(err, KD_INTERNAL, NULL, "allocation remainder mismatch");
            share[best * nc + c] += 1;
            rem[best] = -1; /* one yen each at most */
        }
    }
    int64_t grand = 0;
    for (int c = 0; c < nc; c++)
        grand += costs[c].amount;
    int64_t col_total[COSTS_MAX] = {0};
    int64_t wsum[M_COUNT] = {0};
    for (int k = 0; k <= nt; k++) {
        bool total = k == nt;
        struct cons_cell *row = cons_table_row(s, t, total ? REPORT_ROW_TOTAL : 0);
        if (!row)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        const char *name = total ? "合計" : towns[k].name;
        col = 0;
        row[col++].text = name;
        if (total)
            row[col++] = cons_figure(s, name, "人口", wsum[M_RESIDENTS], 1, 0, false);
        else
            row[col++].text = cons_fmt(s->a, towns[k].w[M_RESIDENTS], 0);
        if (vol)
            row[col++].text =
                total || towns[k].w[M_VOLUME] < 0
                    ? (total ? cons_fmt(s->a, wsum[M_VOLUME], 0) : "")
                    : cons_fmt(s->a, towns[k].w[M_VOLUME], 0);
        int64_t sum = 0;
        for (int c = 0; c < nc; c++) {
            int64_t v = total ? col_total[c] : share[k * nc + c];
            row[col++] = cons_figure(s, name, costs[c].name, v, 1, 0, false);
            sum += v;
            if (!total)
                col_total[c] += v;
        }
        row[col++] = cons_figure(s, name, "負担額合計", sum, 1, 0, false);
        row[col++] = cons_figure(s, name, "負担割合", sum, grand ? grand : 1, 2, true);
        if (!total)
            for (int m = 0; m < M_COUNT; m++)
                wsum[m] += towns[k].w[m] > 0 ? towns[k].w[m] : 0;
    }

    static const char *const ch[] = {"費用", "金額", "按分方法", "配分額の合計", "端数で配った額"};
    static const double cwid[] = {50, 35, 60, 35, 35};
    static const enum report_align ca[] = {REPORT_LEFT, REPORT_RIGHT, REPORT_LEFT, REPORT_RIGHT,
                                           REPORT_RIGHT};
    struct cons_table *ct = cons_table_new(s, "按分の方法", 5, ch, cwid, ca);
    if (!ct)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int c = 0; c < nc; c++) {
        struct cons_cell *row = cons_table_row(s, ct, 0);
        if (!row)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        const char *how = "";
        for (int m = 0; m < M_COUNT; m++)
            if (costs[c].pct[m])
                how = costs[c].pct[m] == 100
                          ? method_ja[m]
                          : cons_printf(s, "%s%s%s %lld%%", how, how[0] ? "・" : "", method_ja[m],
                                        (long long)costs[c].pct[m]);
        row[0].text = costs[c].name;
        row[1].text = cons_fmt(s->a, costs[c].amount, 0);
        row[2].text = how;
        row[3].text = cons_fmt(s->a, col_total[c], 0);
        row[4].text = cons_printf(s, "%s円", cons_fmt(s->a, leftover[c], 0));
    }
    cons_note(s, "各町村の負担額は正確な按分額の円未満を切り捨て、残りの円を端数の大きい町村から"
                 "1円ずつ配ります（最大剰余法）。端数が等しいときは表の上の町村からです。"
                 "各費用の配分額の合計は金額と必ず一致します。");
    return 0;
}
