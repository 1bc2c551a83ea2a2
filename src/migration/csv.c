/*
 * csv.c — the streaming splitter of migration files: RFC 4180 rows on raw
 * bytes (the encoding is decoded per field afterwards; CP932 trail bytes are
 * never '"', ',', TAB, CR or LF). One chunk of input and one row are held,
 * each with a ceiling, so memory does not grow with the file.
 *
 * Rules (docs/layouts.md §2.2): a quoted field may hold the separator, '"'
 * doubled, and line breaks (CRLF inside quotes becomes LF); LF or CRLF end a
 * row; a '"' inside an unquoted field or text after a closing quote is
 * flagged (and kept as data); the file may end without a line end; empty
 * lines at the end and one 0x1A as the last byte are ignored.
 */
#include "migration/codec_internal.h"

#include <stdlib.h>
#include <string.h>

#define CSV_CHUNK (64u << 10)

enum { ST_START, ST_PLAIN, ST_QUOTED, ST_QUOTE };

static void note_peak(struct mig_csv *c);

int mig_csv_init(struct mig_csv *c, FILE *fp, char sep, bool quotes, struct kd_err *e)
{
    memset(c, 0, sizeof *c);
    c->fp = fp;
    c->sep = sep;
    c->quotes = quotes;
    c->line = 1;
    c->at_start = true;
    c->in = malloc(CSV_CHUNK);
    c->row_cap = 4096;
    c->row = malloc(c->row_cap);
    c->fields_cap = 64;
    c->start = malloc(sizeof *c->start * (size_t)c->fields_cap);
    c->len = malloc(sizeof *c->len * (size_t)c->fields_cap);
    if (!c->in || !c->row || !c->start || !c->len) {
        mig_csv_release(c);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    note_peak(c);
    return 0;
}

void mig_csv_release(struct mig_csv *c)
{
    free(c->in);
    free(c->row);
    free(c->start);
    free(c->len);
    c->in = NULL;
    c->row = NULL;
    c->start = c->len = NULL;
}

static void note_peak(struct mig_csv *c)
{
    int64_t now = (int64_t)(CSV_CHUNK + c->row_cap + 2 * sizeof(size_t) * (size_t)c->fields_cap);
    if (now > c->peak)
        c->peak = now;
}

/* 1 with bytes in the chunk, 0 at the end, -1 on a read error. */
static int fill(struct mig_csv *c)
{
    if (c->in_pos < c->in_len)
        return 1;
    if (c->eof)
        return 0;
    size_t n = fread(c->in, 1, CSV_CHUNK, c->fp);
    c->in_pos = 0;
    c->in_len = n;
    c->bytes += (int64_t)n;
    if (n == 0) {
        if (ferror(c->fp)) {
            c->io_error = true;
            return -1;
        }
        c->eof = true;
        return 0;
    }
    if (c->at_start) {
        c->at_start = false;
        if (c->strip_bom && n >= 3 && memcmp(c->in, "\xEF\xBB\xBF", 3) == 0)
            c->in_pos = 3;
        if (c->in_pos >= c->in_len)
            return fill(c);
    }
    return 1;
}

/* Appends n bytes to the row (or marks it too long). */
static void put(struct mig_csv *c, const unsigned char *s, size_t n)
{
    if (c->flags & CSV_TOO_LONG)
        return;
    if (c->row_len + n > MIG_ROW_MAX) {
        c->flags |= CSV_TOO_LONG;
        return;
    }
    if (c->row_len + n > c->row_cap) {
        size_t cap = c->row_cap;
        while (cap < c->row_len + n)
            cap *= 2;
        if (cap > MIG_ROW_MAX)
            cap = MIG_ROW_MAX;
        char *nr = realloc(c->row, cap);
        if (!nr) {
            c->flags |= CSV_TOO_LONG;
            return;
        }
        c->row = nr;
        c->row_cap = cap;
        note_peak(c);
    }
    memcpy(c->row + c->row_len, s, n);
    c->row_len += n;
}

static void end_field(struct mig_csv *c, size_t field_start)
{
    if (c->n_fields >= MIG_FIELDS_MAX) {
        c->flags |= CSV_TOO_MANY;
        return;
    }
    if (c->n_fields == c->fields_cap) {
        int cap = c->fields_cap * 2;
        if (cap > MIG_FIELDS_MAX)
            cap = MIG_FIELDS_MAX;
        size_t *ns = realloc(c->start, sizeof *ns * (size_t)cap);
        if (ns)
            c->start = ns;
        size_t *nl = ns ? realloc(c->len, sizeof *nl * (size_t)cap) : NULL;
        if (!ns || !nl) {
            c->flags |= CSV_TOO_MANY;
            return;
        }
        c->len = nl;
        c->fields_cap = cap;
        note_peak(c);
    }
    size_t st = field_start <= c->row_len ? field_start : c->row_len;
    c->start[c->n_fields] = st;
    c->len[c->n_fields] = c->row_len - st;
    c->n_fields++;
}

/* Parses one row. 1: a row (kind in *empty: 1 for an empty line), 0: the
 * end, -1: read error. */
static int parse_row(struct mig_csv *c, bool *empty)
{
    c->row_len = 0;
    c->n_fields = 0;
    c->flags = 0;
    c->row_line = c->line;
    *empty = false;
    int st = ST_START;
    size_t field_start = 0;
    int64_t raw = 0; /* bytes of the row before its line end */
    bool only_1a = true, only_cr = true;
    for (;;) {
        int f = fill(c);
        if (f < 0)
            return -1;
        if (f == 0) {
            /* the end of the file */
            if (raw == 0 || (raw == 1 && only_1a && !only_cr))
                return 0;
            if (st == ST_QUOTED)
                c->flags |= CSV_OPEN_QUOTE;
            end_field(c, field_start);
            return 1;
        }
        const unsigned char *p = c->in + c->in_pos, *end = c->in + c->in_len;
        while (p < end) {
            unsigned char b = *p;
            if (st == ST_PLAIN || st == ST_QUOTED) {
                /* A run of ordinary bytes at once. */
                const unsigned char *q = p;
                if (st == ST_PLAIN)
                    while (q < end && *q != (unsigned char)c->sep && *q != '\n' && *q != '"' &&
                           *q != '\r')
                        q++;
                else
                    while (q < end && *q != '"' && *q != '\n')
                        q++;
                if (q > p) {
                    put(c, p, (size_t)(q - p));
                    raw += q - p;
                    only_1a = false;
                    only_cr = false;
                    p = q;
                    continue;
                }
            }
            p++;
            if (b != '\n') {
                raw++;
                if (b != 0x1A)
                    only_1a = false;
                if (b != '\r')
                    only_cr = false;
            }
            switch (st) {
            case ST_START:
                if (c->quotes && b == '"') {
                    st = ST_QUOTED;
                    break;
                }
                st = ST_PLAIN;
                /* fall through */
            case ST_PLAIN:
                if (b == (unsigned char)c->sep) {
                    end_field(c, field_start);
                    field_start = c->row_len;
                    st = ST_START;
                } else if (b == '\n') {
                    /* CRLF: the CR is not data */
                    if (!(c->flags & CSV_TOO_LONG) && c->row_len > field_start &&
                        c->row[c->row_len - 1] == '\r')
                        c->row_len--;
                    end_field(c, field_start);
                    c->line++;
                    c->in_pos = (size_t)(p - c->in);
                    *empty = raw == 0 || (raw == 1 && only_cr);
                    return 1;
                } else {
                    if (b == '"' && c->quotes)
                        c->flags |= CSV_BAD_QUOTE;
                    put(c, &b, 1);
                }
                break;
            case ST_QUOTED:
                if (b == '"') {
                    st = ST_QUOTE;
                } else if (b == '\n') {
                    c->line++;
                    if (!(c->flags & CSV_TOO_LONG) && c->row_len > field_start &&
                        c->row[c->row_len - 1] == '\r')
                        c->row_len--;
                    put(c, &b, 1);
                } else {
                    put(c, &b, 1);
                }
                break;
            case ST_QUOTE:
                if (b == '"') {
                    put(c, &b, 1);
                    st = ST_QUOTED;
                } else if (b == (unsigned char)c->sep) {
                    end_field(c, field_start);
                    field_start = c->row_len;
                    st = ST_START;
                } else if (b == '\n') {
                    end_field(c, field_start);
                    c->line++;
                    c->in_pos = (size_t)(p - c->in);
                    return 1;
                } else {
                    /* A CR may end the row (CRLF); anything else is text after
                     * the closing quote. */
                    if (b != '\r')
                        c->flags |= CSV_BAD_QUOTE;
                    put(c, &b, 1);
                    st = ST_PLAIN;
                }
                break;
            }
        }
        c->in_pos = (size_t)(p - c->in);
    }
}

int mig_csv_next(struct mig_csv *c, struct kd_err *e)
{
    if (c->pending_empty > 0 && c->stashed) {
        /* An empty line before the stashed row: one empty field. */
        c->n_fields = 1;
        c->start[0] = 0;
        c->len[0] = 0;
        c->flags = 0;
        c->row_line = c->pending_line++;
        c->pending_empty--;
        return 1;
    }
    if (c->stashed) {
        c->stashed = false;
        c->n_fields = c->saved_n;
        c->start[0] = c->saved_start0;
        c->len[0] = c->saved_len0;
        c->flags = c->saved_flags;
        c->row_line = c->saved_line;
        return 1;
    }
    for (;;) {
        bool empty;
        int rc = parse_row(c, &empty);
        if (rc < 0)
            return kd_fail(e, KD_INTERNAL, NULL, "read error at byte %lld", (long long)c->bytes);
        if (rc == 0) {
            c->pending_empty = 0;
            return 0;
        }
        if (empty) {
            if (c->pending_empty++ == 0)
                c->pending_line = c->row_line;
            continue;
        }
        if (c->pending_empty > 0) {
            c->stashed = true;
            c->saved_n = c->n_fields;
            c->saved_start0 = c->start[0];
            c->saved_len0 = c->len[0];
            c->saved_flags = c->flags;
            c->saved_line = c->row_line;
            return mig_csv_next(c, e);
        }
        return 1;
    }
}
