/*
 * audit_queue.c — group commit of audit entries (audit_queue.h).
 *
 * The writer takes the whole queue at once; a batch is split by town, and
 * each town's jobs are appended in submission order in one write
 * transaction. A failure (disk full, database gone) fails that town's jobs
 * of the batch only, and leaves nothing of them written.
 */
#include "engine/audit_queue.h"

#include "base/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct audit_queue {
    struct catalog *cat;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct audit_job *head, *tail; /* guarded by lock */
    uint64_t depth;                /* jobs in the list; guarded by lock */
    bool stopping;                 /* guarded by lock */
    bool running;
    _Atomic uint64_t jobs, entries, transactions, failed;
    struct metrics_set batches; /* jobs per transaction (batch_sizes) */
};

static const uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
static const struct metrics_hist batch_sizes = {
    batch_bounds, sizeof batch_bounds / sizeof batch_bounds[0], 0};

/* Appends the jobs of one town (a list through next) in one transaction. */
static int append_town(struct catalog *cat, struct audit_job *jobs, struct kd_err *err)
{
    struct store *town = catalog_town(cat, jobs->town, err);
    if (!town || store_begin_write(town, err) < 0)
        return -1;
    for (struct audit_job *j = jobs; j; j = j->next) {
        for (int i = 0; i < j->count; i++) {
            if (audit_append(town, j->town, &j->entries[i], err) < 0) {
                store_rollback(town);
                return -1;
            }
        }
    }
    return store_commit(town, err);
}

/* Calls done for each job of the list; reads next before, as a job may be
 * gone once done has returned. */
static void finish(struct audit_job *jobs, int rc, const struct kd_err *err)
{
    while (jobs) {
        struct audit_job *next = jobs->next;
        jobs->next = NULL;
        jobs->done(jobs, rc, err);
        jobs = next;
    }
}

static void commit_batch(struct audit_queue *q, struct audit_job *batch)
{
    while (batch) {
        /* Take the jobs of the first job's town, keep the others in order. */
        struct audit_job *mine = NULL, **mine_end = &mine, *rest = NULL, **rest_end = &rest;
        uint64_t jobs = 0, entries = 0;
        for (struct audit_job *j = batch, *next; j; j = next) {
            next = j->next;
            j->next = NULL;
            if (memcmp(j->town, batch->town, sizeof j->town) == 0) {
                *mine_end = j;
                mine_end = &j->next;
                jobs++;
                entries += (uint64_t)j->count;
            } else {
                *rest_end = j;
                rest_end = &j->next;
            }
        }
        struct kd_err err;
        kd_err_clear(&err);
        int rc = append_town(q->cat, mine, &err);
        if (rc == 0) {
            atomic_fetch_add(&q->jobs, jobs);
            atomic_fetch_add(&q->entries, entries);
            atomic_fetch_add(&q->transactions, 1);
            metrics_observe(&q->batches, 0, &batch_sizes, jobs);
        } else {
            atomic_fetch_add(&q->failed, 1);
        }
        finish(mine, rc, &err);
        batch = rest;
    }
}

static void *writer(void *arg)
{
    struct audit_queue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (!q->head && !q->stopping)
            pthread_cond_wait(&q->wake, &q->lock);
        struct audit_job *batch = q->head;
        q->head = q->tail = NULL;
        q->depth = 0;
        bool stop = q->stopping && !batch;
        pthread_mutex_unlock(&q->lock);
        if (stop)
            break;
        commit_batch(q, batch);
    }
    catalog_thread_done(q->cat);
    return NULL;
}

struct audit_queue *audit_queue_start(struct catalog *cat, struct kd_err *err)
{
    struct audit_queue *q = calloc(1, sizeof *q);
    if (!q) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    q->cat = cat;
    if (metrics_set_init(&q->batches, metrics_hist_slots(&batch_sizes)) < 0) {
        free(q);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        audit_queue_free(q);
        kd_fail(err, KD_INTERNAL, NULL, "cannot start the audit writer thread");
        return NULL;
    }
    q->running = true;
    return q;
}

void audit_queue_submit(struct audit_queue *q, struct audit_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&q->lock);
    bool queued = !q->stopping;
    if (queued) {
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        q->depth++;
        pthread_cond_signal(&q->wake);
    }
    pthread_mutex_unlock(&q->lock);
    if (!queued) {
        struct kd_err err;
        kd_err_clear(&err);
        int rc = append_town(q->cat, job, &err);
        finish(job, rc, &err);
    }
}

void audit_queue_stop(struct audit_queue *q)
{
    if (!q || !q->running)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    q->running = false;
}

void audit_queue_free(struct audit_queue *q)
{
    if (!q)
        return;
    audit_queue_stop(q);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    metrics_set_free(&q->batches);
    free(q);
}

void audit_queue_stats(struct audit_queue *q, struct audit_queue_stats *out)
{
    out->jobs = atomic_load(&q->jobs);
    out->entries = atomic_load(&q->entries);
    out->transactions = atomic_load(&q->transactions);
    out->failed = atomic_load(&q->failed);
    pthread_mutex_lock(&q->lock);
    out->depth = q->depth;
    pthread_mutex_unlock(&q->lock);
}

void audit_queue_batches(struct audit_queue *q, const struct metrics_set **set,
                         const struct metrics_hist **hist)
{
    *set = &q->batches;
    *hist = &batch_sizes;
}
