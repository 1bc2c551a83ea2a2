/*
 * seal_image.c — checking and decoding a seal's picture with libpng and
 * libjpeg-turbo (see seal_image.h).
 *
 * Both libraries report errors by longjmp out of a callback. Everything a
 * function must free after such a jump lives in a struct the jump cannot
 * clobber (not a local modified after setjmp), and the pixel buffer is
 * allocated only after the header was read and checked.
 */
#include "seals/seal_image.h"

#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

const char *seal_image_type_code(enum seal_image_type t)
{
    return t == SEAL_IMAGE_JPEG ? "jpeg" : "png";
}

const char *seal_image_media_type(enum seal_image_type t)
{
    return t == SEAL_IMAGE_JPEG ? "image/jpeg" : "image/png";
}

bool seal_image_type_parse(const char *s, enum seal_image_type *out)
{
    if (strcmp(s, "png") == 0)
        *out = SEAL_IMAGE_PNG;
    else if (strcmp(s, "jpeg") == 0)
        *out = SEAL_IMAGE_JPEG;
    else
        return false;
    return true;
}

int64_t seal_ppm_from_dpi(int64_t dpi)
{
    /* 1 inch = 0.0254 m: ppm = dpi / 0.0254 = dpi * 10000 / 254. */
    return (dpi * 10000 + 127) / 254;
}

int64_t seal_um(int64_t px, int64_t ppm)
{
    if (ppm <= 0)
        return 0;
    return (px * 1000000 + ppm / 2) / ppm;
}

void seal_image_release(struct seal_image *img)
{
    free(img->rgba);
    img->rgba = NULL;
}

/* ---- what the bytes are ---------------------------------------------------------- */

static bool starts(const unsigned char *d, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(d, magic, n) == 0;
}

/* The kind of a file that is not PNG or JPEG, when it is a common one (for
 * the message), else NULL. */
static const char *other_kind(const unsigned char *d, size_t len)
{
    if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
        return "GIF";
    if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "WebP";
    if (starts(d, len, "BM", 2))
        return "BMP";
    if (starts(d, len, "II*\0", 4) || starts(d, len, "MM\0*", 4))
        return "TIFF";
    if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
        return "HEIF/AVIF";
    if (starts(d, len, "%PDF", 4))
        return "PDF";
    if (starts(d, len, "\0\0\0\x0cjP  ", 8))
        return "JPEG 2000";
    if (starts(d, len, "\x89PNG", 4))
        return "a damaged PNG";
    for (size_t i = 0; i < len && i < 256; i++)
        if (d[i] == '<')
            return "text (SVG or HTML)";
    return NULL;
}

/* ---- PNG ------------------------------------------------------------------------------ */

struct png_job {
    const unsigned char *data;
    size_t len, pos;
    bool animated;
    char msg[160];
    /* freed after a longjmp too */
    png_structp p;
    png_infop info;
    unsigned char *pixels;
    unsigned char *row;
};

static void png_on_error(png_structp p, png_const_charp msg)
{
    struct png_job *j = png_get_error_ptr(p);
    snprintf(j->msg, sizeof j->msg, "%s", msg);
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg)
{
    /* Warnings are about ancillary chunks (a bad sRGB profile, a text chunk
     * with an odd keyword): the picture itself is whole. */
    (void)p;
    (void)msg;
}

static void png_read(png_structp p, png_bytep out, size_t n)
{
    struct png_job *j = png_get_io_ptr(p);
    if (n > j->len - j->pos)
        png_error(p, "the file ends in the middle of the image (truncated)");
    memcpy(out, j->data + j->pos, n);
    j->pos += n;
}

static int png_chunk(png_structp p, png_unknown_chunkp chunk)
{
    struct png_job *j = png_get_user_chunk_ptr(p);
    if (memcmp(chunk->name, "acTL", 4) == 0 || memcmp(chunk->name, "fcTL", 4) == 0 ||
        memcmp(chunk->name, "fdAT", 4) == 0)
        j->animated = true;
    return 1; /* handled (dropped) */
}

static int decode_png(const unsigned char *data, size_t len, const struct seal_image_limits *lim,
                      bool want_pixels, const char *field, struct seal_image *out,
                      struct kd_err *err)
{
    struct png_job *j = calloc(1, sizeof *j);
    if (!j)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    j->data = data;
    j->len = len;
    int rc = -1;
    j->p = png_create_read_struct(PNG_LIBPNG_VER_STRING, j, png_on_error, png_on_warning);
    if (!j->p || !(j->info = png_create_info_struct(j->p))) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    if (setjmp(png_jmpbuf(j->p))) {
        kd_fail(err, KD_INVALID_VALUE, field, "the PNG cannot be decoded: %s", j->msg);
        goto out;
    }
    png_set_read_fn(j->p, j, png_read);
    /* libpng's own ceiling; the town's (lower) limit is checked below with
     * a message that says it. Both before any pixel is allocated. */
    png_set_user_limits(j->p, SEAL_IMAGE_SIDE_CEILING, SEAL_IMAGE_SIDE_CEILING);
    png_set_chunk_cache_max(j->p, 64);
    png_set_chunk_malloc_max(j->p, 1 << 20);
    png_set_keep_unknown_chunks(j->p, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_read_user_chunk_fn(j->p, j, png_chunk);
    png_read_info(j->p, j->info);
    if (j->animated) {
        kd_fail(err, KD_INVALID_VALUE, field,
                "the PNG is animated (APNG); a seal's picture is one still image");
        goto out;
    }
    png_uint_32 w = png_get_image_width(j->p, j->info);
    png_uint_32 h = png_get_image_height(j->p, j->info);
    if (w < 1 || h < 1 || w > (png_uint_32)lim->max_side || h > (png_uint_32)lim->max_side) {
        kd_fail(err, KD_INVALID_VALUE, field, "the image is %ux%u pixels; at most %dx%d",
                (unsigned)w, (unsigned)h, lim->max_side, lim->max_side);
        goto out;
    }
    png_uint_32 rx = 0, ry = 0;
    int unit = 0;
    if (png_get_pHYs(j->p, j->info, &rx, &ry, &unit) && unit == PNG_RESOLUTION_METER) {
        out->ppm_x = rx;
        out->ppm_y = ry;
    }
    /* Everything to 8-bit RGBA. */
    png_set_expand(j->p);
    png_set_strip_16(j->p);
    png_set_gray_to_rgb(j->p);
    png_set_add_alpha(j->p, 0xff, PNG_FILLER_AFTER);
    int passes = png_set_interlace_handling(j->p);
    png_read_update_info(j->p, j->info);
    if (png_get_rowbytes(j->p, j->info) != (size_t)w * 4) {
        kd_fail(err, KD_INVALID_VALUE, field, "the PNG's pixel format is not supported");
        goto out;
    }
    size_t stride = (size_t)w * 4;
    if (want_pixels || passes > 1) {
        /* An interlaced image needs all its rows at once. */
        j->pixels = malloc(stride * h);
        if (!j->pixels) {
            kd_fail(err, KD_INTERNAL, NULL, "out of memory decoding the image");
            goto out;
        }
        for (int pass = 0; pass < passes; pass++)
            for (png_uint_32 y = 0; y < h; y++)
                png_read_row(j->p, j->pixels + y * stride, NULL);
    } else {
        j->row = malloc(stride);
        if (!j->row) {
            kd_fail(err, KD_INTERNAL, NULL, "out of memory decoding the image");
            goto out;
        }
        for (png_uint_32 y = 0; y < h; y++)
            png_read_row(j->p, j->row, NULL);
    }
    png_read_end(j->p, NULL);
    if (j->animated) {
        kd_fail(err, KD_INVALID_VALUE, field,
                "the PNG is animated (APNG); a seal's picture is one still image");
        goto out;
    }
    if (j->pos != j->len) {
        kd_fail(err, KD_INVALID_VALUE, field,
                "the PNG has %zu bytes after its end (IEND): the file is not only a picture",
                j->len - j->pos);
        goto out;
    }
    out->type = SEAL_IMAGE_PNG;
    out->width = (int)w;
    out->height = (int)h;
    if (want_pixels) {
        out->rgba = j->pixels;
        j->pixels = NULL;
    }
    rc = 0;
out:
    png_destroy_read_struct(&j->p, &j->info, NULL);
    free(j->pixels);
    free(j->row);
    free(j);
    return rc;
}

/* ---- JPEG ---------------------------------------------------------------------------- */

/* A progressive JPEG may hold any number of scans, each a pass over the
 * whole image: bound them (libjpeg-turbo's own fuzzing does the same). */
#define JPEG_MAX_SCANS 200

struct jpeg_job {
    struct jpeg_error_mgr pub; /* first: libjpeg hands back &pub */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int warnings;
    char msg[JMSG_LENGTH_MAX + 40];
    struct jpeg_decompress_struct c;
    bool created;
    unsigned char *pixels;
    unsigned char *row;
};

static void jpeg_on_error(j_common_ptr c)
{
    struct jpeg_job *j = (struct jpeg_job *)c->err;
    char buf[JMSG_LENGTH_MAX];
    c->err->format_message(c, buf);
    snprintf(j->msg, sizeof j->msg, "%s", buf);
    longjmp(j->jump, 1);
}

static void jpeg_on_message(j_common_ptr c, int level)
{
    struct jpeg_job *j = (struct jpeg_job *)c->err;
    if (level >= 0)
        return; /* trace messages */
    /* A warning means damaged data libjpeg made up for (premature end of
     * the file, corrupt data before a marker): not a faithful picture. */
    if (j->warnings++ == 0) {
        char buf[JMSG_LENGTH_MAX];
        c->err->format_message(c, buf);
        snprintf(j->msg, sizeof j->msg, "%s", buf);
    }
}

static void jpeg_on_progress(j_common_ptr c)
{
    if (c->is_decompressor) {
        struct jpeg_decompress_struct *d = (struct jpeg_decompress_struct *)c;
        if (d->input_scan_number > JPEG_MAX_SCANS) {
            struct jpeg_job *j = (struct jpeg_job *)c->err;
            snprintf(j->msg, sizeof j->msg, "more than %d progressive scans", JPEG_MAX_SCANS);
            longjmp(j->jump, 1);
        }
    }
}

static int decode_jpeg(const unsigned char *data, size_t len,
                       const struct seal_image_limits *lim, bool want_pixels, const char *field,
                       struct seal_image *out, struct kd_err *err)
{
    struct jpeg_job *j = calloc(1, sizeof *j);
    if (!j)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int rc = -1;
    j->c.err = jpeg_std_error(&j->pub);
    j->pub.error_exit = jpeg_on_error;
    j->pub.emit_message = jpeg_on_message;
    if (setjmp(j->jump)) {
        kd_fail(err, KD_INVALID_VALUE, field, "the JPEG cannot be decoded: %s", j->msg);
        goto out;
    }
    jpeg_create_decompress(&j->c);
    j->created = true;
    j->progress.progress_monitor = jpeg_on_progress;
    j->c.progress = &j->progress;
    j->c.mem->max_memory_to_use = 64L << 20;
    jpeg_mem_src(&j->c, data, (unsigned long)len);
    if (jpeg_read_header(&j->c, TRUE) != JPEG_HEADER_OK) {
        kd_fail(err, KD_INVALID_VALUE, field, "the JPEG has no image");
        goto out;
    }
    JDIMENSION w = j->c.image_width, h = j->c.image_height;
    if (w < 1 || h < 1 || w > (JDIMENSION)lim->max_side || h > (JDIMENSION)lim->max_side) {
        kd_fail(err, KD_INVALID_VALUE, field, "the image is %ux%u pixels; at most %dx%d",
                (unsigned)w, (unsigned)h, lim->max_side, lim->max_side);
        goto out;
    }
    switch (j->c.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB: break;
    case JCS_CMYK:
    case JCS_YCCK:
        kd_fail(err, KD_INVALID_VALUE, field,
                "the JPEG is CMYK (a print file); scan the seal as colour or grey (RGB)");
        goto out;
    default:
        kd_fail(err, KD_INVALID_VALUE, field, "the JPEG's colour space is not supported");
        goto out;
    }
    if (j->c.saw_JFIF_marker && j->c.X_density > 0 && j->c.Y_density > 0) {
        if (j->c.density_unit == 1) {
            out->ppm_x = seal_ppm_from_dpi(j->c.X_density);
            out->ppm_y = seal_ppm_from_dpi(j->c.Y_density);
        } else if (j->c.density_unit == 2) {
            out->ppm_x = (int64_t)j->c.X_density * 100;
            out->ppm_y = (int64_t)j->c.Y_density * 100;
        }
    }
    j->c.out_color_space = JCS_EXT_RGBA;
    jpeg_start_decompress(&j->c);
    if (j->c.output_components != 4) {
        kd_fail(err, KD_INVALID_VALUE, field, "the JPEG's pixel format is not supported");
        goto out;
    }
    size_t stride = (size_t)w * 4;
    if (want_pixels)
        j->pixels = malloc(stride * h);
    else
        j->row = malloc(stride);
    if (want_pixels ? !j->pixels : !j->row) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory decoding the image");
        goto out;
    }
    while (j->c.output_scanline < j->c.output_height) {
        JSAMPROW r = want_pixels ? j->pixels + (size_t)j->c.output_scanline * stride : j->row;
        if (jpeg_read_scanlines(&j->c, &r, 1) != 1) {
            kd_fail(err, KD_INVALID_VALUE, field, "the JPEG ends in the middle of the image");
            goto out;
        }
    }
    jpeg_finish_decompress(&j->c);
    if (j->warnings) {
        kd_fail(err, KD_INVALID_VALUE, field, "the JPEG is truncated or damaged: %s", j->msg);
        goto out;
    }
    size_t rest = j->c.src->bytes_in_buffer;
    if (rest) {
        kd_fail(err, KD_INVALID_VALUE, field,
                "the JPEG has %zu bytes after its end (EOI): the file is not only a picture",
                rest);
        goto out;
    }
    out->type = SEAL_IMAGE_JPEG;
    out->width = (int)w;
    out->height = (int)h;
    if (want_pixels) {
        out->rgba = j->pixels;
        j->pixels = NULL;
    }
    rc = 0;
out:
    if (j->created)
        jpeg_destroy_decompress(&j->c);
    free(j->pixels);
    free(j->row);
    free(j);
    return rc;
}

/* ---- the entry point ------------------------------------------------------------------- */

int seal_image_decode(const unsigned char *data, size_t len, const struct seal_image_limits *lim,
                      bool want_pixels, const char *field, struct seal_image *out,
                      struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    struct seal_image_limits l = *lim;
    if (l.max_side < 1 || l.max_side > SEAL_IMAGE_SIDE_CEILING)
        l.max_side = SEAL_IMAGE_SIDE_CEILING;
    if (l.max_bytes < 1 || l.max_bytes > SEAL_IMAGE_BYTES_CEILING)
        l.max_bytes = SEAL_IMAGE_BYTES_CEILING;
    if (len == 0)
        return kd_fail(err, KD_INVALID_VALUE, field, "the image is empty");
    if (len > l.max_bytes)
        return kd_fail(err, KD_INVALID_VALUE, field, "the image is %zu bytes; at most %zu",
                       len, l.max_bytes);
    if (starts(data, len, "\x89PNG\r\n\x1a\n", 8))
        return decode_png(data, len, &l, want_pixels, field, out, err);
    if (starts(data, len, "\xff\xd8\xff", 3))
        return decode_jpeg(data, len, &l, want_pixels, field, out, err);
    const char *kind = other_kind(data, len);
    if (kind)
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "the file is %s, not a PNG or JPEG image of the seal", kind);
    return kd_fail(err, KD_INVALID_VALUE, field, "the file is not a PNG or JPEG image");
}

/* ---- the impression ----------------------------------------------------------------------- */

static bool ink(const unsigned char *p)
{
    unsigned char m = p[0] < p[1] ? p[0] : p[1];
    if (p[2] < m)
        m = p[2];
    return p[3] >= 128 && m <= 191;
}

/* First and last index whose count reaches min; false if none does. */
static bool span(const int *count, int n, int min, int *first, int *last)
{
    int a = 0, b = n - 1;
    while (a < n && count[a] < min)
        a++;
    if (a == n)
        return false;
    while (count[b] < min)
        b--;
    *first = a;
    *last = b;
    return true;
}

bool seal_image_ink_box(const struct seal_image *img, struct seal_box *box)
{
    if (!img->rgba || img->width < 1 || img->height < 1)
        return false;
    int *rows = calloc((size_t)img->height, sizeof *rows);
    int *cols = calloc((size_t)img->width, sizeof *cols);
    bool found = false;
    if (rows && cols) {
        size_t stride = (size_t)img->width * 4;
        for (int y = 0; y < img->height; y++) {
            const unsigned char *r = img->rgba + (size_t)y * stride;
            for (int x = 0; x < img->width; x++)
                if (ink(r + (size_t)x * 4)) {
                    rows[y]++;
                    cols[x]++;
                }
        }
        int min_r = img->width / 200 > 2 ? img->width / 200 : 2;
        int min_c = img->height / 200 > 2 ? img->height / 200 : 2;
        int y0, y1, x0, x1;
        if (span(rows, img->height, min_r, &y0, &y1) && span(cols, img->width, min_c, &x0, &x1)) {
            box->x = x0;
            box->y = y0;
            box->w = x1 - x0 + 1;
            box->h = y1 - y0 + 1;
            found = true;
        }
    }
    free(rows);
    free(cols);
    return found;
}

/* ---- writing a PNG (demonstration data) ------------------------------------------------------ */

struct png_out {
    unsigned char *buf;
    size_t len, cap;
    bool failed;
};

static void png_write(png_structp p, png_bytep data, size_t n)
{
    struct png_out *o = png_get_io_ptr(p);
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4096;
        while (cap < o->len + n)
            cap *= 2;
        unsigned char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->failed = true;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, n);
    o->len += n;
}

static void png_flush(png_structp p)
{
    (void)p;
}

struct png_wjob {
    png_structp p;
    png_infop info;
    unsigned char *row;
    char msg[160];
};

static void png_w_error(png_structp p, png_const_charp msg)
{
    struct png_wjob *j = png_get_error_ptr(p);
    snprintf(j->msg, sizeof j->msg, "%s", msg);
    png_longjmp(p, 1);
}

int seal_image_write_png(const unsigned char *alpha, int width, int height, int stride,
                         uint32_t rgb, int64_t ppm, unsigned char **png, size_t *len,
                         struct kd_err *err)
{
    struct png_out o = {0};
    struct png_wjob *j = calloc(1, sizeof *j);
    if (!j)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int rc = -1;
    j->p = png_create_write_struct(PNG_LIBPNG_VER_STRING, j, png_w_error, png_on_warning);
    if (!j->p || !(j->info = png_create_info_struct(j->p)) ||
        !(j->row = malloc((size_t)width / 2 + 1))) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    if (setjmp(png_jmpbuf(j->p))) {
        kd_fail(err, KD_INTERNAL, NULL, "the PNG cannot be written: %s", j->msg);
        goto out;
    }
    png_set_write_fn(j->p, &o, png_write, png_flush);
    png_set_IHDR(j->p, j->info, (png_uint_32)width, (png_uint_32)height, 4,
                 PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_color pal[16];
    unsigned ir = (rgb >> 16) & 0xff, ig = (rgb >> 8) & 0xff, ib = rgb & 0xff;
    for (unsigned i = 0; i < 16; i++) {
        pal[i].red = (png_byte)((255 * (15 - i) + ir * i) / 15);
        pal[i].green = (png_byte)((255 * (15 - i) + ig * i) / 15);
        pal[i].blue = (png_byte)((255 * (15 - i) + ib * i) / 15);
    }
    png_set_PLTE(j->p, j->info, pal, 16);
    if (ppm > 0)
        png_set_pHYs(j->p, j->info, (png_uint_32)ppm, (png_uint_32)ppm, PNG_RESOLUTION_METER);
    /* Run-length matching only: a drawing is long runs of paper and ink;
     * measured a third faster than the default level at a smaller size
     * (demonstration data writes tens of thousands). */
    png_set_compression_strategy(j->p, Z_RLE);
    png_write_info(j->p, j->info);
    for (int y = 0; y < height; y++) {
        const unsigned char *a = alpha + (size_t)y * (size_t)stride;
        memset(j->row, 0, (size_t)width / 2 + 1);
        for (int x = 0; x < width; x++) {
            unsigned v = ((unsigned)a[x] * 15 + 127) / 255;
            j->row[x / 2] |= (unsigned char)(x % 2 ? v : v << 4);
        }
        png_write_row(j->p, j->row);
    }
    png_write_end(j->p, NULL);
    if (o.failed) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory writing the PNG");
        goto out;
    }
    *png = o.buf;
    *len = o.len;
    o.buf = NULL;
    rc = 0;
out:
    png_destroy_write_struct(&j->p, &j->info);
    free(j->row);
    free(j);
    free(o.buf);
    return rc;
}
