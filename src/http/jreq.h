/*
 * jreq.h — decoding a JSON request body against a field list, strictly.
 *
 * The body must be one JSON object (jansson, duplicate keys rejected) whose
 * keys are all in the spec, each of the declared type; strings must be valid
 * UTF-8 without NUL, without control characters (unless multiline), and
 * within their length in characters. The first problem found is reported as
 * a kd_err naming the field: malformed_json, invalid_utf8, unknown_field,
 * missing_field, wrong_type, too_long or invalid_value.
 *
 * Nested bodies: jreq_parse() keeps the parsed tree, and jreq_fields()
 * checks any object in it against a spec, naming fields by their path
 * ("persons[1].shimei"). JT_OBJECT and JT_ARRAY values are borrowed from the
 * tree and live as long as it does.
 */
#ifndef KYODO_HTTP_JREQ_H
#define KYODO_HTTP_JREQ_H

#include "base/arena.h"
#include "base/err.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { JT_STRING, JT_INT, JT_BOOL, JT_OBJECT, JT_ARRAY };

struct jfield {
    const char *name;
    enum jtype type;
    bool required;
    size_t max_chars; /* strings: characters (0 means 256); arrays: elements (0 means 256) */
    bool multiline;   /* strings: allow tab, CR and LF */
    int64_t min, max; /* integers (both 0: any) */
};

struct jvalue {
    bool present;
    const char *s; /* arena copy, NUL-terminated */
    size_t len;    /* bytes; for arrays, the number of elements */
    int64_t i;
    bool b;
    json_t *json; /* JT_OBJECT, JT_ARRAY: borrowed from the parsed tree */
};

/* Decodes a flat body into out[i] for spec[i]. Returns 0 or -1 with err set.
 * The spec may not hold JT_OBJECT or JT_ARRAY (the tree is freed here). */
int jreq_decode(struct arena *a, const char *body, size_t len, const struct jfield *spec,
                size_t n, struct jvalue *out, struct kd_err *err);

/* Parses a body (UTF-8 checked, duplicate keys rejected) into a tree the
 * caller releases with json_decref. The top level must be an object. */
int jreq_parse(const char *body, size_t len, json_t **root, struct kd_err *err);

/* Checks obj against spec (unknown keys, types, lengths, required) and fills
 * out. path prefixes field names in errors ("" at the top, "persons[1]"
 * inside). */
int jreq_fields(struct arena *a, json_t *obj, const char *path, const struct jfield *spec,
                size_t n, struct jvalue *out, struct kd_err *err);

/* Checks one string value the same way (used for query parameters). */
int jreq_check_string(const struct jfield *f, const char *s, size_t len, struct kd_err *err);

#endif
