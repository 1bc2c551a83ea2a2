/*
 * settings.h — a town's own settings, kept in its database.
 *
 * Towns differ by data, not by code: what the law or an unconfirmed standard
 * leaves open (the width of a 宛名番号, a check-digit rule) is a setting with
 * a documented default. Keys are "module.name"; values are text.
 */
#ifndef KYODO_ENGINE_SETTINGS_H
#define KYODO_ENGINE_SETTINGS_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#include <stdint.h>

extern const struct store_schema settings_schema;

/* Sets *value to the key's value (copied into a), or to `fallback` when the
 * town has not set it. -1 on a database error. */
int settings_get(struct store *town, const char *key, const char *fallback, const char **value,
                 struct arena *a, struct kd_err *err);

/* An integer setting within [min, max]; a stored value out of range or not
 * a number is an error naming the key. */
int settings_get_int(struct store *town, const char *key, int64_t fallback, int64_t min,
                     int64_t max, int64_t *out, struct kd_err *err);

int settings_set(struct store *town, const char *key, const char *value, struct kd_err *err);

#endif
