/*
 * layout.c — loading and checking a layout's definition (layouts/<name>/:
 * layout.tsv, files.tsv, relations.tsv, items/<ID>.tsv, code_tables.tsv,
 * codes.tsv; docs/layouts.md §1). Everything a layout holds lives in one
 * arena, freed by mig_layout_free().
 */
#include "migration/codec_internal.h"

#include "base/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_FILES 200
#define MAX_ITEMS 1000
#define MAX_TABLES 1000
#define MAX_CODES 100000
#define MAX_LENGTH 100000
#define NAME_CHARS 100
#define CODE_MAX 100

struct code_entry {
    const char *code;
    const char *label;
};

struct code_table {
    const char *id;
    const char *name;
    int length; /* 0: any */
    int line;
    int n, cap;
    struct code_entry *codes; /* sorted by code after loading */
};

struct layout_impl {
    struct mig_layout pub; /* first: mig_layout * <-> layout_impl * */
    struct arena a;
    int n_tables;
    struct code_table *tables; /* sorted by id */
};

/* A file while loading: the public struct plus what is resolved later. */
struct file_def {
    struct mig_file f;
    struct mig_item *items;
    int line; /* of files.tsv */
    int n_refs, refs_cap;
    struct mig_ref *refs;
    int order;
};

struct loader {
    struct layout_impl *l;
    const struct mig_src *src;
    struct kd_err *e;
    int n_files;
    struct file_def *files;
};

bool mig_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > MIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static bool phys_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool binding_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static bool cell_is(const struct tsv *t, int i, const char *s)
{
    return t->cell_len[i] == strlen(s) && memcmp(t->cell[i], s, t->cell_len[i]) == 0;
}

static char *dup_cell(struct loader *ld, const struct tsv *t, int i)
{
    char *s = arena_strndup(&ld->l->a, t->cell[i], t->cell_len[i]);
    if (!s)
        kd_fail(ld->e, KD_TOO_LONG, t->file, "%s:%d: the layout is too large", t->file, t->line);
    return s;
}

/* ---- reading the files ---------------------------------------------------------- */

struct text {
    char *data;
    size_t len;
};

/* 0 read, 1 missing (allowed when optional), -1 error. */
static int read_file(struct loader *ld, const char *rel, bool optional, struct text *out)
{
    out->data = NULL;
    out->len = 0;
    int rc = ld->src->read(ld->src->ctx, rel, &out->data, &out->len, ld->e);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        if (optional)
            return 1;
        return kd_fail(ld->e, KD_NOT_FOUND, rel, "layout %s: %s is missing", ld->l->pub.name, rel);
    }
    return 0;
}

/* ---- layout.tsv ------------------------------------------------------------------ */

static int load_head(struct loader *ld, const char *name)
{
    static const char *const cols[] = {"キー", "値"};
    struct text tx;
    if (read_file(ld, "layout.tsv", false, &tx) < 0)
        return -1;
    struct tsv t;
    int rc = tsv_open(&t, "layout.tsv", tx.data, tx.len, cols, 2, ld->e);
    const char **slot = NULL;
    struct mig_layout *L = &ld->l->pub;
    const char *source = NULL;
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        if (cell_is(&t, 0, "name"))
            slot = &L->name;
        else if (cell_is(&t, 0, "title"))
            slot = &L->title;
        else if (cell_is(&t, 0, "version"))
            slot = &L->version;
        else if (cell_is(&t, 0, "source"))
            slot = &source;
        else {
            rc = kd_fail(ld->e, KD_UNKNOWN_FIELD, "layout.tsv",
                         "layout.tsv:%d: unknown key (name, title, version, source)", t.line);
            break;
        }
        if (*slot && slot != &L->name) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "layout.tsv", "layout.tsv:%d: key given twice",
                         t.line);
            break;
        }
        if (slot == &L->name && L->name[0]) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "layout.tsv", "layout.tsv:%d: key given twice",
                         t.line);
            break;
        }
        if (t.cell_len[1] == 0 && slot != &source) {
            rc = kd_fail(ld->e, KD_MISSING_FIELD, "layout.tsv", "layout.tsv:%d: empty value",
                         t.line);
            break;
        }
        if (!(*slot = dup_cell(ld, &t, 1))) {
            rc = -1;
            break;
        }
        if (slot == &L->name && strcmp(L->name, name) != 0) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "layout.tsv",
                         "layout.tsv:%d: name must be the folder's name, %s", t.line, name);
            break;
        }
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    if (!L->name[0] || !L->title || !L->version)
        return kd_fail(ld->e, KD_MISSING_FIELD, "layout.tsv",
                       "layout.tsv: name, title and version are required");
    if (text_utf8_chars(L->version, strlen(L->version)) > 31 ||
        text_utf8_chars(L->title, strlen(L->title)) > 63)
        return kd_fail(ld->e, KD_TOO_LONG, "layout.tsv",
                       "layout.tsv: title at most 63 characters, version at most 31");
    return 0;
}

/* ---- code tables ------------------------------------------------------------------ */

static struct code_table *table_find(const struct layout_impl *l, const char *id, size_t n)
{
    int lo = 0, hi = l->n_tables - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *t = l->tables[mid].id;
        size_t tn = strlen(t);
        int c = memcmp(t, id, tn < n ? tn : n);
        if (c == 0)
            c = tn < n ? -1 : tn > n ? 1 : 0;
        if (c == 0)
            return &l->tables[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

static int cmp_table(const void *a, const void *b)
{
    return strcmp(((const struct code_table *)a)->id, ((const struct code_table *)b)->id);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct code_entry *)a)->code, ((const struct code_entry *)b)->code);
}

static int parse_len(const struct tsv *t, int i, int max, int *out)
{
    int64_t v;
    if (t->cell_len[i] == 0) {
        *out = 0;
        return 0;
    }
    if (!text_parse_i64(t->cell[i], t->cell_len[i], 1, max, &v) || t->cell[i][0] == '0' ||
        t->cell[i][0] == '-')
        return -1;
    *out = (int)v;
    return 0;
}

static int load_codes(struct loader *ld)
{
    static const char *const tcols[] = {"コード表ID", "コード表名", "桁数", "説明"};
    static const char *const ccols[] = {"コード表ID", "コード", "名称"};
    struct layout_impl *l = ld->l;
    struct text tx;
    int rc = read_file(ld, "code_tables.tsv", true, &tx);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        struct text cx;
        int c = read_file(ld, "codes.tsv", true, &cx);
        free(cx.data);
        if (c == 0)
            return kd_fail(ld->e, KD_INVALID_VALUE, "codes.tsv",
                           "codes.tsv: there is no code_tables.tsv for its tables");
        return c < 0 ? -1 : 0;
    }
    struct tsv t;
    int cap = 0;
    rc = tsv_open(&t, "code_tables.tsv", tx.data, tx.len, tcols, 4, ld->e);
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        if (!id_ok(t.cell[0], t.cell_len[0])) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "code_tables.tsv",
                         "code_tables.tsv:%d: コード表ID must be 1-31 of [A-Za-z0-9_]", t.line);
            break;
        }
        for (int i = 0; i < l->n_tables; i++)
            if (strlen(l->tables[i].id) == t.cell_len[0] &&
                memcmp(l->tables[i].id, t.cell[0], t.cell_len[0]) == 0) {
                rc = kd_fail(ld->e, KD_CONFLICT, "code_tables.tsv",
                             "code_tables.tsv:%d: コード表ID %.*s given twice (line %d)", t.line,
                             mig_cut(t.cell[0], t.cell_len[0], 31), t.cell[0], l->tables[i].line);
                break;
            }
        if (rc < 0)
            break;
        if (l->n_tables >= MAX_TABLES) {
            rc = kd_fail(ld->e, KD_TOO_LONG, "code_tables.tsv",
                         "code_tables.tsv:%d: more than %d tables", t.line, MAX_TABLES);
            break;
        }
        if (l->n_tables == cap) {
            int ncap = cap ? cap * 2 : 16;
            struct code_table *nt = arena_alloc(&l->a, sizeof *nt * (size_t)ncap);
            if (!nt) {
                rc = kd_fail(ld->e, KD_TOO_LONG, "code_tables.tsv", "the layout is too large");
                break;
            }
            if (l->n_tables)
                memcpy(nt, l->tables, sizeof *nt * (size_t)l->n_tables);
            l->tables = nt;
            cap = ncap;
        }
        struct code_table *ct = &l->tables[l->n_tables];
        memset(ct, 0, sizeof *ct);
        ct->line = t.line;
        if (parse_len(&t, 2, CODE_MAX, &ct->length) < 0) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "code_tables.tsv",
                         "code_tables.tsv:%d: 桁数 must be empty or 1 to %d", t.line, CODE_MAX);
            break;
        }
        if (t.cell_len[1] == 0) {
            rc = kd_fail(ld->e, KD_MISSING_FIELD, "code_tables.tsv",
                         "code_tables.tsv:%d: コード表名 is empty", t.line);
            break;
        }
        if (!(ct->id = dup_cell(ld, &t, 0)) || !(ct->name = dup_cell(ld, &t, 1))) {
            rc = -1;
            break;
        }
        l->n_tables++;
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    if (l->n_tables)
        qsort(l->tables, (size_t)l->n_tables, sizeof *l->tables, cmp_table);

    if (read_file(ld, "codes.tsv", false, &tx) < 0)
        return -1;
    int total = 0;
    rc = tsv_open(&t, "codes.tsv", tx.data, tx.len, ccols, 3, ld->e);
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        struct code_table *ct = table_find(l, t.cell[0], t.cell_len[0]);
        if (!ct) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "codes.tsv",
                         "codes.tsv:%d: コード表ID %.*s is not in code_tables.tsv", t.line,
                         mig_cut(t.cell[0], t.cell_len[0], 31), t.cell[0]);
            break;
        }
        size_t cl = t.cell_len[1];
        bool ok = cl >= 1 && cl <= CODE_MAX;
        for (size_t i = 0; ok && i < cl; i++)
            ok = t.cell[1][i] > 0x20 && t.cell[1][i] < 0x7F;
        if (!ok) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "codes.tsv",
                         "codes.tsv:%d: コード must be 1-%d printable ASCII characters", t.line,
                         CODE_MAX);
            break;
        }
        if (ct->length && cl != (size_t)ct->length) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "codes.tsv",
                         "codes.tsv:%d: the codes of %s have %d characters", t.line, ct->id,
                         ct->length);
            break;
        }
        if (++total > MAX_CODES) {
            rc = kd_fail(ld->e, KD_TOO_LONG, "codes.tsv", "codes.tsv:%d: more than %d codes",
                         t.line, MAX_CODES);
            break;
        }
        if (ct->n == ct->cap) {
            int ncap = ct->cap ? ct->cap * 2 : 8;
            struct code_entry *nc = arena_alloc(&l->a, sizeof *nc * (size_t)ncap);
            if (!nc) {
                rc = kd_fail(ld->e, KD_TOO_LONG, "codes.tsv", "the layout is too large");
                break;
            }
            if (ct->n)
                memcpy(nc, ct->codes, sizeof *nc * (size_t)ct->n);
            ct->codes = nc;
            ct->cap = ncap;
        }
        struct code_entry *ce = &ct->codes[ct->n];
        if (!(ce->code = dup_cell(ld, &t, 1)) || !(ce->label = dup_cell(ld, &t, 2))) {
            rc = -1;
            break;
        }
        ct->n++;
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    for (int i = 0; i < l->n_tables; i++) {
        struct code_table *ct = &l->tables[i];
        if (ct->n == 0)
            return kd_fail(ld->e, KD_INVALID_VALUE, "codes.tsv",
                           "codes.tsv: code table %s (code_tables.tsv:%d) has no codes", ct->id,
                           ct->line);
        qsort(ct->codes, (size_t)ct->n, sizeof *ct->codes, cmp_code);
        for (int k = 1; k < ct->n; k++)
            if (strcmp(ct->codes[k - 1].code, ct->codes[k].code) == 0)
                return kd_fail(ld->e, KD_CONFLICT, "codes.tsv",
                               "codes.tsv: code %s of table %s is given twice", ct->codes[k].code,
                               ct->id);
    }
    return 0;
}

/* ---- items ----------------------------------------------------------------------- */

struct word {
    const char *word;
    int value;
};

static const struct word types[] = {
    {"文字", MIG_TEXT},    {"text", MIG_TEXT},       {"文章", MIG_NOTE},   {"note", MIG_NOTE},
    {"カナ", MIG_KANA},    {"kana", MIG_KANA},       {"数字", MIG_DIGITS}, {"digits", MIG_DIGITS},
    {"数値", MIG_INTEGER}, {"integer", MIG_INTEGER}, {"日付", MIG_DATE},   {"date", MIG_DATE},
    {"コード", MIG_CODE},  {"code", MIG_CODE},
};

#define CHECK_UNKNOWN_OK 100
static const struct word checks[] = {
    {"宛名番号", MIG_CHECK_ATENA},          {"atena", MIG_CHECK_ATENA},
    {"住民票コード", MIG_CHECK_JUMIN_CODE}, {"jumin_code", MIG_CHECK_JUMIN_CODE},
    {"個人番号", MIG_CHECK_KOJIN_BANGO},    {"kojin_bango", MIG_CHECK_KOJIN_BANGO},
    {"法人番号", MIG_CHECK_HOUJIN},         {"houjin_bango", MIG_CHECK_HOUJIN},
    {"団体コード", MIG_CHECK_LG_CODE},      {"lg_code", MIG_CHECK_LG_CODE},
    {"不詳可", CHECK_UNKNOWN_OK},           {"unknown_ok", CHECK_UNKNOWN_OK},
};

static int find_word(const struct word *w, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(w[i].word) == len && memcmp(w[i].word, s, len) == 0)
            return w[i].value;
    return -1;
}

/* 1 yes, 0 no, -1 neither. */
static int parse_flag(const char *s, size_t n)
{
    static const char *const yes[] = {"○", "◯", "〇", "yes"};
    static const char *const no[] = {"", "-", "no"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strlen(yes[i]) == n && memcmp(yes[i], s, n) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strlen(no[i]) == n && memcmp(no[i], s, n) == 0)
            return 0;
    return -1;
}

/* The digits a check-digit rule needs (0: variable). */
static int check_digits(enum mig_check c)
{
    switch (c) {
    case MIG_CHECK_JUMIN_CODE:
        return 11;
    case MIG_CHECK_KOJIN_BANGO:
        return 12;
    case MIG_CHECK_HOUJIN:
        return 13;
    case MIG_CHECK_LG_CODE:
        return 6;
    case MIG_CHECK_ATENA:
        return 2;
    case MIG_CHECK_NONE:
        break;
    }
    return 0;
}

#define FAIL_AT(t, ...) kd_fail(ld->e, KD_INVALID_VALUE, (t)->file, __VA_ARGS__)

static int parse_item(struct loader *ld, struct tsv *t, struct mig_item *it, int index)
{
    const char *f = t->file;
    int ln = t->line;
    memset(it, 0, sizeof *it);
    it->index = index;
    char want[16];
    snprintf(want, sizeof want, "%d", index + 1);
    if (!cell_is(t, 0, want))
        return FAIL_AT(t, "%s:%d: 項番 must be %d (items in order, without gaps)", f, ln,
                       index + 1);
    size_t nl = t->cell_len[1];
    if (nl == 0 || text_utf8_chars(t->cell[1], nl) > NAME_CHARS || memchr(t->cell[1], ',', nl))
        return FAIL_AT(t, "%s:%d: 項目名 must be 1-%d characters without ','", f, ln, NAME_CHARS);
    int ty = find_word(types, sizeof types / sizeof types[0], t->cell[2], t->cell_len[2]);
    if (ty < 0)
        return FAIL_AT(t,
                       "%s:%d: 型 \"%.*s\" is not a type (文字, 文章, カナ, 数字, 数値, 日付, "
                       "コード)",
                       f, ln, mig_cut(t->cell[2], t->cell_len[2], 40), t->cell[2]);
    it->type = (enum mig_type)ty;
    if (parse_len(t, 3, MAX_LENGTH, &it->length) < 0)
        return FAIL_AT(t, "%s:%d: 桁数 must be empty or a whole number from 1 to %d", f, ln,
                       MAX_LENGTH);
    int fx = parse_flag(t->cell[4], t->cell_len[4]);
    int rq = parse_flag(t->cell[5], t->cell_len[5]);
    if (fx < 0)
        return FAIL_AT(t, "%s:%d: 固定 must be ○ or empty", f, ln);
    if (rq < 0)
        return FAIL_AT(t, "%s:%d: 必須 must be ○ or empty", f, ln);
    it->fixed = fx == 1;
    it->required = rq == 1;
    switch (it->type) {
    case MIG_DATE:
        if (it->length)
            return FAIL_AT(t, "%s:%d: 桁数 of a 日付 must be empty (the profile fixes the form)", f,
                           ln);
        if (it->fixed)
            return FAIL_AT(t, "%s:%d: a 日付 cannot be 固定", f, ln);
        break;
    case MIG_DIGITS:
    case MIG_INTEGER:
        if (!it->length)
            return FAIL_AT(t, "%s:%d: a %s needs its 桁数", f, ln,
                           it->type == MIG_DIGITS ? "数字" : "数値");
        if (it->type == MIG_INTEGER && it->length > 18)
            return FAIL_AT(t, "%s:%d: 桁数 of a 数値 is at most 18 (use 数字 for longer numbers)",
                           f, ln);
        if (it->type == MIG_INTEGER && it->fixed)
            return FAIL_AT(t, "%s:%d: a 数値 cannot be 固定 (use 数字 for zero-padded numbers)", f,
                           ln);
        break;
    default:
        break;
    }
    if (it->fixed && !it->length && it->type != MIG_CODE)
        return FAIL_AT(t, "%s:%d: 固定 needs a 桁数", f, ln);

    /* code table */
    if (it->type == MIG_CODE) {
        if (t->cell_len[6] == 0)
            return FAIL_AT(t, "%s:%d: a コード item needs its コード表", f, ln);
        struct code_table *ct = table_find(ld->l, t->cell[6], t->cell_len[6]);
        if (!ct)
            return FAIL_AT(t, "%s:%d: コード表 %.*s is not in code_tables.tsv", f, ln,
                           mig_cut(t->cell[6], t->cell_len[6], 31), t->cell[6]);
        it->code_table = ct->id;
        if (!it->length)
            it->length = ct->length;
        else if (ct->length && it->length != ct->length)
            return FAIL_AT(t, "%s:%d: 桁数 %d differs from the codes of %s (%d)", f, ln, it->length,
                           ct->id, ct->length);
        if (it->fixed && !it->length)
            return FAIL_AT(t, "%s:%d: 固定 needs a 桁数", f, ln);
    } else {
        if (t->cell_len[6] != 0)
            return FAIL_AT(t, "%s:%d: only a コード item has a コード表", f, ln);
        it->code_table = "";
    }

    /* checks */
    const char *c = t->cell[7], *end = c + t->cell_len[7];
    while (c < end) {
        const char *comma = memchr(c, ',', (size_t)(end - c));
        const char *we = comma ? comma : end;
        int w = find_word(checks, sizeof checks / sizeof checks[0], c, (size_t)(we - c));
        if (w < 0)
            return FAIL_AT(t,
                           "%s:%d: 検査 \"%.*s\" is unknown (宛名番号, 住民票コード, 個人番号, "
                           "法人番号, 団体コード, 不詳可)",
                           f, ln, mig_cut(c, (size_t)(we - c), 40), c);
        if (w == CHECK_UNKNOWN_OK) {
            if (it->type != MIG_DATE)
                return FAIL_AT(t, "%s:%d: 不詳可 is for 日付 items only", f, ln);
            if (it->unknown_ok)
                return FAIL_AT(t, "%s:%d: 不詳可 given twice", f, ln);
            it->unknown_ok = true;
        } else {
            if (it->type != MIG_DIGITS)
                return FAIL_AT(t, "%s:%d: a check digit rule is for 数字 items only", f, ln);
            if (it->check != MIG_CHECK_NONE)
                return FAIL_AT(t, "%s:%d: at most one check digit rule", f, ln);
            it->check = (enum mig_check)w;
            int need = check_digits(it->check);
            if (it->length < need)
                return FAIL_AT(t, "%s:%d: 桁数 %d is too short for the check (%d digits)", f, ln,
                               it->length, need);
        }
        c = comma ? comma + 1 : end;
        if (comma && c == end)
            return FAIL_AT(t, "%s:%d: 検査 ends with ','", f, ln);
    }

    if (t->cell_len[8] && !binding_ok(t->cell[8], t->cell_len[8]))
        return FAIL_AT(t, "%s:%d: kyodo名 must be [a-z][a-z0-9_]*, at most 63 characters", f, ln);
    if (!(it->name = dup_cell(ld, t, 1)) || !(it->binding = dup_cell(ld, t, 8)))
        return -1;
    return 0;
}

static int load_items(struct loader *ld, struct file_def *fd)
{
    static const char *const cols[] = {"項番", "項目名",   "型",   "桁数",    "固定",
                                       "必須", "コード表", "検査", "kyodo名", "説明"};
    char rel[64];
    snprintf(rel, sizeof rel, "items/%s.tsv", fd->f.id);
    struct text tx;
    if (read_file(ld, rel, false, &tx) < 0)
        return -1;
    char *file = arena_strndup(&ld->l->a, rel, strlen(rel));
    if (!file) {
        free(tx.data);
        return kd_fail(ld->e, KD_TOO_LONG, rel, "the layout is too large");
    }
    struct tsv t;
    int cap = 0, rc = tsv_open(&t, file, tx.data, tx.len, cols, 10, ld->e);
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        if (fd->f.n_items >= MAX_ITEMS) {
            rc = kd_fail(ld->e, KD_TOO_LONG, file, "%s:%d: more than %d items", file, t.line,
                         MAX_ITEMS);
            break;
        }
        if (fd->f.n_items == cap) {
            int ncap = cap ? cap * 2 : 32;
            struct mig_item *ni = arena_alloc(&ld->l->a, sizeof *ni * (size_t)ncap);
            if (!ni) {
                rc = kd_fail(ld->e, KD_TOO_LONG, file, "the layout is too large");
                break;
            }
            if (fd->f.n_items)
                memcpy(ni, fd->items, sizeof *ni * (size_t)fd->f.n_items);
            fd->items = ni;
            cap = ncap;
        }
        struct mig_item *it = &fd->items[fd->f.n_items];
        if (parse_item(ld, &t, it, fd->f.n_items) < 0) {
            rc = -1;
            break;
        }
        for (int i = 0; i < fd->f.n_items; i++) {
            if (strcmp(fd->items[i].name, it->name) == 0) {
                rc = kd_fail(ld->e, KD_CONFLICT, file, "%s:%d: 項目名 %s is also item %d", file,
                             t.line, it->name, i + 1);
                break;
            }
            if (it->binding[0] && strcmp(fd->items[i].binding, it->binding) == 0) {
                rc = kd_fail(ld->e, KD_CONFLICT, file, "%s:%d: kyodo名 %s is also item %d", file,
                             t.line, it->binding, i + 1);
                break;
            }
        }
        if (rc < 0)
            break;
        fd->f.n_items++;
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    if (fd->f.n_items == 0)
        return kd_fail(ld->e, KD_INVALID_VALUE, file, "%s: no items", file);
    fd->f.items = fd->items;
    return 0;
}

/* Resolves a ','-separated list of item names of fd into indexes. */
static int resolve_items(struct loader *ld, const struct file_def *fd, const char *list, size_t len,
                         const char *where, int line, int **out, int *n)
{
    int count = 1;
    for (size_t i = 0; i < len; i++)
        count += list[i] == ',';
    if (len == 0)
        return kd_fail(ld->e, KD_MISSING_FIELD, where, "%s:%d: no items given", where, line);
    int *idx = arena_alloc(&ld->l->a, sizeof *idx * (size_t)count);
    if (!idx)
        return kd_fail(ld->e, KD_TOO_LONG, where, "the layout is too large");
    const char *c = list, *end = list + len;
    for (int k = 0; k < count; k++) {
        const char *comma = memchr(c, ',', (size_t)(end - c));
        const char *we = comma ? comma : end;
        size_t wl = (size_t)(we - c);
        idx[k] = -1;
        for (int i = 0; i < fd->f.n_items; i++)
            if (strlen(fd->items[i].name) == wl && memcmp(fd->items[i].name, c, wl) == 0)
                idx[k] = i;
        if (idx[k] < 0)
            return kd_fail(ld->e, KD_INVALID_VALUE, where, "%s:%d: %.*s is not an item of %s",
                           where, line, mig_cut(c, wl, 100), c, fd->f.id);
        for (int j = 0; j < k; j++)
            if (idx[j] == idx[k])
                return kd_fail(ld->e, KD_INVALID_VALUE, where, "%s:%d: %.*s is named twice", where,
                               line, mig_cut(c, wl, 100), c);
        c = we + 1;
    }
    *out = idx;
    *n = count;
    return 0;
}

static struct file_def *file_by_id(struct loader *ld, const char *s, size_t n)
{
    for (int i = 0; i < ld->n_files; i++)
        if (strlen(ld->files[i].f.id) == n && memcmp(ld->files[i].f.id, s, n) == 0)
            return &ld->files[i];
    return NULL;
}

static int load_files(struct loader *ld)
{
    static const char *const cols[] = {"ファイルID", "ファイル名", "物理ファイル名", "キー項目",
                                       "説明"};
    struct text tx;
    if (read_file(ld, "files.tsv", false, &tx) < 0)
        return -1;
    struct tsv t;
    int rc = tsv_open(&t, "files.tsv", tx.data, tx.len, cols, 5, ld->e);
    ld->files = arena_zalloc(&ld->l->a, sizeof *ld->files * MAX_FILES);
    if (!ld->files && rc == 0)
        rc = kd_fail(ld->e, KD_INTERNAL, NULL, "out of memory");
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        if (ld->n_files >= MAX_FILES) {
            rc = kd_fail(ld->e, KD_TOO_LONG, "files.tsv", "files.tsv:%d: more than %d files",
                         t.line, MAX_FILES);
            break;
        }
        if (!id_ok(t.cell[0], t.cell_len[0])) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "files.tsv",
                         "files.tsv:%d: ファイルID must be 1-31 of [A-Za-z0-9_]", t.line);
            break;
        }
        struct file_def *dup = file_by_id(ld, t.cell[0], t.cell_len[0]);
        if (dup) {
            rc = kd_fail(ld->e, KD_CONFLICT, "files.tsv",
                         "files.tsv:%d: ファイルID %s is given twice (line %d)", t.line, dup->f.id,
                         dup->line);
            break;
        }
        if (t.cell_len[1] == 0 || text_utf8_chars(t.cell[1], t.cell_len[1]) > NAME_CHARS) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "files.tsv",
                         "files.tsv:%d: ファイル名 must be 1-%d characters", t.line, NAME_CHARS);
            break;
        }
        if (!phys_ok(t.cell[2], t.cell_len[2])) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "files.tsv",
                         "files.tsv:%d: 物理ファイル名 must be 1-63 of [A-Za-z0-9._-], not "
                         "starting with '.'",
                         t.line);
            break;
        }
        for (int i = 0; i < ld->n_files && rc == 0; i++)
            if (strlen(ld->files[i].f.path) == t.cell_len[2] &&
                strncasecmp(ld->files[i].f.path, t.cell[2], t.cell_len[2]) == 0)
                rc = kd_fail(ld->e, KD_CONFLICT, "files.tsv",
                             "files.tsv:%d: 物理ファイル名 %s is also line %d's", t.line,
                             ld->files[i].f.path, ld->files[i].line);
        if (rc < 0)
            break;
        if (t.cell_len[3] == 0) {
            rc = kd_fail(ld->e, KD_MISSING_FIELD, "files.tsv", "files.tsv:%d: キー項目 is empty",
                         t.line);
            break;
        }
        struct file_def *fd = &ld->files[ld->n_files];
        fd->line = t.line;
        fd->f.parent = "";
        fd->f.ref_items = "";
        if (!(fd->f.id = dup_cell(ld, &t, 0)) || !(fd->f.name = dup_cell(ld, &t, 1)) ||
            !(fd->f.path = dup_cell(ld, &t, 2)) || !(fd->f.key_items = dup_cell(ld, &t, 3))) {
            rc = -1;
            break;
        }
        ld->n_files++;
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    if (ld->n_files == 0)
        return kd_fail(ld->e, KD_INVALID_VALUE, "files.tsv", "files.tsv: no files");
    for (int i = 0; i < ld->n_files; i++) {
        struct file_def *fd = &ld->files[i];
        if (load_items(ld, fd) < 0)
            return -1;
        int *keys, nk;
        if (resolve_items(ld, fd, fd->f.key_items, strlen(fd->f.key_items), "files.tsv", fd->line,
                          &keys, &nk) < 0)
            return -1;
        fd->f.keys = keys;
        fd->f.n_keys = nk;
    }
    /* Every items/ file is listed. */
    char **names = NULL;
    int n = 0;
    if (ld->src->list_items(ld->src->ctx, &names, &n, ld->e) < 0)
        return -1;
    int bad = -1;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        bool found = nl > 4 && strcmp(names[i] + nl - 4, ".tsv") == 0 &&
                     file_by_id(ld, names[i], nl - 4) != NULL;
        if (!found && bad < 0)
            bad = i;
    }
    if (bad >= 0) {
        const char *nm = names[bad];
        size_t nl = strlen(nm);
        if (text_utf8_valid(nm, nl, NULL) && !text_has_control(nm, nl, false))
            kd_fail(ld->e, KD_INVALID_VALUE, "items", "items/%.*s: its file is not in files.tsv",
                    mig_cut(nm, nl, 60), nm);
        else
            kd_fail(ld->e, KD_INVALID_VALUE, "items",
                    "items/: a file whose name is not printable UTF-8 is not in files.tsv");
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return bad >= 0 ? -1 : 0;
}

static int load_relations(struct loader *ld)
{
    static const char *const cols[] = {"ファイルID", "親ファイルID", "参照項目", "親キー項目"};
    struct text tx;
    int rc = read_file(ld, "relations.tsv", true, &tx);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    struct tsv t;
    rc = tsv_open(&t, "relations.tsv", tx.data, tx.len, cols, 4, ld->e);
    while (rc == 0 && (rc = tsv_next(&t, ld->e)) == 1) {
        rc = 0;
        struct file_def *child = file_by_id(ld, t.cell[0], t.cell_len[0]);
        struct file_def *parent = file_by_id(ld, t.cell[1], t.cell_len[1]);
        if (!child || !parent) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "relations.tsv",
                         "relations.tsv:%d: %s %.*s is not in files.tsv", t.line,
                         !child ? "ファイルID" : "親ファイルID",
                         !child ? mig_cut(t.cell[0], t.cell_len[0], 31)
                                : mig_cut(t.cell[1], t.cell_len[1], 31),
                         !child ? t.cell[0] : t.cell[1]);
            break;
        }
        if (child == parent) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "relations.tsv",
                         "relations.tsv:%d: %s refers to itself (a parent cycle)", t.line,
                         child->f.id);
            break;
        }
        struct mig_ref r = {.parent = parent->f.id, .line = t.line};
        int *items, *pk, n, pn;
        const int *pitems;
        if (resolve_items(ld, child, t.cell[2], t.cell_len[2], "relations.tsv", t.line, &items,
                          &n) < 0) {
            rc = -1;
            break;
        }
        if (t.cell_len[3] == 0) {
            pitems = parent->f.keys;
            pn = parent->f.n_keys;
        } else if (resolve_items(ld, parent, t.cell[3], t.cell_len[3], "relations.tsv", t.line, &pk,
                                 &pn) < 0) {
            rc = -1;
            break;
        } else {
            pitems = pk;
        }
        if (n != pn) {
            rc = kd_fail(ld->e, KD_INVALID_VALUE, "relations.tsv",
                         "relations.tsv:%d: %d 参照項目 but %d 親キー項目", t.line, n, pn);
            break;
        }
        for (int i = 0; i < child->n_refs; i++)
            if (strcmp(child->refs[i].parent, parent->f.id) == 0 && child->refs[i].n == n &&
                memcmp(child->refs[i].items, items, sizeof *items * (size_t)n) == 0) {
                rc = kd_fail(ld->e, KD_CONFLICT, "relations.tsv",
                             "relations.tsv:%d: the same reference as line %d", t.line,
                             child->refs[i].line);
                break;
            }
        if (rc < 0)
            break;
        r.items = items;
        r.parent_items = pitems;
        r.n = n;
        if (child->n_refs == child->refs_cap) {
            int ncap = child->refs_cap ? child->refs_cap * 2 : 4;
            struct mig_ref *nr = arena_alloc(&ld->l->a, sizeof *nr * (size_t)ncap);
            if (!nr) {
                rc = kd_fail(ld->e, KD_TOO_LONG, "relations.tsv", "the layout is too large");
                break;
            }
            if (child->n_refs)
                memcpy(nr, child->refs, sizeof *nr * (size_t)child->n_refs);
            child->refs = nr;
            child->refs_cap = ncap;
        }
        child->refs[child->n_refs++] = r;
    }
    free(tx.data);
    if (rc < 0)
        return -1;
    /* refs[0] as parent / ref_items (names joined with ','). */
    for (int i = 0; i < ld->n_files; i++) {
        struct file_def *fd = &ld->files[i];
        fd->f.n_refs = fd->n_refs;
        fd->f.refs = fd->refs;
        if (!fd->n_refs)
            continue;
        fd->f.parent = fd->refs[0].parent;
        size_t len = 0;
        for (int k = 0; k < fd->refs[0].n; k++)
            len += strlen(fd->items[fd->refs[0].items[k]].name) + 1;
        char *s = arena_alloc(&ld->l->a, len + 1);
        if (!s)
            return kd_fail(ld->e, KD_TOO_LONG, "relations.tsv", "the layout is too large");
        s[0] = '\0';
        size_t w = 0;
        for (int k = 0; k < fd->refs[0].n; k++) {
            const char *nm = fd->items[fd->refs[0].items[k]].name;
            if (k)
                s[w++] = ',';
            memcpy(s + w, nm, strlen(nm));
            w += strlen(nm);
        }
        s[w] = '\0';
        fd->f.ref_items = s;
    }
    return 0;
}

/* Orders the files parents first (files.tsv order among the ready ones);
 * a cycle is an error naming one of its references. */
static int order_files(struct loader *ld)
{
    int n = ld->n_files;
    int placed = 0;
    bool *done = arena_zalloc(&ld->l->a, sizeof *done * (size_t)n);
    struct mig_file *out = arena_alloc(&ld->l->a, sizeof *out * (size_t)n);
    if (!done || !out)
        return kd_fail(ld->e, KD_TOO_LONG, "files.tsv", "the layout is too large");
    while (placed < n) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            if (done[i])
                continue;
            bool ready = true;
            for (int k = 0; k < ld->files[i].n_refs && ready; k++) {
                struct file_def *p = file_by_id(ld, ld->files[i].refs[k].parent,
                                                strlen(ld->files[i].refs[k].parent));
                ready = done[p - ld->files];
            }
            if (ready)
                pick = i;
        }
        if (pick < 0) {
            /* Every file left waits for another one left: a cycle. */
            for (int i = 0; i < n; i++)
                if (!done[i] && ld->files[i].n_refs)
                    return kd_fail(ld->e, KD_INVALID_VALUE, "relations.tsv",
                                   "relations.tsv:%d: a parent cycle through %s and %s",
                                   ld->files[i].refs[0].line, ld->files[i].f.id,
                                   ld->files[i].refs[0].parent);
            return kd_fail(ld->e, KD_INTERNAL, "relations.tsv", "relations.tsv: a parent cycle");
        }
        done[pick] = true;
        out[placed++] = ld->files[pick].f;
    }
    ld->l->pub.files = out;
    ld->l->pub.n_files = n;
    return 0;
}

int mig_layout_parse(const char *name, const struct mig_src *src, struct mig_layout **out,
                     struct kd_err *e)
{
    *out = NULL;
    if (!mig_name_ok(name))
        return kd_fail(e, KD_INVALID_VALUE, "layout", "a layout name is 1-31 of [a-z0-9_-]");
    struct layout_impl *l = calloc(1, sizeof *l);
    if (!l)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    arena_init(&l->a, NULL, 0, (size_t)256 << 20);
    l->pub.name = "";
    struct loader ld = {.l = l, .src = src, .e = e};
    if (load_head(&ld, name) < 0 || load_codes(&ld) < 0 || load_files(&ld) < 0 ||
        load_relations(&ld) < 0 || order_files(&ld) < 0) {
        mig_layout_free(&l->pub);
        return -1;
    }
    *out = &l->pub;
    return 0;
}

/* ---- the file system -------------------------------------------------------------- */

struct fs_ctx {
    char dir[4096];
};

static int fs_read(void *ctx, const char *rel, char **data, size_t *len, struct kd_err *e)
{
    struct fs_ctx *c = ctx;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", c->dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        return kd_fail(e, KD_INTERNAL, rel, "%s: cannot read: %s", rel, strerror(errno));
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > (size_t)8 << 20)
                break;
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (!buf || err || n == cap) {
        free(buf);
        return kd_fail(e, err ? KD_INTERNAL : KD_TOO_LONG, rel, "%s: %s", rel,
                       err ? "read error" : "too large");
    }
    *data = buf;
    *len = n;
    return 0;
}

static int fs_list(void *ctx, char ***names, int *n, struct kd_err *e)
{
    struct fs_ctx *c = ctx;
    char path[4200];
    snprintf(path, sizeof path, "%s/items", c->dir);
    *names = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0
                               : kd_fail(e, KD_INTERNAL, "items", "items/: %s", strerror(errno));
    int cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (*n >= 10000) {
            rc = kd_fail(e, KD_TOO_LONG, "items", "items/: too many files");
            break;
        }
        if (*n == cap) {
            int ncap = cap ? cap * 2 : 16;
            char **nn = realloc(*names, sizeof *nn * (size_t)ncap);
            if (!nn) {
                rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                break;
            }
            *names = nn;
            cap = ncap;
        }
        if (!((*names)[*n] = strdup(de->d_name))) {
            rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    return rc;
}

int mig_layout_load(const char *root, const char *name, struct mig_layout **out, struct kd_err *e)
{
    *out = NULL;
    if (!mig_name_ok(name))
        return kd_fail(e, KD_INVALID_VALUE, "layout", "a layout name is 1-31 of [a-z0-9_-]");
    struct fs_ctx ctx;
    int k = snprintf(ctx.dir, sizeof ctx.dir, "%s/%s", root, name);
    if (k < 0 || (size_t)k >= sizeof ctx.dir)
        return kd_fail(e, KD_INVALID_VALUE, "layout", "the layouts folder's path is too long");
    struct stat st;
    if (stat(ctx.dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return kd_fail(e, KD_NOT_FOUND, "layout", "there is no layout %s", name);
    struct mig_src src = {.read = fs_read, .list_items = fs_list, .ctx = &ctx};
    if (mig_layout_parse(name, &src, out, e) < 0) {
        size_t m = strlen(e->message);
        snprintf(e->message + m, sizeof e->message - m, " (layout %s)", name);
        return -1;
    }
    return 0;
}

void mig_layout_free(struct mig_layout *l)
{
    if (!l)
        return;
    struct layout_impl *li = (struct layout_impl *)l;
    arena_release(&li->a);
    free(li);
}

const struct mig_file *mig_layout_file(const struct mig_layout *l, const char *id)
{
    for (int i = 0; i < l->n_files; i++)
        if (strcmp(l->files[i].id, id) == 0)
            return &l->files[i];
    return NULL;
}

const struct mig_item *mig_file_item(const struct mig_file *f, const char *binding)
{
    if (!binding[0])
        return NULL;
    for (int i = 0; i < f->n_items; i++)
        if (strcmp(f->items[i].binding, binding) == 0)
            return &f->items[i];
    return NULL;
}

bool mig_code_ok(const struct mig_layout *l, const char *table, const char *code,
                 const char **label)
{
    const struct code_table *ct = table_find((const struct layout_impl *)l, table, strlen(table));
    if (!ct)
        return false;
    int lo = 0, hi = ct->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(ct->codes[mid].code, code);
        if (c == 0) {
            if (label)
                *label = ct->codes[mid].label;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

const char *mig_code_table_name(const struct mig_layout *l, const char *table)
{
    const struct code_table *ct = table_find((const struct layout_impl *)l, table, strlen(table));
    return ct ? ct->name : NULL;
}
