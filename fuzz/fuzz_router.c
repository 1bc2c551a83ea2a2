/*
 * fuzz_router.c — router_match() over the real API route table, and
 * static_path_check(), on arbitrary method + path.
 *
 * Input: the method, one space, the path (as in a request line); without a
 * space the whole input is the path and the method is GET. Both are cut at
 * the first NUL, as libmicrohttpd hands them over as C strings.
 *
 * Checks beyond the sanitizers: a found route has the requested method and,
 * with its parameters put back into the pattern, gives the path again; each
 * parameter is a non-empty slice of the path without '/'; the Allow list
 * fits its buffer. A path accepted by static_path_check() is a relative path
 * of [A-Za-z0-9._-] segments, none empty or starting with '.'.
 */
#include "api/api.h"
#include "base/err.h"
#include "http/router.h"
#include "http/static_files.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_router: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

enum { ROUTER_FUZZ_MAX = 4096 };

/* Rebuilds the path from a pattern and the matched parameters. */
static size_t rebuild(const char *pattern, const struct router_params *params, char *out,
                      size_t cap)
{
    size_t n = 0;
    int k = 0;
    const char *p = pattern;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            CHECK(close != NULL && k < params->count);
            CHECK(params->p[k].name == p + 1);
            CHECK(params->p[k].name_len == (size_t)(close - p - 1));
            CHECK(n + params->p[k].len < cap);
            memcpy(out + n, params->p[k].value, params->p[k].len);
            n += params->p[k].len;
            k++;
            p = close + 1;
        } else {
            CHECK(n + 1 < cap);
            out[n++] = *p++;
        }
    }
    CHECK(k == params->count);
    out[n] = '\0';
    return n;
}

static void check_router(const char *method, const char *path)
{
    static const size_t caps[] = {64, 9, 1};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        size_t idx = (size_t)-1;
        struct router_params params;
        char allow[64 + 1];
        allow[caps[c]] = 'X'; /* a canary just past the buffer given */
        enum router_result rr = router_match(api_routes, api_route_count, sizeof api_routes[0],
                                             method, path, &idx, &params, allow, caps[c]);
        CHECK(allow[caps[c]] == 'X');
        CHECK(memchr(allow, '\0', caps[c]) != NULL);
        if (rr == ROUTER_FOUND) {
            CHECK(idx < api_route_count);
            const struct api_route *r = &api_routes[idx];
            CHECK(strcmp(r->key.method, method) == 0);
            CHECK(params.count >= 0 && params.count <= ROUTER_MAX_PARAMS);
            size_t plen = strlen(path);
            for (int i = 0; i < params.count; i++) {
                CHECK(params.p[i].value >= path && params.p[i].value + params.p[i].len <= path + plen);
                CHECK(params.p[i].len > 0);
                CHECK(memchr(params.p[i].value, '/', params.p[i].len) == NULL);
                size_t vlen;
                char name[64];
                CHECK(params.p[i].name_len < sizeof name);
                memcpy(name, params.p[i].name, params.p[i].name_len);
                name[params.p[i].name_len] = '\0';
                CHECK(router_param(&params, name, &vlen) != NULL);
            }
            char back[ROUTER_FUZZ_MAX + 64];
            rebuild(r->key.pattern, &params, back, sizeof back);
            CHECK(strcmp(back, path) == 0);
        } else if (rr == ROUTER_NO_METHOD) {
            CHECK(caps[c] < 64 || allow[0] != '\0');
        } else {
            CHECK(rr == ROUTER_NO_PATH);
        }
    }
}

static void check_static(const char *path)
{
    static const size_t caps[] = {272, 16};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        char out[272 + 1];
        out[caps[c]] = 'X';
        struct kd_err err;
        kd_err_clear(&err);
        int rc = static_path_check(path, out, caps[c], &err);
        CHECK(out[caps[c]] == 'X');
        if (rc < 0) {
            CHECK(err.code != KD_OK);
            continue;
        }
        CHECK(rc == 0);
        size_t n = strnlen(out, caps[c]);
        CHECK(n > 0 && n < caps[c]);
        const char *seg = out;
        for (;;) {
            const char *end = strchr(seg, '/');
            size_t len = end ? (size_t)(end - seg) : strlen(seg);
            CHECK(len > 0 && seg[0] != '.');
            for (size_t i = 0; i < len; i++) {
                char ch = seg[i];
                CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-');
            }
            if (!end)
                break;
            seg = end + 1;
        }
        CHECK(strcmp(path, "/") == 0 ? strcmp(out, "index.html") == 0 : strcmp(out, path + 1) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ROUTER_FUZZ_MAX)
        return 0;
    char buf[ROUTER_FUZZ_MAX + 1];
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *method = "GET", *path = buf;
    char *sp = memchr(buf, ' ', size);
    if (sp) {
        *sp = '\0';
        method = buf;
        path = sp + 1;
    }
    check_router(method, path);
    check_static(path);
    return 0;
}
