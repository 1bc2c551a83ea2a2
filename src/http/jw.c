/*
 * jw.c — the JSON writer.
 */
#include "http/jw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUT ((size_t)256 << 20)

void jw_init(struct jw *w)
{
    memset(w, 0, sizeof *w);
}

void jw_release(struct jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *jw_finish(struct jw *w, size_t *len)
{
    if (w->failed || w->depth != 0 || !w->buf) {
        jw_release(w);
        return NULL;
    }
    char *out = w->buf;
    out[w->len] = '\0';
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return out;
}

static bool grow(struct jw *w, size_t need)
{
    if (need > MAX_OUT - w->len) {
        w->failed = true;
        return false;
    }
    size_t cap = w->cap ? w->cap : 512;
    while (cap < w->len + need + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static inline void put(struct jw *w, const char *s, size_t n)
{
    if (w->failed || (w->len + n + 1 > w->cap && !grow(w, n)))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void put_char(struct jw *w, char c)
{
    if (w->failed || (w->len + 2 > w->cap && !grow(w, 1)))
        return;
    w->buf[w->len++] = c;
}

/* Before any value: the comma between elements, and the rule that a value
 * inside an object needs its key first. */
static bool value_begins(struct jw *w)
{
    if (w->failed)
        return false;
    if (w->depth > 0) {
        uint64_t bit = (uint64_t)1 << (w->depth - 1);
        if (w->is_obj & bit) {
            if (w->want_key) {
                w->failed = true; /* a value where a key is due */
                return false;
            }
            w->want_key = true;
        } else {
            if (w->filled & bit)
                put_char(w, ',');
            w->filled |= bit;
        }
    }
    return true;
}

static void begin_container(struct jw *w, char c, bool obj)
{
    if (!value_begins(w))
        return;
    if (w->depth == JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    put_char(w, c);
    uint64_t bit = (uint64_t)1 << w->depth;
    w->filled &= ~bit;
    if (obj)
        w->is_obj |= bit;
    else
        w->is_obj &= ~bit;
    w->depth++;
    w->want_key = obj;
}

static void end_container(struct jw *w, char c, bool obj)
{
    if (w->failed)
        return;
    uint64_t bit = w->depth > 0 ? (uint64_t)1 << (w->depth - 1) : 0;
    if (w->depth == 0 || ((w->is_obj & bit) != 0) != obj || (obj && !w->want_key)) {
        w->failed = true; /* unbalanced, or a key without its value */
        return;
    }
    put_char(w, c);
    w->depth--;
    /* Back in the parent: an object then expects its next key. */
    w->want_key = w->depth > 0 && (w->is_obj & ((uint64_t)1 << (w->depth - 1)));
}

void jw_obj(struct jw *w) { begin_container(w, '{', true); }
void jw_obj_end(struct jw *w) { end_container(w, '}', true); }
void jw_arr(struct jw *w) { begin_container(w, '[', false); }
void jw_arr_end(struct jw *w) { end_container(w, ']', false); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, min = 0x10000;
    else
        return 0;
    if (left <= need)
        return 0;
    unsigned cp = c & (0x3Fu >> need);
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

/* Escapes as jansson does: \" \\ \b \f \n \r \t, other controls as \u00XX
 * (upper-case hex), the rest as it is; invalid UTF-8 becomes U+FFFD. */
static void put_string(struct jw *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    put_char(w, '"');
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(s + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            put(w, str + run, i - run);
            put(w, "\xEF\xBF\xBD", 3);
            run = ++i;
            continue;
        }
        put(w, str + run, i - run);
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
        put(w, esc, len);
        i++;
    }
    put(w, str + run, n - run);
    put_char(w, '"');
}

void jw_key(struct jw *w, const char *key)
{
    if (w->failed)
        return;
    uint64_t bit = w->depth > 0 ? (uint64_t)1 << (w->depth - 1) : 0;
    if (w->depth == 0 || !(w->is_obj & bit) || !w->want_key) {
        w->failed = true;
        return;
    }
    if (w->filled & bit)
        put_char(w, ',');
    w->filled |= bit;
    put_string(w, key, strlen(key));
    put_char(w, ':');
    w->want_key = false;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    if (value_begins(w))
        put_string(w, s, n);
}

void jw_str(struct jw *w, const char *s)
{
    if (!s)
        jw_null(w);
    else
        jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
    if (!value_begins(w))
        return;
    char num[24];
    size_t i = sizeof num;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        num[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        num[--i] = '-';
    put(w, num + i, sizeof num - i);
}

/* Reals as jansson writes them (jsonp_dtostr): %.17g, ".0" added when the
 * text would read back as an integer, and the exponent without '+' or
 * leading zeros. */
void jw_real(struct jw *w, double v)
{
    if (!value_begins(w))
        return;
    char num[40];
    int n = snprintf(num, sizeof num - 2, "%.17g", v);
    if (n < 0) {
        w->failed = true;
        return;
    }
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
    put(w, num, len);
}

void jw_bool(struct jw *w, bool v)
{
    if (value_begins(w))
        put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
    if (value_begins(w))
        put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
    if (value_begins(w))
        put(w, json, n);
}

void jw_json(struct jw *w, const json_t *v)
{
    if (w->failed)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        jw_obj(w);
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item) {
            /* Keys may hold NUL (JSON_ALLOW_NUL); write them whole. */
            size_t klen = json_object_iter_key_len(json_object_key_to_iter(key));
            uint64_t bit = (uint64_t)1 << (w->depth - 1);
            if (w->filled & bit)
                put_char(w, ',');
            w->filled |= bit;
            put_string(w, key, klen);
            put_char(w, ':');
            w->want_key = false;
            jw_json(w, item);
        }
        jw_obj_end(w);
        break;
    }
    case JSON_ARRAY:
        jw_arr(w);
        for (size_t i = 0; i < json_array_size(v); i++)
            jw_json(w, json_array_get(v, i));
        jw_arr_end(w);
        break;
    case JSON_STRING: jw_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: jw_int(w, json_integer_value(v)); break;
    case JSON_REAL: jw_real(w, json_real_value(v)); break;
    case JSON_TRUE: jw_bool(w, true); break;
    case JSON_FALSE: jw_bool(w, false); break;
    case JSON_NULL: jw_null(w); break;
    }
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_knull(struct jw *w, const char *key)
{
    jw_key(w, key);
    jw_null(w);
}
