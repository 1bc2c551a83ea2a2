/*
 * report.c — the display list of a printed document, and its rendering to PDF
 * with cairo and pango on one dedicated thread (see report.h for why).
 *
 * Rendering lays the document out twice with the same code: the first pass
 * only measures (to know how many pages there are, for "1 / N" in the
 * footer), the second draws.
 */
#include "report/report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the display list ------------------------------------------------------ */

enum block_kind { B_TITLE, B_HEADING, B_PARAGRAPH, B_PAGE_BREAK, B_TABLE, B_IMAGE };

struct row {
    struct row *next;
    unsigned style;
    const char **cells;
    unsigned char *marks;
};

struct block {
    struct block *next;
    enum block_kind kind;
    const char *text;
    enum report_font font;
    double size_pt;
    /* tables */
    int ncols;
    double *widths_pt;
    enum report_align *align;
    struct row *rows, *last_row;
    /* images: the picture (pixels in the arena), its printed size, the label
     * cell's width and the box (pt) */
    struct report_picture pic;
    double label_pt, box_w_pt, box_h_pt;
};

struct report {
    struct arena *a;
    enum report_orientation orientation;
    const char *title, *header_right, *footer_left;
    struct block *blocks, *last;
    size_t nblocks;
};

#define MM (72.0 / 25.4)

static const char *adup(struct arena *a, const char *s)
{
    return arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

struct report *report_new(struct arena *a, enum report_orientation o, const char *title)
{
    struct report *r = arena_zalloc(a, sizeof *r);
    if (!r)
        return NULL;
    r->a = a;
    r->orientation = o;
    r->title = adup(a, title);
    r->header_right = "";
    r->footer_left = "";
    if (!r->title)
        return NULL;
    return r;
}

void report_set_header_right(struct report *r, const char *text)
{
    const char *t = adup(r->a, text);
    if (t)
        r->header_right = t;
}

void report_set_footer_left(struct report *r, const char *text)
{
    const char *t = adup(r->a, text);
    if (t)
        r->footer_left = t;
}

static struct block *add(struct report *r, enum block_kind kind, const char *text,
                         struct kd_err *err)
{
    if (r->nblocks >= REPORT_MAX_BLOCKS) {
        kd_fail(err, KD_INVALID_VALUE, NULL, "the report has more than %d blocks",
                REPORT_MAX_BLOCKS);
        return NULL;
    }
    struct block *b = arena_zalloc(r->a, sizeof *b);
    if (!b || !(b->text = adup(r->a, text))) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the report");
        return NULL;
    }
    b->kind = kind;
    if (r->last)
        r->last->next = b;
    else
        r->blocks = b;
    r->last = b;
    r->nblocks++;
    return b;
}

int report_title(struct report *r, const char *text, struct kd_err *err)
{
    return add(r, B_TITLE, text, err) ? 0 : -1;
}

int report_heading(struct report *r, const char *text, struct kd_err *err)
{
    return add(r, B_HEADING, text, err) ? 0 : -1;
}

int report_paragraph(struct report *r, const char *text, enum report_font font, double size_pt,
                     struct kd_err *err)
{
    struct block *b = add(r, B_PARAGRAPH, text, err);
    if (!b)
        return -1;
    b->font = font;
    b->size_pt = size_pt >= 4 && size_pt <= 72 ? size_pt : 10;
    return 0;
}

int report_page_break(struct report *r, struct kd_err *err)
{
    return add(r, B_PAGE_BREAK, "", err) ? 0 : -1;
}

int report_table(struct report *r, int ncols, const double *widths_mm,
                 const enum report_align *align, struct kd_err *err)
{
    if (ncols < 1 || ncols > REPORT_MAX_COLS)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "a table has 1 to %d columns",
                       REPORT_MAX_COLS);
    struct block *b = add(r, B_TABLE, "", err);
    if (!b)
        return -1;
    b->ncols = ncols;
    b->widths_pt = arena_alloc(r->a, (size_t)ncols * sizeof *b->widths_pt);
    b->align = arena_alloc(r->a, (size_t)ncols * sizeof *b->align);
    if (!b->widths_pt || !b->align)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the report");
    for (int i = 0; i < ncols; i++) {
        double w = widths_mm[i];
        b->widths_pt[i] = (w > 1 && w < 400 ? w : 20) * MM;
        b->align[i] = align ? align[i] : REPORT_LEFT;
    }
    return 0;
}

int report_row(struct report *r, const char *const *cells, unsigned style, struct kd_err *err)
{
    struct block *b = r->last;
    if (!b || b->kind != B_TABLE)
        return kd_fail(err, KD_INTERNAL, NULL, "report_row without a table");
    if (r->nblocks >= REPORT_MAX_BLOCKS) /* rows count against the same bound */
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the report has more than %d rows",
                       REPORT_MAX_BLOCKS);
    struct row *row = arena_zalloc(r->a, sizeof *row);
    if (!row || !(row->cells = arena_alloc(r->a, (size_t)b->ncols * sizeof *row->cells)) ||
        !(row->marks = arena_zalloc(r->a, (size_t)b->ncols)))
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the report");
    for (int i = 0; i < b->ncols; i++)
        if (!(row->cells[i] = adup(r->a, cells[i])))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the report");
    row->style = style;
    if (b->last_row)
        b->last_row->next = row;
    else
        b->rows = row;
    b->last_row = row;
    r->nblocks++;
    return 0;
}

int report_mark(struct report *r, int col, enum report_mark mark, struct kd_err *err)
{
    struct block *b = r->last;
    if (!b || b->kind != B_TABLE || !b->last_row || col < 0 || col >= b->ncols)
        return kd_fail(err, KD_INTERNAL, NULL, "report_mark without a cell");
    b->last_row->marks[col] = (unsigned char)mark;
    return 0;
}

int report_image(struct report *r, const struct report_picture *pic, const char *label,
                 double label_mm, double box_w_mm, double box_h_mm, struct kd_err *err)
{
    if (!pic || !pic->rgba || pic->width < 1 || pic->height < 1 || pic->width > 32767 ||
        pic->height > 32767 || !(pic->width_mm > 0) || !(pic->height_mm > 0) ||
        !(box_w_mm > 0) || !(box_h_mm > 0) || box_w_mm + (label ? label_mm : 0) > 400 ||
        box_h_mm > 250)
        return kd_fail(err, KD_INTERNAL, NULL, "report_image: a picture or box out of range");
    size_t n = (size_t)pic->width * (size_t)pic->height * 4;
    unsigned char *px = arena_alloc(r->a, n);
    if (!px)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the report (picture)");
    struct block *b = add(r, B_IMAGE, label ? label : "", err);
    if (!b)
        return -1;
    memcpy(px, pic->rgba, n);
    b->pic = *pic;
    b->pic.rgba = px;
    b->label_pt = label ? label_mm * MM : 0;
    b->box_w_pt = box_w_mm * MM;
    b->box_h_pt = box_h_mm * MM;
    return 0;
}

/* ---- layout and drawing (rendering thread only) ----------------------------- */

struct outbuf {
    char *buf;
    size_t len, cap;
    bool failed;
};

#define PDF_MAX_BYTES ((size_t)64 << 20)

static cairo_status_t write_out(void *p, const unsigned char *data, unsigned int n)
{
    struct outbuf *o = p;
    if (o->failed || n > PDF_MAX_BYTES - o->len) {
        o->failed = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 64 << 10;
        while (cap < o->len + n)
            cap *= 2;
        char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->failed = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, n);
    o->len += n;
    return CAIRO_STATUS_SUCCESS;
}

struct pager {
    const struct report *r;
    cairo_t *cr;
    PangoLayout *layout;
    bool draw;
    int page, pages;
    double w, h;          /* page size, pt */
    double left, right;   /* text area, pt */
    double top, bottom;
    double y;
};

static void set_font(PangoLayout *l, enum report_font f, double size_pt, bool bold)
{
    PangoFontDescription *d = pango_font_description_new();
    pango_font_description_set_family(d, f == REPORT_MINCHO ? "IPAexMincho" : "IPAexGothic");
    pango_font_description_set_absolute_size(d, size_pt * PANGO_SCALE);
    pango_font_description_set_weight(d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, d);
    pango_font_description_free(d);
}

/* Lays text out in width (pt) and returns its height (pt). */
static double layout_text(struct pager *p, const char *text, enum report_font f, double size,
                          bool bold, double width, enum report_align align)
{
    PangoLayout *l = p->layout;
    set_font(l, f, size, bold);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align == REPORT_RIGHT    ? PANGO_ALIGN_RIGHT
                                  : align == REPORT_CENTER ? PANGO_ALIGN_CENTER
                                                           : PANGO_ALIGN_LEFT);
    pango_layout_set_text(l, text, -1);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void show_at(struct pager *p, double x, double y)
{
    if (!p->draw)
        return;
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, p->layout);
}

static void page_frame(struct pager *p)
{
    char num[32];
    snprintf(num, sizeof num, "%d / %d", p->page, p->pages);
    double tw = p->right - p->left;
    cairo_set_source_rgb(p->cr, 0.25, 0.25, 0.25);
    layout_text(p, p->r->title, REPORT_GOTHIC, 8, false, tw * 0.6, REPORT_LEFT);
    show_at(p, p->left, 8 * MM);
    layout_text(p, p->r->header_right, REPORT_GOTHIC, 8, false, tw * 0.4, REPORT_RIGHT);
    show_at(p, p->left + tw * 0.6, 8 * MM);
    if (p->draw) {
        cairo_set_line_width(p->cr, 0.5);
        cairo_move_to(p->cr, p->left, 12.5 * MM);
        cairo_line_to(p->cr, p->right, 12.5 * MM);
        cairo_stroke(p->cr);
    }
    layout_text(p, p->r->footer_left, REPORT_GOTHIC, 8, false, tw * 0.7, REPORT_LEFT);
    show_at(p, p->left, p->h - 11 * MM);
    layout_text(p, num, REPORT_GOTHIC, 8, false, tw * 0.3, REPORT_RIGHT);
    show_at(p, p->left + tw * 0.7, p->h - 11 * MM);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void new_page(struct pager *p)
{
    if (p->page > 0 && p->draw)
        cairo_show_page(p->cr);
    p->page++;
    p->y = p->top;
    page_frame(p);
}

/* Makes room for h pt, starting a page when needed. True if a page started. */
static bool need(struct pager *p, double h)
{
    if (p->y + h <= p->bottom || p->y <= p->top)
        return false;
    new_page(p);
    return true;
}

static void text_block(struct pager *p, const struct block *b, enum report_font f, double size,
                       bool bold, double gap_before, double gap_after)
{
    double tw = p->right - p->left;
    double h = layout_text(p, b->text, f, size, bold, tw, REPORT_LEFT);
    if (p->y > p->top)
        p->y += gap_before;
    need(p, h);
    show_at(p, p->left, p->y);
    p->y += h + gap_after;
}

#define CELL_PAD 2.2
#define CELL_SIZE 8.5

static double row_height(struct pager *p, const struct block *b, const struct row *row)
{
    double hmax = 0;
    for (int c = 0; c < b->ncols; c++) {
        double h = layout_text(p, row->cells[c], REPORT_GOTHIC, CELL_SIZE,
                               (row->style & (REPORT_ROW_HEADER | REPORT_ROW_TOTAL)) != 0,
                               b->widths_pt[c] - 2 * CELL_PAD, b->align[c]);
        if (h > hmax)
            hmax = h;
    }
    return hmax + 2 * CELL_PAD;
}

static void draw_row(struct pager *p, const struct block *b, const struct row *row, double h)
{
    double x = p->left;
    bool bold = (row->style & (REPORT_ROW_HEADER | REPORT_ROW_TOTAL)) != 0;
    for (int c = 0; c < b->ncols; c++) {
        double w = b->widths_pt[c];
        bool flag = row->marks[c] == REPORT_MARK_FLAG;
        if (p->draw) {
            if (row->style & REPORT_ROW_HEADER || flag) {
                if (flag)
                    cairo_set_source_rgb(p->cr, 1.0, 0.86, 0.86);
                else
                    cairo_set_source_rgb(p->cr, 0.88, 0.90, 0.93);
                cairo_rectangle(p->cr, x, p->y, w, h);
                cairo_fill(p->cr);
            }
            cairo_set_source_rgb(p->cr, 0, 0, 0);
            cairo_set_line_width(p->cr, 0.5);
            cairo_rectangle(p->cr, x, p->y, w, h);
            cairo_stroke(p->cr);
        }
        layout_text(p, row->cells[c], REPORT_GOTHIC, CELL_SIZE, bold, w - 2 * CELL_PAD,
                    row->style & REPORT_ROW_HEADER ? REPORT_CENTER : b->align[c]);
        if (p->draw && flag)
            cairo_set_source_rgb(p->cr, 0.6, 0, 0);
        show_at(p, x + CELL_PAD, p->y + CELL_PAD);
        if (p->draw)
            cairo_set_source_rgb(p->cr, 0, 0, 0);
        x += w;
    }
    if (p->draw && (row->style & REPORT_ROW_TOTAL)) {
        /* A double rule above a total row. */
        cairo_set_line_width(p->cr, 0.5);
        cairo_move_to(p->cr, p->left, p->y + 1.5);
        cairo_line_to(p->cr, x, p->y + 1.5);
        cairo_stroke(p->cr);
    }
    p->y += h;
}

static void table_block(struct pager *p, const struct block *b)
{
    if (p->y > p->top)
        p->y += 2 * MM;
    double max_h = p->bottom - p->top;
    for (const struct row *row = b->rows; row; row = row->next) {
        double h = row_height(p, b, row);
        if (h > max_h)
            h = max_h;
        bool header = (row->style & REPORT_ROW_HEADER) != 0;
        if (need(p, h) && !header) {
            /* Repeat the header rows at the top of the new page. */
            for (const struct row *hr = b->rows; hr && (hr->style & REPORT_ROW_HEADER);
                 hr = hr->next)
                draw_row(p, b, hr, row_height(p, b, hr));
            need(p, h);
        }
        draw_row(p, b, row, h);
    }
    p->y += 2 * MM;
}

/* The picture as a cairo surface (premultiplied ARGB), or NULL. */
static cairo_surface_t *picture_surface(const struct report_picture *pic)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pic->width, pic->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_surface_flush(s);
    unsigned char *dst = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < pic->height; y++) {
        const unsigned char *in = pic->rgba + (size_t)y * (size_t)pic->width * 4;
        uint32_t *out = (uint32_t *)(void *)(dst + (size_t)y * (size_t)stride);
        for (int x = 0; x < pic->width; x++, in += 4) {
            uint32_t a = in[3];
            uint32_t r = (in[0] * a + 127) / 255, g = (in[1] * a + 127) / 255,
                     bl = (in[2] * a + 127) / 255;
            out[x] = a << 24 | r << 16 | g << 8 | bl;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

static void image_block(struct pager *p, const struct block *b)
{
    if (p->y > p->top)
        p->y += 2 * MM;
    need(p, b->box_h_pt);
    double x = p->left;
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        cairo_set_line_width(p->cr, 0.5);
        if (b->label_pt > 0) {
            cairo_rectangle(p->cr, x, p->y, b->label_pt, b->box_h_pt);
            cairo_stroke(p->cr);
        }
        cairo_rectangle(p->cr, x + b->label_pt, p->y, b->box_w_pt, b->box_h_pt);
        cairo_stroke(p->cr);
    }
    if (b->label_pt > 0) {
        layout_text(p, b->text, REPORT_GOTHIC, CELL_SIZE, false, b->label_pt - 2 * CELL_PAD,
                    REPORT_LEFT);
        show_at(p, x + CELL_PAD, p->y + CELL_PAD);
    }
    if (p->draw) {
        cairo_surface_t *s = picture_surface(&b->pic);
        if (s) {
            double bx = x + b->label_pt, w = b->pic.width_mm * MM, h = b->pic.height_mm * MM;
            cairo_save(p->cr);
            cairo_rectangle(p->cr, bx, p->y, b->box_w_pt, b->box_h_pt);
            cairo_clip(p->cr);
            cairo_translate(p->cr, bx + (b->box_w_pt - w) / 2, p->y + (b->box_h_pt - h) / 2);
            cairo_scale(p->cr, w / b->pic.width, h / b->pic.height);
            cairo_set_source_surface(p->cr, s, 0, 0);
            cairo_paint(p->cr);
            cairo_restore(p->cr);
            cairo_surface_destroy(s);
        }
    }
    p->y += b->box_h_pt + 2 * MM;
}

static void lay_out(struct pager *p)
{
    p->page = 0;
    new_page(p);
    for (const struct block *b = p->r->blocks; b; b = b->next) {
        switch (b->kind) {
        case B_TITLE: text_block(p, b, REPORT_GOTHIC, 15, true, 0, 4 * MM); break;
        case B_HEADING: text_block(p, b, REPORT_GOTHIC, 11, true, 4 * MM, 1.5 * MM); break;
        case B_PARAGRAPH: text_block(p, b, b->font, b->size_pt, false, 1 * MM, 1 * MM); break;
        case B_PAGE_BREAK: new_page(p); break;
        case B_TABLE: table_block(p, b); break;
        case B_IMAGE: image_block(p, b); break;
        }
    }
}

static int render(const struct report *r, struct outbuf *out, char *msg, size_t msg_cap)
{
    double w = 210 * MM, h = 297 * MM;
    if (r->orientation == REPORT_LANDSCAPE) {
        double t = w;
        w = h;
        h = t;
    }
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_out, out, w, h);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, r->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "kyodo");
    cairo_t *cr = cairo_create(s);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(layout), 72);
    pango_layout_context_changed(layout);
    struct pager p = {.r = r, .cr = cr, .layout = layout, .w = w, .h = h, .left = 15 * MM,
                      .right = w - 15 * MM, .top = 17 * MM, .bottom = h - 16 * MM};
    p.draw = false;
    lay_out(&p);
    p.pages = p.page;
    p.draw = true;
    lay_out(&p);
    cairo_show_page(cr);
    g_object_unref(layout);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS || out->failed) {
        snprintf(msg, msg_cap, "PDF rendering failed: %s",
                 out->failed ? "output too large or out of memory" : cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

/* ---- the rendering thread ----------------------------------------------------- */

#define QUEUE_MAX 8

struct job {
    struct job *next;
    const struct report *r;
    int (*fn)(void *ctx); /* report_call: run this instead of rendering r */
    void *ctx;
    struct outbuf out;
    int rc;
    bool done;
    char msg[KD_MSG_MAX];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static struct job *q_head, *q_tail;
static int q_len;
static bool running, stopping;
static pthread_t thread;

static void *renderer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!q_head && !stopping)
            pthread_cond_wait(&work_cv, &mu);
        if (!q_head)
            break;
        struct job *j = q_head;
        q_head = j->next;
        if (!q_head)
            q_tail = NULL;
        pthread_mutex_unlock(&mu);
        j->rc = j->fn ? j->fn(j->ctx) : render(j->r, &j->out, j->msg, sizeof j->msg);
        pthread_mutex_lock(&mu);
        q_len--;
        j->done = true;
        pthread_cond_broadcast(&done_cv);
    }
    pthread_mutex_unlock(&mu);
    /* Release what pango, cairo and fontconfig cached on this thread, so
     * that a clean exit shows no leaks. */
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
    return NULL;
}

void report_shutdown(void)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return;
    }
    stopping = true;
    pthread_cond_broadcast(&work_cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&mu);
    running = false;
    stopping = false;
    pthread_mutex_unlock(&mu);
}

static bool atexit_done;

/* Queues j for the rendering thread (starting it when needed) and waits
 * until it is done. */
static int run_job(struct job *j, struct kd_err *err)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        if (pthread_create(&thread, NULL, renderer, NULL) != 0) {
            pthread_mutex_unlock(&mu);
            return kd_fail(err, KD_UNAVAILABLE, NULL, "the report renderer cannot start");
        }
        running = true;
        if (!atexit_done) {
            atexit(report_shutdown);
            atexit_done = true;
        }
    }
    if (q_len >= QUEUE_MAX) {
        pthread_mutex_unlock(&mu);
        return kd_fail(err, KD_UNAVAILABLE, NULL, "too many reports are being printed; try again");
    }
    q_len++;
    if (q_tail)
        q_tail->next = j;
    else
        q_head = j;
    q_tail = j;
    pthread_cond_signal(&work_cv);
    while (!j->done)
        pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
    return 0;
}

int report_call(int (*fn)(void *ctx), void *ctx, struct kd_err *err)
{
    struct job j = {.fn = fn, .ctx = ctx};
    if (run_job(&j, err) < 0)
        return -1;
    return j.rc;
}

int report_render_pdf(const struct report *r, char **pdf, size_t *len, struct kd_err *err)
{
    struct job j = {.r = r};
    if (run_job(&j, err) < 0)
        return -1;
    if (j.rc < 0) {
        free(j.out.buf);
        return kd_fail(err, KD_INTERNAL, NULL, "%s", j.msg);
    }
    *pdf = j.out.buf;
    *len = j.out.len;
    return 0;
}
