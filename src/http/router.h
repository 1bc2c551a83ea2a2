/*
 * router.h — matching a method and path against a table of route patterns.
 *
 * A pattern is a literal path in which whole segments may be parameters:
 * "/api/v1/users/{id}". Matching is exact (no prefixes, no trailing slash
 * folding). The router is generic: the table's entries are the caller's own
 * structs, each beginning with a struct route_key, walked with a stride.
 */
#ifndef KYODO_HTTP_ROUTER_H
#define KYODO_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTER_MAX_PARAMS 4

struct route_key {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/users/{id}" */
};

struct router_params {
    int count;
    struct {
        const char *name; /* points into the pattern, not NUL-terminated */
        size_t name_len;
        const char *value; /* points into the path, not NUL-terminated */
        size_t len;
    } p[ROUTER_MAX_PARAMS];
};

enum router_result {
    ROUTER_FOUND,
    ROUTER_NO_PATH,   /* 404 */
    ROUTER_NO_METHOD, /* 405: the path exists with other methods */
};

/* Finds the route for method + path. On ROUTER_FOUND, *index and params are
 * set; on ROUTER_NO_METHOD, allow (if not NULL) receives the methods the
 * path has, comma-separated. */
enum router_result router_match(const void *table, size_t count, size_t stride,
                                const char *method, const char *path, size_t *index,
                                struct router_params *params, char *allow, size_t allow_cap);

/* The value of parameter `name`, or NULL (value length in *len). */
const char *router_param(const struct router_params *params, const char *name, size_t *len);

#endif
