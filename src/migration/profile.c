/*
 * profile.c — physical profiles (layouts/profiles/<name>.conf, INI read with
 * inih) and their 外字 tables (docs/layouts.md §2).
 */
#include "migration/codec_internal.h"

#include "base/text.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_FILE_MAX (64u << 10)
#define GAIJI_MAX 10000

static void defaults(struct mig_profile *p)
{
    p->enc = MIG_UTF8;
    p->bom = false;
    p->header = true;
    p->sep = ',';
    p->quote = MIG_QUOTE_MINIMAL;
    p->crlf = false;
    p->date = MIG_DATE_ISO;
    snprintf(p->unknown_date, sizeof p->unknown_date, "0000-00-00");
    p->unknown_date_len = 10;
    p->unknown_date_set = false;
    p->unknown_partial = true;
    p->trim = false;
    p->kana_widen = false;
    p->atena_check = true;
}

/* ---- the INI text ----------------------------------------------------------------- */

struct parse_ctx {
    struct mig_profile *p;
    struct kd_err *e;
    bool failed;
    const char *text;
    size_t len, pos;
    int line;
    const char *file;
};

static char *read_line(char *buf, int size, void *stream)
{
    struct parse_ctx *c = stream;
    if (c->pos >= c->len || size < 2)
        return NULL;
    size_t n = 0;
    while (c->pos < c->len && n < (size_t)size - 1) {
        char ch = c->text[c->pos++];
        buf[n++] = ch;
        if (ch == '\n')
            break;
    }
    buf[n] = '\0';
    c->line++;
    return buf;
}

struct choice {
    const char *word;
    int value;
};

static int choose(struct parse_ctx *c, const char *key, const char *value, const struct choice *ch,
                  size_t n, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ch[i].word, value) == 0) {
            *out = ch[i].value;
            return 0;
        }
    char words[200];
    size_t w = 0;
    words[0] = '\0';
    for (size_t i = 0; i < n && w < sizeof words; i++) {
        int k = snprintf(words + w, sizeof words - w, "%s%s", i ? ", " : "", ch[i].word);
        if (k < 0)
            break;
        w += (size_t)k;
    }
    return kd_fail(c->e, KD_INVALID_VALUE, key, "%s:%d: %s must be one of %s", c->file, c->line,
                   key, words);
}

static const struct choice yesno[] = {{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}};

static int set_bool(struct parse_ctx *c, const char *key, const char *value, bool *out)
{
    int v = 0;
    if (choose(c, key, value, yesno, 4, &v) < 0)
        return -1;
    *out = v != 0;
    return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *c = user;
    struct mig_profile *p = c->p;
    if (c->failed)
        return 0;
    int rc = 0, v = 0;
    size_t vl = strlen(value);
    if (strcmp(section, "profile") != 0) {
        rc = kd_fail(c->e, KD_UNKNOWN_FIELD, name, "%s:%d: keys belong in [profile]", c->file,
                     c->line);
    } else if (text_has_control(value, vl, false) || !text_utf8_valid(value, vl, NULL)) {
        rc = kd_fail(c->e, KD_INVALID_VALUE, name, "%s:%d: %s is not printable UTF-8", c->file,
                     c->line, name);
    } else if (strcmp(name, "title") == 0) {
        if (vl >= sizeof p->title)
            rc = kd_fail(c->e, KD_TOO_LONG, name, "%s:%d: title is too long", c->file, c->line);
        else
            memcpy(p->title, value, vl + 1);
    } else if (strcmp(name, "encoding") == 0) {
        static const struct choice ch[] = {{"utf-8", MIG_UTF8}, {"cp932", MIG_CP932}};
        rc = choose(c, name, value, ch, 2, &v);
        p->enc = (enum mig_encoding)v;
    } else if (strcmp(name, "bom") == 0) {
        rc = set_bool(c, name, value, &p->bom);
    } else if (strcmp(name, "header") == 0) {
        rc = set_bool(c, name, value, &p->header);
    } else if (strcmp(name, "separator") == 0) {
        static const struct choice ch[] = {{"comma", ','}, {"tab", '\t'}};
        rc = choose(c, name, value, ch, 2, &v);
        p->sep = (char)v;
    } else if (strcmp(name, "quote") == 0) {
        static const struct choice ch[] = {
            {"minimal", MIG_QUOTE_MINIMAL}, {"all", MIG_QUOTE_ALL}, {"none", MIG_QUOTE_NONE}};
        rc = choose(c, name, value, ch, 3, &v);
        p->quote = (enum mig_quote)v;
    } else if (strcmp(name, "newline") == 0) {
        static const struct choice ch[] = {{"lf", 0}, {"crlf", 1}};
        rc = choose(c, name, value, ch, 2, &v);
        p->crlf = v != 0;
    } else if (strcmp(name, "date") == 0) {
        static const struct choice ch[] = {
            {"iso", MIG_DATE_ISO}, {"yyyymmdd", MIG_DATE_YYYYMMDD}, {"era", MIG_DATE_ERA}};
        rc = choose(c, name, value, ch, 3, &v);
        p->date = (enum mig_date_form)v;
    } else if (strcmp(name, "unknown_date") == 0) {
        if (vl >= sizeof p->unknown_date)
            rc = kd_fail(c->e, KD_TOO_LONG, name, "%s:%d: unknown_date is at most %zu bytes",
                         c->file, c->line, sizeof p->unknown_date - 1);
        for (size_t i = 0; rc == 0 && i < vl; i++)
            if ((unsigned char)value[i] < 0x21 || (unsigned char)value[i] > 0x7E ||
                value[i] == '"' || value[i] == ',')
                rc = kd_fail(c->e, KD_INVALID_VALUE, name,
                             "%s:%d: unknown_date is printable ASCII without spaces, '\"' or ','",
                             c->file, c->line);
        if (rc == 0) {
            memcpy(p->unknown_date, value, vl + 1);
            p->unknown_date_len = vl;
            p->unknown_date_set = true;
        }
    } else if (strcmp(name, "unknown_partial") == 0) {
        rc = set_bool(c, name, value, &p->unknown_partial);
    } else if (strcmp(name, "trim") == 0) {
        rc = set_bool(c, name, value, &p->trim);
    } else if (strcmp(name, "kana") == 0) {
        static const struct choice ch[] = {{"strict", 0}, {"widen", 1}};
        rc = choose(c, name, value, ch, 2, &v);
        p->kana_widen = v != 0;
    } else if (strcmp(name, "atena_check") == 0) {
        static const struct choice ch[] = {{"m11", 1}, {"none", 0}};
        rc = choose(c, name, value, ch, 2, &v);
        p->atena_check = v != 0;
    } else if (strcmp(name, "gaiji") == 0) {
        bool ok = vl < sizeof p->gaiji_file && value[0] != '.';
        for (size_t i = 0; ok && i < vl; i++) {
            char ch = value[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';
        }
        if (!ok)
            rc = kd_fail(c->e, KD_INVALID_VALUE, name,
                         "%s:%d: gaiji is a file name under profiles/ ([A-Za-z0-9._-], not "
                         "starting with '.')",
                         c->file, c->line);
        else
            memcpy(p->gaiji_file, value, vl + 1);
    } else {
        rc = kd_fail(c->e, KD_UNKNOWN_FIELD, name, "%s:%d: unknown key %.64s", c->file, c->line,
                     name);
    }
    if (rc < 0) {
        c->failed = true;
        return 0;
    }
    return 1;
}

/* The zeros form of a wholly unknown date in the profile's date form. */
static void default_unknown(struct mig_profile *p)
{
    if (p->unknown_date_set)
        return;
    const char *z = p->date == MIG_DATE_ISO ? "0000-00-00" : "00000000";
    snprintf(p->unknown_date, sizeof p->unknown_date, "%s", z);
    p->unknown_date_len = strlen(z);
}

int mig_profile_parse(const char *name, const char *text, size_t len,
                      int (*read_gaiji)(void *ctx, const char *file, char **data, size_t *len,
                                        struct kd_err *e),
                      void *ctx, struct mig_profile **out, struct kd_err *e)
{
    *out = NULL;
    if (!mig_name_ok(name))
        return kd_fail(e, KD_INVALID_VALUE, "profile", "a profile name is 1-31 of [a-z0-9_-]");
    if (len > PROFILE_FILE_MAX)
        return kd_fail(e, KD_TOO_LONG, "profile", "profile %s: over 64 KiB", name);
    struct mig_profile *p = calloc(1, sizeof *p);
    if (!p)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    arena_init(&p->arena, NULL, 0, (size_t)16 << 20);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->title, sizeof p->title, "%s", name);
    defaults(p);
    char file[64];
    snprintf(file, sizeof file, "profiles/%s.conf", name);
    /* inih reads lines of at most 200 bytes and would take the rest of a
     * longer one as a line of its own. */
    for (size_t i = 0, start = 0, line = 1; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        if (i - start > 190) {
            kd_fail(e, KD_TOO_LONG, "profile", "%s:%zu: a line is at most 190 bytes", file, line);
            goto fail;
        }
        start = i + 1;
        line++;
    }
    struct parse_ctx c = {.p = p, .e = e, .text = text, .len = len, .file = file};
    int rc = ini_parse_stream(read_line, &c, on_entry, &c);
    if (c.failed)
        goto fail;
    if (rc > 0) {
        kd_fail(e, KD_INVALID_VALUE, "profile", "%s:%d: not an INI line", file, rc);
        goto fail;
    }
    if (rc < 0) {
        kd_fail(e, KD_INTERNAL, "profile", "%s: out of memory", file);
        goto fail;
    }
    default_unknown(p);
    if (p->unknown_date_len > 0) {
        /* The text of a wholly unknown date must not read as another date. */
        char lit[sizeof p->unknown_date], canon[11], reason[MIG_REASON_CAP];
        memcpy(lit, p->unknown_date, sizeof lit);
        size_t ll = p->unknown_date_len;
        p->unknown_date_len = 0;
        p->unknown_date[0] = '\0';
        bool other =
            mig_date_read(p, true, lit, ll, canon, reason) == 0 && strcmp(canon, "0000-00-00") != 0;
        memcpy(p->unknown_date, lit, sizeof lit);
        p->unknown_date_len = ll;
        if (other) {
            kd_fail(e, KD_INVALID_VALUE, "unknown_date",
                    "%s: unknown_date reads as a date (or a partly known one) in this form", file);
            goto fail;
        }
    }
    if (p->bom && p->enc != MIG_UTF8) {
        kd_fail(e, KD_INVALID_VALUE, "bom", "%s: bom is for utf-8 only", file);
        goto fail;
    }
    if (p->enc == MIG_CP932 && cp932_init(e) < 0)
        goto fail;
    if (p->gaiji_file[0]) {
        char *data = NULL;
        size_t dl = 0;
        if (!read_gaiji) {
            kd_fail(e, KD_NOT_FOUND, "gaiji", "%s: gaiji %s cannot be read here", file,
                    p->gaiji_file);
            goto fail;
        }
        if (read_gaiji(ctx, p->gaiji_file, &data, &dl, e) < 0)
            goto fail;
        char gf[96];
        snprintf(gf, sizeof gf, "profiles/%s", p->gaiji_file);
        rc = mig_gaiji_parse(p, gf, data, dl, e);
        free(data);
        if (rc < 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    mig_profile_free(p);
    return -1;
}

/* ---- the 外字 table ----------------------------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* "U+XXXX" (4-6 hex digits) at s; the code point, or -1. */
static int64_t parse_u(const char *s, size_t n)
{
    if (n < 6 || n > 8 || s[0] != 'U' || s[1] != '+')
        return -1;
    int64_t v = 0;
    for (size_t i = 2; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF) ? v : -1;
}

/* A vendor code: "F040".."F9FC" (CP932 user-defined) or "U+E000".."U+F8FF"; the PUA code point. */
static int64_t parse_code(const char *s, size_t n)
{
    if (n == 4) {
        int v[4];
        for (int i = 0; i < 4; i++)
            if ((v[i] = hexval(s[i])) < 0)
                return -1;
        int lead = v[0] * 16 + v[1], trail = v[2] * 16 + v[3];
        if (lead < 0xF0 || lead > 0xF9 || trail < 0x40 || trail > 0xFC || trail == 0x7F)
            return -1;
        return 0xE000 + (lead - 0xF0) * 188 + (trail - 0x40 - (trail > 0x7F));
    }
    int64_t cp = parse_u(s, n);
    return cp >= 0xE000 && cp <= 0xF8FF ? cp : -1;
}

static int cmp_pua(const void *a, const void *b)
{
    const struct mig_gaiji *x = a, *y = b;
    return x->pua < y->pua ? -1 : x->pua > y->pua;
}

static int cmp_text(const void *a, const void *b)
{
    const struct mig_gaiji *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->line - y->line;
}

/* The 文字 column: "U+XXXX U+XXXX…" or literal; one character + variation selectors. */
static int parse_chars(struct mig_profile *p, const char *s, size_t n, const char **out,
                       size_t *out_len)
{
    char buf[64];
    size_t bl = 0;
    if (n >= 2 && s[0] == 'U' && s[1] == '+') {
        size_t i = 0;
        while (i < n) {
            const char *sp = memchr(s + i, ' ', n - i);
            size_t e = sp ? (size_t)(sp - s) : n;
            int64_t cp = parse_u(s + i, e - i);
            if (cp < 0 || bl + 4 > sizeof buf)
                return -1;
            bl += mig_utf8_put((uint32_t)cp, buf + bl);
            i = e + 1;
            if (sp && i >= n)
                return -1;
        }
    } else {
        if (n > sizeof buf)
            return -1;
        memcpy(buf, s, n);
        bl = n;
    }
    if (bl == 0 || !text_utf8_valid(buf, bl, NULL) || text_has_control(buf, bl, false))
        return -1;
    const unsigned char *q = (const unsigned char *)buf, *end = q + bl;
    size_t k;
    uint32_t cp = mig_utf8_next(q, bl, &k);
    if (mig_is_pua(cp) || mig_is_vs(cp))
        return -1;
    for (q += k; q < end; q += k)
        if (!mig_is_vs(mig_utf8_next(q, (size_t)(end - q), &k)))
            return -1;
    char *t = arena_strndup(&p->arena, buf, bl);
    if (!t)
        return -1;
    *out = t;
    *out_len = bl;
    return 0;
}

int mig_gaiji_parse(struct mig_profile *p, const char *file, const char *text, size_t len,
                    struct kd_err *e)
{
    static const char *const cols[] = {"外字コード", "文字", "説明"};
    struct tsv t;
    int rc = tsv_open(&t, file, text, len, cols, 3, e);
    int cap = 0;
    while (rc == 0 && (rc = tsv_next(&t, e)) == 1) {
        rc = 0;
        int64_t pua = parse_code(t.cell[0], t.cell_len[0]);
        if (pua < 0) {
            rc = kd_fail(e, KD_INVALID_VALUE, file,
                         "%s:%d: 外字コード must be F040-F9FC (CP932) or U+E000-U+F8FF", file,
                         t.line);
            break;
        }
        if (p->n_gaiji >= GAIJI_MAX) {
            rc = kd_fail(e, KD_TOO_LONG, file, "%s:%d: more than %d 外字", file, t.line, GAIJI_MAX);
            break;
        }
        if (p->n_gaiji == cap) {
            int ncap = cap ? cap * 2 : 64;
            struct mig_gaiji *ng = arena_alloc(&p->arena, sizeof *ng * (size_t)ncap);
            if (!ng) {
                rc = kd_fail(e, KD_TOO_LONG, file, "%s: too large", file);
                break;
            }
            if (p->n_gaiji)
                memcpy(ng, p->gaiji, sizeof *ng * (size_t)p->n_gaiji);
            p->gaiji = ng;
            cap = ncap;
        }
        struct mig_gaiji *g = &p->gaiji[p->n_gaiji];
        g->pua = (uint32_t)pua;
        g->line = t.line;
        if (parse_chars(p, t.cell[1], t.cell_len[1], &g->text, &g->len) < 0) {
            rc = kd_fail(e, KD_INVALID_VALUE, file,
                         "%s:%d: 文字 must be one character (not private-use) and its variation "
                         "selectors, as U+XXXX or literally",
                         file, t.line);
            break;
        }
        p->n_gaiji++;
    }
    if (rc < 0)
        return -1;
    if (p->n_gaiji == 0)
        return 0;
    qsort(p->gaiji, (size_t)p->n_gaiji, sizeof *p->gaiji, cmp_pua);
    for (int i = 1; i < p->n_gaiji; i++)
        if (p->gaiji[i].pua == p->gaiji[i - 1].pua)
            return kd_fail(
                e, KD_CONFLICT, file, "%s:%d: the same 外字コード as line %d", file,
                p->gaiji[i].line > p->gaiji[i - 1].line ? p->gaiji[i].line : p->gaiji[i - 1].line,
                p->gaiji[i].line > p->gaiji[i - 1].line ? p->gaiji[i - 1].line : p->gaiji[i].line);
    p->gaiji_rev = arena_alloc(&p->arena, sizeof *p->gaiji_rev * (size_t)p->n_gaiji);
    if (!p->gaiji_rev)
        return kd_fail(e, KD_TOO_LONG, file, "%s: too large", file);
    memcpy(p->gaiji_rev, p->gaiji, sizeof *p->gaiji * (size_t)p->n_gaiji);
    qsort(p->gaiji_rev, (size_t)p->n_gaiji, sizeof *p->gaiji_rev, cmp_text);
    return 0;
}

const struct mig_gaiji *mig_gaiji_by_pua(const struct mig_profile *p, uint32_t pua)
{
    int lo = 0, hi = p->n_gaiji - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (p->gaiji[mid].pua == pua)
            return &p->gaiji[mid];
        if (p->gaiji[mid].pua < pua)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

const struct mig_gaiji *mig_gaiji_by_text(const struct mig_profile *p, const char *s, size_t len)
{
    /* The first (lowest line) of the entries with this text. */
    int lo = 0, hi = p->n_gaiji - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const struct mig_gaiji *g = &p->gaiji_rev[mid];
        size_t n = g->len < len ? g->len : len;
        int c = memcmp(g->text, s, n);
        if (c == 0)
            c = g->len < len ? -1 : g->len > len ? 1 : 0;
        if (c == 0) {
            found = mid;
            hi = mid - 1;
        } else if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found >= 0 ? &p->gaiji_rev[found] : NULL;
}

/* ---- the file system ------------------------------------------------------------------ */

static int read_small(const char *path, size_t max, char **data, size_t *len, int *err_no)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err_no = errno;
        return -1;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > max) {
        free(buf);
        *err_no = bad ? EIO : EFBIG;
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

struct fs_ctx {
    const char *root;
};

static int fs_gaiji(void *ctx, const char *file, char **data, size_t *len, struct kd_err *e)
{
    struct fs_ctx *c = ctx;
    char path[4200];
    snprintf(path, sizeof path, "%s/profiles/%s", c->root, file);
    int en;
    if (read_small(path, 4u << 20, data, len, &en) < 0)
        return kd_fail(e, en == ENOENT ? KD_NOT_FOUND : KD_INVALID_VALUE, "gaiji",
                       "profiles/%s: cannot read: %s", file, strerror(en));
    return 0;
}

int mig_profile_load(const char *root, const char *name, struct mig_profile **out, struct kd_err *e)
{
    *out = NULL;
    if (!mig_name_ok(name))
        return kd_fail(e, KD_INVALID_VALUE, "profile", "a profile name is 1-31 of [a-z0-9_-]");
    char path[4200];
    int k = snprintf(path, sizeof path, "%s/profiles/%s.conf", root, name);
    if (k < 0 || (size_t)k >= sizeof path)
        return kd_fail(e, KD_INVALID_VALUE, "profile", "the layouts folder's path is too long");
    char *data;
    size_t len;
    int en;
    if (read_small(path, PROFILE_FILE_MAX, &data, &len, &en) < 0) {
        if (en == ENOENT)
            return kd_fail(e, KD_NOT_FOUND, "profile", "there is no profile %s", name);
        return kd_fail(e, KD_INVALID_VALUE, "profile", "profiles/%s.conf: cannot read: %s", name,
                       strerror(en));
    }
    struct fs_ctx ctx = {.root = root};
    int rc = mig_profile_parse(name, data, len, fs_gaiji, &ctx, out, e);
    free(data);
    return rc;
}

void mig_profile_free(struct mig_profile *p)
{
    if (!p)
        return;
    arena_release(&p->arena);
    free(p);
}

const char *mig_profile_name(const struct mig_profile *p)
{
    return p->name;
}

const char *mig_profile_title(const struct mig_profile *p)
{
    return p->title;
}

enum mig_encoding mig_profile_encoding(const struct mig_profile *p)
{
    return p->enc;
}
