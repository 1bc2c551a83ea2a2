/*
 * backup_manifest.h — manifest.json, the description of one backup set.
 *
 * A backup set is a folder holding one copy per database (store/backup.h)
 * and manifest.json, written last: the kyodo version and engine that made
 * the set, when, and for each copy its file name, size and SHA-256, when it
 * was taken, the schema version of each scope in it and, for a town, its
 * code, name and status and its audit chain's entry count and head hash at
 * that instant. docs/operations.md shows an example.
 *
 * Reading is strict: a field that is unknown, missing, of the wrong type or
 * out of range is an error naming it by its path ("databases[2].sha256").
 * File names are plain names inside the set's folder ([A-Za-z0-9._-], not
 * starting with a dot), so a manifest cannot point outside its folder.
 *
 * Thread-safety: none needed; a manifest belongs to its caller.
 */
#ifndef KYODO_ENGINE_BACKUP_MANIFEST_H
#define KYODO_ENGINE_BACKUP_MANIFEST_H

#include "base/clock.h"
#include "base/err.h"
#include "engine/tenant.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_FORMAT "kyodo-backup/1"
#define MANIFEST_NAME "manifest.json"
#define MANIFEST_MAX_BYTES (4 << 20)
#define MANIFEST_MAX_DATABASES 10000
#define MANIFEST_MAX_SCOPES 32
#define MANIFEST_FILE_MAX 64
#define MANIFEST_SCOPE_MAX 32
#define MANIFEST_HASH_LEN 32

enum manifest_kind { MANIFEST_CONTROL, MANIFEST_TOWN };

struct manifest_scope {
    char name[MANIFEST_SCOPE_MAX]; /* [a-z0-9_], 1..31 bytes */
    int version;                   /* >= 1 */
};

struct manifest_db {
    enum manifest_kind kind;
    char file[MANIFEST_FILE_MAX];
    uint64_t bytes;
    unsigned char sha256[MANIFEST_HASH_LEN];
    char taken_at[CLOCK_ISO_LEN];
    struct manifest_scope scopes[MANIFEST_MAX_SCOPES];
    int scope_count;
    /* MANIFEST_TOWN only: */
    char code[7];
    char name[TENANT_NAME_CHARS * 4 + 1];
    bool active;
    int64_t audit_entries;
    unsigned char audit_head[MANIFEST_HASH_LEN];
};

struct manifest {
    char kyodo_version[32];
    char engine[16];
    char origin[16]; /* "command" or "scheduled" */
    char created_at[CLOCK_ISO_LEN];
    struct manifest_db *dbs;
    size_t count, cap;
};

void manifest_init(struct manifest *m);
void manifest_free(struct manifest *m);

/* A new, zeroed database entry at the end (NULL when out of memory or past
 * MANIFEST_MAX_DATABASES). */
struct manifest_db *manifest_add(struct manifest *m, struct kd_err *err);

/* Adds a scope's version to d (KD_INVALID_VALUE past MANIFEST_MAX_SCOPES or
 * for a bad name). */
int manifest_add_scope(struct manifest_db *d, const char *name, int version, struct kd_err *err);

/* The version of scope in d, 0 if absent. */
int manifest_scope_version(const struct manifest_db *d, const char *scope);

/* manifest.json text (UTF-8, indented, ends with a newline), malloc'd; the
 * manifest is checked first as manifest_parse() would check it. */
char *manifest_to_json(const struct manifest *m, size_t *len, struct kd_err *err);

/* Parses manifest.json text into m (initialised by the call; free it with
 * manifest_free() whatever the result). */
int manifest_parse(struct manifest *m, const char *text, size_t len, struct kd_err *err);

/* Reads and parses dir/manifest.json. */
int manifest_load(struct manifest *m, const char *dir, struct kd_err *err);

const struct manifest_db *manifest_town(const struct manifest *m, const char *code);
const struct manifest_db *manifest_control(const struct manifest *m);

/* A plain file name allowed in a set: 1..63 bytes of [A-Za-z0-9._-], not
 * starting with a dot. */
bool manifest_file_name_ok(const char *name, size_t len);

/* SHA-256 and size of a file, read in blocks. */
int manifest_hash_file(const char *path, unsigned char out[MANIFEST_HASH_LEN], uint64_t *bytes,
                       struct kd_err *err);

#endif
