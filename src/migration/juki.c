/*
 * juki.c — the 住民基本台帳 layout (layouts/juki/): the resident register's
 * snapshots, their 異動, and its households as migration files, and back.
 *
 *   JUKI03 世帯情報      the residents' households (derived; checked on import)
 *   JUKI01 住民情報      each person's latest believed snapshot (checked
 *                        against JUKI02 on import)
 *   JUKI02 住民履歴情報  every snapshot, superseded ones included: what is
 *                        written on import (residents/bulk.h)
 *
 * The mapping of an item to the register is by its kyodo名 (the binding
 * names below); codes go through the layout's kyodo_codes.tsv, never through
 * values assumed here. docs/layouts.md, "How the register is migrated",
 * explains the design; this file is its code.
 */
#include "migration/internal.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/wareki.h"
#include "residents/bulk.h"
#include "residents/synth.h"
#include "residents/zokugara.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the items the register knows ---------------------------------------------------- */

enum jb {
    JB_ATENA, JB_RIREKI, JB_SETAI, JB_KIND, JB_JOTAI, JB_SEX, JB_BIRTH, JB_BIRTH_UNKNOWN,
    JB_BIRTH_TEXT, JB_ZOKU1, JB_ZOKU2, JB_ZOKU3, JB_ZOKU4, JB_ZOKUGARA, JB_BECAME_J, JB_BECAME_F,
    JB_DEST_POST_Y, JB_DEST_ADDR_Y, JB_DEST_POST_K, JB_DEST_ADDR_K, JB_DEST_CONFIRMED,
    JB_REMOVAL, JB_ZAIRYU_KUBUN, JB_JIYU, JB_IDOU_DATE, JB_IDOU_DATE_TEXT, JB_SHORI_DATE,
    JB_SHORI_TIME, JB_USER, JB_NOTE, JB_MUKOU, JB_MUKOU_DATE, JB_MUKOU_TIME,
    /* record fields taken as they are */
    JB_SHIMEI, JB_SHIMEI_KANA, JB_ALPHA_NAME, JB_KYUUJI, JB_KYUUJI_KANA, JB_TSUSHO,
    JB_TSUSHO_KANA, JB_HONSEKI, JB_HITTOUSHA, JB_POSTCODE, JB_ADDRESS, JB_KATAGAKI,
    JB_ADDRESS_FIXED, JB_TODOKE, JB_PREV_POSTCODE, JB_PREV_ADDRESS, JB_REMOVAL_DATE,
    JB_KOJIN_BANGO, JB_JUMIN_CODE, JB_NATIONALITY, JB_ZAIRYU_SHIKAKU, JB_ZAIRYU_KIKAN,
    JB_ZAIRYU_EXPIRY, JB_ZAIRYU_CARD,
    JB_COUNT
};
#define JB_FIRST_DIRECT JB_SHIMEI

static const char *const jb_names[JB_COUNT] = {
    "atena", "rireki", "setai", "kind", "jotai", "sex", "birth", "birth_unknown", "birth_text",
    "zoku1", "zoku2", "zoku3", "zoku4", "zokugara", "became_resident_j", "became_resident_f",
    "dest_postcode_yotei", "dest_address_yotei", "dest_postcode_kakutei", "dest_address_kakutei",
    "dest_confirmed", "removal", "zairyu_kubun", "jiyu", "idou_date", "idou_date_text",
    "shori_date", "shori_time", "user", "note", "mukou", "mukou_date", "mukou_time",
    "shimei", "shimei_kana", "alpha_name", "kyuuji", "kyuuji_kana", "tsusho", "tsusho_kana",
    "honseki", "hittousha", "postcode", "address", "katagaki", "address_fixed", "todoke",
    "prev_postcode", "prev_address", "removal_date", "kojin_bango", "jumin_code", "nationality",
    "zairyu_shikaku", "zairyu_kikan", "zairyu_expiry", "zairyu_card",
};

/* The household file's items. */
enum hb { HB_SETAI, HB_HEAD, HB_HEAD_NAME, HB_MEMBERS, HB_POSTCODE, HB_ADDRESS, HB_KATAGAKI,
          HB_COUNT };
static const char *const hb_names[HB_COUNT] = {"setai",   "head",    "head_name", "members",
                                               "postcode", "address", "katagaki"};

/* A file's items by binding, with the record field of each direct one. */
struct jmap {
    const struct mig_file *f;
    int at[JB_COUNT];   /* item index, -1 when the file has no such item */
    int field[JB_COUNT]; /* record field of a direct binding */
};

static int jmap_make(const struct mig_file *f, struct jmap *m, struct kd_err *e)
{
    m->f = f;
    if (mig_bind(f, jb_names, JB_COUNT, m->at, e) < 0)
        return -1;
    for (int b = 0; b < JB_COUNT; b++) {
        m->field[b] = -1;
        if (b >= JB_FIRST_DIRECT || b == JB_SETAI)
            m->field[b] = record_field_index(jb_names[b]);
    }
    return 0;
}

static const char *item_table(const struct jmap *m, int b)
{
    return m->at[b] >= 0 ? m->f->items[m->at[b]].code_table : "";
}

/* ---- export ------------------------------------------------------------------------------ */

/* Values of one row, and room for the ones that are made. */
struct jrow_out {
    const char *v[1000];
    char num[2][24];
    char dates[4][11];
    char times[2][13];
};

static int code_of(struct mig_ctx *c, const struct jmap *m, int b, const char *value,
                   const char **out, struct kd_err *e)
{
    if (m->at[b] < 0) {
        *out = "";
        return 0;
    }
    const char *code = mig_codes_code(c->codes, item_table(m, b), value);
    if (!code)
        return kd_fail(e, KD_INTERNAL, m->f->items[m->at[b]].name,
                       "%s: the register's value %s has no code in %s (kyodo_codes.tsv)",
                       m->f->path, value, item_table(m, b));
    *out = code;
    return 0;
}

static void put(const struct jmap *m, struct jrow_out *o, int b, const char *v)
{
    if (m->at[b] >= 0)
        o->v[m->at[b]] = v;
}

static const char *jotai_of(const struct record *r)
{
    if (strcmp(r->status, "resident") == 0)
        return "resident";
    if (strcmp(r->removal, "kokunai_tenshutsu") == 0 || strcmp(r->removal, "kokugai_tenshutsu") == 0)
        return "tenshutsu";
    if (strcmp(r->removal, "shibou") == 0)
        return "shibou";
    return "shojo";
}

/* Fills o with the values of snapshot v for the items of m. */
static int fill(struct mig_ctx *c, const struct jmap *m, const struct bulk_version *v,
                struct jrow_out *o, struct kd_err *e)
{
    const struct record *r = &v->r;
    for (int i = 0; i < m->f->n_items; i++)
        o->v[i] = "";
    for (int b = JB_FIRST_DIRECT; b < JB_COUNT; b++)
        if (m->at[b] >= 0)
            o->v[m->at[b]] = record_text(r, m->field[b]);
    bool foreign = strcmp(r->kind, "foreign") == 0;
    put(m, o, JB_ATENA, r->atena);
    snprintf(o->num[0], sizeof o->num[0], "%" PRId64, r->rireki);
    put(m, o, JB_RIREKI, o->num[0]);
    put(m, o, JB_SETAI, r->setai);
    put(m, o, JB_BIRTH_TEXT, r->birth_text);
    put(m, o, JB_ZOKUGARA, r->zokugara);
    put(m, o, JB_BECAME_J, foreign ? "" : r->became_resident);
    put(m, o, JB_BECAME_F, foreign ? r->became_resident : "");
    put(m, o, JB_DEST_POST_Y, r->dest_confirmed ? "" : r->dest_postcode);
    put(m, o, JB_DEST_ADDR_Y, r->dest_confirmed ? "" : r->dest_address);
    put(m, o, JB_DEST_POST_K, r->dest_confirmed ? r->dest_postcode : "");
    put(m, o, JB_DEST_ADDR_K, r->dest_confirmed ? r->dest_address : "");
    /* 年月日不詳: no internal date; the file says 不詳. */
    put(m, o, JB_BIRTH, !r->birth[0] && r->birth_text[0] ? "0000-00-00" : r->birth);
    const char *code = "";
    if (code_of(c, m, JB_KIND, r->kind, &code, e) < 0)
        return -1;
    put(m, o, JB_KIND, code);
    if (code_of(c, m, JB_JOTAI, jotai_of(r), &code, e) < 0)
        return -1;
    put(m, o, JB_JOTAI, code);
    snprintf(o->num[1], sizeof o->num[1], "%" PRId64, r->sex);
    if (code_of(c, m, JB_SEX, o->num[1], &code, e) < 0)
        return -1;
    put(m, o, JB_SEX, code);
    if (code_of(c, m, JB_BIRTH_UNKNOWN, r->birth_text[0] ? "1" : "0", &code, e) < 0)
        return -1;
    put(m, o, JB_BIRTH_UNKNOWN, code);
    if (code_of(c, m, JB_DEST_CONFIRMED, r->dest_confirmed ? "1" : "0", &code, e) < 0)
        return -1;
    put(m, o, JB_DEST_CONFIRMED, code);
    if (r->removal[0]) {
        if (code_of(c, m, JB_REMOVAL, r->removal, &code, e) < 0)
            return -1;
        put(m, o, JB_REMOVAL, code);
    }
    if (r->zairyu_kubun[0]) {
        if (code_of(c, m, JB_ZAIRYU_KUBUN, r->zairyu_kubun, &code, e) < 0)
            return -1;
        put(m, o, JB_ZAIRYU_KUBUN, code);
    }
    /* 続柄: each part of the chain. */
    char part[4][32];
    int n = 0;
    const char *z = r->zokugara;
    bool whole = strcmp(z, "世帯主") == 0 || strcmp(z, "縁故者") == 0 || strcmp(z, "同居人") == 0;
    while (*z && n < 4) {
        const char *end = whole ? NULL : strstr(z, "の");
        size_t len = end ? (size_t)(end - z) : strlen(z);
        snprintf(part[n], sizeof part[n], "%.*s", (int)len, z);
        n++;
        z += len + (end ? strlen("の") : 0);
    }
    for (int k = 0; k < n; k++) {
        if (code_of(c, m, JB_ZOKU1 + k, part[k], &code, e) < 0)
            return -1;
        put(m, o, JB_ZOKU1 + k, code);
    }
    /* The 異動 and the instants. */
    if (m->at[JB_JIYU] >= 0) {
        if (v->jiyu) {
            code = v->jiyu;
        } else if (code_of(c, m, JB_JIYU, v->kind, &code, e) < 0) {
            return -1;
        }
        put(m, o, JB_JIYU, code);
    }
    put(m, o, JB_IDOU_DATE, r->valid_from);
    put(m, o, JB_IDOU_DATE_TEXT, v->idou_date_text);
    put(m, o, JB_USER, v->user_login);
    put(m, o, JB_NOTE, v->note);
    mig_instant_split(r->recorded_at, o->dates[0], o->times[0]);
    put(m, o, JB_SHORI_DATE, o->dates[0]);
    put(m, o, JB_SHORI_TIME, o->times[0]);
    bool superseded = v->superseded_at[0] != '\0';
    if (code_of(c, m, JB_MUKOU, superseded ? "1" : "0", &code, e) < 0)
        return -1;
    put(m, o, JB_MUKOU, code);
    if (superseded) {
        mig_instant_split(v->superseded_at, o->dates[1], o->times[1]);
        put(m, o, JB_MUKOU_DATE, o->dates[1]);
        put(m, o, JB_MUKOU_TIME, o->times[1]);
    }
    return 0;
}

struct export_run {
    struct mig_ctx *c;
    struct jmap m1, m2;
    struct mig_writer *w1, *w2;
    struct jrow_out o;
    int64_t rows1, rows2;
    /* households */
    struct jmap_h {
        const struct mig_file *f;
        int at[HB_COUNT];
    } mh;
    struct mig_writer *wh;
    int64_t rowsh;
    char setai[16], head[16];
    char *head_name, *postcode, *address, *katagaki;
    int members;
};

static int export_version(void *p, const struct bulk_version *v, bool latest, struct kd_err *e)
{
    struct export_run *x = p;
    if (fill(x->c, &x->m2, v, &x->o, e) < 0 || mig_writer_row(x->w2, x->o.v, e) < 0)
        return -1;
    x->rows2++;
    if (latest) {
        if (fill(x->c, &x->m1, v, &x->o, e) < 0 || mig_writer_row(x->w1, x->o.v, e) < 0)
            return -1;
        x->rows1++;
        x->c->rows++;
    }
    x->c->rows++;
    if ((x->rows2 & 1023) == 0)
        return mig_progress(x->c, x->m2.f->path, x->rows2, false, e);
    return 0;
}

static int set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

/* Writes the household gathered so far. */
static int flush_household(struct export_run *x, struct kd_err *e)
{
    if (!x->members)
        return 0;
    const char *v[64];
    char members[16];
    snprintf(members, sizeof members, "%d", x->members);
    for (int i = 0; i < x->mh.f->n_items && i < 64; i++)
        v[i] = "";
    const char *val[HB_COUNT] = {x->setai, x->head, x->head_name, members, x->postcode,
                                 x->address, x->katagaki};
    for (int b = 0; b < HB_COUNT; b++)
        if (x->mh.at[b] >= 0)
            v[x->mh.at[b]] = val[b];
    if (mig_writer_row(x->wh, v, e) < 0)
        return -1;
    x->rowsh++;
    x->c->rows++;
    x->members = 0;
    return 0;
}

static int export_member(void *p, const struct bulk_member *m, struct kd_err *e)
{
    struct export_run *x = p;
    if (strcmp(m->setai, x->setai) != 0) {
        if (flush_household(x, e) < 0)
            return -1;
        snprintf(x->setai, sizeof x->setai, "%s", m->setai);
        x->head[0] = '\0';
        if (set_str(&x->head_name, "") < 0 || set_str(&x->postcode, m->postcode) < 0 ||
            set_str(&x->address, m->address) < 0 || set_str(&x->katagaki, m->katagaki) < 0)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    x->members++;
    if (zokugara_is_head(m->zokugara) && !x->head[0]) {
        snprintf(x->head, sizeof x->head, "%s", m->atena);
        if (set_str(&x->head_name, m->shimei) < 0)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    }
    return 0;
}

static int juki_export(struct mig_ctx *c, struct kd_err *e)
{
    struct export_run *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    const struct mig_file *f1 = mig_need_file(c, "JUKI01", e), *f2 = NULL, *fh = NULL;
    int rc = -1;
    if (!f1 || !(f2 = mig_need_file(c, "JUKI02", e)) || !(fh = mig_need_file(c, "JUKI03", e)) ||
        jmap_make(f1, &x->m1, e) < 0 || jmap_make(f2, &x->m2, e) < 0)
        goto out;
    x->mh.f = fh;
    if (mig_bind(fh, hb_names, HB_COUNT, x->mh.at, e) < 0 || fh->n_items > 64 ||
        f1->n_items > 1000 || f2->n_items > 1000)
        goto out;
    /* Households first (the parent file). */
    if (mig_writer_open(&x->wh, c->layout, fh, c->profile, c->dir, e) < 0)
        goto out;
    char sha[65];
    if (residents_bulk_households(c->town, export_member, x, e) < 0 || flush_household(x, e) < 0)
        goto out;
    struct mig_writer *w = x->wh;
    x->wh = NULL;
    if (mig_writer_close(w, &x->rowsh, sha, e) < 0 ||
        mig_ctx_file(c, fh->id, fh->path, x->rowsh, sha, e) < 0)
        goto out;
    if (mig_progress(c, fh->path, x->rowsh, true, e) < 0)
        goto out;
    /* Then every snapshot: the latest ones make 住民情報. */
    if (mig_writer_open(&x->w1, c->layout, f1, c->profile, c->dir, e) < 0 ||
        mig_writer_open(&x->w2, c->layout, f2, c->profile, c->dir, e) < 0 ||
        residents_bulk_scan(c->town, export_version, x, e) < 0)
        goto out;
    w = x->w1;
    x->w1 = NULL;
    if (mig_writer_close(w, &x->rows1, sha, e) < 0 ||
        mig_ctx_file(c, f1->id, f1->path, x->rows1, sha, e) < 0)
        goto out;
    w = x->w2;
    x->w2 = NULL;
    if (mig_writer_close(w, &x->rows2, sha, e) < 0 ||
        mig_ctx_file(c, f2->id, f2->path, x->rows2, sha, e) < 0)
        goto out;
    if (mig_progress(c, f2->path, x->rows2, true, e) < 0)
        goto out;
    rc = 0;
out:
    if (x->wh)
        mig_writer_discard(x->wh);
    if (x->w1)
        mig_writer_discard(x->w1);
    if (x->w2)
        mig_writer_discard(x->w2);
    free(x->head_name);
    free(x->postcode);
    free(x->address);
    free(x->katagaki);
    free(x);
    return rc;
}

/* ---- import: households ------------------------------------------------------------------ */

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

struct household {
    char setai[16];
    char head[16];
    int64_t line;
    int declared, seen, heads;
    uint64_t place;     /* hash of 郵便番号, 住所, 方書 */
    uint64_t head_name; /* hash of 世帯主氏名 */
    bool head_ok;       /* the head named was seen as its 世帯主 */
};

struct hmap {
    struct household *slot;
    size_t cap, used;
};

static struct household *hmap_find(struct hmap *h, const char *setai, bool add)
{
    if (add && (h->used + 1) * 4 > h->cap * 3) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct household *s = calloc(cap, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < h->cap; i++) {
            if (!h->slot[i].setai[0])
                continue;
            size_t k = hash_str(1469598103934665603ull, h->slot[i].setai) & (cap - 1);
            while (s[k].setai[0])
                k = (k + 1) & (cap - 1);
            s[k] = h->slot[i];
        }
        free(h->slot);
        h->slot = s;
        h->cap = cap;
    }
    if (!h->cap)
        return NULL;
    size_t k = hash_str(1469598103934665603ull, setai) & (h->cap - 1);
    while (h->slot[k].setai[0]) {
        if (strcmp(h->slot[k].setai, setai) == 0)
            return &h->slot[k];
        k = (k + 1) & (h->cap - 1);
    }
    if (!add)
        return NULL;
    snprintf(h->slot[k].setai, sizeof h->slot[k].setai, "%s", setai);
    h->used++;
    return &h->slot[k];
}

static uint64_t place_hash(const char *postcode, const char *address, const char *katagaki)
{
    return hash_str(hash_str(hash_str(1469598103934665603ull, postcode), address), katagaki);
}

/* ---- import: the reader and the writer ---------------------------------------------------- */

/*
 * An import reads and checks on one thread (the reader: the files, every
 * row, the references) and writes on the caller's, which holds the town's
 * connection and its transaction (the writer): the machine's two cores work
 * at once. Between them a bounded queue of persons, each with the arena its
 * rows live in, so memory stays flat however large the files.
 */
enum { QUEUE_CAP = 256 };

struct qitem {
    struct arena a;
    struct bulk_version *vs;
    int n;
    int64_t line; /* of the person's first history row, for the report */
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get;
    struct qitem item[QUEUE_CAP];
    int head, count;
    bool closed;  /* the reader is done */
    bool stopped; /* the writer failed: the reader stops */
};

static bool queue_put(struct queue *q, struct arena a, struct bulk_version *vs, int n,
                      int64_t line)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == QUEUE_CAP && !q->stopped)
        pthread_cond_wait(&q->can_put, &q->mu);
    bool ok = !q->stopped;
    if (ok) {
        q->item[(q->head + q->count) % QUEUE_CAP] = (struct qitem){a, vs, n, line};
        q->count++;
        pthread_cond_signal(&q->can_get);
    }
    pthread_mutex_unlock(&q->mu);
    if (!ok)
        arena_release(&a);
    return ok;
}

/* The next person, or false when the reader is done and the queue empty. */
static bool queue_get(struct queue *q, struct qitem *out)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->can_get, &q->mu);
    bool got = q->count > 0;
    if (got) {
        *out = q->item[q->head];
        q->head = (q->head + 1) % QUEUE_CAP;
        q->count--;
        pthread_cond_signal(&q->can_put);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

static void queue_close(struct queue *q, bool stop)
{
    pthread_mutex_lock(&q->mu);
    if (stop)
        q->stopped = true;
    else
        q->closed = true;
    pthread_cond_broadcast(&q->can_get);
    pthread_cond_broadcast(&q->can_put);
    pthread_mutex_unlock(&q->mu);
}

/* ---- import: one row ------------------------------------------------------------------- */

struct jrow {
    int64_t line;
    const char **vals; /* copied, canonical */
    struct bulk_version v;
    bool bad;
};

struct import_run {
    struct mig_ctx *c;
    struct jmap m1, m2;
    int hat[HB_COUNT];
    const struct mig_file *fh;
    struct hmap hh;
    struct queue q;
    /* the reader's outcome */
    int read_rc;
    struct kd_err read_err;
    /* JUKI01, read alongside JUKI02 */
    struct mig_reader *r1;
    bool r1_done;
    int64_t r1_line, rows1;
    const char **r1_vals; /* copied */
    bool r1_bad, r1_have;
    struct arena a1;
    char last1[16];
    /* JUKI02 groups */
    struct jrow *rows;
    int n, cap;
    struct arena ga;
    int64_t rows2;
};

#define PROBLEM(c, m, line, b, vals, ...)                                                         \
    mig_problem((c), (m)->f->path, (line), (m)->at[b] >= 0 ? (m)->f->items[(m)->at[b]].name : "", \
                (m)->at[b] >= 0 ? (vals)[(m)->at[b]] : "", __VA_ARGS__)

static const char *val(const struct jmap *m, const char **vals, int b)
{
    return m->at[b] >= 0 ? vals[m->at[b]] : "";
}

/* A 不詳可 date item: the internal date and the 不詳表記 (text given, or made
 * from the known part when the file has none). false: a problem was
 * reported. */
static bool fuzzy(struct mig_ctx *c, const struct jmap *m, int64_t line, const char **vals,
                  int b_date, int b_text, const char **date, const char **text, bool wholly_ok,
                  struct arena *a)
{
    const char *d = val(m, vals, b_date), *t = val(m, vals, b_text);
    *date = d;
    *text = t;
    if (strlen(d) != 10 || (strcmp(d + 5, "00-00") != 0 && strcmp(d + 8, "00") != 0))
        return true; /* exact (or empty) */
    if (strcmp(d, "0000-00-00") == 0) {
        if (!wholly_ok) {
            PROBLEM(c, m, line, b_date, vals,
                    "年月日不詳の日付は履歴の順序を決められないため取り込めません");
            return false;
        }
        *date = "";
        *text = t[0] ? t : "年月日不詳";
        return true;
    }
    bool month = strcmp(d + 5, "00-00") != 0;
    char iso[11];
    snprintf(iso, sizeof iso, "%.4s-%.2s-01", d, month ? d + 5 : "01");
    struct date first;
    struct kd_err e2;
    if (date_parse_iso(iso, 10, "date", &first, &e2) < 0) {
        PROBLEM(c, m, line, b_date, vals, "日付として読めません");
        return false;
    }
    *date = arena_strndup(a, iso, 10);
    if (t[0])
        return true;
    const struct wareki_era *era;
    int year;
    if (wareki_from_date(first, &era, &year, &e2) < 0) {
        PROBLEM(c, m, line, b_date, vals, "和暦にできない日付です");
        return false;
    }
    *text = month ? arena_printf(a, "%s%d年%d月 日不詳", era->name, year, first.m)
                  : arena_printf(a, "%s%d年 月日不詳", era->name, year);
    return true;
}

static const char *kyodo_value(struct mig_ctx *c, const struct jmap *m, const char **vals,
                               int b)
{
    const char *code = val(m, vals, b);
    return code[0] ? mig_codes_value(c->codes, item_table(m, b), code) : "";
}

static bool card_number(const char *s)
{
    if (strlen(s) != 12)
        return false;
    for (int i = 0; i < 12; i++) {
        bool letter = s[i] >= 'A' && s[i] <= 'Z', digit = s[i] >= '0' && s[i] <= '9';
        if ((i < 2 || i >= 10) ? !letter : !digit)
            return false;
    }
    return true;
}

/*
 * Makes the register's snapshot of one row of JUKI01 or JUKI02 and checks
 * what the codec cannot (the relations between items). Returns false when
 * a problem went to the report.
 */
static bool parse_row(struct mig_ctx *c, const struct jmap *m, int64_t line, const char **vals,
                      struct bulk_version *v, struct arena *a)
{
    bool ok = true;
    struct record *r = &v->r;
    record_clear(r);
    for (int b = JB_FIRST_DIRECT; b < JB_COUNT; b++)
        if (m->at[b] >= 0)
            record_set_text(r, m->field[b], vals[m->at[b]]);
    r->atena = val(m, vals, JB_ATENA);
    r->setai = val(m, vals, JB_SETAI);
    r->zokugara = val(m, vals, JB_ZOKUGARA);
    int64_t n;
    const char *s = val(m, vals, JB_RIREKI);
    r->rireki = text_parse_i64(s, strlen(s), 1, INT64_MAX, &n) ? n : 0;
    if (m->at[JB_RIREKI] >= 0 && r->rireki == 0) {
        PROBLEM(c, m, line, JB_RIREKI, vals, "履歴番号は1以上です");
        ok = false;
    }
    if (!mig_number_ok(c, r->atena)) {
        PROBLEM(c, m, line, JB_ATENA, vals,
                "宛名番号は町の桁数（%d桁）で検査数字が正しいものです（residents.number_digits）",
                c->number_digits);
        ok = false;
    }
    if (!mig_number_ok(c, r->setai)) {
        PROBLEM(c, m, line, JB_SETAI, vals,
                "世帯番号は町の桁数（%d桁）で検査数字が正しいものです", c->number_digits);
        ok = false;
    }
    /* Codes to the register's values. */
    const char *kind = kyodo_value(c, m, vals, JB_KIND);
    if (!kind || (strcmp(kind, "japanese") != 0 && strcmp(kind, "foreign") != 0)) {
        PROBLEM(c, m, line, JB_KIND, vals, "住民種別のコードに kyodo の値がありません（kyodo_codes.tsv）");
        ok = false;
        kind = "japanese";
    }
    r->kind = kind;
    bool foreign = strcmp(kind, "foreign") == 0;
    const char *sex = kyodo_value(c, m, vals, JB_SEX);
    if (!sex || !sex[0] || !text_parse_i64(sex, strlen(sex), 0, 9, &n) ||
        (n != 0 && n != 1 && n != 2 && n != 9)) {
        PROBLEM(c, m, line, JB_SEX, vals, "性別のコードに JIS X 0303 の値がありません");
        ok = false;
    } else {
        r->sex = n;
    }
    const char *jotai = kyodo_value(c, m, vals, JB_JOTAI);
    const char *removal = kyodo_value(c, m, vals, JB_REMOVAL);
    if (!jotai) {
        PROBLEM(c, m, line, JB_JOTAI, vals, "住民状態のコードに kyodo の値がありません");
        ok = false;
        jotai = "";
    }
    if (!removal) {
        PROBLEM(c, m, line, JB_REMOVAL, vals,
                "この消除事由は kyodo の消除の異動にありません（kyodo_codes.tsv）");
        ok = false;
        removal = "";
    }
    const struct idou_kind *rk = removal[0] ? idou_kind_find(removal) : NULL;
    bool resident = strcmp(jotai, "resident") == 0;
    if (removal[0] && (!rk || rk->cls != IDOU_SHOJO)) {
        PROBLEM(c, m, line, JB_REMOVAL, vals, "消除事由は消除の異動です");
        ok = false;
    } else if (resident != !removal[0] || resident != !r->removal_date[0]) {
        PROBLEM(c, m, line, JB_JOTAI, vals,
                "住民状態が住民なら消除事由と消除の異動年月日は空、それ以外なら両方あります");
        ok = false;
    } else if (!resident && strcmp(jotai, jotai_of(&(struct record){.status = "removed",
                                                                    .removal = removal})) != 0) {
        PROBLEM(c, m, line, JB_JOTAI, vals, "住民状態が消除事由と合いません");
        ok = false;
    }
    r->status = resident ? "resident" : "removed";
    r->removal = removal;
    const char *kubun = kyodo_value(c, m, vals, JB_ZAIRYU_KUBUN);
    if (!kubun) {
        PROBLEM(c, m, line, JB_ZAIRYU_KUBUN, vals, "区分のコードに kyodo の値がありません");
        ok = false;
        kubun = "";
    }
    r->zairyu_kubun = kubun;
    /* 生年月日 and its 不詳. */
    if (!fuzzy(c, m, line, vals, JB_BIRTH, JB_BIRTH_TEXT, &r->birth, &r->birth_text, true, a))
        ok = false;
    const char *unknown = kyodo_value(c, m, vals, JB_BIRTH_UNKNOWN);
    if (m->at[JB_BIRTH_UNKNOWN] >= 0 && unknown &&
        strcmp(unknown, r->birth_text[0] ? "1" : "0") != 0) {
        PROBLEM(c, m, line, JB_BIRTH_UNKNOWN, vals,
                "不詳フラグは生年月日が不詳（不詳表記がある）とき1、そうでないとき0です");
        ok = false;
    }
    /* 続柄: the 表記 and its codes say the same. */
    struct kd_err e2;
    if (zokugara_check(r->zokugara, strlen(r->zokugara), "zokugara", &e2) < 0) {
        PROBLEM(c, m, line, JB_ZOKUGARA, vals,
                "続柄は世帯主、縁故者、同居人、または妻・子などを「の」でつないだもの（4世代まで）です");
        ok = false;
    } else {
        char joined[128] = "";
        for (int k = 0; k < 4; k++) {
            const char *part = kyodo_value(c, m, vals, JB_ZOKU1 + k);
            if (!part) {
                PROBLEM(c, m, line, JB_ZOKU1 + k, vals, "続柄コードに kyodo の値がありません");
                ok = false;
                break;
            }
            if (!part[0])
                continue;
            snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s",
                     joined[0] ? "の" : "", part);
        }
        if (ok && m->at[JB_ZOKU1] >= 0 && strcmp(joined, r->zokugara) != 0) {
            PROBLEM(c, m, line, JB_ZOKU1, vals, "続柄コード1〜4が続柄表記と合いません");
            ok = false;
        }
    }
    /* Items of one kind of resident only. */
    const char *bj = val(m, vals, JB_BECAME_J), *bf = val(m, vals, JB_BECAME_F);
    if ((foreign ? bj : bf)[0]) {
        PROBLEM(c, m, line, foreign ? JB_BECAME_J : JB_BECAME_F, vals, "%sの項目ではありません",
                foreign ? "外国人住民" : "日本人住民");
        ok = false;
    }
    r->became_resident = foreign ? bf : bj;
    /* (b = JB_FIRST_DIRECT - 1 stands for the 区分, not a direct item) */
    for (int b = JB_FIRST_DIRECT - 1; b < JB_COUNT; b++) {
        int i = b < JB_FIRST_DIRECT ? record_field_index("zairyu_kubun") : m->field[b];
        int bb = b < JB_FIRST_DIRECT ? JB_ZAIRYU_KUBUN : b;
        char who = i >= 0 ? record_fields[i].who : 'a';
        const char *t = i >= 0 ? record_text(r, i) : NULL;
        if (!t || !t[0] || (who != 'j' && who != 'f') || (who == 'f') == foreign)
            continue;
        PROBLEM(c, m, line, bb, vals, "%sだけの項目です", who == 'j' ? "日本人住民" : "外国人住民");
        ok = false;
    }
    if (foreign && (!r->nationality[0] || !r->zairyu_kubun[0])) {
        PROBLEM(c, m, line, r->nationality[0] ? JB_ZAIRYU_KUBUN : JB_NATIONALITY, vals,
                "外国人住民には国籍と第30条45規定区分が必要です");
        ok = false;
    }
    if (foreign && strcmp(r->zairyu_kubun, "中長期在留者") == 0 &&
        (!r->zairyu_shikaku[0] || !r->zairyu_kikan[0] || !r->zairyu_expiry[0] ||
         !r->zairyu_card[0])) {
        PROBLEM(c, m, line, JB_ZAIRYU_KUBUN, vals,
                "中長期在留者には在留資格等、在留期間等、満了の日、在留カード等番号が必要です");
        ok = false;
    }
    if (r->zairyu_card[0] && !card_number(r->zairyu_card)) {
        PROBLEM(c, m, line, JB_ZAIRYU_CARD, vals, "在留カード等番号は英字2・数字8・英字2です");
        ok = false;
    }
    /* 転出先: 予定 or 確定. */
    const char *confirmed = kyodo_value(c, m, vals, JB_DEST_CONFIRMED);
    r->dest_confirmed = confirmed && strcmp(confirmed, "1") == 0;
    const char *py = val(m, vals, JB_DEST_POST_Y), *ay = val(m, vals, JB_DEST_ADDR_Y);
    const char *pk = val(m, vals, JB_DEST_POST_K), *ak = val(m, vals, JB_DEST_ADDR_K);
    if (!confirmed || (r->dest_confirmed ? (py[0] || ay[0]) : (pk[0] || ak[0]))) {
        PROBLEM(c, m, line, JB_DEST_CONFIRMED, vals,
                "転出先住所は確定区分が0なら（予定）の項目に、1なら（確定）の項目に書きます");
        ok = false;
    }
    r->dest_postcode = r->dest_confirmed ? pk : py;
    r->dest_address = r->dest_confirmed ? ak : ay;
    /* The 異動 (JUKI02). */
    v->jiyu = val(m, vals, JB_JIYU);
    v->kind = "ikou";
    if (v->jiyu[0]) {
        const char *k = mig_codes_value(c->codes, item_table(m, JB_JIYU), v->jiyu);
        const struct idou_kind *ik = k ? idou_kind_find(k) : NULL;
        /* 誤記修正 and 取消し act through their targets: a row that names them
         * is kept as a migrated row (its code kept). */
        if (ik && !(ik->flags & (IDOU_TARGET | IDOU_MIGRATED)))
            v->kind = ik->code;
    }
    r->valid_from = "";
    if (m->at[JB_IDOU_DATE] >= 0 &&
        !fuzzy(c, m, line, vals, JB_IDOU_DATE, JB_IDOU_DATE_TEXT, &r->valid_from,
               &v->idou_date_text, false, a))
        ok = false;
    if (m->at[JB_IDOU_DATE] < 0)
        v->idou_date_text = "";
    v->user_login = val(m, vals, JB_USER);
    v->note = val(m, vals, JB_NOTE);
    v->superseded_at = "";
    r->recorded_at = "";
    if (m->at[JB_SHORI_DATE] >= 0) {
        char iso[25];
        if (!mig_instant_join(val(m, vals, JB_SHORI_DATE), val(m, vals, JB_SHORI_TIME), iso)) {
            PROBLEM(c, m, line, JB_SHORI_TIME, vals, "処理時刻は HH:MM:SS.mmm（日本時間）です");
            ok = false;
        } else {
            r->recorded_at = arena_strndup(a, iso, strlen(iso));
        }
        const char *mukou = kyodo_value(c, m, vals, JB_MUKOU);
        bool superseded = mukou && strcmp(mukou, "1") == 0;
        const char *md = val(m, vals, JB_MUKOU_DATE), *mt = val(m, vals, JB_MUKOU_TIME);
        if (!mukou || superseded != (md[0] != '\0') || superseded != (mt[0] != '\0')) {
            PROBLEM(c, m, line, JB_MUKOU, vals,
                    "無効区分が1のときだけ無効化年月日と無効化時刻があります");
            ok = false;
        } else if (superseded) {
            if (!mig_instant_join(md, mt, iso)) {
                PROBLEM(c, m, line, JB_MUKOU_TIME, vals,
                        "無効化時刻は HH:MM:SS.mmm（日本時間）です");
                ok = false;
            } else if (strcmp(iso, r->recorded_at) < 0) {
                PROBLEM(c, m, line, JB_MUKOU_DATE, vals, "無効になったのが処理日時より前です");
                ok = false;
            } else {
                v->superseded_at = arena_strndup(a, iso, strlen(iso));
            }
        }
    }
    return ok;
}

/* ---- import: reading JUKI01 alongside JUKI02 --------------------------------------------- */

static const char **copy_vals(const char *const *vals, int n, struct arena *a)
{
    const char **out = arena_alloc(a, (size_t)n * sizeof *out);
    for (int i = 0; out && i < n; i++) {
        size_t len = strlen(vals[i]);
        out[i] = len ? arena_strndup(a, vals[i], len) : "";
        if (!out[i])
            return NULL;
    }
    return out;
}

/* Reads the next JUKI01 row into x->r1_vals (x->r1_have). */
static int next1(struct import_run *x, struct kd_err *e)
{
    x->r1_have = false;
    if (x->r1_done || !x->r1)
        return 0;
    const char *const *vals;
    int rc = mig_reader_next(x->r1, &vals, &x->r1_bad, &x->r1_line, e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        x->r1_done = true;
        return 0;
    }
    x->rows1++;
    x->c->rows++;
    arena_release(&x->a1);
    arena_init(&x->a1, NULL, 0, (size_t)16 << 20);
    if (!(x->r1_vals = copy_vals(vals, x->m1.f->n_items, &x->a1)))
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    const char *atena = val(&x->m1, x->r1_vals, JB_ATENA);
    if (x->last1[0] && strcmp(atena, x->last1) <= 0)
        PROBLEM(x->c, &x->m1, x->r1_line, JB_ATENA, x->r1_vals,
                "住民情報は宛名番号の昇順に並べます");
    snprintf(x->last1, sizeof x->last1, "%s", atena);
    x->r1_have = true;
    return 0;
}

/* A JUKI01 row with no history rows. */
static void orphan1(struct import_run *x)
{
    PROBLEM(x->c, &x->m1, x->r1_line, JB_ATENA, x->r1_vals,
            "この宛名番号の住民履歴情報（%s）がありません", x->m2.f->path);
}

/* The household of a resident's JUKI01 row. */
static void count_member(struct import_run *x, const struct record *r)
{
    struct household *h = hmap_find(&x->hh, r->setai, false);
    if (!h) {
        PROBLEM(x->c, &x->m1, x->r1_line, JB_SETAI, x->r1_vals,
                "この世帯番号の世帯情報（%s）がありません", x->fh->path);
        return;
    }
    h->seen++;
    if (zokugara_is_head(r->zokugara)) {
        h->heads++;
        if (strcmp(h->head, r->atena) == 0)
            h->head_ok = hash_str(1469598103934665603ull, r->shimei) == h->head_name;
        else
            PROBLEM(x->c, &x->m1, x->r1_line, JB_ZOKUGARA, x->r1_vals,
                    "世帯情報（%s %" PRId64 "行目）の世帯主（%s）と合いません", x->fh->path,
                    h->line, h->head[0] ? "世帯主宛名番号" : "未設定");
    }
    if (place_hash(r->postcode, r->address, r->katagaki) != h->place)
        PROBLEM(x->c, &x->m1, x->r1_line, JB_ADDRESS, x->r1_vals,
                "住所（郵便番号・方書を含む）が世帯情報（%s %" PRId64 "行目）と違います",
                x->fh->path, h->line);
}

/* Checks a person's rows (x->rows[0..n)) and writes them. */
static int finish_group(struct import_run *x, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct jmap *m = &x->m2;
    if (x->n == 0)
        return 0;
    const char *atena = x->rows[0].v.r.atena;
    /* The person's 住民情報 row. */
    while (x->r1_have && strcmp(val(&x->m1, x->r1_vals, JB_ATENA), atena) < 0) {
        orphan1(x);
        if (next1(x, e) < 0)
            return -1;
    }
    bool have1 = x->r1_have && strcmp(val(&x->m1, x->r1_vals, JB_ATENA), atena) == 0;
    bool ok = true;
    int latest = -1;
    const char *last_date = "";
    for (int i = 0; i < x->n; i++) {
        struct jrow *row = &x->rows[i];
        ok &= !row->bad;
        if (row->bad)
            continue;
        if (i > 0 && !x->rows[i - 1].bad && row->v.r.rireki <= x->rows[i - 1].v.r.rireki) {
            PROBLEM(c, m, row->line, JB_RIREKI, row->vals,
                    "同じ宛名番号の行は履歴番号の昇順に並べます");
            ok = false;
        }
        if (row->v.superseded_at[0])
            continue;
        if (strcmp(row->v.r.valid_from, last_date) < 0) {
            PROBLEM(c, m, row->line, JB_IDOU_DATE, row->vals,
                    "有効な記録の異動年月日が、前の有効な記録（履歴番号 %" PRId64 "）より前です",
                    x->rows[latest].v.r.rireki);
            ok = false;
        }
        last_date = row->v.r.valid_from;
        latest = i;
    }
    if (latest < 0 && ok) {
        PROBLEM(c, m, x->rows[0].line, JB_MUKOU, x->rows[0].vals,
                "この宛名番号には有効な記録（無効区分 0）がありません");
        ok = false;
    }
    if (!have1) {
        PROBLEM(c, m, x->rows[0].line, JB_ATENA, x->rows[0].vals,
                "この宛名番号の住民情報（%s）がありません", x->m1.f->path);
        ok = false;
    } else if (latest >= 0) {
        /* 住民情報 is the latest believed record, item for item. */
        /* Item for item the same values as the history's row (checked
         * there), so the 住民情報 row needs no checks of its own. The
         * report shows the 住民情報 value; the 履歴 one is on its line. */
        const struct jrow *l = &x->rows[latest];
        bool bad1 = x->r1_bad;
        for (int b = 0; b < JB_COUNT && !bad1 && !l->bad; b++) {
            if (x->m1.at[b] < 0 || x->m2.at[b] < 0 || b == JB_ATENA)
                continue;
            const char *one = x->r1_vals[x->m1.at[b]], *two = l->vals[x->m2.at[b]];
            if (strcmp(one, two) != 0) {
                PROBLEM(c, &x->m1, x->r1_line, b, x->r1_vals,
                        "住民履歴情報（%s %" PRId64 "行目、履歴番号 %" PRId64
                        "）の最新の有効な記録と違います",
                        m->f->path, l->line, l->v.r.rireki);
                ok = false;
            }
        }
        if (!bad1 && !l->bad && strcmp(l->v.r.status, "resident") == 0)
            count_member(x, &l->v.r);
        ok &= !bad1;
    }
    if (have1 && next1(x, e) < 0)
        return -1;
    if (ok && c->writing) {
        /* The person's rows go to the writer with the arena they are in. */
        struct bulk_version *vs = arena_alloc(&x->ga, (size_t)x->n * sizeof *vs);
        if (!vs)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        for (int i = 0; i < x->n; i++)
            vs[i] = x->rows[i].v;
        if (!queue_put(&x->q, x->ga, vs, x->n, x->rows[0].line))
            return kd_fail(e, KD_UNAVAILABLE, NULL, "the writer stopped");
    } else {
        arena_release(&x->ga);
    }
    x->n = 0;
    arena_init(&x->ga, NULL, 0, (size_t)256 << 20);
    return 0;
}

static const char *hitem(const struct import_run *x, int b)
{
    return x->hat[b] >= 0 ? x->fh->items[x->hat[b]].name : "";
}

static int read_households(struct import_run *x, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    struct mig_reader *r;
    if (mig_open_reader(c, x->fh, &r, e) < 0)
        return -1;
    if (!r)
        return 0;
    const char *const *vals;
    bool bad;
    int64_t line, rows = 0;
    int rc;
    const char *path = x->fh->path;
    while ((rc = mig_reader_next(r, &vals, &bad, &line, e)) == 1) {
        rows++;
        c->rows++;
        if ((rows & 1023) == 0 && mig_progress(c, path, rows, false, e) < 0)
            break;
        if (bad)
            continue;
        const char *v[HB_COUNT];
        for (int b = 0; b < HB_COUNT; b++)
            v[b] = x->hat[b] >= 0 ? vals[x->hat[b]] : "";
        const char *item = hitem(x, HB_SETAI);
        if (!mig_number_ok(c, v[HB_SETAI]) || (v[HB_HEAD][0] && !mig_number_ok(c, v[HB_HEAD]))) {
            mig_problem(c, path, line, item, v[HB_SETAI],
                        "世帯番号・世帯主宛名番号は町の桁数（%d桁）で検査数字が正しいものです",
                        c->number_digits);
            continue;
        }
        struct household *h = hmap_find(&x->hh, v[HB_SETAI], false);
        if (h) {
            mig_problem(c, path, line, item, v[HB_SETAI], "世帯番号が %" PRId64 "行目と重複しています",
                        h->line);
            continue;
        }
        if (!(h = hmap_find(&x->hh, v[HB_SETAI], true)))
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        snprintf(h->head, sizeof h->head, "%s", v[HB_HEAD]);
        h->line = line;
        int64_t n = 0;
        text_parse_i64(v[HB_MEMBERS], strlen(v[HB_MEMBERS]), 0, 999, &n);
        h->declared = (int)n;
        h->place = place_hash(v[HB_POSTCODE], v[HB_ADDRESS], v[HB_KATAGAKI]);
        h->head_name = hash_str(1469598103934665603ull, v[HB_HEAD_NAME]);
    }
    if (rc != 0) {
        mig_reader_close(r);
        return -1;
    }
    return mig_close_reader(c, x->fh, r, rows, e);
}

static void check_households(struct import_run *x)
{
    struct mig_ctx *c = x->c;
    const char *path = x->fh->path;
    for (size_t i = 0; i < x->hh.cap; i++) {
        const struct household *h = &x->hh.slot[i];
        if (!h->setai[0])
            continue;
        char n[16];
        snprintf(n, sizeof n, "%d", h->declared);
        if (h->seen != h->declared)
            mig_problem(c, path, h->line, hitem(x, HB_MEMBERS), n,
                        "住民情報で住民状態が住民の世帯員は %d 人です", h->seen);
        if (h->heads > 1)
            mig_problem(c, path, h->line, hitem(x, HB_HEAD), h->head,
                        "世帯主（続柄 世帯主）が %d 人います", h->heads);
        else if (h->head[0] && !h->head_ok && h->heads == 1)
            mig_problem(c, path, h->line, hitem(x, HB_HEAD_NAME), h->head,
                        "世帯主氏名が世帯主の住民情報の氏名と違います");
        else if (h->head[0] && h->heads == 0)
            mig_problem(c, path, h->line, hitem(x, HB_HEAD), h->head,
                        "この宛名番号は世帯の世帯主（住民、続柄 世帯主）ではありません");
        else if (!h->head[0] && h->heads == 1)
            mig_problem(c, path, h->line, hitem(x, HB_HEAD), "",
                        "世帯に続柄が世帯主の世帯員がいます");
    }
}

/* The reader: every file, every check; the persons to write go to the queue. */
static int produce(struct import_run *x, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct mig_file *f1 = x->m1.f, *f2 = x->m2.f;
    struct mig_reader *r2 = NULL;
    int rc = -1;
    if (read_households(x, e) < 0)
        goto out;
    if (mig_open_reader(c, f1, &x->r1, e) < 0 || mig_open_reader(c, f2, &r2, e) < 0)
        goto out;
    if (next1(x, e) < 0)
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
            const char *atena = x->m2.at[JB_ATENA] >= 0 ? vals[x->m2.at[JB_ATENA]] : "";
            int order = strcmp(atena, last);
            if (x->n > 0 && order != 0 && finish_group(x, e) < 0)
                goto out;
            if (last[0] && order < 0)
                mig_problem(c, f2->path, line, f2->items[x->m2.at[JB_ATENA]].name, atena,
                            "住民履歴情報は宛名番号の順に並べます");
            snprintf(last, sizeof last, "%s", atena);
            if (x->n == x->cap) {
                int cap = x->cap ? x->cap * 2 : 64;
                struct jrow *grown = realloc(x->rows, (size_t)cap * sizeof *grown);
                if (!grown) {
                    kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                    goto out;
                }
                x->rows = grown;
                x->cap = cap;
            }
            struct jrow *row = &x->rows[x->n++];
            row->line = line;
            row->bad = bad;
            if (!(row->vals = copy_vals(vals, f2->n_items, &x->ga))) {
                kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                goto out;
            }
            if (!bad && !parse_row(c, &x->m2, line, row->vals, &row->v, &x->ga))
                row->bad = true;
            if (row->bad) {
                /* Only its place in the file counts now. */
                record_clear(&row->v.r);
                row->v.r.atena = atena;
                row->v.superseded_at = "";
            }
        }
        if (got < 0 || finish_group(x, e) < 0)
            goto out;
        struct mig_reader *done2 = r2;
        r2 = NULL;
        if (mig_close_reader(c, f2, done2, x->rows2, e) < 0)
            goto out;
    }
    while (x->r1_have) {
        orphan1(x);
        if (next1(x, e) < 0)
            goto out;
    }
    if (x->r1) {
        struct mig_reader *done1 = x->r1;
        x->r1 = NULL;
        if (mig_close_reader(c, f1, done1, x->rows1, e) < 0)
            goto out;
    }
    check_households(x);
    rc = 0;
out:
    if (r2)
        mig_reader_close(r2);
    if (x->r1)
        mig_reader_close(x->r1);
    x->r1 = NULL;
    return rc;
}

static void *reader_thread(void *p)
{
    struct import_run *x = p;
    kd_err_clear(&x->read_err);
    x->read_rc = produce(x, &x->read_err);
    queue_close(&x->q, false);
    return NULL;
}

/* A 宛名番号 the town already had (found by the writer, reported after). */
struct taken {
    int64_t line;
    char atena[16];
};

static int juki_import(struct mig_ctx *c, struct kd_err *e)
{
    struct import_run *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    arena_init(&x->ga, NULL, 0, (size_t)256 << 20);
    arena_init(&x->a1, NULL, 0, (size_t)16 << 20);
    pthread_mutex_init(&x->q.mu, NULL);
    pthread_cond_init(&x->q.can_put, NULL);
    pthread_cond_init(&x->q.can_get, NULL);
    int rc = -1;
    struct bulk_writer *w = NULL;
    struct taken *taken = NULL;
    size_t n_taken = 0, cap_taken = 0;
    const struct mig_file *f1 = mig_need_file(c, "JUKI01", e), *f2 = NULL;
    if (!f1 || !(f2 = mig_need_file(c, "JUKI02", e)) ||
        !(x->fh = mig_need_file(c, "JUKI03", e)) || jmap_make(f1, &x->m1, e) < 0 ||
        jmap_make(f2, &x->m2, e) < 0 || mig_bind(x->fh, hb_names, HB_COUNT, x->hat, e) < 0)
        goto out;
    if (residents_bulk_open(c->town, c->o->request_id ? c->o->request_id : "migration", &w, e) <
        0)
        goto out;
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_thread, x) != 0) {
        kd_fail(e, KD_INTERNAL, NULL, "the import's reader cannot start");
        goto out;
    }
    /* The writer, here: each person checked by the reader. */
    struct qitem it;
    int write_rc = 0;
    while (queue_get(&x->q, &it)) {
        if (write_rc == 0 && residents_bulk_person(w, it.vs, it.n, e) < 0) {
            if (e->code != KD_CONFLICT) {
                write_rc = -1;
                queue_close(&x->q, true);
            } else if (n_taken < 10000) {
                if (n_taken == cap_taken) {
                    cap_taken = cap_taken ? 2 * cap_taken : 16;
                    struct taken *g = realloc(taken, cap_taken * sizeof *g);
                    if (!g) {
                        write_rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory");
                        queue_close(&x->q, true);
                    } else {
                        taken = g;
                    }
                }
                if (write_rc == 0) {
                    taken[n_taken].line = it.line;
                    snprintf(taken[n_taken].atena, sizeof taken[0].atena, "%s", it.vs[0].r.atena);
                    n_taken++;
                }
            }
        }
        arena_release(&it.a);
    }
    pthread_join(reader, NULL);
    if (write_rc < 0)
        goto out;
    if (x->read_rc < 0) {
        *e = x->read_err;
        goto out;
    }
    for (size_t i = 0; i < n_taken; i++)
        mig_problem(c, f2->path, taken[i].line, x->m2.at[JB_ATENA] >= 0 ? f2->items[x->m2.at[JB_ATENA]].name : "",
                    taken[i].atena, "町にこの宛名番号がすでにあります");
    struct bulk_writer *done = w;
    w = NULL;
    if (!c->writing)
        residents_bulk_free(done); /* nothing will be committed */
    else if (residents_bulk_close(done, e) < 0)
        goto out;
    rc = 0;
out:
    residents_bulk_free(w);
    free(taken);
    arena_release(&x->ga);
    arena_release(&x->a1);
    pthread_mutex_destroy(&x->q.mu);
    pthread_cond_destroy(&x->q.can_put);
    pthread_cond_destroy(&x->q.can_get);
    free(x->rows);
    free(x->hh.slot);
    free(x);
    return rc;
}

static int juki_has_data(struct store *town, bool *has, struct kd_err *e)
{
    bool empty;
    if (residents_register_empty(town, &empty, e) < 0)
        return -1;
    *has = !empty;
    return 0;
}

const struct mig_module mig_juki = {"juki", NULL, juki_has_data, juki_export, juki_import};
