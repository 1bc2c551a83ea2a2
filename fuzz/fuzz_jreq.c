/*
 * fuzz_jreq.c — jreq_decode() on arbitrary request bodies.
 *
 * Each input is decoded against two specs: the sign-in body (three required
 * strings) and a mixed one (optional multiline string, bounded and unbounded
 * integers, a boolean); then parsed as a tree whose nested objects (an array
 * of persons, a changes object) are checked with jreq_fields() by path. Besides the sanitizers, the target checks what the
 * decoder promises: on success every required field is present, each string
 * is a NUL-terminated arena copy that passes jreq_check_string(), integers are
 * within their bounds; on failure the error has a code.
 */
#include "base/arena.h"
#include "base/err.h"
#include "http/jreq.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct jfield login_spec[] = {
    {"tenant", JT_STRING, true, 6, false, 0, 0},
    {"user", JT_STRING, true, 32, false, 0, 0},
    {"password", JT_STRING, true, 256, false, 0, 0},
};

static const struct jfield mixed_spec[] = {
    {"note", JT_STRING, false, 40, true, 0, 0},
    {"limit", JT_INT, false, 0, false, 1, 500},
    {"offset", JT_INT, true, 0, false, 0, 0},
    {"disabled", JT_BOOL, false, 0, false, 0, 0},
    {"name", JT_STRING, false, 0, false, 0, 0},
};

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_jreq: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static void run(const char *body, size_t len, const struct jfield *spec, size_t n)
{
    _Alignas(max_align_t) char inline_buf[512];
    struct arena a;
    arena_init(&a, inline_buf, sizeof inline_buf, 64 << 10);
    struct jvalue out[8];
    struct kd_err err;
    kd_err_clear(&err);
    if (jreq_decode(&a, body, len, spec, n, out, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            CHECK(out[i].present || !spec[i].required);
            if (!out[i].present)
                continue;
            switch (spec[i].type) {
            case JT_STRING: {
                CHECK(out[i].s != NULL);
                CHECK(out[i].s[out[i].len] == '\0');
                struct kd_err e2;
                CHECK(jreq_check_string(&spec[i], out[i].s, out[i].len, &e2) == 0);
                break;
            }
            case JT_INT:
                if (spec[i].min || spec[i].max)
                    CHECK(out[i].i >= spec[i].min && out[i].i <= spec[i].max);
                break;
            case JT_BOOL: break;
            case JT_OBJECT:
            case JT_ARRAY: CHECK(out[i].json != NULL); break;
            }
        }
    } else {
        CHECK(err.code != KD_OK);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
    }
    arena_release(&a);
}

static const struct jfield nested_spec[] = {
    {"kind", JT_STRING, true, 40, false, 0, 0},
    {"persons", JT_ARRAY, false, 8, false, 0, 0},
    {"changes", JT_OBJECT, false, 0, false, 0, 0},
    {"target", JT_INT, false, 0, false, 1, INT64_MAX},
};

static const struct jfield person_spec[] = {
    {"shimei", JT_STRING, true, 100, false, 0, 0},
    {"sex", JT_INT, false, 0, false, 0, 9},
};

/* The tree path: nested errors name their field by its path. */
static void run_nested(const char *body, size_t len)
{
    _Alignas(max_align_t) char inline_buf[512];
    struct arena a;
    arena_init(&a, inline_buf, sizeof inline_buf, 64 << 10);
    json_t *root = NULL;
    struct kd_err err;
    kd_err_clear(&err);
    struct jvalue top[4];
    if (jreq_parse(body, len, &root, &err) == 0 &&
        jreq_fields(&a, root, "", nested_spec, 4, top, &err) == 0 && top[1].present) {
        size_t i;
        json_t *p;
        json_array_foreach(top[1].json, i, p) {
            char path[32];
            snprintf(path, sizeof path, "persons[%zu]", i);
            struct jvalue pv[2];
            if (!json_is_object(p))
                continue;
            kd_err_clear(&err);
            if (jreq_fields(&a, p, path, person_spec, 2, pv, &err) < 0) {
                CHECK(strncmp(err.field, path, strlen(path)) == 0);
            } else {
                CHECK(pv[0].present && pv[0].s[pv[0].len] == '\0');
            }
        }
    }
    json_decref(root);
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 << 10)
        return 0;
    run((const char *)data, size, login_spec, sizeof login_spec / sizeof login_spec[0]);
    run((const char *)data, size, mixed_spec, sizeof mixed_spec / sizeof mixed_spec[0]);
    run_nested((const char *)data, size);
    return 0;
}
