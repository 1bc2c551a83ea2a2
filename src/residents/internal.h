/*
 * internal.h — what the files of src/residents share. Not for other modules.
 */
#ifndef KYODO_RESIDENTS_INTERNAL_H
#define KYODO_RESIDENTS_INTERNAL_H

#include "residents/residents.h"

/* A stored 異動, as replay sees it. */
struct ev {
    int64_t id;
    const struct idou_kind *kind;
    const char *date;      /* 異動日 */
    const char *date_text; /* 不詳表記 */
    const char *todoke;    /* 届出日 */
    int64_t target;        /* 誤記修正 / 取消し: the event they are about */
    json_t *body;          /* the stored body (owned by whoever loaded it) */
};

/* Computes a person's record after event e from the record before it (NULL
 * when the event creates it). corrections: the 誤記修正 of e for this person
 * (their changes objects, oldest first; may be NULL). Fails with a kd_err
 * when the register's state does not allow the event (KD_CONFLICT). */
int idou_apply(const struct ev *e, const char *atena, const struct record *before,
               json_t *corrections, struct record *after, struct arena *a, struct kd_err *err);

/* Sets the 誤記修正 (their changes objects, oldest first; may be NULL) on a
 * record just computed. */
int idou_apply_corrections(struct record *after, json_t *corrections, struct arena *a,
                           struct kd_err *err);

/* ---- bulk.c ---- */

/* What an export takes from a stored body without parsing all of it: the
 * top-level string "note" ("" when absent) and, for a migrated row, its
 * "migrated"."jiyu" (else NULL); strings decoded into a. A body kyodo did
 * not write may give "" for either; -1 only when memory runs out. */
int bulk_body_fields(const char *body, size_t len, struct arena *a, const char **note,
                     const char **jiyu);

/* Whether a stored body is that of a migrated history row (bulk.h): 1 and
 * the row's 履歴番号 and the one of the believed row before it (0: none). */
int bulk_migrated_of(json_t *body, int64_t *rireki, int64_t *prev);

/* What a migrated history row does when its person's timeline is replayed:
 * the items its imported snapshot changed from the imported snapshot before
 * it (all of them for the first) are set on the record before it; the
 * corrections then apply. KD_CONFLICT when the record before it is a 除票
 * and the imported one before it was not (an earlier 消除 now precedes it). */
int bulk_apply_migrated(struct store *town, const char *atena, int64_t rireki, int64_t prev,
                        const struct record *before, json_t *corrections, struct record *after,
                        struct arena *a, struct kd_err *err);

/* ---- addressee.c ---- */

struct addressee;
/* Makes an addressee's search keys and index row from its latest snapshot. */
int addressee_index_record(struct store *town, const struct addressee *r, struct kd_err *err);

/* ---- timeline.c ---- */

/* The search keys of a person's latest record (kind "kana", "name" or
 * "addr", and the folded key), as update_index makes them. */
typedef int (*key_fn)(void *ctx, const char *kind, const char *key, size_t len,
                      struct kd_err *err);
int tl_keys_of(const struct record *r, key_fn each, void *ctx, struct kd_err *err);

/* The columns of resident_versions in the order read_version reads them,
 * and reading one (from column 0) into r. */
#define TL_VERSION_COLUMNS "atena, rireki, idou_id, valid_from, recorded_at" RECORD_COLUMNS_SQL
int tl_read_version(struct store_stmt *st, struct record *r, struct arena *a);

/* 1 and *out set if the person has a record on `date` as known at known_ms
 * (0: now); 0 if not; -1 on error. */
int tl_as_of(struct store *town, const char *atena, const char *date, int64_t known_ms,
             struct record *out, struct arena *a, struct kd_err *err);

/* Rebuilds a person's believed snapshots from position (date, id) on: the
 * snapshots there and after are superseded (by `trigger`, at now_iso), and
 * every event of the person from that position on (cancelled ones left out,
 * corrections applied) is applied again, each giving a new snapshot. The
 * record just before the position and the one after the trigger event are
 * returned in *before / *after (either may be left unset: found flags). */
struct replay_out {
    bool had_before, has_after;
    struct record before, after;
};
int tl_replay(struct store *town, const char *atena, const char *date, int64_t id,
              int64_t trigger, const char *now_iso, struct replay_out *out, struct arena *a,
              struct kd_err *err);

/* Issues the next number of a series ("atena", "setai"): a serial and its
 * モジュラス11 check digit, as many digits as the town's setting. */
int numbers_next(struct store *town, const char *series, char out[16], struct arena *a,
                 struct kd_err *err);

/* The part of an address after its 都道府県, 郡 and municipality, without a
 * leading 大字 or 字 ("群馬県吾妻郡中之条町大字折田123" → "折田123"); "" when
 * nothing was cut (the whole address is indexed anyway). */
const char *address_local_part(const char *address);

/* The subscribers (idou.c keeps the list). */
int idou_notify(struct store *town, const struct idou_notice *n, struct kd_err *err);

#endif
