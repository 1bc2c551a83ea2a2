/*
 * sheet.c — reading a consortium sheet: lines of tab-separated records,
 * numbers as people write them ("1,279,834", "19.58%"), exact rounding, and
 * the pieces of a result (tables, notes, figures compared with the printed
 * ones). The computations themselves are in proposal.c, costs.c,
 * procurement.c and allocation.c.
 */
#include "consortium/internal.h"

#include "base/text.h"
#include "engine/tenant.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *label;
} kinds[CONS_KIND_COUNT] = {
    [CONS_PROPOSAL] = {"proposal", "プロポーザル集計"},
    [CONS_COSTS] = {"costs", "コスト削減効果検証"},
    [CONS_PROCUREMENT] = {"procurement", "共同調達"},
    [CONS_ALLOCATION] = {"allocation", "費用按分"},
};

const char *cons_kind_name(enum cons_kind k)
{
    return (unsigned)k < CONS_KIND_COUNT ? kinds[k].name : "unknown";
}

const char *cons_kind_label(enum cons_kind k)
{
    return (unsigned)k < CONS_KIND_COUNT ? kinds[k].label : "不明";
}

bool cons_kind_parse(const char *s, enum cons_kind *out)
{
    for (int k = 0; k < CONS_KIND_COUNT; k++)
        if (strcmp(s, kinds[k].name) == 0) {
            *out = (enum cons_kind)k;
            return true;
        }
    return false;
}

/* ---- numbers ------------------------------------------------------------------ */

int64_t cons_round_half_even(__int128 num, __int128 den)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    __int128 q = num / den, r = num % den;
    if (r < 0) { /* floor division */
        q -= 1;
        r += den;
    }
    __int128 twice = 2 * r;
    if (twice > den || (twice == den && (q & 1) != 0))
        q += 1;
    return (int64_t)q;
}

/* Digits with optional thousands separators: "1,234,567" or "1234567".
 * Writes the digits to out (at most cap-1) and returns their count, or -1. */
static int plain_digits(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    bool commas = memchr(s, ',', n) != NULL;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',')
            continue; /* the grouping is checked below */
        if (s[i] < '0' || s[i] > '9' || k + 1 >= cap)
            return -1;
        out[k++] = s[i];
    }
    if (k == 0)
        return -1;
    if (commas) {
        /* Validate the grouping: from the right, groups of three. */
        size_t group = 0;
        bool first = true;
        for (size_t i = n; i-- > 0;) {
            if (s[i] == ',') {
                if (group != 3 || i == 0)
                    return -1;
                group = 0;
                first = false;
                continue;
            }
            group++;
        }
        if (!first && (group < 1 || group > 3))
            return -1;
    }
    out[k] = '\0';
    return (int)k;
}

bool cons_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int64_t units;
    int dec;
    bool pct;
    if (!cons_parse_dec(s, &units, &dec, &pct) || dec != 0 || pct)
        return false;
    if (units < min || units > max)
        return false;
    *out = units;
    return true;
}

bool cons_parse_dec(const char *s, int64_t *units, int *dec, bool *percent)
{
    size_t n = strlen(s);
    bool neg = false;
    *percent = false;
    if (n > 0 && s[n - 1] == '%') {
        *percent = true;
        n--;
    }
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    const char *dot = memchr(s, '.', n);
    size_t ilen = dot ? (size_t)(dot - s) : n;
    char ibuf[32], fbuf[16];
    if (plain_digits(s, ilen, ibuf, sizeof ibuf) < 0)
        return false;
    int f = 0;
    if (dot) {
        size_t flen = n - ilen - 1;
        if (flen == 0 || flen > 6 || memchr(dot + 1, ',', flen))
            return false;
        if (plain_digits(dot + 1, flen, fbuf, sizeof fbuf) < 0)
            return false;
        f = (int)flen;
    }
    /* Up to 15 digits before the point (999 trillion, far beyond any
     * budget) and 18 in all, so the value fits an int64 with room to spare. */
    if (strlen(ibuf) > 15 || strlen(ibuf) + (size_t)f > 18)
        return false;
    int64_t v = 0;
    for (const char *p = ibuf; *p; p++)
        v = v * 10 + (*p - '0');
    for (int i = 0; i < f; i++)
        v = v * 10 + (fbuf[i] - '0');
    *units = neg ? -v : v;
    *dec = f;
    return true;
}

const char *cons_fmt(struct arena *a, int64_t units, int dec)
{
    char digits[32], out[48];
    bool neg = units < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    /* Pad so that there is at least one digit before the point. */
    while (n <= dec) {
        memmove(digits + 1, digits, (size_t)n + 1);
        digits[0] = '0';
        n++;
    }
    int ilen = n - dec;
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    for (int i = 0; i < ilen; i++) {
        out[k++] = digits[i];
        int left = ilen - i - 1;
        if (left > 0 && left % 3 == 0)
            out[k++] = ',';
    }
    if (dec > 0) {
        out[k++] = '.';
        for (int i = ilen; i < n; i++)
            out[k++] = digits[i];
    }
    out[k] = '\0';
    return arena_strndup(a, out, k);
}

/* ---- records ------------------------------------------------------------------ */

int cons_fail(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              enum kd_code code, const char *item, const char *fmt, ...)
{
    char msg[KD_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rec)
        return kd_fail(err, code, item, "%s line %d: %s", s->name, rec->line, msg);
    return kd_fail(err, code, item, "%s: %s", s->name, msg);
}

int cons_need(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              int min, int max, const char *usage)
{
    if (rec->nf < min || rec->nf > max)
        return cons_fail(err, s, rec, KD_INVALID_VALUE, rec->f[0],
                         "a %s record is: %s (it has %d fields)", rec->f[0], usage, rec->nf);
    return 0;
}

int cons_name(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec, int i,
              const char *what)
{
    const char *v = i < rec->nf ? rec->f[i] : "";
    size_t chars = text_utf8_chars(v, strlen(v));
    if (chars == 0)
        return cons_fail(err, s, rec, KD_MISSING_FIELD, what, "%s is missing", what);
    if (chars > CONS_NAME_CHARS)
        return cons_fail(err, s, rec, KD_TOO_LONG, v, "%s is longer than %d characters", what,
                         CONS_NAME_CHARS);
    return 0;
}

int cons_money(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec, int i,
               const char *item, const char *what, bool positive, int64_t *yen)
{
    const char *v = i < rec->nf ? rec->f[i] : "";
    char field[KD_FIELD_MAX];
    snprintf(field, sizeof field, "%s/%s", item, what);
    if (!v[0])
        return cons_fail(err, s, rec, KD_MISSING_FIELD, field, "%s of %s is missing", what, item);
    int64_t n;
    if (!cons_parse_int(v, INT64_MIN / 2, INT64_MAX / 2, &n))
        return cons_fail(err, s, rec, KD_INVALID_VALUE, field,
                         "%s of %s must be a whole number of %s (digits, optionally with "
                         "thousands commas), not \"%s\"",
                         what, item, s->unit_label, v);
    if (n < 0 || (positive && n == 0))
        return cons_fail(err, s, rec, KD_INVALID_VALUE, field, "%s of %s must be %s, not %s", what,
                         item, positive ? "more than 0" : "0 or more", v);
    if (n > (int64_t)1000000000000000 / s->unit)
        return cons_fail(err, s, rec, KD_INVALID_VALUE, field, "%s of %s is too large", what,
                         item);
    *yen = n * s->unit;
    return 0;
}

int cons_count(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec, int i,
               const char *item, const char *what, int64_t min, int64_t max, int64_t *out)
{
    const char *v = i < rec->nf ? rec->f[i] : "";
    char field[KD_FIELD_MAX];
    snprintf(field, sizeof field, "%s/%s", item, what);
    if (!v[0])
        return cons_fail(err, s, rec, KD_MISSING_FIELD, field, "%s of %s is missing", what, item);
    if (!cons_parse_int(v, INT64_MIN / 2, INT64_MAX / 2, out))
        return cons_fail(err, s, rec, KD_INVALID_VALUE, field,
                         "%s of %s must be a whole number, not \"%s\"", what, item, v);
    if (*out < min || *out > max)
        return cons_fail(err, s, rec, KD_INVALID_VALUE, field,
                         "%s of %s must be from %lld to %lld, not %s", what, item,
                         (long long)min, (long long)max, v);
    return 0;
}

int cons_town(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              int icode, int iname)
{
    const char *code = rec->f[icode], *name = rec->f[iname];
    struct kd_err e;
    if (tenant_check_code(code, strlen(code), &e) < 0)
        return cons_fail(err, s, rec, KD_INVALID_VALUE, name, "town code of %s: %s", name,
                         e.message);
    for (size_t i = 0; s->towns && i < s->towns->n; i++) {
        if (strcmp(s->towns->items[i].code, code) != 0)
            continue;
        if (strcmp(s->towns->items[i].name, name) != 0)
            return cons_fail(err, s, rec, KD_INVALID_VALUE, name,
                             "town %s is %s in the registry, not %s", code,
                             s->towns->items[i].name, name);
        return 0;
    }
    return cons_fail(err, s, rec, KD_INVALID_VALUE, name,
                     "unknown town: %s (%s) is not a member of the consortium", name, code);
}

const char *cons_printf(struct cons_sheet *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *out = arena_strndup(s->a, buf, strlen(buf));
    return out ? out : "";
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\r'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Splits the text into records. */
static int split(struct cons_sheet *s, const char *text, size_t len, struct kd_err *err)
{
    if (len > CONS_TEXT_MAX)
        return kd_fail(err, KD_TOO_LONG, "text", "%s: a sheet is at most %d KiB", s->name,
                       CONS_TEXT_MAX / 1024);
    size_t bad;
    if (!text_utf8_valid(text, len, &bad)) {
        int line = 1;
        for (size_t i = 0; i < bad; i++)
            line += text[i] == '\n';
        return kd_fail(err, KD_INVALID_UTF8, "text", "%s line %d: not valid UTF-8", s->name,
                       line);
    }
    /* Skip a byte-order mark (files saved by spreadsheet programs). */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (lines > CONS_RECORDS_MAX * 2)
        return kd_fail(err, KD_TOO_LONG, "text", "%s: more than %d lines", s->name,
                       CONS_RECORDS_MAX * 2);
    s->recs = arena_alloc(s->a, lines * sizeof *s->recs);
    if (!s->recs)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the sheet");
    s->n = 0;
    const char *p = text, *end = text + len;
    int line = 0;
    while (p < end) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *b = p, *e = eol;
        p = eol + 1;
        trim(&b, &e);
        if (b == e || *b == '#')
            continue;
        struct cons_rec tmp = {.line = line};
        if (text_has_control(b, (size_t)(e - b), true) || memchr(b, '\n', (size_t)(e - b)))
            return cons_fail(err, s, &tmp, KD_INVALID_VALUE, "text",
                             "control characters are not allowed");
        const char *fields[CONS_FIELDS_MAX];
        int nf = 0;
        const char *fb = b;
        for (const char *q = b;; q++) {
            if (q == e || *q == '\t') {
                if (nf == CONS_FIELDS_MAX)
                    return cons_fail(err, s, &tmp, KD_TOO_LONG, "text",
                                     "more than %d fields on one line", CONS_FIELDS_MAX);
                const char *x = fb, *y = q;
                trim(&x, &y);
                if (text_has_control(x, (size_t)(y - x), false))
                    return cons_fail(err, s, &tmp, KD_INVALID_VALUE, "text",
                                     "control characters are not allowed");
                if (text_utf8_chars(x, (size_t)(y - x)) > 200)
                    return cons_fail(err, s, &tmp, KD_TOO_LONG, "text",
                                     "field %d is longer than 200 characters", nf + 1);
                fields[nf] = arena_strndup(s->a, x, (size_t)(y - x));
                if (!fields[nf])
                    return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the sheet");
                nf++;
                fb = q + 1;
                if (q == e)
                    break;
            }
        }
        /* Trailing empty fields (a spreadsheet's blank cells) do not count. */
        while (nf > 1 && fields[nf - 1][0] == '\0')
            nf--;
        if (s->n >= CONS_RECORDS_MAX)
            return cons_fail(err, s, &tmp, KD_TOO_LONG, "text", "more than %d records",
                             CONS_RECORDS_MAX);
        struct cons_rec *r = &s->recs[s->n++];
        r->line = line;
        r->nf = nf;
        r->f = arena_alloc(s->a, (size_t)nf * sizeof *r->f);
        if (!r->f)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the sheet");
        memcpy(r->f, fields, (size_t)nf * sizeof *r->f);
    }
    return 0;
}

/* The records every kind shares: kind, title, source, unit, printed. */
static int common(struct cons_sheet *s, struct kd_err *err)
{
    if (s->n == 0 || strcmp(s->recs[0].f[0], "kind") != 0)
        return cons_fail(err, s, s->n ? &s->recs[0] : NULL, KD_MISSING_FIELD, "kind",
                         "a sheet starts with a kind record (kind<TAB>proposal, costs, "
                         "procurement or allocation)");
    const struct cons_rec *k = &s->recs[0];
    if (k->nf != 2 || !cons_kind_parse(k->f[1], &s->kind))
        return cons_fail(err, s, k, KD_INVALID_VALUE, "kind",
                         "kind must be proposal, costs, procurement or allocation");
    s->unit = 1;
    s->unit_label = "yen";
    int nprinted = 0;
    for (int i = 1; i < s->n; i++)
        if (strcmp(s->recs[i].f[0], "printed") == 0)
            nprinted += (s->recs[i].nf - 2) / 2;
    s->printed = arena_zalloc(s->a, (size_t)(nprinted + 1) * sizeof *s->printed);
    if (!s->printed)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the sheet");
    for (int i = 1; i < s->n; i++) {
        const struct cons_rec *r = &s->recs[i];
        const char *t = r->f[0];
        if (strcmp(t, "kind") == 0)
            return cons_fail(err, s, r, KD_INVALID_VALUE, "kind", "a sheet has one kind");
        if (strcmp(t, "title") == 0 || strcmp(t, "source") == 0) {
            if (r->nf != 2)
                return cons_need(err, s, r, 2, 2, "title|source<TAB>text");
            *(strcmp(t, "title") == 0 ? &s->title : &s->source) = r->f[1];
        } else if (strcmp(t, "unit") == 0) {
            if (r->nf != 2 || (strcmp(r->f[1], "円") != 0 && strcmp(r->f[1], "千円") != 0))
                return cons_fail(err, s, r, KD_INVALID_VALUE, "unit",
                                 "unit must be 円 or 千円");
            bool thousands = strcmp(r->f[1], "千円") == 0;
            s->unit = thousands ? 1000 : 1;
            s->unit_label = thousands ? "thousands of yen" : "yen";
        } else if (strcmp(t, "printed") == 0) {
            if (r->nf < 4 || (r->nf - 2) % 2 != 0)
                return cons_need(err, s, r, 4, CONS_FIELDS_MAX,
                                 "printed<TAB>row<TAB>figure<TAB>value[<TAB>figure<TAB>value]…");
            for (int j = 2; j + 1 < r->nf; j += 2) {
                int64_t u;
                int d;
                bool pct;
                char field[KD_FIELD_MAX];
                snprintf(field, sizeof field, "%s/%s", r->f[1], r->f[j]);
                if (!cons_parse_dec(r->f[j + 1], &u, &d, &pct))
                    return cons_fail(err, s, r, KD_INVALID_VALUE, field,
                                     "the printed %s of %s is not a number", r->f[j], r->f[1]);
                for (int q = 0; q < s->nprinted; q++)
                    if (strcmp(s->printed[q].row, r->f[1]) == 0 &&
                        strcmp(s->printed[q].what, r->f[j]) == 0)
                        return cons_fail(err, s, r, KD_INVALID_VALUE, field,
                                         "the printed %s of %s is given twice", r->f[j],
                                         r->f[1]);
                s->printed[s->nprinted++] =
                    (struct cons_printed){r->f[1], r->f[j], r->f[j + 1], r->line, false};
            }
        }
    }
    if (!s->title)
        s->title = cons_kind_label(s->kind);
    return 0;
}

int cons_sheet_kind(const char *text, size_t len, enum cons_kind *kind, char *title,
                    size_t title_cap, struct kd_err *err)
{
    struct arena a;
    arena_init(&a, NULL, 0, 16 << 20);
    struct cons_sheet s = {.a = &a, .name = "text"};
    int rc = -1;
    if (split(&s, text, len, err) < 0 || common(&s, err) < 0)
        goto out;
    *kind = s.kind;
    snprintf(title, title_cap, "%s", s.title);
    rc = 0;
out:
    arena_release(&a);
    return rc;
}

/* ---- results -------------------------------------------------------------------- */

struct cons_table *cons_table_new(struct cons_sheet *s, const char *caption, int ncols,
                                  const char *const *head, const double *widths_mm,
                                  const enum report_align *align)
{
    struct cons_result *r = s->r;
    if (r->ntables >= CONS_TABLES_MAX)
        return NULL;
    struct cons_table *t = arena_zalloc(s->a, sizeof *t);
    if (!t)
        return NULL;
    t->caption = caption;
    t->ncols = ncols;
    t->head = (const char **)head;
    t->widths_mm = widths_mm;
    t->align = align;
    r->tables[r->ntables++] = t;
    return t;
}

struct cons_cell *cons_table_row(struct cons_sheet *s, struct cons_table *t, unsigned style)
{
    if (t->nrows == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        struct cons_cell *cells = arena_zalloc(s->a, (size_t)cap * (size_t)t->ncols * sizeof *cells);
        unsigned *styles = arena_zalloc(s->a, (size_t)cap * sizeof *styles);
        if (!cells || !styles)
            return NULL;
        if (t->nrows) {
            memcpy(cells, t->cells, (size_t)t->nrows * (size_t)t->ncols * sizeof *cells);
            memcpy(styles, t->row_style, (size_t)t->nrows * sizeof *styles);
        }
        t->cells = cells;
        t->row_style = styles;
        t->cap = cap;
    }
    struct cons_cell *row = &t->cells[(size_t)t->nrows * (size_t)t->ncols];
    for (int c = 0; c < t->ncols; c++)
        row[c] = (struct cons_cell){"", NULL, false};
    t->row_style[t->nrows++] = style;
    return row;
}

void cons_note(struct cons_sheet *s, const char *text)
{
    if (s->r->nnotes < CONS_NOTES_MAX)
        s->r->notes[s->r->nnotes++] = text;
}

static __int128 pow10i(int d)
{
    __int128 p = 1;
    while (d-- > 0)
        p *= 10;
    return p;
}

struct cons_cell cons_figure(struct cons_sheet *s, const char *row, const char *what,
                             __int128 num, __int128 den, int dec, bool percent)
{
    struct cons_result *r = s->r;
    if (percent)
        num *= 100;
    int64_t shown = cons_round_half_even(num * pow10i(dec), den);
    const char *text = cons_fmt(s->a, shown, dec);
    if (percent)
        text = cons_printf(s, "%s%%", text);
    struct cons_cell cell = {text ? text : "", NULL, false};
    for (int i = 0; i < s->nprinted; i++) {
        struct cons_printed *p = &s->printed[i];
        if (strcmp(p->row, row) != 0 || strcmp(p->what, what) != 0)
            continue;
        p->used = true;
        int64_t pu;
        int pd;
        bool ppct;
        cons_parse_dec(p->value, &pu, &pd, &ppct); /* checked when read */
        int64_t at = cons_round_half_even(num * pow10i(pd), den);
        const char *computed = cons_fmt(s->a, at, pd);
        if (percent)
            computed = cons_printf(s, "%s%%", computed);
        bool ok = at == pu;
        if (r->nfigures == r->figcap) {
            int cap = r->figcap ? r->figcap * 2 : 32;
            struct cons_figure *f = arena_alloc(s->a, (size_t)cap * sizeof *f);
            if (!f)
                return cell;
            if (r->nfigures)
                memcpy(f, r->figures, (size_t)r->nfigures * sizeof *f);
            r->figures = f;
            r->figcap = cap;
        }
        r->figures[r->nfigures++] = (struct cons_figure){row, what, computed, p->value, ok};
        if (!ok) {
            r->mismatches++;
            cell.flag = true;
            cell.printed = p->value;
            cons_note(s, cons_printf(s,
                                     "※ %s の %s：資料の値 %s は入力から導かれません（計算値 %s）。"
                                     "表には計算値を示します。",
                                     row, what, p->value, computed));
        }
        break;
    }
    return cell;
}

int cons_printed_all_used(struct cons_sheet *s, struct kd_err *err)
{
    for (int i = 0; i < s->nprinted; i++) {
        const struct cons_printed *p = &s->printed[i];
        if (p->used)
            continue;
        struct cons_rec rec = {.line = p->line};
        char field[KD_FIELD_MAX];
        snprintf(field, sizeof field, "%s/%s", p->row, p->what);
        return cons_fail(err, s, &rec, KD_INVALID_VALUE, field,
                         "printed figure %s of %s names nothing this sheet computes", p->what,
                         p->row);
    }
    return 0;
}

struct cons_result *cons_compute(struct arena *a, const char *name, const char *text,
                                 size_t len, const struct cons_towns *towns,
                                 struct kd_err *err)
{
    struct cons_sheet s = {.a = a, .name = name, .towns = towns};
    if (split(&s, text, len, err) < 0 || common(&s, err) < 0)
        return NULL;
    s.r = arena_zalloc(a, sizeof *s.r);
    if (!s.r) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory computing the sheet");
        return NULL;
    }
    s.r->kind = s.kind;
    s.r->title = s.title;
    s.r->source = s.source;
    int rc = -1;
    switch (s.kind) {
    case CONS_PROPOSAL: rc = cons_proposal(&s, err); break;
    case CONS_COSTS: rc = cons_costs(&s, err); break;
    case CONS_PROCUREMENT: rc = cons_procurement(&s, err); break;
    case CONS_ALLOCATION: rc = cons_allocation(&s, err); break;
    case CONS_KIND_COUNT: break;
    }
    if (rc < 0 || cons_printed_all_used(&s, err) < 0)
        return NULL;
    cons_note(&s, "端数処理：比率・平均点・評価点は表示桁で偶数丸め（JIS Z 8401 規則A）。"
                  "金額は円単位の整数で計算しています。");
    return s.r;
}
