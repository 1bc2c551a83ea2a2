/*
 * seal_synth.c — synthetic seal registrations for demonstrations
 * (seal_synth.h).
 */
#include "seals/seal_synth.h"

#include "base/clock.h"
#include "base/date.h"
#include "report/report.h"
#include "residents/residents.h"
#include "seals/internal.h"

#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 200 dpi, the least the default settings accept: enough for a printed
 * 印影, and light enough to draw ten thousand a town quickly. */
#define DPI 200
#define BATCH 512
#define CACHE 4096 /* distinct drawings kept (surname, size, typeface) */
#define INK_RGB 0xC8102Eu /* 朱肉 (vermilion) */

/* ---- randomness: splitmix64, one stream per person -------------------------------- */

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(uint64_t *s, int n)
{
    return n > 0 ? (int)(mix(s) % (uint64_t)n) : 0;
}

static uint64_t person_seed(uint64_t seed, const char *atena)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (const char *p = atena; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* ---- drawing (on the renderer's thread) ----------------------------------------------- */

struct job {
    char atena[16];
    char text[64];  /* the characters of the impression */
    double mm;      /* outer diameter */
    bool mincho;    /* typeface: Mincho or Gothic */
    uint64_t rng;
    char day[DATE_ISO_LEN];
    /* what the person's record says, for what follows the registration */
    bool removed;
    char removal[40], removal_date[DATE_ISO_LEN];
    int64_t removal_idou;
    /* the drawing */
    unsigned char *png;
    size_t png_len;
    struct seal_measure m;
    bool drawn; /* false: the drawing broke a rule (skipped) */
};

/* A drawing before the ink's unevenness: one per surname, size and
 * typeface, reused for everyone who shares them. */
struct drawing {
    char key[80];
    int size, stride;
    unsigned char *alpha;
    /* The drawing measured as a registration measures an upload (its PNG
     * decoded, the impression found and held to the size rule), once:
     * the unevenness of each copy only takes ink away. ok false: refused. */
    struct seal_measure m;
    bool ok;
};

#define TILE 256 /* the unevenness pattern, shifted for each person */

struct batch {
    struct job *jobs;
    int n;
    struct kd_err err;
    const struct seal_settings *s;
    struct drawing *cache; /* CACHE slots, open addressing */
    unsigned char *work;   /* one drawing's copy */
    size_t work_cap;
    unsigned char tile[TILE * TILE]; /* ink kept, in 1/255 */
    bool tile_ready;
};

/* The code points of s (at most max), as byte offsets: starts[i], starts[n]. */
static int split_chars(const char *s, int *starts, int max)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len = strlen(s);
    while (i < len && n < max) {
        starts[n++] = (int)i;
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        i += k;
        /* keep a variation selector (U+FE00–FE0F, U+E0100–E01EF) with its base */
        while (i + 2 < len && p[i] == 0xEF && p[i + 1] == 0xB8 && p[i + 2] >= 0x80 &&
               p[i + 2] <= 0x8F)
            i += 3;
        while (i + 3 < len && p[i] == 0xF3 && p[i + 1] == 0xA0 &&
               (p[i + 2] == 0x84 || p[i + 2] == 0x85 || p[i + 2] == 0x86 || p[i + 2] == 0x87))
            i += 4;
    }
    starts[n] = (int)(i < len ? i : len);
    return n;
}

static const double SIZES[] = {10.5, 12.0, 13.5, 15.0, 16.5, 18.0};

/* Draws the seal of text, mm across, in a typeface, as coverage (A8). */
static int render_base(struct drawing *d, const char *text, double mm, bool mincho,
                       struct kd_err *err)
{
    double px_mm = DPI / 25.4;
    int size = (int)((mm + 3) * px_mm + 0.999); /* 1.5 mm of paper around */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, size, size);
    cairo_t *cr = cairo_create(s);
    double c = size / 2.0, r = mm * px_mm / 2, lw = r * 0.11;
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_set_line_width(cr, lw);
    cairo_arc(cr, c, c, r - lw / 2, 0, 2 * M_PI);
    cairo_stroke(cr);

    int starts[8];
    int n = split_chars(text, starts, 6);
    int cols = n <= 3 ? 1 : 2, per = (n + cols - 1) / cols;
    double inner = 2 * (r - lw) * 0.86;
    double cell = n == 1 ? inner * 0.66 : inner / (per + 0.15);
    if (cols == 2 && cell > inner * 0.47)
        cell = inner * 0.47;
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, mincho ? "IPAexMincho" : "IPAexGothic");
    pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_font_description_set_absolute_size(fd, cell * 0.95 * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    for (int i = 0; i < n; i++) {
        int col = i / per, row = i % per, in_col = col == cols - 1 ? n - col * per : per;
        /* Columns from the right, as vertical writing reads. */
        double x = cols == 1 ? c : c + (col == 0 ? cell * 0.52 : -cell * 0.52);
        double y = c + (row - (in_col - 1) / 2.0) * cell;
        pango_layout_set_text(l, text + starts[i], starts[i + 1] - starts[i]);
        PangoRectangle ink, logical;
        pango_layout_get_pixel_extents(l, &ink, &logical);
        cairo_move_to(cr, x - ink.x - ink.width / 2.0, y - ink.y - ink.height / 2.0);
        pango_cairo_show_layout(cr, l);
    }
    g_object_unref(l);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    int rc = 0;
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        rc = kd_fail(err, KD_INTERNAL, NULL, "cairo cannot draw a seal");
    } else {
        d->size = size;
        d->stride = cairo_image_surface_get_stride(s);
        d->alpha = malloc((size_t)d->stride * (size_t)size);
        if (!d->alpha)
            rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory drawing a seal");
        else
            memcpy(d->alpha, cairo_image_surface_get_data(s), (size_t)d->stride * (size_t)size);
    }
    cairo_surface_destroy(s);
    return rc;
}

/* Measures a drawing as registration measures an upload. */
static int measure_base(const struct seal_settings *set, struct drawing *d, struct kd_err *err)
{
    unsigned char *png = NULL;
    size_t len = 0;
    if (seal_image_write_png(d->alpha, d->size, d->size, d->stride, INK_RGB,
                             seal_ppm_from_dpi(DPI), &png, &len, err) < 0)
        return -1;
    struct kd_err refused;
    d->ok = seal_measure_image(set, png, len, 0, &d->m, &refused) == 0;
    free(png);
    return 0;
}

static const struct drawing *drawing_of(struct batch *b, const struct job *j, struct kd_err *err)
{
    char key[80];
    snprintf(key, sizeof key, "%s|%.1f|%d", j->text, j->mm, j->mincho);
    uint64_t h = person_seed(0, key);
    for (int probe = 0; probe < CACHE; probe++) {
        struct drawing *d = &b->cache[(h + (uint64_t)probe) % CACHE];
        if (d->alpha && strcmp(d->key, key) == 0)
            return d;
        if (!d->alpha) {
            snprintf(d->key, sizeof d->key, "%s", key);
            return render_base(d, j->text, j->mm, j->mincho, err) < 0 ||
                           measure_base(b->s, d, err) < 0
                       ? NULL
                       : d;
        }
    }
    /* Full (more distinct surnames than slots): draw into a spare slot. */
    struct drawing *d = &b->cache[h % CACHE];
    free(d->alpha);
    d->alpha = NULL;
    snprintf(d->key, sizeof d->key, "%s", key);
    return render_base(d, j->text, j->mm, j->mincho, err) < 0 || measure_base(b->s, d, err) < 0
               ? NULL
               : d;
}

static int draw_one(struct batch *b, struct job *j, struct kd_err *err)
{
    const struct drawing *d = drawing_of(b, j, err);
    if (!d)
        return -1;
    size_t n = (size_t)d->stride * (size_t)d->size;
    if (n > b->work_cap) {
        unsigned char *w = realloc(b->work, n);
        if (!w)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory drawing a seal");
        b->work = w;
        b->work_cap = n;
    }
    j->drawn = d->ok;
    if (!d->ok)
        return 0;
    j->m = d->m;
    /* Uneven ink, as the paper takes it: a pattern of specks where it did
     * not, shifted for each person, so that no two impressions are alike. */
    if (!b->tile_ready) {
        uint64_t t = 0x5eed;
        for (int i = 0; i < TILE * TILE; i++)
            b->tile[i] = (unsigned char)(below(&t, 100) < 8 ? below(&t, 180) : 255);
        b->tile_ready = true;
    }
    int dx = below(&j->rng, TILE), dy = below(&j->rng, TILE);
    for (int y = 0; y < d->size; y++) {
        const unsigned char *in = d->alpha + (size_t)y * (size_t)d->stride;
        unsigned char *out = b->work + (size_t)y * (size_t)d->stride;
        const unsigned char *t = b->tile + (size_t)((y + dy) % TILE) * TILE;
        for (int x = 0; x < d->size; x++)
            out[x] = (unsigned char)(in[x] * t[(x + dx) % TILE] / 255);
    }
    return seal_image_write_png(b->work, d->size, d->size, d->stride, INK_RGB,
                                seal_ppm_from_dpi(DPI), &j->png, &j->png_len, err);
}

static int draw_batch(void *ctx)
{
    struct batch *b = ctx;
    for (int i = 0; i < b->n; i++)
        if (draw_one(b, &b->jobs[i], &b->err) < 0)
            return -1;
    return 0;
}

/* ---- choosing who, when ------------------------------------------------------------------ */

static int date_days(const char *iso, int64_t *days)
{
    struct date d;
    struct kd_err e;
    if (date_parse_iso(iso, strlen(iso), "date", &d, &e) < 0)
        return -1;
    *days = date_to_days(d);
    return 0;
}

static void days_iso(int64_t days, char out[DATE_ISO_LEN])
{
    struct date d;
    struct kd_err e;
    if (date_from_days(days, &d, &e) == 0)
        date_format_iso(d, out);
    else
        out[0] = '\0';
}

/* The surname: what comes before the first space; the katakana reading's
 * first part for a name in Latin letters. */
static void surname(const struct record *r, char *out, size_t cap)
{
    const char *src = (unsigned char)r->shimei[0] < 0x80 && r->shimei_kana[0] ? r->shimei_kana
                                                                               : r->shimei;
    const char *sp = strchr(src, ' ');
    const char *wide = strstr(src, "\u3000");
    const char *end = sp && (!wide || sp < wide) ? sp : wide ? wide : src + strlen(src);
    size_t n = (size_t)(end - src);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, src, n);
    out[n] = '\0';
}

struct gen {
    struct store *town;
    const struct seal_synth_options *o;
    struct seal_settings s;
    struct seal_synth_stats *st;
    int64_t today, oldest;
    struct batch b;
    struct arena a; /* per page of candidates */
    int seen;
    char next_after[16]; /* the last 宛名番号 seen */
    char after[16];      /* where the page being read starts */
};

static int consider(struct gen *g, const struct search_hit *h, struct kd_err *err)
{
    snprintf(g->next_after, sizeof g->next_after, "%s", h->atena);
    g->seen++;
    uint64_t rng = person_seed(g->o->seed, h->atena);
    int64_t birth;
    if (!h->birth[0] || date_days(h->birth, &birth) < 0)
        return 0;
    bool removed = strcmp(h->status, "removed") == 0;
    int64_t last = g->today, removal = 0;
    if (removed) {
        if (date_days(h->removal_date, &removal) < 0)
            return 0;
        last = removal - 1;
    }
    struct date bd, reach;
    struct kd_err e;
    date_from_days(birth, &bd, &e);
    if (date_reaches_age(bd, (int)g->s.min_age, &reach, &e) < 0)
        return 0;
    int64_t from = date_to_days(reach);
    if (from > last)
        return 0;
    /* Fewer young people register (a seal is needed for a car, a house,
     * a loan …). */
    int age = (int)((g->today - birth) / 365);
    int percent = age < 20 ? g->o->percent / 5 : g->o->percent;
    if (below(&rng, 100) >= percent)
        return 0;
    struct record r;
    if (residents_person_as_of(g->town, h->atena, "9999-12-31", 0, &r, &g->a, err) < 0)
        return err->code == KD_NOT_FOUND ? 0 : -1;
    int64_t since;
    if (r.became_resident[0] && date_days(r.became_resident, &since) == 0 && since > from)
        from = since;
    if (from < g->oldest)
        from = g->oldest;
    if (from > last)
        return 0;
    struct job *j = &g->b.jobs[g->b.n];
    memset(j, 0, sizeof *j);
    snprintf(j->atena, sizeof j->atena, "%s", h->atena);
    surname(&r, j->text, sizeof j->text);
    /* 認印 are mostly 10.5–13.5 mm, 実印 13.5–18 mm. */
    static const int weights[] = {1, 2, 3, 2, 1, 1};
    int pick = below(&rng, 10), k = 0;
    while (pick >= weights[k])
        pick -= weights[k++];
    j->mm = SIZES[k];
    j->mincho = below(&rng, 3) != 0;
    days_iso(from + below(&rng, (int)(last - from + 1)), j->day);
    j->rng = rng;
    j->removed = removed;
    if (removed) {
        snprintf(j->removal, sizeof j->removal, "%s", r.removal);
        snprintf(j->removal_date, sizeof j->removal_date, "%s", r.removal_date);
        j->removal_idou = r.idou_id;
    }
    g->b.n++;
    return 0;
}

static int collect(void *ctx, const struct search_hit *h)
{
    struct gen *g = ctx;
    return consider(g, h, &g->b.err);
}

/* ---- registering the batch ----------------------------------------------------------------- */

static struct seal_actor on_day(const char *day, char buf[DATE_ISO_LEN])
{
    snprintf(buf, DATE_ISO_LEN, "%s", day);
    int64_t days = 0;
    date_days(day, &days);
    /* 10:00 in Japan on that day, as the time of recording. */
    struct seal_actor who = {"demo", "demo", (days * 86400 + 3600) * 1000, buf};
    return who;
}

static int later_day(uint64_t *rng, const char *from, int64_t until, int max_days,
                     char out[DATE_ISO_LEN])
{
    int64_t f;
    if (date_days(from, &f) < 0 || f >= until)
        return -1;
    int64_t span = until - f < max_days ? until - f : max_days;
    days_iso(f + 1 + below(rng, (int)span), out);
    return 0;
}

static int register_batch(struct gen *g, struct kd_err *err)
{
    if (g->b.n == 0)
        return 0;
    if (report_call(draw_batch, &g->b, err) < 0) {
        if (g->b.err.code != KD_OK)
            *err = g->b.err;
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < g->b.n && rc == 0; i++) {
        struct job *j = &g->b.jobs[i];
        char day[DATE_ISO_LEN];
        struct seal_actor who = on_day(j->day, day);
        struct seal_application app = {.atena = j->atena, .image = j->png,
                                       .image_len = j->png_len,
                                       .verification = below(&j->rng, 10) < 8
                                                           ? SEAL_VERIFY_PHOTO_ID
                                                           : SEAL_VERIFY_GUARANTOR,
                                       .note = ""};
        struct seal_registered reg;
        struct kd_err e;
        if (!j->drawn)
            continue;
        if (seals_register(g->town, &g->s, &app, &j->m, &who, &reg, &g->a, &e) < 0) {
            /* Not a resident on that day (moved out and back in …): the
             * rules said no, as they would at the counter. */
            if (e.code == KD_CONFLICT || e.code == KD_NOT_FOUND)
                continue;
            *err = e;
            rc = -1;
            break;
        }
        g->st->registered++;
        char d2[DATE_ISO_LEN], d3[DATE_ISO_LEN], buf[DATE_ISO_LEN];
        int64_t until = g->today;
        if (j->removed) {
            int64_t removal;
            if (date_days(j->removal_date, &removal) == 0)
                until = removal;
        }
        int roll = below(&j->rng, 100);
        if (roll < 4 && later_day(&j->rng, j->day, until, 3000, d2) == 0 &&
            later_day(&j->rng, d2, until + 1, 20, d3) == 0) {
            /* The card lost, a new one issued some days later. */
            who = on_day(d3, buf);
            char card[SEAL_CARD_LEN];
            rc = seal_card_loss(g->town, &g->s, reg.id, d2, "", &who, err);
            if (rc == 0)
                rc = seal_card_reissue(g->town, &g->s, reg.id, "", &who, card, err);
            g->st->reissued += rc == 0;
        } else if (roll < 6 && !j->removed &&
                   later_day(&j->rng, j->day, until, 3000, d2) == 0) {
            who = on_day(d2, buf);
            rc = seal_abolish(g->town, reg.id, SEAL_REASON_SHINSEI, "", &who, err);
            g->st->abolished += rc == 0;
            continue;
        }
        if (rc == 0 && j->removed) {
            /* As the 異動 that removed the person did. */
            enum seal_reason why = strcmp(j->removal, "shibou") == 0 ? SEAL_REASON_SHIBOU
                                   : strstr(j->removal, "tenshutsu") ? SEAL_REASON_TENSHUTSU
                                                                      : SEAL_REASON_SHOJO;
            struct seal_actor sys = on_day(j->removal_date, buf);
            sys.user_login = "";
            sys.request_id = "";
            rc = seal_do_abolish(g->town, reg.id, why, j->removal_date, j->removal_idou, "",
                                 &sys, err);
            g->st->abolished += rc == 0;
        }
    }
    for (int i = 0; i < g->b.n; i++)
        free(g->b.jobs[i].png);
    g->b.n = 0;
    return rc;
}

int seals_synthesize(struct store *town, const struct seal_synth_options *o,
                     struct seal_synth_stats *st, struct kd_err *err)
{
    memset(st, 0, sizeof *st);
    struct gen g = {.town = town, .o = o, .st = st};
    struct seal_synth_options opts = *o;
    if (opts.percent <= 0 || opts.percent > 100)
        opts.percent = 15;
    g.o = &opts;
    struct store_stmt *q = store_prepare(town, "SELECT count(*) FROM seal_registrations", err);
    if (!q)
        return -1;
    enum store_step rc = store_step(q, err);
    int64_t existing = rc == STORE_ROW ? store_col_i64(q, 0) : -1;
    store_reset(q);
    if (existing < 0)
        return -1;
    if (existing > 0)
        return kd_fail(err, KD_CONFLICT, NULL, "the town already has seal registrations");
    if (date_days(o->today, &g.today) < 0)
        return kd_fail(err, KD_INVALID_VALUE, "today", "today is not a date");
    /* Nobody registers before the register's history begins. */
    if (!o->start || date_days(o->start, &g.oldest) < 0)
        g.oldest = g.today - 30 * 365;
    g.b.jobs = calloc(BATCH, sizeof *g.b.jobs);
    g.b.cache = calloc(CACHE, sizeof *g.b.cache);
    if (!g.b.jobs || !g.b.cache) {
        free(g.b.jobs);
        free(g.b.cache);
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    char sbuf[512];
    struct arena sa;
    arena_init(&sa, sbuf, sizeof sbuf, 1 << 20);
    int r = seal_settings_load(town, &g.s, &sa, err);
    g.b.s = &g.s;
    if (r == 0)
        r = store_begin_write(town, err);
    bool open = r == 0;
    while (r == 0) {
        arena_init(&g.a, NULL, 0, (size_t)256 << 20);
        struct search_query sq = {.status = "all", .today = o->today, .limit = BATCH,
                                  .after_atena = g.after[0] ? g.after : NULL};
        int before = g.seen;
        g.b.err.code = KD_OK;
        int n = residents_search(town, &sq, collect, &g, &g.a, err);
        if (n < 0 && g.b.err.code != KD_OK)
            *err = g.b.err;
        if (n < 0 || register_batch(&g, err) < 0)
            r = -1;
        arena_release(&g.a);
        if (r == 0 && g.seen == before)
            break;
        memcpy(g.after, g.next_after, sizeof g.after);
    }
    if (r == 0) {
        q = store_prepare(town, "SELECT count(*) FROM seal_current", err);
        if (!q || store_step(q, err) != STORE_ROW)
            r = -1;
        else
            st->active = (int)store_col_i64(q, 0);
        if (q)
            store_reset(q);
    }
    if (r == 0)
        r = store_commit(town, err);
    else if (open)
        store_rollback(town);
    for (int i = 0; i < g.b.n; i++)
        free(g.b.jobs[i].png);
    free(g.b.jobs);
    for (int i = 0; i < CACHE; i++)
        free(g.b.cache[i].alpha);
    free(g.b.cache);
    free(g.b.work);
    arena_release(&sa);
    return r;
}
