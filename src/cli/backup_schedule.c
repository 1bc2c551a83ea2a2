/*
 * backup_schedule.c — the server's own online backups.
 *
 * With [backup] interval set, a thread of its own makes a set of every
 * database (what `kyodo backup --all` makes) in a new folder of [backup] dir
 * named by its UTC time, then removes the sets beyond the newest `keep`
 * (and any set a killed job left unfinished). The next backup is due
 * `interval` after the newest complete set in the folder, so a restarted
 * server does not wait a whole interval again, and a crash loop cannot
 * starve the schedule.
 *
 * Its own thread rather than the daily maintenance thread: a large
 * deployment's backup takes seconds, which must not delay the milestones or
 * the metrics' figures, nor be delayed by them. The copy itself never blocks
 * a town's readers or writers (store/backup.h).
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "engine/backup_set.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct backup_schedule {
    struct catalog *cat;
    char dir[512];
    int64_t interval_ms;
    int keep;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* The instant a set's name stands for ("20261127T030405Z[-N]"), or -1. */
static int64_t set_time(const char *name)
{
    if (strlen(name) < 16 || name[8] != 'T' || name[15] != 'Z')
        return -1;
    char iso[32];
    snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", name, name + 4, name + 6, name + 9,
             name + 11, name + 13);
    int64_t ms;
    return clock_parse_iso(iso, strlen(iso), &ms) ? ms : -1;
}

/* The time of the newest complete set in dir, or 0 when there is none. */
static int64_t newest_set(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int64_t newest = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t t = set_time(e->d_name);
        if (t <= newest)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/%s", dir, e->d_name, MANIFEST_NAME);
        struct stat sb;
        if (stat(path, &sb) == 0)
            newest = t;
    }
    closedir(d);
    return newest;
}

static void log_failure(const char *msg, const char *dir, const struct kd_err *err)
{
    struct logline l;
    logline_begin(&l, LOG_ERROR, msg);
    logline_str(&l, "dir", dir);
    logline_text(&l, "detail", err->message);
    logline_end(&l);
}

/* One scheduled set, then the pruning. */
static void make_one(struct backup_schedule *s)
{
    struct kd_err err;
    kd_err_clear(&err);
    if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
        kd_fail(&err, KD_INTERNAL, NULL, "cannot create the folder: %s", strerror(errno));
        log_failure("backup failed", s->dir, &err);
        return;
    }
    char name[20], out[sizeof s->dir + 32];
    int64_t now = clock_now_ms();
    backup_set_name(now, name);
    snprintf(out, sizeof out, "%s/%s", s->dir, name);
    for (int n = 2; access(out, F_OK) == 0 && n < 100; n++)
        snprintf(out, sizeof out, "%s/%s-%d", s->dir, name, n);

    char rid[24];
    unsigned char raw[6];
    randombytes_buf(raw, sizeof raw);
    memcpy(rid, "backup-", 7);
    text_hex(raw, sizeof raw, rid + 7);
    struct backup_actor actor = {"system", "system", "定期バックアップ", rid};
    struct backup_request rq = {out, NULL, true, false, "scheduled", &actor};
    struct manifest m;
    int broken = 0;
    int64_t t0 = clock_mono_us();
    int rc = backup_set_make(s->cat, &rq, &m, &broken, NULL, NULL, &err);
    int64_t us = clock_mono_us() - t0;
    if (rc < 0) {
        log_failure("backup failed", out, &err);
    } else {
        uint64_t bytes = 0;
        for (size_t i = 0; i < m.count; i++)
            bytes += m.dbs[i].bytes;
        struct logline l;
        logline_begin(&l, broken ? LOG_WARN : LOG_INFO, "backup made");
        logline_str(&l, "dir", out);
        logline_int(&l, "databases", (int64_t)m.count);
        logline_int(&l, "bytes", (int64_t)bytes);
        logline_int(&l, "ms", us / 1000);
        logline_int(&l, "broken_chains", broken);
        logline_end(&l);
    }
    manifest_free(&m);
    int removed = backup_set_prune(s->dir, s->keep, &err);
    if (removed < 0)
        log_failure("backups not pruned", s->dir, &err);
    else if (removed > 0) {
        struct logline l;
        logline_begin(&l, LOG_INFO, "backups pruned");
        logline_str(&l, "dir", s->dir);
        logline_int(&l, "removed", removed);
        logline_int(&l, "keep", s->keep);
        logline_end(&l);
    }
}

static void *run(void *arg)
{
    struct backup_schedule *s = arg;
    int64_t due = newest_set(s->dir) + s->interval_ms;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->stopping && clock_now_ms() < due) {
            int64_t wait = due - clock_now_ms();
            if (wait > 60000)
                wait = 60000; /* the wall clock may be set meanwhile */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            int64_t ns = until.tv_nsec + (wait % 1000) * 1000000;
            until.tv_sec += (time_t)(wait / 1000 + ns / 1000000000);
            until.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
        }
        bool stop = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        make_one(s);
        due = clock_now_ms() + s->interval_ms;
    }
    catalog_thread_done(s->cat);
    return NULL;
}

struct backup_schedule *backup_schedule_start(struct catalog *cat, const struct config *cfg)
{
    if (cfg->backup_interval <= 0 || !cfg->backup_dir[0])
        return NULL;
    struct backup_schedule *s = calloc(1, sizeof *s);
    if (!s) {
        log_msg(LOG_ERROR, "scheduled backups could not start", "out of memory");
        return NULL;
    }
    s->cat = cat;
    snprintf(s->dir, sizeof s->dir, "%s", cfg->backup_dir);
    s->interval_ms = (int64_t)cfg->backup_interval * 1000;
    s->keep = cfg->backup_keep;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s);
        log_msg(LOG_ERROR, "scheduled backups could not start", "pthread_create failed");
        return NULL;
    }
    struct logline l;
    logline_begin(&l, LOG_INFO, "scheduled backups");
    logline_str(&l, "dir", s->dir);
    logline_int(&l, "interval", cfg->backup_interval);
    logline_int(&l, "keep", s->keep);
    logline_end(&l);
    return s;
}

void backup_schedule_stop(struct backup_schedule *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL); /* a backup under way is finished first */
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
