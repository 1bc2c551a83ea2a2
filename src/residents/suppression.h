/*
 * suppression.h — 抑止: DV等支援措置 and the other support measures that
 * keep a protected person's address from those who must not find it
 * (住民基本台帳法第11条, 第11条の2, 第12条, 第12条の2, 第12条の3, 第20条;
 * 住民基本台帳事務処理要領; docs/suppression.md).
 *
 * A measure (支援措置) is one 申出: the persons it covers (the 申出者 and the
 * members of the same address named with them, 併せて支援を求める者), a
 * category (DV, ストーカー, 児童虐待, その他), who confirmed the need for
 * support (警察, 相談機関, 裁判所 …), a period (from, to: one year, renewable
 * by 延長), the kinds of request it refuses (第三者, 公用, 本人等, 閲覧,
 * 戸籍の附票) and the purposes for which the protected persons may still be
 * looked up (支援措置事務, 本人の申出・請求, 異動届の処理, 関係機関).
 *
 * Lifecycle: every change is a request (申出 "set", 延長 "extend", 解除
 * "lift") that a *different* user of a role allowed to approve decides
 * (approve or reject); the proposer can never decide their own. The measure
 * row holds the current state derived from its decided requests; the
 * requests are its full history. A measure applies on a date D when
 *   from <= D <= to, and
 *   it is approved (active), or lifted on a later day than D, or still
 *   pending and the town lets pending 申出 protect (setting
 *   suppression.pending_applies, default yes).
 * So an expired measure stops applying by itself, the day after `to`.
 *
 * What a measure protects: the covered persons, and (for lists) every member
 * of the household a covered resident lives in, since they share the
 * protected address.
 *
 * Thread-safety: pure functions are; the store functions work on one town
 * connection (one thread) and join the caller's write transaction. Nothing
 * here writes the audit log: the API does.
 */
#ifndef KYODO_RESIDENTS_SUPPRESSION_H
#define KYODO_RESIDENTS_SUPPRESSION_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

extern const struct store_schema suppression_schema;

/* ---- codes ------------------------------------------------------------------------- */

/* The kinds of request a measure refuses. */
enum supp_block {
    SUPP_B_DAISANSHA = 1u << 0, /* 第三者からの請求 (法第12条の3) */
    SUPP_B_KOYO = 1u << 1,      /* 国・地方公共団体の機関の請求 (公用, 法第12条の2) */
    SUPP_B_HONNIN = 1u << 2,    /* 本人等の請求 (法第12条): the person, the household, agents */
    SUPP_B_ETSURAN = 1u << 3,   /* 住民基本台帳の一部の写しの閲覧 (法第11条, 第11条の2) */
    SUPP_B_FUHYO = 1u << 4,     /* 戸籍の附票の写しの交付 (法第20条) */
};

/* The purposes for which a protected person may be looked up. */
enum supp_purpose {
    SUPP_P_SHIEN = 1u << 0,  /* 支援措置事務 */
    SUPP_P_HONNIN = 1u << 1, /* 本人からの申出・請求 */
    SUPP_P_IDOU = 1u << 2,   /* 住民異動届の処理 */
    SUPP_P_KANKEI = 1u << 3, /* 関係機関からの照会 (警察・相談機関) */
};

struct supp_code {
    const char *code;  /* stable, in the API: "daisansha" */
    const char *label; /* Japanese, for clerks and the audit log */
    unsigned bit;      /* 0 for categories and confirmers */
};

extern const struct supp_code supp_blocks[];
extern const int supp_block_count;
extern const struct supp_code supp_purposes[];
extern const int supp_purpose_count;
extern const struct supp_code supp_categories[];   /* dv, stalker, child_abuse, other */
extern const int supp_category_count;
extern const struct supp_code supp_confirmers[];   /* police, soudan, jidou, court, other */
extern const int supp_confirmer_count;

/* The entry of a code, or NULL. */
const struct supp_code *supp_code_find(const struct supp_code *t, int n, const char *code);

/* Space-separated codes <-> bits. Unknown codes are ignored when parsing
 * (the stored text is written by supp_codes_text only). */
unsigned supp_codes_bits(const struct supp_code *t, int n, const char *text);
/* Codes (sep " ") or labels (sep "・") of the bits, in table order, in a. */
const char *supp_codes_text(struct arena *a, const struct supp_code *t, int n, unsigned bits);
const char *supp_codes_labels(struct arena *a, const struct supp_code *t, int n, unsigned bits);

/* The purpose a request states (X-Kyodo-Purpose): its code or its label,
 * blanks around it ignored. 0 when it is none of the catalogue. */
unsigned supp_purpose_stated(const char *stated);

/* ---- settings (engine/settings.h; docs/suppression.md) ----------------------------- */

struct supp_settings {
    int period_months;        /* suppression.period_months: 12 */
    bool pending_applies;     /* suppression.pending_applies: yes */
    unsigned default_blocks;  /* suppression.default_blocks: daisansha etsuran fuhyo */
    unsigned default_purposes; /* suppression.default_purposes: shien honnin idou */
};

/* The town's settings; a stored value that is not valid is an error naming
 * the key. */
int supp_settings_load(struct store *town, struct supp_settings *out, struct arena *a,
                       struct kd_err *err);

/* ---- the model --------------------------------------------------------------------- */

enum { SUPP_MAX_PERSONS = 20 };

/* The status stored on a measure (its decided requests). */
#define SUPP_PENDING "pending"   /* 申出 recorded, not decided */
#define SUPP_ACTIVE "active"     /* approved */
#define SUPP_REJECTED "rejected" /* the 申出 was rejected: never applied (unless pending did) */
#define SUPP_LIFTED "lifted"     /* approved lift: applies until lifted_on (exclusive) */

struct supp_measure {
    int64_t id;
    const char *category;       /* supp_categories code */
    const char *reason;         /* 申出の理由 (free text; personal data) */
    const char *applied_on;     /* 申出日 */
    const char *confirmer_kind; /* supp_confirmers code */
    const char *confirmer;      /* the body that confirmed the need (中之条警察署) */
    const char *confirmed_on;   /* when it did */
    const char *offender;       /* 相手方 (氏名等), "" if not given */
    const char *date_from, *date_to; /* the period, inclusive; extensions move date_to */
    unsigned blocks, purposes;
    const char *status;         /* SUPP_PENDING … */
    const char *lifted_on;      /* "" unless lifted */
    const char *created_at, *created_by;
    int npersons;
    const char *atena[SUPP_MAX_PERSONS]; /* [0]: the 申出者 */
};

/* The state of a measure on a date, for people: pending, scheduled (before
 * from), active, expired (after to), lifted, rejected. */
const char *supp_state_on(const struct supp_measure *m, const char *date);
/* Japanese label of a state code. */
const char *supp_state_label(const char *state);
/* Whether the measure protects its persons on the date. */
bool supp_applies_on(const struct supp_measure *m, const char *date, bool pending_applies);

/*
 * Parses a 申出 body (pure; fuzzed): category, reason, applied_on, the
 * confirmation (confirmer_kind, confirmer, confirmed_on), offender,
 * applicant and joint (宛名番号), from, to, blocks, purposes, note. Defaults:
 * applied_on today, from = applied_on, to = from + period - 1 day, blocks and
 * purposes the town's. Errors name the field. out's strings point into body
 * or a; *note is "" when not given.
 */
int supp_parse_application(json_t *body, const struct supp_settings *s, const char *today,
                           struct supp_measure *out, const char **note, struct arena *a,
                           struct kd_err *err);

/* A change to propose: extend to a new end, or lift from a day. */
struct supp_change {
    const char *kind; /* "extend" or "lift" */
    const char *to;   /* extend: the new last day */
    const char *on;   /* lift: the first day without protection */
    const char *note;
};
/* Parses {kind, to | on, note} (pure; fuzzed). `on` defaults to today. */
int supp_parse_change(json_t *body, const char *today, struct supp_change *out, struct arena *a,
                      struct kd_err *err);

/* The last day of a period of `months` starting on `from` (民法第143条: a
 * year from 2026-04-01 ends 2027-03-31; from 2024-02-29, 2025-02-28). */
int supp_period_end(const char *from, int months, char out[11], struct kd_err *err);

/* ---- the store ---------------------------------------------------------------------- */

struct supp_actor {
    int64_t user_id;
    const char *login, *role, *request_id;
    const char *now_iso; /* the instant, ISO UTC */
    const char *today;   /* the date in Japan */
};

struct supp_request {
    int64_t id, measure_id;
    const char *kind;  /* set, extend, lift */
    const char *new_to, *lift_on, *note;
    const char *proposed_at, *proposed_by, *proposed_role;
    int64_t proposed_by_id;
    const char *state; /* pending, approved, rejected */
    const char *decided_at, *decided_by, *decision_note;
};

/*
 * Records a 申出: checks the persons against the register (each has a
 * record; no one twice; the joint persons live at the applicant's address
 * today), stores the measure as pending with its persons and its "set"
 * request. A person may be under several measures (one per 相手方 or
 * address). Fills m->id, m->status, m->created_*; *request_id.
 */
int supp_propose_measure(struct store *town, struct supp_measure *m, const char *note,
                         const struct supp_actor *who, int64_t *request_id, struct kd_err *err);

/* Proposes an extension or a lift of an approved measure (KD_CONFLICT when
 * the measure is not active on today, already has a pending request, or the
 * dates do not fit its period). */
int supp_propose_change(struct store *town, int64_t measure_id, const struct supp_change *c,
                        const struct supp_settings *s, const struct supp_actor *who,
                        int64_t *request_id, struct arena *a, struct kd_err *err);

/* Decides a pending request. KD_SELF_APPROVAL when `who` proposed it (the
 * row is left pending), KD_CONFLICT when it is not pending or no longer
 * fits (an extension of a measure that has meanwhile expired). On approval
 * the measure's state follows (active, new end, lifted). *out is the
 * request as decided (or as found, on KD_SELF_APPROVAL). */
int supp_decide(struct store *town, int64_t request_id, bool approve, const char *note,
                const struct supp_actor *who, struct supp_request *out, struct arena *a,
                struct kd_err *err);

int supp_measure_get(struct store *town, int64_t id, struct supp_measure *out, struct arena *a,
                     struct kd_err *err);
int supp_request_get(struct store *town, int64_t id, struct supp_request *out, struct arena *a,
                     struct kd_err *err);

/* Measures, newest first, at most limit, with id < before (0: no bound);
 * atena (or NULL) keeps those covering that person. */
typedef int (*supp_measure_fn)(void *ctx, const struct supp_measure *m);
int supp_measure_list(struct store *town, const char *atena, int64_t before, int limit,
                      supp_measure_fn each, void *ctx, struct arena *a, struct kd_err *err);

/* The requests of a measure (oldest first), or every request in a state
 * ("pending": the approval queue, oldest first) when measure_id is 0. */
typedef int (*supp_request_fn)(void *ctx, const struct supp_request *r);
int supp_request_list(struct store *town, int64_t measure_id, const char *state, int limit,
                      supp_request_fn each, void *ctx, struct arena *a, struct kd_err *err);

/* A person's name, reading and birth date from the register's index (for
 * the measure screens; "" each when the person is unknown). */
struct supp_person {
    const char *atena, *shimei, *shimei_kana, *birth, *status;
};
int supp_person_read(struct store *town, const char *atena, struct supp_person *out,
                     struct arena *a, struct kd_err *err);

/* ---- who is protected ---------------------------------------------------------------- */

/* What protects one person on a date. */
struct supp_cover {
    bool person;       /* a measure that applies covers the person */
    bool household;    /* the person lives in the household of a covered resident */
    int64_t measure;   /* a measure that applies (the person's own, if any) */
    unsigned blocks;   /* union over the measures that apply */
    unsigned purposes; /* union over the person's own measures that apply */
    char until[11];    /* the latest end of those measures */
};

/* The protected persons of a town on a date, loaded once for a list. */
struct supp_set {
    int count;
    struct supp_entry {
        const char *atena;
        const char *setai; /* the household the person lives in ("" if removed) */
        int64_t measure;
        unsigned blocks, purposes;
        const char *until;
    } *e;
};

/* Loads the set on `date` (the town's setting for pending 申出 applied). */
int supp_set_load(struct store *town, const char *date, struct supp_set *out, struct arena *a,
                  struct kd_err *err);

/* Whether the set protects atena (directly) or its household `setai` ("" or
 * NULL: not a resident household). Fills *out (may be NULL). */
bool supp_set_covers(const struct supp_set *s, const char *atena, const char *setai,
                     struct supp_cover *out);

/* The same for one person, without loading the whole set. */
int supp_cover_of(struct store *town, const char *atena, const char *setai, const char *date,
                  struct supp_cover *out, struct arena *a, struct kd_err *err);

/* Whether any measure that applies on `date` refuses `block` for the person
 * (for modules that serve such requests: 閲覧, 戸籍の附票, exports). 1 yes,
 * 0 no, -1 error. */
int supp_refuses(struct store *town, const char *atena, const char *setai, const char *date,
                 unsigned block, struct arena *a, struct kd_err *err);

#endif
