/*
 * sheets.c — the consortium_sheets table of the control database.
 */
#include "consortium/sheets.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/tenant.h"

#include <string.h>

static const struct store_migration steps[] = {
    {1, "CREATE TABLE consortium_sheets ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('proposal', 'costs', 'procurement', 'allocation')),"
        " title TEXT NOT NULL,"
        " body TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " updated_by TEXT NOT NULL"
        ") STRICT"},
};

const struct store_schema consortium_schema = {"consortium", steps,
                                               sizeof steps / sizeof steps[0]};

struct members_ctx {
    struct arena *a;
    struct cons_town *items;
    size_t n, cap;
};

static int add_member(void *p, const struct tenant *t)
{
    struct members_ctx *m = p;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct cons_town *items = arena_alloc(m->a, cap * sizeof *items);
        if (!items)
            return -1;
        if (m->n)
            memcpy(items, m->items, m->n * sizeof *items);
        m->items = items;
        m->cap = cap;
    }
    const char *code = arena_strndup(m->a, t->code, strlen(t->code));
    const char *name = arena_strndup(m->a, t->name, strlen(t->name));
    if (!code || !name)
        return -1;
    m->items[m->n++] = (struct cons_town){code, name};
    return 0;
}

int cons_members(struct store *ctl, struct arena *a, struct cons_towns *out, struct kd_err *err)
{
    struct members_ctx m = {a, NULL, 0, 0};
    if (tenant_list(ctl, add_member, &m, err) < 0)
        return -1;
    out->items = m.items;
    out->n = m.n;
    return 0;
}

/* Checks a title and the text; fills kind (and the text's title). */
static int check(struct store *ctl, const char *title, const char *text, size_t len,
                 enum cons_kind *kind, char *text_title, size_t cap, struct kd_err *err)
{
    if (title && text_check_line(title, strlen(title), 1, CONS_TITLE_CHARS, "title", err) < 0)
        return -1;
    if (!text)
        return 0;
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct cons_towns towns;
    int rc = -1;
    if (cons_members(ctl, &a, &towns, err) < 0)
        goto out;
    struct cons_result *r = cons_compute(&a, "text", text, len, &towns, err);
    if (!r)
        goto out;
    *kind = r->kind;
    /* A title from the text is cut to what a title may hold. */
    size_t n = strlen(r->title);
    while (text_utf8_chars(r->title, n) > CONS_TITLE_CHARS)
        n--;
    kd_copy_utf8(text_title, cap, r->title, n);
    rc = 0;
out:
    arena_release(&a);
    return rc;
}

static const char SQL_ADD[] =
    "INSERT INTO consortium_sheets (kind, title, body, created_at, updated_at, updated_by)"
    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id";

int cons_sheet_add(struct store *ctl, const char *title, const char *text, size_t len,
                   const char *who, int64_t now_ms, int64_t *id, struct kd_err *err)
{
    enum cons_kind kind;
    char text_title[CONS_TITLE_CHARS * 4 + 1];
    if (check(ctl, title, text, len, &kind, text_title, sizeof text_title, err) < 0)
        return -1;
    char at[CLOCK_ISO_LEN];
    clock_format_iso(now_ms, at);
    if (store_begin_write(ctl, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(ctl, SQL_ADD, err);
    if (!st)
        goto out_rollback;
    store_bind_str(st, 1, cons_kind_name(kind));
    store_bind_str(st, 2, title ? title : text_title);
    store_bind_text(st, 3, text, len);
    store_bind_str(st, 4, at);
    store_bind_str(st, 5, at);
    store_bind_str(st, 6, who);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    if (rc != STORE_ROW)
        goto out_rollback;
    if (store_commit(ctl, err) < 0)
        goto out_rollback;
    return 0;
out_rollback:
    store_rollback(ctl);
    return -1;
}

static const char SQL_UPDATE[] =
    "UPDATE consortium_sheets SET kind = coalesce(?, kind), title = coalesce(?, title),"
    " body = coalesce(?, body), updated_at = ?, updated_by = ? WHERE id = ?";

int cons_sheet_update(struct store *ctl, int64_t id, const char *title, const char *text,
                      size_t len, const char *who, int64_t now_ms, struct kd_err *err)
{
    enum cons_kind kind = CONS_KIND_COUNT;
    char text_title[CONS_TITLE_CHARS * 4 + 1];
    if (check(ctl, title, text, len, &kind, text_title, sizeof text_title, err) < 0)
        return -1;
    char at[CLOCK_ISO_LEN];
    clock_format_iso(now_ms, at);
    if (store_begin_write(ctl, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(ctl, SQL_UPDATE, err);
    if (!st)
        goto out_rollback;
    store_bind_str(st, 1, text ? cons_kind_name(kind) : NULL);
    store_bind_str(st, 2, title);
    if (text)
        store_bind_text(st, 3, text, len);
    else
        store_bind_null(st, 3);
    store_bind_str(st, 4, at);
    store_bind_str(st, 5, who);
    store_bind_i64(st, 6, id);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc != STORE_DONE)
        goto out_rollback;
    if (store_changes(ctl) == 0) {
        kd_fail(err, KD_NOT_FOUND, "id", "no such sheet");
        goto out_rollback;
    }
    if (store_commit(ctl, err) < 0)
        goto out_rollback;
    return 0;
out_rollback:
    store_rollback(ctl);
    return -1;
}

int cons_sheet_delete(struct store *ctl, int64_t id, struct kd_err *err)
{
    if (store_begin_write(ctl, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(ctl, "DELETE FROM consortium_sheets WHERE id = ?", err);
    if (!st)
        goto out_rollback;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc != STORE_DONE)
        goto out_rollback;
    if (store_changes(ctl) == 0) {
        kd_fail(err, KD_NOT_FOUND, "id", "no such sheet");
        goto out_rollback;
    }
    if (store_commit(ctl, err) < 0)
        goto out_rollback;
    return 0;
out_rollback:
    store_rollback(ctl);
    return -1;
}

static const char *copy_col(struct arena *a, struct store_stmt *st, int col, size_t *len_out)
{
    size_t len;
    const char *s = store_col_text(st, col, &len);
    if (len_out)
        *len_out = len;
    return arena_strndup(a, s, len);
}

static const char SQL_GET[] = "SELECT id, kind, title, body, created_at, updated_at, updated_by"
                              " FROM consortium_sheets WHERE id = ?";

int cons_sheet_get(struct store *ctl, struct arena *a, int64_t id, struct cons_sheet_row *out,
                   struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_GET, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        out->id = store_col_i64(st, 0);
        size_t n;
        const char *kind = store_col_text(st, 1, &n);
        if (!cons_kind_parse(kind, &out->kind))
            out->kind = CONS_PROPOSAL; /* the CHECK constraint allows nothing else */
        out->title = copy_col(a, st, 2, NULL);
        out->text = copy_col(a, st, 3, &out->text_len);
        out->created_at = copy_col(a, st, 4, NULL);
        out->updated_at = copy_col(a, st, 5, NULL);
        out->updated_by = copy_col(a, st, 6, NULL);
        if (!out->title || !out->text || !out->created_at || !out->updated_at ||
            !out->updated_by) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading a sheet");
        }
    }
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no such sheet");
    return rc == STORE_ROW ? 0 : -1;
}

static const char SQL_LIST[] = "SELECT id, kind, title, created_at, updated_at, updated_by"
                               " FROM consortium_sheets ORDER BY id DESC";

int cons_sheet_list(struct store *ctl, cons_sheet_each_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_LIST, err);
    if (!st)
        return -1;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct cons_sheet_row row = {0};
        size_t n;
        row.id = store_col_i64(st, 0);
        if (!cons_kind_parse(store_col_text(st, 1, &n), &row.kind))
            row.kind = CONS_PROPOSAL;
        row.title = store_col_text(st, 2, &n);
        row.created_at = store_col_text(st, 3, &n);
        row.updated_at = store_col_text(st, 4, &n);
        row.updated_by = store_col_text(st, 5, &n);
        if (each(ctx, &row) < 0) {
            store_reset(st);
            return -1;
        }
    }
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

struct cons_result *cons_sheet_compute(struct store *ctl, struct arena *a,
                                       const struct cons_sheet_row *row, struct kd_err *err)
{
    struct cons_towns towns;
    if (cons_members(ctl, a, &towns, err) < 0)
        return NULL;
    return cons_compute(a, "text", row->text, row->text_len, &towns, err);
}
