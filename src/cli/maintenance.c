/*
 * maintenance.c — the server's daily work, and `kyodo residents milestones`.
 *
 * Once at start and then whenever the date in Japan changes, every active
 * town's register publishes the age milestones reached up to that day
 * (residents_publish_milestones). A thread of its own wakes every minute to
 * look at the date; the work itself is a few indexed queries per town.
 *
 * The same thread refreshes the per-town figures of the metrics page
 * (observe_refresh_towns) every [metrics] town_stats_interval seconds, so
 * that a scrape never reads the towns' databases.
 */
#include "cli/cli.h"

#include "api/observe.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/log.h"
#include "engine/tenant.h"
#include "residents/residents.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct daily_ctx {
    struct catalog *cat;
    const char *from;    /* ISO date, or NULL: from where the town left off */
    const char *through; /* ISO date */
    const char *only;    /* a town code, or NULL for every active town */
    int64_t now_ms;
    int failed, published;
    bool print;
};

static int daily_town(void *p, const struct tenant *t)
{
    struct daily_ctx *c = p;
    if ((c->only && strcmp(c->only, t->code) != 0) || (!c->only && !t->active))
        return 0;
    struct kd_err err;
    kd_err_clear(&err);
    struct store *town = catalog_town(c->cat, t->code, &err);
    int n = 0;
    if (!town || residents_publish_milestones(town, c->from, c->through, c->now_ms, &n, &err) < 0) {
        struct logline l;
        logline_begin(&l, LOG_ERROR, "age milestones not published");
        logline_str(&l, "tenant", t->code);
        logline_text(&l, "detail", err.message);
        logline_end(&l);
        if (c->print)
            fprintf(stderr, "kyodo: %s %s: %s\n", t->code, t->name, err.message);
        c->failed++;
        return 0;
    }
    c->published += n;
    if (n > 0) {
        struct logline l;
        logline_begin(&l, LOG_INFO, "age milestones published");
        logline_str(&l, "tenant", t->code);
        logline_str(&l, "through", c->through);
        logline_int(&l, "events", n);
        logline_end(&l);
    }
    if (c->print)
        printf("%s %s: %d age milestones published through %s\n", t->code, t->name, n,
               c->through);
    return 0;
}

/* Runs the daily work for every active town (or `only`) through `through`. */
static int run_daily(struct catalog *cat, const char *from, const char *through,
                     const char *only, bool print, int *failed)
{
    struct kd_err err;
    kd_err_clear(&err);
    struct daily_ctx c = {cat, from, through, only, clock_now_ms(), 0, 0, print};
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl || tenant_list(ctl, daily_town, &c, &err) < 0) {
        if (print)
            cli_fail(&err);
        return -1;
    }
    *failed = c.failed;
    return 0;
}

/* ---- the server's thread ---------------------------------------------------- */

struct maintenance {
    struct catalog *cat;
    struct observe *obs; /* may be NULL */
    atomic_int stats_interval; /* seconds */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bool poked; /* the interval changed: wake now */
};

/* Refreshes the per-town figures when they are due; returns the seconds
 * until the next time. */
static int refresh_stats(struct maintenance *m, int64_t *last_us)
{
    int interval = atomic_load(&m->stats_interval);
    int64_t now = clock_mono_us();
    if (!m->obs)
        return 60;
    if (*last_us && now - *last_us < (int64_t)interval * 1000000)
        return (int)((*last_us + (int64_t)interval * 1000000 - now) / 1000000) + 1;
    *last_us = now;
    struct kd_err err;
    kd_err_clear(&err);
    if (observe_refresh_towns(m->obs, &err) < 0) {
        struct logline l;
        logline_begin(&l, LOG_ERROR, "town figures not read");
        logline_text(&l, "detail", err.message);
        logline_end(&l);
    }
    return interval;
}

static void *maintain(void *arg)
{
    struct maintenance *m = arg;
    char done[DATE_ISO_LEN] = "";
    int64_t stats_at = 0;
    for (;;) {
        char today[DATE_ISO_LEN];
        date_format_iso(date_today_japan(clock_now_ms()), today);
        if (strcmp(today, done) != 0) {
            int failed = 0;
            if (run_daily(m->cat, NULL, today, NULL, false, &failed) == 0 && failed == 0)
                memcpy(done, today, sizeof done);
        }
        int wait = refresh_stats(m, &stats_at);
        pthread_mutex_lock(&m->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait < 60 ? wait : 60;
        while (!m->stopping && !m->poked &&
               pthread_cond_timedwait(&m->wake, &m->lock, &until) != ETIMEDOUT)
            ;
        if (m->poked)
            stats_at = 0; /* a reload: read the figures again now */
        m->poked = false;
        bool stop = m->stopping;
        pthread_mutex_unlock(&m->lock);
        if (stop)
            break;
    }
    catalog_thread_done(m->cat);
    return NULL;
}

struct maintenance *maintenance_start(struct catalog *cat, struct observe *obs,
                                      int stats_interval)
{
    struct maintenance *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cat = cat;
    m->obs = obs;
    atomic_store(&m->stats_interval, stats_interval);
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    if (pthread_create(&m->thread, NULL, maintain, m) != 0) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void maintenance_set_stats_interval(struct maintenance *m, int seconds)
{
    if (!m)
        return;
    atomic_store(&m->stats_interval, seconds);
    pthread_mutex_lock(&m->lock);
    m->poked = true; /* refresh now, and measure the next wait anew */
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

void maintenance_stop(struct maintenance *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = true;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* ---- kyodo residents milestones ------------------------------------------------ */

int cli_milestones(struct catalog *cat, const char *tenant, const char *from,
                   const char *through)
{
    char today[DATE_ISO_LEN];
    date_format_iso(date_today_japan(clock_now_ms()), today);
    if (!through)
        through = today;
    /* A milestone is published once the day has come: the person may move
     * away or die before it. (ISO dates compare as text.) */
    if (strcmp(through, today) > 0) {
        fprintf(stderr, "kyodo: --through: %s is after today (%s)\n", through, today);
        return CLI_ERROR;
    }
    int failed = 0;
    if (run_daily(cat, from, through, tenant, true, &failed) < 0)
        return CLI_ERROR;
    return failed ? CLI_ERROR : CLI_OK;
}
