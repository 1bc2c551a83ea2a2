/*
 * residents.h — 住民基本台帳: one town's resident register.
 *
 * The register is event-sourced and append-only (docs/residents.md):
 *
 *   idou                  every 異動 (event) as submitted and validated: its
 *                         kind, 異動日 (valid time), 届出日, 処理日時 (recorded
 *                         time) and body; never changed.
 *   resident_versions     full snapshots of a person's record (struct
 *                         record), key 宛名番号 + 履歴番号, each made by one
 *                         異動 and true from its 異動日; never changed.
 *   version_supersessions when a 異動 arrives out of order (backdated), or an
 *                         earlier one is corrected (誤記修正) or cancelled
 *                         (異動の取消し), the later snapshots of the persons it
 *                         touches are recorded here as superseded, and
 *                         recomputed snapshots are appended.
 *
 * So a person can be read as of any date (valid time) as it is known now, or
 * as it was known at any earlier instant (recorded time). Removed residents
 * are kept: their last snapshot has status "removed" (除票).
 *
 * Every function works on one town's connection and joins the caller's write
 * transaction when one is open. Nothing here writes the audit log: callers
 * (the API) record who read or changed whose data.
 */
#ifndef KYODO_RESIDENTS_RESIDENTS_H
#define KYODO_RESIDENTS_RESIDENTS_H

#include "base/arena.h"
#include "base/err.h"
#include "residents/record.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

extern const struct store_schema residents_schema;

enum idou_class {
    IDOU_KISAI, /* 記載: records are created */
    IDOU_SHOJO, /* 消除: records become 除票 */
    IDOU_SHUSEI /* 修正: records change */
};

/* What a kind of 異動 needs and allows. */
enum idou_flags {
    IDOU_NEW_PERSONS = 1 << 0,  /* persons[]: the records it creates */
    IDOU_SUBJECTS = 1 << 1,     /* subjects[]: the existing records it changes */
    IDOU_ONE_SUBJECT = 1 << 2,  /* exactly one subject */
    IDOU_FUTURE_OK = 1 << 3,    /* 異動日 may be after today (転出 only, 4.0.3) */
    IDOU_UNKNOWN_DATE = 1 << 4, /* 異動日 may be 不詳 (出生, 死亡) */
    IDOU_JAPANESE = 1 << 5,     /* for 日本人住民 only */
    IDOU_FOREIGN = 1 << 6,      /* for 外国人住民 only */
    IDOU_TARGET = 1 << 7,       /* names an earlier 異動 (誤記修正, 取消し) */
    IDOU_HOUSEHOLD = 1 << 8,    /* may name a household to join (setai) */
    IDOU_MIGRATED = 1 << 9,     /* brought by a migration (bulk.h); never recorded by a body */
};

struct idou_kind {
    const char *code;  /* stable id in the API: "kokunai_tennyu" */
    const char *label; /* 異動事由: 国内転入 */
    enum idou_class cls;
    unsigned flags;
    const char *changes; /* fields allowed in changes{}, space-separated ("" none) */
};

extern const struct idou_kind idou_kinds[];
extern const int idou_kind_count;
const struct idou_kind *idou_kind_find(const char *code);
const char *idou_class_label(enum idou_class c); /* 記載, 消除, 修正 */

/* Who is recording the event (for the event row; the audit log is the
 * caller's). */
struct idou_actor {
    const char *user_login;
    const char *request_id;
    int64_t now_ms;   /* the recorded time */
    const char *today; /* today in Japan, ISO: 異動日 may not be later (except 転出) */
};

struct idou_result {
    int64_t idou_id;
    int count;             /* persons whose records changed */
    const char **atena;    /* their 宛名番号 (arena) */
    const char *new_setai; /* a household the event created, or NULL */
};

/*
 * Records a 異動 given as a JSON object (the API body, see docs/residents.md
 * for each kind's fields): validates it against the register as of its
 * 異動日 (state, dates, household consistency), stores it, appends the
 * persons' new snapshots (recomputing later ones when it is backdated, a
 * correction or a cancellation), and tells the subscribers. All in one write
 * transaction, all or nothing. Errors name the field ("persons[1].birth",
 * "subjects[0].atena", "idou_date") and say why; KD_NOT_FOUND for a 宛名番号
 * or target that does not exist; KD_CONFLICT when the register's state
 * forbids the event (a 転居 of someone removed).
 */
int residents_record_idou(struct store *town, json_t *body, const struct idou_actor *who,
                          struct idou_result *out, struct arena *a, struct kd_err *err);

/* A person's record as of `date` (ISO; valid time), as known at `known_ms`
 * (recorded time; 0 = now). KD_NOT_FOUND if the person had no record yet on
 * that date, or is unknown. */
int residents_person_as_of(struct store *town, const char *atena, const char *date,
                           int64_t known_ms, struct record *out, struct arena *a,
                           struct kd_err *err);

/* Every snapshot of a person, in 履歴番号 order, each with the 異動 that made
 * it and whether it is superseded (and when). */
struct version_info {
    struct record r;
    const char *idou_kind; /* code */
    const char *superseded_at; /* "" if still believed */
};
typedef int (*version_fn)(void *ctx, const struct version_info *v);
int residents_person_history(struct store *town, const char *atena, version_fn each, void *ctx,
                             struct arena *a, struct kd_err *err);

/* The members of a household as of `date`, in the standard's order (世帯主,
 * 配偶者, 子 by birth …). Returns the count (0: no such household then). */
typedef int (*member_fn)(void *ctx, const struct record *r);
int residents_household_as_of(struct store *town, const char *setai, const char *date,
                              int64_t known_ms, member_fn each, void *ctx, struct arena *a,
                              struct kd_err *err);

/*
 * Search. Criteria (NULL: not used) are combined with AND:
 *   kana        a reading, folded (engine/kana.h) and matched as a prefix of
 *               any of the person's readings (氏名, 通称, 旧氏)
 *   name        a name, folded the same way, prefix of 氏名, 通称, 旧氏 or the
 *               alphabet name
 *   birth       an exact date; atena, jumin_code exact
 *   status      "resident" (on `today`), "removed" (除票) or "all"
 * Hits come ordered by the matched key then 宛名番号 (or by 宛名番号 when
 * neither kana nor name is given), at most limit, after the cursor
 * (after_key, after_atena) of a previous page. A person whose readings both
 * match appears once per reading.
 */
struct search_query {
    /* At most one of kana, name and address (each a prefix of a key). */
    const char *kana, *name, *address, *birth, *atena, *jumin_code;
    const char *status;
    const char *today;
    int limit;
    const char *after_key, *after_atena;
    /* The searcher may see the addresses of persons under a support measure
     * (perm residents suppressed); otherwise their hits come with the
     * address blanked, and a search by address leaves them out. */
    bool see_suppressed;
};

struct search_hit {
    const char *atena, *setai, *status, *removal_date;
    const char *shimei, *shimei_kana, *birth, *address;
    const char *key; /* the matched key ("" without kana, name or address) */
    /* 抑止 (suppression.h): the person is covered by a measure that applies
     * today, or lives in the household of one who is. */
    bool suppressed_person, suppressed_household;
    int64_t suppression;  /* a measure that applies (0: none) */
    bool address_masked;  /* address blanked for this searcher */
    bool omitted;         /* not to be shown at all: only its key counts for the cursor */
};
typedef int (*hit_fn)(void *ctx, const struct search_hit *h);
int residents_search(struct store *town, const struct search_query *q, hit_fn each, void *ctx,
                     struct arena *a, struct kd_err *err);

/* The event feed: events with id > after, oldest first, at most limit. */
/* A register event: a 異動, or an age milestone (kind "nenrei_toutatsu",
 * age set, idou_date the day the age is reached, idou_id 0). */
struct feed_event {
    int64_t id;
    int64_t idou_id;
    const char *kind, *label, *cls;
    const char *idou_date, *recorded_at;
    const char *cancels; /* "" or the cancelled event's id */
    int age;             /* 0 for a 異動 */
    int count;
    const char **atena;
};
typedef int (*feed_fn)(void *ctx, const struct feed_event *e);
int residents_feed(struct store *town, int64_t after, int limit, feed_fn each, void *ctx,
                   struct arena *a, struct kd_err *err);

/*
 * Subscribers: other modules (seals now; insurance, allowances later) are
 * told of every 異動 inside its transaction, with each affected person's
 * snapshot before and after, and may refuse it (their error aborts the
 * whole 異動) or write their own consequences (a seal abolished when its
 * owner moves out). Register at start, before any thread records events.
 */
struct idou_notice {
    int64_t idou_id;
    const struct idou_kind *kind;
    const char *idou_date;
    const struct record *before; /* NULL when the event created the record */
    const struct record *after;
};
/*
 * Age milestones (milestones.c): the day a resident reaches one of the
 * town's ages (setting residents.milestone_ages, default 6,15,18,20,40,65,
 * 70,75) is published as a register event, in the feed's sequence, and told
 * to the milestone subscribers inside the same transaction.
 */
struct milestone_notice {
    int64_t event_id;
    const char *atena;
    int age;
    const char *date;          /* the day the age is reached */
    const struct record *record; /* the person's record on that day */
};
typedef int (*milestone_subscriber)(struct store *town, const struct milestone_notice *n,
                                    struct kd_err *err);
int residents_subscribe_milestones(milestone_subscriber fn);

/* The town's milestone ages, ascending. */
int residents_milestone_ages(struct store *town, int *ages, int *n, struct arena *a,
                             struct kd_err *err);

/* Publishes every milestone from the day after the last day done up to
 * `through` (ISO; the first run does `through` only), one write transaction
 * per day. With `from` (ISO, or NULL), starts there instead: days done
 * before are looked at again, and what was missed then (a 転入 recorded
 * late, backdated) is published now; nothing is published twice. *published
 * counts the events made. */
int residents_publish_milestones(struct store *town, const char *from, const char *through,
                                 int64_t now_ms, int *published, struct kd_err *err);

/* The number of persons resident in the town today (住民: not 消除), for the
 * operators' metrics. It reads the whole index: call it now and then (the
 * server does every [metrics] town_stats_interval), not per request. */
int residents_count(struct store *town, int64_t *residents, struct kd_err *err);

/* Makes the search keys that people indexed by an older version lack (after
 * a migration added a kind of key). Idempotent; *done says how many people
 * it indexed. Runs in write transactions of its own. */
int residents_reindex(struct store *town, int *done, struct kd_err *err);

typedef int (*idou_subscriber)(struct store *town, const struct idou_notice *n, struct kd_err *err);
int residents_subscribe(idou_subscriber fn);

#endif
