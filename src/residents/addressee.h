/*
 * addressee.h — the addressee base (宛名): every person or corporation the
 * town deals with, by 宛名番号 (docs/addressees.md).
 *
 * Three kinds of addressee share one number space (the register's series
 * "atena", numbers.c: serial + モジュラス11 check digit):
 *
 *   resident      住登者: a person of the resident register. The record is
 *                 the register's (residents.h); this module only reads it.
 *   nonresident   住登外者: a person the town deals with who is not (or not
 *                 yet) registered here, e.g. the owner of land in the town
 *                 who lives elsewhere.
 *   corporation   法人, with its 法人番号 when it has one.
 *
 * The records of non-residents and corporations are kept like the
 * register's (scope "atena"): every creation and change is an event, stored
 * once and never changed, with the date it takes effect (valid_from, valid
 * time) and the instant it was recorded (recorded time); a record is a
 * series of full snapshots (宛名番号 + 履歴番号). A change dated before later
 * ones supersedes the later snapshots (kept, marked with when) and appends
 * recomputed ones, so a record can be read as of any date, as known now or
 * at any earlier instant.
 *
 * Merges. Two 宛名番号 found to be one person or corporation are merged:
 * one (the absorbed number) points to the other (the survivor). Every read
 * of the absorbed number is resolved through the merge (addressee_resolve),
 * and a merge can be undone, restoring both. Merges and undos are rows of
 * their own (never changed or deleted); whether a merge holds is a matter of
 * recorded time, so a read "as known at T" resolves as the merges stood at T.
 * What cannot be merged: two residents (duplicates in the register are the
 * register's business: 異動の取消し, 職権消除), a person with a corporation,
 * a resident into a non-resident (the register's number survives), two
 * records whose 個人番号 or 法人番号 differ, and numbers already merged.
 *
 * Every function works on one town's connection and joins the caller's write
 * transaction when one is open. Nothing here writes the audit log: callers
 * record who read or changed whose data. 個人番号 is stored and returned in
 * clear; masking is the caller's (the API's) business, and no error message
 * here ever quotes a value.
 */
#ifndef KYODO_RESIDENTS_ADDRESSEE_H
#define KYODO_RESIDENTS_ADDRESSEE_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Town database scope "atena". Needs the register's scope ("residents": the
 * addressees table and the number series) applied before it. */
extern const struct store_schema addressees_schema;

/*
 * X(name, kind, max_chars, who) — kind: T text, D date (ISO), I integer.
 * who: 'a' both kinds, 'p' persons (住登外者) only, 'c' corporations only,
 * 'r' derived by kyodo (not writable: birth_text and birth_unknown come from
 * the birth date as given).
 */
#define ADDRESSEE_FIELDS(X)                                                                     \
    X(name, T, 200, 'a')           /* 氏名 / 法人名 (as given: variants kept) */                 \
    X(name_kana, T, 200, 'a')      /* フリガナ / 法人名フリガナ (full-width katakana) */          \
    X(kyuuji, T, 50, 'p')          /* 旧氏 */                                                   \
    X(kyuuji_kana, T, 50, 'p')     /* 旧氏フリガナ */                                           \
    X(tsusho, T, 100, 'p')         /* 通称 */                                                   \
    X(tsusho_kana, T, 100, 'p')    /* 通称フリガナ */                                           \
    X(alpha_name, T, 100, 'p')     /* 氏名（アルファベット） */                                 \
    X(birth, D, 10, 'p')           /* 生年月日: the (internal) date, "" for 年月日不詳 */        \
    X(birth_text, T, 72, 'r')      /* 不詳表記 or the non-calendar form; "" when exact */         \
    X(birth_unknown, I, 1, 'r')    /* 1: 生年月日 is 不詳 (the linkage's 不詳フラグ) */          \
    X(sex, I, 1, 'p')              /* 性別: JIS X 0303, 1 男 2 女 0 不明 9 適用不能 */           \
    X(postcode, T, 7, 'a')         /* 郵便番号 */                                               \
    X(address, T, 200, 'a')        /* 住所 / 本店所在地 */                                       \
    X(katagaki, T, 300, 'a')       /* 方書 */                                                   \
    X(kojin_bango, T, 12, 'p')     /* 個人番号: masked by the API unless role and purpose allow */ \
    X(corp_number, T, 13, 'c')     /* 法人番号 (check digit first) */                           \
    X(representative, T, 100, 'c') /* 代表者 */

#define ADDRESSEE_MEMBER_T(name) const char *name;
#define ADDRESSEE_MEMBER_D(name) const char *name;
#define ADDRESSEE_MEMBER_I(name) int64_t name;
#define ADDRESSEE_MEMBER(name, kind, max, who) ADDRESSEE_MEMBER_##kind(name)

/* One snapshot of a non-resident's or a corporation's record. Text is ""
 * when empty, never NULL; strings point into the arena it was read into. */
struct addressee {
    const char *atena;       /* 宛名番号 */
    const char *kind;        /* nonresident | corporation */
    int64_t rireki;          /* 履歴番号: 1, 2, 3 … never reused */
    int64_t event_id;        /* the event that made it */
    const char *valid_from;  /* true from this date */
    const char *recorded_at; /* recorded at this instant (UTC) */
    ADDRESSEE_FIELDS(ADDRESSEE_MEMBER)
};

struct addressee_field {
    const char *name;
    char kind; /* 'T', 'D', 'I' */
    int max_chars;
    char who;
};
extern const struct addressee_field addressee_fields[];
extern const int addressee_field_count;

void addressee_clear(struct addressee *r);
/* Field i's text (T, D), or NULL for an integer field; and its integer. */
const char *addressee_text(const struct addressee *r, int i);
int64_t addressee_int(const struct addressee *r, int i);
int addressee_field_index(const char *name);

/* "nonresident" → 住登外者, "corporation" → 法人, "resident" → 住登者. */
const char *addressee_kind_label(const char *kind);

/*
 * Checks the fields of a body (an object holding record fields only) for an
 * addressee of `kind` and sets them on *r: each field known and of the kind
 * (a corporation has no 生年月日, a person no 法人番号), of its type and
 * length; readings normalised to full-width katakana; 生年月日 in any form
 * of wareki_fuzzy_parse (ISO, 和暦, non-calendar, 不詳), not after `today`;
 * 個人番号 and 法人番号 with their check digits; 郵便番号 seven digits; sex
 * a JIS X 0303 code. "" empties an item. Errors name the field as
 * prefix + name ("changes.birth"). Pure: no database.
 *
 * stored (may be NULL) receives the values as they are to be stored and
 * replayed: normalised readings, and for birth the three items birth,
 * birth_text and birth_unknown.
 */
int addressee_check_fields(json_t *fields, const char *kind, const char *prefix,
                           const char *today, struct addressee *r, json_t *stored,
                           struct arena *a, struct kd_err *err);

/* Who records an event. */
struct addressee_actor {
    const char *user_login;
    const char *request_id;
    int64_t now_ms;    /* the recorded time */
    const char *today; /* today in Japan, ISO: valid_from may not be later */
};

/*
 * Creates a non-resident or corporation from a body:
 *   kind        "nonresident" or "corporation" (required; "resident" is
 *               refused: residents are recorded by a 異動 of the register)
 *   valid_from  YYYY-MM-DD, not after today (default today)
 *   note        why (≤ 200 characters; kept with the event)
 *   and the record's fields; name and address are required.
 * Issues the 宛名番号 from the register's series. A corporation's 法人番号
 * may not be that of another corporation not merged away (KD_CONFLICT,
 * naming it). *out is the snapshot made. All or nothing.
 */
int addressee_create(struct store *town, json_t *body, const struct addressee_actor *who,
                     struct addressee *out, struct arena *a, struct kd_err *err);

/*
 * Changes an addressee from a body:
 *   valid_from  YYYY-MM-DD, not before the record's first day nor after
 *               today (default today)
 *   changes     the fields to change ("" empties one; name and address
 *               cannot be emptied), at least one
 *   note        why
 * A change dated before later ones recomputes them. KD_NOT_FOUND for an
 * unknown number; KD_CONFLICT for a resident (the register's), a merged
 * number (naming the survivor), or a 法人番号 another corporation has.
 * *out is the snapshot the change made (as of its valid_from).
 */
int addressee_change(struct store *town, const char *atena, json_t *body,
                     const struct addressee_actor *who, struct addressee *out, struct arena *a,
                     struct kd_err *err);

/* The kind of a 宛名番号 (resident, nonresident, corporation), copied into
 * a; KD_NOT_FOUND (field "atena") when the town has no such number. */
int addressee_kind_of(struct store *town, const char *atena, const char **kind,
                      struct arena *a, struct kd_err *err);

/* A non-resident's or corporation's record as of `date` (ISO, valid time),
 * as known at known_ms (recorded time; 0 = now). Returns 1 and fills *out,
 * 0 when there was no record on that date (or the number is not one of
 * theirs), -1 on error. Merges are not followed (see addressee_resolve). */
int addressee_as_of(struct store *town, const char *atena, const char *date, int64_t known_ms,
                    struct addressee *out, struct arena *a, struct kd_err *err);

/* Every snapshot, in 履歴番号 order, with its event and whether (and when)
 * it was superseded. Returns the count (0: none). */
struct addressee_version {
    struct addressee r;
    const char *event;         /* create | change */
    const char *note;          /* the event's note */
    const char *user_login;    /* who recorded the event */
    const char *superseded_at; /* "" while believed */
};
typedef int (*addressee_version_fn)(void *ctx, const struct addressee_version *v);
int addressee_history(struct store *town, const char *atena, addressee_version_fn each,
                      void *ctx, struct arena *a, struct kd_err *err);

/* ---- merges ---------------------------------------------------------------- */

struct addressee_merge {
    int64_t id;
    const char *absorbed, *survivor;
    const char *merged_at, *user_login, *reason;
    /* "" while the merge holds: */
    const char *undone_at, *undo_user, *undo_reason;
};

/* Whether merge m holds as known at known_ms (0 = now). */
bool addressee_merge_holds(const struct addressee_merge *m, int64_t known_ms);

/*
 * Merges `absorbed` into `survivor`, with the reason (required, ≤ 200
 * characters). KD_INVALID_VALUE for the same number twice or an empty
 * reason; KD_NOT_FOUND (field "absorbed" / "survivor") for a number the town
 * does not have; KD_CONFLICT (naming the field) for what cannot be merged
 * (see the top of this file). The absorbed number's own records stay as they
 * were; reads of it are resolved to the survivor from now on.
 */
int addressee_merge(struct store *town, const char *absorbed, const char *survivor,
                    const char *reason, const struct addressee_actor *who,
                    struct addressee_merge *out, struct arena *a, struct kd_err *err);

/* Undoes merge `id` (with a reason): both numbers stand on their own again.
 * KD_NOT_FOUND for no such merge, KD_CONFLICT when it is already undone. */
int addressee_unmerge(struct store *town, int64_t id, const char *reason,
                      const struct addressee_actor *who, struct addressee_merge *out,
                      struct arena *a, struct kd_err *err);

/* One merge; KD_NOT_FOUND (field "id") when there is none. */
int addressee_merge_get(struct store *town, int64_t id, struct addressee_merge *out,
                        struct arena *a, struct kd_err *err);

/* The merges a number took part in (absorbed or survivor), oldest first,
 * undone ones included. Returns the count. */
typedef int (*addressee_merge_fn)(void *ctx, const struct addressee_merge *m);
int addressee_merges_of(struct store *town, const char *atena, addressee_merge_fn each,
                        void *ctx, struct arena *a, struct kd_err *err);

/*
 * Where a reference to a 宛名番号 leads: the number itself, or, when it was
 * merged (as known at known_ms; 0 = now), the survivor, following merges of
 * merges. Every module that keeps 宛名番号 resolves them through this.
 * KD_NOT_FOUND when the town has no such number.
 */
#define ADDRESSEE_MAX_HOPS 16
struct addressee_route {
    const char *atena; /* where the reference leads */
    int hops;
    struct addressee_merge hop[ADDRESSEE_MAX_HOPS]; /* the merges followed, in order */
};
int addressee_resolve(struct store *town, const char *atena, int64_t known_ms,
                      struct addressee_route *out, struct arena *a, struct kd_err *err);

/* ---- search ---------------------------------------------------------------- */

/*
 * Criteria (NULL: not used), combined with AND; at least one of kana, name,
 * birth, atena, corp_number:
 *   kana         a reading, folded (engine/kana.h), prefix of any reading
 *                (フリガナ, 旧氏, 通称)
 *   name         a name, folded, prefix of 氏名/法人名, 旧氏, 通称 or the
 *                alphabet name
 *   birth        an exact (internal) date; atena, corp_number exact
 *   kind         all | person (resident and nonresident) | resident |
 *                nonresident | corporation
 *   merged       include numbers merged away (they are left out otherwise,
 *                unless asked for by atena)
 * Residents are found through the register's own search (residents_search,
 * 住民 and 除票 alike); both are ordered by the matched key, then 宛名番号,
 * and merged into one list, at most limit hits after the cursor.
 */
struct addressee_query {
    const char *kana, *name, *birth, *atena, *corp_number;
    const char *kind;
    bool merged;
    /* The searcher may see the addresses of residents under a support
     * measure (抑止; perm residents suppressed): else the register's search
     * blanks them (suppression.h, docs/suppression.md). */
    bool see_suppressed;
    const char *today;
    int limit;
    const char *after_key, *after_atena;
};

struct addressee_hit {
    const char *atena, *kind;
    const char *name, *name_kana, *birth, *address, *corp_number;
    const char *register_status; /* residents: resident | removed; else "" */
    const char *merged_into;     /* "" unless merged away */
    const char *key;             /* the matched key ("" without kana/name) */
    /* 抑止 (residents only): covered by a support measure that applies
     * today, or living in the household of one who is; the measure; and
     * whether the address was blanked for this searcher. */
    bool suppressed_person, suppressed_household, address_masked;
    int64_t suppression;
};
typedef int (*addressee_hit_fn)(void *ctx, const struct addressee_hit *h);
int addressee_search(struct store *town, const struct addressee_query *q, addressee_hit_fn each,
                     void *ctx, struct arena *a, struct kd_err *err);

#endif
