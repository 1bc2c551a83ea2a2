/*
 * jutogai.c — the 住登外管理 layout (layouts/jutogai/): non-residents (住登外者)
 * and corporations (法人) of the addressee base, their history, and the
 * merges of 宛名番号.
 *
 *   JUTOGAI01 宛名情報      each addressee's latest believed snapshot
 *                           (checked against JUTOGAI02 on import)
 *   JUTOGAI02 宛名履歴情報  every snapshot, with the 事象番号 of its event
 *   JUTOGAI03 宛名統合情報  the merges and their undos
 *
 * docs/layouts.md, "How the register is migrated".
 */
#include "migration/internal.h"

#include "base/date.h"
#include "base/text.h"
#include "engine/wareki.h"
#include "residents/bulk.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ab {
    AB_ATENA, AB_RIREKI, AB_KIND, AB_BIRTH, AB_BIRTH_UNKNOWN, AB_BIRTH_TEXT, AB_SEX,
    AB_EVENT_NO, AB_EVENT_KIND, AB_VALID_FROM, AB_SHORI_DATE, AB_SHORI_TIME, AB_USER, AB_NOTE,
    AB_MUKOU, AB_MUKOU_DATE, AB_MUKOU_TIME, AB_MUKOU_EVENT_NO,
    /* text items taken as they are */
    AB_NAME, AB_NAME_KANA, AB_KYUUJI, AB_KYUUJI_KANA, AB_TSUSHO, AB_TSUSHO_KANA, AB_ALPHA_NAME,
    AB_POSTCODE, AB_ADDRESS, AB_KATAGAKI, AB_KOJIN_BANGO, AB_CORP_NUMBER, AB_REPRESENTATIVE,
    AB_COUNT
};
#define AB_FIRST_DIRECT AB_NAME

static const char *const ab_names[AB_COUNT] = {
    "atena", "rireki", "kind", "birth", "birth_unknown", "birth_text", "sex", "event_no",
    "event_kind", "valid_from", "shori_date", "shori_time", "user", "note", "mukou",
    "mukou_date", "mukou_time", "mukou_event_no", "name", "name_kana", "kyuuji", "kyuuji_kana",
    "tsusho", "tsusho_kana", "alpha_name", "postcode", "address", "katagaki", "kojin_bango",
    "corp_number", "representative",
};

enum mb { MB_ID, MB_ABSORBED, MB_SURVIVOR, MB_MERGED_DATE, MB_MERGED_TIME, MB_USER, MB_REASON,
          MB_UNDONE_DATE, MB_UNDONE_TIME, MB_UNDO_USER, MB_UNDO_REASON, MB_COUNT };
static const char *const mb_names[MB_COUNT] = {
    "id", "absorbed", "survivor", "merged_date", "merged_time", "user", "reason",
    "undone_date", "undone_time", "undo_user", "undo_reason",
};

struct amap {
    const struct mig_file *f;
    int at[AB_COUNT];
    int field[AB_COUNT]; /* addressee field of a direct item */
};

static int amap_make(const struct mig_file *f, struct amap *m, struct kd_err *e)
{
    m->f = f;
    if (mig_bind(f, ab_names, AB_COUNT, m->at, e) < 0)
        return -1;
    for (int b = 0; b < AB_COUNT; b++)
        m->field[b] = b >= AB_FIRST_DIRECT ? addressee_field_index(ab_names[b]) : -1;
    return 0;
}

static const char *table_of(const struct amap *m, int b)
{
    return m->at[b] >= 0 ? m->f->items[m->at[b]].code_table : "";
}

static const char *aval(const struct amap *m, const char *const *vals, int b)
{
    return m->at[b] >= 0 ? vals[m->at[b]] : "";
}

#define APROBLEM(c, m, line, b, vals, ...)                                                       \
    mig_problem((c), (m)->f->path, (line), (m)->at[b] >= 0 ? (m)->f->items[(m)->at[b]].name : "", \
                aval((m), (vals), (b)), __VA_ARGS__)

/* ---- export --------------------------------------------------------------------------- */

struct aout {
    const char *v[1000];
    char num[4][24];
    char dates[2][11], times[2][13];
};

static int code_for(struct mig_ctx *c, const struct amap *m, int b, const char *value,
                    const char **out, struct kd_err *e)
{
    *out = "";
    if (m->at[b] < 0)
        return 0;
    const char *code = mig_codes_code(c->codes, table_of(m, b), value);
    if (!code)
        return kd_fail(e, KD_INTERNAL, m->f->items[m->at[b]].name,
                       "%s: the value %s has no code in %s (kyodo_codes.tsv)", m->f->path, value,
                       table_of(m, b));
    *out = code;
    return 0;
}

static void aput(const struct amap *m, struct aout *o, int b, const char *v)
{
    if (m->at[b] >= 0)
        o->v[m->at[b]] = v;
}

static int afill(struct mig_ctx *c, const struct amap *m, const struct bulk_addressee *v,
                 struct aout *o, struct kd_err *e)
{
    const struct addressee *r = &v->r;
    bool corp = strcmp(r->kind, "corporation") == 0;
    for (int i = 0; i < m->f->n_items; i++)
        o->v[i] = "";
    for (int b = AB_FIRST_DIRECT; b < AB_COUNT; b++)
        aput(m, o, b, addressee_text(r, m->field[b]));
    aput(m, o, AB_ATENA, r->atena);
    snprintf(o->num[0], sizeof o->num[0], "%" PRId64, r->rireki);
    aput(m, o, AB_RIREKI, o->num[0]);
    const char *code;
    if (code_for(c, m, AB_KIND, r->kind, &code, e) < 0)
        return -1;
    aput(m, o, AB_KIND, code);
    aput(m, o, AB_BIRTH, !r->birth[0] && r->birth_text[0] ? "0000-00-00" : r->birth);
    aput(m, o, AB_BIRTH_TEXT, r->birth_text);
    if (code_for(c, m, AB_BIRTH_UNKNOWN, r->birth_unknown ? "1" : "0", &code, e) < 0)
        return -1;
    aput(m, o, AB_BIRTH_UNKNOWN, code);
    if (!corp) {
        snprintf(o->num[1], sizeof o->num[1], "%" PRId64, r->sex);
        if (code_for(c, m, AB_SEX, o->num[1], &code, e) < 0)
            return -1;
        aput(m, o, AB_SEX, code);
    }
    snprintf(o->num[2], sizeof o->num[2], "%" PRId64, v->event_no);
    aput(m, o, AB_EVENT_NO, o->num[2]);
    if (code_for(c, m, AB_EVENT_KIND, v->event_kind, &code, e) < 0)
        return -1;
    aput(m, o, AB_EVENT_KIND, code);
    aput(m, o, AB_VALID_FROM, r->valid_from);
    mig_instant_split(r->recorded_at, o->dates[0], o->times[0]);
    aput(m, o, AB_SHORI_DATE, o->dates[0]);
    aput(m, o, AB_SHORI_TIME, o->times[0]);
    aput(m, o, AB_USER, v->user_login);
    aput(m, o, AB_NOTE, v->note);
    bool sup = v->superseded_at[0] != '\0';
    if (code_for(c, m, AB_MUKOU, sup ? "1" : "0", &code, e) < 0)
        return -1;
    aput(m, o, AB_MUKOU, code);
    if (sup) {
        mig_instant_split(v->superseded_at, o->dates[1], o->times[1]);
        aput(m, o, AB_MUKOU_DATE, o->dates[1]);
        aput(m, o, AB_MUKOU_TIME, o->times[1]);
        snprintf(o->num[3], sizeof o->num[3], "%" PRId64, v->superseded_by);
        aput(m, o, AB_MUKOU_EVENT_NO, o->num[3]);
    }
    return 0;
}

struct aexport {
    struct mig_ctx *c;
    struct amap m1, m2;
    struct mig_writer *w1, *w2, *w3;
    int mat[MB_COUNT];
    const struct mig_file *f3;
    struct aout o;
    int64_t rows1, rows2, rows3;
};

static int export_one(void *p, const struct bulk_addressee *v, bool latest, struct kd_err *e)
{
    struct aexport *x = p;
    if (afill(x->c, &x->m2, v, &x->o, e) < 0 || mig_writer_row(x->w2, x->o.v, e) < 0)
        return -1;
    x->rows2++;
    x->c->rows++;
    if (latest) {
        if (afill(x->c, &x->m1, v, &x->o, e) < 0 || mig_writer_row(x->w1, x->o.v, e) < 0)
            return -1;
        x->rows1++;
        x->c->rows++;
    }
    return (x->rows2 & 1023) ? 0 : mig_progress(x->c, x->m2.f->path, x->rows2, false, e);
}

static int export_merge(void *p, const struct bulk_merge *m, struct kd_err *e)
{
    struct aexport *x = p;
    const char *v[64];
    for (int i = 0; i < x->f3->n_items && i < 64; i++)
        v[i] = "";
    char id[24], d1[11], t1[13], d2[11] = "", t2[13] = "";
    snprintf(id, sizeof id, "%" PRId64, m->id);
    mig_instant_split(m->merged_at, d1, t1);
    if (m->undone_at[0])
        mig_instant_split(m->undone_at, d2, t2);
    const char *val[MB_COUNT] = {id, m->absorbed, m->survivor, d1, t1, m->user_login, m->reason,
                                 d2, t2, m->undo_user, m->undo_reason};
    for (int b = 0; b < MB_COUNT; b++)
        if (x->mat[b] >= 0)
            v[x->mat[b]] = val[b];
    if (mig_writer_row(x->w3, v, e) < 0)
        return -1;
    x->rows3++;
    x->c->rows++;
    return 0;
}

static int close_writer(struct mig_ctx *c, const struct mig_file *f, struct mig_writer **w,
                        struct kd_err *e)
{
    int64_t rows;
    char sha[65];
    struct mig_writer *x = *w;
    *w = NULL;
    if (mig_writer_close(x, &rows, sha, e) < 0)
        return -1;
    return mig_ctx_file(c, f->id, f->path, rows, sha, e);
}

static int jutogai_export(struct mig_ctx *c, struct kd_err *e)
{
    struct aexport *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    int rc = -1;
    const struct mig_file *f1 = mig_need_file(c, "JUTOGAI01", e), *f2 = NULL;
    if (!f1 || !(f2 = mig_need_file(c, "JUTOGAI02", e)) ||
        !(x->f3 = mig_need_file(c, "JUTOGAI03", e)) || amap_make(f1, &x->m1, e) < 0 ||
        amap_make(f2, &x->m2, e) < 0 || mig_bind(x->f3, mb_names, MB_COUNT, x->mat, e) < 0)
        goto out;
    if (f1->n_items > 1000 || f2->n_items > 1000 || x->f3->n_items > 64) {
        kd_fail(e, KD_INVALID_VALUE, "layout", "too many items in a file of layout jutogai");
        goto out;
    }
    if (mig_writer_open(&x->w1, c->layout, f1, c->profile, c->dir, e) < 0 ||
        mig_writer_open(&x->w2, c->layout, f2, c->profile, c->dir, e) < 0 ||
        addressees_bulk_scan(c->town, export_one, x, e) < 0 ||
        close_writer(c, f1, &x->w1, e) < 0 || close_writer(c, f2, &x->w2, e) < 0)
        goto out;
    if (mig_writer_open(&x->w3, c->layout, x->f3, c->profile, c->dir, e) < 0 ||
        addressees_bulk_merges(c->town, export_merge, x, e) < 0 ||
        close_writer(c, x->f3, &x->w3, e) < 0)
        goto out;
    rc = mig_progress(c, x->f3->path, x->rows3, true, e);
out:
    if (x->w1)
        mig_writer_discard(x->w1);
    if (x->w2)
        mig_writer_discard(x->w2);
    if (x->w3)
        mig_writer_discard(x->w3);
    free(x);
    return rc;
}

/* ---- import ----------------------------------------------------------------------------- */

static int64_t num(const char *s, int64_t min)
{
    int64_t n;
    return text_parse_i64(s, strlen(s), min, INT64_MAX, &n) ? n : 0;
}

/* The 生年月日 as addressee_check_fields takes it: the 表記 when there is
 * one, else the date (a partly known one as a 不詳 text). */
static const char *birth_input(const char *date, const char *text, struct arena *a)
{
    if (text[0] || !date[0])
        return text;
    if (strcmp(date, "0000-00-00") == 0)
        return "年月日不詳";
    if (strcmp(date + 8, "00") != 0)
        return date;
    bool month = strcmp(date + 5, "00-00") != 0;
    struct date first = {0};
    struct kd_err e2;
    char iso[11];
    snprintf(iso, sizeof iso, "%.4s-%.2s-01", date, month ? date + 5 : "01");
    const struct wareki_era *era;
    int year;
    if (date_parse_iso(iso, 10, "birth", &first, &e2) < 0 ||
        wareki_from_date(first, &era, &year, &e2) < 0)
        return date;
    return month ? arena_printf(a, "%s%d年%d月 日不詳", era->name, year, first.m)
                 : arena_printf(a, "%s%d年 月日不詳", era->name, year);
}

/* Makes the snapshot of a row and checks it with the addressee base's own
 * rules. false: problems reported. */
static bool aparse(struct mig_ctx *c, const struct amap *m, int64_t line, const char **vals,
                   struct bulk_addressee *v, struct arena *a)
{
    bool ok = true;
    struct addressee *r = &v->r;
    addressee_clear(r);
    r->atena = aval(m, vals, AB_ATENA);
    r->rireki = num(aval(m, vals, AB_RIREKI), 1);
    if (m->at[AB_RIREKI] >= 0 && !r->rireki) {
        APROBLEM(c, m, line, AB_RIREKI, vals, "履歴番号は1以上です");
        ok = false;
    }
    if (!mig_number_ok(c, r->atena)) {
        APROBLEM(c, m, line, AB_ATENA, vals,
                 "宛名番号は町の桁数（%d桁）で検査数字が正しいものです", c->number_digits);
        ok = false;
    }
    const char *kind = mig_codes_value(c->codes, table_of(m, AB_KIND), aval(m, vals, AB_KIND));
    if (!kind || (strcmp(kind, "nonresident") != 0 && strcmp(kind, "corporation") != 0)) {
        APROBLEM(c, m, line, AB_KIND, vals, "宛名種別のコードに kyodo の値がありません");
        return false;
    }
    r->kind = kind;
    bool corp = strcmp(kind, "corporation") == 0;
    /* The items as a body for the addressee base's check. */
    json_t *body = json_object();
    for (int b = AB_FIRST_DIRECT; b < AB_COUNT; b++) {
        const char *s = aval(m, vals, b);
        if (s[0])
            json_object_set_new(body, ab_names[b], json_string(s));
    }
    const char *bd = aval(m, vals, AB_BIRTH), *bt = aval(m, vals, AB_BIRTH_TEXT);
    const char *bin = birth_input(bd, bt, a);
    if (bin && bin[0])
        json_object_set_new(body, "birth", json_string(bin));
    const char *sex = aval(m, vals, AB_SEX);
    if (sex[0]) {
        const char *sv = mig_codes_value(c->codes, table_of(m, AB_SEX), sex);
        if (!sv) {
            APROBLEM(c, m, line, AB_SEX, vals, "性別のコードに kyodo の値がありません");
            ok = false;
        } else {
            json_object_set_new(body, "sex", json_integer(num(sv, 0)));
        }
    }
    struct kd_err e2;
    kd_err_clear(&e2);
    if (!bin)
        ok = false;
    else if (addressee_check_fields(body, kind, "", c->today, r, NULL, a, &e2) < 0) {
        int b = AB_ATENA;
        for (int k = 0; k < AB_COUNT; k++)
            if (strcmp(ab_names[k], e2.field) == 0)
                b = k;
        APROBLEM(c, m, line, b, vals, "%s", e2.message);
        ok = false;
    }
    json_decref(body);
    r->atena = aval(m, vals, AB_ATENA);
    r->kind = kind;
    /* What the check made of 生年月日 is what was given. */
    const char *unknown = mig_codes_value(c->codes, table_of(m, AB_BIRTH_UNKNOWN),
                                          aval(m, vals, AB_BIRTH_UNKNOWN));
    const char *want = strcmp(bd, "0000-00-00") == 0 ? "" : bd;
    if (ok && (!unknown || r->birth_unknown != num(unknown, 0) ||
               (want[0] && strcmp(want + 5, "00-00") != 0 && strcmp(want + 8, "00") != 0 &&
                strcmp(r->birth, want) != 0))) {
        APROBLEM(c, m, line, AB_BIRTH_UNKNOWN, vals,
                 "生年月日、不詳フラグ、不詳表記が合いません（不詳表記から読んだ日付・不詳かどうかと違います）");
        ok = false;
    }
    if (corp && (sex[0] || bd[0]))
        ok = false; /* reported by the check above */
    /* The event. */
    v->event_no = num(aval(m, vals, AB_EVENT_NO), 1);
    const char *ek = mig_codes_value(c->codes, table_of(m, AB_EVENT_KIND),
                                     aval(m, vals, AB_EVENT_KIND));
    v->event_kind = ek ? ek : "";
    if (m->at[AB_EVENT_NO] >= 0 && (!v->event_no || !ek)) {
        APROBLEM(c, m, line, AB_EVENT_NO, vals, "事象番号（1以上）と事象区分が必要です");
        ok = false;
    }
    r->valid_from = aval(m, vals, AB_VALID_FROM);
    v->user_login = aval(m, vals, AB_USER);
    v->note = aval(m, vals, AB_NOTE);
    v->superseded_at = "";
    v->superseded_by = 0;
    r->recorded_at = "";
    if (m->at[AB_SHORI_DATE] >= 0) {
        char iso[25];
        if (!mig_instant_join(aval(m, vals, AB_SHORI_DATE), aval(m, vals, AB_SHORI_TIME), iso)) {
            APROBLEM(c, m, line, AB_SHORI_TIME, vals, "処理時刻は HH:MM:SS.mmm（日本時間）です");
            ok = false;
        } else {
            r->recorded_at = arena_strndup(a, iso, strlen(iso));
        }
        const char *mk = mig_codes_value(c->codes, table_of(m, AB_MUKOU), aval(m, vals, AB_MUKOU));
        bool sup = mk && strcmp(mk, "1") == 0;
        const char *md = aval(m, vals, AB_MUKOU_DATE), *mt = aval(m, vals, AB_MUKOU_TIME);
        const char *mn = aval(m, vals, AB_MUKOU_EVENT_NO);
        if (!mk || sup != (md[0] != '\0') || sup != (mt[0] != '\0') || sup != (mn[0] != '\0')) {
            APROBLEM(c, m, line, AB_MUKOU, vals,
                     "無効区分が1のときだけ無効化年月日・時刻・事象番号があります");
            ok = false;
        } else if (sup) {
            if (!mig_instant_join(md, mt, iso)) {
                APROBLEM(c, m, line, AB_MUKOU_TIME, vals, "無効化時刻は HH:MM:SS.mmm です");
                ok = false;
            } else {
                v->superseded_at = arena_strndup(a, iso, strlen(iso));
                v->superseded_by = num(mn, 1);
            }
        }
    }
    return ok;
}

struct arow {
    int64_t line;
    const char **vals;
    struct bulk_addressee v;
    bool bad;
};

struct aimport {
    struct mig_ctx *c;
    struct amap m1, m2;
    struct mig_reader *r1;
    bool r1_have, r1_bad, r1_done;
    int64_t r1_line, rows1, rows2;
    const char **r1_vals;
    struct arena a1, ga;
    char last1[16];
    struct arow *rows;
    int n, cap;
};

static const char **copy_all(const char *const *vals, int n, struct arena *a)
{
    const char **out = arena_alloc(a, (size_t)n * sizeof *out);
    for (int i = 0; out && i < n; i++)
        if (!(out[i] = arena_strndup(a, vals[i], strlen(vals[i]))))
            return NULL;
    return out;
}

static int anext1(struct aimport *x, struct kd_err *e)
{
    x->r1_have = false;
    if (x->r1_done || !x->r1)
        return 0;
    const char *const *vals;
    int rc = mig_reader_next(x->r1, &vals, &x->r1_bad, &x->r1_line, e);
    if (rc <= 0) {
        x->r1_done = true;
        return rc;
    }
    x->rows1++;
    x->c->rows++;
    arena_release(&x->a1);
    arena_init(&x->a1, NULL, 0, (size_t)16 << 20);
    if (!(x->r1_vals = copy_all(vals, x->m1.f->n_items, &x->a1)))
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    const char *atena = aval(&x->m1, x->r1_vals, AB_ATENA);
    if (x->last1[0] && strcmp(atena, x->last1) <= 0)
        APROBLEM(x->c, &x->m1, x->r1_line, AB_ATENA, x->r1_vals,
                 "宛名情報は宛名番号の昇順に並べます");
    snprintf(x->last1, sizeof x->last1, "%s", atena);
    x->r1_have = true;
    return 0;
}

static int afinish(struct aimport *x, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct amap *m = &x->m2;
    if (!x->n)
        return 0;
    const char *atena = x->rows[0].v.r.atena;
    while (x->r1_have && strcmp(aval(&x->m1, x->r1_vals, AB_ATENA), atena) < 0) {
        APROBLEM(c, &x->m1, x->r1_line, AB_ATENA, x->r1_vals,
                 "この宛名番号の宛名履歴情報がありません");
        if (anext1(x, e) < 0)
            return -1;
    }
    bool have1 = x->r1_have && strcmp(aval(&x->m1, x->r1_vals, AB_ATENA), atena) == 0;
    bool ok = true;
    int latest = -1;
    int64_t max_no = 0;
    for (int i = 0; i < x->n; i++) {
        const struct arow *w = &x->rows[i];
        ok &= !w->bad;
        if (w->bad)
            continue;
        if (w->v.event_no > max_no)
            max_no = w->v.event_no;
        if (i > 0 && !x->rows[i - 1].bad && w->v.r.rireki <= x->rows[i - 1].v.r.rireki) {
            APROBLEM(c, m, w->line, AB_RIREKI, w->vals, "同じ宛名番号の行は履歴番号の昇順に並べます");
            ok = false;
        }
        if (strcmp(w->v.r.kind, x->rows[0].v.r.kind) != 0) {
            APROBLEM(c, m, w->line, AB_KIND, w->vals, "宛名種別が同じ宛名番号の他の行と違います");
            ok = false;
        }
        if (w->v.superseded_at[0])
            continue;
        if (latest >= 0) {
            const struct arow *p = &x->rows[latest];
            int d = strcmp(w->v.r.valid_from, p->v.r.valid_from);
            if (d < 0 || (d == 0 && w->v.event_no < p->v.event_no)) {
                APROBLEM(c, m, w->line, AB_VALID_FROM, w->vals,
                         "有効な記録が適用開始日（同じ日なら事象番号）の順になっていません");
                ok = false;
            }
        }
        latest = i;
    }
    /* Each event: one believed row, the first a 作成, the rest 変更; its
     * clerk and note alike on every row. */
    for (int64_t no = 1; ok && no <= max_no; no++) {
        int believed = -1, any = -1;
        for (int i = 0; i < x->n; i++) {
            const struct arow *w = &x->rows[i];
            if (w->v.event_no != no)
                continue;
            if (any < 0)
                any = i;
            if (!w->v.superseded_at[0]) {
                if (believed >= 0) {
                    APROBLEM(c, m, w->line, AB_EVENT_NO, w->vals,
                             "一つの事象に有効な記録が2つあります");
                    ok = false;
                }
                believed = i;
            }
            const struct arow *f = &x->rows[any];
            if (strcmp(w->v.event_kind, f->v.event_kind) != 0 ||
                strcmp(w->v.user_login, f->v.user_login) != 0 ||
                strcmp(w->v.note, f->v.note) != 0) {
                APROBLEM(c, m, w->line, AB_EVENT_NO, w->vals,
                         "同じ事象の行で事象区分・更新担当者・留意事項が違います");
                ok = false;
            }
        }
        if (any < 0)
            continue; /* a number not used: the events are numbered anew */
        if (believed < 0) {
            APROBLEM(c, m, x->rows[any].line, AB_EVENT_NO, x->rows[any].vals,
                     "この事象には有効な記録がありません（住登外者・法人の事象は取り消されません）");
            ok = false;
        }
    }
    for (int i = 0; ok && i < x->n; i++) {
        const struct arow *w = &x->rows[i];
        bool first = i == 0;
        if ((strcmp(w->v.event_kind, "create") == 0) != (w->v.event_no == x->rows[0].v.event_no) ||
            (first && strcmp(w->v.event_kind, "create") != 0)) {
            APROBLEM(c, m, w->line, AB_EVENT_KIND, w->vals,
                     "最初の記録の事象が作成、それ以外は変更です");
            ok = false;
        }
        if (w->v.superseded_by > max_no) {
            APROBLEM(c, m, w->line, AB_MUKOU_EVENT_NO, w->vals,
                     "無効化事象番号がこの宛名番号の事象にありません");
            ok = false;
        }
    }
    if (!have1) {
        APROBLEM(c, m, x->rows[0].line, AB_ATENA, x->rows[0].vals,
                 "この宛名番号の宛名情報（%s）がありません", x->m1.f->path);
        ok = false;
    } else if (latest >= 0 && ok) {
        const struct arow *l = &x->rows[latest];
        for (int b = 0; b < AB_COUNT && !x->r1_bad; b++) {
            if (x->m1.at[b] < 0 || x->m2.at[b] < 0 || b == AB_ATENA)
                continue;
            if (strcmp(x->r1_vals[x->m1.at[b]], l->vals[x->m2.at[b]]) != 0) {
                APROBLEM(c, &x->m1, x->r1_line, b, x->r1_vals,
                         "宛名履歴情報（%s %" PRId64 "行目）の最新の有効な記録と違います",
                         m->f->path, l->line);
                ok = false;
            }
        }
        ok &= !x->r1_bad;
    }
    if (have1 && anext1(x, e) < 0)
        return -1;
    if (ok && latest < 0) {
        APROBLEM(c, m, x->rows[0].line, AB_MUKOU, x->rows[0].vals, "有効な記録がありません");
        ok = false;
    }
    if (ok && c->writing) {
        struct bulk_addressee *vs = arena_alloc(&x->ga, (size_t)x->n * sizeof *vs);
        if (!vs)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        for (int i = 0; i < x->n; i++)
            vs[i] = x->rows[i].v;
        const char *rid = c->o->request_id ? c->o->request_id : "migration";
        if (addressees_bulk_person(c->town, rid, vs, x->n, e) < 0) {
            if (e->code != KD_CONFLICT)
                return -1;
            APROBLEM(c, m, x->rows[0].line, AB_ATENA, x->rows[0].vals,
                     "町にこの宛名番号がすでにあります");
        } else if (residents_series_past(c->town, "atena", residents_number_serial(atena), e) <
                   0) {
            return -1;
        }
    }
    x->n = 0;
    arena_release(&x->ga);
    arena_init(&x->ga, NULL, 0, (size_t)64 << 20);
    return 0;
}

static int import_merges(struct mig_ctx *c, const struct mig_file *f, struct kd_err *e)
{
    int at[MB_COUNT];
    if (mig_bind(f, mb_names, MB_COUNT, at, e) < 0)
        return -1;
    struct mig_reader *r;
    if (mig_open_reader(c, f, &r, e) < 0)
        return -1;
    if (!r)
        return 0;
    const char *const *vals;
    bool bad;
    int64_t line, rows = 0;
    int rc;
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)1 << 20);
    while ((rc = mig_reader_next(r, &vals, &bad, &line, e)) == 1) {
        rows++;
        c->rows++;
        if (bad)
            continue;
        const char *v[MB_COUNT];
        for (int b = 0; b < MB_COUNT; b++)
            v[b] = at[b] >= 0 ? vals[at[b]] : "";
#define MNAME(b) (at[b] >= 0 ? f->items[at[b]].name : "")
        char m_at[25], u_at[25] = "";
        if (!mig_instant_join(v[MB_MERGED_DATE], v[MB_MERGED_TIME], m_at)) {
            mig_problem(c, f->path, line, MNAME(MB_MERGED_TIME), v[MB_MERGED_TIME],
                        "統合時刻は HH:MM:SS.mmm（日本時間）です");
            continue;
        }
        bool undone = v[MB_UNDONE_DATE][0] || v[MB_UNDONE_TIME][0];
        if (undone && !mig_instant_join(v[MB_UNDONE_DATE], v[MB_UNDONE_TIME], u_at)) {
            mig_problem(c, f->path, line, MNAME(MB_UNDONE_TIME), v[MB_UNDONE_TIME],
                        "取消年月日と取消時刻（HH:MM:SS.mmm）は両方書きます");
            continue;
        }
        if (!undone && (v[MB_UNDO_USER][0] || v[MB_UNDO_REASON][0])) {
            mig_problem(c, f->path, line, MNAME(MB_UNDO_REASON), v[MB_UNDO_REASON],
                        "取消年月日のない統合に取消しの項目があります");
            continue;
        }
        if (strcmp(v[MB_ABSORBED], v[MB_SURVIVOR]) == 0) {
            mig_problem(c, f->path, line, MNAME(MB_SURVIVOR), v[MB_SURVIVOR],
                        "統合元と統合先が同じ宛名番号です");
            continue;
        }
        const char *kinds[2] = {NULL, NULL};
        for (int k = 0; k < 2; k++) {
            const char *atena = v[k ? MB_SURVIVOR : MB_ABSORBED];
            struct kd_err e2;
            if (addressee_kind_of(c->town, atena, &kinds[k], &a, &e2) < 0) {
                if (e2.code != KD_NOT_FOUND) {
                    *e = e2;
                    mig_reader_close(r);
                    arena_release(&a);
                    return -1;
                }
                mig_problem(c, f->path, line, MNAME(k ? MB_SURVIVOR : MB_ABSORBED), atena,
                            "町にない宛名番号です（住民なら住民基本台帳（juki）を先に取り込みます）");
            }
        }
        if (!kinds[0] || !kinds[1])
            continue;
        if (strcmp(kinds[0], "resident") == 0) {
            mig_problem(c, f->path, line, MNAME(MB_ABSORBED), v[MB_ABSORBED],
                        "住民の宛名番号は統合元になりません（住民は統合先です）");
            continue;
        }
        if (!c->writing)
            continue;
        struct bulk_merge m = {num(v[MB_ID], 1), v[MB_ABSORBED], v[MB_SURVIVOR], m_at,
                               v[MB_USER], v[MB_REASON], u_at, v[MB_UNDO_USER],
                               v[MB_UNDO_REASON]};
        const char *rid = c->o->request_id ? c->o->request_id : "migration";
        if (addressees_bulk_merge(c->town, rid, &m, e) < 0) {
            if (e->code != KD_CONFLICT) {
                mig_reader_close(r);
                arena_release(&a);
                return -1;
            }
            mig_problem(c, f->path, line, MNAME(MB_ID), v[MB_ID], "統合番号が重複しています");
        }
#undef MNAME
    }
    arena_release(&a);
    if (rc < 0) {
        mig_reader_close(r);
        return -1;
    }
    return mig_close_reader(c, f, r, rows, e);
}

static int jutogai_import(struct mig_ctx *c, struct kd_err *e)
{
    struct aimport *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    arena_init(&x->a1, NULL, 0, (size_t)16 << 20);
    arena_init(&x->ga, NULL, 0, (size_t)64 << 20);
    int rc = -1;
    struct mig_reader *r2 = NULL;
    const struct mig_file *f1 = mig_need_file(c, "JUTOGAI01", e), *f2 = NULL, *f3 = NULL;
    if (!f1 || !(f2 = mig_need_file(c, "JUTOGAI02", e)) ||
        !(f3 = mig_need_file(c, "JUTOGAI03", e)) || amap_make(f1, &x->m1, e) < 0 ||
        amap_make(f2, &x->m2, e) < 0)
        goto out;
    if (mig_open_reader(c, f1, &x->r1, e) < 0 || mig_open_reader(c, f2, &r2, e) < 0 ||
        anext1(x, e) < 0)
        goto out;
    if (r2) {
        const char *const *vals;
        bool bad;
        int64_t line;
        int got;
        char last[16] = "";
        while ((got = mig_reader_next(r2, &vals, &bad, &line, e)) == 1) {
            x->rows2++;
            c->rows++;
            if ((x->rows2 & 1023) == 0 && mig_progress(c, f2->path, x->rows2, false, e) < 0)
                goto out;
            const char *atena = aval(&x->m2, vals, AB_ATENA);
            int order = strcmp(atena, last);
            if (x->n > 0 && order != 0 && afinish(x, e) < 0)
                goto out;
            if (last[0] && order < 0)
                mig_problem(c, f2->path, line, "宛名番号", atena,
                            "宛名履歴情報は宛名番号の順に並べます");
            snprintf(last, sizeof last, "%s", atena);
            if (x->n == x->cap) {
                int cap = x->cap ? 2 * x->cap : 32;
                struct arow *g = realloc(x->rows, (size_t)cap * sizeof *g);
                if (!g) {
                    kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                    goto out;
                }
                x->rows = g;
                x->cap = cap;
            }
            struct arow *w = &x->rows[x->n++];
            w->line = line;
            w->bad = bad;
            if (!(w->vals = copy_all(vals, f2->n_items, &x->ga))) {
                kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                goto out;
            }
            if (!bad && !aparse(c, &x->m2, line, w->vals, &w->v, &x->ga))
                w->bad = true;
            if (w->bad) {
                addressee_clear(&w->v.r);
                w->v.r.atena = aval(&x->m2, w->vals, AB_ATENA);
                w->v.superseded_at = "";
                w->v.event_kind = w->v.user_login = w->v.note = "";
            }
        }
        if (got < 0 || afinish(x, e) < 0)
            goto out;
        struct mig_reader *done2 = r2;
        r2 = NULL;
        if (mig_close_reader(c, f2, done2, x->rows2, e) < 0)
            goto out;
    }
    while (x->r1_have) {
        APROBLEM(c, &x->m1, x->r1_line, AB_ATENA, x->r1_vals,
                 "この宛名番号の宛名履歴情報がありません");
        if (anext1(x, e) < 0)
            goto out;
    }
    if (x->r1) {
        struct mig_reader *done1 = x->r1;
        x->r1 = NULL;
        if (mig_close_reader(c, f1, done1, x->rows1, e) < 0)
            goto out;
    }
    rc = import_merges(c, f3, e);
out:
    if (r2)
        mig_reader_close(r2);
    if (x->r1)
        mig_reader_close(x->r1);
    arena_release(&x->a1);
    arena_release(&x->ga);
    free(x->rows);
    free(x);
    return rc;
}

static int jutogai_has_data(struct store *town, bool *has, struct kd_err *e)
{
    return addressees_bulk_any(town, has, e);
}

const struct mig_module mig_jutogai = {"jutogai", NULL, jutogai_has_data, jutogai_export,
                                       jutogai_import};
