/*
 * costs.c — the five-year cost comparison per town (コスト削減効果検証一覧)
 * and the joint procurement (共同調達の実績).
 *
 * Cost comparison, per town and in total (amounts in yen; the seed writes
 * them in 千円):
 *   A  new five-year quote (今回見積額, 5年換算)
 *   B  current five-year cost (現契約額, 5年利用料)
 *   C  = B − A    saving (比較差額)
 *   D  = C / B    saving rate (軽減率)
 *   E  migration cost (データ移行費)
 *   F  = A + E    cost including migration (移行費用総額)
 *   G  = B − F    saving including migration
 *   H  = G / B    overall saving rate (総軽減率)
 * The seed's row labels say "A-B" and "F-B" while its figures are B − A and
 * B − F (savings, positive); the figures are what is reproduced.
 *
 * Joint procurement, per item and in total: difference = quote − budget
 * (増減額, negative when the quote is below the budget), rate = |difference|
 * / budget (減額率; the seed prints the size of the change for increases
 * too, so the report adds 増 or 減). The budget is an input: where it is not
 * unit price × count (the seed has three such rows), a note says so.
 */
#include "consortium/internal.h"

#include <stdio.h>
#include <string.h>

#define TOWNS_MAX 64
#define ITEMS_MAX 500
#define ORDERERS_MAX 64

static int only(struct cons_sheet *s, const char *const *types, size_t n, const char *what,
                struct kd_err *err)
{
    for (int i = 1; i < s->n; i++) {
        const char *t = s->recs[i].f[0];
        bool ok = strcmp(t, "title") == 0 || strcmp(t, "source") == 0 ||
                  strcmp(t, "printed") == 0 || strcmp(t, "unit") == 0;
        for (size_t k = 0; k < n; k++)
            ok |= strcmp(t, types[k]) == 0;
        if (!ok)
            return cons_fail(err, s, &s->recs[i], KD_INVALID_VALUE, t,
                             "unknown record %s in a %s sheet", t, what);
    }
    return 0;
}

/* An amount in the sheet's unit, as shown (the sheet's own unit). */
static const char *money(struct cons_sheet *s, int64_t yen)
{
    return cons_fmt(s->a, yen / s->unit, 0);
}

/* The cell of an amount compared with its printed figure (in the sheet's
 * unit). */
static struct cons_cell amount(struct cons_sheet *s, const char *row, const char *what,
                               int64_t yen)
{
    return cons_figure(s, row, what, yen, s->unit, 0, false);
}

int cons_costs(struct cons_sheet *s, struct kd_err *err)
{
    static const char *const types[] = {"town"};
    if (only(s, types, 1, "costs", err) < 0)
        return -1;
    struct town {
        const char *code, *name, *from, *to;
        int64_t a, b, e;
    } *towns = arena_zalloc(s->a, TOWNS_MAX * sizeof *towns);
    int n = 0;
    if (!towns)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int i = 1; i < s->n; i++) {
        const struct cons_rec *r = &s->recs[i];
        if (strcmp(r->f[0], "town") != 0)
            continue;
        if (cons_need(err, s, r, 6, 8,
                      "town<TAB>code<TAB>name<TAB>A new quote<TAB>B current cost<TAB>E "
                      "migration[<TAB>vendor now<TAB>vendor next]") < 0 ||
            cons_name(err, s, r, 2, "town") < 0 || cons_town(err, s, r, 1, 2) < 0)
            return -1;
        for (int k = 0; k < n; k++)
            if (strcmp(towns[k].code, r->f[1]) == 0)
                return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2], "%s is listed twice",
                                 r->f[2]);
        if (n == TOWNS_MAX)
            return cons_fail(err, s, r, KD_TOO_LONG, r->f[2], "at most %d towns", TOWNS_MAX);
        struct town *t = &towns[n];
        t->code = r->f[1];
        t->name = r->f[2];
        t->from = r->nf > 6 ? r->f[6] : "";
        t->to = r->nf > 7 ? r->f[7] : "";
        if (cons_money(err, s, r, 3, t->name, "A", false, &t->a) < 0 ||
            cons_money(err, s, r, 4, t->name, "B", true, &t->b) < 0 ||
            cons_money(err, s, r, 5, t->name, "E", false, &t->e) < 0)
            return -1;
        n++;
    }
    if (n == 0)
        return cons_fail(err, s, NULL, KD_MISSING_FIELD, "town", "a costs sheet lists towns");

    static const char *const head[] = {"町村名", "事業者の移行", "今回見積額 A", "現契約額 B",
                                       "比較差額 C=B−A", "軽減率 D=C/B", "データ移行費 E",
                                       "移行費用総額 F=A+E", "比較差額 G=B−F", "総軽減率 H=G/B"};
    static const double widths[] = {24, 20, 27, 27, 27, 22, 27, 29, 27, 23};
    static const enum report_align align[] = {REPORT_LEFT,  REPORT_CENTER, REPORT_RIGHT,
                                              REPORT_RIGHT, REPORT_RIGHT,  REPORT_RIGHT,
                                              REPORT_RIGHT, REPORT_RIGHT,  REPORT_RIGHT,
                                              REPORT_RIGHT};
    struct cons_table *t =
        cons_table_new(s, cons_printf(s, "コスト削減効果検証一覧（単位：%s）",
                                      s->unit == 1000 ? "千円" : "円"),
                       10, head, widths, align);
    if (!t)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    s->r->landscape = true;
    int64_t sa = 0, sb = 0, se = 0;
    for (int k = 0; k <= n; k++) {
        bool total = k == n;
        const char *name = total ? "合計" : towns[k].name;
        int64_t a = total ? sa : towns[k].a, b = total ? sb : towns[k].b;
        int64_t e = total ? se : towns[k].e;
        int64_t c = b - a, f = a + e, g = b - f;
        struct cons_cell *row = cons_table_row(s, t, total ? REPORT_ROW_TOTAL : 0);
        if (!row)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        row[0].text = name;
        if (!total && (towns[k].from[0] || towns[k].to[0]))
            row[1].text = cons_printf(s, "%s→%s", towns[k].from, towns[k].to);
        row[2] = amount(s, name, "A", a);
        row[3] = amount(s, name, "B", b);
        row[4] = amount(s, name, "C", c);
        row[5] = cons_figure(s, name, "D", c, b, 2, true);
        row[6] = amount(s, name, "E", e);
        row[7] = amount(s, name, "F", f);
        row[8] = amount(s, name, "G", g);
        row[9] = cons_figure(s, name, "H", g, b, 2, true);
        if (!total) {
            sa += a;
            sb += b;
            se += e;
        }
    }
    cons_note(s, "C = B − A、G = B − F は削減額（正の値が削減）。資料の表頭は「A-B」「F-B」ですが、"
                 "数値は B − A、B − F です。D・H の合計欄は合計額どうしの比です。");
    return 0;
}

int cons_procurement(struct cons_sheet *s, struct kd_err *err)
{
    static const char *const types[] = {"orderer", "item"};
    if (only(s, types, 2, "procurement", err) < 0)
        return -1;
    const char *orderers[ORDERERS_MAX];
    int no = 0;
    for (int i = 1; i < s->n; i++) {
        const struct cons_rec *r = &s->recs[i];
        if (strcmp(r->f[0], "orderer") != 0)
            continue;
        if (cons_need(err, s, r, 3, 3, "orderer<TAB>town code or -<TAB>name") < 0 ||
            cons_name(err, s, r, 2, "orderer") < 0)
            return -1;
        /* A town orders under its own code; a body that is not a town (the
         * district union 吾妻広域) is declared with "-". */
        if (strcmp(r->f[1], "-") != 0 && cons_town(err, s, r, 1, 2) < 0)
            return -1;
        for (int k = 0; k < no; k++)
            if (strcmp(orderers[k], r->f[2]) == 0)
                return cons_fail(err, s, r, KD_INVALID_VALUE, r->f[2],
                                 "orderer %s is declared twice", r->f[2]);
        if (no == ORDERERS_MAX)
            return cons_fail(err, s, r, KD_TOO_LONG, r->f[2], "at most %d orderers",
                             ORDERERS_MAX);
        orderers[no++] = r->f[2];
    }
    static const char *const head[] = {"No.", "発注者", "購入予定機器", "数量", "単価",
                                       "当初予算額", "見積額", "増減額", "増減", "減額率"};
    static const double widths[] = {12, 24, 70, 16, 22, 28, 28, 28, 12, 20};
    static const enum report_align align[] = {REPORT_RIGHT, REPORT_LEFT,  REPORT_LEFT,
                                              REPORT_RIGHT, REPORT_RIGHT, REPORT_RIGHT,
                                              REPORT_RIGHT, REPORT_RIGHT, REPORT_CENTER,
                                              REPORT_RIGHT};
    struct cons_table *t = cons_table_new(s, "共同調達の実績（単位：円）", 10, head, widths, align);
    if (!t)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    s->r->landscape = true;
    int64_t sbud = 0, squote = 0, scount = 0;
    int items = 0;
    const char *ids[ITEMS_MAX];
    for (int i = 1; i < s->n; i++) {
        const struct cons_rec *r = &s->recs[i];
        if (strcmp(r->f[0], "item") != 0)
            continue;
        if (cons_need(err, s, r, 8, 8,
                      "item<TAB>No.<TAB>orderer<TAB>description<TAB>count<TAB>unit price"
                      "<TAB>budget<TAB>quote") < 0 ||
            cons_name(err, s, r, 1, "item number") < 0 ||
            cons_name(err, s, r, 3, "description") < 0)
            return -1;
        const char *id = cons_printf(s, "No.%s", r->f[1]);
        for (int k = 0; k < items; k++)
            if (strcmp(ids[k], id) == 0)
                return cons_fail(err, s, r, KD_INVALID_VALUE, id, "%s is listed twice", id);
        if (items == ITEMS_MAX)
            return cons_fail(err, s, r, KD_TOO_LONG, id, "at most %d items", ITEMS_MAX);
        ids[items++] = id;
        bool known = false;
        for (int k = 0; k < no && !known; k++)
            known = strcmp(orderers[k], r->f[2]) == 0;
        if (!known)
            return cons_fail(err, s, r, KD_INVALID_VALUE, id,
                             "unknown orderer %s (declare it with an orderer record)", r->f[2]);
        int64_t count, price, budget, quote;
        if (cons_count(err, s, r, 4, id, "count", 1, 1000000, &count) < 0 ||
            cons_money(err, s, r, 5, id, "unit price", false, &price) < 0 ||
            cons_money(err, s, r, 6, id, "budget", true, &budget) < 0 ||
            cons_money(err, s, r, 7, id, "quote", false, &quote) < 0)
            return -1;
        int64_t diff = quote - budget;
        struct cons_cell *row = cons_table_row(s, t, 0);
        if (!row)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        row[0].text = r->f[1];
        row[1].text = r->f[2];
        row[2].text = r->f[3];
        row[3] = cons_figure(s, id, "数量", count, 1, 0, false);
        row[4].text = money(s, price);
        row[5] = amount(s, id, "予算額", budget);
        row[6] = amount(s, id, "見積額", quote);
        row[7] = amount(s, id, "増減額", diff);
        row[8].text = diff > 0 ? "増" : diff < 0 ? "減" : "";
        row[9] = cons_figure(s, id, "減額率", diff < 0 ? -diff : diff, budget, 2, true);
        if ((__int128)price * count != budget)
            cons_note(s, cons_printf(s,
                                     "%s（%s）：当初予算額 %s は 単価 × 数量 = %s と一致しません。"
                                     "入力された予算額で計算しています。",
                                     id, r->f[2], money(s, budget),
                                     money(s, (int64_t)((__int128)price * count))));
        sbud += budget;
        squote += quote;
        scount += count;
    }
    if (items == 0)
        return cons_fail(err, s, NULL, KD_MISSING_FIELD, "item",
                         "a procurement sheet lists items");
    int64_t diff = squote - sbud;
    struct cons_cell *row = cons_table_row(s, t, REPORT_ROW_TOTAL);
    if (!row)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    row[1].text = "合計";
    row[3] = cons_figure(s, "合計", "数量", scount, 1, 0, false);
    row[5] = amount(s, "合計", "予算額", sbud);
    row[6] = amount(s, "合計", "見積額", squote);
    row[7] = amount(s, "合計", "増減額", diff);
    row[8].text = diff > 0 ? "増" : diff < 0 ? "減" : "";
    row[9] = cons_figure(s, "合計", "減額率", diff < 0 ? -diff : diff, sbud, 2, true);
    cons_note(s, "増減額 = 見積額 − 当初予算額（負の値が減額）。減額率 = |増減額| ÷ 当初予算額。"
                 "資料は予算を上回った行も減額率を正の値で示しているため、増減欄に「増」「減」を"
                 "付けています。");
    return 0;
}
