/*
 * migration.c — export and import of a town's data in a migration layout
 * (migration.h): the set's folder and manifest, the transaction, the
 * report, the audit entries; the layouts' own files are the modules'
 * (juki.c, jutogai.c, inkan.c).
 */
#include "migration/internal.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/audit.h"
#include "engine/ident.h"
#include "engine/settings.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct mig_module *const modules[] = {&mig_juki, &mig_jutogai, &mig_inkan};

/* The page cache a run asks of the store (store_cache_hint): an import
 * writes every table of the layout in one transaction, and what no longer
 * fits in the cache is written out and read back (docs/performance.md,
 * "Migration"). Given back when the run ends. */
#define RUN_CACHE_BYTES ((int64_t)512 << 20)

static const struct mig_module *module_of(const char *layout, struct kd_err *e)
{
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        if (layout && strcmp(modules[i]->layout, layout) == 0)
            return modules[i];
    kd_fail(e, KD_INVALID_VALUE, "layout", "layout must be one of juki (住民基本台帳), jutogai "
                                           "(住登外), inkan (印鑑登録)");
    return NULL;
}

/* ---- the context -------------------------------------------------------------------- */

int mig_ctx_file(struct mig_ctx *c, const char *id, const char *path, int64_t rows,
                 const char *sha256, struct kd_err *e)
{
    if (c->n_files == MIG_MAX_FILES)
        return kd_fail(e, KD_INTERNAL, NULL, "a layout has at most %d files", MIG_MAX_FILES);
    struct mig_file_out *f = &c->files[c->n_files++];
    snprintf(f->id, sizeof f->id, "%s", id);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->rows = rows;
    snprintf(f->sha256, sizeof f->sha256, "%s", sha256 ? sha256 : "");
    return 0;
}

enum { MAX_OPEN = 4 };
static _Thread_local struct mig_reader *open_readers[MAX_OPEN];

int mig_progress(struct mig_ctx *c, const char *file, int64_t rows, bool force,
                 struct kd_err *e)
{
    if (!c->o->progress)
        return 0;
    int64_t now = clock_mono_us();
    if (!force && now - c->last_progress_us < 200000)
        return 0;
    c->last_progress_us = now;
    int64_t bytes = c->bytes_done;
    for (int i = 0; i < MAX_OPEN; i++)
        if (open_readers[i])
            bytes += mig_reader_bytes(open_readers[i]);
    if (c->o->progress(c->o->progress_ctx, file, rows, bytes, c->bytes_total) != 0)
        return kd_fail(e, KD_UNAVAILABLE, NULL, "the %s was stopped",
                       c->report ? "import" : "export");
    return 0;
}

void mig_problem(struct mig_ctx *c, const char *file, int64_t line, const char *item,
                 const char *value, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    mig_report_add(c->report, file, line, item, value, reason);
    c->writing = false;
}

int mig_open_reader(struct mig_ctx *c, const struct mig_file *f, struct mig_reader **out,
                    struct kd_err *e)
{
    *out = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", c->dir, f->path);
    if (access(path, F_OK) != 0) {
        mig_problem(c, f->path, 0, "", "", "ファイルがありません（%s %s）", f->id, f->name);
        return 0;
    }
    if (mig_reader_open(out, c->layout, f, c->profile, c->dir, c->report, e) < 0)
        return -1;
    for (int i = 0; i < MAX_OPEN; i++) {
        if (!open_readers[i]) {
            open_readers[i] = *out;
            break;
        }
    }
    /* A bad field of the codec's is a problem too. */
    return 0;
}

int mig_close_reader(struct mig_ctx *c, const struct mig_file *f, struct mig_reader *r,
                     int64_t rows, struct kd_err *e)
{
    if (!r)
        return 0;
    for (int i = 0; i < f->n_items; i++)
        c->dropped += mig_reader_dropped(r, i);
    for (int i = 0; i < MAX_OPEN; i++)
        if (open_readers[i] == r)
            open_readers[i] = NULL;
    c->bytes_done += mig_reader_bytes(r);
    mig_reader_close(r);
    if (mig_ctx_file(c, f->id, f->path, rows, "", e) < 0)
        return -1;
    return mig_progress(c, f->path, rows, true, e);
}

bool mig_number_ok(const struct mig_ctx *c, const char *number)
{
    size_t n = strlen(number);
    if ((int)n != c->number_digits || !text_all_digits(number, n))
        return false;
    int cd = ident_m11_check_digit(number, n - 1, c->m11_zero ? IDENT_M11_R1_ZERO
                                                               : IDENT_M11_R1_SKIP);
    return cd >= 0 && cd == number[n - 1] - '0';
}

#define JST_MS (9 * 3600 * 1000LL)

void mig_instant_split(const char *iso, char date[11], char time[13])
{
    int64_t ms = 0;
    clock_parse_iso(iso, strlen(iso), &ms);
    ms += JST_MS;
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t in_day = ms - days * 86400000;
    int64_t y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    snprintf(date, 11, "%04" PRId64 "-%02u-%02u", y % 10000, m, d);
    snprintf(time, 13, "%02d:%02d:%02d.%03d", (int)(in_day / 3600000),
             (int)(in_day / 60000 % 60), (int)(in_day / 1000 % 60), (int)(in_day % 1000));
}

bool mig_instant_join(const char *date, const char *time, char iso[25])
{
    int64_t day_ms;
    if (strlen(date) != 10 || !clock_parse_iso(date, 10, &day_ms) || strlen(time) != 12)
        return false;
    int v[4];
    static const int at[4] = {0, 3, 6, 9}, len[4] = {2, 2, 2, 3}, max[4] = {23, 59, 59, 999};
    for (int i = 0; i < 4; i++) {
        v[i] = 0;
        for (int k = 0; k < len[i]; k++) {
            char ch = time[at[i] + k];
            if (ch < '0' || ch > '9')
                return false;
            v[i] = v[i] * 10 + (ch - '0');
        }
        if (v[i] > max[i])
            return false;
    }
    if (time[2] != ':' || time[5] != ':' || time[8] != '.')
        return false;
    int64_t ms = day_ms + v[0] * 3600000LL + v[1] * 60000LL + v[2] * 1000LL + v[3] - JST_MS;
    clock_format_iso(ms, iso);
    return true;
}

const struct mig_file *mig_need_file(const struct mig_ctx *c, const char *id, struct kd_err *e)
{
    const struct mig_file *f = mig_layout_file(c->layout, id);
    if (!f)
        kd_fail(e, KD_INVALID_VALUE, "layout",
                "layout %s has no file %s, which kyodo's mapping of it needs", c->layout->name,
                id);
    return f;
}

int mig_bind(const struct mig_file *f, const char *const *names, int n, int *index,
             struct kd_err *e)
{
    for (int b = 0; b < n; b++)
        index[b] = -1;
    for (int i = 0; i < f->n_items; i++) {
        const char *bnd = f->items[i].binding;
        if (!bnd || !bnd[0])
            continue;
        int b = 0;
        while (b < n && strcmp(names[b], bnd) != 0)
            b++;
        if (b == n)
            return kd_fail(e, KD_INVALID_VALUE, "layout",
                           "items/%s.tsv: %s: kyodo名 %s is not a name kyodo knows for this file",
                           f->id, f->items[i].name, bnd);
        index[b] = i;
    }
    return 0;
}

/* ---- kyodo_codes.tsv ---------------------------------------------------------------- */

struct code_entry {
    char *table, *code, *value;
};

struct mig_codes {
    struct code_entry *e;
    int n;
    /* two open-addressing tables of entry indexes + 1: by (table, code), by (table, value) */
    int *by_code, *by_value;
    size_t cap;
};

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
    for (; *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211ull;
    return h;
}

static const struct code_entry *codes_find(const struct mig_codes *c, const char *table,
                                           const char *key, bool by_value)
{
    if (!c || !c->cap)
        return NULL;
    const int *slots = by_value ? c->by_value : c->by_code;
    for (size_t k = hash2(table, key) & (c->cap - 1); slots[k]; k = (k + 1) & (c->cap - 1)) {
        const struct code_entry *x = &c->e[slots[k] - 1];
        if (strcmp(x->table, table) == 0 && strcmp(by_value ? x->value : x->code, key) == 0)
            return x;
    }
    return NULL;
}

static void codes_add(struct mig_codes *c, int i)
{
    const struct code_entry *x = &c->e[i];
    size_t k = hash2(x->table, x->code) & (c->cap - 1);
    while (c->by_code[k])
        k = (k + 1) & (c->cap - 1);
    c->by_code[k] = i + 1;
    k = hash2(x->table, x->value) & (c->cap - 1);
    while (c->by_value[k])
        k = (k + 1) & (c->cap - 1);
    c->by_value[k] = i + 1;
}

const char *mig_codes_value(const struct mig_codes *c, const char *table, const char *code)
{
    const struct code_entry *x = codes_find(c, table, code, false);
    return x ? x->value : NULL;
}

const char *mig_codes_code(const struct mig_codes *c, const char *table, const char *value)
{
    const struct code_entry *x = codes_find(c, table, value, true);
    return x ? x->code : NULL;
}

void mig_codes_free(struct mig_codes *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->e[i].table);
        free(c->e[i].code);
        free(c->e[i].value);
    }
    free(c->e);
    free(c->by_code);
    free(c->by_value);
    free(c);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Splits the next line of text (LF or CRLF) into *line (NUL-terminated, in
 * buf); false at the end. */
static bool next_line(const char **p, const char *end, char *buf, size_t cap, bool *too_long)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    *too_long = n >= cap;
    if (!*too_long) {
        memcpy(buf, *p, n);
        buf[n] = '\0';
        if (n && buf[n - 1] == '\r')
            buf[n - 1] = '\0';
    }
    *p = nl ? nl + 1 : end;
    return true;
}

int mig_codes_parse(const char *text, size_t len, const char *name, const struct mig_layout *l,
                    struct mig_codes **out, struct kd_err *e)
{
    *out = NULL;
    struct mig_codes *c = calloc(1, sizeof *c);
    if (!c)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    char line[2048];
    const char *p = text, *end = text + len;
    int lineno = 0, cap = 0, rc = 0;
    bool header = false, too_long;
    while (rc == 0 && next_line(&p, end, line, sizeof line, &too_long)) {
        lineno++;
        if (too_long) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s:%d: the line is too long", name, lineno);
            break;
        }
        char *q = line;
        if (lineno == 1 && strncmp(q, "\xEF\xBB\xBF", 3) == 0)
            q += 3;
        if (!*q || *q == '#')
            continue;
        if (!text_utf8_valid(q, strlen(q), NULL) || text_has_control(q, strlen(q), true)) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s:%d: not UTF-8 text", name, lineno);
            break;
        }
        char *t1 = strchr(q, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2 || strchr(t2 + 1, '\t')) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s:%d: three columns separated by TAB",
                         name, lineno);
            break;
        }
        *t1 = *t2 = '\0';
        if (!header) {
            if (strcmp(q, "コード表ID") != 0 || strcmp(t1 + 1, "コード") != 0 ||
                strcmp(t2 + 1, "kyodo値") != 0)
                rc = kd_fail(e, KD_INVALID_VALUE, name,
                             "%s:%d: the header row is コード表ID, コード, kyodo値", name, lineno);
            header = true;
            continue;
        }
        const char *table = q, *code = t1 + 1, *value = t2 + 1;
        if (!mig_code_ok(l, table, code, NULL)) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s:%d: not a code of the layout's tables",
                         name, lineno);
            break;
        }
        if (!value[0] || strlen(value) > 100) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s:%d: the kyodo値 is empty or too long",
                         name, lineno);
            break;
        }
        for (int i = 0; i < c->n && rc == 0; i++) {
            if (strcmp(c->e[i].table, table) != 0)
                continue;
            if (strcmp(c->e[i].code, code) == 0 || strcmp(c->e[i].value, value) == 0)
                rc = kd_fail(e, KD_INVALID_VALUE, name,
                             "%s:%d: the table has this code or this kyodo値 already (a code "
                             "and a value go one to one)",
                             name, lineno);
        }
        if (rc)
            break;
        if (c->n == 100000) {
            rc = kd_fail(e, KD_INVALID_VALUE, name, "%s: more than 100,000 codes", name);
            break;
        }
        if (c->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct code_entry *g = realloc(c->e, (size_t)cap * sizeof *g);
            if (!g) {
                rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                break;
            }
            c->e = g;
        }
        struct code_entry *x = &c->e[c->n];
        x->table = dup_n(table, strlen(table));
        x->code = dup_n(code, strlen(code));
        x->value = dup_n(value, strlen(value));
        c->n++;
        if (!x->table || !x->code || !x->value)
            rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    if (rc == 0 && c->n && !header)
        rc = kd_fail(e, KD_INVALID_VALUE, name, "%s: no header row", name);
    if (rc == 0) {
        c->cap = 64;
        while (c->cap < (size_t)c->n * 2)
            c->cap *= 2;
        c->by_code = calloc(c->cap, sizeof *c->by_code);
        c->by_value = calloc(c->cap, sizeof *c->by_value);
        if (!c->by_code || !c->by_value)
            rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        for (int i = 0; rc == 0 && i < c->n; i++)
            codes_add(c, i);
    }
    if (rc) {
        mig_codes_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int mig_codes_load(const char *root, const struct mig_layout *l, struct mig_codes **out,
                   struct kd_err *e)
{
    *out = NULL;
    char path[4096], name[160];
    snprintf(name, sizeof name, "%s/kyodo_codes.tsv", l->name);
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return mig_codes_parse("", 0, name, l, out, e); /* no bindings */
        return kd_fail(e, KD_INTERNAL, name, "%s cannot be read: %s", name, strerror(errno));
    }
    static const size_t max = (size_t)4 << 20;
    char *text = malloc(max + 1);
    size_t len = text ? fread(text, 1, max + 1, fp) : 0;
    fclose(fp);
    int rc;
    if (!text)
        rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    else if (len > max)
        rc = kd_fail(e, KD_INVALID_VALUE, name, "%s is larger than 4 MiB", name);
    else
        rc = mig_codes_parse(text, len, name, l, out, e);
    free(text);
    return rc;
}

/* ---- one run: loading what it needs ------------------------------------------------- */

struct run {
    const struct mig_module *m;
    struct mig_layout *layout;
    struct mig_profile *profile;
    struct mig_codes *codes;
    struct mig_ctx c;
    char now_iso[CLOCK_ISO_LEN];
    char today[DATE_ISO_LEN];
};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

static bool profile_exists(const char *root, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/profiles/%s.conf", root, name);
    return name_ok(name) && access(path, R_OK) == 0;
}

static int run_start(struct run *r, struct store *town, const char *town_code,
                     const struct mig_options *o, const char *dir, struct kd_err *e)
{
    memset(r, 0, sizeof *r);
    if (!(r->m = module_of(o->layout, e)))
        return -1;
    if (!o->layouts_root)
        return kd_fail(e, KD_INVALID_VALUE, "layouts_root", "the layouts folder is not set");
    if (mig_layout_load(o->layouts_root, o->layout, &r->layout, e) < 0 ||
        mig_codes_load(o->layouts_root, r->layout, &r->codes, e) < 0)
        return -1;
    const char *profile = o->profile ? o->profile : "kyodo";
    if (!profile_exists(o->layouts_root, profile))
        return kd_fail(e, KD_INVALID_VALUE, "profile",
                       "profile %s is not one of the profiles under %s/profiles", profile,
                       o->layouts_root);
    if (mig_profile_load(o->layouts_root, profile, &r->profile, e) < 0)
        return -1;
    int64_t now = clock_now_ms();
    clock_format_iso(now, r->now_iso);
    date_format_iso(date_today_japan(now), r->today);
    struct mig_ctx *c = &r->c;
    c->town = town;
    c->town_code = town_code;
    c->root = o->layouts_root;
    c->layout = r->layout;
    c->profile = r->profile;
    c->codes = r->codes;
    c->o = o;
    c->dir = dir;
    c->now_iso = r->now_iso;
    c->today = r->today;
    return 0;
}

static void run_end(struct run *r)
{
    mig_layout_free(r->layout);
    mig_profile_free(r->profile);
    mig_codes_free(r->codes);
    mig_report_free(r->c.report);
    r->layout = NULL;
    r->profile = NULL;
    r->codes = NULL;
    r->c.report = NULL;
}

static int number_rules(struct mig_ctx *c, struct kd_err *e)
{
    struct arena a;
    arena_init(&a, NULL, 0, 4096);
    int64_t digits;
    const char *r1;
    int rc = 0;
    if (settings_get_int(c->town, "residents.number_digits", 10, 4, 15, &digits, e) < 0 ||
        settings_get(c->town, "residents.m11_remainder1", "skip", &r1, &a, e) < 0) {
        rc = -1;
    } else {
        c->number_digits = (int)digits;
        c->m11_zero = strcmp(r1, "zero") == 0;
    }
    arena_release(&a);
    return rc;
}

static int audit(struct mig_ctx *c, const char *action, const char *outcome, const char *detail,
                 struct kd_err *e)
{
    const struct mig_options *o = c->o;
    struct audit_entry a = {
        .user_login = o->actor ? o->actor : "",
        .role = o->role ? o->role : "",
        .action = action,
        .outcome = outcome,
        .purpose = "データ移行",
        .request_id = o->request_id ? o->request_id : "",
        .detail = detail,
    };
    return audit_append(c->town, c->town_code, &a, e);
}

/* ---- export ------------------------------------------------------------------------- */

static int make_out_dir(const char *dir, struct kd_err *e)
{
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return kd_fail(e, KD_INVALID_VALUE, "out", "the folder %s cannot be made: %s", dir,
                       strerror(errno));
    DIR *d = opendir(dir);
    if (!d)
        return kd_fail(e, KD_INVALID_VALUE, "out", "%s is not a folder kyodo can open: %s", dir,
                       strerror(errno));
    struct dirent *de;
    bool empty = true;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = false;
    closedir(d);
    if (!empty)
        return kd_fail(e, KD_CONFLICT, "out",
                       "the folder %s is not empty: an export goes into a new or empty folder",
                       dir);
    return 0;
}

static int write_manifest(const struct run *r, const char *dir, struct kd_err *e)
{
    const struct mig_ctx *c = &r->c;
    json_t *m = json_object(), *files = json_array();
    json_object_set_new(m, "layout", json_string(r->layout->name));
    json_object_set_new(m, "title", json_string(r->layout->title));
    json_object_set_new(m, "version", json_string(r->layout->version));
    json_object_set_new(m, "profile", json_string(mig_profile_name(r->profile)));
    json_object_set_new(m, "town", json_string(c->town_code));
    json_object_set_new(m, "exported_at", json_string(c->now_iso));
    json_object_set_new(m, "generator", json_string("kyodo " KYODO_VERSION));
    for (int i = 0; i < c->n_files; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "id", json_string(c->files[i].id));
        json_object_set_new(f, "path", json_string(c->files[i].path));
        json_object_set_new(f, "rows", json_integer(c->files[i].rows));
        json_object_set_new(f, "sha256", json_string(c->files[i].sha256));
        json_array_append_new(files, f);
    }
    json_object_set_new(m, "files", files);
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    snprintf(tmp, sizeof tmp, "%s.part", path);
    int rc = json_dump_file(m, tmp, JSON_INDENT(2));
    json_decref(m);
    if (rc == 0) {
        FILE *fp = fopen(tmp, "a");
        rc = fp && fputc('\n', fp) != EOF && fclose(fp) == 0 ? 0 : -1;
    }
    if (rc < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return kd_fail(e, KD_INTERNAL, NULL, "manifest.json cannot be written in %s", dir);
    }
    return 0;
}

/* Removes the files an export wrote (after a failure). */
static void remove_written(const struct mig_ctx *c, const char *dir)
{
    char path[4096];
    for (int i = 0; i < c->n_files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, c->files[i].path);
        size_t n = strlen(path);
        if (n && path[n - 1] == '/') {
            /* a folder of pictures: its files, then itself */
            DIR *d = opendir(path);
            struct dirent *de;
            while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                    continue;
                char f[4400];
                snprintf(f, sizeof f, "%s%s", path, de->d_name);
                unlink(f);
            }
            if (d)
                closedir(d);
            rmdir(path);
        } else {
            unlink(path);
        }
    }
}

int migration_export(struct store *town, const char *town_code, const struct mig_options *o,
                     const char *out_dir, struct mig_summary *sum, struct kd_err *e)
{
    memset(sum, 0, sizeof *sum);
    struct run *r = calloc(1, sizeof *r);
    if (!r)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    int rc = -1;
    if (run_start(r, town, town_code, o, out_dir, e) < 0 || make_out_dir(out_dir, e) < 0)
        goto out;
    if (store_cache_hint(town, RUN_CACHE_BYTES, e) < 0 || store_begin_read(town, e) < 0)
        goto out;
    rc = r->m->export_(&r->c, e);
    store_rollback(town);
    store_cache_hint(town, 0, e);
    if (rc == 0)
        rc = write_manifest(r, out_dir, e);
    if (rc < 0) {
        remove_written(&r->c, out_dir);
        goto out;
    }
    sum->n_files = r->c.n_files;
    sum->rows = r->c.rows;
    char detail[300];
    snprintf(detail, sizeof detail, "%s (%s) %s, profile %s: %" PRId64 " rows in %d files",
             r->layout->name, r->layout->title, r->layout->version,
             mig_profile_name(r->profile), sum->rows, sum->n_files);
    rc = audit(&r->c, "migration.export", "ok", detail, e);
out:
    run_end(r);
    free(r);
    return rc;
}

/* ---- the report for machines: entries, and counts without values --------------------- */

static int write_jsonl(const struct mig_report *rep, const char *dir, struct kd_err *e)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/report.jsonl", dir);
    snprintf(tmp, sizeof tmp, "%s.part", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        if (fd >= 0)
            close(fd);
        return kd_fail(e, KD_INTERNAL, "report", "report.jsonl cannot be written: %s",
                       strerror(errno));
    }
    int rc = 0;
    for (int i = 0; i < mig_report_kept(rep) && rc == 0; i++) {
        const char *file, *item, *value, *reason;
        int64_t line;
        mig_report_entry(rep, i, &file, &line, &item, &value, &reason);
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(file ? file : ""));
        json_object_set_new(o, "line", json_integer(line));
        json_object_set_new(o, "item", json_string(item ? item : ""));
        /* a value that is not UTF-8 is not taken by jansson: shown escaped */
        json_t *v = json_string(value ? value : "");
        if (!v) {
            char shown[1024];
            size_t k = 0;
            for (const unsigned char *p = (const unsigned char *)value; *p && k + 5 < sizeof shown;
                 p++)
                k += (size_t)snprintf(shown + k, sizeof shown - k, *p < 0x80 ? "%c" : "\\x%02X",
                                      *p);
            v = json_string(shown);
        }
        json_object_set_new(o, "value", v);
        json_object_set_new(o, "reason", json_string(reason ? reason : ""));
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!text || fprintf(fp, "%s\n", text) < 0)
            rc = -1;
        free(text);
    }
    if (fclose(fp) != 0)
        rc = -1;
    if (rc < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return kd_fail(e, KD_INTERNAL, "report", "report.jsonl cannot be written");
    }
    return 0;
}

/*
 * A reason without the value it may quote: the summary is what the operator
 * reads, who may move a town's data but not see it, and reasons name dates,
 * lengths and positions of the value ("2019年2月30日はありません"). Each run of
 * digits becomes ○ ("○年○月○日はありません"), except the 8 of UTF-8. Returns
 * a string to free, or NULL when out of memory.
 */
static char *value_free(const char *reason)
{
    size_t n = strlen(reason);
    char *out = malloc(n * 3 + 1), *o = out; /* "○" is 3 bytes for 1 or more digits */
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        bool utf8 = i >= 4 && memcmp(reason + i - 4, "UTF-", 4) == 0;
        if (reason[i] >= '0' && reason[i] <= '9' && !utf8) {
            while (i < n && reason[i] >= '0' && reason[i] <= '9')
                i++;
            memcpy(o, "○", 3);
            o += 3;
        } else {
            *o++ = reason[i++];
        }
    }
    *o = '\0';
    return out;
}

static int write_summary(const struct mig_ctx *c, const char *dir, struct kd_err *e)
{
    const struct mig_report *rep = c->report;
    json_t *s = json_object(), *files = json_array(), *reasons = json_object();
    int64_t total = mig_report_count(rep);
    int kept = mig_report_kept(rep);
    json_object_set_new(s, "problems", json_integer(total));
    json_object_set_new(s, "complete", json_boolean(total == kept));
    /* Groups of (file, item, reason), in the order first met. */
    json_t *order = json_array();
    for (int i = 0; i < kept; i++) {
        const char *file, *item, *value, *reason;
        int64_t line;
        mig_report_entry(rep, i, &file, &line, &item, &value, &reason);
        char *key = NULL, *plain = value_free(reason ? reason : "");
        if (!plain || asprintf(&key, "%s\t%s\t%s", file ? file : "", item ? item : "", plain) < 0) {
            free(plain);
            continue;
        }
        json_t *g = json_object_get(reasons, key);
        if (g) {
            json_object_set_new(g, "count",
                                json_integer(json_integer_value(json_object_get(g, "count")) + 1));
        } else {
            g = json_object();
            json_object_set_new(g, "file", json_string(file ? file : ""));
            json_object_set_new(g, "item", json_string(item ? item : ""));
            json_object_set_new(g, "reason", json_string(plain));
            json_object_set_new(g, "count", json_integer(1));
            json_object_set_new(reasons, key, g);
            json_array_append(order, g);
        }
        free(key);
        free(plain);
    }
    for (int i = 0; i < c->n_files; i++) {
        int64_t problems = 0;
        for (int k = 0; k < kept; k++) {
            const char *file, *item, *value, *reason;
            int64_t line;
            mig_report_entry(rep, k, &file, &line, &item, &value, &reason);
            problems += file && strcmp(file, c->files[i].path) == 0;
        }
        json_t *f = json_object();
        json_object_set_new(f, "path", json_string(c->files[i].path));
        json_object_set_new(f, "rows", json_integer(c->files[i].rows));
        json_object_set_new(f, "problems", json_integer(problems));
        json_array_append_new(files, f);
    }
    json_object_set_new(s, "files", files);
    json_object_set_new(s, "reasons", order);
    json_decref(reasons);
    char path[4096];
    snprintf(path, sizeof path, "%s/report-summary.json", dir);
    int rc = json_dump_file(s, path, JSON_INDENT(2));
    json_decref(s);
    if (rc < 0)
        return kd_fail(e, KD_INTERNAL, "report", "report-summary.json cannot be written");
    return 0;
}

int migration_report_read(const char *report_dir, int64_t offset, int limit,
                          mig_report_each_fn each, void *ctx, int64_t *total, struct kd_err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.jsonl", report_dir);
    FILE *fp = fopen(path, "r");
    *total = 0;
    if (!fp)
        return kd_fail(e, KD_NOT_FOUND, "report", "there is no report in %s", report_dir);
    char *line = NULL;
    size_t cap = 0;
    int rc = 0, given = 0;
    while (getline(&line, &cap, fp) > 0) {
        int64_t i = (*total)++;
        if (i < offset || given >= limit || rc)
            continue;
        json_t *o = json_loads(line, 0, NULL);
        if (!o) {
            rc = kd_fail(e, KD_INTERNAL, "report", "report.jsonl line %" PRId64 " is broken",
                         i + 1);
            continue;
        }
        given++;
        if (each(ctx, json_string_value(json_object_get(o, "file")),
                 json_integer_value(json_object_get(o, "line")),
                 json_string_value(json_object_get(o, "item")),
                 json_string_value(json_object_get(o, "value")),
                 json_string_value(json_object_get(o, "reason"))) < 0)
            rc = -1;
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return rc;
}

/* ---- import ------------------------------------------------------------------------- */

/* The manifest of an import set, when there is one: each file's rows and
 * SHA-256, hashed beside the import on the other core. */
struct manifest_file {
    char path[96];
    int64_t rows;
    char sha256[65];
    char actual[65]; /* computed ("" for a folder: the module's) */
    bool missing;
};

struct manifest {
    bool present;
    char layout[32], version[32];
    struct manifest_file f[MIG_MAX_FILES];
    int n;
    const char *dir;
    pthread_t thread;
    bool hashing;
};

static int read_manifest(struct manifest *m, const char *dir, struct kd_err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    m->dir = dir;
    if (access(path, F_OK) != 0)
        return 0;
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return kd_fail(e, KD_INVALID_VALUE, "manifest.json",
                       "manifest.json is not JSON (line %d: %s)", je.line, je.text);
    m->present = true;
    const char *layout = json_string_value(json_object_get(j, "layout"));
    const char *version = json_string_value(json_object_get(j, "version"));
    json_t *files = json_object_get(j, "files");
    int rc = 0;
    if (!layout || !version || !json_is_array(files) ||
        json_array_size(files) > MIG_MAX_FILES) {
        rc = kd_fail(e, KD_INVALID_VALUE, "manifest.json",
                     "manifest.json needs layout, version and files (at most %d)",
                     MIG_MAX_FILES);
    } else {
        snprintf(m->layout, sizeof m->layout, "%s", layout);
        snprintf(m->version, sizeof m->version, "%s", version);
        size_t i;
        json_t *f;
        json_array_foreach(files, i, f) {
            const char *p = json_string_value(json_object_get(f, "path"));
            const char *sha = json_string_value(json_object_get(f, "sha256"));
            json_t *rows = json_object_get(f, "rows");
            if (!p || !sha || !json_is_integer(rows) || strlen(p) >= sizeof m->f[0].path ||
                strlen(sha) != 64 || strstr(p, "..") || p[0] == '/') {
                rc = kd_fail(e, KD_INVALID_VALUE, "manifest.json",
                             "manifest.json: files[%zu] needs path, rows and sha256", i);
                break;
            }
            struct manifest_file *x = &m->f[m->n++];
            snprintf(x->path, sizeof x->path, "%s", p);
            snprintf(x->sha256, sizeof x->sha256, "%s", sha);
            x->rows = json_integer_value(rows);
        }
    }
    json_decref(j);
    return rc;
}

static void *hash_files(void *p)
{
    struct manifest *m = p;
    static const size_t chunk = 1 << 20;
    unsigned char *buf = malloc(chunk);
    for (int i = 0; buf && i < m->n; i++) {
        struct manifest_file *f = &m->f[i];
        size_t n = strlen(f->path);
        if (n && f->path[n - 1] == '/')
            continue; /* a folder: the module hashes it */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", m->dir, f->path);
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            f->missing = true;
            continue;
        }
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        size_t got;
        while ((got = fread(buf, 1, chunk, fp)) > 0)
            crypto_hash_sha256_update(&st, buf, got);
        fclose(fp);
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&st, h);
        for (size_t k = 0; k < sizeof h; k++)
            snprintf(f->actual + 2 * k, 3, "%02x", h[k]);
    }
    free(buf);
    return NULL;
}

/* What the manifest says against what was read. */
static void check_manifest(struct run *r, struct manifest *m)
{
    struct mig_ctx *c = &r->c;
    if (m->hashing) {
        pthread_join(m->thread, NULL);
        m->hashing = false;
    }
    if (!m->present)
        return;
    if (strcmp(m->layout, r->layout->name) != 0 || strcmp(m->version, r->layout->version) != 0)
        mig_problem(c, "manifest.json", 0, "layout", m->layout,
                    "移行セットのレイアウト（%s %s）が取り込むレイアウト（%s %s）と違います",
                    m->layout, m->version, r->layout->name, r->layout->version);
    for (int i = 0; i < m->n; i++) {
        const struct manifest_file *f = &m->f[i];
        const struct mig_file_out *got = NULL;
        for (int k = 0; k < c->n_files; k++)
            if (strcmp(c->files[k].path, f->path) == 0)
                got = &c->files[k];
        if (!got || f->missing) {
            mig_problem(c, "manifest.json", 0, "path", f->path,
                        "manifest.json にあるファイルが読まれていません");
            continue;
        }
        char n[24];
        snprintf(n, sizeof n, "%" PRId64, f->rows);
        if (got->rows != f->rows)
            mig_problem(c, "manifest.json", 0, "rows", n,
                        "%s の行数は %" PRId64 " です（manifest.json と違います）", f->path,
                        got->rows);
        const char *actual = got->sha256[0] ? got->sha256 : f->actual;
        if (strcmp(actual, f->sha256) != 0)
            mig_problem(c, "manifest.json", 0, "sha256", f->sha256,
                        "%s の SHA-256 が manifest.json と違います（%s）: ファイルが変わっています",
                        f->path, actual);
    }
}

static int64_t file_bytes(const struct mig_layout *l, const char *dir)
{
    int64_t total = 0;
    for (int i = 0; i < l->n_files; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, l->files[i].path);
        if (stat(path, &st) == 0)
            total += st.st_size;
    }
    return total;
}

int migration_import(struct store *town, const char *town_code, const struct mig_options *o,
                     const char *in_dir, const char *report_dir, struct mig_summary *sum,
                     struct kd_err *e)
{
    memset(sum, 0, sizeof *sum);
    struct run *r = calloc(1, sizeof *r);
    struct manifest *m = calloc(1, sizeof *m);
    if (!r || !m) {
        free(r);
        free(m);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    int rc = -1;
    struct mig_ctx *c = &r->c;
    if (run_start(r, town, town_code, o, in_dir, e) < 0)
        goto out;
    struct stat st;
    if (stat(in_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        kd_fail(e, KD_NOT_FOUND, "in", "the import set %s is not a folder", in_dir);
        goto out;
    }
    if (!(c->report = mig_report_new())) {
        kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    if (read_manifest(m, in_dir, e) < 0 || number_rules(c, e) < 0)
        goto out;
    c->bytes_total = file_bytes(r->layout, in_dir);
    c->writing = true;
    if (store_cache_hint(town, RUN_CACHE_BYTES, e) < 0 || store_begin_write(town, e) < 0)
        goto out;
    bool has;
    if (r->m->has_data(town, &has, e) < 0) {
        store_rollback(town);
        goto out;
    }
    if (has) {
        store_rollback(town);
        kd_fail(e, KD_CONFLICT, "tenant",
                "town %s already holds %s (%s) data: an import goes only into a town that has "
                "none (nothing was read)",
                town_code, r->layout->title, r->layout->name);
        goto out;
    }
    if (m->present && pthread_create(&m->thread, NULL, hash_files, m) == 0)
        m->hashing = true;
    if (r->m->import_(c, e) < 0) {
        store_rollback(town);
        goto out;
    }
    check_manifest(r, m);
    sum->n_files = c->n_files;
    sum->rows = c->rows;
    sum->problems = mig_report_count(c->report);
    sum->dropped = c->dropped;
    char detail[300];
    snprintf(detail, sizeof detail,
             "%s (%s) %s, profile %s: %" PRId64 " rows in %d files%s; %" PRId64 " problems",
             r->layout->name, r->layout->title, r->layout->version, mig_profile_name(r->profile),
             sum->rows, sum->n_files, o->dry_run ? " (dry run)" : "", sum->problems);
    if (sum->problems == 0 && !o->dry_run) {
        /* The audit entry joins the import's transaction. */
        if (audit(c, "migration.import", "ok", detail, e) < 0 || store_commit(town, e) < 0) {
            store_rollback(town);
            goto out;
        }
    } else {
        store_rollback(town);
        if (audit(c, "migration.import", sum->problems ? "failed" : "ok", detail, e) < 0)
            goto out;
    }
    if (report_dir && ((mkdir(report_dir, 0700) < 0 && errno != EEXIST) ||
                       mig_report_write(c->report, report_dir, e) < 0 ||
                       write_jsonl(c->report, report_dir, e) < 0 ||
                       write_summary(c, report_dir, e) < 0)) {
        if (!e->message[0])
            kd_fail(e, KD_INTERNAL, "report", "the report folder %s cannot be made: %s",
                    report_dir, strerror(errno));
        goto out;
    }
    rc = sum->problems ? 1 : 0;
out:
    if (m->hashing)
        pthread_join(m->thread, NULL);
    if (town) {
        struct kd_err ignored;
        store_cache_hint(town, 0, &ignored);
    }
    free(m);
    run_end(r);
    free(r);
    return rc;
}

int migration_town_has_data(struct store *town, const char *layout, bool *has, struct kd_err *e)
{
    const struct mig_module *m = module_of(layout, e);
    if (!m)
        return -1;
    return m->has_data(town, has, e);
}

int migration_layout_files(const char *layouts_root, const char *layout, char (*paths)[64],
                           int max, struct kd_err *e)
{
    const struct mig_module *m = module_of(layout, e);
    if (!m)
        return -1;
    struct mig_layout *l;
    if (mig_layout_load(layouts_root, layout, &l, e) < 0)
        return -1;
    int n = 0;
    for (int i = 0; i < l->n_files && n < max; i++)
        snprintf(paths[n++], 64, "%s", l->files[i].path);
    if (m->folder && n < max)
        snprintf(paths[n++], 64, "%s", m->folder);
    mig_layout_free(l);
    return n;
}

static int str_order(const void *a, const void *b)
{
    return strcmp(a, b);
}

int migration_profiles(const char *layouts_root, char (*names)[32], int max, struct kd_err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/profiles", layouts_root);
    DIR *d = opendir(path);
    if (!d)
        return kd_fail(e, KD_INTERNAL, "layouts", "%s cannot be read: %s", path, strerror(errno));
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || len - 5 >= 32 || strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        snprintf(names[n], 32, "%.*s", (int)(len - 5), de->d_name);
        if (name_ok(names[n]))
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, str_order);
    return n;
}

int migration_layouts(const char *layouts_root, struct mig_layout_info *out, int max,
                      struct kd_err *e)
{
    int n = 0;
    for (size_t i = 0; i < sizeof modules / sizeof modules[0] && n < max; i++) {
        struct mig_layout *l;
        if (mig_layout_load(layouts_root, modules[i]->layout, &l, e) < 0)
            return -1;
        snprintf(out[n].name, sizeof out[n].name, "%s", l->name);
        snprintf(out[n].title, sizeof out[n].title, "%s", l->title);
        snprintf(out[n].version, sizeof out[n].version, "%s", l->version);
        mig_layout_free(l);
        n++;
    }
    return n;
}
