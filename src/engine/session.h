/*
 * session.h — sign-in sessions, in the control database.
 *
 * A session is created after a successful user_authenticate(). Its token is
 * 32 random bytes sent to the browser (base64url, 43 characters) in an
 * HttpOnly cookie; the database keeps only the token's SHA-256, so a copy of
 * the database does not give anyone a session. Each session also has a CSRF
 * token, returned to the page in JSON and required in the X-CSRF-Token header
 * of every state-changing request.
 *
 * A session ends when unused for idle_ms, lifetime_ms after sign-in, on
 * sign-out, and when its user's epoch moves on (password change, disabled
 * account) or its town is disabled.
 *
 * session_lookup() is on the path of every authenticated request. Each
 * thread keeps a small cache of sessions it has seen, emptied by any change
 * this process commits to the control database (store_commits), so a change
 * made through the server is seen by the very next request. Cached entries
 * are also re-read after one second, which bounds how long a change made by
 * another process (the CLI) takes to apply. So ctl must be a connection
 * from catalog_control(), whose commit counter drives the cache.
 */
#ifndef KYODO_ENGINE_SESSION_H
#define KYODO_ENGINE_SESSION_H

#include "engine/tenant.h"
#include "engine/user.h"

#define SESSION_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */

extern const struct store_schema session_schema;

struct principal {
    int64_t user_id;
    char tenant[7];
    char tenant_name[TENANT_NAME_CHARS * 4 + 1];
    char login[USER_LOGIN_MAX + 1];
    char name[USER_NAME_CHARS * 4 + 1];
    enum role role;
    char csrf[SESSION_TOKEN_LEN + 1];
    int64_t created_ms;
    int64_t last_seen_ms;
    int64_t expires_ms; /* absolute end */
};

/* Creates a session for an authenticated user; writes the token to send to
 * the browser and fills *out. */
int session_create(struct store *ctl, const struct auth_policy *policy, const struct user *u,
                   int64_t now_ms, char token[SESSION_TOKEN_LEN + 1], struct principal *out,
                   struct kd_err *err);

/* Resolves a token to its principal. KD_UNAUTHENTICATED when the token is
 * malformed, unknown or the session has ended (and then deletes it). */
int session_lookup(struct store *ctl, const struct auth_policy *policy, const char *token,
                   size_t len, int64_t now_ms, struct principal *out, struct kd_err *err);

/* Ends one session (no error if it is already gone). */
int session_delete(struct store *ctl, const char *token, size_t len, struct kd_err *err);

/* Deletes sessions that have ended; returns how many. */
int64_t session_sweep(struct store *ctl, const struct auth_policy *policy, int64_t now_ms,
                      struct kd_err *err);

/* True if the CSRF token matches the session's (constant time). */
/* Counts the live sessions of each town (not ended by time; a session's
 * last use is written at most every touch_ms, so the idle cut is that
 * approximate): calls each(ctx, town code, count) for towns with any. For
 * metrics: no personal data, one indexed query. */
typedef void (*session_count_fn)(void *ctx, const char *town, int64_t sessions);
int session_count_by_town(struct store *ctl, const struct auth_policy *policy, int64_t now_ms,
                          session_count_fn each, void *ctx, struct kd_err *err);

bool session_csrf_ok(const struct principal *p, const char *token, size_t len);

/* Drops this thread's session cache (tests; thread exit frees it too). */
void session_cache_clear(void);

#endif
