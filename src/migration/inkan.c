/*
 * inkan.c — the 印鑑登録 layout (layouts/inkan/): the seal register's
 * 原票 with their pictures, events, cards and certificates issued.
 *
 *   INKAN01 印鑑登録原票             one row per registration; its picture
 *                                    is the file images/<印影ファイル名>
 *   INKAN02 印鑑登録事象             every event (登録, 証, 廃止, 回復)
 *   INKAN03 印鑑登録証               every card issued
 *   INKAN04 印鑑登録証明書交付履歴   every certificate issued
 *
 * The pictures are counted and hashed in the manifest as the folder
 * "images/": its rows are the pictures, its SHA-256 that of the lines
 * "<name> <sha256>\n" in the order of the registrations. An automatic 廃止
 * or 回復 names the 異動 behind it by the owner's 履歴番号 (juki JUKI02),
 * which survives a migration where the 異動's id does not.
 * docs/layouts.md, "How the register is migrated".
 */
#include "migration/internal.h"

#include "base/text.h"
#include "residents/addressee.h"
#include "residents/bulk.h"
#include "seals/seal_bulk.h"
#include "seals/seal_image.h"
#include "seals/seals.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IMAGES "images/"

/* ---- the items -------------------------------------------------------------------------- */

enum rb { RB_ID, RB_ATENA, RB_REGISTERED_ON, RB_SHORI_DATE, RB_SHORI_TIME, RB_USER, RB_KIND,
          RB_SHIMEI, RB_KYUUJI, RB_TSUSHO, RB_BIRTH, RB_BIRTH_TEXT, RB_SEX, RB_ADDRESS,
          RB_KATAGAKI, RB_VERIFICATION, RB_ADULT_WARD, RB_NOTE, RB_FEE, RB_IMAGE_FILE,
          RB_IMAGE_TYPE, RB_IMAGE_SHA256, RB_WIDTH, RB_HEIGHT, RB_PPM_X, RB_PPM_Y, RB_INK_X,
          RB_INK_Y, RB_INK_W, RB_INK_H, RB_INK_W_UM, RB_INK_H_UM, RB_COUNT };
static const char *const rb_names[RB_COUNT] = {
    "id", "atena", "registered_on", "shori_date", "shori_time", "user", "kind", "shimei",
    "kyuuji", "tsusho", "birth", "birth_text", "sex", "address", "katagaki", "verification",
    "adult_ward", "note", "fee", "image_file", "image_type", "image_sha256", "width_px",
    "height_px", "ppm_x", "ppm_y", "ink_x", "ink_y", "ink_w", "ink_h", "ink_w_um", "ink_h_um",
};

enum eb { EB_ID, EB_REG, EB_KIND, EB_REASON, EB_DATE, EB_SHORI_DATE, EB_SHORI_TIME, EB_USER,
          EB_CARD, EB_IDOU_RIREKI, EB_FEE, EB_NOTE, EB_COUNT };
static const char *const eb_names[EB_COUNT] = {
    "id", "registration_id", "kind", "reason", "event_date", "shori_date", "shori_time",
    "user", "card", "idou_rireki", "fee", "note",
};

enum cb { CB_NUMBER, CB_REG, CB_ISSUED_ON, CB_EVENT, CB_COUNT };
static const char *const cb_names[CB_COUNT] = {"number", "registration_id", "issued_on",
                                               "event_id"};

enum tb { TB_ID, TB_ISSUE_DATE, TB_SHORI_DATE, TB_SHORI_TIME, TB_USER, TB_REG, TB_ATENA,
          TB_CARD, TB_FEE, TB_REQUESTER, TB_COUNT };
static const char *const tb_names[TB_COUNT] = {
    "id", "issue_date", "shori_date", "shori_time", "user", "registration_id", "atena",
    "card", "fee", "requester_name",
};

struct imap {
    const struct mig_file *f;
    int at[RB_COUNT]; /* large enough for every file's names */
};

static int imap_make(const struct mig_ctx *c, const char *id, const char *const *names, int n,
                     struct imap *m, struct kd_err *e)
{
    if (!(m->f = mig_need_file(c, id, e)) || mig_bind(m->f, names, n, m->at, e) < 0)
        return -1;
    if (m->f->n_items > 64)
        return kd_fail(e, KD_INVALID_VALUE, "layout", "%s has more than 64 items", id);
    return 0;
}

static const char *tbl(const struct imap *m, int b)
{
    return m->at[b] >= 0 ? m->f->items[m->at[b]].code_table : "";
}

static const char *iname(const struct imap *m, int b)
{
    return m->at[b] >= 0 ? m->f->items[m->at[b]].name : "";
}

/* A row's values being made: at most 64 items, numbers printed into num[]. */
struct irow {
    const char *v[64];
    char num[16][24];
    int used;
    char dates[11], times[13];
};

static void irow_start(struct irow *o, const struct imap *m)
{
    for (int i = 0; i < m->f->n_items; i++)
        o->v[i] = "";
    o->used = 0;
}

static void iput(const struct imap *m, struct irow *o, int b, const char *v)
{
    if (m->at[b] >= 0)
        o->v[m->at[b]] = v;
}

static void iput_i64(const struct imap *m, struct irow *o, int b, int64_t n)
{
    if (o->used == 16)
        return;
    snprintf(o->num[o->used], sizeof o->num[0], "%" PRId64, n);
    iput(m, o, b, o->num[o->used++]);
}

static int iput_code(struct mig_ctx *c, const struct imap *m, struct irow *o, int b,
                     const char *value, struct kd_err *e)
{
    if (m->at[b] < 0 || !value[0])
        return 0;
    const char *code = mig_codes_code(c->codes, tbl(m, b), value);
    if (!code)
        return kd_fail(e, KD_INTERNAL, iname(m, b), "%s: the value %s has no code in %s",
                       m->f->path, value, tbl(m, b));
    iput(m, o, b, code);
    return 0;
}

static void iput_instant(const struct imap *m, struct irow *o, int bd, int bt, const char *iso)
{
    mig_instant_split(iso, o->dates, o->times);
    iput(m, o, bd, o->dates);
    iput(m, o, bt, o->times);
}

/* ---- export -------------------------------------------------------------------------------- */

struct iexport {
    struct mig_ctx *c;
    struct imap m[4];
    struct mig_writer *w;
    struct irow o;
    int64_t rows;
    /* the pictures */
    crypto_hash_sha256_state listing;
    int64_t images;
    char dir[4096];
};

static const char *image_name(int64_t id, const char *type, char buf[32])
{
    snprintf(buf, 32, "%08" PRId64 ".%s", id, strcmp(type, "jpeg") == 0 ? "jpg" : "png");
    return buf;
}

static int write_file(const char *path, const unsigned char *data, size_t len, struct kd_err *e)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || (len && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0) {
        if (fp)
            fclose(fp);
        return kd_fail(e, KD_INTERNAL, NULL, "%s cannot be written: %s", path, strerror(errno));
    }
    return 0;
}

static int export_reg(void *p, const struct seal_bulk_reg *r, struct kd_err *e)
{
    struct iexport *x = p;
    const struct imap *m = &x->m[0];
    struct irow *o = &x->o;
    irow_start(o, m);
    char name[32];
    image_name(r->id, r->image_type, name);
    iput_i64(m, o, RB_ID, r->id);
    iput(m, o, RB_ATENA, r->atena);
    iput(m, o, RB_REGISTERED_ON, r->registered_on);
    iput_instant(m, o, RB_SHORI_DATE, RB_SHORI_TIME, r->recorded_at);
    iput(m, o, RB_USER, r->user_login);
    iput(m, o, RB_SHIMEI, r->shimei);
    iput(m, o, RB_KYUUJI, r->kyuuji);
    iput(m, o, RB_TSUSHO, r->tsusho);
    iput(m, o, RB_BIRTH, r->birth);
    iput(m, o, RB_BIRTH_TEXT, r->birth_text);
    iput(m, o, RB_ADDRESS, r->address);
    iput(m, o, RB_KATAGAKI, r->katagaki);
    iput(m, o, RB_NOTE, r->note);
    iput_i64(m, o, RB_FEE, r->fee);
    iput(m, o, RB_IMAGE_FILE, name);
    iput(m, o, RB_IMAGE_SHA256, r->image_sha256);
    const int64_t ints[] = {r->width_px, r->height_px, r->ppm_x, r->ppm_y, r->ink_x,
                            r->ink_y,    r->ink_w,     r->ink_h, r->ink_w_um, r->ink_h_um};
    for (int k = 0; k < 10; k++)
        iput_i64(m, o, RB_WIDTH + k, ints[k]);
    char sex[24];
    snprintf(sex, sizeof sex, "%" PRId64, r->sex);
    if (iput_code(x->c, m, o, RB_KIND, r->kind, e) < 0 || iput_code(x->c, m, o, RB_SEX, sex, e) < 0 ||
        iput_code(x->c, m, o, RB_VERIFICATION, r->verification, e) < 0 ||
        iput_code(x->c, m, o, RB_ADULT_WARD, r->adult_ward ? "1" : "0", e) < 0 ||
        iput_code(x->c, m, o, RB_IMAGE_TYPE, r->image_type, e) < 0)
        return -1;
    if (mig_writer_row(x->w, o->v, e) < 0)
        return -1;
    /* The picture as uploaded. */
    char path[4200];
    snprintf(path, sizeof path, "%s/%s%s", x->dir, IMAGES, name);
    if (write_file(path, r->image, r->image_len, e) < 0)
        return -1;
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s\n", name, r->image_sha256);
    crypto_hash_sha256_update(&x->listing, (const unsigned char *)line, (unsigned long long)n);
    x->images++;
    x->rows++;
    x->c->rows++;
    return (x->rows & 255) ? 0 : mig_progress(x->c, m->f->path, x->rows, false, e);
}

static int export_event(void *p, const struct seal_bulk_event *ev, struct kd_err *e)
{
    struct iexport *x = p;
    const struct imap *m = &x->m[1];
    struct irow *o = &x->o;
    irow_start(o, m);
    iput_i64(m, o, EB_ID, ev->id);
    iput_i64(m, o, EB_REG, ev->registration_id);
    iput(m, o, EB_DATE, ev->date);
    iput_instant(m, o, EB_SHORI_DATE, EB_SHORI_TIME, ev->recorded_at);
    iput(m, o, EB_USER, ev->user_login);
    iput(m, o, EB_CARD, ev->card);
    iput_i64(m, o, EB_FEE, ev->fee);
    iput(m, o, EB_NOTE, ev->note);
    if (iput_code(x->c, m, o, EB_KIND, ev->kind, e) < 0 ||
        iput_code(x->c, m, o, EB_REASON, ev->reason, e) < 0)
        return -1;
    if (ev->idou_id) {
        /* The 異動 as the owner's 履歴番号. */
        struct store_stmt *st = store_prepare(
            x->c->town, "SELECT atena FROM seal_registrations WHERE id = ?", e);
        if (!st)
            return -1;
        store_bind_i64(st, 1, ev->registration_id);
        char atena[16] = "";
        if (store_step(st, e) == STORE_ROW)
            snprintf(atena, sizeof atena, "%s", store_col_text(st, 0, NULL));
        store_reset(st);
        int64_t rireki;
        int found = residents_bulk_rireki_of(x->c->town, atena, ev->idou_id, &rireki, e);
        if (found < 0)
            return -1;
        if (!found)
            return kd_fail(e, KD_INTERNAL, NULL,
                           "seal event %" PRId64 " names 異動 %" PRId64
                           ", which made no snapshot of %s",
                           ev->id, ev->idou_id, atena);
        iput_i64(m, o, EB_IDOU_RIREKI, rireki);
    }
    if (mig_writer_row(x->w, o->v, e) < 0)
        return -1;
    x->rows++;
    x->c->rows++;
    return 0;
}

static int export_card(void *p, const struct seal_bulk_card *cd, struct kd_err *e)
{
    struct iexport *x = p;
    const struct imap *m = &x->m[2];
    struct irow *o = &x->o;
    irow_start(o, m);
    iput(m, o, CB_NUMBER, cd->number);
    iput_i64(m, o, CB_REG, cd->registration_id);
    iput(m, o, CB_ISSUED_ON, cd->issued_on);
    iput_i64(m, o, CB_EVENT, cd->event_id);
    if (mig_writer_row(x->w, o->v, e) < 0)
        return -1;
    x->rows++;
    x->c->rows++;
    return 0;
}

static int export_cert(void *p, const struct seal_bulk_cert *t, struct kd_err *e)
{
    struct iexport *x = p;
    const struct imap *m = &x->m[3];
    struct irow *o = &x->o;
    irow_start(o, m);
    iput_i64(m, o, TB_ID, t->id);
    iput(m, o, TB_ISSUE_DATE, t->issue_date);
    iput_instant(m, o, TB_SHORI_DATE, TB_SHORI_TIME, t->issued_at);
    iput(m, o, TB_USER, t->user_login);
    iput_i64(m, o, TB_REG, t->registration_id);
    iput(m, o, TB_ATENA, t->atena);
    iput(m, o, TB_CARD, t->card);
    iput_i64(m, o, TB_FEE, t->fee);
    iput(m, o, TB_REQUESTER, t->requester_name);
    if (mig_writer_row(x->w, o->v, e) < 0)
        return -1;
    x->rows++;
    x->c->rows++;
    return 0;
}

static int export_file(struct iexport *x, int k, int (*scan)(struct iexport *, struct kd_err *),
                       struct kd_err *e)
{
    const struct mig_file *f = x->m[k].f;
    x->rows = 0;
    if (mig_writer_open(&x->w, x->c->layout, f, x->c->profile, x->c->dir, e) < 0)
        return -1;
    if (scan(x, e) < 0) {
        mig_writer_discard(x->w);
        x->w = NULL;
        return -1;
    }
    int64_t rows;
    char sha[65];
    struct mig_writer *w = x->w;
    x->w = NULL;
    if (mig_writer_close(w, &rows, sha, e) < 0 || mig_ctx_file(x->c, f->id, f->path, rows, sha, e) < 0)
        return -1;
    return mig_progress(x->c, f->path, rows, true, e);
}

static int scan_regs(struct iexport *x, struct kd_err *e)
{
    return seals_bulk_registrations(x->c->town, export_reg, x, e);
}
static int scan_events(struct iexport *x, struct kd_err *e)
{
    return seals_bulk_events(x->c->town, export_event, x, e);
}
static int scan_cards(struct iexport *x, struct kd_err *e)
{
    return seals_bulk_cards(x->c->town, export_card, x, e);
}
static int scan_certs(struct iexport *x, struct kd_err *e)
{
    return seals_bulk_certificates(x->c->town, export_cert, x, e);
}

static int hex_of(crypto_hash_sha256_state *st, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(st, h);
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    return 0;
}

static int inkan_export(struct mig_ctx *c, struct kd_err *e)
{
    struct iexport *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    int rc = -1;
    snprintf(x->dir, sizeof x->dir, "%s", c->dir);
    char images[4200];
    snprintf(images, sizeof images, "%s/%s", c->dir, IMAGES);
    if (imap_make(c, "INKAN01", rb_names, RB_COUNT, &x->m[0], e) < 0 ||
        imap_make(c, "INKAN02", eb_names, EB_COUNT, &x->m[1], e) < 0 ||
        imap_make(c, "INKAN03", cb_names, CB_COUNT, &x->m[2], e) < 0 ||
        imap_make(c, "INKAN04", tb_names, TB_COUNT, &x->m[3], e) < 0)
        goto out;
    if (mkdir(images, 0700) < 0) {
        kd_fail(e, KD_INTERNAL, NULL, "%s cannot be made: %s", images, strerror(errno));
        goto out;
    }
    /* The folder first in the list, so that a failure removes its files. */
    if (mig_ctx_file(c, "IMAGES", IMAGES, 0, "", e) < 0)
        goto out;
    crypto_hash_sha256_init(&x->listing);
    if (export_file(x, 0, scan_regs, e) < 0)
        goto out;
    c->files[0].rows = x->images;
    hex_of(&x->listing, c->files[0].sha256);
    if (export_file(x, 1, scan_events, e) < 0 || export_file(x, 2, scan_cards, e) < 0 ||
        export_file(x, 3, scan_certs, e) < 0)
        goto out;
    /* The manifest lists the folder after the files. */
    struct mig_file_out folder = c->files[0];
    memmove(&c->files[0], &c->files[1], (size_t)(c->n_files - 1) * sizeof c->files[0]);
    c->files[c->n_files - 1] = folder;
    rc = 0;
out:
    free(x);
    return rc;
}

/* ---- import ------------------------------------------------------------------------------- */

struct reg_ref {
    int64_t id;
    char atena[16];
};

struct iimport {
    struct mig_ctx *c;
    struct imap m[4];
    struct reg_ref *regs;
    size_t n_regs, cap_regs;
    int64_t *events;
    size_t n_events, cap_events;
    crypto_hash_sha256_state listing;
    int64_t images;
    const char *rid;
};

static int cmp_reg(const void *a, const void *b)
{
    int64_t x = ((const struct reg_ref *)a)->id, y = ((const struct reg_ref *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static const struct reg_ref *find_reg(const struct iimport *x, int64_t id)
{
    struct reg_ref key = {.id = id};
    return x->n_regs ? bsearch(&key, x->regs, x->n_regs, sizeof *x->regs, cmp_reg) : NULL;
}

static int64_t num_of(const char *s)
{
    int64_t n;
    return text_parse_i64(s, strlen(s), 0, INT64_MAX, &n) ? n : -1;
}

#define IV(m, vals, b) ((m)->at[b] >= 0 ? (vals)[(m)->at[b]] : "")
#define IPROBLEM(c, m, line, b, vals, ...)                                                        \
    mig_problem((c), (m)->f->path, (line), iname((m), (b)), IV((m), (vals), (b)), __VA_ARGS__)

static bool file_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= 'a' && s[i] <= 'z') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* Reads a picture of the set (at most the decoder's ceiling). */
static unsigned char *read_picture(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    unsigned char *buf = malloc(SEAL_IMAGE_BYTES_CEILING + 1);
    size_t n = buf ? fread(buf, 1, SEAL_IMAGE_BYTES_CEILING + 1, fp) : 0;
    fclose(fp);
    *len = n;
    return buf;
}

static const char *code_value(struct mig_ctx *c, const struct imap *m, const char *const *vals,
                              int b)
{
    const char *code = IV(m, vals, b);
    return code[0] ? mig_codes_value(c->codes, tbl(m, b), code) : "";
}

static bool instant(struct mig_ctx *c, const struct imap *m, int64_t line,
                    const char *const *vals, int bd, int bt, char iso[25])
{
    if (mig_instant_join(IV(m, vals, bd), IV(m, vals, bt), iso))
        return true;
    IPROBLEM(c, m, line, bt, vals, "処理時刻は HH:MM:SS.mmm（日本時間）です");
    return false;
}

static int import_reg(struct iimport *x, int64_t line, const char *const *vals, struct arena *a,
                      struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct imap *m = &x->m[0];
    struct seal_bulk_reg r = {0};
    bool ok = true;
    r.id = num_of(IV(m, vals, RB_ID));
    r.atena = IV(m, vals, RB_ATENA);
    if (r.id < 1) {
        IPROBLEM(c, m, line, RB_ID, vals, "登録番号は1以上です");
        return 0;
    }
    if (find_reg(x, r.id)) {
        IPROBLEM(c, m, line, RB_ID, vals, "登録番号が重複しています");
        return 0;
    }
    /* Remembered for the other files whatever else is wrong. */
    if (x->n_regs == x->cap_regs) {
        size_t cap = x->cap_regs ? 2 * x->cap_regs : 1024;
        struct reg_ref *g = realloc(x->regs, cap * sizeof *g);
        if (!g)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        x->regs = g;
        x->cap_regs = cap;
    }
    struct reg_ref *ref = &x->regs[x->n_regs++];
    ref->id = r.id;
    snprintf(ref->atena, sizeof ref->atena, "%s", r.atena);
    if (x->n_regs > 1 && x->regs[x->n_regs - 2].id > r.id)
        qsort(x->regs, x->n_regs, sizeof *x->regs, cmp_reg);
    /* The registrant is a resident of the register (juki first). */
    const char *kind;
    struct kd_err e2;
    if (addressee_kind_of(c->town, r.atena, &kind, a, &e2) < 0 || strcmp(kind, "resident") != 0) {
        if (e2.code != KD_NOT_FOUND && e2.code != KD_OK) {
            *e = e2;
            return -1;
        }
        IPROBLEM(c, m, line, RB_ATENA, vals,
                 "住民基本台帳にない宛名番号です（住民基本台帳（juki）を先に取り込みます）");
        ok = false;
    }
    r.registered_on = IV(m, vals, RB_REGISTERED_ON);
    char at[25];
    ok &= instant(c, m, line, vals, RB_SHORI_DATE, RB_SHORI_TIME, at);
    r.recorded_at = at;
    r.user_login = IV(m, vals, RB_USER);
    r.shimei = IV(m, vals, RB_SHIMEI);
    r.kyuuji = IV(m, vals, RB_KYUUJI);
    r.tsusho = IV(m, vals, RB_TSUSHO);
    r.birth = IV(m, vals, RB_BIRTH);
    r.birth_text = IV(m, vals, RB_BIRTH_TEXT);
    r.address = IV(m, vals, RB_ADDRESS);
    r.katagaki = IV(m, vals, RB_KATAGAKI);
    r.note = IV(m, vals, RB_NOTE);
    r.fee = num_of(IV(m, vals, RB_FEE));
    r.image_sha256 = IV(m, vals, RB_IMAGE_SHA256);
    int64_t *ints[] = {&r.width_px, &r.height_px, &r.ppm_x, &r.ppm_y, &r.ink_x,
                       &r.ink_y,    &r.ink_w,     &r.ink_h, &r.ink_w_um, &r.ink_h_um};
    for (int k = 0; k < 10; k++)
        *ints[k] = num_of(IV(m, vals, RB_WIDTH + k));
    r.kind = code_value(c, m, vals, RB_KIND);
    const char *sex = code_value(c, m, vals, RB_SEX);
    r.verification = code_value(c, m, vals, RB_VERIFICATION);
    const char *ward = code_value(c, m, vals, RB_ADULT_WARD);
    r.image_type = code_value(c, m, vals, RB_IMAGE_TYPE);
    const struct {
        int b;
        const char *v;
    } coded[] = {{RB_KIND, r.kind}, {RB_SEX, sex}, {RB_VERIFICATION, r.verification},
                 {RB_ADULT_WARD, ward}, {RB_IMAGE_TYPE, r.image_type}};
    for (size_t k = 0; k < sizeof coded / sizeof coded[0]; k++) {
        if (!coded[k].v || !coded[k].v[0]) {
            IPROBLEM(c, m, line, coded[k].b, vals, "コードに kyodo の値がありません");
            ok = false;
        }
    }
    if (!ok)
        return 0;
    r.sex = num_of(sex);
    r.adult_ward = num_of(ward);
    /* The picture: the file named, as hashed, and a picture of its kind and size. */
    const char *name = IV(m, vals, RB_IMAGE_FILE);
    if (!file_name_ok(name)) {
        IPROBLEM(c, m, line, RB_IMAGE_FILE, vals,
                 "印影ファイル名は英数字と . _ - だけの名前です（images/ の中のファイル）");
        return 0;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s%s", c->dir, IMAGES, name);
    size_t len = 0;
    unsigned char *data = read_picture(path, &len);
    if (!data) {
        IPROBLEM(c, m, line, RB_IMAGE_FILE, vals, "images/ にこのファイルがありません");
        return 0;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    char hex[65];
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    char listing[128];
    int n = snprintf(listing, sizeof listing, "%s %s\n", name, hex);
    crypto_hash_sha256_update(&x->listing, (const unsigned char *)listing, (unsigned long long)n);
    x->images++;
    struct seal_image img = {0};
    struct seal_image_limits lim = {SEAL_IMAGE_BYTES_CEILING, SEAL_IMAGE_SIDE_CEILING};
    if (strcmp(hex, r.image_sha256) != 0) {
        IPROBLEM(c, m, line, RB_IMAGE_SHA256, vals, "印影ファイルの SHA-256 と違います");
        ok = false;
    } else if (seal_image_decode(data, len, &lim, false, "image", &img, &e2) < 0) {
        IPROBLEM(c, m, line, RB_IMAGE_FILE, vals, "印影ファイルが PNG・JPEG の画像として読めません");
        ok = false;
    } else if (strcmp(seal_image_type_code(img.type), r.image_type) != 0 ||
               img.width != r.width_px || img.height != r.height_px) {
        IPROBLEM(c, m, line, RB_IMAGE_TYPE, vals,
                 "印影ファイルの形式・画素数（%s %d×%d）が原票と違います",
                 seal_image_type_code(img.type), img.width, img.height);
        ok = false;
    }
    seal_image_release(&img);
    r.image = data;
    r.image_len = len;
    int rc = 0;
    if (ok && c->writing && seals_bulk_put_registration(c->town, x->rid, &r, e) < 0) {
        if (e->code == KD_CONFLICT)
            IPROBLEM(c, m, line, RB_ID, vals, "登録を記録できません（番号の重複）");
        else
            rc = -1;
    }
    free(data);
    return rc;
}

static int import_event(struct iimport *x, int64_t line, const char *const *vals, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct imap *m = &x->m[1];
    struct seal_bulk_event ev = {0};
    ev.id = num_of(IV(m, vals, EB_ID));
    ev.registration_id = num_of(IV(m, vals, EB_REG));
    if (ev.id < 1) {
        IPROBLEM(c, m, line, EB_ID, vals, "事象番号は1以上です");
        return 0;
    }
    if (x->n_events == x->cap_events) {
        size_t cap = x->cap_events ? 2 * x->cap_events : 1024;
        int64_t *g = realloc(x->events, cap * sizeof *g);
        if (!g)
            return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        x->events = g;
        x->cap_events = cap;
    }
    x->events[x->n_events++] = ev.id;
    if (x->n_events > 1 && x->events[x->n_events - 2] >= ev.id) {
        IPROBLEM(c, m, line, EB_ID, vals, "事象番号は昇順に並べます（記録した順）");
        return 0;
    }
    const struct reg_ref *reg = find_reg(x, ev.registration_id);
    if (!reg) {
        IPROBLEM(c, m, line, EB_REG, vals, "印鑑登録原票にない登録番号です");
        return 0;
    }
    ev.kind = code_value(c, m, vals, EB_KIND);
    ev.reason = code_value(c, m, vals, EB_REASON);
    if (!ev.kind || !ev.kind[0] || !ev.reason) {
        IPROBLEM(c, m, line, ev.kind && ev.kind[0] ? EB_REASON : EB_KIND, vals,
                 "コードに kyodo の値がありません");
        return 0;
    }
    ev.date = IV(m, vals, EB_DATE);
    char at[25];
    if (!instant(c, m, line, vals, EB_SHORI_DATE, EB_SHORI_TIME, at))
        return 0;
    ev.recorded_at = at;
    ev.user_login = IV(m, vals, EB_USER);
    ev.card = IV(m, vals, EB_CARD);
    ev.fee = num_of(IV(m, vals, EB_FEE));
    ev.note = IV(m, vals, EB_NOTE);
    if (ev.card[0] && !seal_card_valid(ev.card, strlen(ev.card))) {
        IPROBLEM(c, m, line, EB_CARD, vals, "印鑑登録証番号の検査数字が正しくありません");
        return 0;
    }
    const char *rireki = IV(m, vals, EB_IDOU_RIREKI);
    if (rireki[0]) {
        int found = residents_bulk_idou_of(c->town, reg->atena, num_of(rireki), &ev.idou_id, e);
        if (found < 0)
            return -1;
        if (!found) {
            IPROBLEM(c, m, line, EB_IDOU_RIREKI, vals,
                     "登録者の住民履歴情報にこの履歴番号がありません");
            return 0;
        }
    }
    if (c->writing && seals_bulk_put_event(c->town, x->rid, &ev, e) < 0) {
        if (e->code != KD_CONFLICT)
            return -1;
        IPROBLEM(c, m, line, EB_ID, vals, "事象を記録できません（番号の重複）");
    }
    return 0;
}

static bool has_event(const struct iimport *x, int64_t id)
{
    return x->n_events && bsearch(&id, x->events, x->n_events, sizeof *x->events, cmp_id);
}

static int import_card(struct iimport *x, int64_t line, const char *const *vals, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct imap *m = &x->m[2];
    struct seal_bulk_card cd = {0};
    cd.number = IV(m, vals, CB_NUMBER);
    cd.registration_id = num_of(IV(m, vals, CB_REG));
    cd.issued_on = IV(m, vals, CB_ISSUED_ON);
    cd.event_id = num_of(IV(m, vals, CB_EVENT));
    if (!seal_card_valid(cd.number, strlen(cd.number))) {
        IPROBLEM(c, m, line, CB_NUMBER, vals, "印鑑登録証番号の検査数字が正しくありません");
        return 0;
    }
    char serial[8];
    snprintf(serial, sizeof serial, "%.7s", cd.number);
    cd.serial = num_of(serial);
    if (!find_reg(x, cd.registration_id)) {
        IPROBLEM(c, m, line, CB_REG, vals, "印鑑登録原票にない登録番号です");
        return 0;
    }
    if (!has_event(x, cd.event_id)) {
        IPROBLEM(c, m, line, CB_EVENT, vals, "印鑑登録事象にない事象番号です");
        return 0;
    }
    if (c->writing && seals_bulk_put_card(c->town, &cd, e) < 0) {
        if (e->code != KD_CONFLICT)
            return -1;
        IPROBLEM(c, m, line, CB_NUMBER, vals, "証を記録できません（番号の重複）");
    }
    return 0;
}

static int import_cert(struct iimport *x, int64_t line, const char *const *vals, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct imap *m = &x->m[3];
    struct seal_bulk_cert t = {0};
    t.id = num_of(IV(m, vals, TB_ID));
    t.issue_date = IV(m, vals, TB_ISSUE_DATE);
    char at[25];
    if (!instant(c, m, line, vals, TB_SHORI_DATE, TB_SHORI_TIME, at))
        return 0;
    t.issued_at = at;
    t.user_login = IV(m, vals, TB_USER);
    t.registration_id = num_of(IV(m, vals, TB_REG));
    t.atena = IV(m, vals, TB_ATENA);
    t.card = IV(m, vals, TB_CARD);
    t.fee = num_of(IV(m, vals, TB_FEE));
    t.requester_name = IV(m, vals, TB_REQUESTER);
    const struct reg_ref *reg = find_reg(x, t.registration_id);
    if (!reg) {
        IPROBLEM(c, m, line, TB_REG, vals, "印鑑登録原票にない登録番号です");
        return 0;
    }
    if (strcmp(reg->atena, t.atena) != 0) {
        IPROBLEM(c, m, line, TB_ATENA, vals, "登録番号の原票の宛名番号と違います");
        return 0;
    }
    if (c->writing && seals_bulk_put_certificate(c->town, x->rid, &t, e) < 0) {
        if (e->code != KD_CONFLICT)
            return -1;
        IPROBLEM(c, m, line, TB_ID, vals, "証明書を記録できません（番号の重複）");
    }
    return 0;
}

static int import_file(struct iimport *x, int k, struct kd_err *e)
{
    struct mig_ctx *c = x->c;
    const struct mig_file *f = x->m[k].f;
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
        if ((rows & 255) == 0 && mig_progress(c, f->path, rows, false, e) < 0) {
            rc = -1;
            break;
        }
        if (bad)
            continue;
        int done = k == 0 ? import_reg(x, line, vals, &a, e)
                   : k == 1 ? import_event(x, line, vals, e)
                   : k == 2 ? import_card(x, line, vals, e)
                            : import_cert(x, line, vals, e);
        arena_release(&a);
        arena_init(&a, NULL, 0, (size_t)1 << 20);
        if (done < 0) {
            rc = -1;
            break;
        }
    }
    arena_release(&a);
    if (rc != 0) {
        mig_reader_close(r);
        return -1;
    }
    return mig_close_reader(c, f, r, rows, e);
}

static int inkan_import(struct mig_ctx *c, struct kd_err *e)
{
    struct iimport *x = calloc(1, sizeof *x);
    if (!x)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    x->c = c;
    x->rid = c->o->request_id ? c->o->request_id : "migration";
    int rc = -1;
    if (imap_make(c, "INKAN01", rb_names, RB_COUNT, &x->m[0], e) < 0 ||
        imap_make(c, "INKAN02", eb_names, EB_COUNT, &x->m[1], e) < 0 ||
        imap_make(c, "INKAN03", cb_names, CB_COUNT, &x->m[2], e) < 0 ||
        imap_make(c, "INKAN04", tb_names, TB_COUNT, &x->m[3], e) < 0)
        goto out;
    crypto_hash_sha256_init(&x->listing);
    for (int k = 0; k < 4; k++) {
        if (import_file(x, k, e) < 0)
            goto out;
        if (k == 1 && x->n_events > 1)
            qsort(x->events, x->n_events, sizeof *x->events, cmp_id);
    }
    char hex[65];
    hex_of(&x->listing, hex);
    if (mig_ctx_file(c, "IMAGES", IMAGES, x->images, hex, e) < 0)
        goto out;
    if (c->writing && seals_bulk_derive_current(c->town, e) < 0) {
        if (e->code != KD_CONFLICT)
            goto out;
        mig_problem(c, x->m[1].f->path, 0, "", "", "%s", e->message);
    }
    rc = 0;
out:
    free(x->regs);
    free(x->events);
    free(x);
    return rc;
}

static int inkan_has_data(struct store *town, bool *has, struct kd_err *e)
{
    return seals_bulk_any(town, has, e);
}

const struct mig_module mig_inkan = {"inkan", IMAGES, inkan_has_data, inkan_export,
                                     inkan_import};
