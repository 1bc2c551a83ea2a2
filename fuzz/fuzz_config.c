/*
 * fuzz_config.c — config_parse() on arbitrary INI text.
 *
 * Starts from config_defaults() as config_load() does. Checks beyond the
 * sanitizers: on success the result passes config_check() and every string
 * field is NUL-terminated within its buffer; on failure the error has a code
 * and a NUL-terminated message.
 */
#include "base/err.h"
#include "engine/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_config: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 << 10) /* config_load() reads at most 64 KiB */
        return 0;
    struct config c;
    config_defaults(&c);
    struct kd_err err;
    kd_err_clear(&err);
    if (config_parse(&c, (const char *)data, size, &err) == 0) {
        struct kd_err e2;
        CHECK(config_check(&c, &e2) == 0);
        CHECK(memchr(c.listen, '\0', sizeof c.listen) != NULL);
        CHECK(memchr(c.web_dir, '\0', sizeof c.web_dir) != NULL);
        CHECK(memchr(c.log_level, '\0', sizeof c.log_level) != NULL);
        CHECK(memchr(c.data_dir, '\0', sizeof c.data_dir) != NULL);
        CHECK(c.port >= 0 && c.port <= 65535);
        CHECK(c.threads >= 1 && c.threads <= 256);
        CHECK(c.max_body_bytes >= 1024 && c.max_body_bytes <= (int64_t)1 << 30);
        CHECK(c.idle_timeout <= c.max_lifetime);
    } else {
        CHECK(err.code != KD_OK);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
    }
    return 0;
}
