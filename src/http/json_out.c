/*
 * json_out.c — compact JSON output from jansson values.
 */
#include "http/json_out.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 64 };
#define MAX_OUT ((size_t)256 << 20)

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static bool grow(struct out *o, size_t need)
{
    if (o->failed)
        return false;
    if (need > MAX_OUT - o->len) {
        o->failed = true;
        return false;
    }
    size_t cap = o->cap;
    while (cap < o->len + need + 1)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->failed = true;
        return false;
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap && !grow(o, n))
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_char(struct out *o, char c)
{
    if (o->len + 2 > o->cap && !grow(o, 1))
        return;
    o->buf[o->len++] = c;
}

/* Escapes as jansson does: \" \\ \b \f \n \r \t, other controls as \u00XX,
 * everything else (valid UTF-8, guaranteed by jansson) as it is. */
static void put_string(struct out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* upper case, as jansson */
    put_char(o, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        put(o, esc, len);
    }
    put(o, s + run, n - run);
    put_char(o, '"');
}

static void put_int(struct out *o, json_int_t v)
{
    char num[24];
    size_t i = sizeof num;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        num[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        num[--i] = '-';
    put(o, num + i, sizeof num - i);
}

/* Reals as jansson writes them (jsonp_dtostr): %.17g, ".0" added when the
 * text would read back as an integer, and the exponent without '+' or
 * leading zeros. */
static void put_real(struct out *o, double v)
{
    char num[40];
    int n = snprintf(num, sizeof num - 2, "%.17g", v);
    if (n < 0)
        return;
    size_t len = (size_t)n;
    if (!strchr(num, '.') && !strchr(num, 'e')) {
        memcpy(num + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(num, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - num) + 1);
            len -= (size_t)(end - start);
        }
    }
    put(o, num, len);
}

static void value(struct out *o, const json_t *v, int depth)
{
    if (depth > MAX_DEPTH) {
        o->failed = true;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        put_char(o, '{');
        const char *key;
        json_t *item;
        bool first = true;
        json_object_foreach((json_t *)v, key, item) {
            if (!first)
                put_char(o, ',');
            first = false;
            put_string(o, key, strlen(key));
            put_char(o, ':');
            value(o, item, depth + 1);
        }
        put_char(o, '}');
        break;
    }
    case JSON_ARRAY: {
        put_char(o, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put_char(o, ',');
            value(o, json_array_get(v, i), depth + 1);
        }
        put_char(o, ']');
        break;
    }
    case JSON_STRING: put_string(o, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: put_int(o, json_integer_value(v)); break;
    case JSON_REAL: put_real(o, json_real_value(v)); break;
    case JSON_TRUE: put(o, "true", 4); break;
    case JSON_FALSE: put(o, "false", 5); break;
    case JSON_NULL: put(o, "null", 4); break;
    }
}

char *json_out(const json_t *v, size_t *len)
{
    struct out o = {.cap = 1024};
    o.buf = malloc(o.cap);
    if (!o.buf)
        return NULL;
    value(&o, v, 0);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    o.buf[o.len] = '\0';
    *len = o.len;
    return o.buf;
}
