/*
 * log.h — structured logs: one JSON object per line.
 *
 * Every line carries "ts" (UTC), "level" and "msg"; callers add fields with
 * the logline_* builders and finish with logline_end(), which emits the line
 * with a single write(2) so that lines from several threads never interleave.
 *
 * Nothing personal goes into a log: no names, addresses, 個人番号, passwords
 * or session tokens; requests are logged by route pattern, not by raw path.
 * Lines longer than LOG_LINE_MAX are cut and marked "truncated".
 */
#ifndef KYODO_BASE_LOG_H
#define KYODO_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

#define LOG_LINE_MAX 2048

struct logline {
    char buf[LOG_LINE_MAX];
    size_t len;
    bool truncated;
    bool skip; /* below the configured level */
};

/* Where lines go (default: stderr) and the lowest level written. */
void log_set_fd(int fd);
void log_set_level(enum log_level level);

void logline_begin(struct logline *l, enum log_level level, const char *msg);
void logline_str(struct logline *l, const char *key, const char *value);
void logline_strn(struct logline *l, const char *key, const char *value, size_t len);
/* Free text that may quote input (error messages): as logline_str, but every
 * run of 12 or more ASCII digits — a 個人番号 has 12 — is written as
 * "[digits withheld]". */
void logline_text(struct logline *l, const char *key, const char *value);
void logline_int(struct logline *l, const char *key, int64_t value);
void logline_bool(struct logline *l, const char *key, bool value);
void logline_end(struct logline *l);

/*
 * Asynchronous mode, for the server: lines are appended to a buffer under a
 * mutex and written in batches by a background thread at least every 50 ms
 * (and at once when the buffer is half full), in order. log_async_stop()
 * writes what is left and joins the thread; call it before exit.
 */
int log_async_start(void);
void log_async_stop(void);

/* One-line helpers for a message with no fields beyond a free-text detail
 * (written with logline_text). */
void log_msg(enum log_level level, const char *msg, const char *detail);

#endif
