/*
 * metrics.c — sharded counters, histograms and their text exposition
 * (metrics.h).
 */
#include "base/metrics.h"

#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LINE = 64 / sizeof(uint64_t) }; /* slots per cache line */

static atomic_uint next_shard;
static _Thread_local unsigned my_shard = UINT_MAX;

unsigned metrics_shard(void)
{
    if (my_shard == UINT_MAX)
        my_shard = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) %
                   METRICS_SHARDS;
    return my_shard;
}

int metrics_set_init(struct metrics_set *s, size_t slots)
{
    s->slots = slots;
    s->stride = (slots + LINE - 1) / LINE * LINE;
    size_t bytes = s->stride * METRICS_SHARDS * sizeof *s->cells;
    if (bytes == 0)
        bytes = 64;
    s->cells = aligned_alloc(64, bytes);
    if (!s->cells)
        return -1;
    memset((void *)s->cells, 0, bytes);
    return 0;
}

void metrics_set_free(struct metrics_set *s)
{
    free((void *)s->cells);
    s->cells = NULL;
}

void metrics_add(struct metrics_set *s, size_t slot, uint64_t n)
{
    atomic_fetch_add_explicit(&s->cells[metrics_shard() * s->stride + slot], n,
                              memory_order_relaxed);
}

uint64_t metrics_read(const struct metrics_set *s, size_t slot)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < METRICS_SHARDS; i++)
        sum += atomic_load_explicit(&s->cells[i * s->stride + slot], memory_order_relaxed);
    return sum;
}

size_t metrics_bucket(const struct metrics_hist *h, uint64_t v)
{
    size_t i = 0;
    while (i < h->n && v > h->bounds[i])
        i++;
    return i;
}

void metrics_observe(struct metrics_set *s, size_t base, const struct metrics_hist *h,
                     uint64_t v)
{
    _Atomic uint64_t *mine = &s->cells[metrics_shard() * s->stride + base];
    atomic_fetch_add_explicit(&mine[metrics_bucket(h, v)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&mine[h->n + 1], v, memory_order_relaxed);
}

/* ---- text ------------------------------------------------------------------ */

void mtext_init(struct mtext *t, size_t max)
{
    *t = (struct mtext){.max = max};
}

static void put(struct mtext *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (n > t->max - t->len || t->len + n + 1 > t->max) {
        t->failed = true;
        return;
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 16384;
        while (cap < t->len + n + 1)
            cap *= 2;
        if (cap > t->max)
            cap = t->max;
        char *b = realloc(t->buf, cap);
        if (!b) {
            t->failed = true;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void puts_(struct mtext *t, const char *s)
{
    put(t, s, strlen(s));
}

void mtext_family(struct mtext *t, const char *name, const char *type, const char *help)
{
    puts_(t, "# HELP ");
    puts_(t, name);
    put(t, " ", 1);
    puts_(t, help);
    puts_(t, "\n# TYPE ");
    puts_(t, name);
    put(t, " ", 1);
    puts_(t, type);
    put(t, "\n", 1);
}

/* Label values: backslash, double quote and line feed are escaped. */
static void put_label_value(struct mtext *t, const char *v)
{
    size_t start = 0, i = 0;
    for (; v[i]; i++) {
        const char *esc = v[i] == '\\' ? "\\\\" : v[i] == '"' ? "\\\"" : v[i] == '\n' ? "\\n" : NULL;
        if (!esc)
            continue;
        put(t, v + start, i - start);
        puts_(t, esc);
        start = i + 1;
    }
    put(t, v + start, i - start);
}

static void put_labels(struct mtext *t, const char *const *labels, size_t npairs,
                       const char *extra_name, const char *extra_value)
{
    if (npairs == 0 && !extra_name)
        return;
    put(t, "{", 1);
    for (size_t i = 0; i < npairs; i++) {
        if (i)
            put(t, ",", 1);
        puts_(t, labels[2 * i]);
        put(t, "=\"", 2);
        put_label_value(t, labels[2 * i + 1]);
        put(t, "\"", 1);
    }
    if (extra_name) {
        if (npairs)
            put(t, ",", 1);
        puts_(t, extra_name);
        put(t, "=\"", 2);
        put_label_value(t, extra_value);
        put(t, "\"", 1);
    }
    put(t, "}", 1);
}

/* v / 10^scale in decimal, without trailing zeros after the point. */
static size_t format_fixed(char *out, size_t cap, uint64_t v, unsigned scale)
{
    uint64_t div = 1;
    for (unsigned i = 0; i < scale; i++)
        div *= 10;
    uint64_t whole = v / div, frac = v % div;
    int n;
    if (scale == 0 || frac == 0) {
        n = snprintf(out, cap, "%llu", (unsigned long long)whole);
    } else {
        n = snprintf(out, cap, "%llu.%0*llu", (unsigned long long)whole, (int)scale,
                     (unsigned long long)frac);
        while (n > 0 && out[n - 1] == '0')
            out[--n] = '\0';
    }
    return n < 0 ? 0 : (size_t)n;
}

static void sample_text(struct mtext *t, const char *name, const char *suffix,
                        const char *const *labels, size_t npairs, const char *extra_name,
                        const char *extra_value, const char *value)
{
    puts_(t, name);
    if (suffix)
        puts_(t, suffix);
    put_labels(t, labels, npairs, extra_name, extra_value);
    put(t, " ", 1);
    puts_(t, value);
    put(t, "\n", 1);
}

void mtext_sample(struct mtext *t, const char *name, const char *const *labels, size_t npairs,
                  uint64_t v, unsigned scale)
{
    char num[48];
    format_fixed(num, sizeof num, v, scale);
    sample_text(t, name, NULL, labels, npairs, NULL, NULL, num);
}

void mtext_sample_i64(struct mtext *t, const char *name, const char *const *labels,
                      size_t npairs, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    sample_text(t, name, NULL, labels, npairs, NULL, NULL, num);
}

void mtext_hist(struct mtext *t, const char *name, const char *const *labels, size_t npairs,
                const struct metrics_set *s, size_t base, const struct metrics_hist *h)
{
    char le[48], num[48];
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= h->n; i++) {
        cumulative += metrics_read(s, base + i);
        if (i < h->n)
            format_fixed(le, sizeof le, h->bounds[i], h->scale);
        else
            snprintf(le, sizeof le, "+Inf");
        snprintf(num, sizeof num, "%llu", (unsigned long long)cumulative);
        sample_text(t, name, "_bucket", labels, npairs, "le", le, num);
    }
    format_fixed(num, sizeof num, metrics_read(s, base + h->n + 1), h->scale);
    sample_text(t, name, "_sum", labels, npairs, NULL, NULL, num);
    snprintf(num, sizeof num, "%llu", (unsigned long long)cumulative);
    sample_text(t, name, "_count", labels, npairs, NULL, NULL, num);
}

char *mtext_finish(struct mtext *t, size_t *len)
{
    if (t->failed || !t->buf) {
        free(t->buf);
        t->buf = NULL;
        *len = 0;
        return t->failed ? NULL : calloc(1, 1);
    }
    char *b = t->buf;
    *len = t->len;
    t->buf = NULL;
    return b;
}
