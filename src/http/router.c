/*
 * router.c — segment-by-segment matching of paths against patterns.
 */
#include "http/router.h"

#include <string.h>

/* Matches one pattern; fills params on success. */
static bool match(const char *pattern, const char *path, struct router_params *params)
{
    params->count = 0;
    const char *p = pattern, *s = path;
    for (;;) {
        if (*p != '/' || *s != '/')
            return *p == '\0' && *s == '\0';
        p++;
        s++;
        const char *pe = strchr(p, '/');
        const char *se = strchr(s, '/');
        size_t plen = pe ? (size_t)(pe - p) : strlen(p);
        size_t slen = se ? (size_t)(se - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (slen == 0 || params->count == ROUTER_MAX_PARAMS)
                return false;
            params->p[params->count].name = p + 1;
            params->p[params->count].name_len = plen - 2;
            params->p[params->count].value = s;
            params->p[params->count].len = slen;
            params->count++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
}

enum router_result router_match(const void *table, size_t count, size_t stride,
                                const char *method, const char *path, size_t *index,
                                struct router_params *params, char *allow, size_t allow_cap)
{
    bool path_seen = false;
    size_t allow_len = 0;
    if (allow && allow_cap)
        allow[0] = '\0';
    struct router_params scratch;
    for (size_t i = 0; i < count; i++) {
        const struct route_key *k = (const void *)((const char *)table + i * stride);
        if (!match(k->pattern, path, &scratch))
            continue;
        if (strcmp(k->method, method) == 0) {
            *index = i;
            *params = scratch;
            return ROUTER_FOUND;
        }
        path_seen = true;
        size_t m = strlen(k->method);
        if (allow && allow_len + m + 3 < allow_cap) {
            if (allow_len) {
                memcpy(allow + allow_len, ", ", 2);
                allow_len += 2;
            }
            memcpy(allow + allow_len, k->method, m);
            allow_len += m;
            allow[allow_len] = '\0';
        }
    }
    return path_seen ? ROUTER_NO_METHOD : ROUTER_NO_PATH;
}

const char *router_param(const struct router_params *params, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (int i = 0; i < params->count; i++) {
        if (params->p[i].name_len == n && memcmp(params->p[i].name, name, n) == 0) {
            *len = params->p[i].len;
            return params->p[i].value;
        }
    }
    return NULL;
}
