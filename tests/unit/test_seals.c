/*
 * test_seals.c — src/seals: the picture checks (real PNG and JPEG files made
 * here with libpng and libjpeg, and broken ones: truncated, trailing bytes,
 * animated, CMYK, other formats, too large), the impression's box and size
 * against the 8 mm / 25 mm rule, card numbers, and on a town database:
 * eligibility (age 15 on the day it is reached, residents only, 1人1個, the
 * same picture twice, 成年被後見人), the card's 亡失 and 再交付, 廃止, the
 * automatic 廃止 on 転出 and 死亡 inside the 異動 and its 回復 when the 異動
 * is cancelled, nothing half-written, and the certificate page rendered with
 * the impression embedded.
 */
#include "testutil.h"

#include "app.h"
#include "base/clock.h"
#include "base/date.h"
#include "engine/settings.h"
#include "residents/residents.h"
#include "residents/synth.h"
#include "seals/seal_cert.h"
#include "seals/seal_synth.h"
#include "seals/seals.h"

#include <jpeglib.h>
#include <png.h>

/* ---- making pictures ------------------------------------------------------------ */

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void png_w(png_structp p, png_bytep d, size_t n)
{
    buf_add(png_get_io_ptr(p), d, n);
}

static void png_f(png_structp p)
{
    (void)p;
}

/* w × h RGBA pixels as a PNG with pHYs (ppm 0: none). */
static struct buf make_png(const unsigned char *rgba, int w, int h, int64_t ppm)
{
    struct buf b = {0};
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    assert_int_equal(setjmp(png_jmpbuf(p)), 0);
    png_set_write_fn(p, &b, png_w, png_f);
    png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGBA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ppm)
        png_set_pHYs(p, info, (png_uint_32)ppm, (png_uint_32)ppm, PNG_RESOLUTION_METER);
    png_write_info(p, info);
    for (int y = 0; y < h; y++)
        png_write_row(p, rgba + (size_t)y * (size_t)w * 4);
    png_write_end(p, NULL);
    png_destroy_write_struct(&p, &info);
    return b;
}

/* w × h RGBA pixels as a JPEG (alpha dropped) at dpi (0: no density), or
 * as CMYK, grey, or progressive. */
enum jpeg_kind { J_RGB, J_CMYK, J_GREY, J_PROGRESSIVE };

static struct buf make_jpeg_as(const unsigned char *rgba, int w, int h, int dpi,
                               enum jpeg_kind kind);

static struct buf make_jpeg(const unsigned char *rgba, int w, int h, int dpi, bool cmyk)
{
    return make_jpeg_as(rgba, w, h, dpi, cmyk ? J_CMYK : J_RGB);
}

static struct buf make_jpeg_as(const unsigned char *rgba, int w, int h, int dpi,
                               enum jpeg_kind kind)
{
    bool cmyk = kind == J_CMYK, grey = kind == J_GREY;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&c, &out, &len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = cmyk ? 4 : grey ? 1 : 3;
    c.in_color_space = cmyk ? JCS_CMYK : grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 92, TRUE);
    if (kind == J_PROGRESSIVE)
        jpeg_simple_progression(&c);
    if (dpi) {
        c.write_JFIF_header = TRUE;
        c.density_unit = 1;
        c.X_density = c.Y_density = (UINT16)dpi;
    }
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc((size_t)w * 4);
    for (int y = 0; y < h; y++) {
        const unsigned char *in = rgba + (size_t)y * (size_t)w * 4;
        for (int x = 0; x < w; x++) {
            if (cmyk) {
                for (int k = 0; k < 3; k++)
                    row[x * 4 + k] = (unsigned char)(255 - in[x * 4 + k]);
                row[x * 4 + 3] = 0;
            } else if (grey) {
                row[x] = (unsigned char)((in[x * 4] * 30 + in[x * 4 + 1] * 59 + in[x * 4 + 2] * 11) / 100);
            } else {
                memcpy(row + x * 3, in + x * 4, 3);
            }
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    struct buf b = {0};
    buf_add(&b, out, len);
    free(out);
    return b;
}

/* White w × h with a red square of side n at (x, y); a ring-like look does
 * not matter to the measurement. */
static unsigned char *square(int w, int h, int x0, int y0, int n)
{
    unsigned char *px = malloc((size_t)w * (size_t)h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 4;
            bool in = x >= x0 && x < x0 + n && y >= y0 && y < y0 + n;
            p[0] = in ? 200 : 255;
            p[1] = in ? 30 : 255;
            p[2] = in ? 40 : 255;
            p[3] = 255;
        }
    return px;
}

/* PNG's chunk CRC (ISO 3309). */
static uint32_t crc32_png(const unsigned char *d, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static const struct seal_image_limits LIMITS = {512 * 1024, 2400};

static int decode(const struct buf *b, struct seal_image *img, struct kd_err *err)
{
    return seal_image_decode(b->p, b->len, &LIMITS, true, "image", img, err);
}

static void refused(const void *data, size_t len, const char *why)
{
    struct seal_image img;
    struct kd_err err;
    assert_int_equal(seal_image_decode(data, len, &LIMITS, true, "image", &img, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "image");
    if (!strstr(err.message, why))
        fail_msg("expected \"%s\" in: %s", why, err.message);
    assert_null(img.rgba);
}

/* ---- pictures ---------------------------------------------------------------------- */

static void png_and_jpeg_decode(void **state)
{
    (void)state;
    unsigned char *px = square(200, 160, 30, 20, 100);
    struct kd_err err;
    struct seal_image img;

    struct buf p = make_png(px, 200, 160, 11811);
    assert_int_equal(decode(&p, &img, &err), 0);
    assert_int_equal(img.type, SEAL_IMAGE_PNG);
    assert_int_equal(img.width, 200);
    assert_int_equal(img.height, 160);
    assert_int_equal(img.ppm_x, 11811);
    assert_memory_equal(img.rgba, px, 200 * 160 * 4); /* lossless */
    struct seal_box box;
    assert_true(seal_image_ink_box(&img, &box));
    assert_int_equal(box.x, 30);
    assert_int_equal(box.y, 20);
    assert_int_equal(box.w, 100);
    assert_int_equal(box.h, 100);
    seal_image_release(&img);

    /* Checking only: decoded all the same, nothing kept. */
    assert_int_equal(seal_image_decode(p.p, p.len, &LIMITS, false, "image", &img, &err), 0);
    assert_null(img.rgba);

    struct buf j = make_jpeg(px, 200, 160, 300, false);
    assert_int_equal(decode(&j, &img, &err), 0);
    assert_int_equal(img.type, SEAL_IMAGE_JPEG);
    assert_int_equal(img.ppm_x, seal_ppm_from_dpi(300));
    assert_true(seal_image_ink_box(&img, &box));
    /* JPEG blurs the edge a little. */
    assert_in_range(box.x, 28, 32);
    assert_in_range(box.w, 98, 103);
    seal_image_release(&img);

    /* Grey and progressive JPEGs decode to RGBA too. */
    for (enum jpeg_kind kind = J_GREY; kind <= J_PROGRESSIVE; kind++) {
        struct buf g = make_jpeg_as(px, 200, 160, 300, kind);
        assert_int_equal(decode(&g, &img, &err), 0);
        assert_int_equal(img.width, 200);
        assert_true(seal_image_ink_box(&img, &box));
        assert_in_range(box.w, 98, 103);
        if (kind == J_GREY)
            assert_int_equal(img.rgba[0], img.rgba[2]); /* grey: R = B */
        seal_image_release(&img);
        free(g.p);
    }

    /* No density: resolution unknown. */
    struct buf j0 = make_jpeg(px, 200, 160, 0, false);
    assert_int_equal(decode(&j0, &img, &err), 0);
    assert_int_equal(img.ppm_x, 0);
    seal_image_release(&img);
    free(p.p);
    free(j.p);
    free(j0.p);
    free(px);
}

static void broken_and_other_files(void **state)
{
    (void)state;
    unsigned char *px = square(120, 120, 10, 10, 100);
    struct buf p = make_png(px, 120, 120, 11811);
    struct buf j = make_jpeg(px, 120, 120, 300, false);

    /* Truncated anywhere after the signature. */
    refused(p.p, p.len - 20, "PNG cannot be decoded");
    refused(p.p, p.len / 2, "PNG cannot be decoded");
    refused(p.p, 40, "PNG cannot be decoded");
    refused(j.p, j.len - 30, "JPEG");
    refused(j.p, j.len / 2, "JPEG");
    /* Something after the end: a picture that is something else as well. */
    struct buf p2 = {0};
    buf_add(&p2, p.p, p.len);
    buf_add(&p2, "PK\3\4zip", 7);
    refused(p2.p, p2.len, "after its end (IEND)");
    struct buf j2 = {0};
    buf_add(&j2, j.p, j.len);
    buf_add(&j2, "<?php", 5);
    refused(j2.p, j2.len, "after its end (EOI)");
    /* A flipped byte in the image data (CRC). */
    struct buf p3 = {0};
    buf_add(&p3, p.p, p.len);
    p3.p[p3.len - 20] ^= 0x55;
    refused(p3.p, p3.len, "PNG cannot be decoded");

    /* Animated PNG: an acTL chunk before IDAT (with its CRC). */
    struct buf a = {0};
    buf_add(&a, p.p, 33); /* signature + IHDR */
    unsigned char actl[] = {0, 0, 0, 8, 'a', 'c', 'T', 'L', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    uint32_t crc = crc32_png(actl + 4, 12);
    actl[16] = (unsigned char)(crc >> 24);
    actl[17] = (unsigned char)(crc >> 16);
    actl[18] = (unsigned char)(crc >> 8);
    actl[19] = (unsigned char)crc;
    buf_add(&a, actl, sizeof actl);
    buf_add(&a, p.p + 33, p.len - 33);
    refused(a.p, a.len, "animated");

    /* CMYK JPEG. */
    struct buf c = make_jpeg(px, 120, 120, 300, true);
    refused(c.p, c.len, "CMYK");

    /* Other formats, named; and things that are no picture. */
    refused("GIF89a\1\0\1\0\0\0\0;", 13, "GIF");
    refused("RIFF\0\0\0\0WEBPVP8 ", 16, "WebP");
    refused("BM\0\0\0\0\0\0\0\0", 10, "BMP");
    refused("II*\0\10\0\0\0", 8, "TIFF");
    refused("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 41, "SVG");
    refused("hello, world", 12, "not a PNG or JPEG");
    refused("\x89PNG\r\n\x1a\n", 8, "PNG cannot be decoded");
    refused("\xff\xd8\xff", 3, "JPEG");
    refused("", 0, "empty");

    /* Too large in bytes, and in pixels (said by the header, refused before
     * the pixels are allocated). */
    struct seal_image img;
    struct kd_err err;
    struct seal_image_limits small = {p.len - 1, 2400};
    assert_int_equal(seal_image_decode(p.p, p.len, &small, true, "image", &img, &err), -1);
    assert_string_equal(err.field, "image");
    assert_non_null(strstr(err.message, "bytes; at most"));
    struct seal_image_limits narrow = {512 * 1024, 100};
    assert_int_equal(seal_image_decode(p.p, p.len, &narrow, true, "image", &img, &err), -1);
    assert_non_null(strstr(err.message, "at most 100x100"));
    assert_int_equal(seal_image_decode(j.p, j.len, &narrow, true, "image", &img, &err), -1);
    assert_non_null(strstr(err.message, "at most 100x100"));
    free(p.p);
    free(p2.p);
    free(p3.p);
    free(j.p);
    free(j2.p);
    free(a.p);
    free(c.p);
    free(px);
}

static void ink_box_ignores_specks(void **state)
{
    (void)state;
    unsigned char *px = square(300, 300, 100, 100, 50);
    /* A speck of dust far away, and a transparent area. */
    unsigned char *dust = px + ((size_t)5 * 300 + 5) * 4;
    dust[0] = dust[1] = dust[2] = 0;
    struct seal_image img = {SEAL_IMAGE_PNG, 300, 300, 0, 0, px};
    struct seal_box b;
    assert_true(seal_image_ink_box(&img, &b));
    assert_int_equal(b.x, 100);
    assert_int_equal(b.w, 50);
    /* All white: no impression. */
    unsigned char *white = square(50, 50, 0, 0, 0);
    struct seal_image blank = {SEAL_IMAGE_PNG, 50, 50, 0, 0, white};
    assert_false(seal_image_ink_box(&blank, &b));
    free(px);
    free(white);
}

static struct seal_settings defaults(void)
{
    struct seal_settings s = {.min_age = 15, .min_mm = 8, .max_mm = 25,
                              .image_max_bytes = 512 * 1024, .image_max_side = 2400,
                              .min_dpi = 200, .fee_registration = 300, .fee_card = 300,
                              .fee_certificate = 300, .show_sex = true, .wording = "w",
                              .mayor = ""};
    return s;
}

/* A square impression of n pixels at 254 dpi (exactly 0.1 mm a pixel). */
static int measure_square(int n, int64_t dpi, bool file_dpi, struct seal_measure *m,
                          struct kd_err *err)
{
    int side = n + 40;
    unsigned char *px = square(side, side, 20, 20, n);
    struct buf p = make_png(px, side, side, file_dpi ? 10000 : 0);
    struct seal_settings s = defaults();
    int rc = seal_measure_image(&s, p.p, p.len, dpi, m, err);
    free(px);
    free(p.p);
    return rc;
}

static void impression_size_rule(void **state)
{
    (void)state;
    struct seal_measure m;
    struct kd_err err;
    assert_int_equal(seal_ppm_from_dpi(254), 10000);
    assert_int_equal(seal_ppm_from_dpi(300), 11811);
    /* 8.0 mm fits in an 8 mm square: refused; 8.1 mm is registered. */
    assert_int_equal(measure_square(80, 0, true, &m, &err), -1);
    assert_string_equal(err.field, "image");
    assert_non_null(strstr(err.message, "8.0 x 8.0 mm: it fits in a 8 mm square"));
    assert_int_equal(measure_square(81, 0, true, &m, &err), 0);
    assert_int_equal(m.w_um, 8100);
    assert_int_equal(m.h_um, 8100);
    assert_null(m.img.rgba); /* measuring keeps no pixels */
    /* 25.0 mm fits in a 25 mm square; 25.1 mm does not. */
    assert_int_equal(measure_square(250, 0, true, &m, &err), 0);
    assert_int_equal(m.w_um, 25000);
    assert_int_equal(measure_square(251, 0, true, &m, &err), -1);
    assert_non_null(strstr(err.message, "does not fit in a 25 mm square"));
    /* The resolution: from the request, else from the file, else asked for. */
    assert_int_equal(measure_square(150, 0, false, &m, &err), -1);
    assert_int_equal(err.code, KD_MISSING_FIELD);
    assert_string_equal(err.field, "dpi");
    assert_int_equal(measure_square(200, 508, false, &m, &err), 0);
    assert_int_equal(m.w_um, 10000);
    assert_int_equal(measure_square(150, 150, false, &m, &err), -1);
    assert_string_equal(err.field, "dpi");
    assert_non_null(strstr(err.message, "at least 200 dpi"));
    /* A given dpi wins over the file's. */
    assert_int_equal(measure_square(100, 300, true, &m, &err), 0);
    assert_int_equal(m.w_um, 8467);
}

static void card_numbers(void **state)
{
    (void)state;
    /* 0000001 → weights 2: 2 → 11 - 2 = 9. */
    assert_true(seal_card_valid("00000019", 8));
    assert_false(seal_card_valid("00000018", 8));
    assert_false(seal_card_valid("00000091", 8)); /* transposed */
    assert_false(seal_card_valid("0000019", 7));
    assert_false(seal_card_valid("0000001a", 8));
}

/* ---- on a town database -------------------------------------------------------------- */

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
    struct arena a;
    char today[DATE_ISO_LEN];
    struct seal_actor who;
    struct seal_settings s;
    struct buf png;      /* a 15 mm impression at 300 dpi */
    struct buf png2;     /* another one */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    assert_int_equal(seals_init(), 0);
    f->cat = catalog_open(f->dir, &app_schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(catalog_town_create(f->cat, "104213", &err), 0);
    f->town = catalog_town(f->cat, "104213", &err);
    arena_init(&f->a, NULL, 0, 64 << 20);
    int64_t now = clock_now_ms();
    date_format_iso(date_today_japan(now), f->today);
    f->who = (struct seal_actor){"unit", "unit-test", now, f->today};
    assert_int_equal(seal_settings_load(f->town, &f->s, &f->a, &err), 0);
    unsigned char *px = square(220, 220, 20, 20, 177);
    f->png = make_png(px, 220, 220, 11811);
    free(px);
    px = square(220, 220, 30, 30, 150);
    f->png2 = make_png(px, 220, 220, 11811);
    free(px);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_release(&f->a);
    catalog_close(f->cat);
    rm_tree(f->dir);
    free(f->png.p);
    free(f->png2.p);
    free(f);
    return 0;
}

/* Records a 異動 given as JSON; returns the first 宛名番号 it names. */
static const char *idou(struct fixture *f, const char *json, struct kd_err *err)
{
    json_error_t e;
    json_t *body = json_loads(json, 0, &e);
    if (!body)
        fail_msg("bad test JSON: %s", e.text);
    struct idou_actor who = {"unit", "unit-test", clock_now_ms(), f->today};
    struct idou_result res;
    int rc = residents_record_idou(f->town, body, &who, &res, &f->a, err);
    json_decref(body);
    if (rc < 0)
        return NULL;
    return res.count ? res.atena[0] : "";
}

/* A resident moved in on 2020-04-01, born on `birth`. */
static const char *resident(struct fixture *f, const char *name, const char *kana,
                            const char *birth)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-04-01\","
             "\"changes\":{\"postcode\":\"3770424\",\"address\":\"群馬県吾妻郡中之条町大字中之条町1番地\"},"
             "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"%s\",\"shimei_kana\":\"%s\","
             "\"birth\":\"%s\",\"sex\":1,\"zokugara\":\"世帯主\"}]}",
             name, kana, birth);
    struct kd_err err;
    const char *atena = idou(f, json, &err);
    if (!atena)
        fail_msg("%s: %s", err.field, err.message);
    return atena;
}

static int reg(struct fixture *f, const char *atena, const struct buf *img,
               struct seal_registered *out, struct kd_err *err)
{
    struct seal_application app = {.atena = atena, .image = img->p, .image_len = img->len,
                                   .verification = SEAL_VERIFY_PHOTO_ID, .note = ""};
    return seals_register(f->town, &f->s, &app, NULL, &f->who, out, &f->a, err);
}

static int64_t count(struct fixture *f, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    struct kd_err err;
    struct store_stmt *st = store_prepare(f->town, sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    return n;
}

static void registration_rules(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct seal_registered r;

    /* Age 15 is reached the day before the 15th birthday (年齢計算ニ関スル法律). */
    struct date t, b;
    assert_int_equal(date_parse_iso(f->today, 10, "t", &t, &err), 0);
    assert_int_equal(date_add_years(t, -15, &b, &err), 0);
    char born_tomorrow_15[DATE_ISO_LEN], born_today_15[DATE_ISO_LEN];
    struct date b2;
    date_add_days(b, 2, &b2, &err);
    date_format_iso(b2, born_tomorrow_15); /* reaches 15 tomorrow */
    date_add_days(b, 1, &b2, &err);
    date_format_iso(b2, born_today_15); /* reaches 15 today */
    const char *young = resident(f, "若井 一", "ワカイ ハジメ", born_tomorrow_15);
    const char *just = resident(f, "若井 二", "ワカイ ツギ", born_today_15);
    assert_int_equal(reg(f, young, &f->png, &r, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_string_equal(err.field, "atena");
    assert_non_null(strstr(err.message, "under 15"));
    assert_int_equal(count(f, "seal_registrations"), 0);
    assert_int_equal(reg(f, just, &f->png, &r, &err), 0);
    assert_true(seal_card_valid(r.card, strlen(r.card)));

    /* 1人1個. */
    assert_int_equal(reg(f, just, &f->png2, &r, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_non_null(strstr(err.message, "already has seal registration"));
    /* The same picture for someone else. */
    const char *other = resident(f, "山田 太郎", "ヤマダ タロウ", "1980-05-05");
    assert_int_equal(reg(f, other, &f->png, &r, &err), -1);
    assert_string_equal(err.field, "image");
    /* Nobody of that number. */
    assert_int_equal(reg(f, "9999999999", &f->png2, &r, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_string_equal(err.field, "atena");

    /* 成年被後見人: with the 法定代理人 present, or refused by the town. */
    struct seal_application app = {.atena = other, .image = f->png2.p, .image_len = f->png2.len,
                                   .verification = SEAL_VERIFY_GUARANTOR, .adult_ward = true};
    assert_int_equal(seals_register(f->town, &f->s, &app, NULL, &f->who, &r, &f->a, &err), -1);
    assert_string_equal(err.field, "with_representative");
    f->s.ward = SEAL_WARD_REFUSE;
    app.with_representative = true;
    assert_int_equal(seals_register(f->town, &f->s, &app, NULL, &f->who, &r, &f->a, &err), -1);
    assert_string_equal(err.field, "adult_ward");
    f->s.ward = SEAL_WARD_WITH_REPRESENTATIVE;
    int64_t before = count(f, "seal_events");
    assert_int_equal(seals_register(f->town, &f->s, &app, NULL, &f->who, &r, &f->a, &err), 0);
    assert_int_equal(count(f, "seal_events"), before + 2); /* 登録 and 交付 */

    struct seal_registration got;
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_true(got.active);
    assert_string_equal(got.card, r.card);
    assert_string_equal(got.shimei, "山田 太郎");
    assert_string_equal(got.birth, "1980-05-05");
    assert_true(got.adult_ward);
    assert_int_equal(got.verification, SEAL_VERIFY_GUARANTOR);
    assert_int_equal(got.w_um, seal_um(150, 11811));
    assert_int_equal(got.fee, 300);
    int64_t id;
    assert_int_equal(seal_by_card(f->town, r.card, &id, &err), 0);
    assert_int_equal(id, r.id);
    assert_int_equal(seal_by_card(f->town, "00000981", &id, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_string_equal(err.field, "card_number");

    /* A bad picture writes nothing. */
    const char *third = resident(f, "佐藤 花子", "サトウ ハナコ", "1970-01-01");
    int64_t regs = count(f, "seal_registrations"), evs = count(f, "seal_events");
    struct buf junk = {(unsigned char *)"GIF89a....", 10, 10};
    assert_int_equal(reg(f, third, &junk, &r, &err), -1);
    assert_string_equal(err.field, "image");
    assert_int_equal(count(f, "seal_registrations"), regs);
    assert_int_equal(count(f, "seal_events"), evs);
    assert_int_equal(count(f, "seal_current"), 2);
}

static void card_loss_reissue_abolish(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct seal_registered r;
    const char *a = resident(f, "鈴木 進", "スズキ ススム", "1960-03-03");
    assert_int_equal(reg(f, a, &f->png, &r, &err), 0);
    char first[SEAL_CARD_LEN];
    memcpy(first, r.card, sizeof first);

    /* 亡失: the card is void, the registration stays. */
    assert_int_equal(seal_card_loss(f->town, &f->s, r.id, NULL, "財布ごと紛失", &f->who, &err), 0);
    int64_t id;
    assert_int_equal(seal_by_card(f->town, first, &id, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_non_null(strstr(err.message, "reported lost"));
    assert_int_equal(id, r.id);
    assert_int_equal(seal_card_loss(f->town, &f->s, r.id, NULL, "", &f->who, &err), -1);
    assert_non_null(strstr(err.message, "no valid"));
    struct seal_registration got;
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_true(got.active);
    assert_string_equal(got.card, "");

    /* 再交付: a new number. */
    char second[SEAL_CARD_LEN];
    assert_int_equal(seal_card_reissue(f->town, &f->s, r.id, "", &f->who, second, &err), 0);
    assert_string_not_equal(second, first);
    assert_int_equal(seal_by_card(f->town, second, &id, &err), 0);
    /* And again (き損: the valid card is handed back). */
    char third[SEAL_CARD_LEN];
    assert_int_equal(seal_card_reissue(f->town, &f->s, r.id, "", &f->who, third, &err), 0);
    assert_int_equal(seal_by_card(f->town, second, &id, &err), -1);
    assert_non_null(strstr(err.message, "replaced"));

    /* 廃止 on request; then nothing more can change. */
    assert_int_equal(seal_abolish(f->town, r.id, SEAL_REASON_TENSHUTSU, "", &f->who, &err), -1);
    assert_string_equal(err.field, "reason");
    assert_int_equal(seal_abolish(f->town, r.id, SEAL_REASON_SHINSEI, "", &f->who, &err), 0);
    assert_int_equal(seal_by_card(f->town, third, &id, &err), -1);
    assert_non_null(strstr(err.message, "abolished"));
    assert_int_equal(seal_abolish(f->town, r.id, SEAL_REASON_SHINSEI, "", &f->who, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_string_equal(err.field, "id");
    assert_int_equal(seal_card_reissue(f->town, &f->s, r.id, "", &f->who, third, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_false(got.active);
    assert_string_equal(got.abolish_reason, "shinsei");
    assert_string_equal(got.abolished_on, f->today);
    /* A new registration after the 廃止 (the same picture: it is no longer in force). */
    struct seal_registered r2;
    assert_int_equal(reg(f, a, &f->png, &r2, &err), 0);
    assert_true(r2.id > r.id);

    /* Towns whose rule ends the registration with a lost card. */
    f->s.loss_abolishes = true;
    assert_int_equal(seal_card_loss(f->town, &f->s, r2.id, NULL, "", &f->who, &err), 0);
    assert_int_equal(seal_get(f->town, r2.id, &got, &f->a, &err), 0);
    assert_false(got.active);
    assert_string_equal(got.abolish_reason, "boushitsu");
    f->s.loss_abolishes = false;
    /* A loss date after today is refused. */
    struct seal_registered r3;
    assert_int_equal(reg(f, a, &f->png2, &r3, &err), 0);
    assert_int_equal(seal_card_loss(f->town, &f->s, r3.id, "9999-01-01", "", &f->who, &err), -1);
    assert_string_equal(err.field, "lost_on");
}

struct ev_list {
    char kinds[256];
};

static int collect(void *ctx, const struct seal_event *e)
{
    struct ev_list *l = ctx;
    size_t n = strlen(l->kinds);
    snprintf(l->kinds + n, sizeof l->kinds - n, "%s%s%s%s", n ? " " : "", e->kind,
             e->reason[0] ? ":" : "", e->reason);
    return 0;
}

static void automatic_abolition(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct seal_registered r;
    const char *a = resident(f, "田中 保", "タナカ タモツ", "1970-01-01");
    assert_int_equal(reg(f, a, &f->png, &r, &err), 0);

    /* 転出 (dated ahead: 予定): abolished at once, in the 異動. */
    char json[512];
    snprintf(json, sizeof json,
             "{\"kind\":\"kokunai_tenshutsu\",\"idou_date\":\"9999-12-01\","
             "\"subjects\":[{\"atena\":\"%s\"}],\"changes\":{\"dest_postcode\":\"3710001\","
             "\"dest_address\":\"群馬県前橋市大手町2番地\"}}",
             a);
    const char *done = idou(f, json, &err);
    if (!done)
        fail_msg("%s", err.message);
    int64_t tenshutsu_id;
    {
        struct store_stmt *st = store_prepare(f->town, "SELECT max(id) FROM idou", &err);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        tenshutsu_id = store_col_i64(st, 0);
        store_reset(st);
    }
    struct seal_registration got;
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_false(got.active);
    assert_string_equal(got.abolish_reason, "tenshutsu");
    assert_string_equal(got.abolished_on, f->today); /* not the future 異動日 */
    int64_t id;
    assert_int_equal(seal_by_card(f->town, r.card, &id, &err), -1);
    assert_non_null(strstr(err.message, "abolished"));

    /* The 転出 is cancelled: the registration and its card come back. */
    snprintf(json, sizeof json, "{\"kind\":\"torikeshi\",\"idou_date\":\"%s\",\"target\":%lld}",
             f->today, (long long)tenshutsu_id);
    if (!idou(f, json, &err))
        fail_msg("%s", err.message);
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_true(got.active);
    assert_string_equal(got.card, r.card);
    assert_int_equal(seal_by_card(f->town, r.card, &id, &err), 0);
    struct ev_list l = {""};
    assert_int_equal(seal_events(f->town, r.id, collect, &l, &f->a, &err), 4);
    assert_string_equal(l.kinds, "toroku card_issue haishi:tenshutsu kaifuku:tenshutsu");

    /* 死亡 (dated in the past): abolished from the day of death. */
    snprintf(json, sizeof json,
             "{\"kind\":\"shibou\",\"idou_date\":\"2024-05-01\",\"subjects\":[{\"atena\":\"%s\"}]}",
             a);
    /* The registration is of today, so the 廃止 cannot be earlier. */
    if (!idou(f, json, &err))
        fail_msg("%s", err.message);
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_false(got.active);
    assert_string_equal(got.abolish_reason, "shibou");
    assert_string_equal(got.abolished_on, got.registered_on);

    /* A 廃止 on request is not undone by a later correction. */
    const char *b = resident(f, "田中 二", "タナカ ツギ", "1971-01-01");
    int64_t tennyu_id;
    {
        struct store_stmt *st = store_prepare(f->town, "SELECT max(id) FROM idou", &err);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        tennyu_id = store_col_i64(st, 0);
        store_reset(st);
    }
    assert_int_equal(reg(f, b, &f->png2, &r, &err), 0);
    assert_int_equal(seal_abolish(f->town, r.id, SEAL_REASON_SHINSEI, "", &f->who, &err), 0);
    snprintf(json, sizeof json,
             "{\"kind\":\"goki_shusei\",\"idou_date\":\"%s\",\"target\":%lld,"
             "\"subjects\":[{\"atena\":\"%s\"}],\"changes\":{\"shimei\":\"田中 次\"}}",
             f->today, (long long)tennyu_id, b);
    if (!idou(f, json, &err))
        fail_msg("%s: %s", err.field, err.message);
    assert_int_equal(seal_get(f->town, r.id, &got, &f->a, &err), 0);
    assert_false(got.active);
    assert_string_equal(got.abolish_reason, "shinsei");
}

static void certificate_page(void **state)
{
    (void)state;
    unsigned char *px = square(220, 220, 20, 20, 177);
    struct seal_image img = {SEAL_IMAGE_PNG, 220, 220, 11811, 11811, px};
    struct seal_box box = {20, 20, 177, 177};
    struct report_picture pic;
    struct kd_err err;
    assert_int_equal(seal_cert_picture(&img, box, 11811, 11811, &pic, &err), 0);
    /* 1 mm (12 px at 300 dpi) around the impression. */
    assert_int_equal(pic.width, 177 + 2 * 12);
    assert_true(pic.width_mm > 16.9 && pic.width_mm < 17.1);
    struct record p;
    record_clear(&p);
    p.kind = "japanese";
    p.shimei = "山田 太郎";
    p.kyuuji = "佐藤";
    p.birth = "1980-05-05";
    p.sex = 1;
    p.address = "群馬県吾妻郡中之条町大字中之条町1000番地";
    p.katagaki = "コーポ中之条101";
    struct seal_cert_doc d = {"中之条町", "", "この写しは、登録されている印影と相違ないことを証明します。",
                              "2026-04-01", "第000001号", &p, true, pic, 30};
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct report *rep = seal_cert_describe(&a, &d, &err);
    assert_non_null(rep);
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(report_render_pdf(rep, &pdf, &len, &err), 0);
    assert_memory_equal(pdf, "%PDF-", 5);
    /* The impression is an image XObject of the picture's pixels. */
    bool image = false;
    for (size_t i = 0; i + 14 < len && !image; i++)
        image = memcmp(pdf + i, "/Subtype /Image", 15) == 0;
    assert_true(image);
    free(pdf);
    arena_release(&a);
    free((void *)pic.rgba);
    free(px);
}

/* Demonstration data: real registrations, by the rules, deterministic. */
static int synth_town(struct fixture *f, const char *code, struct seal_synth_stats *ss)
{
    struct kd_err err;
    if (strcmp(code, "104213") != 0)
        assert_int_equal(catalog_town_create(f->cat, code, &err), 0);
    struct store *town = catalog_town(f->cat, code, &err);
    struct synth_options o = {.town_code = code, .town_name = "中之条町", .residents = 400,
                              .seed = 7, .start = "2016-04-01", .today = f->today,
                              .now_ms = f->who.now_ms};
    struct synth_stats st;
    if (residents_synthesize(town, &o, &st, &err) < 0)
        fail_msg("%s: %s", err.field, err.message);
    struct seal_synth_options so = {.seed = 7, .start = "2016-04-01", .today = f->today,
                                    .now_ms = f->who.now_ms, .percent = 60};
    if (seals_synthesize(town, &so, ss, &err) < 0)
        fail_msg("%s: %s", err.field, err.message);
    /* Only once. */
    struct seal_synth_stats again;
    assert_int_equal(seals_synthesize(town, &so, &again, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    f->town = town;
    return 0;
}

struct check {
    struct fixture *f;
    int active, abolished;
    char shas[4096];
};

static int check_one(void *ctx, const struct seal_registration *r)
{
    struct check *c = ctx;
    struct kd_err err;
    struct record p;
    assert_int_equal(residents_person_as_of(c->f->town, r->atena, "9999-12-31", 0, &p, &c->f->a,
                                            &err), 0);
    if (r->active) {
        c->active++;
        assert_string_equal(p.status, "resident");
        assert_true(r->card[0]);
    } else {
        c->abolished++;
        if (strcmp(p.status, "removed") == 0 && strcmp(r->abolish_reason, "shinsei") != 0)
            assert_string_equal(r->abolished_on, p.removal_date);
    }
    /* 15 or older on the day of registration. */
    struct date b, on;
    assert_int_equal(date_parse_iso(r->birth, 10, "b", &b, &err), 0);
    assert_int_equal(date_parse_iso(r->registered_on, 10, "r", &on, &err), 0);
    assert_true(date_has_reached_age(b, 15, on));
    /* The picture is a real PNG whose impression is what was recorded (the
     * unevenness of the ink may shave a pixel off the box). */
    const unsigned char *data;
    size_t len;
    enum seal_image_type type;
    assert_int_equal(seal_image_bytes(c->f->town, r->id, &data, &len, &type, &c->f->a, &err), 0);
    struct seal_measure m;
    if (seal_measure_image(&c->f->s, data, len, 0, &m, &err) < 0)
        fail_msg("registration %lld: %s", (long long)r->id, err.message);
    assert_in_range(m.box.w, r->box.w - 3, r->box.w);
    assert_in_range(m.box.h, r->box.h - 3, r->box.h);
    size_t n = strlen(c->shas);
    if (n + 10 < sizeof c->shas)
        snprintf(c->shas + n, sizeof c->shas - n, "%.8s", r->image_sha256);
    return 0;
}

static void demonstration_data(void **state)
{
    struct fixture *f = *state;
    struct seal_synth_stats a, b;
    synth_town(f, "104213", &a);
    if (a.registered <= 50)
        fail_msg("only %d registrations (%d active)", a.registered, a.active);
    assert_true(a.active > 0 && a.abolished > 0);
    struct check ca = {f, 0, 0, ""};
    struct kd_err err;
    assert_int_equal(seal_list(f->town, NULL, false, 0, 200, check_one, &ca, &f->a, &err),
                     a.registered < 200 ? a.registered : 200);
    assert_int_equal(ca.active + ca.abolished, a.registered < 200 ? a.registered : 200);
    /* The same seed gives the same registrations and pictures. */
    synth_town(f, "104248", &b);
    assert_int_equal(a.registered, b.registered);
    assert_int_equal(a.active, b.active);
    struct check cb = {f, 0, 0, ""};
    seal_list(f->town, NULL, false, 0, 200, check_one, &cb, &f->a, &err);
    assert_string_equal(ca.shas, cb.shas);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_and_jpeg_decode),
        cmocka_unit_test(broken_and_other_files),
        cmocka_unit_test(ink_box_ignores_specks),
        cmocka_unit_test(impression_size_rule),
        cmocka_unit_test(card_numbers),
        cmocka_unit_test_setup_teardown(registration_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(card_loss_reissue_abolish, setup, teardown),
        cmocka_unit_test_setup_teardown(automatic_abolition, setup, teardown),
        cmocka_unit_test(certificate_page),
        cmocka_unit_test_setup_teardown(demonstration_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
