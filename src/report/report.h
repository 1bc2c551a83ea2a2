/*
 * report.h — printed documents: A4 pages with Japanese text and tables, as PDF.
 *
 * A report is described first and rendered afterwards. Describing builds a
 * display list (struct report) on any thread, in the caller's arena: a title,
 * headings, paragraphs, tables with borders and right-aligned numbers, notes,
 * page breaks, and a running header and footer with page numbers ("1 / 3").
 * report_render_pdf() then hands the list to the one rendering thread and
 * waits for the PDF bytes.
 *
 * Why one thread: pango and fontconfig are not safe to share between threads
 * (pango's font map and its caches, fontconfig's configuration and cairo's
 * font-face cache all sit behind process-wide objects that pango documents
 * as single-threaded), and every font object created on a thread belongs to
 * it. All calls into cairo, pango and fontconfig therefore happen on one
 * dedicated thread, fed by a bounded queue: the HTTP workers and the CLI
 * only describe documents and wait. The queue also bounds what printing can
 * cost the server (one document laid out at a time; a full queue is answered
 * 503 instead of piling up work).
 *
 * Fonts: IPAex Gothic (tables, headings) and IPAex Mincho (body text) from
 * Debian's fonts-ipaexfont, found through fontconfig. cairo embeds the subset
 * of glyphs a document uses (pdffonts shows "emb yes, sub yes").
 *
 * Layout: A4 portrait (210 x 297 mm) or landscape, 15 mm margins. Tables
 * break across pages between rows, repeating their header rows; a row taller
 * than a page is cut off (rows are short lines of figures). Text wraps at the
 * width of its cell or of the page.
 *
 * Bounds: REPORT_MAX_BLOCKS blocks and REPORT_MAX_COLS columns per table;
 * past them the describing call fails (err: KD_INVALID_VALUE), and the
 * document stays usable (it simply ends before the refused block).
 *
 * Images: report_image() places a picture at its physical size (a seal's
 * impression on a 印鑑登録証明書) in a framed box with a label cell beside it.
 */
#ifndef KYODO_REPORT_REPORT_H
#define KYODO_REPORT_REPORT_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define REPORT_MAX_BLOCKS 4096
#define REPORT_MAX_COLS 16

enum report_orientation { REPORT_PORTRAIT, REPORT_LANDSCAPE };
enum report_align { REPORT_LEFT, REPORT_CENTER, REPORT_RIGHT };
enum report_font { REPORT_GOTHIC, REPORT_MINCHO };

/* Row styles (bits). */
enum {
    REPORT_ROW_HEADER = 1 << 0, /* shaded, bold; repeated at the top of each page */
    REPORT_ROW_TOTAL = 1 << 1,  /* bold, with a double rule above */
};

/* Cell marks: a flagged cell is shaded and its text drawn in dark red (a
 * figure that does not follow from its inputs). */
enum report_mark { REPORT_MARK_NONE, REPORT_MARK_FLAG };

struct report;

/* A new, empty document in arena a (everything it holds is copied there).
 * NULL when the arena is full. title is the document's title (PDF metadata
 * and the header's left side). */
struct report *report_new(struct arena *a, enum report_orientation o, const char *title);

/* The running header's right side (e.g. the date printed) and the footer's
 * left side; the footer's right side is always "page / pages". */
void report_set_header_right(struct report *r, const char *text);
void report_set_footer_left(struct report *r, const char *text);

/* Block-level content, in order. Each returns 0, or -1 with err set. */
int report_title(struct report *r, const char *text, struct kd_err *err);
int report_heading(struct report *r, const char *text, struct kd_err *err);
int report_paragraph(struct report *r, const char *text, enum report_font font, double size_pt,
                     struct kd_err *err);
int report_page_break(struct report *r, struct kd_err *err);

/* A table: widths in mm (their sum should not exceed the text width: 180 mm
 * portrait, 267 mm landscape), one alignment per column. Rows follow with
 * report_row(); header rows (REPORT_ROW_HEADER) must come first. */
int report_table(struct report *r, int ncols, const double *widths_mm,
                 const enum report_align *align, struct kd_err *err);
/* A row of the last table: ncols cells (NULL is an empty cell). */
int report_row(struct report *r, const char *const *cells, unsigned style, struct kd_err *err);
/* Marks cell col of the last row. */
int report_mark(struct report *r, int col, enum report_mark mark, struct kd_err *err);

/* A picture: width × height pixels, 4 bytes each (R, G, B, A; alpha not
 * premultiplied), rows top to bottom, printed width_mm × height_mm. */
struct report_picture {
    const unsigned char *rgba;
    int width, height;
    double width_mm, height_mm;
};

/* An image block: a label cell label_mm wide (no cell when label is NULL)
 * and beside it a framed box of box_w_mm × box_h_mm holding the picture at
 * its physical size, centred on the box and clipped to it. The pixels are
 * copied into the report's arena (mind its cap: 4 bytes a pixel). Kept on
 * one page (a new page starts when it does not fit). */
int report_image(struct report *r, const struct report_picture *pic, const char *label,
                 double label_mm, double box_w_mm, double box_h_mm, struct kd_err *err);

/* Renders the document on the rendering thread (started at first use) and
 * waits (the queue is short and one document takes well under a second, so
 * the wait is bounded). On success *pdf is a malloc'd buffer of *len bytes
 * (the caller frees it). Fails with KD_UNAVAILABLE when the queue is full,
 * KD_INTERNAL when cairo fails or the PDF passes 64 MiB.
 * Thread-safe; r must not change while rendering. */
int report_render_pdf(const struct report *r, char **pdf, size_t *len, struct kd_err *err);

/* Runs fn(ctx) on the rendering thread and waits for it: for other code that
 * must draw with cairo, pango or fontconfig (pictures made for demonstration
 * data), which may only happen there. Returns what fn returns; fn reports
 * its own errors through ctx. KD_UNAVAILABLE (-1, err set) when the queue is
 * full or the thread cannot start. */
int report_call(int (*fn)(void *ctx), void *ctx, struct kd_err *err);

/* Stops the rendering thread (if it was started) and releases the font
 * caches. Optional: the process may simply exit. Not to be called while
 * another thread renders. */
void report_shutdown(void);

#endif
