/*
 * suppression_store.c — 抑止 measures, their requests and who they protect
 * (town database, scope "suppression"). See suppression.h.
 */
#include "residents/suppression.h"

#include "base/date.h"
#include "engine/settings.h"

#include <stdio.h>
#include <string.h>

static const struct store_migration steps[] = {
    {1,
     /* One 申出 and its current state (status, date_to, lifted_on follow the
      * approved requests; the requests are the history). */
     "CREATE TABLE suppression_measures ("
     " id INTEGER PRIMARY KEY,"
     " category TEXT NOT NULL CHECK (category IN ('dv', 'stalker', 'child_abuse', 'other')),"
     " reason TEXT NOT NULL,"
     " applied_on TEXT NOT NULL,"
     " confirmer_kind TEXT NOT NULL,"
     " confirmer TEXT NOT NULL,"
     " confirmed_on TEXT NOT NULL,"
     " offender TEXT NOT NULL DEFAULT '',"
     " date_from TEXT NOT NULL,"
     " date_to TEXT NOT NULL,"
     " blocks TEXT NOT NULL,"
     " purposes TEXT NOT NULL,"
     " status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'lifted')),"
     " lifted_on TEXT NOT NULL DEFAULT '',"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL"
     ") STRICT;"
     /* The persons covered: seq 1 is the 申出者. */
     "CREATE TABLE suppression_persons ("
     " measure_id INTEGER NOT NULL REFERENCES suppression_measures (id),"
     " seq INTEGER NOT NULL,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " PRIMARY KEY (measure_id, seq)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX suppression_persons_by_atena ON suppression_persons (atena, measure_id);"
     /* Every proposal (申出 set, 延長 extend, 解除 lift) and its decision by
      * another user. */
     "CREATE TABLE suppression_requests ("
     " id INTEGER PRIMARY KEY,"
     " measure_id INTEGER NOT NULL REFERENCES suppression_measures (id),"
     " kind TEXT NOT NULL CHECK (kind IN ('set', 'extend', 'lift')),"
     " new_to TEXT NOT NULL DEFAULT '',"
     " lift_on TEXT NOT NULL DEFAULT '',"
     " note TEXT NOT NULL DEFAULT '',"
     " proposed_at TEXT NOT NULL,"
     " proposed_by_id INTEGER NOT NULL,"
     " proposed_by TEXT NOT NULL,"
     " proposed_role TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),"
     " decided_at TEXT NOT NULL DEFAULT '',"
     " decided_by_id INTEGER NOT NULL DEFAULT 0,"
     " decided_by TEXT NOT NULL DEFAULT '',"
     " decision_note TEXT NOT NULL DEFAULT '',"
     " CHECK (state = 'pending' OR decided_by_id <> proposed_by_id)"
     ") STRICT;"
     "CREATE INDEX suppression_requests_by_measure ON suppression_requests (measure_id, id);"
     "CREATE INDEX suppression_requests_by_state ON suppression_requests (state, id);"
     "CREATE UNIQUE INDEX suppression_one_pending ON suppression_requests (measure_id)"
     " WHERE state = 'pending';"},
};

const struct store_schema suppression_schema = {"suppression", steps,
                                                sizeof steps / sizeof steps[0]};

static const char *col(struct store_stmt *st, int c, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, c, &n);
    return arena_strndup(a, t, n);
}

/* ---- reading ------------------------------------------------------------------------ */

#define MEASURE_COLS                                                                            \
    "m.id, m.category, m.reason, m.applied_on, m.confirmer_kind, m.confirmer, m.confirmed_on,"  \
    " m.offender, m.date_from, m.date_to, m.blocks, m.purposes, m.status, m.lifted_on,"         \
    " m.created_at, m.created_by,"                                                              \
    " (SELECT group_concat(atena, ' ') FROM (SELECT atena FROM suppression_persons p"           \
    "  WHERE p.measure_id = m.id ORDER BY seq) AS ordered)"

static int read_measure(struct store_stmt *st, struct supp_measure *m, struct arena *a,
                        struct kd_err *err)
{
    memset(m, 0, sizeof *m);
    m->id = store_col_i64(st, 0);
    const char **text[] = {&m->category, &m->reason,   &m->applied_on, &m->confirmer_kind,
                           &m->confirmer, &m->confirmed_on, &m->offender, &m->date_from,
                           &m->date_to,  NULL,         NULL,           &m->status,
                           &m->lifted_on, &m->created_at, &m->created_by};
    for (int c = 0; c < 15; c++) {
        if (!text[c])
            continue;
        if (!(*text[c] = col(st, c + 1, a)))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    m->blocks = supp_codes_bits(supp_blocks, supp_block_count, store_col_text(st, 10, NULL));
    m->purposes = supp_codes_bits(supp_purposes, supp_purpose_count, store_col_text(st, 11, NULL));
    char *list = (char *)col(st, 16, a);
    if (!list)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (char *p = list; *p && m->npersons < SUPP_MAX_PERSONS;) {
        m->atena[m->npersons++] = p;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }
    return 0;
}

static const char SQL_MEASURE[] = "SELECT " MEASURE_COLS " FROM suppression_measures m WHERE m.id = ?";

int supp_measure_get(struct store *town, int64_t id, struct supp_measure *out, struct arena *a,
                     struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_MEASURE, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int result = rc == STORE_ROW ? read_measure(st, out, a, err)
                 : rc == STORE_DONE ? kd_fail(err, KD_NOT_FOUND, "id", "no such measure")
                                    : -1;
    store_reset(st);
    return result;
}

static const char SQL_LIST[] =
    "SELECT " MEASURE_COLS " FROM suppression_measures m"
    " WHERE (?1 = 0 OR m.id < ?1)"
    " AND (?2 = '' OR EXISTS (SELECT 1 FROM suppression_persons q"
    "  WHERE q.measure_id = m.id AND q.atena = ?2))"
    " ORDER BY m.id DESC LIMIT ?3";

int supp_measure_list(struct store *town, const char *atena, int64_t before, int limit,
                      supp_measure_fn each, void *ctx, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_LIST, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, before);
    store_bind_str(st, 2, atena ? atena : "");
    store_bind_i64(st, 3, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct supp_measure m;
        if (read_measure(st, &m, a, err) < 0 || each(ctx, &m) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

#define REQUEST_COLS                                                                            \
    "id, measure_id, kind, new_to, lift_on, note, proposed_at, proposed_by_id, proposed_by,"    \
    " proposed_role, state, decided_at, decided_by, decision_note"

static int read_request(struct store_stmt *st, struct supp_request *r, struct arena *a,
                        struct kd_err *err)
{
    memset(r, 0, sizeof *r);
    r->id = store_col_i64(st, 0);
    r->measure_id = store_col_i64(st, 1);
    r->proposed_by_id = store_col_i64(st, 7);
    const char **text[] = {&r->kind, &r->new_to, &r->lift_on, &r->note, &r->proposed_at};
    for (int c = 0; c < 5; c++)
        if (!(*text[c] = col(st, c + 2, a)))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    const char **more[] = {&r->proposed_by, &r->proposed_role, &r->state, &r->decided_at,
                           &r->decided_by, &r->decision_note};
    for (int c = 0; c < 6; c++)
        if (!(*more[c] = col(st, c + 8, a)))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return 0;
}

int supp_request_get(struct store *town, int64_t id, struct supp_request *out, struct arena *a,
                     struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " REQUEST_COLS " FROM suppression_requests WHERE id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int result = rc == STORE_ROW ? read_request(st, out, a, err)
                 : rc == STORE_DONE ? kd_fail(err, KD_NOT_FOUND, "id", "no such request")
                                    : -1;
    store_reset(st);
    return result;
}

static const char SQL_REQUESTS_OF[] =
    "SELECT " REQUEST_COLS " FROM suppression_requests WHERE measure_id = ? ORDER BY id LIMIT ?";
static const char SQL_REQUESTS_IN[] =
    "SELECT " REQUEST_COLS " FROM suppression_requests WHERE state = ? ORDER BY id LIMIT ?";

int supp_request_list(struct store *town, int64_t measure_id, const char *state, int limit,
                      supp_request_fn each, void *ctx, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, measure_id ? SQL_REQUESTS_OF : SQL_REQUESTS_IN, err);
    if (!st)
        return -1;
    if (measure_id)
        store_bind_i64(st, 1, measure_id);
    else
        store_bind_str(st, 1, state);
    store_bind_i64(st, 2, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct supp_request r;
        if (read_request(st, &r, a, err) < 0 || each(ctx, &r) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int supp_person_read(struct store *town, const char *atena, struct supp_person *out,
                     struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT shimei, shimei_kana, birth, status FROM resident_index WHERE atena = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    enum store_step rc = store_step(st, err);
    out->atena = atena;
    out->shimei = out->shimei_kana = out->birth = out->status = "";
    if (rc == STORE_ROW) {
        out->shimei = col(st, 0, a);
        out->shimei_kana = col(st, 1, a);
        out->birth = col(st, 2, a);
        out->status = col(st, 3, a);
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (!out->shimei || !out->shimei_kana || !out->birth || !out->status)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

static int exec_done(struct store_stmt *st, const char *what, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_DONE)
        return 0;
    return rc == STORE_ERROR ? -1 : kd_fail(err, KD_CONFLICT, NULL, "%s was refused", what);
}

static const char SQL_INSERT_REQUEST[] =
    "INSERT INTO suppression_requests (measure_id, kind, new_to, lift_on, note, proposed_at,"
    " proposed_by_id, proposed_by, proposed_role, request_id, state)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING id";

static int insert_request(struct store *town, int64_t measure, const char *kind,
                          const char *new_to, const char *lift_on, const char *note,
                          const struct supp_actor *who, int64_t *id, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_INSERT_REQUEST, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, measure);
    store_bind_str(st, 2, kind);
    store_bind_str(st, 3, new_to);
    store_bind_str(st, 4, lift_on);
    store_bind_str(st, 5, note);
    store_bind_str(st, 6, who->now_iso);
    store_bind_i64(st, 7, who->user_id);
    store_bind_str(st, 8, who->login);
    store_bind_str(st, 9, who->role);
    store_bind_str(st, 10, who->request_id);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    if (rc == STORE_ROW)
        return 0;
    return rc == STORE_ERROR ? -1
                             : kd_fail(err, KD_CONFLICT, "id",
                                       "the measure already has a request waiting for a decision");
}

static const char SQL_PERSON_NOW[] =
    "SELECT address FROM resident_index WHERE atena = ?";

static const char SQL_INSERT_MEASURE[] =
    "INSERT INTO suppression_measures (category, reason, applied_on, confirmer_kind, confirmer,"
    " confirmed_on, offender, date_from, date_to, blocks, purposes, status, lifted_on,"
    " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', '', ?, ?)"
    " RETURNING id";

int supp_propose_measure(struct store *town, struct supp_measure *m, const char *note,
                         const struct supp_actor *who, int64_t *request_id, struct kd_err *err)
{
    /* The persons: in the register, the joint ones at the applicant's address. */
    char first[301] = "";
    for (int i = 0; i < m->npersons; i++) {
        char field[32];
        if (i == 0)
            snprintf(field, sizeof field, "applicant");
        else
            snprintf(field, sizeof field, "joint[%d]", i - 1);
        struct store_stmt *st = store_prepare(town, SQL_PERSON_NOW, err);
        if (!st)
            return -1;
        store_bind_str(st, 1, m->atena[i]);
        enum store_step rc = store_step(st, err);
        char address[301] = "";
        if (rc == STORE_ROW)
            snprintf(address, sizeof address, "%s", store_col_text(st, 0, NULL));
        store_reset(st);
        if (rc == STORE_ERROR)
            return -1;
        if (rc == STORE_DONE)
            return kd_fail(err, KD_NOT_FOUND, field, "no such person in the register");
        if (i == 0)
            memcpy(first, address, sizeof first);
        else if (strcmp(first, address) != 0)
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "%s does not live at the applicant's address: a joint person is one "
                           "with the same address (同一の住所を有する者)",
                           field);
    }

    char buf[256];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 4096);
    const char *blocks = supp_codes_text(&a, supp_blocks, supp_block_count, m->blocks);
    const char *purposes = supp_codes_text(&a, supp_purposes, supp_purpose_count, m->purposes);
    struct store_stmt *st = blocks && purposes ? store_prepare(town, SQL_INSERT_MEASURE, err) : NULL;
    if (!st) {
        arena_release(&a);
        return blocks && purposes ? -1 : kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    const char *v[] = {m->category, m->reason,  m->applied_on, m->confirmer_kind,
                       m->confirmer, m->confirmed_on, m->offender, m->date_from,
                       m->date_to,  blocks,     purposes,       who->now_iso,
                       who->login};
    for (int i = 0; i < 13; i++)
        store_bind_str(st, i + 1, v[i]);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        m->id = store_col_i64(st, 0);
    store_reset(st);
    arena_release(&a);
    if (rc != STORE_ROW)
        return rc == STORE_ERROR ? -1 : kd_fail(err, KD_INTERNAL, NULL, "measure not recorded");
    for (int i = 0; i < m->npersons; i++) {
        st = store_prepare(town,
                           "INSERT INTO suppression_persons (measure_id, seq, atena) VALUES (?, ?, ?)",
                           err);
        if (!st)
            return -1;
        store_bind_i64(st, 1, m->id);
        store_bind_i64(st, 2, i + 1);
        store_bind_str(st, 3, m->atena[i]);
        if (exec_done(st, "a person of the measure", err) < 0)
            return -1;
    }
    m->status = SUPP_PENDING;
    m->lifted_on = "";
    m->created_at = who->now_iso;
    m->created_by = who->login;
    return insert_request(town, m->id, "set", "", "", note, who, request_id, err);
}

/* Conflicts: the measure must be approved and still running today. */
static int check_running(const struct supp_measure *m, const char *today, struct kd_err *err)
{
    if (strcmp(m->status, SUPP_PENDING) == 0)
        return kd_fail(err, KD_CONFLICT, "id",
                       "measure %lld is not approved yet: its 申出 waits for a decision",
                       (long long)m->id);
    if (strcmp(m->status, SUPP_REJECTED) == 0)
        return kd_fail(err, KD_CONFLICT, "id", "measure %lld was rejected", (long long)m->id);
    if (strcmp(m->status, SUPP_LIFTED) == 0)
        return kd_fail(err, KD_CONFLICT, "id", "measure %lld is lifted (from %s)",
                       (long long)m->id, m->lifted_on);
    if (strcmp(today, m->date_to) > 0)
        return kd_fail(err, KD_CONFLICT, "id",
                       "measure %lld ended on %s: a new 申出 is needed", (long long)m->id,
                       m->date_to);
    return 0;
}

static int next_day(const char *iso, char out[11], struct kd_err *err)
{
    struct date d;
    if (date_parse_iso(iso, strlen(iso), "date", &d, err) < 0 || date_add_days(d, 1, &d, err) < 0)
        return -1;
    date_format_iso(d, out);
    return 0;
}

int supp_propose_change(struct store *town, int64_t measure_id, const struct supp_change *c,
                        const struct supp_settings *s, const struct supp_actor *who,
                        int64_t *request_id, struct arena *a, struct kd_err *err)
{
    struct supp_measure m;
    if (supp_measure_get(town, measure_id, &m, a, err) < 0)
        return -1;
    if (check_running(&m, who->today, err) < 0)
        return -1;
    struct supp_request pending;
    struct store_stmt *st = store_prepare(
        town, "SELECT " REQUEST_COLS " FROM suppression_requests WHERE measure_id = ?"
              " AND state = 'pending'", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, measure_id);
    enum store_step rc = store_step(st, err);
    int found = rc == STORE_ROW ? (read_request(st, &pending, a, err) < 0 ? -1 : 1)
                : rc == STORE_DONE ? 0
                                   : -1;
    store_reset(st);
    if (found < 0)
        return -1;
    if (found)
        return kd_fail(err, KD_CONFLICT, "id",
                       "measure %lld already has a request (%s, %lld) waiting for a decision",
                       (long long)measure_id, pending.kind, (long long)pending.id);
    if (strcmp(c->kind, "extend") == 0) {
        /* A further period: from the day after the current end, as long as one. */
        char start[11], longest[11];
        if (strcmp(c->to, m.date_to) <= 0)
            return kd_fail(err, KD_INVALID_VALUE, "to",
                           "an extension ends after the current end (%s)", m.date_to);
        if (next_day(m.date_to, start, err) < 0 ||
            supp_period_end(start, s->period_months, longest, err) < 0)
            return -1;
        if (strcmp(c->to, longest) > 0)
            return kd_fail(err, KD_INVALID_VALUE, "to",
                           "an extension adds at most %d months (to %s at the latest)",
                           s->period_months, longest);
        return insert_request(town, measure_id, "extend", c->to, "", c->note, who, request_id,
                              err);
    }
    if (strcmp(c->on, m.date_to) > 0)
        return kd_fail(err, KD_INVALID_VALUE, "on",
                       "on is after the measure's end (%s): it ends by itself", m.date_to);
    return insert_request(town, measure_id, "lift", "", c->on, c->note, who, request_id, err);
}

static const char SQL_DECIDE[] =
    "UPDATE suppression_requests SET state = ?, decided_at = ?, decided_by_id = ?,"
    " decided_by = ?, decision_note = ? WHERE id = ? AND state = 'pending'";

int supp_decide(struct store *town, int64_t request_id, bool approve, const char *note,
                const struct supp_actor *who, struct supp_request *out, struct arena *a,
                struct kd_err *err)
{
    if (supp_request_get(town, request_id, out, a, err) < 0)
        return -1;
    if (strcmp(out->state, "pending") != 0)
        return kd_fail(err, KD_CONFLICT, "id", "request %lld was already %s by %s",
                       (long long)request_id, out->state, out->decided_by);
    /* Four eyes: whoever proposed may not decide, whatever their role. */
    if (out->proposed_by_id == who->user_id)
        return kd_fail(err, KD_SELF_APPROVAL, "id",
                       "request %lld was proposed by you: another user decides it",
                       (long long)request_id);
    struct supp_measure m;
    if (supp_measure_get(town, out->measure_id, &m, a, err) < 0)
        return -1;
    struct store_stmt *st;
    if (approve && strcmp(out->kind, "set") == 0) {
        st = store_prepare(town,
                           "UPDATE suppression_measures SET status = 'active' WHERE id = ?"
                           " AND status = 'pending'",
                           err);
        if (!st)
            return -1;
        store_bind_i64(st, 1, m.id);
        if (exec_done(st, "the approval", err) < 0)
            return -1;
    } else if (approve && strcmp(out->kind, "extend") == 0) {
        if (check_running(&m, who->today, err) < 0)
            return -1;
        if (strcmp(out->new_to, m.date_to) <= 0)
            return kd_fail(err, KD_CONFLICT, "id", "the extension no longer extends the measure");
        st = store_prepare(town, "UPDATE suppression_measures SET date_to = ? WHERE id = ?", err);
        if (!st)
            return -1;
        store_bind_str(st, 1, out->new_to);
        store_bind_i64(st, 2, m.id);
        if (exec_done(st, "the extension", err) < 0)
            return -1;
    } else if (approve) { /* lift: from the day asked for, or today if that has passed */
        if (check_running(&m, who->today, err) < 0)
            return -1;
        const char *on = strcmp(out->lift_on, who->today) < 0 ? who->today : out->lift_on;
        st = store_prepare(town,
                           "UPDATE suppression_measures SET status = 'lifted', lifted_on = ?"
                           " WHERE id = ?",
                           err);
        if (!st)
            return -1;
        store_bind_str(st, 1, on);
        store_bind_i64(st, 2, m.id);
        if (exec_done(st, "the lift", err) < 0)
            return -1;
        out->lift_on = arena_strndup(a, on, strlen(on));
    } else if (strcmp(out->kind, "set") == 0) {
        st = store_prepare(town,
                           "UPDATE suppression_measures SET status = 'rejected' WHERE id = ?"
                           " AND status = 'pending'",
                           err);
        if (!st)
            return -1;
        store_bind_i64(st, 1, m.id);
        if (exec_done(st, "the rejection", err) < 0)
            return -1;
    }
    st = store_prepare(town, SQL_DECIDE, err);
    if (!st)
        return -1;
    const char *state = approve ? "approved" : "rejected";
    store_bind_str(st, 1, state);
    store_bind_str(st, 2, who->now_iso);
    store_bind_i64(st, 3, who->user_id);
    store_bind_str(st, 4, who->login);
    store_bind_str(st, 5, note);
    store_bind_i64(st, 6, request_id);
    if (exec_done(st, "the decision", err) < 0)
        return -1;
    if (store_changes(town) != 1)
        return kd_fail(err, KD_CONFLICT, "id", "request %lld was decided meanwhile",
                       (long long)request_id);
    out->state = state;
    out->decided_at = who->now_iso;
    out->decided_by = who->login;
    out->decision_note = note;
    return 0;
}

/* ---- who is protected --------------------------------------------------------------------- */

static const char SQL_SET[] =
    "SELECT p.atena, m.id, m.status, m.date_from, m.date_to, m.lifted_on, m.blocks, m.purposes,"
    " coalesce(i.setai, ''), coalesce(i.status, ''), coalesce(i.removal_date, '')"
    " FROM suppression_measures m JOIN suppression_persons p ON p.measure_id = m.id"
    " LEFT JOIN resident_index i ON i.atena = p.atena"
    " WHERE m.date_from <= ?1 AND m.date_to >= ?1 AND m.status <> 'rejected'"
    " ORDER BY m.id, p.seq";

int supp_set_load(struct store *town, const char *date, struct supp_set *out, struct arena *a,
                  struct kd_err *err)
{
    out->count = 0;
    out->e = NULL;
    struct store_stmt *st = store_prepare(town, SQL_SET, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, date);
    int cap = 0, pending_applies = -1; /* the setting, read when a pending 申出 is met */
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct supp_measure m = {0};
        m.status = store_col_text(st, 2, NULL);
        m.date_from = store_col_text(st, 3, NULL);
        m.date_to = store_col_text(st, 4, NULL);
        m.lifted_on = store_col_text(st, 5, NULL);
        if (strcmp(m.status, SUPP_PENDING) == 0 && pending_applies < 0) {
            /* The setting, read once (a statement of its own: this row's
             * columns stay valid). */
            const char *v;
            if (settings_get(town, "suppression.pending_applies", "yes", &v, a, err) < 0) {
                store_reset(st);
                return -1;
            }
            pending_applies = strcmp(v, "no") != 0;
        }
        if (!supp_applies_on(&m, date, pending_applies > 0))
            continue;
        if (out->count == cap) {
            int grown = cap ? cap * 2 : 16;
            struct supp_entry *e = arena_alloc(a, (size_t)grown * sizeof *e);
            if (!e) {
                store_reset(st);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
            if (out->count)
                memcpy(e, out->e, (size_t)out->count * sizeof *e);
            out->e = e;
            cap = grown;
        }
        struct supp_entry *e = &out->e[out->count];
        e->atena = col(st, 0, a);
        e->measure = store_col_i64(st, 1);
        e->until = col(st, 4, a);
        e->blocks = supp_codes_bits(supp_blocks, supp_block_count, store_col_text(st, 6, NULL));
        e->purposes = supp_codes_bits(supp_purposes, supp_purpose_count,
                                      store_col_text(st, 7, NULL));
        /* The household the person lives in on the date, if a resident. */
        const char *status = store_col_text(st, 9, NULL);
        const char *removal = store_col_text(st, 10, NULL);
        bool resident = strcmp(status, "resident") == 0 ||
                        (strcmp(status, "removed") == 0 && strcmp(removal, date) > 0);
        e->setai = resident ? col(st, 8, a) : "";
        if (!e->atena || !e->until || !e->setai) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        out->count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? out->count : -1;
}

bool supp_set_covers(const struct supp_set *s, const char *atena, const char *setai,
                     struct supp_cover *out)
{
    struct supp_cover c = {0};
    for (int i = 0; i < s->count; i++) {
        const struct supp_entry *e = &s->e[i];
        bool own = strcmp(e->atena, atena) == 0;
        bool home = !own && setai && setai[0] && strcmp(e->setai, setai) == 0;
        if (!own && !home)
            continue;
        if (own) {
            if (!c.person)
                c.measure = e->measure;
            c.person = true;
            c.purposes |= e->purposes;
        } else {
            c.household = true;
            if (!c.person && !c.measure)
                c.measure = e->measure;
        }
        c.blocks |= e->blocks;
        if (strcmp(e->until, c.until) > 0)
            snprintf(c.until, sizeof c.until, "%s", e->until);
    }
    if (out)
        *out = c;
    return c.person || c.household;
}

int supp_cover_of(struct store *town, const char *atena, const char *setai, const char *date,
                  struct supp_cover *out, struct arena *a, struct kd_err *err)
{
    struct supp_set s;
    if (supp_set_load(town, date, &s, a, err) < 0)
        return -1;
    supp_set_covers(&s, atena, setai, out);
    return 0;
}

int supp_refuses(struct store *town, const char *atena, const char *setai, const char *date,
                 unsigned block, struct arena *a, struct kd_err *err)
{
    struct supp_cover c;
    if (supp_cover_of(town, atena, setai, date, &c, a, err) < 0)
        return -1;
    return (c.person || c.household) && (c.blocks & block) ? 1 : 0;
}
