/*
 * arena.c — bump allocation in blocks that double, under a ceiling.
 */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    alignas(max_align_t) char data[];
};

enum { ARENA_MIN_BLOCK = 4096 };

void arena_init(struct arena *a, void *initial, size_t initial_len, size_t cap)
{
    a->head = NULL;
    a->cur = initial;
    a->end = initial ? (char *)initial + initial_len : NULL;
    a->used = 0;
    a->cap = cap;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->cur = a->end = NULL;
    a->used = 0;
}

static char *align_up(char *p)
{
    uintptr_t u = (uintptr_t)p;
    uintptr_t m = alignof(max_align_t) - 1;
    return (char *)((u + m) & ~m);
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (a->cur) {
        char *p = align_up(a->cur);
        if (p <= a->end && (size_t)(a->end - p) >= n) {
            a->cur = p + n;
            return p;
        }
    }
    size_t last = a->head ? a->head->size : ARENA_MIN_BLOCK / 2;
    size_t size = last * 2;
    if (size < n)
        size = n;
    if (n > a->cap || a->used > a->cap - n)
        return NULL;
    if (size > a->cap - a->used)
        size = a->cap - a->used;
    struct arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = a->head;
    b->size = size;
    a->head = b;
    a->used += size;
    a->cur = b->data + n;
    a->end = b->data + size;
    return b->data;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
