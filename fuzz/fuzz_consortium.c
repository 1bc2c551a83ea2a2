/*
 * fuzz_consortium.c — cons_compute() on arbitrary sheets, and the CSV, text
 * and JSON outputs of whatever it accepts.
 *
 * The seed corpus is the transcribed seed (data/consortium/agatsuma/). Checks
 * beyond the sanitizers: a refusal has a code, a field and a NUL-terminated
 * message; an accepted sheet writes its outputs, the JSON parses, and every
 * table row has its table's number of cells.
 */
#include "consortium/consortium.h"
#include "http/jw.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_consortium: check failed: %s (line %d)\n", #cond, __LINE__); \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const struct cons_town six[] = {
    {"104213", "中之条町"}, {"104248", "長野原町"}, {"104256", "嬬恋村"},
    {"104264", "草津町"},   {"104281", "高山村"},   {"104299", "東吾妻町"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CONS_TEXT_MAX + 16)
        return 0;
    struct cons_towns towns = {six, 6};
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)64 << 20);
    struct kd_err err;
    kd_err_clear(&err);
    struct cons_result *r = cons_compute(&a, "fuzz", (const char *)data, size, &towns, &err);
    if (!r) {
        CHECK(err.code != KD_OK);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        CHECK(memchr(err.field, '\0', sizeof err.field) != NULL);
        arena_release(&a);
        return 0;
    }
    for (int t = 0; t < r->ntables; t++) {
        CHECK(r->tables[t]->ncols >= 1 && r->tables[t]->ncols <= REPORT_MAX_COLS);
        for (int i = 0; i < r->tables[t]->nrows * r->tables[t]->ncols; i++)
            CHECK(r->tables[t]->cells[i].text != NULL);
    }
    size_t len;
    char *csv = cons_csv(r, &len);
    CHECK(csv);
    free(csv);
    char *text = cons_text(r, &len);
    CHECK(text);
    free(text);
    struct jw w;
    jw_init(&w);
    cons_json(&w, r);
    char *json = jw_finish(&w, &len);
    CHECK(json);
    json_error_t je;
    json_t *doc = json_loadb(json, len, 0, &je);
    CHECK(doc);
    json_decref(doc);
    free(json);
    arena_release(&a);
    return 0;
}
