/*
 * jreq.c — strict JSON request decoding on jansson.
 */
#include "http/jreq.h"

#include "base/text.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int jreq_check_string(const struct jfield *f, const char *s, size_t len, struct kd_err *err)
{
    size_t bad_at;
    size_t max = f->max_chars ? f->max_chars : 256;
    if (!text_utf8_valid(s, len, &bad_at))
        return kd_fail(err, KD_INVALID_UTF8, f->name, "%s is not valid UTF-8", f->name);
    if (memchr(s, '\0', len))
        return kd_fail(err, KD_INVALID_VALUE, f->name, "%s must not contain NUL", f->name);
    if (text_has_control(s, len, f->multiline))
        return kd_fail(err, KD_INVALID_VALUE, f->name, "%s must not contain control characters",
                       f->name);
    size_t chars = text_utf8_chars(s, len);
    if (chars > max)
        return kd_fail(err, KD_TOO_LONG, f->name, "%s is too long (%zu characters, at most %zu)",
                       f->name, chars, max);
    return 0;
}

static const char *type_name(enum jtype t)
{
    switch (t) {
    case JT_STRING: return "a string";
    case JT_INT: return "an integer";
    case JT_BOOL: return "true or false";
    case JT_OBJECT: return "an object";
    case JT_ARRAY: return "an array";
    }
    return "?";
}

/* The field's name for messages: "name" or "path.name". */
static const char *full_name(char *buf, size_t cap, const char *path, const char *name)
{
    if (!path || !path[0])
        return name;
    snprintf(buf, cap, "%s.%s", path, name);
    return buf;
}

static int decode_one(struct arena *a, const struct jfield *f, const char *name, json_t *v,
                      struct jvalue *out, struct kd_err *err)
{
    out->present = true;
    switch (f->type) {
    case JT_STRING: {
        if (!json_is_string(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be %s", name, type_name(f->type));
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        struct jfield named = *f;
        named.name = name;
        if (jreq_check_string(&named, s, len, err) < 0)
            return -1;
        out->s = arena_strndup(a, s, len);
        out->len = len;
        if (!out->s)
            return kd_fail(err, KD_PAYLOAD_TOO_LARGE, name, "request too large");
        return 0;
    }
    case JT_INT:
        if (!json_is_integer(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be %s", name, type_name(f->type));
        out->i = json_integer_value(v);
        if ((f->min || f->max) && (out->i < f->min || out->i > f->max))
            return kd_fail(err, KD_INVALID_VALUE, name, "%s must be from %lld to %lld", name,
                           (long long)f->min, (long long)f->max);
        return 0;
    case JT_BOOL:
        if (!json_is_boolean(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be %s", name, type_name(f->type));
        out->b = json_is_true(v);
        return 0;
    case JT_OBJECT:
        if (!json_is_object(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be %s", name, type_name(f->type));
        out->json = v;
        return 0;
    case JT_ARRAY: {
        if (!json_is_array(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be %s", name, type_name(f->type));
        size_t max = f->max_chars ? f->max_chars : 256;
        out->len = json_array_size(v);
        if (out->len > max)
            return kd_fail(err, KD_TOO_LONG, name, "%s has too many elements (%zu, at most %zu)",
                           name, out->len, max);
        if (out->len == 0 && f->required)
            return kd_fail(err, KD_MISSING_FIELD, name, "%s must not be empty", name);
        out->json = v;
        return 0;
    }
    }
    return kd_fail(err, KD_INTERNAL, name, "bad field spec");
}

int jreq_parse(const char *body, size_t len, json_t **root, struct kd_err *err)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len)
        return kd_fail(err, KD_MALFORMED_JSON, NULL,
                       "request body is empty; a JSON object is expected");
    size_t bad_at;
    if (!text_utf8_valid(body, len, &bad_at))
        return kd_fail(err, KD_INVALID_UTF8, NULL,
                       "request body is not valid UTF-8 (byte offset %zu)", bad_at);

    json_error_t jerr;
    /* Any top-level value and \u0000 are let through the parser so that the
     * checks can name the problem and the field. */
    json_t *tree =
        json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!tree)
        return kd_fail(err, KD_MALFORMED_JSON, NULL, "malformed JSON at line %d column %d: %s",
                       jerr.line, jerr.column, jerr.text);
    if (!json_is_object(tree)) {
        json_decref(tree);
        return kd_fail(err, KD_WRONG_TYPE, NULL, "request body must be a JSON object");
    }
    *root = tree;
    return 0;
}

int jreq_fields(struct arena *a, json_t *obj, const char *path, const struct jfield *spec,
                size_t n, struct jvalue *out, struct kd_err *err)
{
    char name[KD_FIELD_MAX];
    memset(out, 0, n * sizeof *out);
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        size_t k = 0;
        while (k < n && strcmp(spec[k].name, key) != 0)
            k++;
        if (k == n)
            return kd_fail(err, KD_UNKNOWN_FIELD, full_name(name, sizeof name, path, key),
                           "unknown field");
        if (json_is_null(value) && !spec[k].required)
            continue; /* null: the same as absent */
        if (decode_one(a, &spec[k], full_name(name, sizeof name, path, key), value, &out[k],
                       err) < 0)
            return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (spec[k].required && !out[k].present) {
            const char *f = full_name(name, sizeof name, path, spec[k].name);
            return kd_fail(err, KD_MISSING_FIELD, f, "%s is required", f);
        }
    }
    return 0;
}

int jreq_decode(struct arena *a, const char *body, size_t len, const struct jfield *spec,
                size_t n, struct jvalue *out, struct kd_err *err)
{
    memset(out, 0, n * sizeof *out);
    json_t *root;
    if (jreq_parse(body, len, &root, err) < 0)
        return -1;
    int rc = jreq_fields(a, root, "", spec, n, out, err);
    json_decref(root);
    return rc;
}
