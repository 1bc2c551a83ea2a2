/*
 * output.c — a computed sheet as CSV, terminal text, JSON and PDF.
 *
 * All four show the same tables; a flagged cell (a figure that does not
 * follow from its inputs) shows the computed value with the printed one
 * beside it: "26.85 ※資料 28.85".
 */
#include "consortium/internal.h"

#include "http/jw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing malloc'd buffer (bounded: a sheet's output is small). */
struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > ((size_t)32 << 20)) {
            b->failed = true;
            return;
        }
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static char *finish(struct buf *b, size_t *len)
{
    if (b->failed || !b->p) {
        free(b->p);
        return NULL;
    }
    *len = b->len;
    return b->p;
}

/* The text of a cell, with the printed figure beside a flagged one. */
static const char *cell_text(const struct cons_cell *c, char *tmp, size_t cap)
{
    if (!c->flag)
        return c->text ? c->text : "";
    snprintf(tmp, cap, "%s ※資料 %s", c->text, c->printed ? c->printed : "");
    return tmp;
}

/* ---- CSV --------------------------------------------------------------------------- */

static void csv_field(struct buf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        puts_(b, s);
        return;
    }
    put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            put(b, "\"", 1);
        put(b, p, 1);
    }
    put(b, "\"", 1);
}

static void csv_row(struct buf *b, const char *const *f, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            put(b, ",", 1);
        csv_field(b, f[i] ? f[i] : "");
    }
    put(b, "\r\n", 2);
}

char *cons_csv(const struct cons_result *r, size_t *len)
{
    struct buf b = {0};
    puts_(&b, "\xEF\xBB\xBF");
    const char *title[] = {r->title};
    csv_row(&b, title, 1);
    for (int t = 0; t < r->ntables; t++) {
        const struct cons_table *tb = r->tables[t];
        const char *cap[] = {tb->caption};
        put(&b, "\r\n", 2);
        csv_row(&b, cap, 1);
        csv_row(&b, tb->head, tb->ncols);
        const char *cells[REPORT_MAX_COLS];
        char tmp[REPORT_MAX_COLS][128];
        for (int i = 0; i < tb->nrows; i++) {
            for (int c = 0; c < tb->ncols; c++)
                cells[c] = cell_text(&tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c],
                                     tmp[c], sizeof tmp[c]);
            csv_row(&b, cells, tb->ncols);
        }
    }
    if (r->nfigures) {
        static const char *const h[] = {"行", "項目", "計算値", "資料の値", "判定"};
        const char *cap[] = {"資料の数値との照合"};
        put(&b, "\r\n", 2);
        csv_row(&b, cap, 1);
        csv_row(&b, h, 5);
        for (int i = 0; i < r->nfigures; i++) {
            const struct cons_figure *f = &r->figures[i];
            const char *row[] = {f->row, f->what, f->computed, f->printed,
                                 f->matches ? "一致" : "不一致"};
            csv_row(&b, row, 5);
        }
    }
    if (r->nnotes) {
        const char *cap[] = {"注記"};
        put(&b, "\r\n", 2);
        csv_row(&b, cap, 1);
        for (int i = 0; i < r->nnotes; i++) {
            const char *row[] = {r->notes[i]};
            csv_row(&b, row, 1);
        }
    }
    return finish(&b, len);
}

/* ---- terminal text --------------------------------------------------------------- */

/* Display width: characters of three or four UTF-8 bytes take two columns. */
static int width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        w += n >= 3 ? 2 : 1;
        while (n-- && *p)
            p++;
    }
    return w;
}

static void pad(struct buf *b, int n)
{
    while (n-- > 0)
        put(b, " ", 1);
}

char *cons_text(const struct cons_result *r, size_t *len)
{
    struct buf b = {0};
    puts_(&b, r->title);
    puts_(&b, "\n");
    if (r->source) {
        puts_(&b, "出典：");
        puts_(&b, r->source);
        puts_(&b, "\n");
    }
    for (int t = 0; t < r->ntables; t++) {
        const struct cons_table *tb = r->tables[t];
        int w[REPORT_MAX_COLS];
        char tmp[128];
        for (int c = 0; c < tb->ncols; c++) {
            w[c] = width(tb->head[c]);
            for (int i = 0; i < tb->nrows; i++) {
                int x = width(cell_text(&tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c],
                                        tmp, sizeof tmp));
                if (x > w[c])
                    w[c] = x;
            }
        }
        puts_(&b, "\n");
        puts_(&b, tb->caption);
        puts_(&b, "\n");
        for (int i = -1; i < tb->nrows; i++) {
            for (int c = 0; c < tb->ncols; c++) {
                const char *s = i < 0 ? tb->head[c]
                                      : cell_text(&tb->cells[(size_t)i * (size_t)tb->ncols +
                                                             (size_t)c],
                                                  tmp, sizeof tmp);
                int gap = w[c] - width(s);
                bool right = i >= 0 && tb->align[c] == REPORT_RIGHT;
                if (c)
                    puts_(&b, "  ");
                if (right)
                    pad(&b, gap);
                puts_(&b, s);
                if (!right && c + 1 < tb->ncols)
                    pad(&b, gap);
            }
            puts_(&b, "\n");
        }
    }
    if (r->nnotes) {
        puts_(&b, "\n");
        for (int i = 0; i < r->nnotes; i++) {
            puts_(&b, r->notes[i]);
            puts_(&b, "\n");
        }
    }
    if (r->nfigures) {
        char line[160];
        snprintf(line, sizeof line,
                 "\n資料の数値との照合：%d件中 %d件一致、%d件不一致\n", r->nfigures,
                 r->nfigures - r->mismatches, r->mismatches);
        puts_(&b, line);
    }
    return finish(&b, len);
}

/* ---- JSON -------------------------------------------------------------------------- */

static const char *align_name(enum report_align a)
{
    return a == REPORT_RIGHT ? "right" : a == REPORT_CENTER ? "center" : "left";
}

void cons_json(struct jw *w, const struct cons_result *r)
{
    jw_obj(w);
    jw_kstr(w, "kind", cons_kind_name(r->kind));
    jw_kstr(w, "title", r->title);
    jw_kstr(w, "source", r->source);
    jw_key(w, "tables");
    jw_arr(w);
    for (int t = 0; t < r->ntables; t++) {
        const struct cons_table *tb = r->tables[t];
        jw_obj(w);
        jw_kstr(w, "caption", tb->caption);
        jw_key(w, "columns");
        jw_arr(w);
        for (int c = 0; c < tb->ncols; c++) {
            jw_obj(w);
            jw_kstr(w, "label", tb->head[c]);
            jw_kstr(w, "align", align_name(tb->align[c]));
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_key(w, "rows");
        jw_arr(w);
        for (int i = 0; i < tb->nrows; i++) {
            jw_obj(w);
            jw_kbool(w, "total", (tb->row_style[i] & REPORT_ROW_TOTAL) != 0);
            jw_key(w, "cells");
            jw_arr(w);
            for (int c = 0; c < tb->ncols; c++) {
                const struct cons_cell *cell = &tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c];
                jw_obj(w);
                jw_kstr(w, "text", cell->text ? cell->text : "");
                jw_kbool(w, "flag", cell->flag);
                jw_kstr(w, "printed", cell->flag ? cell->printed : NULL);
                jw_obj_end(w);
            }
            jw_arr_end(w);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "figures");
    jw_arr(w);
    for (int i = 0; i < r->nfigures; i++) {
        const struct cons_figure *f = &r->figures[i];
        jw_obj(w);
        jw_kstr(w, "row", f->row);
        jw_kstr(w, "what", f->what);
        jw_kstr(w, "computed", f->computed);
        jw_kstr(w, "printed", f->printed);
        jw_kbool(w, "matches", f->matches);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "mismatches", r->mismatches);
    jw_key(w, "notes");
    jw_arr(w);
    for (int i = 0; i < r->nnotes; i++)
        jw_str(w, r->notes[i]);
    jw_arr_end(w);
    jw_obj_end(w);
}

/* ---- PDF --------------------------------------------------------------------------- */

int cons_pdf(const struct cons_result *r, const char *printed_on, char **pdf, size_t *len,
             struct kd_err *err)
{
    struct arena a;
    arena_init(&a, NULL, 0, 32 << 20);
    int rc = -1;
    struct report *rep =
        report_new(&a, r->landscape ? REPORT_LANDSCAPE : REPORT_PORTRAIT, r->title);
    if (!rep) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    report_set_header_right(rep, printed_on ? printed_on : "");
    char footer[128];
    snprintf(footer, sizeof footer, "協議会事務局　%s（kyodo）", cons_kind_label(r->kind));
    report_set_footer_left(rep, footer);
    if (report_title(rep, r->title, err) < 0)
        goto out;
    if (r->source && report_paragraph(rep, r->source, REPORT_MINCHO, 9, err) < 0)
        goto out;
    if (r->mismatches) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "※ 資料の数値のうち %d 件は入力から導かれません。該当欄は網掛けで計算値を示し、"
                 "資料の値を併記しています（注記参照）。",
                 r->mismatches);
        if (report_paragraph(rep, msg, REPORT_GOTHIC, 9.5, err) < 0)
            goto out;
    }
    for (int t = 0; t < r->ntables; t++) {
        const struct cons_table *tb = r->tables[t];
        if (report_heading(rep, tb->caption, err) < 0 ||
            report_table(rep, tb->ncols, tb->widths_mm, tb->align, err) < 0 ||
            report_row(rep, tb->head, REPORT_ROW_HEADER, err) < 0)
            goto out;
        for (int i = 0; i < tb->nrows; i++) {
            const char *cells[REPORT_MAX_COLS];
            char tmp[REPORT_MAX_COLS][128];
            for (int c = 0; c < tb->ncols; c++)
                cells[c] = cell_text(&tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c],
                                     tmp[c], sizeof tmp[c]);
            if (report_row(rep, cells, tb->row_style[i], err) < 0)
                goto out;
            for (int c = 0; c < tb->ncols; c++)
                if (tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c].flag &&
                    report_mark(rep, c, REPORT_MARK_FLAG, err) < 0)
                    goto out;
        }
    }
    if (r->nnotes) {
        if (report_heading(rep, "注記", err) < 0)
            goto out;
        for (int i = 0; i < r->nnotes; i++)
            if (report_paragraph(rep, r->notes[i], REPORT_MINCHO, 9, err) < 0)
                goto out;
    }
    if (r->nfigures) {
        char msg[200];
        snprintf(msg, sizeof msg, "資料の数値との照合：%d件中 %d件一致、%d件不一致。",
                 r->nfigures, r->nfigures - r->mismatches, r->mismatches);
        if (report_paragraph(rep, msg, REPORT_MINCHO, 9, err) < 0)
            goto out;
    }
    rc = report_render_pdf(rep, pdf, len, err);
out:
    arena_release(&a);
    return rc;
}
