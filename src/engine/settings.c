/*
 * settings.c — key/value settings in a town's database.
 */
#include "engine/settings.h"

#include "base/text.h"

#include <string.h>

static const struct store_migration steps[] = {
    {1, "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT"},
};

const struct store_schema settings_schema = {"settings", steps, sizeof steps / sizeof steps[0]};

int settings_get(struct store *town, const char *key, const char *fallback, const char **value,
                 struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, "SELECT value FROM settings WHERE key = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, key);
    enum store_step rc = store_step(st, err);
    *value = fallback;
    if (rc == STORE_ROW) {
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        *value = arena_strndup(a, t, n);
    }
    store_reset(st);
    if (rc == STORE_ROW && !*value)
        return kd_fail(err, KD_INTERNAL, key, "out of memory");
    return rc == STORE_ERROR ? -1 : 0;
}

int settings_get_int(struct store *town, const char *key, int64_t fallback, int64_t min,
                     int64_t max, int64_t *out, struct kd_err *err)
{
    char buf[128];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 1024);
    const char *v;
    int rc = settings_get(town, key, NULL, &v, &a, err);
    if (rc == 0 && !v)
        *out = fallback;
    else if (rc == 0 && !text_parse_i64(v, strlen(v), min, max, out))
        rc = kd_fail(err, KD_INVALID_VALUE, key, "setting %s must be a number from %lld to %lld",
                     key, (long long)min, (long long)max);
    arena_release(&a);
    return rc;
}

int settings_set(struct store *town, const char *key, const char *value, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "INSERT INTO settings (key, value) VALUES (?, ?)"
              " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, key);
    store_bind_str(st, 2, value);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}
