/*
 * migration_zip.h — an export set packed as a zip, and an uploaded import
 * set unpacked from one, with the checks an archive from outside needs
 * (libzip reads and writes the format; the rules are here).
 *
 * An uploaded archive is checked whole before a byte is written: every
 * entry must be one of the names allowed — the layout's physical files and
 * manifest.json at the top level, or a file directly inside one of the
 * layout's folders ("images/123.png": [0-9A-Za-z._-], not starting with a
 * dot) — once; not encrypted; stored or deflated; the entries together no
 * larger than max_unpacked as their headers declare them, and none
 * compressed more than MZ_MAX_RATIO to one (a zip bomb). While unpacking, an
 * entry that holds more than its header said, or fails its CRC, stops
 * everything. Files are created new (O_EXCL, O_NOFOLLOW), mode 0600, folders
 * 0700; on failure everything written is removed.
 *
 * Errors name the field "file" (the uploaded body) and never echo an entry's
 * name (client text): entries are named by their position (1, 2, …).
 *   KD_UNSUPPORTED_MEDIA   not a zip archive
 *   KD_INVALID_VALUE       damaged, an entry not allowed, a duplicate, a
 *                          nested folder, encryption, another compression
 *                          method, an entry larger than declared, too many
 *                          entries, no layout file
 *   KD_PAYLOAD_TOO_LARGE   too much once unpacked, or too high a ratio
 *   KD_UNAVAILABLE         the server could not write (disk full …)
 *
 * Thread-safety: no shared state; any thread.
 */
#ifndef KYODO_API_MIGRATION_ZIP_H
#define KYODO_API_MIGRATION_ZIP_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

/* An entry larger than this (uncompressed) may not be compressed more than
 * MZ_MAX_RATIO to one. Real CSV compresses 5 to 30 times; a bomb of zeros
 * a thousand times. */
#define MZ_RATIO_FLOOR (1 << 20)
#define MZ_MAX_RATIO 200

#define MZ_NAME_MAX 64

/* Entries of an archive with folders (a picture per seal) at most. */
#define MZ_MAX_ENTRIES 200000

struct mz_rules {
    /* The layout's physical files: allowed names, exact; a name ending in
     * "/" is a folder whose files (one level) are allowed. */
    const char *const *files;
    int n_files;              /* at least one file (or folder's file) must be there */
    const char *manifest;     /* also allowed ("manifest.json"), or NULL */
    int64_t max_unpacked;     /* the entries together, uncompressed */
    int64_t room;             /* free disk space for them (KD_UNAVAILABLE past it); 0: unchecked */
};

/* What was unpacked, by allowed name: a file, or a folder with the count
 * and bytes of its files. */
struct mz_entry {
    char name[MZ_NAME_MAX];
    int64_t files; /* 1 for a file; the files in a folder */
    int64_t size;  /* uncompressed bytes */
};

/* Checks the archive in fd (read from offset 0; the caller keeps fd) and
 * unpacks it into dir, which must exist and be empty. Fills out (room for
 * rules->n_files + 1 entries: one per allowed name present, in the rules'
 * order, the manifest last) and *n_out. */
int mz_unpack_fd(int fd, const struct mz_rules *rules, const char *dir, struct mz_entry *out,
                 int *n_out, struct kd_err *e);

/* The same for an archive in memory (tests, fuzzing). */
int mz_unpack_buffer(const void *data, size_t len, const struct mz_rules *rules,
                     const char *dir, struct mz_entry *out, int *n_out, struct kd_err *e);

/* Packs the regular files of dir (not its folders), in name order, into a
 * zip at zip_path, deflated, each entry dated mtime (seconds since the
 * epoch). The zip is written to zip_path + ".part" and renamed over
 * zip_path when complete, mode 0600: no half zip is ever at zip_path. */
int mz_pack(const char *dir, const char *zip_path, int64_t mtime, struct kd_err *e);

#endif
