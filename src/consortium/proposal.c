/*
 * proposal.c — scoring a two-stage proposal (プロポーザル), as the seed's
 * result table (【プロポーザル集計結果】) does.
 *
 * A stage (1次, 2次) has a weight (40 %, 60 %), a criteria sheet (課題 with
 * weights summing to 100 %, each with sub-items scored on a 1..max scale)
 * and departments whose evaluators score each vendor (1次: 住民・税務・福祉,
 * 2次: 推進会議). For each vendor:
 *
 *   evaluator's points  = Σ over 課題 of weight × (Σ item scores / Σ item maxima)
 *   department average  = mean of its evaluators' points          → 平均点
 *                         (or given directly: the seed publishes only these)
 *   stage average       = mean of the stage's printed 平均点       → 総合平均点
 *   stage points        = 総合平均点 × stage weight                → 評価点
 *   total               = Σ stage points                           → 合計
 *
 * Each figure is rounded to two decimals where it is printed (half to even)
 * and the next one is computed from the printed figure, so that every figure
 * of the table follows from the figures beside it; this reproduces every
 * figure of the seed but one (A社's 1次評価点, docs/consortium.md).
 * Vendors are ranked by total, highest first; equal totals share a rank.
 */
#include "consortium/internal.h"

#include <stdio.h>
#include <string.h>

#define STAGES_MAX 4
#define CRIT_MAX 16 /* per stage */
#define ITEMS_MAX 8 /* per criterion */
#define DEPTS_MAX 8 /* per stage */
#define VENDORS_MAX 12
#define EVALS_MAX 60 /* per vendor and department */

struct item {
    const char *text;
    int64_t max;
    bool cost;
};

struct crit {
    const char *id, *title;
    int64_t wu; /* weight in percent = wu / 10^wd */
    int wd;
    struct item items[ITEMS_MAX];
    int nitems;
};

struct dept {
    const char *name;
};

struct eval {
    const char *name;
    const struct cons_rec *rec;
    int64_t *scores; /* one per item of the stage, in sheet order */
};

struct cell {
    const struct cons_rec *avg_rec;
    int64_t avg_u;
    int avg_d;
    struct eval evals[EVALS_MAX];
    int nevals;
};

struct stage {
    const char *name;
    int64_t wu;
    int wd;
    struct crit crits[CRIT_MAX];
    int ncrits;
    struct dept depts[DEPTS_MAX];
    int ndepts;
    struct cell cells[VENDORS_MAX][DEPTS_MAX];
};

struct model {
    struct stage stages[STAGES_MAX];
    int nstages;
    const char *vendors[VENDORS_MAX];
    int nvendors;
};

static __int128 p10(int d)
{
    __int128 p = 1;
    while (d-- > 0)
        p *= 10;
    return p;
}

static __int128 gcd(__int128 a, __int128 b)
{
    if (a < 0)
        a = -a;
    while (b) {
        __int128 t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

/* A weight in percent: "40", "40%", "15.5%"; 0 < w <= 100. */
static int weight(struct kd_err *err, struct cons_sheet *s, const struct cons_rec *rec, int i,
                  const char *item, int64_t *wu, int *wd)
{
    bool pct;
    if (i >= rec->nf || !cons_parse_dec(rec->f[i], wu, wd, &pct) || *wu <= 0 ||
        (__int128)*wu > 100 * p10(*wd))
        return cons_fail(err, s, rec, KD_INVALID_VALUE, item,
                         "the weight of %s must be a percentage above 0 and at most 100", item);
    return 0;
}

static struct stage *find_stage(struct model *m, const char *name)
{
    for (int i = 0; i < m->nstages; i++)
        if (strcmp(m->stages[i].name, name) == 0)
            return &m->stages[i];
    return NULL;
}

static int stage_of(struct kd_err *err, struct cons_sheet *s, struct model *m,
                    const struct cons_rec *rec, int i, struct stage **out)
{
    *out = find_stage(m, rec->f[i]);
    if (!*out)
        return cons_fail(err, s, rec, KD_INVALID_VALUE, rec->f[i],
                         "unknown stage %s (declare it with a stage record)", rec->f[i]);
    return 0;
}

static int vendor_of(struct kd_err *err, struct cons_sheet *s, struct model *m,
                     const struct cons_rec *rec, int i, int *out)
{
    for (int v = 0; v < m->nvendors; v++)
        if (strcmp(m->vendors[v], rec->f[i]) == 0) {
            *out = v;
            return 0;
        }
    return cons_fail(err, s, rec, KD_INVALID_VALUE, rec->f[i],
                     "unknown vendor %s (declare it with a vendor record)", rec->f[i]);
}

static int dept_of(struct kd_err *err, struct cons_sheet *s, struct stage *st,
                   const struct cons_rec *rec, int i, int *out)
{
    for (int d = 0; d < st->ndepts; d++)
        if (strcmp(st->depts[d].name, rec->f[i]) == 0) {
            *out = d;
            return 0;
        }
    return cons_fail(err, s, rec, KD_INVALID_VALUE, rec->f[i],
                     "unknown department %s of stage %s", rec->f[i], st->name);
}

static int stage_items(const struct stage *st)
{
    int n = 0;
    for (int c = 0; c < st->ncrits; c++)
        n += st->crits[c].nitems;
    return n;
}

/* Reads the sheet into m, in passes so that records may come in any order. */
static int read_model(struct cons_sheet *s, struct model *m, struct kd_err *err)
{
    static const char *const order[] = {"stage", "criterion", "item", "department", "vendor",
                                        "average", "score"};
    for (int i = 1; i < s->n; i++) {
        const char *t = s->recs[i].f[0];
        bool known = strcmp(t, "title") == 0 || strcmp(t, "source") == 0 ||
                     strcmp(t, "printed") == 0 || strcmp(t, "unit") == 0;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
            known |= strcmp(t, order[k]) == 0;
        if (!known)
            return cons_fail(err, s, &s->recs[i], KD_INVALID_VALUE, t,
                             "unknown record %s in a proposal sheet", t);
    }
    for (size_t pass = 0; pass < sizeof order / sizeof order[0]; pass++) {
        for (int i = 1; i < s->n; i++) {
            const struct cons_rec *r = &s->recs[i];
            if (strcmp(r->f[0], order[pass]) != 0)
                continue;
            struct stage *st;
            switch (pass) {
            case 0: /* stage NAME WEIGHT */
                if (cons_need(err, s, r, 3, 3, "stage<TAB>name<TAB>weight %") < 0 ||
                    cons_name(err, s, r, 1, "stage") < 0)
                    return -1;
                if (find_stage(m, r->f[1]))
                    return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[1],
                                     "stage %s is declared twice", r->f[1]);
                if (m->nstages == STAGES_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, r->f[1], "at most %d stages",
                                     STAGES_MAX);
                st = &m->stages[m->nstages++];
                st->name = r->f[1];
                if (weight(err, s, r, 2, r->f[1], &st->wu, &st->wd) < 0)
                    return -1;
                break;
            case 1: { /* criterion STAGE ID TITLE WEIGHT */
                if (cons_need(err, s, r, 5, 5,
                              "criterion<TAB>stage<TAB>id<TAB>title<TAB>weight %") < 0 ||
                    stage_of(err, s, m, r, 1, &st) < 0 || cons_name(err, s, r, 2, "criterion") < 0)
                    return -1;
                for (int c = 0; c < st->ncrits; c++)
                    if (strcmp(st->crits[c].id, r->f[2]) == 0)
                        return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2],
                                         "criterion %s of %s is declared twice", r->f[2],
                                         st->name);
                if (st->ncrits == CRIT_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, r->f[2],
                                     "at most %d criteria per stage", CRIT_MAX);
                struct crit *c = &st->crits[st->ncrits++];
                c->id = r->f[2];
                c->title = r->f[3];
                char item[KD_FIELD_MAX];
                snprintf(item, sizeof item, "%s/%s", st->name, c->id);
                if (weight(err, s, r, 4, item, &c->wu, &c->wd) < 0)
                    return -1;
                break;
            }
            case 2: { /* item STAGE CRITERION TEXT MAX [経費] */
                if (cons_need(err, s, r, 5, 6,
                              "item<TAB>stage<TAB>criterion<TAB>text<TAB>scale maximum"
                              "[<TAB>経費]") < 0 ||
                    stage_of(err, s, m, r, 1, &st) < 0)
                    return -1;
                struct crit *c = NULL;
                for (int k = 0; k < st->ncrits; k++)
                    if (strcmp(st->crits[k].id, r->f[2]) == 0)
                        c = &st->crits[k];
                if (!c)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2],
                                     "unknown criterion %s of stage %s", r->f[2], st->name);
                if (c->nitems == ITEMS_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, r->f[2],
                                     "at most %d items per criterion", ITEMS_MAX);
                char name[KD_FIELD_MAX];
                snprintf(name, sizeof name, "%s/%s-%d", st->name, c->id, c->nitems + 1);
                struct item *it = &c->items[c->nitems];
                it->text = r->f[3];
                if (cons_count(err, s, r, 4, name, "scale maximum", 2, 100, &it->max) < 0)
                    return -1;
                if (r->nf == 6 && strcmp(r->f[5], "経費") != 0)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, name,
                                     "the last field of an item is 経費 (a cost item) or empty");
                it->cost = r->nf == 6;
                c->nitems++;
                break;
            }
            case 3: /* department STAGE NAME */
                if (cons_need(err, s, r, 3, 3, "department<TAB>stage<TAB>name") < 0 ||
                    stage_of(err, s, m, r, 1, &st) < 0 ||
                    cons_name(err, s, r, 2, "department") < 0)
                    return -1;
                for (int d = 0; d < st->ndepts; d++)
                    if (strcmp(st->depts[d].name, r->f[2]) == 0)
                        return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2],
                                         "department %s of %s is declared twice", r->f[2],
                                         st->name);
                if (st->ndepts == DEPTS_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, r->f[2],
                                     "at most %d departments per stage", DEPTS_MAX);
                st->depts[st->ndepts++].name = r->f[2];
                break;
            case 4: /* vendor NAME */
                if (cons_need(err, s, r, 2, 2, "vendor<TAB>name") < 0 ||
                    cons_name(err, s, r, 1, "vendor") < 0)
                    return -1;
                for (int v = 0; v < m->nvendors; v++)
                    if (strcmp(m->vendors[v], r->f[1]) == 0)
                        return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[1],
                                         "vendor %s is declared twice", r->f[1]);
                if (m->nvendors == VENDORS_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, r->f[1], "at most %d vendors",
                                     VENDORS_MAX);
                m->vendors[m->nvendors++] = r->f[1];
                break;
            case 5: { /* average VENDOR STAGE DEPARTMENT VALUE */
                int v = 0, d = 0;
                if (cons_need(err, s, r, 5, 5,
                              "average<TAB>vendor<TAB>stage<TAB>department<TAB>average") < 0 ||
                    vendor_of(err, s, m, r, 1, &v) < 0 || stage_of(err, s, m, r, 2, &st) < 0 ||
                    dept_of(err, s, st, r, 3, &d) < 0)
                    return -1;
                struct cell *cell = &st->cells[v][d];
                char item[KD_FIELD_MAX];
                snprintf(item, sizeof item, "%s/%s/%s", r->f[1], r->f[2], r->f[3]);
                bool pct;
                if (cell->avg_rec)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, item,
                                     "the average of %s is given twice", item);
                if (!cons_parse_dec(r->f[4], &cell->avg_u, &cell->avg_d, &pct) || pct ||
                    cell->avg_u < 0 || (__int128)cell->avg_u > 100 * p10(cell->avg_d))
                    return cons_fail(err, s, r, KD_INVALID_VALUE, item,
                                     "the average of %s must be a number of points from 0 to "
                                     "100, not \"%s\"",
                                     item, r->f[4]);
                cell->avg_rec = r;
                break;
            }
            case 6: { /* score VENDOR STAGE DEPARTMENT EVALUATOR S1 … Sn */
                int v = 0, d = 0;
                if (r->nf < 5)
                    return cons_need(err, s, r, 6, CONS_FIELDS_MAX,
                                     "score<TAB>vendor<TAB>stage<TAB>department<TAB>evaluator"
                                     "<TAB>score…");
                if (vendor_of(err, s, m, r, 1, &v) < 0 || stage_of(err, s, m, r, 2, &st) < 0 ||
                    dept_of(err, s, st, r, 3, &d) < 0 ||
                    cons_name(err, s, r, 4, "evaluator") < 0)
                    return -1;
                struct cell *cell = &st->cells[v][d];
                char who[KD_FIELD_MAX];
                snprintf(who, sizeof who, "%s/%s/%s/%s", r->f[1], r->f[2], r->f[3], r->f[4]);
                for (int e = 0; e < cell->nevals; e++)
                    if (strcmp(cell->evals[e].name, r->f[4]) == 0)
                        return cons_fail(err, s, r, KD_INVALID_VALUE, who,
                                         "%s has scored %s twice", r->f[4], r->f[1]);
                if (cell->nevals == EVALS_MAX)
                    return cons_fail(err, s, r, KD_TOO_LONG, who,
                                     "at most %d evaluators per department", EVALS_MAX);
                int n = stage_items(st);
                if (n == 0)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, who,
                                     "stage %s has no criteria sheet to score against",
                                     st->name);
                struct eval *e = &cell->evals[cell->nevals];
                e->name = r->f[4];
                e->rec = r;
                e->scores = arena_alloc(s->a, (size_t)n * sizeof *e->scores);
                if (!e->scores)
                    return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                int k = 0;
                for (int c = 0; c < st->ncrits; c++) {
                    for (int it = 0; it < st->crits[c].nitems; it++, k++) {
                        const struct item *item = &st->crits[c].items[it];
                        char field[KD_FIELD_MAX];
                        snprintf(field, sizeof field, "%s/%s/%s/%s/%s-%d", r->f[1], r->f[2],
                                 r->f[3], r->f[4], st->crits[c].id, it + 1);
                        const char *val = 5 + k < r->nf ? r->f[5 + k] : "";
                        if (!val[0] || strcmp(val, "-") == 0)
                            return cons_fail(err, s, r, KD_MISSING_FIELD, field,
                                             "missing score: %s has not scored %s on %s "
                                             "item %d",
                                             r->f[4], r->f[1], st->crits[c].id, it + 1);
                        if (!cons_parse_int(val, INT64_MIN / 2, INT64_MAX / 2, &e->scores[k]))
                            return cons_fail(err, s, r, KD_INVALID_VALUE, field,
                                             "the score of %s item %d must be a whole number, "
                                             "not \"%s\"",
                                             st->crits[c].id, it + 1, val);
                        if (e->scores[k] < 1 || e->scores[k] > item->max)
                            return cons_fail(err, s, r, KD_INVALID_VALUE, field,
                                             "score %s is off the scale 1-%lld of %s item %d",
                                             val, (long long)item->max, st->crits[c].id,
                                             it + 1);
                    }
                }
                if (r->nf > 5 + n)
                    return cons_fail(err, s, r, KD_INVALID_VALUE, who,
                                     "%d scores given, but the %s sheet has %d items",
                                     r->nf - 5, st->name, n);
                cell->nevals++;
                break;
            }
            }
        }
    }
    return 0;
}

static int check_model(struct cons_sheet *s, struct model *m, struct kd_err *err)
{
    if (m->nstages == 0 || m->nvendors == 0)
        return cons_fail(err, s, NULL, KD_MISSING_FIELD, m->nstages ? "vendor" : "stage",
                         "a proposal sheet needs at least one stage and one vendor");
    /* Stage weights add up to 100 %, and so do each sheet's criteria. */
    __int128 sum = 0;
    for (int i = 0; i < m->nstages; i++)
        sum += m->stages[i].wu * p10(6 - m->stages[i].wd);
    if (sum != 100 * p10(6))
        return cons_fail(err, s, NULL, KD_INVALID_VALUE, "stage",
                         "the stage weights add up to %s%%, not 100%%",
                         cons_fmt(s->a, cons_round_half_even(sum, p10(4)), 2));
    for (int i = 0; i < m->nstages; i++) {
        struct stage *st = &m->stages[i];
        if (st->ndepts == 0)
            return cons_fail(err, s, NULL, KD_MISSING_FIELD, st->name,
                             "stage %s has no department", st->name);
        if (st->ncrits == 0)
            continue; /* averages only */
        __int128 cs = 0;
        for (int c = 0; c < st->ncrits; c++) {
            cs += st->crits[c].wu * p10(6 - st->crits[c].wd);
            if (st->crits[c].nitems == 0)
                return cons_fail(err, s, NULL, KD_MISSING_FIELD, st->crits[c].id,
                                 "criterion %s of %s has no item to score", st->crits[c].id,
                                 st->name);
        }
        if (cs != 100 * p10(6))
            return cons_fail(err, s, NULL, KD_INVALID_VALUE, st->name,
                             "the criteria weights of stage %s add up to %s%%, not 100%%",
                             st->name, cons_fmt(s->a, cons_round_half_even(cs, p10(4)), 2));
    }
    /* Every vendor has scores (or an average) from every department, and a
     * department's evaluators score every vendor. */
    for (int i = 0; i < m->nstages; i++) {
        struct stage *st = &m->stages[i];
        for (int d = 0; d < st->ndepts; d++) {
            for (int v = 0; v < m->nvendors; v++) {
                struct cell *c = &st->cells[v][d];
                char item[KD_FIELD_MAX];
                snprintf(item, sizeof item, "%s/%s/%s", m->vendors[v], st->name,
                         st->depts[d].name);
                if (!c->avg_rec && c->nevals == 0)
                    return cons_fail(err, s, NULL, KD_MISSING_FIELD, item,
                                     "missing scores: no score or average for %s from %s %s",
                                     m->vendors[v], st->name, st->depts[d].name);
                if (c->avg_rec && c->nevals)
                    return cons_fail(err, s, c->avg_rec, KD_INVALID_VALUE, item,
                                     "%s has both an average and evaluators' scores", item);
                for (int w = 0; w < m->nvendors; w++) {
                    struct cell *o = &st->cells[w][d];
                    for (int e = 0; e < c->nevals; e++) {
                        bool found = false;
                        for (int f = 0; f < o->nevals && !found; f++)
                            found = strcmp(o->evals[f].name, c->evals[e].name) == 0;
                        if (!found) {
                            char who[KD_FIELD_MAX];
                            snprintf(who, sizeof who, "%s/%s/%s/%s", m->vendors[w], st->name,
                                     st->depts[d].name, c->evals[e].name);
                            return cons_fail(err, s, c->evals[e].rec, KD_MISSING_FIELD, who,
                                             "missing scores: %s scored %s but not %s",
                                             c->evals[e].name, m->vendors[v], m->vendors[w]);
                        }
                    }
                }
            }
        }
    }
    return 0;
}

/* An evaluator's points, exactly: num/den. */
static void eval_points(const struct stage *st, const struct eval *e, __int128 *num,
                        __int128 *den)
{
    __int128 n = 0, d = 1;
    int k = 0;
    for (int c = 0; c < st->ncrits; c++) {
        const struct crit *cr = &st->crits[c];
        int64_t got = 0, max = 0;
        for (int it = 0; it < cr->nitems; it++, k++) {
            got += e->scores[k];
            max += cr->items[it].max;
        }
        /* + wu × got / (10^wd × max) */
        __int128 tn = (__int128)cr->wu * got, td = p10(cr->wd) * max;
        n = n * td + tn * d;
        d = d * td;
        __int128 g = gcd(n, d);
        n /= g;
        d /= g;
    }
    *num = n;
    *den = d;
}

static const char *pct_text(struct cons_sheet *s, int64_t u, int d)
{
    return cons_printf(s, "%s%%", cons_fmt(s->a, u, d));
}

int cons_proposal(struct cons_sheet *s, struct kd_err *err)
{
    struct model *m = arena_zalloc(s->a, sizeof *m);
    if (!m)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (read_model(s, m, err) < 0 || check_model(s, m, err) < 0)
        return -1;
    s->r->landscape = true;

    static const char *const head[] = {"事業者", "段階",     "部門", "平均点", "総合平均点",
                                       "配点割合", "評価点", "合計", "順位"};
    static const double widths[] = {30, 18, 34, 26, 30, 24, 30, 30, 18};
    static const enum report_align align[] = {REPORT_LEFT,  REPORT_CENTER, REPORT_LEFT,
                                              REPORT_RIGHT, REPORT_RIGHT,  REPORT_RIGHT,
                                              REPORT_RIGHT, REPORT_RIGHT,  REPORT_CENTER};
    struct cons_table *t = cons_table_new(s, "プロポーザル集計結果", 9, head, widths, align);
    if (!t)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");

    /* Totals first (for ranks), in units of 0.01 point. */
    int64_t total[VENDORS_MAX] = {0};
    int64_t points[VENDORS_MAX][STAGES_MAX];
    int64_t overall[VENDORS_MAX][STAGES_MAX];
    int64_t avg[VENDORS_MAX][STAGES_MAX][DEPTS_MAX];
    __int128 avg_num[VENDORS_MAX][STAGES_MAX][DEPTS_MAX], avg_den[VENDORS_MAX][STAGES_MAX][DEPTS_MAX];
    __int128 sum_avg[VENDORS_MAX][STAGES_MAX];
    for (int v = 0; v < m->nvendors; v++) {
        for (int i = 0; i < m->nstages; i++) {
            struct stage *st = &m->stages[i];
            sum_avg[v][i] = 0;
            for (int d = 0; d < st->ndepts; d++) {
                struct cell *c = &st->cells[v][d];
                __int128 n, dd;
                if (c->avg_rec) {
                    n = c->avg_u;
                    dd = p10(c->avg_d);
                } else {
                    n = 0;
                    dd = 1;
                    for (int e = 0; e < c->nevals; e++) {
                        __int128 en, ed;
                        eval_points(st, &c->evals[e], &en, &ed);
                        n = n * ed + en * dd;
                        dd *= ed;
                        __int128 g = gcd(n, dd);
                        n /= g;
                        dd /= g;
                    }
                    dd *= c->nevals;
                }
                avg_num[v][i][d] = n;
                avg_den[v][i][d] = dd;
                avg[v][i][d] = cons_round_half_even(n * 100, dd);
                sum_avg[v][i] += avg[v][i][d];
            }
            overall[v][i] = cons_round_half_even(sum_avg[v][i], st->ndepts);
            points[v][i] = cons_round_half_even((__int128)overall[v][i] * st->wu, p10(st->wd) * 100);
            total[v] += points[v][i];
        }
    }
    int rank[VENDORS_MAX];
    for (int v = 0; v < m->nvendors; v++) {
        rank[v] = 1;
        for (int w = 0; w < m->nvendors; w++)
            rank[v] += total[w] > total[v];
    }

    for (int v = 0; v < m->nvendors; v++) {
        const char *vn = m->vendors[v];
        bool first_of_vendor = true;
        for (int i = 0; i < m->nstages; i++) {
            struct stage *st = &m->stages[i];
            for (int d = 0; d < st->ndepts; d++) {
                struct cons_cell *row = cons_table_row(s, t, 0);
                if (!row)
                    return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                const char *dn = st->depts[d].name;
                row[2].text = dn;
                struct cell *c = &st->cells[v][d];
                if (c->avg_rec)
                    row[3].text = cons_fmt(s->a, avg[v][i][d], 2);
                else
                    row[3] = cons_figure(s, vn, cons_printf(s, "%s%s", st->name, dn),
                                         avg_num[v][i][d], avg_den[v][i][d], 2, false);
                if (d == 0) {
                    row[1].text = st->name;
                    row[4] = cons_figure(s, vn, cons_printf(s, "%s総合平均点", st->name),
                                         sum_avg[v][i], (__int128)st->ndepts * 100, 2, false);
                    row[5].text = pct_text(s, st->wu, st->wd);
                    row[6] = cons_figure(s, vn, cons_printf(s, "%s評価点", st->name),
                                         (__int128)overall[v][i] * st->wu,
                                         p10(st->wd) * 100 * 100, 2, false);
                }
                if (first_of_vendor) {
                    row[0].text = vn;
                    row[7] = cons_figure(s, vn, "合計", total[v], 100, 2, false);
                    row[8].text = cons_printf(s, "%d位", rank[v]);
                    first_of_vendor = false;
                }
            }
        }
    }

    /* The ranking. */
    static const char *const rhead[] = {"順位", "事業者", "評価点（段階別）", "合計"};
    static const double rw[] = {20, 40, 90, 30};
    static const enum report_align ra[] = {REPORT_CENTER, REPORT_LEFT, REPORT_LEFT, REPORT_RIGHT};
    struct cons_table *rt = cons_table_new(s, "順位", 4, rhead, rw, ra);
    if (!rt)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int place = 1; place <= m->nvendors; place++) {
        for (int v = 0; v < m->nvendors; v++) {
            if (rank[v] != place)
                continue;
            struct cons_cell *row = cons_table_row(s, rt, 0);
            if (!row)
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            row[0].text = cons_printf(s, "%d位", rank[v]);
            row[1].text = m->vendors[v];
            const char *parts = "";
            for (int i = 0; i < m->nstages; i++)
                parts = cons_printf(s, "%s%s%s %s", parts, i ? "、" : "", m->stages[i].name,
                                    cons_fmt(s->a, points[v][i], 2));
            row[2].text = parts;
            row[3].text = cons_fmt(s->a, total[v], 2);
        }
    }

    /* The evaluators' points, where they were given. */
    struct cons_table *et = NULL;
    for (int i = 0; i < m->nstages; i++) {
        struct stage *st = &m->stages[i];
        for (int d = 0; d < st->ndepts; d++) {
            for (int v = 0; v < m->nvendors; v++) {
                struct cell *c = &st->cells[v][d];
                for (int e = 0; e < c->nevals; e++) {
                    if (!et) {
                        static const char *const eh[] = {"段階", "部門", "評価者", "事業者", "得点"};
                        static const double ew[] = {20, 34, 50, 40, 30};
                        static const enum report_align ea[] = {REPORT_CENTER, REPORT_LEFT,
                                                               REPORT_LEFT, REPORT_LEFT,
                                                               REPORT_RIGHT};
                        et = cons_table_new(s, "評価者別得点（100点満点）", 5, eh, ew, ea);
                        if (!et)
                            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                    }
                    __int128 n, dd;
                    eval_points(st, &c->evals[e], &n, &dd);
                    struct cons_cell *row = cons_table_row(s, et, 0);
                    if (!row)
                        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                    row[0].text = st->name;
                    row[1].text = st->depts[d].name;
                    row[2].text = c->evals[e].name;
                    row[3].text = m->vendors[v];
                    row[4].text = cons_fmt(s->a, cons_round_half_even(n * 100, dd), 2);
                }
            }
        }
    }

    /* The criteria sheets, and how much of each stage scores cost. */
    for (int i = 0; i < m->nstages; i++) {
        struct stage *st = &m->stages[i];
        if (st->ncrits == 0)
            continue;
        static const char *const ch[] = {"課題", "審査事項", "配点割合", "評価基準等", "評価点"};
        static const double cw[] = {20, 70, 22, 120, 30};
        static const enum report_align ca[] = {REPORT_LEFT, REPORT_LEFT, REPORT_RIGHT,
                                               REPORT_LEFT, REPORT_CENTER};
        struct cons_table *ct =
            cons_table_new(s, cons_printf(s, "採点表（%s）", st->name), 5, ch, cw, ca);
        if (!ct)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        __int128 cost_n = 0, cost_d = 1;
        for (int c = 0; c < st->ncrits; c++) {
            const struct crit *cr = &st->crits[c];
            int64_t cost_max = 0, all_max = 0;
            for (int it = 0; it < cr->nitems; it++) {
                struct cons_cell *row = cons_table_row(s, ct, 0);
                if (!row)
                    return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                if (it == 0) {
                    row[0].text = cr->id;
                    row[1].text = cr->title;
                    row[2].text = pct_text(s, cr->wu, cr->wd);
                }
                row[3].text = cons_printf(s, "%s%s", cr->items[it].text,
                                          cr->items[it].cost ? "（経費）" : "");
                row[4].text = cons_printf(s, "1〜%lld", (long long)cr->items[it].max);
                all_max += cr->items[it].max;
                if (cr->items[it].cost)
                    cost_max += cr->items[it].max;
            }
            /* + wu × cost_max / (10^wd × all_max), in percent of the stage */
            __int128 tn = (__int128)cr->wu * cost_max, td = p10(cr->wd) * all_max;
            cost_n = cost_n * td + tn * cost_d;
            cost_d *= td;
            __int128 g = gcd(cost_n, cost_d);
            cost_n /= g;
            cost_d /= g;
        }
        if (cost_n > 0) {
            struct cons_cell share =
                cons_figure(s, st->name, "経費配点", cost_n, cost_d * 100, 2, true);
            cons_note(s, cons_printf(s,
                                     "%s のうち経費に係る配点：%s（経費の項目の満点 ÷ 課題の満点 × "
                                     "課題の配点割合の合計）。全体に対しては %s。",
                                     st->name, share.text,
                                     pct_text(s,
                                              cons_round_half_even(cost_n * st->wu * 100,
                                                                   cost_d * p10(st->wd) * 100),
                                              2)));
        }
    }
    cons_note(s, "平均点・総合平均点・評価点・合計は小数第2位まで。各欄は隣の表示値から計算します"
                 "（総合平均点 = 部門の平均点の平均、評価点 = 総合平均点 × 配点割合、合計 = "
                 "評価点の和）。");
    return 0;
}
