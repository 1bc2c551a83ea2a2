/*
 * metrics.h — counters and histograms cheap enough to update on every
 * request, and the Prometheus text exposition format to read them out.
 *
 * A metric set is an array of 64-bit slots kept once per shard. A thread
 * takes a shard the first time it updates any set and keeps it; it adds to
 * its own shard's copy with a relaxed atomic add. The copies of different
 * shards lie on different cache lines, so worker threads neither wait for
 * each other nor bounce a line between cores (with up to METRICS_SHARDS
 * threads each has a shard of its own; beyond, threads share one and the
 * atomic add keeps the counts right). A reader sums the shards: it sees every
 * update made before it started, and perhaps some made meanwhile (each slot
 * is read atomically; the set as a whole is not a snapshot).
 *
 * A histogram is a run of slots in a set: one per bucket (the counts are
 * kept per bucket and made cumulative when written out), one for +Inf and
 * one for the sum of the observed values. Bounds are integers in the unit
 * of the observed values (microseconds, nanoseconds, items).
 *
 * Thread-safety: updates and reads from any thread; init and free with no
 * other thread using the set.
 */
#ifndef KYODO_BASE_METRICS_H
#define KYODO_BASE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { METRICS_SHARDS = 16 };

struct metrics_set {
    size_t slots;  /* per shard */
    size_t stride; /* slots rounded up to a whole number of cache lines */
    _Atomic uint64_t *cells;
};

/* Allocates a set of `slots` zeroed slots per shard. -1 when out of memory. */
int metrics_set_init(struct metrics_set *s, size_t slots);
void metrics_set_free(struct metrics_set *s);

/* Adds n to a slot (slot < s->slots). */
void metrics_add(struct metrics_set *s, size_t slot, uint64_t n);

/* The slot's sum over the shards. */
uint64_t metrics_read(const struct metrics_set *s, size_t slot);

/* The shard of the calling thread (0 .. METRICS_SHARDS - 1). */
unsigned metrics_shard(void);

struct metrics_hist {
    const uint64_t *bounds; /* ascending upper bounds (inclusive: "le") */
    size_t n;
    unsigned scale; /* decimals of the unit when written: 6 for µs as seconds */
};

/* Slots a histogram takes: n buckets, +Inf, sum. */
static inline size_t metrics_hist_slots(const struct metrics_hist *h)
{
    return h->n + 2;
}

/* Counts value v in the histogram whose slots start at `base`. */
void metrics_observe(struct metrics_set *s, size_t base, const struct metrics_hist *h,
                     uint64_t v);

/* The bucket index v falls in (n for +Inf). */
size_t metrics_bucket(const struct metrics_hist *h, uint64_t v);

/*
 * Text exposition (Prometheus 0.0.4): a growable buffer with a ceiling. Any
 * failure (out of memory, over the ceiling) is remembered and reported by
 * mtext_finish(), so callers write without checking each line.
 */
struct mtext {
    char *buf;
    size_t len, cap, max;
    bool failed;
};

#define MTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void mtext_init(struct mtext *t, size_t max);
/* # HELP and # TYPE lines (type: counter, gauge, histogram). */
void mtext_family(struct mtext *t, const char *name, const char *type, const char *help);
/* One sample: name{labels} value. labels alternate names and values
 * (npairs pairs; values are escaped); value is v / 10^scale. */
void mtext_sample(struct mtext *t, const char *name, const char *const *labels, size_t npairs,
                  uint64_t v, unsigned scale);
/* The same with a signed value (gauges that may go below zero). */
void mtext_sample_i64(struct mtext *t, const char *name, const char *const *labels,
                      size_t npairs, int64_t v);
/* A histogram's _bucket (cumulative, with le), _sum and _count samples. */
void mtext_hist(struct mtext *t, const char *name, const char *const *labels, size_t npairs,
                const struct metrics_set *s, size_t base, const struct metrics_hist *h);
/* Hands over the text (malloc'd, NUL-terminated) or NULL on failure (the
 * buffer is then freed). */
char *mtext_finish(struct mtext *t, size_t *len);

#endif
