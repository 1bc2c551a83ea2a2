/*
 * config.c — INI configuration through inih, table-driven.
 */
#include "engine/config.h"

#include "base/text.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_INT, K_I64, K_BOOL };

struct key {
    const char *section, *name;
    enum kind kind;
    size_t offset, size; /* size: buffer size for K_STR */
    int64_t min, max;
    bool reload; /* applied by a reload (SIGHUP); otherwise needs a restart */
};

#define KSTR(sec, n, f, r)                                                                     \
    {sec, n, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, r}
#define KNUM(sec, n, kind, f, lo, hi, r) {sec, n, kind, offsetof(struct config, f), 0, lo, hi, r}
#define STR(sec, f) KSTR(sec, #f, f, false)
#define INT(sec, f, lo, hi) KNUM(sec, #f, K_INT, f, lo, hi, false)
#define I64(sec, f, lo, hi) KNUM(sec, #f, K_I64, f, lo, hi, false)
#define BOOL(sec, f) KNUM(sec, #f, K_BOOL, f, 0, 1, false)
/* Keys a reload (SIGHUP) applies; every other key needs a restart. */
#define RSTR(sec, f) KSTR(sec, #f, f, true)
#define RINT(sec, f, lo, hi) KNUM(sec, #f, K_INT, f, lo, hi, true)
#define RI64(sec, f, lo, hi) KNUM(sec, #f, K_I64, f, lo, hi, true)
#define RBOOL(sec, f) KNUM(sec, #f, K_BOOL, f, 0, 1, true)

static const struct key keys[] = {
    STR("server", listen),
    INT("server", port, 0, 65535),
    INT("server", threads, 1, 256),
    STR("server", web_dir),
    RI64("server", max_body_bytes, 1024, 1LL << 30),
    I64("server", max_header_bytes, 4096, 1 << 20),
    INT("server", max_connections, 1, 100000),
    INT("server", max_connections_per_ip, 0, 100000),
    INT("server", connection_timeout, 1, 3600),
    RINT("server", shutdown_grace, 0, 600),
    BOOL("server", secure_cookies),
    RBOOL("server", access_log),
    RBOOL("server", trust_request_id),
    RSTR("server", log_level),
    STR("store", data_dir),
    STR("store", store),
    RINT("session", idle_timeout, 1, 86400),
    RINT("session", max_lifetime, 60, 7 * 86400),
    RINT("session", lockout_threshold, 1, 100),
    RINT("session", lockout_seconds, 1, 86400),
    RINT("session", password_min_length, 8, 128),
    INT("session", hash_concurrency, 1, 64),
    {.section = "backup", .name = "dir", .kind = K_STR,
     .offset = offsetof(struct config, backup_dir),
     .size = sizeof(((struct config *)0)->backup_dir)},
    {.section = "backup", .name = "interval", .kind = K_INT,
     .offset = offsetof(struct config, backup_interval), .max = 7 * 86400},
    {.section = "backup", .name = "keep", .kind = K_INT,
     .offset = offsetof(struct config, backup_keep), .min = 1, .max = 100000},
    KSTR("metrics", "listen", metrics_listen, false),
    KNUM("metrics", "port", K_INT, metrics_port, 0, 65535, false),
    KSTR("metrics", "token", metrics_token, true),
    RINT("metrics", town_stats_interval, 10, 86400),
    STR("migration", layouts_dir),
    I64("migration", max_upload_bytes, 1024, 1LL << 40),
    I64("migration", max_unpacked_bytes, 1024, 1LL << 42),
    INT("migration", retention_hours, 1, 24 * 366),
};

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1");
    c->port = 8080;
    c->threads = 4;
    snprintf(c->web_dir, sizeof c->web_dir, "./web");
    c->max_body_bytes = 1 << 20;
    c->max_header_bytes = 16 << 10;
    c->max_connections = 512;
    c->max_connections_per_ip = 0;
    c->connection_timeout = 30;
    c->shutdown_grace = 10;
    c->secure_cookies = false;
    c->access_log = true;
    snprintf(c->log_level, sizeof c->log_level, "info");
    snprintf(c->data_dir, sizeof c->data_dir, "./data");
    c->idle_timeout = 1800;
    c->max_lifetime = 43200;
    c->lockout_threshold = 5;
    c->lockout_seconds = 900;
    c->password_min_length = 10;
    c->hash_concurrency = 2;
    c->backup_keep = 24;
    c->metrics_port = 9464;
    c->town_stats_interval = 60;
    snprintf(c->layouts_dir, sizeof c->layouts_dir, "./layouts");
    c->max_upload_bytes = 1LL << 30;
    c->max_unpacked_bytes = 8LL << 30;
    c->retention_hours = 168;
}

/* Debian's inih is built without line numbers in the handler, so the text
 * is fed through ini_parse_stream() by a reader that counts lines. */
struct parse_ctx {
    struct config *c;
    struct kd_err *err;
    bool failed;
    const char *text;
    size_t len, pos;
    int line;
};

static char *read_line(char *buf, int size, void *stream)
{
    struct parse_ctx *p = stream;
    if (p->pos >= p->len || size < 2)
        return NULL;
    size_t n = 0;
    while (p->pos < p->len && n < (size_t)size - 1) {
        char ch = p->text[p->pos++];
        buf[n++] = ch;
        if (ch == '\n')
            break;
    }
    buf[n] = '\0';
    p->line++;
    return buf;
}

static int set_value(struct parse_ctx *p, const struct key *k, const char *value, int line)
{
    char *dst = (char *)p->c + k->offset;
    size_t len = strlen(value);
    switch (k->kind) {
    case K_STR:
        if (len >= k->size || text_has_control(value, len, false))
            return kd_fail(p->err, KD_INVALID_VALUE, k->name,
                           "line %d: %s must be at most %zu printable bytes", line, k->name,
                           k->size - 1);
        memcpy(dst, value, len + 1);
        return 0;
    case K_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
            *(bool *)dst = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                 strcmp(value, "0") == 0)
            *(bool *)dst = false;
        else
            return kd_fail(p->err, KD_INVALID_VALUE, k->name,
                           "line %d: %s must be true or false", line, k->name);
        return 0;
    case K_INT:
    case K_I64: {
        int64_t v;
        if (!text_parse_i64(value, len, k->min, k->max, &v))
            return kd_fail(p->err, KD_INVALID_VALUE, k->name,
                           "line %d: %s must be an integer from %lld to %lld", line, k->name,
                           (long long)k->min, (long long)k->max);
        if (k->kind == K_INT)
            *(int *)dst = (int)v;
        else
            *(int64_t *)dst = v;
        return 0;
    }
    }
    return -1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *p = user;
    int line = p->line;
    if (p->failed)
        return 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) {
            if (set_value(p, &keys[i], value, line) < 0) {
                p->failed = true;
                return 0;
            }
            return 1;
        }
    }
    kd_fail(p->err, KD_UNKNOWN_FIELD, name, "line %d: unknown key [%.32s] %.64s", line, section,
            name);
    p->failed = true;
    return 0;
}

static int finish(struct parse_ctx *p, int rc, const char *what)
{
    if (p->failed)
        return -1;
    if (rc > 0)
        return kd_fail(p->err, KD_INVALID_VALUE, NULL, "%s: syntax error on line %d", what, rc);
    if (rc < 0)
        return kd_fail(p->err, KD_INTERNAL, NULL, "%s: out of memory", what);
    return 0;
}

int config_parse(struct config *c, const char *text, size_t len, struct kd_err *err)
{
    struct parse_ctx p = {.c = c, .err = err, .text = text, .len = len};
    int rc = ini_parse_stream(read_line, &p, on_entry, &p);
    if (finish(&p, rc, "configuration") < 0)
        return -1;
    return config_check(c, err);
}

int config_load(struct config *c, const char *path, struct kd_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kd_fail(err, KD_NOT_FOUND, NULL, "%s: cannot read: %s", path, strerror(errno));
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool too_big = n == sizeof buf && !feof(f);
    fclose(f);
    if (too_big)
        return kd_fail(err, KD_TOO_LONG, NULL, "%s: configuration file over 64 KiB", path);
    if (config_parse(c, buf, n, err) < 0) {
        size_t m = strlen(err->message);
        snprintf(err->message + m, sizeof err->message - m, " (in %s)", path);
        return -1;
    }
    return 0;
}

int config_check(const struct config *c, struct kd_err *err)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    bool ok = false;
    for (size_t i = 0; i < 4; i++)
        ok |= strcmp(c->log_level, levels[i]) == 0;
    if (!ok)
        return kd_fail(err, KD_INVALID_VALUE, "log_level",
                       "log_level must be debug, info, warn or error");
    if (c->idle_timeout > c->max_lifetime)
        return kd_fail(err, KD_INVALID_VALUE, "idle_timeout",
                       "idle_timeout must not exceed max_lifetime");
    if (c->backup_interval > 0 && c->backup_dir[0] == '\0')
        return kd_fail(err, KD_INVALID_VALUE, "dir",
                       "[backup] dir must name a folder when interval is set");
    if (c->data_dir[0] == '\0')
        return kd_fail(err, KD_INVALID_VALUE, "data_dir", "data_dir must not be empty");
    if (c->store[0] && strncmp(c->store, "postgresql://", 13) != 0 &&
        strncmp(c->store, "postgres://", 11) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "store",
                       "store must be a postgresql:// URL (or empty for SQLite files)");
    size_t tok = strlen(c->metrics_token);
    bool tok_ok = tok == 0 || tok >= 16;
    for (size_t i = 0; tok_ok && i < tok; i++)
        tok_ok = c->metrics_token[i] > ' ' && c->metrics_token[i] < 0x7f;
    if (!tok_ok)
        return kd_fail(err, KD_INVALID_VALUE, "token",
                       "[metrics] token must be empty or 16 to 127 visible ASCII characters");
    return 0;
}

void config_diff(const struct config *a, const struct config *b, config_diff_fn fn, void *ctx)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;
        bool same;
        switch (k->kind) {
        case K_STR: same = strcmp(pa, pb) == 0; break;
        case K_INT: same = *(const int *)pa == *(const int *)pb; break;
        case K_I64: same = *(const int64_t *)pa == *(const int64_t *)pb; break;
        default: same = *(const bool *)pa == *(const bool *)pb; break;
        }
        if (!same)
            fn(ctx, k->section, k->name, k->reload);
    }
}

void config_take_reloadable(struct config *dst, const struct config *src)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        if (!k->reload)
            continue;
        size_t n = k->kind == K_STR   ? k->size
                   : k->kind == K_INT ? sizeof(int)
                   : k->kind == K_I64 ? sizeof(int64_t)
                                      : sizeof(bool);
        memcpy((char *)dst + k->offset, (const char *)src + k->offset, n);
    }
}

bool config_key_reloadable(const char *section, const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return keys[i].reload;
    return false;
}

size_t config_key_count(void)
{
    return sizeof keys / sizeof keys[0];
}

void config_key_at(size_t i, const char **section, const char **name, bool *reloadable)
{
    *section = keys[i].section;
    *name = keys[i].name;
    *reloadable = keys[i].reload;
}
