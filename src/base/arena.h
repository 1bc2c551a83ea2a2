/*
 * arena.h — a bump allocator with a ceiling.
 *
 * A request, a CLI command or an import job owns one arena; everything it
 * allocates lives until arena_release(). There is no per-object free.
 *
 * The first block can be caller-provided storage (for example a buffer inside
 * the request struct), so a small request allocates nothing from the heap.
 * Further blocks come from malloc and double in size until the arena's total
 * reaches its cap; past the cap, allocation returns NULL and the caller reports
 * an error. Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef KYODO_BASE_ARENA_H
#define KYODO_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* heap blocks, newest first */
    char *cur, *end;          /* free space in the current block */
    size_t used;              /* bytes taken from the heap so far */
    size_t cap;               /* ceiling on heap bytes */
};

/* Starts an arena. initial/initial_len may be NULL/0. cap bounds heap use. */
void arena_init(struct arena *a, void *initial, size_t initial_len, size_t cap);

/* Frees every heap block. The arena may be reused after arena_init(). */
void arena_release(struct arena *a);

/* Returns n bytes aligned for any type, or NULL when the cap is reached. */
void *arena_alloc(struct arena *a, size_t n);

/* Like arena_alloc, zero-filled. */
void *arena_zalloc(struct arena *a, size_t n);

/* Copies len bytes of s and appends a NUL. NULL when out of room. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* printf into the arena. NULL when out of room. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
