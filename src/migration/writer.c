/*
 * writer.c — canonical rows to one physical migration file in a profile's
 * form (docs/layouts.md §2, §4): each value checked against its item, dates
 * put in the profile's form, text encoded (CP932 strictly, 外字 through the
 * profile's table), quoted by the profile's rule. The file is written as
 * "<path>.part" and renamed on close; row count and SHA-256 of the bytes for
 * the manifest. The same rows give the same bytes.
 */
#include "migration/codec_internal.h"

#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT (64u << 10)

bool mig_writer_sync = true;

struct mig_writer {
    const struct mig_layout *l;
    const struct mig_file *f;
    const struct mig_profile *p;
    FILE *fp;
    char path[4200], part[4210];
    char *buf;
    size_t len, cap;
    char *field; /* one encoded value */
    size_t flen, fcap;
    crypto_hash_sha256_state sha;
    int64_t rows;
    bool failed;
};

static int grow(char **p, size_t *cap, size_t need, struct kd_err *e)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    char *np = realloc(*p, c);
    if (!np)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    *p = np;
    *cap = c;
    return 0;
}

static int flush(struct mig_writer *w, struct kd_err *e)
{
    if (w->len == 0)
        return 0;
    crypto_hash_sha256_update(&w->sha, (const unsigned char *)w->buf, w->len);
    if (fwrite(w->buf, 1, w->len, w->fp) != w->len) {
        w->failed = true;
        return kd_fail(e, KD_INTERNAL, w->f->path, "%s: cannot write: %s", w->f->path,
                       strerror(errno));
    }
    w->len = 0;
    return 0;
}

static int out(struct mig_writer *w, const char *s, size_t n, struct kd_err *e)
{
    if (n == 0)
        return 0;
    if (grow(&w->buf, &w->cap, w->len + n, e) < 0)
        return -1;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    return 0;
}

static int fput(struct mig_writer *w, const void *s, size_t n, struct kd_err *e)
{
    if (n == 0)
        return 0;
    if (grow(&w->field, &w->fcap, w->flen + n, e) < 0)
        return -1;
    memcpy(w->field + w->flen, s, n);
    w->flen += n;
    return 0;
}

/* Encodes s into w->field. -1 with the Japanese reason (no part of the value). */
static int encode(struct mig_writer *w, const char *s, size_t n, char *reason, struct kd_err *e)
{
    w->flen = 0;
    const char *nl = w->p->crlf ? "\r\n" : "\n";
    size_t nll = w->p->crlf ? 2 : 1;
    if (w->p->enc == MIG_UTF8) {
        size_t from = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] != '\n')
                continue;
            if (fput(w, s + from, i - from, e) < 0 || fput(w, nl, nll, e) < 0)
                return -2;
            from = i + 1;
        }
        return fput(w, s + from, n - from, e) < 0 ? -2 : 0;
    }
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t chars = 0;
    while (p < end) {
        if (*p < 0x80) {
            if (*p == '\n') {
                if (fput(w, nl, nll, e) < 0)
                    return -2;
            } else if (fput(w, p, 1, e) < 0) {
                return -2;
            }
            p++;
            chars++;
            continue;
        }
        size_t k;
        uint32_t cp = mig_utf8_next(p, (size_t)(end - p), &k);
        /* A character and its variation selectors are one unit. */
        size_t unit = k;
        bool vs = false;
        while (p + unit < end) {
            size_t k2;
            uint32_t c2 = mig_utf8_next(p + unit, (size_t)(end - p) - unit, &k2);
            if (!mig_is_vs(c2))
                break;
            unit += k2;
            vs = true;
        }
        chars++;
        unsigned char code[2];
        int cl = vs ? 0 : cp932_encode(cp, code);
        if (cl == 0) {
            const struct mig_gaiji *g = mig_gaiji_by_text(w->p, (const char *)p, unit);
            if (!g) {
                snprintf(reason, MIG_REASON_CAP,
                         "CP932（シフトJIS）で表せない文字があり、外字対応表にもありません（%zu"
                         "文字目）",
                         chars);
                return -1;
            }
            unsigned idx = g->pua - 0xE000, t = idx % 188;
            if (idx >= 1880) {
                snprintf(reason, MIG_REASON_CAP,
                         "外字対応表の外字コード U+%04X は CP932 の外字領域にありません（%zu"
                         "文字目）",
                         (unsigned)g->pua, chars);
                return -1;
            }
            code[0] = (unsigned char)(0xF0 + idx / 188);
            code[1] = (unsigned char)(t + 0x40 + (t >= 0x3F ? 1 : 0));
            cl = 2;
        }
        if (fput(w, code, (size_t)cl, e) < 0)
            return -2;
        p += unit;
    }
    return 0;
}

static bool needs_quotes(const struct mig_writer *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == w->p->sep || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

/* Writes the encoded value in w->field with the profile's quoting. */
static int put_field(struct mig_writer *w, bool first, const char *item, char *reason,
                     struct kd_err *e)
{
    if (!first && out(w, &w->p->sep, 1, e) < 0)
        return -2;
    bool q = w->p->quote == MIG_QUOTE_ALL;
    if (w->p->quote == MIG_QUOTE_MINIMAL)
        q = needs_quotes(w, w->field, w->flen);
    if (w->p->quote == MIG_QUOTE_NONE) {
        for (size_t i = 0; i < w->flen; i++)
            if (w->field[i] == w->p->sep || w->field[i] == '\n' || w->field[i] == '\r') {
                snprintf(reason, MIG_REASON_CAP,
                         "区切り文字や改行を含む値は、引用符なし（quote = none）では書けません");
                return -1;
            }
        (void)item;
        return out(w, w->field, w->flen, e) < 0 ? -2 : 0;
    }
    if (!q)
        return out(w, w->field, w->flen, e) < 0 ? -2 : 0;
    if (out(w, "\"", 1, e) < 0)
        return -2;
    size_t from = 0;
    for (size_t i = 0; i < w->flen; i++) {
        if (w->field[i] != '"')
            continue;
        if (out(w, w->field + from, i - from + 1, e) < 0 || out(w, "\"", 1, e) < 0)
            return -2;
        from = i + 1;
    }
    if (out(w, w->field + from, w->flen - from, e) < 0 || out(w, "\"", 1, e) < 0)
        return -2;
    return 0;
}

static int end_row(struct mig_writer *w, struct kd_err *e)
{
    if (out(w, w->p->crlf ? "\r\n" : "\n", w->p->crlf ? 2 : 1, e) < 0)
        return -1;
    return w->len >= FLUSH_AT ? flush(w, e) : 0;
}

int mig_writer_open(struct mig_writer **outp, const struct mig_layout *l, const struct mig_file *f,
                    const struct mig_profile *p, const char *dir, struct kd_err *e)
{
    *outp = NULL;
    if (p->enc == MIG_CP932 && cp932_init(e) < 0)
        return -1;
    if (sodium_init() < 0)
        return kd_fail(e, KD_INTERNAL, NULL, "libsodium did not start");
    struct mig_writer *w = calloc(1, sizeof *w);
    if (!w)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    w->l = l;
    w->f = f;
    w->p = p;
    int k1 = snprintf(w->path, sizeof w->path, "%s/%s", dir, f->path);
    int k2 = snprintf(w->part, sizeof w->part, "%s/%s.part", dir, f->path);
    if (k1 < 0 || (size_t)k1 >= sizeof w->path || k2 < 0 || (size_t)k2 >= sizeof w->part) {
        free(w);
        return kd_fail(e, KD_INVALID_VALUE, f->path, "the folder's path is too long");
    }
    int fd = open(w->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(w->fp = fdopen(fd, "wb"))) {
        int en = errno;
        if (fd >= 0) {
            close(fd);
            unlink(w->part);
        }
        free(w);
        return kd_fail(e, KD_INTERNAL, f->path, "%s: cannot write: %s", f->path, strerror(en));
    }
    crypto_hash_sha256_init(&w->sha);
    if (p->bom && out(w, "\xEF\xBB\xBF", 3, e) < 0)
        goto fail;
    if (p->header) {
        for (int i = 0; i < f->n_items; i++) {
            char reason[MIG_REASON_CAP];
            const char *nm = f->items[i].name;
            int rc = encode(w, nm, strlen(nm), reason, e);
            if (rc == 0)
                rc = put_field(w, i == 0, nm, reason, e);
            if (rc == -1) {
                kd_fail(e, KD_INVALID_VALUE, nm, "%s: the header cannot name item %d: %s", f->path,
                        i + 1, reason);
                goto fail;
            }
            if (rc < 0)
                goto fail;
        }
        if (end_row(w, e) < 0)
            goto fail;
    }
    *outp = w;
    return 0;
fail:
    mig_writer_discard(w);
    return -1;
}

int mig_writer_row(struct mig_writer *w, const char *const *values, struct kd_err *e)
{
    if (w->failed)
        return kd_fail(e, KD_INTERNAL, w->f->path, "%s: the writer failed before", w->f->path);
    size_t start = w->len;
    for (int i = 0; i < w->f->n_items; i++) {
        const struct mig_item *it = &w->f->items[i];
        const char *v = values[i] ? values[i] : "";
        size_t vl = strlen(v);
        char reason[MIG_REASON_CAP], conv[32];
        size_t cl;
        int rc = mig_check_value(w->l, it, w->p, v, vl, true, conv, &cl, reason);
        if (rc == 0) {
            if (cl != (size_t)-1) {
                v = conv;
                vl = cl;
            }
            rc = encode(w, v, vl, reason, e);
        }
        if (rc == 0)
            rc = put_field(w, i == 0, it->name, reason, e);
        if (rc < 0) {
            w->len = start; /* the row is not written */
            if (rc == -1)
                kd_fail(e, KD_INVALID_VALUE, it->name, "%s row %lld, %s: %s", w->f->path,
                        (long long)w->rows + 1, it->name, reason);
            return -1;
        }
    }
    if (end_row(w, e) < 0)
        return -1;
    w->rows++;
    return 0;
}

int mig_writer_close(struct mig_writer *w, int64_t *rows, char sha256_hex[65], struct kd_err *e)
{
    if (w->failed) {
        kd_fail(e, KD_INTERNAL, w->f->path, "%s: the writer failed before", w->f->path);
        mig_writer_discard(w);
        return -1;
    }
    if (flush(w, e) < 0) {
        mig_writer_discard(w);
        return -1;
    }
    bool bad = fflush(w->fp) != 0;
    if (mig_writer_sync)
        bad |= fsync(fileno(w->fp)) != 0;
    bad |= fclose(w->fp) != 0;
    w->fp = NULL;
    if (bad || rename(w->part, w->path) != 0) {
        int en = errno;
        kd_fail(e, KD_INTERNAL, w->f->path, "%s: cannot write: %s", w->f->path, strerror(en));
        mig_writer_discard(w);
        return -1;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&w->sha, h);
    if (sha256_hex)
        text_hex(h, sizeof h, sha256_hex);
    if (rows)
        *rows = w->rows;
    free(w->buf);
    free(w->field);
    free(w);
    return 0;
}

void mig_writer_discard(struct mig_writer *w)
{
    if (!w)
        return;
    if (w->fp) {
        fclose(w->fp);
        unlink(w->part);
    }
    free(w->buf);
    free(w->field);
    free(w);
}
