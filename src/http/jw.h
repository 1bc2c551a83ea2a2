/*
 * jw.h — writing JSON straight into a growing buffer.
 *
 * Handlers write their responses with these calls instead of building a tree
 * first: no allocation per value, and the output is compact JSON, correct by
 * construction (commas and nesting are the writer's business). Strings must
 * be UTF-8; an invalid sequence (say, from a tampered database) is written as
 * U+FFFD rather than breaking the document. Escaping and numbers are exactly
 * jansson's (json_dumps with JSON_COMPACT), which fuzz/fuzz_json_out.c checks
 * through jw_json().
 *
 *     struct jw w;
 *     jw_init(&w);
 *     jw_obj(&w);
 *     jw_kstr(&w, "code", "104213");
 *     jw_key(&w, "items"); jw_arr(&w); jw_int(&w, 1); jw_arr_end(&w);
 *     jw_obj_end(&w);
 *     char *body = jw_finish(&w, &len);   // malloc'd; NULL if anything failed
 *
 * After an error (out of memory, nesting over JW_MAX_DEPTH, over 256 MiB, a
 * value where a key is due) every call does nothing and jw_finish() returns
 * NULL. Not thread-safe; one writer per response.
 */
#ifndef KYODO_HTTP_JW_H
#define KYODO_HTTP_JW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 64

struct jw {
    char *buf;
    size_t len, cap;
    bool failed;
    bool want_key;   /* inside an object, a key is due */
    int depth;
    uint64_t filled; /* bit d: the container at depth d has an element */
    uint64_t is_obj; /* bit d: the container at depth d is an object */
};

void jw_init(struct jw *w);
/* Frees the buffer (when jw_finish was not called or failed). */
void jw_release(struct jw *w);
/* Returns the malloc'd, NUL-terminated document and its length, handing the
 * buffer over; NULL if the writer failed or a container is still open. */
char *jw_finish(struct jw *w, size_t *len);

void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);

void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_real(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value that is already JSON text (e.g. a menu serialised once). */
void jw_raw(struct jw *w, const char *json, size_t n);
/* A jansson value, written as json_dumps(JSON_COMPACT) would. */
void jw_json(struct jw *w, const json_t *v);

/* key + value, for the common cases. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
void jw_knull(struct jw *w, const char *key);

#endif
