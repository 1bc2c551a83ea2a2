/*
 * fuzz_migration_zip.c — an uploaded import set's zip (api/migration_zip.h).
 *
 * For any bytes (at most 512 KiB), unpacked into a fresh folder with the
 * rules of a layout of two files and a folder (A.csv, B.csv, img/, and
 * manifest.json), at most 1 MiB unpacked:
 *   - mz_unpack_buffer never crashes, leaks or reads out of bounds;
 *   - a failure is one of the documented codes, names the field "file"
 *     (or none for the server's own trouble), and leaves the folder empty;
 *   - a success reports between 1 and 4 allowed names, none twice, at least
 *     one file of the layout; each file has the size its entry declared, the
 *     folder's files add up to what it reports, and nothing else is there.
 */
#include "api/migration_zip.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_migration_zip: check failed: %s (line %d)\n", #cond,        \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const char *const FILES[] = {"A.csv", "B.csv", "img/"};

/* Empties dir (and its folders); returns how many entries it held, and
 * adds the files' sizes to *bytes. */
static int empty_dir(const char *dir, int64_t *bytes)
{
    DIR *d = opendir(dir);
    CHECK(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        CHECK(lstat(path, &st) == 0);
        CHECK(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
        if (S_ISDIR(st.st_mode)) {
            empty_dir(path, bytes);
            CHECK(rmdir(path) == 0);
        } else {
            *bytes += st.st_size;
            unlink(path);
        }
        n++;
    }
    closedir(d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-migzip-XXXXXX");
        CHECK(mkdtemp(dir));
    }
    if (size > 512 * 1024)
        return 0;
    struct mz_rules rules = {FILES, 3, "manifest.json", 1 << 20, 0};
    struct mz_entry ents[4];
    int n = -1;
    struct kd_err e;
    kd_err_clear(&e);
    int rc = mz_unpack_buffer(data, size, &rules, dir, ents, &n, &e);
    if (rc < 0) {
        CHECK(e.code == KD_UNSUPPORTED_MEDIA || e.code == KD_INVALID_VALUE ||
              e.code == KD_PAYLOAD_TOO_LARGE || e.code == KD_UNAVAILABLE ||
              e.code == KD_INTERNAL);
        CHECK(strcmp(e.field, "file") == 0 || e.field[0] == '\0');
        int64_t none = 0;
        CHECK(empty_dir(dir, &none) == 0);
        return 0;
    }
    CHECK(rc == 0 && n >= 1 && n <= 4);
    int files = 0;
    int64_t declared = 0;
    for (int i = 0; i < n; i++) {
        bool is_file = strcmp(ents[i].name, "A.csv") == 0 || strcmp(ents[i].name, "B.csv") == 0;
        bool folder = strcmp(ents[i].name, "img/") == 0;
        CHECK(is_file || folder || strcmp(ents[i].name, "manifest.json") == 0);
        files += is_file || (folder && ents[i].files > 0);
        for (int k = 0; k < i; k++)
            CHECK(strcmp(ents[k].name, ents[i].name) != 0);
        char path[600];
        snprintf(path, sizeof path, "%s/%.*s", dir, folder ? 3 : 64, ents[i].name);
        struct stat st;
        CHECK(lstat(path, &st) == 0 && (folder ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)));
        if (!folder)
            CHECK((int64_t)st.st_size == ents[i].size && ents[i].files == 1);
        declared += ents[i].size;
    }
    CHECK(files >= 1);
    int64_t bytes = 0;
    CHECK(empty_dir(dir, &bytes) == n);
    CHECK(bytes == declared);
    return 0;
}
