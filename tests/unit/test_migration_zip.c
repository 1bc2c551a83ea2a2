/*
 * test_migration_zip.c — src/api/migration_zip.c: an uploaded import set
 * unpacked only when every entry is a file of the layout (or the manifest)
 * at the top level, once, unencrypted, stored or deflated, within the size
 * and ratio limits and the disk's room; an entry that holds more than its
 * header says, a damaged or truncated archive, and bytes that are no zip
 * at all are refused with nothing left behind; an export folder packed and
 * unpacked again gives the same files.
 */
#include "testutil.h"

#include "api/migration_zip.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <zip.h>

static const char *const FILES[] = {"A.csv", "B.csv"};
static const struct mz_rules RULES = {FILES, 2, "manifest.json", 1 << 20, 0};

struct entry {
    const char *name;
    const char *data; /* NULL: `fill` bytes of zeros */
    size_t fill;
    bool stored;
};

/* Builds a zip in memory (libzip writing into a buffer source). */
static unsigned char *make_zip(const struct entry *ents, int n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(out);
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    for (int i = 0; i < n; i++) {
        size_t size = ents[i].data ? strlen(ents[i].data) : ents[i].fill;
        void *copy = size ? calloc(1, size) : NULL;
        if (ents[i].data && size)
            memcpy(copy, ents[i].data, size);
        zip_source_t *src = zip_source_buffer(z, size ? copy : "", size, size ? 1 : 0);
        assert_non_null(src);
        zip_int64_t idx = zip_file_add(z, ents[i].name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        assert_true(idx >= 0);
        assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx,
                                                  ents[i].stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                                  0),
                         0);
    }
    assert_int_equal(zip_close(z), 0);
    assert_int_equal(zip_source_open(out), 0);
    assert_int_equal(zip_source_seek(out, 0, SEEK_END), 0);
    zip_int64_t size = zip_source_tell(out);
    assert_true(size > 0);
    assert_int_equal(zip_source_seek(out, 0, SEEK_SET), 0);
    unsigned char *buf = malloc((size_t)size);
    assert_int_equal(zip_source_read(out, buf, (zip_uint64_t)size), size);
    zip_source_close(out);
    zip_source_free(out);
    *len = (size_t)size;
    return buf;
}

static int count_files(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static char *read_file(const char *dir, const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Unpacks into a fresh folder; returns the error code (KD_OK on success). */
static enum kd_code unpack(const unsigned char *zip, size_t len, const struct mz_rules *r,
                           char **dir_out, struct kd_err *e)
{
    char *dir = make_temp_dir();
    struct mz_entry ents[3];
    int n = -1;
    kd_err_clear(e);
    int rc = mz_unpack_buffer(zip, len, r, dir, ents, &n, e);
    if (rc < 0) {
        assert_int_not_equal(e->code, KD_OK);
        assert_string_equal(e->field, e->code == KD_UNAVAILABLE ? "" : "file");
        /* Nothing is left behind. */
        assert_int_equal(count_files(dir), 0);
    }
    if (dir_out)
        *dir_out = dir;
    else
        rm_tree(dir);
    return rc < 0 ? e->code : KD_OK;
}

static void a_set_is_unpacked(void **state)
{
    (void)state;
    struct entry ents[] = {{"A.csv", "a,b\n1,2\n", 0, false},
                           {"manifest.json", "{}", 0, true},
                           {"B.csv", "x\n", 0, false}};
    size_t len;
    unsigned char *zip = make_zip(ents, 3, &len);
    char *dir;
    struct kd_err e;
    assert_int_equal(unpack(zip, len, &RULES, &dir, &e), KD_OK);
    assert_string_equal(read_file(dir, "A.csv"), "a,b\n1,2\n");
    assert_string_equal(read_file(dir, "B.csv"), "x\n");
    assert_string_equal(read_file(dir, "manifest.json"), "{}");
    char path[300];
    snprintf(path, sizeof path, "%s/A.csv", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    rm_tree(dir);

    /* From a file descriptor as well (the spooled upload), read from 0
     * whatever its offset. */
    char *tmp = make_temp_dir();
    snprintf(path, sizeof path, "%s/up.zip", tmp);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_int_equal(write(fd, zip, len), (ssize_t)len);
    char *out = make_temp_dir();
    struct mz_entry got[3];
    int n = 0;
    assert_int_equal(mz_unpack_fd(fd, &RULES, out, got, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(got[0].name, "A.csv");
    assert_int_equal(got[0].size, 8);
    close(fd);
    rm_tree(out);
    rm_tree(tmp);
    free(zip);
}

static void names_outside_the_layout_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"../A.csv", "/A.csv", "sub/A.csv", "a.csv", "A.csv/",
                                      "C.csv", "..", ".A.csv", "A.csv\\x", "manifest.JSON"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct entry ents[] = {{"A.csv", "1\n", 0, false}, {bad[i], "2\n", 0, false}};
        size_t len;
        unsigned char *zip = make_zip(ents, 2, &len);
        struct kd_err e;
        enum kd_code code = unpack(zip, len, &RULES, NULL, &e);
        if (code != KD_INVALID_VALUE)
            fail_msg("entry name %s: expected invalid_value, got %d", bad[i], code);
        assert_non_null(strstr(e.message, "entry 2"));
        /* The name itself (client text) is not echoed. */
        if (strcmp(bad[i], "..") != 0)
            assert_null(strstr(e.message, bad[i]));
        free(zip);
    }
}

static void shapes_that_are_refused(void **state)
{
    (void)state;
    struct kd_err e;
    size_t len;
    /* Only the manifest: no file of the layout. */
    struct entry only_manifest[] = {{"manifest.json", "{}", 0, false}};
    unsigned char *zip = make_zip(only_manifest, 1, &len);
    assert_int_equal(unpack(zip, len, &RULES, NULL, &e), KD_INVALID_VALUE);
    assert_non_null(strstr(e.message, "no file of the layout"));
    free(zip);
    /* More entries than the layout has files (+ manifest). */
    struct entry many[] = {{"A.csv", "1", 0, false}, {"B.csv", "1", 0, false},
                           {"manifest.json", "1", 0, false}, {"x", "1", 0, false}};
    zip = make_zip(many, 4, &len);
    assert_int_equal(unpack(zip, len, &RULES, NULL, &e), KD_INVALID_VALUE);
    assert_non_null(strstr(e.message, "4 entries"));
    free(zip);
    /* Two entries of one name: made by renaming B.csv to A.csv in the bytes. */
    struct entry two[] = {{"A.csv", "1\n", 0, false}, {"B.csv", "2\n", 0, false}};
    zip = make_zip(two, 2, &len);
    for (size_t i = 0; i + 5 <= len; i++)
        if (memcmp(zip + i, "B.csv", 5) == 0)
            zip[i] = 'A';
    assert_int_equal(unpack(zip, len, &RULES, NULL, &e), KD_INVALID_VALUE);
    free(zip);
    /* Not a zip; an empty body; a truncated zip. */
    static const char text[] = "住民コード,氏名\n1,x\n";
    assert_int_equal(unpack((const unsigned char *)text, sizeof text - 1, &RULES, NULL, &e),
                     KD_UNSUPPORTED_MEDIA);
    assert_int_equal(unpack((const unsigned char *)"", 0, &RULES, NULL, &e) != KD_OK, true);
    struct entry one[] = {{"A.csv", "a,b,c\n1,2,3\n", 0, false}};
    zip = make_zip(one, 1, &len);
    for (size_t cut = 1; cut < len; cut += 7)
        assert_int_not_equal(unpack(zip, cut, &RULES, NULL, &e), KD_OK);
    free(zip);
}

static void sizes_and_bombs(void **state)
{
    (void)state;
    struct kd_err e;
    size_t len;
    /* 4 MiB of zeros deflate to a few KiB: a ratio no data file has. */
    struct entry bomb[] = {{"A.csv", NULL, 4 << 20, false}};
    unsigned char *zip = make_zip(bomb, 1, &len);
    struct mz_rules big = RULES;
    big.max_unpacked = 1LL << 30;
    assert_int_equal(unpack(zip, len, &big, NULL, &e), KD_PAYLOAD_TOO_LARGE);
    assert_non_null(strstr(e.message, "zip bomb"));
    /* The same stored (ratio 1) passes the ratio but not a smaller limit. */
    free(zip);
    bomb[0].stored = true;
    zip = make_zip(bomb, 1, &len);
    assert_int_equal(unpack(zip, len, &big, NULL, &e), KD_OK);
    struct mz_rules small = RULES;
    small.max_unpacked = 1 << 20;
    assert_int_equal(unpack(zip, len, &small, NULL, &e), KD_PAYLOAD_TOO_LARGE);
    /* Not enough room on the disk. */
    struct mz_rules tight = big;
    tight.room = 1000;
    assert_int_equal(unpack(zip, len, &tight, NULL, &e), KD_UNAVAILABLE);
    free(zip);
    /* Several entries add up: each under the limit, together over it. */
    struct entry parts[] = {{"A.csv", NULL, 600 << 10, true}, {"B.csv", NULL, 600 << 10, true}};
    zip = make_zip(parts, 2, &len);
    assert_int_equal(unpack(zip, len, &small, NULL, &e), KD_PAYLOAD_TOO_LARGE);
    free(zip);
}

/* Little-endian u32 at p. */
static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void an_entry_that_lies_about_its_size(void **state)
{
    (void)state;
    struct kd_err e;
    size_t len;
    struct entry one[] = {{"A.csv", "0123456789abcdefghij0123456789abcdefghij", 0, false}};
    unsigned char *zip = make_zip(one, 1, &len);
    /* The uncompressed size in the local header (offset 22) and the central
     * directory (offset 24 from its signature) says 10 instead of 40. */
    put32(zip + 22, 10);
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(zip + i, "PK\1\2", 4) == 0)
            put32(zip + i + 24, 10);
    assert_int_equal(unpack(zip, len, &RULES, NULL, &e), KD_INVALID_VALUE);
    free(zip);
    /* A changed byte of the data: the CRC no longer matches. */
    struct entry stored[] = {{"A.csv", "0123456789", 0, true}};
    zip = make_zip(stored, 1, &len);
    for (size_t i = 0; i + 10 <= len; i++)
        if (memcmp(zip + i, "0123456789", 10) == 0)
            zip[i] = 'X';
    assert_int_equal(unpack(zip, len, &RULES, NULL, &e), KD_INVALID_VALUE);
    free(zip);
}

static void encrypted_entries_are_refused(void **state)
{
    (void)state;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    static const char data[] = "1,2\n";
    zip_int64_t idx = zip_file_add(z, "A.csv", zip_source_buffer(z, data, 4, 0), 0);
    if (zip_file_set_encryption(z, (zip_uint64_t)idx, ZIP_EM_AES_256, "secret-pass") < 0) {
        zip_discard(z);
        zip_source_free(out);
        skip(); /* this libzip was built without encryption */
    }
    assert_int_equal(zip_close(z), 0);
    zip_source_open(out);
    zip_source_seek(out, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(out);
    zip_source_seek(out, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    zip_source_read(out, buf, (zip_uint64_t)size);
    zip_source_close(out);
    zip_source_free(out);
    struct kd_err e;
    assert_int_equal(unpack(buf, (size_t)size, &RULES, NULL, &e), KD_INVALID_VALUE);
    assert_non_null(strstr(e.message, "encrypted"));
    free(buf);
}

static void files_in_a_folder_of_the_layout(void **state)
{
    (void)state;
    static const char *const files[] = {"A.csv", "images/"};
    const struct mz_rules rules = {files, 2, "manifest.json", 1 << 20, 0};
    struct entry ents[] = {{"images/", "", 0, true},
                           {"A.csv", "1\n", 0, false},
                           {"images/000123.png", "png-bytes", 0, true},
                           {"images/000124.JPG", "jpg", 0, false}};
    size_t len;
    unsigned char *zip = make_zip(ents, 4, &len);
    char *dir = make_temp_dir();
    struct mz_entry out[3];
    int n = 0;
    struct kd_err e;
    assert_int_equal(mz_unpack_buffer(zip, len, &rules, dir, out, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].name, "A.csv");
    assert_int_equal(out[0].files, 1);
    assert_string_equal(out[1].name, "images/");
    assert_int_equal(out[1].files, 2);
    assert_int_equal(out[1].size, 12);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/images", dir);
    assert_string_equal(read_file(sub, "000123.png"), "png-bytes");
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    rm_tree(dir);
    free(zip);
    /* Only pictures, without the layout's file: still a set (the folder
     * belongs to the layout). Deeper folders, hidden names, other characters,
     * a way out, and a folder entry with data are refused. */
    static const char *const bad[] = {"images/sub/1.png", "images/.x", "images/a b.png",
                                      "images/../A.csv", "images/画像.png", "img/1.png"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct entry two[] = {{"A.csv", "1\n", 0, false}, {bad[i], "x", 0, false}};
        zip = make_zip(two, 2, &len);
        if (unpack(zip, len, &rules, NULL, &e) != KD_INVALID_VALUE)
            fail_msg("%s was not refused", bad[i]);
        free(zip);
    }
    struct entry dup[] = {{"images/1.png", "x", 0, false}, {"images/2.png", "y", 0, false}};
    zip = make_zip(dup, 2, &len);
    for (size_t i = 0; i + 12 <= len; i++)
        if (memcmp(zip + i, "images/2.png", 12) == 0)
            zip[i + 7] = '1';
    assert_int_equal(unpack(zip, len, &rules, NULL, &e), KD_INVALID_VALUE);
    if (!strstr(e.message, "same name"))
        fail_msg("%s", e.message);
    free(zip);
    /* A folder's files may be many, but not without end. */
    assert_int_equal(MZ_MAX_ENTRIES >= 100000, true);
}

static void a_folder_packs_and_unpacks_the_same(void **state)
{
    (void)state;
    char *src = make_temp_dir();
    char path[300];
    static const char *const names[] = {"B.csv", "A.csv", "manifest.json"};
    static const char *const bodies[] = {"b\r\n", "住民,データ\n", "{\"rows\":1}"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", src, names[i]);
        FILE *f = fopen(path, "wb");
        fputs(bodies[i], f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/sub", src); /* a folder is not packed */
    assert_int_equal(mkdir(path, 0700), 0);
    char *dst = make_temp_dir();
    char zip_path[300];
    snprintf(zip_path, sizeof zip_path, "%s/export.zip", dst);
    struct kd_err e;
    assert_int_equal(mz_pack(src, zip_path, 1764000000, &e), 0);
    struct stat st;
    assert_int_equal(stat(zip_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char part[320];
    snprintf(part, sizeof part, "%s.part", zip_path);
    assert_int_not_equal(stat(part, &st), 0);
    /* Entries in name order, dated as asked. */
    int err = 0;
    zip_t *z = zip_open(zip_path, ZIP_RDONLY, &err);
    assert_non_null(z);
    assert_int_equal(zip_get_num_entries(z, 0), 3);
    assert_string_equal(zip_get_name(z, 0, 0), "A.csv");
    assert_string_equal(zip_get_name(z, 1, 0), "B.csv");
    assert_string_equal(zip_get_name(z, 2, 0), "manifest.json");
    zip_stat_t zs;
    zip_stat_index(z, 0, 0, &zs);
    assert_true(zs.mtime >= 1764000000 - 2 && zs.mtime <= 1764000000 + 2);
    zip_discard(z);
    int fd = open(zip_path, O_RDONLY);
    char *out = make_temp_dir();
    struct mz_entry ents[3];
    int n = 0;
    assert_int_equal(mz_unpack_fd(fd, &RULES, out, ents, &n, &e), 0);
    close(fd);
    for (int i = 0; i < 3; i++)
        assert_string_equal(read_file(out, names[i]), bodies[i]);
    rm_tree(out);
    rm_tree(dst);
    rm_tree(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_set_is_unpacked),
        cmocka_unit_test(names_outside_the_layout_are_refused),
        cmocka_unit_test(shapes_that_are_refused),
        cmocka_unit_test(sizes_and_bombs),
        cmocka_unit_test(an_entry_that_lies_about_its_size),
        cmocka_unit_test(encrypted_entries_are_refused),
        cmocka_unit_test(files_in_a_folder_of_the_layout),
        cmocka_unit_test(a_folder_packs_and_unpacks_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
