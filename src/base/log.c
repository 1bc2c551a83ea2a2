/*
 * log.c — JSON-lines logging without allocation.
 */
#include "base/log.h"

#include "base/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_fd = 2;
static atomic_int log_level = LOG_INFO;

void log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

void log_set_level(enum log_level level)
{
    atomic_store(&log_level, (int)level);
}

static void put(struct logline *l, const char *s, size_t n)
{
    /* Keep room for the closing `,"truncated":true}\n`. */
    const size_t reserve = 24;
    if (l->truncated)
        return;
    if (l->len + n + reserve > sizeof l->buf) {
        l->truncated = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* Writes a JSON string literal. Bytes >= 0x80 are copied as they are: callers
 * pass UTF-8, and a log line is never parsed back by us. */
static void put_json_string(struct logline *l, const char *s, size_t n)
{
    put(l, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(l, s + start, i - start);
        char esc[8];
        switch (c) {
        case '"': put(l, "\\\"", 2); break;
        case '\\': put(l, "\\\\", 2); break;
        case '\n': put(l, "\\n", 2); break;
        case '\t': put(l, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(l, esc, 6);
        }
        start = i + 1;
    }
    put(l, s + start, n - start);
    put(l, "\"", 1);
}

static void put_key(struct logline *l, const char *key)
{
    put(l, ",", 1);
    put_json_string(l, key, strlen(key));
    put(l, ":", 1);
}

void logline_begin(struct logline *l, enum log_level level, const char *msg)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    l->len = 0;
    l->truncated = false;
    l->skip = (int)level < atomic_load(&log_level);
    if (l->skip)
        return;
    char ts[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), ts);
    put(l, "{\"ts\":\"", 7);
    put(l, ts, strlen(ts));
    put(l, "\",\"level\":\"", 11);
    put(l, names[level], strlen(names[level]));
    put(l, "\"", 1);
    put_key(l, "msg");
    put_json_string(l, msg, strlen(msg));
}

/* A field is written whole or not at all: on overflow the line goes back to
 * where the field began, so the line stays valid JSON. */
static void field_done(struct logline *l, size_t start)
{
    if (l->truncated)
        l->len = start;
}

void logline_strn(struct logline *l, const char *key, const char *value, size_t len)
{
    if (l->skip || l->truncated)
        return;
    size_t start = l->len;
    put_key(l, key);
    if (value)
        put_json_string(l, value, len);
    else
        put(l, "null", 4);
    field_done(l, start);
}

void logline_str(struct logline *l, const char *key, const char *value)
{
    logline_strn(l, key, value, value ? strlen(value) : 0);
}

void logline_text(struct logline *l, const char *key, const char *value)
{
    static const char withheld[] = "[digits withheld]";
    if (!value) {
        logline_str(l, key, NULL);
        return;
    }
    char buf[LOG_LINE_MAX];
    size_t o = 0;
    for (size_t i = 0; value[i] && o < sizeof buf - sizeof withheld;) {
        size_t j = i;
        while (value[j] >= '0' && value[j] <= '9')
            j++;
        if (j - i >= 12) {
            memcpy(buf + o, withheld, sizeof withheld - 1);
            o += sizeof withheld - 1;
            i = j;
        } else if (j > i) {
            size_t n = j - i < sizeof buf - sizeof withheld - o ? j - i
                                                                 : sizeof buf - sizeof withheld - o;
            memcpy(buf + o, value + i, n);
            o += n;
            i = j;
        } else {
            buf[o++] = value[i++];
        }
    }
    logline_strn(l, key, buf, o);
}

void logline_int(struct logline *l, const char *key, int64_t value)
{
    if (l->skip || l->truncated)
        return;
    size_t start = l->len;
    char num[24];
    size_t i = sizeof num;
    uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        num[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (value < 0)
        num[--i] = '-';
    put_key(l, key);
    put(l, num + i, sizeof num - i);
    field_done(l, start);
}

void logline_bool(struct logline *l, const char *key, bool value)
{
    if (l->skip || l->truncated)
        return;
    size_t start = l->len;
    put_key(l, key);
    put(l, value ? "true" : "false", value ? 4 : 5);
    field_done(l, start);
}

static void write_all(const char *p, size_t left)
{
    int fd = atomic_load(&log_fd);
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w <= 0)
            return; /* nowhere to report a failing log; drop the line */
        p += w;
        left -= (size_t)w;
    }
}

/* ---- asynchronous mode ----------------------------------------------------
 *
 * Lock order: mu, then write_mu. The flusher takes write_mu before it lets
 * go of mu, and a writer that finds the buffer full writes it out itself
 * holding both, so batches reach the file in the order lines were made.
 */
enum { ASYNC_CAP = 256 << 10, FLUSH_MS = 50 };

static struct {
    pthread_mutex_t mu, write_mu;
    pthread_cond_t wake;
    pthread_t thread;
    atomic_bool running;
    bool stop;
    char *buf, *spare;
    size_t len;
} async = {.mu = PTHREAD_MUTEX_INITIALIZER,
         .write_mu = PTHREAD_MUTEX_INITIALIZER,
         .wake = PTHREAD_COND_INITIALIZER};

static void *flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&async.mu);
    for (;;) {
        if (async.len == 0 && !async.stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += FLUSH_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&async.wake, &async.mu, &until);
        }
        if (async.len == 0 && async.stop)
            break;
        char *batch = async.buf;
        size_t n = async.len;
        async.buf = async.spare;
        async.spare = batch;
        async.len = 0;
        pthread_mutex_lock(&async.write_mu);
        pthread_mutex_unlock(&async.mu);
        write_all(batch, n);
        pthread_mutex_unlock(&async.write_mu);
        pthread_mutex_lock(&async.mu);
    }
    pthread_mutex_unlock(&async.mu);
    return NULL;
}

int log_async_start(void)
{
    async.buf = malloc(ASYNC_CAP);
    async.spare = malloc(ASYNC_CAP);
    if (!async.buf || !async.spare) {
        free(async.buf);
        free(async.spare);
        return -1;
    }
    async.len = 0;
    async.stop = false;
    if (pthread_create(&async.thread, NULL, flusher, NULL) != 0) {
        free(async.buf);
        free(async.spare);
        return -1;
    }
    atomic_store(&async.running, true);
    return 0;
}

void log_async_stop(void)
{
    if (!atomic_load(&async.running))
        return;
    pthread_mutex_lock(&async.mu);
    async.stop = true;
    pthread_cond_signal(&async.wake);
    pthread_mutex_unlock(&async.mu);
    pthread_join(async.thread, NULL);
    atomic_store(&async.running, false);
    free(async.buf);
    free(async.spare);
    async.buf = async.spare = NULL;
}

static void emit(const char *line, size_t n)
{
    if (!atomic_load(&async.running)) {
        write_all(line, n);
        return;
    }
    pthread_mutex_lock(&async.mu);
    if (async.stop || !async.buf) {
        pthread_mutex_unlock(&async.mu);
        write_all(line, n);
        return;
    }
    if (async.len + n > ASYNC_CAP) {
        /* The flusher is behind: write the buffer out here, in order. */
        pthread_mutex_lock(&async.write_mu);
        write_all(async.buf, async.len);
        async.len = 0;
        pthread_mutex_unlock(&async.write_mu);
    }
    memcpy(async.buf + async.len, line, n);
    async.len += n;
    if (async.len > ASYNC_CAP / 2)
        pthread_cond_signal(&async.wake);
    pthread_mutex_unlock(&async.mu);
}

void logline_end(struct logline *l)
{
    if (l->skip)
        return;
    if (l->truncated) {
        memcpy(l->buf + l->len, ",\"truncated\":true", 17);
        l->len += 17;
    }
    l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    emit(l->buf, l->len);
}

void log_msg(enum log_level level, const char *msg, const char *detail)
{
    struct logline l;
    logline_begin(&l, level, msg);
    if (detail)
        logline_text(&l, "detail", detail);
    logline_end(&l);
}
