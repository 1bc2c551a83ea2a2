/*
 * json_out.h — serialising jansson values, fast.
 *
 * The output is byte for byte what json_dumps(v, JSON_COMPACT) gives (a fuzz
 * target checks that), in a fraction of the time: jansson's dumper spends
 * ~3 µs on a typical response (docs/performance.md). It is the writer of
 * jw.h walking the tree; handlers use the writer directly.
 */
#ifndef KYODO_HTTP_JSON_OUT_H
#define KYODO_HTTP_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>

/* Returns a malloc'd, NUL-terminated serialisation of v and its length, or
 * NULL when out of memory or when v nests deeper than JW_MAX_DEPTH levels or
 * is larger than 256 MiB. */
char *json_out(const json_t *v, size_t *len);

#endif
