/*
 * observe.c — request metrics, readiness, per-town figures and the metrics
 * page (observe.h).
 */
#include "api/observe.h"

#include "api/api.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "engine/audit.h"
#include "engine/audit_queue.h"
#include "engine/session.h"
#include "engine/tenant.h"
#include "residents/residents.h"

#include <dirent.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Request latency, from the first byte of the headers to the end of the
 * answer, in µs (written as seconds). */
static const uint64_t latency_bounds[] = {100,    250,    500,     1000,    2500,    5000,
                                          10000,  25000,  50000,   100000,  250000,  500000,
                                          1000000, 2500000, 5000000, 10000000};
static const struct metrics_hist latency = {latency_bounds,
                                            sizeof latency_bounds / sizeof latency_bounds[0], 6};
/* A request's time in database calls, in ns (written as seconds). */
static const uint64_t db_bounds[] = {10000,    25000,    50000,     100000,    250000,  500000,
                                     1000000,  2500000,  5000000,   10000000,  25000000,
                                     50000000, 100000000, 250000000, 500000000, 1000000000};
static const struct metrics_hist db_time = {db_bounds, sizeof db_bounds / sizeof db_bounds[0], 9};

/* Per route: the count of each status class, then the two histograms. */
enum { CLASSES = 6, CLASS_NONE = 5 };
static const char *const class_names[CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx", "none"};
#define LAT_BASE CLASSES
#define DB_BASE (CLASSES + 18)
#define PER_ROUTE (CLASSES + 18 + 18)

/* Ceiling of the metrics page. */
enum { PAGE_MAX = 8 << 20, TOWNS_MAX = 100000 };

struct town_fig {
    char code[7];
    char name[TENANT_NAME_CHARS * 4 + 1];
    bool active, ready;
    int64_t sessions, residents, audit_entries; /* -1: could not be read */
};

struct observe {
    struct observe_sources src;
    size_t series; /* api_route_count + 2: unmatched, routes, static */
    struct metrics_set req;
    int64_t start_ms, start_mono_us;
    atomic_bool stopping;
    _Atomic uint64_t reloads_ok, reloads_failed, scrapes;
    pthread_mutex_t lock; /* token and towns */
    char token[128];
    struct town_fig *towns;
    size_t ntowns;
    int64_t towns_at_ms; /* 0: never read */
    bool towns_failed;
};

_Static_assert(sizeof latency_bounds / sizeof latency_bounds[0] + 2 == 18, "latency slots");
_Static_assert(sizeof db_bounds / sizeof db_bounds[0] + 2 == 18, "db slots");

int observe_route_id(size_t route_index)
{
    return (int)route_index + 1;
}

int observe_static_id(void)
{
    return (int)api_route_count + 1;
}

struct observe *observe_new(const struct observe_sources *src, struct kd_err *err)
{
    struct observe *o = calloc(1, sizeof *o);
    if (!o) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    o->src = *src;
    o->series = api_route_count + 2;
    if (metrics_set_init(&o->req, o->series * PER_ROUTE) < 0) {
        free(o);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    o->start_ms = clock_now_ms();
    o->start_mono_us = clock_mono_us();
    pthread_mutex_init(&o->lock, NULL);
    return o;
}

void observe_free(struct observe *o)
{
    if (!o)
        return;
    metrics_set_free(&o->req);
    pthread_mutex_destroy(&o->lock);
    free(o->towns);
    free(o);
}

void observe_request(void *ctx, const struct http_request *req, int status, int64_t dur_us)
{
    struct observe *o = ctx;
    size_t id = req->metric_id > 0 && (size_t)req->metric_id < o->series ? (size_t)req->metric_id
                                                                          : 0;
    size_t base = id * PER_ROUTE;
    size_t cls = status >= 100 && status < 600 ? (size_t)(status / 100 - 1) : CLASS_NONE;
    metrics_add(&o->req, base + cls, 1);
    metrics_observe(&o->req, base + LAT_BASE, &latency, dur_us > 0 ? (uint64_t)dur_us : 0);
    if (id > 0 && id <= api_route_count)
        metrics_observe(&o->req, base + DB_BASE, &db_time, req->db_ns);
}

void observe_set_stopping(struct observe *o)
{
    atomic_store(&o->stopping, true);
}

bool observe_stopping(struct observe *o)
{
    return atomic_load(&o->stopping);
}

void observe_set_token(struct observe *o, const char *token)
{
    pthread_mutex_lock(&o->lock);
    snprintf(o->token, sizeof o->token, "%s", token);
    pthread_mutex_unlock(&o->lock);
}

void observe_count_reload(struct observe *o, bool applied)
{
    atomic_fetch_add(applied ? &o->reloads_ok : &o->reloads_failed, 1);
}

/* ---- readiness and the per-town figures ----------------------------------- */

/* True if every scope of the list is at its last version. */
static bool migrated(struct store *s, const struct store_schema *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_schema *sc = list[i];
        struct kd_err err;
        int have = store_schema_version(s, sc->scope, &err);
        if (sc->count > 0 && have != sc->steps[sc->count - 1].version)
            return false;
    }
    return true;
}

static bool town_ready(struct observe *o, const char *code)
{
    struct kd_err err;
    struct store *town = catalog_town(o->src.cat, code, &err);
    return town && migrated(town, o->src.schemas->town, o->src.schemas->town_count);
}

struct ready_walk {
    struct observe *o;
    int active, unready;
};

static int ready_town(void *p, const struct tenant *t)
{
    struct ready_walk *w = p;
    if (!t->active)
        return 0;
    w->active++;
    if (!town_ready(w->o, t->code))
        w->unready++;
    return 0;
}

bool observe_ready(struct observe *o, char *why, size_t cap)
{
    if (observe_stopping(o)) {
        snprintf(why, cap, "shutting down");
        return false;
    }
    struct kd_err err;
    struct store *ctl = catalog_control(o->src.cat, &err);
    if (!ctl) {
        snprintf(why, cap, "the control database cannot be opened");
        return false;
    }
    if (!migrated(ctl, o->src.schemas->control, o->src.schemas->control_count)) {
        snprintf(why, cap, "the control database is not migrated");
        return false;
    }
    struct ready_walk w = {o, 0, 0};
    if (tenant_list(ctl, ready_town, &w, &err) < 0) {
        snprintf(why, cap, "the town registry cannot be read");
        return false;
    }
    if (w.unready > 0) {
        snprintf(why, cap, "%d of %d active towns' databases are unavailable or not migrated",
                 w.unready, w.active);
        return false;
    }
    return true;
}

struct town_list {
    struct town_fig *v;
    size_t n, cap;
    bool failed;
};

static int collect_town(void *p, const struct tenant *t)
{
    struct town_list *l = p;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct town_fig *v = cap <= TOWNS_MAX ? realloc(l->v, cap * sizeof *v) : NULL;
        if (!v) {
            l->failed = true;
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    struct town_fig *f = &l->v[l->n++];
    *f = (struct town_fig){.active = t->active, .sessions = 0, .residents = -1,
                           .audit_entries = -1};
    memcpy(f->code, t->code, sizeof f->code);
    snprintf(f->name, sizeof f->name, "%s", t->name);
    return 0;
}

static void count_sessions(void *p, const char *town, int64_t n)
{
    struct town_list *l = p;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].code, town) == 0)
            l->v[i].sessions = n;
}

int observe_refresh_towns(struct observe *o, struct kd_err *err)
{
    struct store *ctl = catalog_control(o->src.cat, err);
    struct town_list l = {0};
    if (!ctl || tenant_list(ctl, collect_town, &l, err) < 0 || l.failed ||
        session_count_by_town(ctl, o->src.policy, clock_now_ms(), count_sessions, &l, err) < 0) {
        free(l.v);
        pthread_mutex_lock(&o->lock);
        o->towns_failed = true;
        pthread_mutex_unlock(&o->lock);
        if (l.failed)
            kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < l.n; i++) {
        struct town_fig *f = &l.v[i];
        struct kd_err ignored;
        struct store *town = catalog_town(o->src.cat, f->code, &ignored);
        if (!town)
            continue;
        f->ready = f->active && migrated(town, o->src.schemas->town, o->src.schemas->town_count);
        int64_t n;
        if (residents_count(town, &n, &ignored) == 0)
            f->residents = n;
        if (audit_count(town, &n, &ignored) == 0)
            f->audit_entries = n;
    }
    pthread_mutex_lock(&o->lock);
    struct town_fig *old = o->towns;
    o->towns = l.v;
    o->ntowns = l.n;
    o->towns_at_ms = clock_now_ms();
    o->towns_failed = false;
    pthread_mutex_unlock(&o->lock);
    free(old);
    return 0;
}

/* ---- the page ----------------------------------------------------------------- */

struct proc_stat {
    int64_t threads, rss_bytes, vsize_bytes, cpu_us, open_fds, max_fds;
};

/* /proc/self: what the kernel says of this process (-1 for what it does not). */
static void read_proc(struct proc_stat *p)
{
    *p = (struct proc_stat){-1, -1, -1, -1, -1, -1};
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* Fields after the command name, which may hold spaces: from field 3. */
        char *s = strrchr(buf, ')');
        int field = 2;
        for (char *tok = s ? s + 1 : NULL; tok && *tok;) {
            while (*tok == ' ')
                tok++;
            field++;
            char *end;
            long long v = strtoll(tok, &end, 10);
            if (field == 14 || field == 15) {
                long hz = sysconf(_SC_CLK_TCK);
                p->cpu_us = (p->cpu_us < 0 ? 0 : p->cpu_us) + (hz > 0 ? v * 1000000 / hz : 0);
            } else if (field == 20) {
                p->threads = v;
            } else if (field == 23) {
                p->vsize_bytes = v;
            } else if (field == 24) {
                p->rss_bytes = v * sysconf(_SC_PAGESIZE);
                break;
            }
            tok = strchr(tok, ' ');
        }
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int64_t n = 0;
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
        p->open_fds = n - 1; /* the directory's own */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        p->max_fds = rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur;
}

static void route_labels(size_t id, const char *labels[4])
{
    labels[0] = "method";
    labels[2] = "route";
    if (id == 0) {
        labels[1] = "any";
        labels[3] = "unmatched";
    } else if (id <= api_route_count) {
        labels[1] = api_routes[id - 1].key.method;
        labels[3] = api_routes[id - 1].key.pattern;
    } else {
        labels[1] = "GET";
        labels[3] = "static";
    }
}

static void render_requests(struct observe *o, struct mtext *t)
{
    const char *labels[6];
    mtext_family(t, "kyodo_http_requests_total", "counter",
                 "Requests answered, by route template and status class (none: the client left"
                 " before an answer).");
    for (size_t id = 0; id < o->series; id++) {
        route_labels(id, labels);
        labels[4] = "code";
        for (size_t c = 0; c < CLASSES; c++) {
            uint64_t n = metrics_read(&o->req, id * PER_ROUTE + c);
            if (n == 0)
                continue;
            labels[5] = class_names[c];
            mtext_sample(t, "kyodo_http_requests_total", labels, 3, n, 0);
        }
    }
    mtext_family(t, "kyodo_http_request_duration_seconds", "histogram",
                 "Time from a request's first byte to the end of its answer, by route template.");
    for (size_t id = 0; id < o->series; id++) {
        size_t base = id * PER_ROUTE;
        bool any = false;
        for (size_t b = 0; b <= latency.n && !any; b++)
            any = metrics_read(&o->req, base + LAT_BASE + b) > 0;
        if (!any)
            continue;
        route_labels(id, labels);
        mtext_hist(t, "kyodo_http_request_duration_seconds", labels, 2, &o->req, base + LAT_BASE,
                   &latency);
    }
    mtext_family(t, "kyodo_http_request_db_seconds", "histogram",
                 "Time a request spent in database calls (statements, transactions, waits for"
                 " the write lock), by route template.");
    for (size_t id = 1; id <= api_route_count; id++) {
        size_t base = id * PER_ROUTE;
        bool any = false;
        for (size_t b = 0; b <= db_time.n && !any; b++)
            any = metrics_read(&o->req, base + DB_BASE + b) > 0;
        if (!any)
            continue;
        route_labels(id, labels);
        mtext_hist(t, "kyodo_http_request_db_seconds", labels, 2, &o->req, base + DB_BASE,
                   &db_time);
    }
}

static void render_towns(struct observe *o, struct mtext *t)
{
    pthread_mutex_lock(&o->lock);
    const char *l[4] = {"town", NULL, "name", NULL};
    mtext_family(t, "kyodo_town_info", "gauge", "A registered town (1), with its name.");
    for (size_t i = 0; i < o->ntowns; i++) {
        l[1] = o->towns[i].code;
        l[3] = o->towns[i].name;
        mtext_sample(t, "kyodo_town_info", l, 2, 1, 0);
    }
    static const struct {
        const char *name, *help;
    } fam[] = {
        {"kyodo_town_active", "1 if the town is enabled (its staff may sign in)."},
        {"kyodo_town_ready", "1 if the town is enabled and its database open and migrated."},
        {"kyodo_town_sessions", "Live sessions of the town's staff."},
        {"kyodo_town_residents", "Persons resident in the town (住民, not 消除)."},
        {"kyodo_town_audit_entries", "Entries in the town's audit log."},
    };
    for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++) {
        mtext_family(t, fam[k].name, "gauge", fam[k].help);
        for (size_t i = 0; i < o->ntowns; i++) {
            const struct town_fig *f = &o->towns[i];
            int64_t v = k == 0 ? f->active : k == 1 ? f->ready : k == 2 ? f->sessions
                                                    : k == 3 ? f->residents
                                                             : f->audit_entries;
            if (v < 0)
                continue;
            l[1] = f->code;
            mtext_sample_i64(t, fam[k].name, l, 1, v);
        }
    }
    mtext_family(t, "kyodo_town_stats_age_seconds", "gauge",
                 "Seconds since the per-town figures were read (they are refreshed every"
                 " [metrics] town_stats_interval); -1 before the first time.");
    mtext_sample_i64(t, "kyodo_town_stats_age_seconds", NULL, 0,
                     o->towns_at_ms ? (clock_now_ms() - o->towns_at_ms) / 1000 : -1);
    mtext_family(t, "kyodo_town_stats_failed", "gauge",
                 "1 if the last refresh of the per-town figures failed.");
    mtext_sample(t, "kyodo_town_stats_failed", NULL, 0, o->towns_failed, 0);
    pthread_mutex_unlock(&o->lock);
}

static void render_process(struct observe *o, struct mtext *t)
{
    struct proc_stat p;
    read_proc(&p);
    const char *version[2] = {"version", KYODO_VERSION};
    mtext_family(t, "kyodo_build_info", "gauge", "The running version (1).");
    mtext_sample(t, "kyodo_build_info", version, 1, 1, 0);
    mtext_family(t, "kyodo_uptime_seconds", "gauge", "Seconds since the server started.");
    mtext_sample(t, "kyodo_uptime_seconds", NULL, 0,
                 (uint64_t)(clock_mono_us() - o->start_mono_us) / 1000000, 0);
    mtext_family(t, "kyodo_shutting_down", "gauge", "1 from SIGTERM on (readiness fails).");
    mtext_sample(t, "kyodo_shutting_down", NULL, 0, observe_stopping(o), 0);
    const char *res[2] = {"result", "applied"};
    mtext_family(t, "kyodo_config_reloads_total", "counter",
                 "Reloads of the configuration file (SIGHUP): applied, or refused (invalid file;"
                 " the configuration in force is kept).");
    mtext_sample(t, "kyodo_config_reloads_total", res, 1, atomic_load(&o->reloads_ok), 0);
    res[1] = "refused";
    mtext_sample(t, "kyodo_config_reloads_total", res, 1, atomic_load(&o->reloads_failed), 0);
    mtext_family(t, "kyodo_metrics_scrapes_total", "counter", "Answers to GET /metrics.");
    mtext_sample(t, "kyodo_metrics_scrapes_total", NULL, 0, atomic_load(&o->scrapes), 0);

    if (o->src.audit) {
        struct audit_queue_stats qs;
        audit_queue_stats(o->src.audit, &qs);
        mtext_family(t, "kyodo_audit_queue_reads_total", "counter",
                     "Reads whose audit entries the group commit wrote.");
        mtext_sample(t, "kyodo_audit_queue_reads_total", NULL, 0, qs.jobs, 0);
        mtext_family(t, "kyodo_audit_queue_entries_total", "counter",
                     "Audit entries the group commit wrote.");
        mtext_sample(t, "kyodo_audit_queue_entries_total", NULL, 0, qs.entries, 0);
        mtext_family(t, "kyodo_audit_queue_transactions_total", "counter",
                     "Transactions of the group commit (reads / transactions: the batch size).");
        mtext_sample(t, "kyodo_audit_queue_transactions_total", NULL, 0, qs.transactions, 0);
        mtext_family(t, "kyodo_audit_queue_failures_total", "counter",
                     "Transactions of the group commit that failed (their reads got an error).");
        mtext_sample(t, "kyodo_audit_queue_failures_total", NULL, 0, qs.failed, 0);
        mtext_family(t, "kyodo_audit_queue_depth", "gauge",
                     "Reads waiting for the group commit now.");
        mtext_sample(t, "kyodo_audit_queue_depth", NULL, 0, qs.depth, 0);
        const struct metrics_set *bs;
        const struct metrics_hist *bh;
        audit_queue_batches(o->src.audit, &bs, &bh);
        mtext_family(t, "kyodo_audit_queue_batch_reads", "histogram",
                     "Reads committed per transaction of the group commit.");
        mtext_hist(t, "kyodo_audit_queue_batch_reads", NULL, 0, bs, 0, bh);
    }

    static const char *const names[][3] = {
        {"process_resident_memory_bytes", "gauge", "Resident memory (RSS) in bytes."},
        {"process_virtual_memory_bytes", "gauge", "Virtual memory in bytes."},
        {"process_open_fds", "gauge", "Open file descriptors."},
        {"process_max_fds", "gauge", "The limit of open file descriptors."},
        {"process_threads", "gauge", "Threads of the process."},
    };
    int64_t vals[] = {p.rss_bytes, p.vsize_bytes, p.open_fds, p.max_fds, p.threads};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        if (vals[i] < 0)
            continue;
        mtext_family(t, names[i][0], names[i][1], names[i][2]);
        mtext_sample_i64(t, names[i][0], NULL, 0, vals[i]);
    }
    if (p.cpu_us >= 0) {
        mtext_family(t, "process_cpu_seconds_total", "counter",
                     "User and system CPU time of all threads, in seconds.");
        mtext_sample(t, "process_cpu_seconds_total", NULL, 0, (uint64_t)p.cpu_us, 6);
    }
    mtext_family(t, "process_start_time_seconds", "gauge",
                 "When the process started, in seconds since the Unix epoch.");
    mtext_sample(t, "process_start_time_seconds", NULL, 0, (uint64_t)o->start_ms, 3);
}

char *observe_render(struct observe *o, size_t *len)
{
    struct mtext t;
    mtext_init(&t, PAGE_MAX);
    render_requests(o, &t);
    render_towns(o, &t);
    render_process(o, &t);
    return mtext_finish(&t, len);
}

/* ---- the metrics listener ------------------------------------------------------ */

static void answer(struct http_response *resp, int status, const char *json)
{
    resp->status = status;
    resp->content_type = "application/json; charset=utf-8";
    resp->body_arena = json;
    resp->body_len = strlen(json);
    http_response_header(resp, "Cache-Control", "no-store");
}

/* The token, if one is set, as "Authorization: Bearer <token>", compared in
 * constant time. */
static bool authorised(struct observe *o, struct http_request *req)
{
    char token[sizeof o->token];
    pthread_mutex_lock(&o->lock);
    memcpy(token, o->token, sizeof token);
    pthread_mutex_unlock(&o->lock);
    size_t n = strlen(token);
    if (n == 0)
        return true;
    const char *h = http_header(req, "Authorization");
    bool ok = h && strncmp(h, "Bearer ", 7) == 0 && strlen(h + 7) == n &&
              sodium_memcmp(h + 7, token, n) == 0;
    sodium_memzero(token, sizeof token);
    return ok;
}

void observe_dispatch(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct observe *o = ctx;
    if (strcmp(req->path, "/metrics") != 0) {
        answer(resp, 404,
               "{\"error\":{\"code\":\"not_found\",\"message\":\"this listener serves"
               " GET /metrics only\",\"field\":null}}");
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        answer(resp, 405,
               "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"method not allowed"
               " here; allowed: GET\",\"field\":null}}");
        http_response_header(resp, "Allow", "GET");
        return;
    }
    if (!authorised(o, req)) {
        answer(resp, 401,
               "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"a scrape must send the"
               " [metrics] token as Authorization: Bearer\",\"field\":\"Authorization\"}}");
        http_response_header(resp, "WWW-Authenticate", "Bearer");
        return;
    }
    atomic_fetch_add(&o->scrapes, 1);
    size_t len;
    char *page = observe_render(o, &len);
    if (!page) {
        answer(resp, 500,
               "{\"error\":{\"code\":\"internal\",\"message\":\"the metrics page could not be"
               " written\",\"field\":null}}");
        return;
    }
    resp->status = 200;
    resp->content_type = MTEXT_CONTENT_TYPE;
    resp->body_malloc = page;
    resp->body_len = len;
    http_response_header(resp, "Cache-Control", "no-store");
}
