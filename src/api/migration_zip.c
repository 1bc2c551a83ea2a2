/*
 * migration_zip.c — zip files of export and import sets (libzip), with the
 * checks of migration_zip.h.
 */
#include "api/migration_zip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define FIELD "file"

static int damaged(struct kd_err *e, const char *what)
{
    return kd_fail(e, KD_INVALID_VALUE, FIELD, "the zip file is damaged or incomplete (%s)",
                   what);
}

static int open_failed(int code, struct kd_err *e)
{
    if (code == ZIP_ER_NOZIP)
        return kd_fail(e, KD_UNSUPPORTED_MEDIA, FIELD, "the body is not a zip file");
    if (code == ZIP_ER_MEMORY)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory opening a zip file");
    if (code == ZIP_ER_EXISTS) /* libzip's own check, before ours */
        return kd_fail(e, KD_INVALID_VALUE, FIELD, "two entries of the zip file have the same name");
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int rc = damaged(e, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return rc;
}

static bool is_folder(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && name[n - 1] == '/';
}

/* A file's name inside a folder: [0-9A-Za-z._-], 1..MZ_NAME_MAX-1 bytes,
 * not starting with a dot. */
static bool leaf_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MZ_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

enum { AS_FILE, AS_FOLDER, AS_IN_FOLDER };

/* The slot an entry's name takes (rules->files index; n_files for the
 * manifest) and how, or -1. */
static int slot_of(const struct mz_rules *r, const char *name, int *as)
{
    for (int i = 0; i < r->n_files; i++) {
        const char *f = r->files[i];
        if (!is_folder(f)) {
            if (strcmp(f, name) == 0) {
                *as = AS_FILE;
                return i;
            }
            continue;
        }
        size_t n = strlen(f);
        if (strncmp(f, name, n) != 0)
            continue;
        if (name[n] == '\0') {
            *as = AS_FOLDER;
            return i;
        }
        if (leaf_ok(name + n)) {
            *as = AS_IN_FOLDER;
            return i;
        }
        return -1;
    }
    if (r->manifest && strcmp(r->manifest, name) == 0) {
        *as = AS_FILE;
        return r->n_files;
    }
    return -1;
}

static void list_allowed(const struct mz_rules *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i <= r->n_files && n + 1 < cap; i++) {
        const char *name = i < r->n_files ? r->files[i] : r->manifest;
        if (!name)
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s%s", n ? ", " : "", name,
                         is_folder(name) ? "<file>" : "");
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* One entry of the archive, as planned by the check. */
struct plan {
    zip_uint64_t index;
    int slot, as;
    int64_t size;
    const char *name; /* libzip's, valid while the archive is open */
};

static int by_plan_name(const void *a, const void *b)
{
    return strcmp(((const struct plan *)a)->name, ((const struct plan *)b)->name);
}

/* Every entry against the rules, from the central directory alone. */
static int check_entries(zip_t *z, const struct mz_rules *r, struct plan **plan_out,
                         int64_t *n_out, struct kd_err *e)
{
    zip_int64_t n = zip_get_num_entries(z, 0);
    char names[400];
    list_allowed(r, names, sizeof names);
    bool folders = false;
    for (int i = 0; i < r->n_files; i++)
        folders |= is_folder(r->files[i]);
    int64_t most = folders ? MZ_MAX_ENTRIES : r->n_files + (r->manifest ? 1 : 0);
    if (n <= 0)
        return kd_fail(e, KD_INVALID_VALUE, FIELD, "the zip file is empty; expected %s", names);
    if (n > most)
        return kd_fail(e, KD_INVALID_VALUE, FIELD,
                       "the zip file has %lld entries; an import set has at most %lld: %s",
                       (long long)n, (long long)most, names);
    struct plan *plan = calloc((size_t)n, sizeof *plan);
    if (!plan)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory checking a zip file");
    int64_t total = 0, files = 0;
    int rc = 0;
    for (zip_int64_t i = 0; i < n && rc == 0; i++) {
        long long pos = (long long)i + 1;
        zip_stat_t st;
        const zip_uint64_t need = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE |
                                  ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) < 0) {
            rc = damaged(e, zip_strerror(z));
            break;
        }
        if ((st.valid & need) != need) {
            rc = damaged(e, "an entry without its sizes");
            break;
        }
        int as = AS_FILE;
        int slot = slot_of(r, st.name, &as);
        if (slot < 0) {
            rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                         "entry %lld of the zip file is not a file of the layout: the entries "
                         "must be %s, at the top level (no folders)",
                         pos, names);
            break;
        }
        if (st.encryption_method != ZIP_EM_NONE)
            rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                         "entry %lld of the zip file is encrypted; send it unencrypted", pos);
        else if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
            rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                         "entry %lld of the zip file uses compression method %d; only stored "
                         "and deflated entries are accepted",
                         pos, (int)st.comp_method);
        else if (as == AS_FOLDER && st.size != 0)
            rc = damaged(e, "a folder entry with data");
        else if (st.size > (zip_uint64_t)r->max_unpacked ||
                 (int64_t)st.size > r->max_unpacked - total)
            rc = kd_fail(e, KD_PAYLOAD_TOO_LARGE, FIELD,
                         "the files of the zip file are larger than %lld bytes together once "
                         "unpacked",
                         (long long)r->max_unpacked);
        else if (st.size > MZ_RATIO_FLOOR &&
                 (st.comp_size == 0 || st.size / st.comp_size > MZ_MAX_RATIO))
            rc = kd_fail(e, KD_PAYLOAD_TOO_LARGE, FIELD,
                         "entry %lld of the zip file is compressed more than %d to 1, which "
                         "data files never are: refused as a possible zip bomb",
                         pos, MZ_MAX_RATIO);
        total += (int64_t)st.size;
        files += as != AS_FOLDER && slot < r->n_files;
        plan[i] = (struct plan){(zip_uint64_t)i, slot, as, (int64_t)st.size, st.name};
    }
    /* Each name once: sorted, a name equal to the next is a duplicate. */
    if (rc == 0) {
        struct plan *sorted = malloc((size_t)n * sizeof *sorted);
        if (!sorted) {
            rc = kd_fail(e, KD_INTERNAL, NULL, "out of memory checking a zip file");
        } else {
            memcpy(sorted, plan, (size_t)n * sizeof *sorted);
            qsort(sorted, (size_t)n, sizeof *sorted, by_plan_name);
            for (zip_int64_t i = 1; i < n && rc == 0; i++)
                if (strcmp(sorted[i - 1].name, sorted[i].name) == 0)
                    rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                                 "entries %lld and %lld of the zip file have the same name",
                                 (long long)sorted[i - 1].index + 1,
                                 (long long)sorted[i].index + 1);
            free(sorted);
        }
    }
    if (rc == 0 && files == 0)
        rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                     "the zip file holds no file of the layout; expected %s", names);
    if (rc == 0 && r->room > 0 && total > r->room)
        rc = kd_fail(e, KD_UNAVAILABLE, NULL,
                     "not enough disk space on the server for the import set (%lld MiB once "
                     "unpacked, %lld MiB free)",
                     (long long)(total >> 20), (long long)(r->room >> 20));
    if (rc < 0) {
        free(plan);
        return -1;
    }
    *plan_out = plan;
    *n_out = n;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Unpacks one entry into path, never more than its declared size. */
static int unpack_one(zip_t *z, const struct plan *p, const char *path, struct kd_err *e)
{
    long long pos = (long long)p->index + 1;
    zip_file_t *zf = zip_fopen_index(z, p->index, 0);
    if (!zf)
        return damaged(e, zip_strerror(z));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        zip_fclose(zf);
        return kd_fail(e, KD_UNAVAILABLE, NULL, "cannot create a file of the import set: %s",
                       strerror(errno));
    }
    static _Thread_local char buf[1 << 16];
    int64_t got = 0;
    int rc = 0;
    for (;;) {
        zip_int64_t n = zip_fread(zf, buf, sizeof buf);
        if (n < 0) {
            rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                         "entry %lld of the zip file cannot be read (%s)", pos,
                         zip_error_strerror(zip_file_get_error(zf)));
            break;
        }
        if (n == 0)
            break;
        if (n > p->size - got) {
            rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                         "entry %lld of the zip file holds more than its header says", pos);
            break;
        }
        if (write_all(fd, buf, (size_t)n) < 0) {
            rc = kd_fail(e, KD_UNAVAILABLE, NULL, "cannot write the import set: %s",
                         strerror(errno));
            break;
        }
        got += n;
    }
    if (rc == 0 && got != p->size)
        rc = kd_fail(e, KD_INVALID_VALUE, FIELD,
                     "entry %lld of the zip file holds less than its header says", pos);
    zip_fclose(zf);
    if (rc == 0 && fsync(fd) < 0)
        rc = kd_fail(e, KD_UNAVAILABLE, NULL, "cannot write the import set: %s",
                     strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = kd_fail(e, KD_UNAVAILABLE, NULL, "cannot write the import set: %s",
                     strerror(errno));
    return rc;
}

/* Removes what dir holds (files, and folders one level down). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            char sub[1100];
            snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
            empty_dir(sub);
            unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
        } else {
            unlinkat(dirfd(d), de->d_name, 0);
        }
    }
    closedir(d);
}

static int make_folder(const char *path, struct kd_err *e)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return kd_fail(e, KD_UNAVAILABLE, NULL, "cannot create a folder of the import set: %s",
                   strerror(errno));
}

static int unpack(zip_t *z, const struct mz_rules *r, const char *dir, struct mz_entry *out,
                  int *n_out, struct kd_err *e)
{
    struct plan *plan = NULL;
    int64_t n = 0;
    if (check_entries(z, r, &plan, &n, e) < 0)
        return -1;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        const struct plan *p = &plan[i];
        char path[1100];
        if (p->as == AS_FILE) {
            snprintf(path, sizeof path, "%s/%s", dir, p->name);
            rc = unpack_one(z, p, path, e);
            continue;
        }
        /* A folder of the layout: "images/" (trailing slash dropped). */
        const char *folder = r->files[p->slot];
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)strlen(folder) - 1, folder);
        rc = make_folder(path, e);
        if (rc == 0 && p->as == AS_IN_FOLDER) {
            snprintf(path, sizeof path, "%s/%s", dir, p->name);
            rc = unpack_one(z, p, path, e);
        }
    }
    if (rc < 0) {
        empty_dir(dir);
        free(plan);
        return -1;
    }
    /* One line per allowed name present, in the rules' order. */
    int k = 0;
    for (int s = 0; s <= r->n_files; s++) {
        const char *name = s < r->n_files ? r->files[s] : r->manifest;
        struct mz_entry sum = {.files = 0, .size = 0};
        bool present = false;
        for (int64_t i = 0; i < n; i++) {
            if (plan[i].slot != s)
                continue;
            present = true;
            sum.files += plan[i].as != AS_FOLDER;
            sum.size += plan[i].size;
        }
        if (!present || !name)
            continue;
        snprintf(sum.name, sizeof sum.name, "%s", name);
        out[k++] = sum;
    }
    free(plan);
    *n_out = k;
    return 0;
}

int mz_unpack_fd(int fd, const struct mz_rules *rules, const char *dir, struct mz_entry *out,
                 int *n_out, struct kd_err *e)
{
    int own = dup(fd);
    if (own < 0)
        return kd_fail(e, KD_UNAVAILABLE, NULL, "cannot read the upload: %s", strerror(errno));
    if (lseek(own, 0, SEEK_SET) != 0) {
        close(own);
        return kd_fail(e, KD_UNAVAILABLE, NULL, "cannot read the upload: %s", strerror(errno));
    }
    int code = 0;
    zip_t *z = zip_fdopen(own, ZIP_CHECKCONS, &code);
    if (!z) {
        close(own);
        return open_failed(code, e);
    }
    int rc = unpack(z, rules, dir, out, n_out, e);
    zip_discard(z);
    return rc;
}

int mz_unpack_buffer(const void *data, size_t len, const struct mz_rules *rules,
                     const char *dir, struct mz_entry *out, int *n_out, struct kd_err *e)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory opening a zip file");
    }
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!z) {
        int code = zip_error_code_zip(&ze);
        zip_source_free(src);
        zip_error_fini(&ze);
        return open_failed(code, e);
    }
    zip_error_fini(&ze);
    int rc = unpack(z, rules, dir, out, n_out, e);
    zip_discard(z);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted; *names and each name malloc'd. */
static int list_files(const char *dir, char ***names, int *count, struct kd_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return kd_fail(e, KD_INTERNAL, NULL, "cannot read the export folder: %s",
                       strerror(errno));
    char **list = NULL;
    int n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(list, (size_t)cap * sizeof *grown);
            if (!grown) {
                rc = -1;
                break;
            }
            list = grown;
        }
        if (!(list[n] = strdup(de->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory listing the export folder");
    }
    if (n > 1)
        qsort(list, (size_t)n, sizeof *list, by_name);
    *names = list;
    *count = n;
    return 0;
}

int mz_pack(const char *dir, const char *zip_path, int64_t mtime, struct kd_err *e)
{
    char **names = NULL;
    int n = 0;
    if (list_files(dir, &names, &n, e) < 0)
        return -1;
    char part[1100];
    snprintf(part, sizeof part, "%s.part", zip_path);
    unlink(part);
    int code = 0, rc = -1;
    zip_t *z = zip_open(part, ZIP_CREATE | ZIP_EXCL, &code);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        kd_fail(e, KD_INTERNAL, NULL, "cannot create the zip file: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto out_names;
    }
    for (int i = 0; i < n; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        zip_source_t *src = zip_source_file(z, path, 0, -1);
        zip_int64_t idx = src ? zip_file_add(z, names[i], src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            kd_fail(e, KD_INTERNAL, NULL, "cannot add a file to the zip: %s", zip_strerror(z));
            zip_discard(z);
            goto out_names;
        }
        if (zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 6) < 0 ||
            zip_file_set_mtime(z, (zip_uint64_t)idx, (time_t)mtime, 0) < 0) {
            kd_fail(e, KD_INTERNAL, NULL, "cannot set up the zip entry: %s", zip_strerror(z));
            zip_discard(z);
            goto out_names;
        }
    }
    if (zip_close(z) < 0) {
        kd_fail(e, KD_INTERNAL, NULL, "cannot write the zip file: %s", zip_strerror(z));
        zip_discard(z);
        unlink(part);
        goto out_names;
    }
    if (chmod(part, 0600) < 0 || rename(part, zip_path) < 0) {
        kd_fail(e, KD_INTERNAL, NULL, "cannot put the zip file in place: %s", strerror(errno));
        unlink(part);
        goto out_names;
    }
    rc = 0;
out_names:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
