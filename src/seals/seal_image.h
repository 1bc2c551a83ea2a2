/*
 * seal_image.h — the picture of a registered seal (印影): checking an upload,
 * decoding it, finding the impression in it, and (for demonstration data)
 * writing one.
 *
 * An upload is trusted for nothing: its kind comes from its bytes, never from
 * a name or a Content-Type, and it is decoded to the last pixel by the real
 * decoders (libpng, libjpeg-turbo) before anything is kept. Refused, each with
 * an error naming the caller's field:
 *   - anything that is not PNG or JPEG (GIF, WebP, BMP, TIFF, HEIC, SVG, text
 *     …; the message names the kind when it is recognised);
 *   - animated PNG (an acTL chunk), CMYK or YCCK JPEG;
 *   - a truncated or damaged file (a decoder error, or any libjpeg warning
 *     such as "premature end of data"), and bytes after the end of the image
 *     (IEND, EOI): a file that is something else as well;
 *   - more than the caller's byte or pixel limits (checked before the pixels
 *     are allocated: the header's size is compared first).
 *
 * Resolution: PNG pHYs (pixels per metre) or the JFIF density (dots per inch
 * or per cm), converted to dots per metre; 0 when the file does not say.
 *
 * Thread-safety: every function may be called from any thread (libpng and
 * libjpeg keep their state in the structs made per call).
 */
#ifndef KYODO_SEALS_SEAL_IMAGE_H
#define KYODO_SEALS_SEAL_IMAGE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum seal_image_type { SEAL_IMAGE_PNG, SEAL_IMAGE_JPEG };

/* "png" / "jpeg", and the media type "image/png" / "image/jpeg". */
const char *seal_image_type_code(enum seal_image_type t);
const char *seal_image_media_type(enum seal_image_type t);
bool seal_image_type_parse(const char *s, enum seal_image_type *out);

struct seal_image_limits {
    size_t max_bytes; /* the file */
    int max_side;     /* pixels, each of width and height */
};

/* A hard ceiling whatever the town sets: 8192 pixels a side, 32 MiB. */
#define SEAL_IMAGE_SIDE_CEILING 8192
#define SEAL_IMAGE_BYTES_CEILING ((size_t)32 << 20)

struct seal_image {
    enum seal_image_type type;
    int width, height;   /* pixels */
    int64_t ppm_x, ppm_y; /* resolution in dots per metre; 0 when the file does not say */
    /* width × height × 4 bytes (R, G, B, A; alpha not premultiplied), rows
     * top to bottom; malloc'd, NULL when only checking. */
    unsigned char *rgba;
};

/*
 * Checks the bytes and decodes them. With want_pixels, out->rgba receives
 * the pixels (the caller frees them with seal_image_release); without, the
 * whole image is still decoded, row by row, and dropped. Errors:
 * KD_PAYLOAD_TOO_LARGE is not used (a client's oversized file is a
 * KD_INVALID_VALUE naming `field`, like every other refusal here, so that
 * the answer says which field); KD_INTERNAL only when memory runs out.
 */
int seal_image_decode(const unsigned char *data, size_t len, const struct seal_image_limits *lim,
                      bool want_pixels, const char *field, struct seal_image *out,
                      struct kd_err *err);

void seal_image_release(struct seal_image *img);

/*
 * The impression's box in the pixels: the smallest rectangle holding every
 * row and column with ink. A pixel is ink when it is mostly opaque (alpha
 * at least 128) and not near white (its darkest channel at most 191: red ink
 * has low green and blue, black ink low everything); a row or column needs
 * at least max(2, side / 200) ink pixels to count, so that a speck of dust
 * does not stretch the box. false when there is no ink at all.
 */
struct seal_box {
    int x, y, w, h;
};
bool seal_image_ink_box(const struct seal_image *img, struct seal_box *box);

/* Dots per metre from dots per inch (rounded): 300 dpi → 11811. */
int64_t seal_ppm_from_dpi(int64_t dpi);

/* A length in pixels at a resolution, in micrometres (rounded). */
int64_t seal_um(int64_t px, int64_t ppm);

/*
 * Writes a PNG of an impression in one ink colour: `alpha` holds width ×
 * height coverage values (0 paper, 255 full ink), written as a 16-colour
 * palette from white to the ink colour (rgb 0xRRGGBB), with the resolution
 * (dots per metre) in pHYs. *png is malloc'd (the caller frees it). For the
 * demonstration data; KD_INTERNAL on failure.
 */
int seal_image_write_png(const unsigned char *alpha, int width, int height, int stride,
                         uint32_t rgb, int64_t ppm, unsigned char **png, size_t *len,
                         struct kd_err *err);

#endif
