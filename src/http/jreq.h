/*
 * jreq.h — decoding a JSON request body against a field list, strictly.
 *
 * The body must be one JSON object (jansson, duplicate keys rejected) whose
 * keys are all in the spec, each of the declared type; strings must be valid
 * UTF-8 without NUL, without control characters (unless multiline), and
 * within their length in characters. The first problem found is reported as
 * a kd_err naming the field: malformed_json, invalid_utf8, unknown_field,
 * missing_field, wrong_type, too_long or invalid_value.
 */
#ifndef KYODO_HTTP_JREQ_H
#define KYODO_HTTP_JREQ_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { JT_STRING, JT_INT, JT_BOOL };

struct jfield {
    const char *name;
    enum jtype type;
    bool required;
    size_t max_chars; /* strings; 0 means 256 */
    bool multiline;   /* strings: allow tab, CR and LF */
    int64_t min, max; /* integers (both 0: any) */
};

struct jvalue {
    bool present;
    const char *s; /* arena copy, NUL-terminated */
    size_t len;    /* bytes */
    int64_t i;
    bool b;
};

/* Decodes body into out[i] for spec[i]. Returns 0 or -1 with err set. */
int jreq_decode(struct arena *a, const char *body, size_t len, const struct jfield *spec,
                size_t n, struct jvalue *out, struct kd_err *err);

/* Checks one string value the same way (used for query parameters). */
int jreq_check_string(const struct jfield *f, const char *s, size_t len, struct kd_err *err);

#endif
