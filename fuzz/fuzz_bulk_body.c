/*
 * fuzz_bulk_body.c — how an export reads a stored 異動 body without
 * parsing all of it (src/residents/bulk.c, bulk_body_fields): its top-level
 * "note" and, for a migrated history row, "migrated"."jiyu". Any input
 * (kyodo writes these bodies itself, but the scanner must not read past
 * them whatever they hold); and for an input jansson takes as a JSON object
 * without duplicate keys, the scanner gives what jansson gives.
 */
#include "residents/internal.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_bulk_body: check failed: %s (line %d)\n", #cond, __LINE__);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A JSON string without NUL (the scanner stops at one), or NULL. */
static const char *plain(json_t *v)
{
    if (!json_is_string(v) || memchr(json_string_value(v), 0, json_string_length(v)))
        return NULL;
    return json_string_value(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The body as the store gives it: its own buffer, exactly size bytes. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)16 << 20);
    const char *note, *jiyu;
    int rc = bulk_body_fields(body, size, &a, &note, &jiyu);
    CHECK(rc == 0);
    CHECK(note);
    json_error_t je;
    json_t *j = json_loadb(body, size, JSON_REJECT_DUPLICATES, &je);
    if (json_is_object(j)) {
        json_t *n = json_object_get(j, "note");
        if (plain(n))
            CHECK(strcmp(note, plain(n)) == 0);
        else if (!n)
            CHECK(strcmp(note, "") == 0);
        json_t *m = json_object_get(j, "migrated");
        if (json_is_object(m)) {
            CHECK(jiyu);
            json_t *code = json_object_get(m, "jiyu");
            if (plain(code))
                CHECK(strcmp(jiyu, plain(code)) == 0);
        } else if (!m) {
            CHECK(!jiyu);
        }
    }
    json_decref(j);
    arena_release(&a);
    free(body);
    return 0;
}
