/*
 * audit_queue.h — group commit of audit entries.
 *
 * A read of personal data changes nothing but the audit log, and the log is
 * written with synchronous=FULL: one transaction per read would cost each
 * read an fsync (a few thousand a second at best) and make every reader of
 * a town wait on one write lock. Instead the server hands a read's entries
 * to this queue; one writer thread takes everything that has gathered while
 * it was busy and appends it, town by town, in one transaction each. The
 * answer to the read is held back until its entries are committed (the HTTP
 * server suspends the connection meanwhile, http_defer()), so the guarantee
 * is unchanged: no personal data leaves before its audit entry is durable.
 *
 * Entries of a write are not queued: they are appended inside the write's
 * own transaction, and commit or roll back with it (audit_append()).
 */
#ifndef KYODO_ENGINE_AUDIT_QUEUE_H
#define KYODO_ENGINE_AUDIT_QUEUE_H

#include "engine/audit.h"
#include "store/catalog.h"

struct audit_job;

/* Called once per job, on the writer thread (or on the submitter's, see
 * audit_queue_submit), after its entries were committed (rc 0) or could not
 * be (rc -1, err says why: then none of them was). The job's memory may be
 * released as soon as this is called. */
typedef void (*audit_done_fn)(struct audit_job *job, int rc, const struct kd_err *err);

/* One request's entries for one town. The submitter owns the memory (an
 * arena that lives until done() has been called). */
struct audit_job {
    char town[7];
    struct audit_entry *entries;
    int count;
    audit_done_fn done;
    void *ctx;               /* the submitter's */
    struct audit_job *next; /* the queue's */
};

struct audit_queue;

/* Starts the writer thread, which opens its own connections from cat. */
struct audit_queue *audit_queue_start(struct catalog *cat, struct kd_err *err);

/* Queues a job. When the queue has been stopped, appends the entries
 * on the calling thread instead (one transaction, same outcome). Either
 * way job->done is called exactly once. */
void audit_queue_submit(struct audit_queue *q, struct audit_job *job);

/* Commits everything queued, calls the pending done()s, and stops the
 * writer. Later submissions are appended by their submitter. */
void audit_queue_stop(struct audit_queue *q);

/* Frees the queue (after audit_queue_stop). */
void audit_queue_free(struct audit_queue *q);

struct audit_queue_stats {
    uint64_t jobs, entries, transactions; /* committed */
    uint64_t failed;                      /* transactions that could not commit */
    uint64_t depth;                       /* jobs waiting for the writer now */
};
void audit_queue_stats(struct audit_queue *q, struct audit_queue_stats *out);

/* The sizes of the committed transactions, in jobs (a histogram of
 * base/metrics.h: its set and its buckets; the slots start at 0). For
 * metrics; valid until audit_queue_free(). */
struct metrics_set;
struct metrics_hist;
void audit_queue_batches(struct audit_queue *q, const struct metrics_set **set,
                         const struct metrics_hist **hist);

#endif
