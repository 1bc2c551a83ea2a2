/*
 * session.c — session tokens, lookup with a per-thread cache, CSRF tokens.
 */
#include "engine/session.h"

#include "base/clock.h"

#include <sodium.h>
#include <string.h>

static const struct store_migration session_steps[] = {
    {1, "CREATE TABLE sessions ("
        " token_hash BLOB PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " epoch INTEGER NOT NULL,"
        " csrf TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " last_seen INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL"
        ") STRICT, WITHOUT ROWID;"
        "CREATE INDEX sessions_by_user ON sessions (user_id);"},
};

const struct store_schema session_schema = {"sessions", session_steps,
                                            sizeof session_steps / sizeof session_steps[0]};

enum { TOKEN_BYTES = 32 };

static void random_token(char out[SESSION_TOKEN_LEN + 1], unsigned char raw[TOKEN_BYTES])
{
    randombytes_buf(raw, TOKEN_BYTES);
    sodium_bin2base64(out, SESSION_TOKEN_LEN + 1, raw, TOKEN_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes a token from the cookie and hashes it; false if malformed. */
static bool token_hash(const char *token, size_t len, unsigned char hash[32])
{
    unsigned char raw[TOKEN_BYTES];
    size_t n = 0;
    if (len != SESSION_TOKEN_LEN)
        return false;
    if (sodium_base642bin(raw, sizeof raw, token, len, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != TOKEN_BYTES)
        return false;
    crypto_hash_sha256(hash, raw, TOKEN_BYTES);
    return true;
}

/* ---- per-thread cache ----------------------------------------------------
 *
 * A direct-mapped table of recently seen sessions, keyed by the token as the
 * cookie carries it (compared in constant time), so a hit needs neither the
 * base64 decoding nor the SHA-256 of the token. It is emptied whenever the
 * control database's commit counter moves, i.e. after any change this
 * process commits there (a sign-in, a disabled user, a renamed town). An
 * entry is also trusted for at most CACHE_TTL_MS: changes made by another
 * process (the CLI disabling a user) are seen within that time.
 */
enum { CACHE_SLOTS = 64, CACHE_TTL_MS = 1000 };

struct cached {
    bool used;
    char token[SESSION_TOKEN_LEN];
    int64_t filled_ms;
    struct principal p;
};

static _Thread_local struct {
    struct store *ctl; /* the connection the cache was filled through */
    uint64_t commits;  /* its commit counter when the cache was last valid */
    struct cached slot[CACHE_SLOTS];
} cache;

void session_cache_clear(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        cache.slot[i].used = false;
    cache.ctl = NULL;
}

/* Returns the slot for a well-formed token, emptying the cache first if the
 * database moved. */
static struct cached *cache_slot(struct store *ctl, const char *token)
{
    uint64_t v = store_commits(ctl);
    if (cache.ctl != ctl || cache.commits != v) {
        session_cache_clear();
        cache.ctl = ctl;
        cache.commits = v;
    }
    unsigned idx = ((unsigned char)token[0] | (unsigned)(unsigned char)token[1] << 8) % CACHE_SLOTS;
    return &cache.slot[idx];
}

/* ---- sessions ------------------------------------------------------------ */

static const char SQL_INSERT[] =
    "INSERT INTO sessions (token_hash, user_id, epoch, csrf, created_at, last_seen, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)";

int session_create(struct store *ctl, const struct auth_policy *policy, const struct user *u,
                   int64_t now_ms, char token[SESSION_TOKEN_LEN + 1], struct principal *out,
                   struct kd_err *err)
{
    unsigned char raw[TOKEN_BYTES], hash[32], csrf_raw[TOKEN_BYTES];
    struct tenant t;
    if (tenant_get(ctl, u->tenant, &t, err) < 0)
        return -1;
    random_token(token, raw);
    crypto_hash_sha256(hash, raw, TOKEN_BYTES);
    sodium_memzero(raw, sizeof raw);

    memset(out, 0, sizeof *out);
    out->user_id = u->id;
    memcpy(out->tenant, u->tenant, sizeof out->tenant);
    memcpy(out->tenant_name, t.name, sizeof out->tenant_name);
    memcpy(out->login, u->login, sizeof out->login);
    memcpy(out->name, u->name, sizeof out->name);
    out->role = u->role;
    random_token(out->csrf, csrf_raw);
    out->created_ms = now_ms;
    out->last_seen_ms = now_ms;
    out->expires_ms = now_ms + policy->lifetime_ms;

    struct store_stmt *st = store_prepare(ctl, SQL_INSERT, err);
    if (!st)
        return -1;
    store_bind_blob(st, 1, hash, sizeof hash);
    store_bind_i64(st, 2, u->id);
    store_bind_i64(st, 3, u->epoch);
    store_bind_str(st, 4, out->csrf);
    store_bind_i64(st, 5, now_ms);
    store_bind_i64(st, 6, now_ms);
    store_bind_i64(st, 7, out->expires_ms);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

static const char SQL_LOOKUP[] =
    "SELECT s.epoch, s.csrf, s.created_at, s.last_seen, s.expires_at,"
    " u.id, u.tenant_code, u.login, u.name, u.role, u.disabled, u.epoch,"
    " t.name, t.active"
    " FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.code = u.tenant_code"
    " WHERE s.token_hash = ?";

static const char SQL_DELETE[] = "DELETE FROM sessions WHERE token_hash = ?";
static const char SQL_TOUCH[] = "UPDATE sessions SET last_seen = ? WHERE token_hash = ?";

static void copy_col(struct store_stmt *st, int col, char *dst, size_t cap)
{
    size_t n;
    const char *s = store_col_text(st, col, &n);
    kd_copy_utf8(dst, cap, s, n);
}

/* Both writes move the control database's commit counter, which empties
 * this thread's cache (and every other thread's) on its next lookup. */
static int delete_by_hash(struct store *ctl, const unsigned char hash[32], struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_DELETE, err);
    if (!st)
        return -1;
    store_bind_blob(st, 1, hash, 32);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

static int touch(struct store *ctl, const unsigned char hash[32], int64_t now_ms,
                 struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_TOUCH, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, now_ms);
    store_bind_blob(st, 2, hash, 32);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* Reads the session from the database; 1 found and valid, 0 ended (deleted),
 * -1 error. */
static int load(struct store *ctl, const struct auth_policy *policy,
                const unsigned char hash[32], int64_t now_ms, struct principal *p,
                struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_LOOKUP, err);
    if (!st)
        return -1;
    store_bind_blob(st, 1, hash, 32);
    enum store_step rc = store_step(st, err);
    if (rc != STORE_ROW) {
        store_reset(st);
        return rc == STORE_DONE ? 0 : -1;
    }
    int64_t session_epoch = store_col_i64(st, 0);
    memset(p, 0, sizeof *p);
    copy_col(st, 1, p->csrf, sizeof p->csrf);
    p->created_ms = store_col_i64(st, 2);
    p->last_seen_ms = store_col_i64(st, 3);
    p->expires_ms = store_col_i64(st, 4);
    p->user_id = store_col_i64(st, 5);
    copy_col(st, 6, p->tenant, sizeof p->tenant);
    copy_col(st, 7, p->login, sizeof p->login);
    copy_col(st, 8, p->name, sizeof p->name);
    size_t n;
    const char *role = store_col_text(st, 9, &n);
    if (!role_parse(role, n, &p->role))
        p->role = ROLE_COUNT;
    bool disabled = store_col_i64(st, 10) != 0;
    int64_t user_epoch = store_col_i64(st, 11);
    copy_col(st, 12, p->tenant_name, sizeof p->tenant_name);
    bool town_active = store_col_i64(st, 13) != 0;
    store_reset(st);

    bool ended = disabled || !town_active || session_epoch != user_epoch ||
                 now_ms >= p->expires_ms || now_ms - p->last_seen_ms >= policy->idle_ms;
    if (ended) {
        return delete_by_hash(ctl, hash, err) < 0 ? -1 : 0;
    }
    return 1;
}

int session_lookup(struct store *ctl, const struct auth_policy *policy, const char *token,
                   size_t len, int64_t now_ms, struct principal *out, struct kd_err *err)
{
    if (len != SESSION_TOKEN_LEN)
        return kd_fail(err, KD_UNAUTHENTICATED, NULL, "not signed in");
    struct cached *c = cache_slot(ctl, token);
    if (c->used && sodium_memcmp(c->token, token, SESSION_TOKEN_LEN) == 0) {
        bool live = now_ms < c->p.expires_ms && now_ms - c->p.last_seen_ms < policy->idle_ms;
        bool fresh = now_ms - c->filled_ms < CACHE_TTL_MS;
        if (live && fresh && now_ms - c->p.last_seen_ms < policy->touch_ms) {
            *out = c->p;
            return 0;
        }
        /* Ending or due a touch: take the slow path, which decides and writes. */
    }
    unsigned char hash[32];
    if (!token_hash(token, len, hash))
        return kd_fail(err, KD_UNAUTHENTICATED, NULL, "not signed in");
    int found = load(ctl, policy, hash, now_ms, out, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return kd_fail(err, KD_UNAUTHENTICATED, NULL, "session ended; sign in again");
    if (now_ms - out->last_seen_ms >= policy->touch_ms) {
        if (touch(ctl, hash, now_ms, err) < 0)
            return -1;
        out->last_seen_ms = now_ms;
    }
    /* Take the slot again: our own writes above may have moved the counter. */
    c = cache_slot(ctl, token);
    c->used = true;
    memcpy(c->token, token, SESSION_TOKEN_LEN);
    c->filled_ms = now_ms;
    c->p = *out;
    return 0;
}

int session_delete(struct store *ctl, const char *token, size_t len, struct kd_err *err)
{
    unsigned char hash[32];
    if (!token_hash(token, len, hash))
        return 0;
    return delete_by_hash(ctl, hash, err);
}

static const char SQL_SWEEP[] =
    "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen <= ?1 - ?2"
    " OR epoch <> (SELECT epoch FROM users WHERE users.id = sessions.user_id)";

int64_t session_sweep(struct store *ctl, const struct auth_policy *policy, int64_t now_ms,
                      struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_SWEEP, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, now_ms);
    store_bind_i64(st, 2, policy->idle_ms);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? store_changes(ctl) : -1;
}

bool session_csrf_ok(const struct principal *p, const char *token, size_t len)
{
    if (len != SESSION_TOKEN_LEN || strlen(p->csrf) != SESSION_TOKEN_LEN)
        return false;
    return sodium_memcmp(p->csrf, token, SESSION_TOKEN_LEN) == 0;
}

static const char SQL_COUNT_BY_TOWN[] =
    "SELECT u.tenant_code, count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.expires_at > ?1 AND ?1 - s.last_seen < ?2 AND s.epoch = u.epoch"
    " GROUP BY u.tenant_code";

int session_count_by_town(struct store *ctl, const struct auth_policy *policy, int64_t now_ms,
                          session_count_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_COUNT_BY_TOWN, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, now_ms);
    store_bind_i64(st, 2, policy->idle_ms);
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        each(ctx, store_col_text(st, 0, NULL), store_col_i64(st, 1));
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}
