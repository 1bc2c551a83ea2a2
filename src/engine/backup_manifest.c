/*
 * backup_manifest.c — manifest.json of a backup set (backup_manifest.h),
 * through jansson.
 */
#include "engine/backup_manifest.h"

#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void manifest_init(struct manifest *m)
{
    memset(m, 0, sizeof *m);
}

void manifest_free(struct manifest *m)
{
    free(m->dbs);
    manifest_init(m);
}

struct manifest_db *manifest_add(struct manifest *m, struct kd_err *err)
{
    if (m->count >= MANIFEST_MAX_DATABASES) {
        kd_fail(err, KD_TOO_LONG, "databases", "a backup holds at most %d databases",
                MANIFEST_MAX_DATABASES);
        return NULL;
    }
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct manifest_db *d = realloc(m->dbs, cap * sizeof *d);
        if (!d) {
            kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        m->dbs = d;
        m->cap = cap;
    }
    struct manifest_db *d = &m->dbs[m->count++];
    memset(d, 0, sizeof *d);
    return d;
}

static bool scope_name_ok(const char *s, size_t len)
{
    if (len == 0 || len >= MANIFEST_SCOPE_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

int manifest_add_scope(struct manifest_db *d, const char *name, int version, struct kd_err *err)
{
    if (!scope_name_ok(name, strlen(name)))
        return kd_fail(err, KD_INVALID_VALUE, "schemas",
                       "a scope name is 1 to %d characters of a-z, 0-9 and _",
                       MANIFEST_SCOPE_MAX - 1);
    if (version < 1)
        return kd_fail(err, KD_INVALID_VALUE, "schemas", "scope %s: versions start at 1", name);
    if (manifest_scope_version(d, name))
        return kd_fail(err, KD_INVALID_VALUE, "schemas", "scope %s appears twice", name);
    if (d->scope_count >= MANIFEST_MAX_SCOPES)
        return kd_fail(err, KD_TOO_LONG, "schemas", "at most %d scopes", MANIFEST_MAX_SCOPES);
    struct manifest_scope *s = &d->scopes[d->scope_count++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->version = version;
    return 0;
}

int manifest_scope_version(const struct manifest_db *d, const char *scope)
{
    for (int i = 0; i < d->scope_count; i++)
        if (strcmp(d->scopes[i].name, scope) == 0)
            return d->scopes[i].version;
    return 0;
}

bool manifest_file_name_ok(const char *name, size_t len)
{
    if (len == 0 || len >= MANIFEST_FILE_MAX || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

const struct manifest_db *manifest_town(const struct manifest *m, const char *code)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->dbs[i].kind == MANIFEST_TOWN && strcmp(m->dbs[i].code, code) == 0)
            return &m->dbs[i];
    return NULL;
}

const struct manifest_db *manifest_control(const struct manifest *m)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->dbs[i].kind == MANIFEST_CONTROL)
            return &m->dbs[i];
    return NULL;
}

/* ---- checks shared by writing and reading ------------------------------------ */

static bool iso_ok(const char *s)
{
    int64_t ms;
    return clock_parse_iso(s, strlen(s), &ms);
}

static bool printable(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && text_utf8_valid(s, n, NULL) && !text_has_control(s, n, false);
}

/* Cross-entry rules: unique files and codes, one control database at most,
 * at least one database. */
static int check_whole(const struct manifest *m, struct kd_err *err)
{
    if (!printable(m->kyodo_version, 1, sizeof m->kyodo_version - 1))
        return kd_fail(err, KD_INVALID_VALUE, "kyodo_version", "kyodo_version is missing");
    if (!printable(m->engine, 1, sizeof m->engine - 1))
        return kd_fail(err, KD_INVALID_VALUE, "engine", "engine is missing");
    if (strcmp(m->origin, "command") != 0 && strcmp(m->origin, "scheduled") != 0)
        return kd_fail(err, KD_INVALID_VALUE, "origin", "origin must be command or scheduled");
    if (!iso_ok(m->created_at))
        return kd_fail(err, KD_INVALID_VALUE, "created_at",
                       "created_at must be an instant such as 2026-11-27T03:04:05.678Z");
    if (m->count == 0)
        return kd_fail(err, KD_MISSING_FIELD, "databases", "a backup holds one database or more");
    int controls = 0;
    for (size_t i = 0; i < m->count; i++) {
        const struct manifest_db *d = &m->dbs[i];
        char field[KD_FIELD_MAX];
        snprintf(field, sizeof field, "databases[%zu]", i);
        if (!manifest_file_name_ok(d->file, strlen(d->file)) || strcmp(d->file, MANIFEST_NAME) == 0)
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "file must be a plain file name of [A-Za-z0-9._-] inside the backup");
        if (!iso_ok(d->taken_at))
            return kd_fail(err, KD_INVALID_VALUE, field, "taken_at must be an instant");
        if (d->kind == MANIFEST_CONTROL && ++controls > 1)
            return kd_fail(err, KD_INVALID_VALUE, field, "the control database appears twice");
        if (d->kind == MANIFEST_TOWN) {
            struct kd_err e;
            if (tenant_check_code(d->code, strlen(d->code), &e) < 0 ||
                tenant_check_name(d->name, strlen(d->name), &e) < 0)
                return kd_fail(err, KD_INVALID_VALUE, field, "%s", e.message);
            if (d->audit_entries < 0)
                return kd_fail(err, KD_INVALID_VALUE, field, "audit.entries must be 0 or more");
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->dbs[j].file, d->file) == 0)
                return kd_fail(err, KD_INVALID_VALUE, field, "file %s appears twice", d->file);
            if (d->kind == MANIFEST_TOWN && m->dbs[j].kind == MANIFEST_TOWN &&
                strcmp(m->dbs[j].code, d->code) == 0)
                return kd_fail(err, KD_INVALID_VALUE, field, "town %s appears twice", d->code);
        }
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static json_t *hex_value(const unsigned char *bin, size_t n)
{
    char hex[MANIFEST_HASH_LEN * 2 + 1];
    text_hex(bin, n, hex);
    return json_string(hex);
}

/* json_object_set_new that remembers a failure (out of memory). */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

static json_t *db_json(const struct manifest_db *d, bool *ok)
{
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    put(o, "kind", json_string(d->kind == MANIFEST_TOWN ? "town" : "control"), ok);
    if (d->kind == MANIFEST_TOWN) {
        put(o, "code", json_string(d->code), ok);
        put(o, "name", json_string(d->name), ok);
        put(o, "active", json_boolean(d->active), ok);
    }
    put(o, "file", json_string(d->file), ok);
    put(o, "bytes", json_integer((json_int_t)d->bytes), ok);
    put(o, "sha256", hex_value(d->sha256, MANIFEST_HASH_LEN), ok);
    put(o, "taken_at", json_string(d->taken_at), ok);
    json_t *schemas = json_object();
    for (int i = 0; schemas && i < d->scope_count; i++)
        put(schemas, d->scopes[i].name, json_integer(d->scopes[i].version), ok);
    put(o, "schemas", schemas, ok);
    if (d->kind == MANIFEST_TOWN) {
        json_t *audit = json_object();
        if (audit) {
            put(audit, "entries", json_integer(d->audit_entries), ok);
            put(audit, "head", hex_value(d->audit_head, MANIFEST_HASH_LEN), ok);
        }
        put(o, "audit", audit, ok);
    }
    return o;
}

char *manifest_to_json(const struct manifest *m, size_t *len, struct kd_err *err)
{
    if (check_whole(m, err) < 0)
        return NULL;
    bool ok = true;
    json_t *root = json_object();
    json_t *dbs = json_array();
    if (!root || !dbs)
        ok = false;
    if (root) {
        put(root, "format", json_string(MANIFEST_FORMAT), &ok);
        put(root, "kyodo_version", json_string(m->kyodo_version), &ok);
        put(root, "engine", json_string(m->engine), &ok);
        put(root, "origin", json_string(m->origin), &ok);
        put(root, "created_at", json_string(m->created_at), &ok);
    }
    for (size_t i = 0; dbs && i < m->count; i++) {
        json_t *d = db_json(&m->dbs[i], &ok);
        if (!d || json_array_append_new(dbs, d) != 0)
            ok = false;
    }
    if (root)
        put(root, "databases", dbs, &ok);
    else
        json_decref(dbs);
    char *text = ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory writing the manifest");
        return NULL;
    }
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (!out) {
        free(text);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory writing the manifest");
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    *len = n + 1;
    return out;
}

/* ---- reading ------------------------------------------------------------------ */

struct reader {
    struct kd_err *err;
    char path[KD_FIELD_MAX]; /* the object being read, "" for the root */
};

static void field_of(const struct reader *r, const char *key, char *out, size_t cap)
{
    if (r->path[0])
        snprintf(out, cap, "%s.%s", r->path, key);
    else
        snprintf(out, cap, "%s", key);
}

static int bad(const struct reader *r, const char *key, enum kd_code code, const char *what)
{
    char field[KD_FIELD_MAX];
    field_of(r, key, field, sizeof field);
    return kd_fail(r->err, code, field, "%s %s", field, what);
}

/* Fails on a key that is not in keys (a NULL-terminated list). */
static int only_keys(const struct reader *r, json_t *obj, const char *const *keys)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known) {
            /* The name is the manifest's, not ours: keep it printable. */
            char shown[40];
            size_t n = strlen(key);
            if (n >= sizeof shown || !printable(key, 1, sizeof shown - 1))
                return kd_fail(r->err, KD_UNKNOWN_FIELD, r->path[0] ? r->path : NULL,
                               "%s has an unknown field", r->path[0] ? r->path : "the manifest");
            return bad(r, key, KD_UNKNOWN_FIELD, "is not a field of a kyodo backup manifest");
        }
    }
    return 0;
}

static json_t *need(const struct reader *r, json_t *obj, const char *key, json_type type)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        bad(r, key, KD_MISSING_FIELD, "is missing");
        return NULL;
    }
    if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v))) {
        static const char *const names[] = {"an object",     "an array", "a string",
                                            "an integer",    "a number", "true or false",
                                            "true or false", "null"};
        char what[40];
        snprintf(what, sizeof what, "must be %s", names[type]);
        bad(r, key, KD_WRONG_TYPE, what);
        return NULL;
    }
    return v;
}

static int get_str(const struct reader *r, json_t *obj, const char *key, char *out, size_t cap,
                   size_t min)
{
    json_t *v = need(r, obj, key, JSON_STRING);
    if (!v)
        return -1;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap || n < min || strlen(s) != n || !printable(s, min, cap - 1)) {
        char what[64];
        snprintf(what, sizeof what, "must be %zu to %zu printable bytes", min, cap - 1);
        return bad(r, key, n >= cap ? KD_TOO_LONG : KD_INVALID_VALUE, what);
    }
    memcpy(out, s, n + 1);
    return 0;
}

static int get_int(const struct reader *r, json_t *obj, const char *key, int64_t min, int64_t max,
                   int64_t *out)
{
    json_t *v = need(r, obj, key, JSON_INTEGER);
    if (!v)
        return -1;
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        char what[80];
        snprintf(what, sizeof what, "must be from %lld to %lld", (long long)min, (long long)max);
        return bad(r, key, KD_INVALID_VALUE, what);
    }
    *out = (int64_t)n;
    return 0;
}

static int get_hash(const struct reader *r, json_t *obj, const char *key,
                    unsigned char out[MANIFEST_HASH_LEN])
{
    char hex[MANIFEST_HASH_LEN * 2 + 1];
    if (get_str(r, obj, key, hex, sizeof hex, MANIFEST_HASH_LEN * 2) < 0)
        return -1;
    for (size_t i = 0; hex[i]; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return bad(r, key, KD_INVALID_VALUE, "must be 64 lower-case hexadecimal digits");
    size_t n = 0;
    if (sodium_hex2bin(out, MANIFEST_HASH_LEN, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != MANIFEST_HASH_LEN)
        return bad(r, key, KD_INVALID_VALUE, "must be 64 lower-case hexadecimal digits");
    return 0;
}

static int read_schemas(struct reader *r, json_t *obj, struct manifest_db *d)
{
    json_t *s = need(r, obj, "schemas", JSON_OBJECT);
    if (!s)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach(s, key, v)
    {
        if (!scope_name_ok(key, strlen(key)))
            return bad(r, "schemas", KD_INVALID_VALUE,
                       "holds a scope whose name is not 1 to 31 of a-z, 0-9 and _");
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
            char what[64];
            snprintf(what, sizeof what, "%s must be a version from 1 to 1000000", key);
            return bad(r, "schemas", KD_INVALID_VALUE, what);
        }
        if (manifest_add_scope(d, key, (int)json_integer_value(v), r->err) < 0) {
            char field[KD_FIELD_MAX];
            field_of(r, "schemas", field, sizeof field);
            snprintf(r->err->field, sizeof r->err->field, "%s", field);
            return -1;
        }
    }
    return 0;
}

static int read_db(struct reader *r, json_t *o, struct manifest_db *d)
{
    static const char *const town_keys[] = {"kind",    "code",  "name",   "active",
                                            "file",    "bytes", "sha256", "taken_at",
                                            "schemas", "audit", NULL};
    static const char *const control_keys[] = {"kind",     "file",    "bytes", "sha256",
                                               "taken_at", "schemas", NULL};
    char kind[16];
    if (get_str(r, o, "kind", kind, sizeof kind, 1) < 0)
        return -1;
    if (strcmp(kind, "town") == 0)
        d->kind = MANIFEST_TOWN;
    else if (strcmp(kind, "control") == 0)
        d->kind = MANIFEST_CONTROL;
    else
        return bad(r, "kind", KD_INVALID_VALUE, "must be town or control");
    if (only_keys(r, o, d->kind == MANIFEST_TOWN ? town_keys : control_keys) < 0)
        return -1;
    int64_t bytes = 0;
    if (get_str(r, o, "file", d->file, sizeof d->file, 1) < 0 ||
        get_int(r, o, "bytes", 0, INT64_MAX, &bytes) < 0 ||
        get_hash(r, o, "sha256", d->sha256) < 0 ||
        get_str(r, o, "taken_at", d->taken_at, sizeof d->taken_at, 1) < 0 ||
        read_schemas(r, o, d) < 0)
        return -1;
    d->bytes = (uint64_t)bytes;
    if (!manifest_file_name_ok(d->file, strlen(d->file)) || strcmp(d->file, MANIFEST_NAME) == 0)
        return bad(r, "file", KD_INVALID_VALUE,
                   "must be a plain file name of [A-Za-z0-9._-] inside the backup");
    if (!iso_ok(d->taken_at))
        return bad(r, "taken_at", KD_INVALID_VALUE, "must be an instant");
    if (d->kind == MANIFEST_CONTROL)
        return 0;
    json_t *active = need(r, o, "active", JSON_TRUE);
    json_t *audit = active ? need(r, o, "audit", JSON_OBJECT) : NULL;
    if (!audit || get_str(r, o, "code", d->code, sizeof d->code, 6) < 0 ||
        get_str(r, o, "name", d->name, sizeof d->name, 1) < 0)
        return -1;
    d->active = json_is_true(active);
    struct kd_err e;
    if (tenant_check_code(d->code, strlen(d->code), &e) < 0)
        return bad(r, "code", KD_INVALID_VALUE, "is not a 全国地方公共団体コード");
    if (tenant_check_name(d->name, strlen(d->name), &e) < 0)
        return bad(r, "name", KD_INVALID_VALUE, "is not a town name (1 to 32 characters)");
    struct reader sub = {r->err, ""};
    snprintf(sub.path, sizeof sub.path, "%s.audit", r->path);
    static const char *const audit_keys[] = {"entries", "head", NULL};
    if (only_keys(&sub, audit, audit_keys) < 0 ||
        get_int(&sub, audit, "entries", 0, INT64_MAX, &d->audit_entries) < 0 ||
        get_hash(&sub, audit, "head", d->audit_head) < 0)
        return -1;
    return 0;
}

int manifest_parse(struct manifest *m, const char *text, size_t len, struct kd_err *err)
{
    manifest_init(m);
    if (len > MANIFEST_MAX_BYTES)
        return kd_fail(err, KD_TOO_LONG, NULL, "the manifest is over %d bytes", MANIFEST_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return kd_fail(err, KD_MALFORMED_JSON, NULL, "the manifest is not JSON (line %d: %s)",
                       jerr.line, jerr.text);
    struct reader r = {err, ""};
    int rc = -1;
    static const char *const keys[] = {"format",     "kyodo_version", "engine", "origin",
                                       "created_at", "databases",     NULL};
    char format[32];
    json_t *dbs;
    if (!json_is_object(root)) {
        kd_fail(err, KD_WRONG_TYPE, NULL, "the manifest must be a JSON object");
        goto out;
    }
    if (get_str(&r, root, "format", format, sizeof format, 1) < 0)
        goto out;
    if (strcmp(format, MANIFEST_FORMAT) != 0) {
        kd_fail(err, KD_INVALID_VALUE, "format",
                "format %s is not %s: the backup was made by another program or version", format,
                MANIFEST_FORMAT);
        goto out;
    }
    if (only_keys(&r, root, keys) < 0 ||
        get_str(&r, root, "kyodo_version", m->kyodo_version, sizeof m->kyodo_version, 1) < 0 ||
        get_str(&r, root, "engine", m->engine, sizeof m->engine, 1) < 0 ||
        get_str(&r, root, "origin", m->origin, sizeof m->origin, 1) < 0 ||
        get_str(&r, root, "created_at", m->created_at, sizeof m->created_at, 1) < 0 ||
        !(dbs = need(&r, root, "databases", JSON_ARRAY)))
        goto out;
    size_t i;
    json_t *o;
    json_array_foreach(dbs, i, o)
    {
        struct reader sub = {err, ""};
        snprintf(sub.path, sizeof sub.path, "databases[%zu]", i);
        if (!json_is_object(o)) {
            kd_fail(err, KD_WRONG_TYPE, sub.path, "%s must be an object", sub.path);
            goto out;
        }
        struct manifest_db *d = manifest_add(m, err);
        if (!d || read_db(&sub, o, d) < 0)
            goto out;
    }
    rc = check_whole(m, err);
out:
    json_decref(root);
    return rc;
}

int manifest_load(struct manifest *m, const char *dir, struct kd_err *err)
{
    manifest_init(m);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_NAME);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return kd_fail(err, KD_NOT_FOUND, "manifest",
                           "%s has no %s: not a kyodo backup, or one that did not finish", dir,
                           MANIFEST_NAME);
        return kd_fail(err, KD_INTERNAL, NULL, "cannot read %s: %s", path, strerror(errno));
    }
    char *buf = malloc(MANIFEST_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MANIFEST_MAX_BYTES + 1, f) : 0;
    bool failed = ferror(f) != 0;
    fclose(f);
    int rc;
    if (!buf)
        rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    else if (failed)
        rc = kd_fail(err, KD_INTERNAL, NULL, "cannot read %s", path);
    else
        rc = manifest_parse(m, buf, n, err);
    free(buf);
    return rc;
}

int manifest_hash_file(const char *path, unsigned char out[MANIFEST_HASH_LEN], uint64_t *bytes,
                       struct kd_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kd_fail(err, errno == ENOENT ? KD_NOT_FOUND : KD_INTERNAL, "file",
                       "cannot read %s: %s", path, strerror(errno));
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    static _Thread_local unsigned char buf[1 << 16];
    uint64_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kd_fail(err, KD_INTERNAL, "file", "cannot read %s: %s", path, strerror(errno));
            break;
        }
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
        total += (uint64_t)n;
    }
    close(fd);
    crypto_hash_sha256_final(&h, out);
    *bytes = total;
    return rc;
}
