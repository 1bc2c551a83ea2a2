/*
 * fuzz_mig_codes.c — kyodo_codes.tsv (src/migration/migration.c,
 * mig_codes_parse): kyodo's value of each code of a layout, on arbitrary
 * text against the example layout (mig_example.h). For any input the parser
 * refuses with a message naming the file, or gives a table in which codes
 * and values go one to one: the code of the value of a code is that code.
 */
#include "mig_example.h"
#include "migration/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mig_codes: check failed: %s (line %d)\n", #cond, __LINE__);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct mig_layout *layout;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!layout && !(layout = mig_example_layout()))
        abort();
    struct mig_codes *c;
    struct kd_err e;
    kd_err_clear(&e);
    if (mig_codes_parse((const char *)data, size, "example/kyodo_codes.tsv", layout, &c, &e) < 0) {
        CHECK(e.message[0]);
        CHECK(strcmp(e.field, "example/kyodo_codes.tsv") == 0 || e.code == KD_INTERNAL);
        return 0;
    }
    static const char *const codes[][2] = {{"SEX", "1"},   {"SEX", "2"},   {"ZOKU", "02"},
                                           {"ZOKU", "03"}, {"ZOKU", "04"}, {"ZOKU", "10"}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *v = mig_codes_value(c, codes[i][0], codes[i][1]);
        if (!v)
            continue;
        CHECK(v[0]);
        const char *back = mig_codes_code(c, codes[i][0], v);
        CHECK(back && strcmp(back, codes[i][1]) == 0);
    }
    CHECK(!mig_codes_value(c, "NOSUCH", "1"));
    mig_codes_free(c);
    return 0;
}
