/*
 * tsv.c — the definition files' TSV: UTF-8, a header row of fixed column
 * names, TAB-separated, no quoting, '#' comments (docs/layouts.md §1.1).
 */
#include "migration/codec_internal.h"

#include "base/text.h"

#include <stdio.h>
#include <string.h>

#define TSV_FILE_MAX (4u << 20)
#define TSV_CELL_CHARS 1000

int mig_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return (int)n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

/* The next physical line of t: [*s, *s + *n) without its line end. */
static bool next_line(struct tsv *t, const char **s, size_t *n)
{
    if (t->p >= t->end)
        return false;
    const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
    const char *e = nl ? nl : t->end;
    *s = t->p;
    *n = (size_t)(e - t->p);
    if (*n > 0 && (*s)[*n - 1] == '\r')
        (*n)--;
    t->p = nl ? nl + 1 : t->end;
    t->line++;
    return true;
}

static bool is_space_at(const char *s, size_t n)
{
    return (n >= 1 && s[0] == ' ') || (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0);
}

static bool ends_space(const char *s, size_t n)
{
    return (n >= 1 && s[n - 1] == ' ') || (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0);
}

/* Splits one line into cells; checks each. */
static int split(struct tsv *t, const char *s, size_t n, int max, struct kd_err *e)
{
    t->n_cells = 0;
    size_t i = 0;
    for (;;) {
        const char *tab = memchr(s + i, '\t', n - i);
        size_t end = tab ? (size_t)(tab - s) : n;
        if (t->n_cells >= max)
            return kd_fail(e, KD_INVALID_VALUE, t->file, "%s:%d: more than %d columns", t->file,
                           t->line, max);
        const char *c = s + i;
        size_t cl = end - i;
        size_t bad;
        if (!text_utf8_valid(c, cl, &bad))
            return kd_fail(e, KD_INVALID_UTF8, t->file, "%s:%d: column %d is not valid UTF-8",
                           t->file, t->line, t->n_cells + 1);
        if (text_has_control(c, cl, false))
            return kd_fail(e, KD_INVALID_VALUE, t->file,
                           "%s:%d: column %d holds a control character", t->file, t->line,
                           t->n_cells + 1);
        if (is_space_at(c, cl) || ends_space(c, cl))
            return kd_fail(e, KD_INVALID_VALUE, t->file,
                           "%s:%d: column %d starts or ends with a space", t->file, t->line,
                           t->n_cells + 1);
        if (text_utf8_chars(c, cl) > TSV_CELL_CHARS)
            return kd_fail(e, KD_TOO_LONG, t->file, "%s:%d: column %d is over %d characters",
                           t->file, t->line, t->n_cells + 1, TSV_CELL_CHARS);
        t->cell[t->n_cells] = c;
        t->cell_len[t->n_cells] = cl;
        t->n_cells++;
        if (!tab)
            break;
        i = end + 1;
    }
    return 0;
}

int tsv_open(struct tsv *t, const char *file, const char *text, size_t len, const char *const *cols,
             int n_cols, struct kd_err *e)
{
    memset(t, 0, sizeof *t);
    t->file = file;
    t->p = text;
    t->end = text + len;
    t->cols = cols;
    t->n_cols = n_cols;
    if (len > TSV_FILE_MAX)
        return kd_fail(e, KD_TOO_LONG, file, "%s: over 4 MiB", file);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        t->p += 3;
    const char *s;
    size_t n;
    while (next_line(t, &s, &n)) {
        if (n == 0 || s[0] == '#')
            continue;
        if (split(t, s, n, 16, e) < 0)
            return -1;
        bool ok = t->n_cells == n_cols;
        for (int i = 0; ok && i < n_cols; i++)
            ok = t->cell_len[i] == strlen(cols[i]) &&
                 memcmp(t->cell[i], cols[i], t->cell_len[i]) == 0;
        if (!ok) {
            char want[400];
            size_t w = 0;
            want[0] = '\0';
            for (int i = 0; i < n_cols && w < sizeof want; i++) {
                int k = snprintf(want + w, sizeof want - w, "%s%s", i ? ", " : "", cols[i]);
                if (k < 0)
                    break;
                w += (size_t)k;
            }
            return kd_fail(e, KD_INVALID_VALUE, file, "%s:%d: the header row must be: %s", file,
                           t->line, want);
        }
        return 0;
    }
    return kd_fail(e, KD_INVALID_VALUE, file, "%s: no header row", file);
}

int tsv_next(struct tsv *t, struct kd_err *e)
{
    const char *s;
    size_t n;
    while (next_line(t, &s, &n)) {
        if (n == 0 || s[0] == '#')
            continue;
        if (split(t, s, n, t->n_cols, e) < 0)
            return -1;
        for (int i = t->n_cells; i < t->n_cols; i++) {
            t->cell[i] = s + n;
            t->cell_len[i] = 0;
        }
        t->n_cells = t->n_cols;
        return 1;
    }
    return 0;
}
