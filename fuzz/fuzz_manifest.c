/*
 * fuzz_manifest.c — manifest_parse() (a backup set's manifest.json) on
 * arbitrary text.
 *
 * Checks beyond the sanitizers: on success every file name is a plain name
 * inside the set (no slash, no leading dot, not manifest.json), strings are
 * NUL-terminated within their buffers, town codes are six digits, and the
 * manifest written back parses to the same entries; on failure the error has
 * a code and a NUL-terminated message and field.
 */
#include "base/err.h"
#include "engine/backup_manifest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_manifest: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_db(const struct manifest_db *d)
{
    CHECK(memchr(d->file, '\0', sizeof d->file) != NULL);
    CHECK(manifest_file_name_ok(d->file, strlen(d->file)));
    CHECK(strchr(d->file, '/') == NULL && d->file[0] != '.');
    CHECK(strcmp(d->file, MANIFEST_NAME) != 0);
    CHECK(memchr(d->taken_at, '\0', sizeof d->taken_at) != NULL);
    CHECK(d->scope_count >= 0 && d->scope_count <= MANIFEST_MAX_SCOPES);
    for (int i = 0; i < d->scope_count; i++)
        CHECK(d->scopes[i].version >= 1 && d->scopes[i].name[0] != '\0');
    if (d->kind == MANIFEST_TOWN) {
        CHECK(strlen(d->code) == 6);
        CHECK(memchr(d->name, '\0', sizeof d->name) != NULL && d->name[0] != '\0');
        CHECK(d->audit_entries >= 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m;
    struct kd_err err;
    kd_err_clear(&err);
    if (manifest_parse(&m, (const char *)data, size, &err) == 0) {
        CHECK(m.count >= 1);
        for (size_t i = 0; i < m.count; i++)
            check_db(&m.dbs[i]);
        size_t len;
        char *text = manifest_to_json(&m, &len, &err);
        CHECK(text != NULL);
        struct manifest again;
        CHECK(manifest_parse(&again, text, len, &err) == 0);
        CHECK(again.count == m.count);
        for (size_t i = 0; i < m.count; i++) {
            CHECK(strcmp(again.dbs[i].file, m.dbs[i].file) == 0);
            CHECK(again.dbs[i].bytes == m.dbs[i].bytes);
            CHECK(memcmp(again.dbs[i].sha256, m.dbs[i].sha256, MANIFEST_HASH_LEN) == 0);
        }
        manifest_free(&again);
        free(text);
    } else {
        CHECK(err.code != KD_OK);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        CHECK(memchr(err.field, '\0', sizeof err.field) != NULL);
    }
    manifest_free(&m);
    return 0;
}
