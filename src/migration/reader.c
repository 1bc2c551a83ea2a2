/*
 * reader.c — streaming reader of one migration file: rows from the CSV
 * splitter, each field decoded (UTF-8 checked, or CP932 decoded; 外字
 * mapped), checked against its item and made canonical. Every problem goes
 * to the report with file, line, item, value and reason; the reader itself
 * fails only when the file cannot be read. docs/layouts.md §2–§4.
 */
#include "migration/codec_internal.h"

#include "base/text.h"
#include "engine/kana.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX ((size_t)16 << 20)

struct buf {
    char *p;
    size_t len, cap;
    bool over;
};

struct mig_reader {
    const struct mig_layout *l;
    const struct mig_file *f;
    const struct mig_profile *p;
    struct mig_report *rep;
    char name[128];
    FILE *fp;
    bool own_fp;
    struct mig_csv csv;
    struct buf out;  /* canonical values of the row, each NUL-terminated */
    struct buf show; /* a value as shown in the report */
    struct buf tmp;  /* kana widening */
    size_t *off;     /* n_items offsets into out; (size_t)-1: "" */
    const char **values;
    int64_t *dropped;
    int64_t peak;
};

static bool ensure(struct buf *b, size_t more)
{
    if (b->over)
        return false;
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    if (cap > OUT_MAX) {
        b->over = true;
        return false;
    }
    char *np = realloc(b->p, cap);
    if (!np) {
        b->over = true;
        return false;
    }
    b->p = np;
    b->cap = cap;
    return true;
}

static void bput(struct buf *b, const void *s, size_t n)
{
    if (n == 0 || !ensure(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void bhex(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    bput(b, x, 4);
}

static void report(struct mig_reader *r, int64_t line, const char *item, const char *value,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void report(struct mig_reader *r, int64_t line, const char *item, const char *value,
                   const char *fmt, ...)
{
    char reason[MIG_REASON_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    mig_report_add(r->rep, r->name, line, item, value, reason);
}

/* ---- decoding ------------------------------------------------------------------- */

/* Appends the UTF-8 of a private-use character: its 外字 text when the
 * profile maps it, else the character itself (left for the check to report). */
static void put_pua(struct mig_reader *r, uint32_t cp)
{
    const struct mig_gaiji *g = mig_gaiji_by_pua(r->p, cp);
    if (g) {
        bput(&r->out, g->text, g->len);
    } else {
        char u[4];
        bput(&r->out, u, mig_utf8_put(cp, u));
    }
}

/* Decodes raw into r->out. Returns 0, or -1 with the reason, the shown value
 * in r->show (NUL-terminated). */
static int decode(struct mig_reader *r, const unsigned char *s, size_t n, char *reason)
{
    if (r->p->enc == MIG_UTF8) {
        size_t bad;
        if (!text_utf8_valid((const char *)s, n, &bad)) {
            r->show.len = 0;
            for (size_t i = 0; i < n; i++) {
                if (s[i] >= 0x80 && i >= bad)
                    bhex(&r->show, s[i]);
                else
                    bput(&r->show, s + i, 1);
            }
            bput(&r->show, "", 1);
            snprintf(reason, MIG_REASON_CAP,
                     "UTF-8として正しくないバイトがあります（%zuバイト目、0x%02X）", bad + 1,
                     s[bad]);
            return -1;
        }
        if (r->p->n_gaiji == 0) {
            bput(&r->out, s, n);
            return 0;
        }
        /* Map private-use characters (U+E000..F8FF: EE 80 80 .. EF A3 BF;
         * planes 15-16: F3 B0.. F4 ..). */
        size_t i = 0, from = 0;
        while (i < n) {
            unsigned char c = s[i];
            if (c < 0xEE) {
                i += c < 0x80 ? 1 : c < 0xE0 ? 2 : 3;
                continue;
            }
            size_t k;
            uint32_t cp = mig_utf8_next(s + i, n - i, &k);
            if (mig_is_pua(cp)) {
                bput(&r->out, s + from, i - from);
                put_pua(r, cp);
                from = i + k;
            }
            i += k;
        }
        bput(&r->out, s + from, n - from);
        return 0;
    }
    /* CP932 */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            size_t j = i + 1;
            while (j < n && s[j] < 0x80)
                j++;
            bput(&r->out, s + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp = 0;
        size_t k = 1;
        if (cp932_is_lead(c)) {
            if (i + 1 < n) {
                cp = cp932_double(c, s[i + 1]);
                k = 2;
            }
        } else {
            int32_t v = cp932_single(c);
            cp = v > 0 ? (uint32_t)v : 0;
        }
        if (!cp) {
            /* Show what decodes and the bad bytes as \xHH. */
            r->show.len = 0;
            size_t j = 0;
            while (j < n) {
                unsigned char d = s[j];
                uint32_t x = 0;
                size_t m = 1;
                if (d < 0x80) {
                    x = d;
                } else if (cp932_is_lead(d) && j + 1 < n) {
                    x = cp932_double(d, s[j + 1]);
                    m = 2;
                } else if (!cp932_is_lead(d)) {
                    int32_t v = cp932_single(d);
                    x = v > 0 ? (uint32_t)v : 0;
                }
                if (x || d == 0) {
                    char u[4];
                    bput(&r->show, u, mig_utf8_put(x, u));
                    j += m;
                } else {
                    bhex(&r->show, d);
                    j++;
                }
            }
            bput(&r->show, "", 1);
            if (k == 2)
                snprintf(reason, MIG_REASON_CAP,
                         "CP932（シフトJIS）として読めないバイトがあります（%zuバイト目、0x%02X "
                         "0x%02X）",
                         i + 1, c, s[i + 1]);
            else
                snprintf(reason, MIG_REASON_CAP,
                         "CP932（シフトJIS）として読めないバイトがあります（%zuバイト目、0x%02X）",
                         i + 1, c);
            return -1;
        }
        if (mig_is_pua(cp)) {
            put_pua(r, cp);
        } else {
            char u[4];
            bput(&r->out, u, mig_utf8_put(cp, u));
        }
        i += k;
    }
    return 0;
}

/* ---- rows ---------------------------------------------------------------------------- */

static void trim(const unsigned char **s, size_t *n)
{
    while (*n > 0 && (*s)[0] == ' ') {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && (*s)[*n - 1] == ' ')
        (*n)--;
}

/* The value at off as a C string ("" for (size_t)-1). */
static void finish_values(struct mig_reader *r)
{
    for (int i = 0; i < r->f->n_items; i++)
        r->values[i] = r->off[i] == (size_t)-1 || r->out.over ? "" : r->out.p + r->off[i];
}

/* Decodes field i of the row into out without checks (for rows whose
 * columns do not line up); "" when it does not decode. */
static void take_raw(struct mig_reader *r, int i, const unsigned char *s, size_t n)
{
    char reason[MIG_REASON_CAP];
    size_t at = r->out.len;
    r->off[i] = at;
    if (decode(r, s, n, reason) < 0) {
        r->out.len = at;
        r->off[i] = (size_t)-1;
        return;
    }
    bput(&r->out, "", 1);
}

static bool check_field(struct mig_reader *r, int i, const unsigned char *s, size_t n, int64_t line)
{
    const struct mig_item *it = &r->f->items[i];
    char reason[MIG_REASON_CAP];
    if (r->p->trim)
        trim(&s, &n);
    size_t at = r->out.len;
    r->off[i] = at;
    if (decode(r, s, n, reason) < 0) {
        r->out.len = at;
        r->off[i] = (size_t)-1;
        mig_report_add(r->rep, r->name, line, it->name, r->show.over ? "" : r->show.p, reason);
        return false;
    }
    size_t vl = r->out.len - at;
    if (it->type == MIG_KANA && r->p->kana_widen && vl > 0 && !r->out.over) {
        size_t cap = vl * 3 + 16, ol = 0;
        struct kd_err e;
        r->tmp.len = 0;
        if (ensure(&r->tmp, cap) &&
            kana_normalise_reading(r->out.p + at, vl, r->tmp.p, cap, &ol, &e) == 0) {
            r->out.len = at;
            bput(&r->out, r->tmp.p, ol);
            vl = ol;
        }
    }
    bput(&r->out, "", 1);
    if (r->out.over)
        return false;
    const char *v = r->out.p + at;
    char conv[32];
    size_t cl;
    if (mig_check_value(r->l, it, r->p, v, vl, false, conv, &cl, reason) < 0) {
        mig_report_add(r->rep, r->name, line, it->name, v, reason);
        return false;
    }
    if (cl != (size_t)-1) {
        r->out.len = at;
        bput(&r->out, conv, cl);
        bput(&r->out, "", 1);
        vl = cl;
    }
    if (!it->binding[0] && vl > 0)
        r->dropped[i]++;
    return true;
}

static void note_peak(struct mig_reader *r)
{
    int64_t now = r->csv.peak + (int64_t)(r->out.cap + r->show.cap + r->tmp.cap);
    if (now > r->peak)
        r->peak = now;
}

/* The header row: names equal to the items', in order. */
static int check_header(struct mig_reader *r, struct kd_err *e)
{
    int rc = mig_csv_next(&r->csv, e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        report(r, 1, "", "", "見出し行がありません（ファイルが空です）");
        return 0;
    }
    struct mig_csv *c = &r->csv;
    int64_t line = c->row_line;
    if (c->flags & (CSV_TOO_LONG | CSV_TOO_MANY)) {
        report(r, line, "", "", "見出し行が長すぎます");
        return 0;
    }
    if (c->flags & CSV_OPEN_QUOTE)
        report(r, line, "", "", "引用符が閉じられないままファイルが終わっています");
    else if (c->flags & CSV_BAD_QUOTE)
        report(r, line, "", "", "見出し行の引用符（\"）の使い方が正しくありません");
    int n = c->n_fields < r->f->n_items ? c->n_fields : r->f->n_items;
    if (c->n_fields != r->f->n_items)
        report(r, line, "", "", "見出し行の列の数が%d個です（定義では%d個）", c->n_fields,
               r->f->n_items);
    for (int i = 0; i < n; i++) {
        char reason[MIG_REASON_CAP];
        r->out.len = 0;
        const unsigned char *s = (const unsigned char *)c->row + c->start[i];
        size_t len = c->len[i];
        if (r->p->trim)
            trim(&s, &len);
        if (decode(r, s, len, reason) < 0) {
            mig_report_add(r->rep, r->name, line, r->f->items[i].name,
                           r->show.over ? "" : r->show.p, reason);
            continue;
        }
        bput(&r->out, "", 1);
        if (r->out.over)
            continue;
        if (strcmp(r->out.p, r->f->items[i].name) != 0)
            report(r, line, r->f->items[i].name, r->out.p,
                   "見出しが定義の項目名（%d列目）と違います", i + 1);
    }
    return 0;
}

static int open_common(struct mig_reader **out, const struct mig_layout *l,
                       const struct mig_file *f, const struct mig_profile *p, FILE *fp, bool own_fp,
                       const char *display_name, struct mig_report *report_, struct kd_err *e)
{
    *out = NULL;
    if (p->enc == MIG_CP932 && cp932_init(e) < 0) {
        if (own_fp)
            fclose(fp);
        return -1;
    }
    struct mig_reader *r = calloc(1, sizeof *r);
    if (!r) {
        if (own_fp)
            fclose(fp);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    r->l = l;
    r->f = f;
    r->p = p;
    r->rep = report_;
    r->fp = fp;
    r->own_fp = own_fp;
    snprintf(r->name, sizeof r->name, "%s", display_name ? display_name : f->path);
    r->off = calloc((size_t)f->n_items, sizeof *r->off);
    r->values = calloc((size_t)f->n_items, sizeof *r->values);
    r->dropped = calloc((size_t)f->n_items, sizeof *r->dropped);
    if (!r->off || !r->values || !r->dropped) {
        mig_reader_close(r);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    if (mig_csv_init(&r->csv, fp, p->sep, p->quote != MIG_QUOTE_NONE, e) < 0) {
        mig_reader_close(r);
        return -1;
    }
    r->csv.strip_bom = p->enc == MIG_UTF8;
    if (p->header && check_header(r, e) < 0) {
        mig_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int mig_reader_open(struct mig_reader **out, const struct mig_layout *l, const struct mig_file *f,
                    const struct mig_profile *p, const char *dir, struct mig_report *report_,
                    struct kd_err *e)
{
    *out = NULL;
    char path[4200];
    int k = snprintf(path, sizeof path, "%s/%s", dir, f->path);
    if (k < 0 || (size_t)k >= sizeof path)
        return kd_fail(e, KD_INVALID_VALUE, f->path, "the folder's path is too long");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return kd_fail(e, errno == ENOENT ? KD_NOT_FOUND : KD_INTERNAL, f->path,
                       "%s: cannot read: %s", f->path, strerror(errno));
    return open_common(out, l, f, p, fp, true, f->path, report_, e);
}

int mig_reader_open_fp(struct mig_reader **out, const struct mig_layout *l,
                       const struct mig_file *f, const struct mig_profile *p, FILE *fp,
                       const char *display_name, struct mig_report *report_, struct kd_err *e)
{
    return open_common(out, l, f, p, fp, false, display_name, report_, e);
}

int mig_reader_next(struct mig_reader *r, const char *const **values, bool *bad, int64_t *line,
                    struct kd_err *e)
{
    struct mig_csv *c = &r->csv;
    int rc = mig_csv_next(c, e);
    if (rc <= 0)
        return rc;
    *line = c->row_line;
    *bad = false;
    r->out.len = 0;
    r->out.over = false;
    r->show.over = false;
    r->tmp.over = false;
    int n = r->f->n_items;
    for (int i = 0; i < n; i++)
        r->off[i] = (size_t)-1;
    if (c->flags & CSV_TOO_LONG) {
        report(r, *line, "", "", "行が長すぎます（%dバイトを超えています）", MIG_ROW_MAX);
        *bad = true;
    } else {
        if (c->flags & CSV_OPEN_QUOTE) {
            report(r, *line, "", "",
                   "引用符が閉じられないままファイルが終わっています（この行から最後まで）");
            *bad = true;
        } else if (c->flags & CSV_BAD_QUOTE) {
            report(
                r, *line, "", "",
                "引用符（\"）の使い方が正しくありません（値の途中の\"、または閉じた\"の後の文字）");
            *bad = true;
        }
        if (c->n_fields != n || (c->flags & CSV_TOO_MANY)) {
            if (c->flags & CSV_TOO_MANY)
                report(r, *line, "", "", "列が多すぎます（%d個を超えています）", MIG_FIELDS_MAX);
            else
                report(r, *line, "", "", "列の数が%d個です（定義では%d個）", c->n_fields, n);
            *bad = true;
            int m = c->n_fields < n ? c->n_fields : n;
            for (int i = 0; i < m; i++)
                take_raw(r, i, (const unsigned char *)c->row + c->start[i], c->len[i]);
        } else {
            for (int i = 0; i < n; i++)
                if (!check_field(r, i, (const unsigned char *)c->row + c->start[i], c->len[i],
                                 *line))
                    *bad = true;
        }
    }
    if (r->out.over) {
        report(r, *line, "", "", "行が長すぎます（値を変換すると%zuバイトを超えます）", OUT_MAX);
        *bad = true;
    }
    finish_values(r);
    note_peak(r);
    *values = r->values;
    return 1;
}

void mig_reader_close(struct mig_reader *r)
{
    if (!r)
        return;
    mig_csv_release(&r->csv);
    if (r->own_fp && r->fp)
        fclose(r->fp);
    free(r->out.p);
    free(r->show.p);
    free(r->tmp.p);
    free(r->off);
    free(r->values);
    free(r->dropped);
    free(r);
}

int64_t mig_reader_bytes(const struct mig_reader *r)
{
    return r->csv.bytes;
}

int64_t mig_reader_dropped(const struct mig_reader *r, int item_index)
{
    if (item_index < 0 || item_index >= r->f->n_items)
        return 0;
    return r->dropped[item_index];
}

int64_t mig_reader_buffer_bytes(const struct mig_reader *r)
{
    return r->peak;
}
