/*
 * bulk.h — the resident register read and written whole, for migrations
 * (src/migration/juki.c; docs/layouts.md, "How the register is migrated").
 *
 * Reading: every snapshot of every person (resident_versions), in 宛名番号
 * and 履歴番号 order, with what the register keeps of the 異動 that made it
 * (kind, 不詳表記, clerk, 留意事項) and whether it was superseded; and the
 * households of the residents.
 *
 * Writing: an import brings a person's history rows as they were, not as
 * 異動 to replay (which would be slow and could not reproduce a superseded
 * snapshot). Each row becomes one 異動 of its own, of the kind its 異動事由
 * maps to ("ikou" when kyodo has no such kind), dated its 異動日 and recorded
 * at its 処理日時, whose body names the row:
 *
 *   {"migrated":{"rireki":N,"prev":M,"jiyu":"32"},"note":"…"}
 *
 * (M: the believed row before it, 0 for the first). The snapshot is written
 * as given, the index and the search keys from the latest believed row, as a
 * 異動 would. A believed row's 異動 has the person as its subject, so the
 * register replays it like any other when a later 異動 is backdated,
 * corrected (誤記修正) or cancelled: it then sets on the record before it the
 * items its snapshot changed from the believed snapshot before it
 * (bulk_apply_migrated, internal.h). A superseded row's 異動 has no subject
 * (never replayed) and supersedes its own snapshot at the instant given.
 * Migrated 異動 are not published in the event feed and are not told to
 * subscribers: a migration brings a register whole, its modules' data
 * with it.
 *
 * All of it joins the caller's write transaction.
 */
#ifndef KYODO_RESIDENTS_BULK_H
#define KYODO_RESIDENTS_BULK_H

#include "residents/residents.h"

/* One history row as the register keeps it. */
struct bulk_version {
    struct record r;            /* atena, rireki, valid_from (異動日), recorded_at (処理日時), items */
    const char *kind;           /* the 異動's kind ("tenkyo"; "ikou" when kyodo has none) */
    const char *jiyu;           /* the 異動事由 code a migrated row kept (reading: NULL for
                                   a row kyodo recorded itself); writing: the code as given */
    const char *idou_date_text; /* 異動日の不詳表記 ("" when exact) */
    const char *user_login;     /* who recorded it */
    const char *note;           /* 留意事項 ("" when none) */
    const char *superseded_at;  /* the instant it was superseded; "" while believed */
};

/* Every snapshot, by 宛名番号 then 履歴番号, in one statement (the caller's
 * read transaction). latest: the person's latest believed snapshot (the
 * index's). Strings are valid during the call only. */
typedef int (*bulk_version_fn)(void *ctx, const struct bulk_version *v, bool latest,
                               struct kd_err *err);
int residents_bulk_scan(struct store *town, bulk_version_fn each, void *ctx, struct kd_err *err);

/* The residents of each household in their latest records (status
 * resident), by 世帯番号 then 宛名番号. */
struct bulk_member {
    const char *setai, *atena, *zokugara, *shimei, *postcode, *address, *katagaki;
};
typedef int (*bulk_member_fn)(void *ctx, const struct bulk_member *m, struct kd_err *err);
int residents_bulk_households(struct store *town, bulk_member_fn each, void *ctx,
                              struct kd_err *err);

/* The first snapshot of atena that 異動 idou_id made (1, *rireki), or 0. */
int residents_bulk_rireki_of(struct store *town, const char *atena, int64_t idou_id,
                             int64_t *rireki, struct kd_err *err);
/* The 異動 that made snapshot (atena, rireki) (1, *idou_id), or 0. */
int residents_bulk_idou_of(struct store *town, const char *atena, int64_t rireki,
                           int64_t *idou_id, struct kd_err *err);

/* Writing a register into an empty one. */
struct bulk_writer;
int residents_bulk_open(struct store *town, const char *request_id, struct bulk_writer **out,
                        struct kd_err *err);
/*
 * One person's rows, 履歴番号 ascending (checked by the caller: believed
 * rows in time order, at least one believed). Fails with KD_CONFLICT on
 * field "atena" when the town already has the 宛名番号; with KD_INTERNAL
 * otherwise.
 */
int residents_bulk_person(struct bulk_writer *w, const struct bulk_version *rows, int n,
                          struct kd_err *err);
/* Moves the number series (宛名番号, 世帯番号) past the numbers written, and
 * frees w. */
int residents_bulk_close(struct bulk_writer *w, struct kd_err *err);
void residents_bulk_free(struct bulk_writer *w);

/* The serial of a number (its digits without the check digit), or -1. */
int64_t residents_number_serial(const char *number);
/* Moves series ("atena", "setai") so that its next serial is above `serial`. */
int residents_series_past(struct store *town, const char *series, int64_t serial,
                          struct kd_err *err);

/* Whether s is a 処理日時 instant as the register writes them. */
bool residents_instant_ok(const char *s);

/* ---- 住登外者 and 法人 (addressee.h), the same way ------------------------------------ */

/*
 * An addressee's events are never cancelled, so every event made a believed
 * snapshot; a migration names them by 事象番号 (1, 2 … in the order they
 * were recorded) instead of their ids. Importing makes one event per 事象番号
 * (a create, then changes whose bodies are what the believed snapshot
 * changed from the one before it), the snapshots as given, the
 * supersessions by the event numbered, the index and the keys.
 */
#include "residents/addressee.h"

struct bulk_addressee {
    struct addressee r;          /* atena, kind, rireki, valid_from, recorded_at, items */
    int64_t event_no;            /* 事象番号 of the event that made it */
    const char *event_kind;      /* create | change */
    const char *user_login, *note; /* the event's */
    const char *superseded_at;   /* "" while believed */
    int64_t superseded_by;       /* 事象番号 of the event that superseded it, 0 */
};
/* Every snapshot of the non-residents and corporations, by 宛名番号 then
 * 履歴番号; latest: the index's. */
typedef int (*bulk_addressee_fn)(void *ctx, const struct bulk_addressee *v, bool latest,
                                 struct kd_err *err);
int addressees_bulk_scan(struct store *town, bulk_addressee_fn each, void *ctx,
                         struct kd_err *err);
/* One addressee's rows, 履歴番号 ascending, checked by the caller (each
 * 事象番号 has exactly one believed row; believed rows in time order; the
 * first is the create). KD_CONFLICT "atena" when the number is taken. */
int addressees_bulk_person(struct store *town, const char *request_id,
                           const struct bulk_addressee *rows, int n, struct kd_err *err);

struct bulk_merge {
    int64_t id;
    const char *absorbed, *survivor, *merged_at, *user_login, *reason;
    const char *undone_at, *undo_user, *undo_reason; /* "" while the merge holds */
};
typedef int (*bulk_merge_fn)(void *ctx, const struct bulk_merge *m, struct kd_err *err);
int addressees_bulk_merges(struct store *town, bulk_merge_fn each, void *ctx, struct kd_err *err);
/* KD_CONFLICT "id" when the id is taken. */
int addressees_bulk_merge(struct store *town, const char *request_id, const struct bulk_merge *m,
                          struct kd_err *err);
/* Whether the town has any non-resident, corporation or merge. */
int addressees_bulk_any(struct store *town, bool *any, struct kd_err *err);

#endif
