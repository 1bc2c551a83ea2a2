/*
 * fuzz_seal_image.c — the checks of an uploaded seal picture
 * (seals/seal_image.h, seals/seals.h).
 *
 * For any bytes (at most 256 KiB):
 *   - seal_image_decode never crashes, leaks or reads out of bounds, with
 *     and without keeping the pixels; it succeeds the same way both times
 *     (same size, resolution, kind), and a failure is KD_INVALID_VALUE
 *     naming the field (or KD_INTERNAL for memory) with no pixels left;
 *   - decoded pixels are width × height × 4 bytes within the limits, and
 *     seal_image_ink_box gives a box inside the picture;
 *   - seal_measure_image (the registration's whole check: decode, box,
 *     resolution, the 8–25 mm rule) agrees with the decoder and, when it
 *     accepts, measures an impression within the settings' sizes;
 *   - a PNG written by seal_image_write_png from the decoded picture's
 *     coverage decodes again to the same size.
 * Limits are small (256 pixels a side) so that each run stays fast; the
 * first input byte, when it is 'L', lifts them to test the refusal path
 * with larger pictures.
 */
#include "seals/seal_image.h"
#include "seals/seals.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_seal_image: check failed: %s (line %d)\n", #cond,           \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    struct seal_image_limits lim = {128 * 1024, 256};
    if (size > 0 && data[0] == 'L') {
        data++;
        size--;
        lim.max_side = 1024;
        lim.max_bytes = 256 * 1024;
    }
    struct seal_image a, b;
    struct kd_err ea, eb;
    int ra = seal_image_decode(data, size, &lim, true, "image", &a, &ea);
    int rb = seal_image_decode(data, size, &lim, false, "image", &b, &eb);
    CHECK(ra == rb);
    CHECK(b.rgba == NULL);
    if (ra < 0) {
        CHECK(a.rgba == NULL);
        CHECK(ea.code == KD_INVALID_VALUE || ea.code == KD_INTERNAL);
        if (ea.code == KD_INVALID_VALUE)
            CHECK(strcmp(ea.field, "image") == 0);
        CHECK(ea.message[0] != '\0');
        return 0;
    }
    CHECK(a.type == b.type && a.width == b.width && a.height == b.height);
    CHECK(a.ppm_x == b.ppm_x && a.ppm_y == b.ppm_y);
    CHECK(a.width >= 1 && a.height >= 1 && a.width <= lim.max_side && a.height <= lim.max_side);
    CHECK(a.rgba != NULL);
    /* Every byte readable (ASan checks the bounds). */
    unsigned sum = 0;
    size_t n = (size_t)a.width * (size_t)a.height * 4;
    for (size_t i = 0; i < n; i++)
        sum += a.rgba[i];
    (void)sum;

    struct seal_box box;
    if (seal_image_ink_box(&a, &box)) {
        CHECK(box.x >= 0 && box.y >= 0 && box.w >= 1 && box.h >= 1);
        CHECK(box.x + box.w <= a.width && box.y + box.h <= a.height);
    }

    /* The registration's whole check agrees with the decoder. */
    struct seal_settings s = {.min_age = 15, .min_mm = 8, .max_mm = 25,
                              .image_max_bytes = (int64_t)lim.max_bytes,
                              .image_max_side = lim.max_side, .min_dpi = 200};
    struct seal_measure m;
    struct kd_err em;
    if (seal_measure_image(&s, data, size, 300, &m, &em) == 0) {
        CHECK(m.img.rgba == NULL);
        CHECK(m.img.width == a.width && m.img.height == a.height);
        int64_t longer = m.w_um > m.h_um ? m.w_um : m.h_um;
        CHECK(longer > 8000 && m.w_um <= 25000 && m.h_um <= 25000);
    } else {
        CHECK(em.field[0] != '\0' || em.code == KD_INTERNAL);
    }

    /* Its coverage, written as a PNG, reads back. */
    unsigned char *alpha = malloc((size_t)a.width * (size_t)a.height);
    if (alpha) {
        for (size_t i = 0; i < (size_t)a.width * (size_t)a.height; i++)
            alpha[i] = (unsigned char)(255 - a.rgba[i * 4 + 1]);
        unsigned char *png = NULL;
        size_t len = 0;
        struct kd_err ew;
        if (seal_image_write_png(alpha, a.width, a.height, a.width, 0xC8102E, 11811, &png, &len,
                                 &ew) == 0) {
            struct seal_image c;
            struct seal_image_limits wide = {SEAL_IMAGE_BYTES_CEILING, SEAL_IMAGE_SIDE_CEILING};
            CHECK(seal_image_decode(png, len, &wide, false, "image", &c, &ew) == 0);
            CHECK(c.width == a.width && c.height == a.height && c.ppm_x == 11811);
            free(png);
        }
        free(alpha);
    }
    seal_image_release(&a);
    return 0;
}
