/*
 * audit.h — each town's tamper-evident audit log.
 *
 * Every login and every read or write of personal data appends one entry to
 * the town's own database: when, who (user and role), what (action and
 * outcome), whose (subject: the 宛名番号 where there is one), why (purpose),
 * and the request it belongs to. Entries are numbered 1, 2, 3 … (seq) and
 * chained: each stores the SHA-256 of the previous entry (prev_hash) and its
 * own hash over its fields and prev_hash. The first entry's prev_hash is
 * SHA-256("kyodo-audit-v1:" + town code), binding the chain to its town.
 *
 * The exact bytes hashed are documented in docs/architecture.md ("Audit") so
 * that a third party can verify a chain without kyodo.
 *
 * Nothing in an entry may hold a 個人番号, a password or a session token:
 * detail is a short description for the auditor, not a copy of the data.
 */
#ifndef KYODO_ENGINE_AUDIT_H
#define KYODO_ENGINE_AUDIT_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define AUDIT_HASH_LEN 32

extern const struct store_schema audit_schema;

struct audit_entry {
    int64_t seq;            /* set by audit_append */
    int64_t at_ms;          /* set by audit_append when 0 */
    int64_t user_id;        /* 0 when no user is known */
    const char *user_login; /* "" for the system; the attempted name for a failed login */
    const char *role;       /* role name, "" when unknown */
    const char *action;     /* "<module>.<verb>", e.g. "session.login" */
    const char *outcome;    /* "ok", "denied" or "failed" */
    const char *subject;    /* 宛名番号, or NULL */
    const char *purpose;    /* why the data was touched */
    const char *request_id; /* the HTTP request id, or "cli-…" */
    const char *detail;     /* short, non-personal; may be "" */
};

/* Appends an entry. If the connection is inside a write transaction the entry
 * joins it (and commits or rolls back with the change it records); otherwise
 * the append is its own write transaction. On success e->seq and e->at_ms
 * are set. */
int audit_append(struct store *town, const char *town_code, struct audit_entry *e,
                 struct kd_err *err);

/* An anchor: the hash an entry had when someone outside the database wrote
 * it down (kyodo audit verify prints the head after every run). */
struct audit_anchor {
    int64_t seq;
    unsigned char hash[AUDIT_HASH_LEN];
};

struct audit_verdict {
    bool ok;
    int64_t entries;   /* entries checked (all of them when ok) */
    int64_t first_bad; /* seq of the first entry that fails, when !ok */
    char reason[200];
    unsigned char head[AUDIT_HASH_LEN]; /* hash of the last good entry */
};

/* Walks the whole chain in one read snapshot. Returns 0 with a verdict (a
 * broken chain is a verdict, not an error); -1 only if the log cannot be read
 * at all. A chain is only self-consistent: entries removed from its end leave
 * a shorter valid chain. Given an anchor (may be NULL), the verdict also
 * fails unless the chain still reaches the anchored entry with the anchored
 * hash, which catches such truncation back to the anchor. */
int audit_verify(struct store *town, const char *town_code, const struct audit_anchor *anchor,
                 struct audit_verdict *v, struct kd_err *err);

/* The number of entries in a town's log (its last seq: one index lookup). */
int audit_count(struct store *town, int64_t *entries, struct kd_err *err);

struct audit_filter {
    const char *user_login; /* NULL: any */
    const char *subject;    /* NULL: any */
    const char *action;     /* NULL: any */
    bool has_from, has_to;
    int64_t from_ms;        /* inclusive, when has_from */
    int64_t to_ms;          /* exclusive, when has_to */
    int64_t before_seq;     /* 0: from the newest; else entries with seq < before_seq */
    int limit;              /* 1..500 */
};

/* Calls each() for matching entries, newest first. The entry's strings are
 * valid only during the call. Returns the number of entries or -1. */
typedef int (*audit_each_fn)(void *ctx, const struct audit_entry *e,
                             const unsigned char hash[AUDIT_HASH_LEN]);
int audit_list(struct store *town, const struct audit_filter *f, audit_each_fn each, void *ctx,
               struct kd_err *err);

#endif
