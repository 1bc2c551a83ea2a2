/*
 * report.c — the report of an import: the first N problems (file, line,
 * item, value, reason) and the count of all, by file and by item; written as
 * report.csv (UTF-8 with BOM) and report.txt (readable Japanese) into the
 * import's own folder, mode 0600 (the values are personal data; they never
 * go to a log). docs/layouts.md §5.
 */
#include "migration/codec_internal.h"

#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VALUE_CHARS 200
#define TALLY_FILES 64
#define TALLY_ITEMS 256

struct entry {
    const char *file;
    int64_t line;
    const char *item;
    const char *value;
    const char *reason;
};

struct tally {
    const char *key;
    int64_t n;
};

struct mig_report {
    int keep, kept;
    int64_t count;
    struct entry *entries;
    struct arena a;
    struct tally files[TALLY_FILES], items[TALLY_ITEMS];
    int n_files, n_items;
    int64_t other_files, other_items;
};

struct mig_report *mig_report_new_cap(int keep)
{
    if (keep < 1)
        keep = 1;
    struct mig_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->keep = keep;
    r->entries = calloc((size_t)keep, sizeof *r->entries);
    if (!r->entries) {
        free(r);
        return NULL;
    }
    arena_init(&r->a, NULL, 0, (size_t)256 << 20);
    return r;
}

struct mig_report *mig_report_new(void)
{
    return mig_report_new_cap(MIG_REPORT_KEEP);
}

void mig_report_free(struct mig_report *r)
{
    if (!r)
        return;
    arena_release(&r->a);
    free(r->entries);
    free(r);
}

/* The value as shown: valid UTF-8 kept, other bytes and controls as \xHH
 * (LF as \n), at most VALUE_CHARS characters then "…". */
static char *show_value(struct arena *a, const char *v)
{
    size_t n = strlen(v);
    /* At most VALUE_CHARS steps of at most 4 input bytes, each written in at
     * most 4 bytes, then "…" and the NUL. */
    size_t cap = 4 * (n < VALUE_CHARS * 4 ? n : VALUE_CHARS * 4) + 8;
    char *out = arena_alloc(a, cap);
    if (!out)
        return NULL;
    size_t w = 0, chars = 0, i = 0;
    while (i < n) {
        if (chars >= VALUE_CHARS) {
            memcpy(out + w, "…", 3);
            w += 3;
            break;
        }
        unsigned char c = (unsigned char)v[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        bool ok = c >= 0x20 && c != 0x7F;
        if (c >= 0x80)
            ok =
                i + k <= n && text_utf8_valid(v + i, k, NULL) && !text_has_control(v + i, k, false);
        if (w + 8 > cap)
            break;
        if (ok) {
            memcpy(out + w, v + i, k);
            w += k;
            i += k;
        } else if (c == '\n') {
            memcpy(out + w, "\\n", 2);
            w += 2;
            i++;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            out[w++] = '\\';
            out[w++] = 'x';
            out[w++] = hex[c >> 4];
            out[w++] = hex[c & 15];
            i++;
        }
        chars++;
    }
    out[w] = '\0';
    return out;
}

static const char *intern(struct mig_report *r, const char *s)
{
    /* Files and items repeat: reuse the last entry's copy when equal. */
    if (r->kept > 0) {
        const struct entry *last = &r->entries[r->kept - 1];
        if (strcmp(last->file, s) == 0)
            return last->file;
        if (strcmp(last->item, s) == 0)
            return last->item;
    }
    char *c = arena_strndup(&r->a, s, strlen(s));
    return c ? c : "";
}

static void count(struct mig_report *r, struct tally *t, int *n, int max, int64_t *other,
                  const char *key)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(t[i].key, key) == 0) {
            t[i].n++;
            return;
        }
    if (*n < max) {
        const char *k = arena_strndup(&r->a, key, strlen(key));
        if (k) {
            t[*n].key = k;
            t[*n].n = 1;
            (*n)++;
            return;
        }
    }
    (*other)++;
}

void mig_report_add(struct mig_report *r, const char *file, int64_t line, const char *item,
                    const char *value, const char *reason)
{
    file = file ? file : "";
    item = item ? item : "";
    reason = reason ? reason : "";
    r->count++;
    count(r, r->files, &r->n_files, TALLY_FILES, &r->other_files, file);
    count(r, r->items, &r->n_items, TALLY_ITEMS, &r->other_items, item[0] ? item : "（行全体）");
    if (r->kept >= r->keep)
        return;
    struct entry *en = &r->entries[r->kept];
    en->file = intern(r, file);
    en->item = intern(r, item);
    en->line = line;
    en->value = show_value(&r->a, value ? value : "");
    if (!en->value)
        en->value = "";
    const char *rs = arena_strndup(&r->a, reason, strlen(reason));
    en->reason = rs ? rs : "";
    r->kept++;
}

int64_t mig_report_count(const struct mig_report *r)
{
    return r->count;
}

int mig_report_kept(const struct mig_report *r)
{
    return r->kept;
}

void mig_report_entry(const struct mig_report *r, int i, const char **file, int64_t *line,
                      const char **item, const char **value, const char **reason)
{
    const struct entry *en = &r->entries[i];
    *file = en->file;
    *line = en->line;
    *item = en->item;
    *value = en->value;
    *reason = en->reason;
}

/* ---- writing ------------------------------------------------------------------------ */

static void csv_field(FILE *f, const char *s, bool first, bool guard)
{
    if (!first)
        fputc(',', f);
    fputc('"', f);
    /* A spreadsheet would read =, +, -, @ (and TAB, CR) at the start as a formula. */
    if (guard &&
        (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* 1,234,567 */
static const char *grouped(int64_t v, char buf[32])
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    int w = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && tmp[i - 1] != '-' && (n - i) % 3 == 0)
            buf[w++] = ',';
        buf[w++] = tmp[i];
    }
    buf[w] = '\0';
    return buf;
}

static FILE *open_part(const char *dir, const char *name, char *part, size_t cap, struct kd_err *e)
{
    int k = snprintf(part, cap, "%s/.%s.part", dir, name);
    if (k < 0 || (size_t)k >= cap) {
        kd_fail(e, KD_INVALID_VALUE, "report", "the report folder's path is too long");
        return NULL;
    }
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        kd_fail(e, KD_INTERNAL, "report", "cannot write the report: %s", strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(part);
        kd_fail(e, KD_INTERNAL, "report", "cannot write the report: %s", strerror(errno));
    }
    return f;
}

static int close_part(FILE *f, const char *dir, const char *name, const char *part,
                      struct kd_err *e)
{
    bool bad = ferror(f) != 0;
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (bad || rename(part, path) != 0) {
        int en = errno;
        unlink(part);
        return kd_fail(e, KD_INTERNAL, "report", "cannot write the report: %s", strerror(en));
    }
    return 0;
}

static void sort_tally(struct tally *t, int n)
{
    /* by count, most first; stable for equal counts (insertion sort, n <= 256) */
    for (int i = 1; i < n; i++) {
        struct tally x = t[i];
        int j = i - 1;
        while (j >= 0 && t[j].n < x.n) {
            t[j + 1] = t[j];
            j--;
        }
        t[j + 1] = x;
    }
}

int mig_report_write(const struct mig_report *r, const char *dir, struct kd_err *e)
{
    char part[4200];
    FILE *f = open_part(dir, "report.csv", part, sizeof part, e);
    if (!f)
        return -1;
    fputs("\xEF\xBB\xBF", f);
    fputs("\"ファイル\",\"行\",\"項目\",\"値\",\"理由\"\r\n", f);
    for (int i = 0; i < r->kept; i++) {
        const struct entry *en = &r->entries[i];
        char line[32] = "";
        if (en->line > 0)
            snprintf(line, sizeof line, "%lld", (long long)en->line);
        csv_field(f, en->file, true, true);
        csv_field(f, line, false, false);
        csv_field(f, en->item, false, true);
        csv_field(f, en->value, false, true);
        csv_field(f, en->reason, false, true);
        fputs("\r\n", f);
    }
    if (close_part(f, dir, "report.csv", part, e) < 0)
        return -1;

    if (!(f = open_part(dir, "report.txt", part, sizeof part, e)))
        return -1;
    char b1[32], b2[32];
    fputs("移行データの検査結果\n\n", f);
    if (r->count == 0) {
        fputs("問題はありませんでした。\n", f);
    } else {
        fprintf(f, "問題: %s件", grouped(r->count, b1));
        if (r->count > r->kept)
            fprintf(f, "（一覧は先頭の%s件です）", grouped(r->kept, b2));
        fputs("\nこのデータは取り込まれていません。直してからもう一度取り込んでください。\n\n", f);
        struct tally t[TALLY_ITEMS];
        int n = r->n_files;
        memcpy(t, r->files, sizeof *t * (size_t)n);
        sort_tally(t, n);
        fputs("ファイル別の件数\n", f);
        for (int i = 0; i < n; i++)
            fprintf(f, "  %s: %s件\n", t[i].key[0] ? t[i].key : "（ファイル全体）",
                    grouped(t[i].n, b1));
        if (r->other_files)
            fprintf(f, "  その他: %s件\n", grouped(r->other_files, b1));
        n = r->n_items;
        memcpy(t, r->items, sizeof *t * (size_t)n);
        sort_tally(t, n);
        fputs("\n項目別の件数\n", f);
        for (int i = 0; i < n; i++)
            fprintf(f, "  %s: %s件\n", t[i].key, grouped(t[i].n, b1));
        if (r->other_items)
            fprintf(f, "  その他: %s件\n", grouped(r->other_items, b1));
        fputs("\n一覧\n", f);
        for (int i = 0; i < r->kept; i++) {
            const struct entry *en = &r->entries[i];
            fputs(en->file, f);
            if (en->line > 0)
                fprintf(f, " %lld行目", (long long)en->line);
            if (en->item[0])
                fprintf(f, " %s", en->item);
            if (en->value[0])
                fprintf(f, "「%s」", en->value);
            fprintf(f, ": %s\n", en->reason);
        }
    }
    return close_part(f, dir, "report.txt", part, e);
}
