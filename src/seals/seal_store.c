/*
 * seal_store.c — the tables of 印鑑登録 (town database, scope "seals") and
 * every SQL statement on them. seals.h describes the model.
 */
#include "seals/internal.h"

#include "engine/ident.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct store_migration steps[] = {
    {1,
     /* 印鑑登録原票: one row per registration, never changed; id = 登録番号. */
     "CREATE TABLE seal_registrations ("
     " id INTEGER PRIMARY KEY,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " registered_on TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     /* the register's items on the day of registration */
     " kind TEXT NOT NULL,"
     " shimei TEXT NOT NULL,"
     " kyuuji TEXT NOT NULL,"
     " tsusho TEXT NOT NULL,"
     " birth TEXT NOT NULL,"
     " birth_text TEXT NOT NULL,"
     " sex INTEGER NOT NULL,"
     " address TEXT NOT NULL,"
     " katagaki TEXT NOT NULL,"
     /* the application */
     " verification TEXT NOT NULL CHECK (verification IN ('photo_id', 'guarantor', 'inquiry')),"
     " adult_ward INTEGER NOT NULL CHECK (adult_ward IN (0, 1)),"
     " note TEXT NOT NULL,"
     " fee INTEGER NOT NULL,"
     /* 印影: the picture as uploaded, and what was measured in it */
     " image BLOB NOT NULL,"
     " image_type TEXT NOT NULL CHECK (image_type IN ('png', 'jpeg')),"
     " image_sha256 TEXT NOT NULL,"
     " width_px INTEGER NOT NULL,"
     " height_px INTEGER NOT NULL,"
     " ppm_x INTEGER NOT NULL,"
     " ppm_y INTEGER NOT NULL,"
     " ink_x INTEGER NOT NULL,"
     " ink_y INTEGER NOT NULL,"
     " ink_w INTEGER NOT NULL,"
     " ink_h INTEGER NOT NULL,"
     " ink_w_um INTEGER NOT NULL,"
     " ink_h_um INTEGER NOT NULL"
     ") STRICT;"
     "CREATE INDEX seal_registrations_by_atena ON seal_registrations (atena, id);"
     "CREATE INDEX seal_registrations_by_image ON seal_registrations (image_sha256);"
     /* Every change, append-only. */
     "CREATE TABLE seal_events ("
     " id INTEGER PRIMARY KEY,"
     " registration_id INTEGER NOT NULL REFERENCES seal_registrations (id),"
     " kind TEXT NOT NULL CHECK (kind IN ('toroku', 'card_issue', 'card_loss', 'card_return',"
     "  'haishi', 'kaifuku')),"
     " reason TEXT NOT NULL,"
     " event_date TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " card TEXT NOT NULL,"
     " idou_id INTEGER,"
     " fee INTEGER NOT NULL,"
     " note TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX seal_events_by_registration ON seal_events (registration_id, id);"
     "CREATE INDEX seal_events_by_card ON seal_events (card, id) WHERE card <> '';"
     /* 印鑑登録証: every card issued. */
     "CREATE TABLE seal_cards ("
     " number TEXT PRIMARY KEY,"
     " serial INTEGER NOT NULL UNIQUE,"
     " registration_id INTEGER NOT NULL REFERENCES seal_registrations (id),"
     " issued_on TEXT NOT NULL,"
     " event_id INTEGER NOT NULL REFERENCES seal_events (id)"
     ") STRICT, WITHOUT ROWID;"
     /* Derived from the events: registrations in force, one per person. */
     "CREATE TABLE seal_current ("
     " atena TEXT PRIMARY KEY,"
     " registration_id INTEGER NOT NULL UNIQUE REFERENCES seal_registrations (id),"
     " card TEXT UNIQUE REFERENCES seal_cards (number)"
     ") STRICT, WITHOUT ROWID;"
     /* 交付履歴 of 印鑑登録証明書; id = 証明書番号. */
     "CREATE TABLE seal_certificates ("
     " id INTEGER PRIMARY KEY,"
     " issued_at TEXT NOT NULL,"
     " issue_date TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " registration_id INTEGER NOT NULL REFERENCES seal_registrations (id),"
     " atena TEXT NOT NULL,"
     " card TEXT NOT NULL,"
     " fee INTEGER NOT NULL,"
     " requester_name TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX seal_certificates_by_atena ON seal_certificates (atena, id);"},
};

const struct store_schema seals_schema = {"seals", steps, sizeof steps / sizeof steps[0]};

/* ---- helpers ------------------------------------------------------------------------- */

static const char *col(struct store_stmt *st, int i, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, i, &n);
    return arena_strndup(a, t, n);
}

/* Steps a statement that returns nothing; resets it. */
static int exec_done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_DONE)
        return 0;
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_INTERNAL, NULL, "a seal table refused a write: %s", err->message);
    return -1;
}

static int oom(struct kd_err *err)
{
    return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the seal register");
}

/* ---- registrations ------------------------------------------------------------------- */

static const char SQL_INSERT_REG[] =
    "INSERT INTO seal_registrations (atena, registered_on, recorded_at, user_login, request_id,"
    " kind, shimei, kyuuji, tsusho, birth, birth_text, sex, address, katagaki, verification,"
    " adult_ward, note, fee, image, image_type, image_sha256, width_px, height_px, ppm_x, ppm_y,"
    " ink_x, ink_y, ink_w, ink_h, ink_w_um, ink_h_um)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?) RETURNING id";

int seal_db_insert_registration(struct store *town, const struct seal_row *r, int64_t *id,
                                struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_INSERT_REG, err);
    if (!st)
        return -1;
    const struct record *p = r->person;
    const struct seal_measure *m = r->m;
    int k = 1;
    store_bind_str(st, k++, r->atena);
    store_bind_str(st, k++, r->registered_on);
    store_bind_str(st, k++, r->recorded_at);
    store_bind_str(st, k++, r->user_login);
    store_bind_str(st, k++, r->request_id);
    store_bind_str(st, k++, p->kind);
    store_bind_str(st, k++, p->shimei);
    store_bind_str(st, k++, p->kyuuji);
    store_bind_str(st, k++, p->tsusho);
    store_bind_str(st, k++, p->birth);
    store_bind_str(st, k++, p->birth_text);
    store_bind_i64(st, k++, p->sex);
    store_bind_str(st, k++, p->address);
    store_bind_str(st, k++, p->katagaki);
    store_bind_str(st, k++, seal_verification_code(r->verification));
    store_bind_i64(st, k++, r->adult_ward ? 1 : 0);
    store_bind_str(st, k++, r->note ? r->note : "");
    store_bind_i64(st, k++, r->fee);
    store_bind_blob(st, k++, r->image, r->image_len);
    store_bind_str(st, k++, seal_image_type_code(m->img.type));
    store_bind_str(st, k++, r->image_sha256);
    store_bind_i64(st, k++, m->img.width);
    store_bind_i64(st, k++, m->img.height);
    store_bind_i64(st, k++, m->ppm_x);
    store_bind_i64(st, k++, m->ppm_y);
    store_bind_i64(st, k++, m->box.x);
    store_bind_i64(st, k++, m->box.y);
    store_bind_i64(st, k++, m->box.w);
    store_bind_i64(st, k++, m->box.h);
    store_bind_i64(st, k++, m->w_um);
    store_bind_i64(st, k, m->h_um);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    if (rc == STORE_ROW)
        return 0;
    return rc == STORE_ERROR ? -1
                             : kd_fail(err, KD_INTERNAL, NULL, "the registration was not recorded");
}

#define REG_COLS                                                                              \
    "r.id, r.atena, r.registered_on, r.recorded_at, r.user_login, r.request_id, r.kind,"      \
    " r.shimei, r.kyuuji, r.tsusho, r.birth, r.birth_text, r.sex, r.address, r.katagaki,"     \
    " r.verification, r.adult_ward, r.note, r.fee, r.image_type, length(r.image),"            \
    " r.image_sha256, r.width_px, r.height_px, r.ppm_x, r.ppm_y, r.ink_x, r.ink_y, r.ink_w,"  \
    " r.ink_h, r.ink_w_um, r.ink_h_um, c.registration_id IS NOT NULL, coalesce(c.card, ''),"  \
    " coalesce((SELECT issued_on FROM seal_cards k WHERE k.number = c.card), ''),"            \
    " coalesce((SELECT e.event_date FROM seal_events e WHERE e.registration_id = r.id"       \
    "  AND e.kind = 'haishi' ORDER BY e.id DESC LIMIT 1), ''),"                                \
    " coalesce((SELECT e.reason FROM seal_events e WHERE e.registration_id = r.id"           \
    "  AND e.kind = 'haishi' ORDER BY e.id DESC LIMIT 1), '')"
#define REG_FROM " FROM seal_registrations r LEFT JOIN seal_current c ON c.registration_id = r.id"

static int read_reg(struct store_stmt *st, struct seal_registration *r, struct arena *a,
                    struct kd_err *err)
{
    memset(r, 0, sizeof *r);
    int k = 0;
    r->id = store_col_i64(st, k++);
    r->atena = col(st, k++, a);
    r->registered_on = col(st, k++, a);
    r->recorded_at = col(st, k++, a);
    r->user_login = col(st, k++, a);
    r->request_id = col(st, k++, a);
    r->kind = col(st, k++, a);
    r->shimei = col(st, k++, a);
    r->kyuuji = col(st, k++, a);
    r->tsusho = col(st, k++, a);
    r->birth = col(st, k++, a);
    r->birth_text = col(st, k++, a);
    r->sex = store_col_i64(st, k++);
    r->address = col(st, k++, a);
    r->katagaki = col(st, k++, a);
    const char *verification = col(st, k++, a);
    r->adult_ward = store_col_i64(st, k++) != 0;
    r->note = col(st, k++, a);
    r->fee = store_col_i64(st, k++);
    const char *type = col(st, k++, a);
    r->image_bytes = store_col_i64(st, k++);
    r->image_sha256 = col(st, k++, a);
    r->width_px = store_col_i64(st, k++);
    r->height_px = store_col_i64(st, k++);
    r->ppm_x = store_col_i64(st, k++);
    r->ppm_y = store_col_i64(st, k++);
    r->box.x = (int)store_col_i64(st, k++);
    r->box.y = (int)store_col_i64(st, k++);
    r->box.w = (int)store_col_i64(st, k++);
    r->box.h = (int)store_col_i64(st, k++);
    r->w_um = store_col_i64(st, k++);
    r->h_um = store_col_i64(st, k++);
    r->active = store_col_i64(st, k++) != 0;
    r->card = col(st, k++, a);
    r->card_issued = col(st, k++, a);
    const char *haishi_on = col(st, k++, a);
    const char *haishi_reason = col(st, k, a);
    if (!r->atena || !r->registered_on || !r->recorded_at || !r->user_login || !r->request_id ||
        !r->kind || !r->shimei || !r->kyuuji || !r->tsusho || !r->birth || !r->birth_text ||
        !r->address || !r->katagaki || !verification || !r->note || !type ||
        !r->image_sha256 || !r->card || !r->card_issued || !haishi_on || !haishi_reason)
        return oom(err);
    if (!seal_verification_parse(verification, &r->verification) ||
        !seal_image_type_parse(type, &r->image_type))
        return kd_fail(err, KD_INTERNAL, NULL, "seal registration %lld is not readable",
                       (long long)r->id);
    r->abolished_on = r->active ? "" : haishi_on;
    r->abolish_reason = r->active ? "" : haishi_reason;
    return 0;
}

int seal_get(struct store *town, int64_t id, struct seal_registration *out, struct arena *a,
             struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " REG_COLS REG_FROM " WHERE r.id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int r = rc == STORE_ROW ? read_reg(st, out, a, err) : -1;
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no such seal registration");
    return rc == STORE_ROW ? r : -1;
}

int seal_list(struct store *town, const char *atena, bool active_only, int64_t before, int limit,
              seal_fn each, void *ctx, struct arena *a, struct kd_err *err)
{
    static const char *const sql[2][2] = {
        {"SELECT " REG_COLS REG_FROM " WHERE r.id < ? ORDER BY r.id DESC LIMIT ?",
         "SELECT " REG_COLS REG_FROM " WHERE r.id < ? AND c.registration_id IS NOT NULL"
         " ORDER BY r.id DESC LIMIT ?"},
        {"SELECT " REG_COLS REG_FROM " WHERE r.atena = ? AND r.id < ? ORDER BY r.id DESC LIMIT ?",
         "SELECT " REG_COLS REG_FROM " WHERE r.atena = ? AND r.id < ?"
         " AND c.registration_id IS NOT NULL ORDER BY r.id DESC LIMIT ?"},
    };
    struct store_stmt *st = store_prepare(town, sql[atena != NULL][active_only], err);
    if (!st)
        return -1;
    int k = 1;
    if (atena)
        store_bind_str(st, k++, atena);
    store_bind_i64(st, k++, before > 0 ? before : INT64_MAX);
    store_bind_i64(st, k, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct seal_registration r;
        if (read_reg(st, &r, a, err) < 0 || each(ctx, &r) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int seal_image_bytes(struct store *town, int64_t id, const unsigned char **data, size_t *len,
                     enum seal_image_type *type, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT image, image_type FROM seal_registrations WHERE id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int r = -1;
    if (rc == STORE_ROW) {
        size_t n;
        const void *b = store_col_blob(st, 0, &n);
        unsigned char *copy = arena_alloc(a, n ? n : 1);
        const char *t = store_col_text(st, 1, NULL);
        if (!copy)
            r = oom(err);
        else if (!seal_image_type_parse(t, type))
            r = kd_fail(err, KD_INTERNAL, NULL, "seal picture %lld has an unknown type",
                        (long long)id);
        else {
            memcpy(copy, b, n);
            *data = copy;
            *len = n;
            r = 0;
        }
    }
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no such seal registration");
    return rc == STORE_ROW ? r : -1;
}

int seal_db_image_in_force(struct store *town, const char *sha256, const char *atena,
                           int64_t *id, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT r.id FROM seal_registrations r JOIN seal_current c ON c.registration_id = r.id"
        " WHERE r.image_sha256 = ? AND r.atena <> ? LIMIT 1",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, sha256);
    store_bind_str(st, 2, atena);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    return rc == STORE_ERROR ? -1 : rc == STORE_ROW;
}

int seal_db_last_of(struct store *town, const char *atena, int64_t *id, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT max(id) FROM seal_registrations WHERE atena = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    enum store_step rc = store_step(st, err);
    bool found = rc == STORE_ROW && !store_col_null(st, 0);
    if (found)
        *id = store_col_i64(st, 0);
    store_reset(st);
    return rc == STORE_ERROR ? -1 : found;
}

/* ---- events -------------------------------------------------------------------------- */

int seal_db_insert_event(struct store *town, struct seal_event *e, int64_t registration_id,
                         struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_events (registration_id, kind, reason, event_date, recorded_at,"
        " user_login, request_id, card, idou_id, fee, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, registration_id);
    store_bind_str(st, 2, e->kind);
    store_bind_str(st, 3, e->reason ? e->reason : "");
    store_bind_str(st, 4, e->date);
    store_bind_str(st, 5, e->recorded_at);
    store_bind_str(st, 6, e->user_login ? e->user_login : "");
    store_bind_str(st, 7, e->request_id ? e->request_id : "");
    store_bind_str(st, 8, e->card ? e->card : "");
    if (e->idou_id > 0)
        store_bind_i64(st, 9, e->idou_id);
    else
        store_bind_null(st, 9);
    store_bind_i64(st, 10, e->fee);
    store_bind_str(st, 11, e->note ? e->note : "");
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        e->id = store_col_i64(st, 0);
    store_reset(st);
    if (rc == STORE_ROW)
        return 0;
    return rc == STORE_ERROR ? -1 : kd_fail(err, KD_INTERNAL, NULL, "the event was not recorded");
}

#define EVENT_COLS                                                                             \
    "id, kind, reason, event_date, recorded_at, user_login, request_id, card,"                 \
    " coalesce(idou_id, 0), fee, note"

static int read_event(struct store_stmt *st, struct seal_event *e, struct arena *a,
                      struct kd_err *err)
{
    e->id = store_col_i64(st, 0);
    e->kind = col(st, 1, a);
    e->reason = col(st, 2, a);
    e->date = col(st, 3, a);
    e->recorded_at = col(st, 4, a);
    e->user_login = col(st, 5, a);
    e->request_id = col(st, 6, a);
    e->card = col(st, 7, a);
    e->idou_id = store_col_i64(st, 8);
    e->fee = store_col_i64(st, 9);
    e->note = col(st, 10, a);
    if (!e->kind || !e->reason || !e->date || !e->recorded_at || !e->user_login ||
        !e->request_id || !e->card || !e->note)
        return oom(err);
    return 0;
}

int seal_events(struct store *town, int64_t id, seal_event_fn each, void *ctx, struct arena *a,
                struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT " EVENT_COLS " FROM seal_events WHERE registration_id = ? ORDER BY id",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc;
    int count = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct seal_event e;
        if (read_event(st, &e, a, err) < 0 || each(ctx, &e) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int seal_db_last_event(struct store *town, int64_t id, const char *kind, struct seal_event *e,
                       struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT " EVENT_COLS " FROM seal_events WHERE registration_id = ?"
        " AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT 1",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    store_bind_str(st, 2, kind);
    store_bind_str(st, 3, kind);
    enum store_step rc = store_step(st, err);
    int r = rc == STORE_ROW ? read_event(st, e, a, err) : 0;
    store_reset(st);
    if (rc == STORE_ERROR || r < 0)
        return -1;
    return rc == STORE_ROW;
}

int seal_db_card_end(struct store *town, const char *card, struct seal_event *e, struct arena *a,
                     struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT " EVENT_COLS " FROM seal_events WHERE card = ?"
        " AND kind IN ('card_loss', 'card_return') ORDER BY id LIMIT 1",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, card);
    enum store_step rc = store_step(st, err);
    int r = rc == STORE_ROW ? read_event(st, e, a, err) : 0;
    store_reset(st);
    if (rc == STORE_ERROR || r < 0)
        return -1;
    return rc == STORE_ROW;
}

/* ---- cards --------------------------------------------------------------------------- */

bool seal_card_valid(const char *s, size_t len)
{
    if (len != SEAL_CARD_LEN - 1)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    int cd = ident_m11_check_digit(s, len - 1, IDENT_M11_R1_SKIP);
    return cd >= 0 && s[len - 1] == '0' + cd;
}

int seal_db_next_card(struct store *town, char card[SEAL_CARD_LEN], int64_t *serial_out,
                      struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT coalesce(max(serial), 0) FROM seal_cards", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    int64_t serial = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    if (rc != STORE_ROW)
        return rc == STORE_ERROR ? -1 : kd_fail(err, KD_INTERNAL, NULL, "no card serial");
    int cd;
    char digits[16];
    do {
        if (++serial > 9999999)
            return kd_fail(err, KD_INTERNAL, NULL, "the town has run out of card numbers");
        snprintf(digits, sizeof digits, "%07" PRId64, serial);
        cd = ident_m11_check_digit(digits, 7, IDENT_M11_R1_SKIP);
    } while (cd < 0);
    snprintf(card, SEAL_CARD_LEN, "%s%d", digits, cd);
    *serial_out = serial;
    return 0;
}

int seal_db_insert_card(struct store *town, const char *card, int64_t serial,
                        int64_t registration_id, const char *issued_on, int64_t event_id,
                        struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town,
                      "INSERT INTO seal_cards (number, serial, registration_id, issued_on,"
                      " event_id) VALUES (?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return -1;
    store_bind_str(st, 1, card);
    store_bind_i64(st, 2, serial);
    store_bind_i64(st, 3, registration_id);
    store_bind_str(st, 4, issued_on);
    store_bind_i64(st, 5, event_id);
    return exec_done(st, err);
}

int seal_db_card(struct store *town, const char *card, int64_t *registration_id,
                 const char **issued_on, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT registration_id, issued_on FROM seal_cards WHERE number = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, card);
    enum store_step rc = store_step(st, err);
    int r = 0;
    if (rc == STORE_ROW) {
        *registration_id = store_col_i64(st, 0);
        *issued_on = col(st, 1, a);
        r = *issued_on ? 1 : oom(err);
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : r;
}

/* ---- seal_current ----------------------------------------------------------------------- */

static int current_row(struct store_stmt *st, int64_t *id, const char **atena, const char **card,
                       struct arena *a, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    int r = 0;
    if (rc == STORE_ROW) {
        if (id)
            *id = store_col_i64(st, 0);
        if (atena && !(*atena = col(st, 1, a)))
            r = oom(err);
        if (card && r == 0 && !(*card = col(st, 2, a)))
            r = oom(err);
        if (r == 0)
            r = 1;
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : r;
}

int seal_db_current_by_atena(struct store *town, const char *atena, int64_t *id,
                             const char **card, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT registration_id, atena, coalesce(card, '') FROM seal_current WHERE atena = ?",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    return current_row(st, id, NULL, card, a, err);
}

int seal_db_current_by_id(struct store *town, int64_t id, const char **atena, const char **card,
                          struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town,
                                          "SELECT registration_id, atena, coalesce(card, '')"
                                          " FROM seal_current WHERE registration_id = ?",
                                          err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    return current_row(st, NULL, atena, card, a, err);
}

int seal_current_of(struct store *town, const char *atena, int64_t *id, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT registration_id FROM seal_current WHERE atena = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    return rc == STORE_ERROR ? -1 : rc == STORE_ROW;
}

int seal_db_current_insert(struct store *town, const char *atena, int64_t id, const char *card,
                           struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "INSERT INTO seal_current (atena, registration_id, card) VALUES (?, ?, ?)", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_i64(st, 2, id);
    store_bind_str(st, 3, card && card[0] ? card : NULL);
    return exec_done(st, err);
}

int seal_db_current_card(struct store *town, int64_t id, const char *card, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "UPDATE seal_current SET card = ? WHERE registration_id = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, card && card[0] ? card : NULL);
    store_bind_i64(st, 2, id);
    return exec_done(st, err);
}

int seal_db_current_delete(struct store *town, int64_t id, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "DELETE FROM seal_current WHERE registration_id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    return exec_done(st, err);
}

/* ---- 交付履歴 ----------------------------------------------------------------------------- */

int seal_certificate_record(struct store *town, struct seal_certificate *c, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_certificates (issued_at, issue_date, user_login, request_id,"
        " registration_id, atena, card, fee, requester_name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, c->issued_at);
    store_bind_str(st, 2, c->issue_date);
    store_bind_str(st, 3, c->user_login);
    store_bind_str(st, 4, c->request_id);
    store_bind_i64(st, 5, c->registration_id);
    store_bind_str(st, 6, c->atena);
    store_bind_str(st, 7, c->card);
    store_bind_i64(st, 8, c->fee);
    store_bind_str(st, 9, c->requester_name ? c->requester_name : "");
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        c->id = store_col_i64(st, 0);
    store_reset(st);
    if (rc == STORE_ROW)
        return 0;
    return rc == STORE_ERROR ? -1
                             : kd_fail(err, KD_INTERNAL, NULL, "the certificate was not recorded");
}

#define CERT_COLS                                                                              \
    "id, issued_at, issue_date, user_login, request_id, registration_id, atena, card, fee,"   \
    " requester_name"

static int read_cert(struct store_stmt *st, struct seal_certificate *c, struct arena *a,
                     struct kd_err *err)
{
    c->id = store_col_i64(st, 0);
    c->issued_at = col(st, 1, a);
    c->issue_date = col(st, 2, a);
    c->user_login = col(st, 3, a);
    c->request_id = col(st, 4, a);
    c->registration_id = store_col_i64(st, 5);
    c->atena = col(st, 6, a);
    c->card = col(st, 7, a);
    c->fee = store_col_i64(st, 8);
    c->requester_name = col(st, 9, a);
    if (!c->issued_at || !c->issue_date || !c->user_login || !c->request_id || !c->atena ||
        !c->card || !c->requester_name)
        return oom(err);
    return 0;
}

int seal_certificate_list(struct store *town, const char *atena, int64_t before, int limit,
                          seal_certificate_fn each, void *ctx, struct arena *a,
                          struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        atena ? "SELECT " CERT_COLS " FROM seal_certificates WHERE atena = ? AND id < ?"
                " ORDER BY id DESC LIMIT ?"
              : "SELECT " CERT_COLS " FROM seal_certificates WHERE id < ? ORDER BY id DESC LIMIT ?",
        err);
    if (!st)
        return -1;
    int k = 1;
    if (atena)
        store_bind_str(st, k++, atena);
    store_bind_i64(st, k++, before > 0 ? before : INT64_MAX);
    store_bind_i64(st, k, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct seal_certificate c;
        if (read_cert(st, &c, a, err) < 0 || each(ctx, &c) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int seal_certificate_get(struct store *town, int64_t id, struct seal_certificate *out,
                         struct arena *a, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " CERT_COLS " FROM seal_certificates WHERE id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int r = rc == STORE_ROW ? read_cert(st, out, a, err) : -1;
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no such seal certificate");
    return rc == STORE_ROW ? r : -1;
}
