/*
 * fuzz_mig_csv.c — the migration reader (src/migration: CSV splitter,
 * decoding, 外字, every field check) on arbitrary files, in every profile.
 *
 * Input: two bytes choose the profile (encoding, header, quoting, separator,
 * date form, trim, kana widening, 不詳 forms, line ends, a 外字 table, the
 * 宛名番号 check) and the file of the example layout; the rest is the file.
 * For any input:
 *   - the reader never fails but on I/O, never crashes, and every value it
 *     gives is valid UTF-8; every report entry is valid UTF-8 with a reason;
 *   - the rows without problems are written again in the same profile (the
 *     writer accepts every one of them), read back without problems and
 *     with the same values, and written a second time byte for byte the
 *     same (the same SHA-256).
 */
#include "base/text.h"
#include "mig_example.h"
#include "migration/codec.h"
#include "migration/codec_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mig_csv: check failed: %s (line %d)\n", #cond, __LINE__);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_ROWS 32

static struct mig_layout *layout;
static char dir[64];

static void cleanup(void)
{
    char p[128];
    snprintf(p, sizeof p, "%s/KOJIN.csv", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/SETAI.csv", dir);
    unlink(p);
    rmdir(dir);
}

static const char gaiji[] = "外字コード\t文字\t説明\nF040\tU+9AD9\t\nF041\tU+845B U+E0100\t\n"
                            "F042\tU+20BB7\t\nU+E100\tU+5F45 U+E0101\t\n";

static int read_gaiji(void *ctx, const char *file, char **data, size_t *len, struct kd_err *e)
{
    (void)ctx, (void)file, (void)e;
    *len = sizeof gaiji - 1;
    *data = malloc(*len);
    if (!*data)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    memcpy(*data, gaiji, *len);
    return 0;
}

struct rows {
    int n;
    char *v[MAX_ROWS][16];
};

static void rows_free(struct rows *r)
{
    for (int i = 0; i < r->n; i++)
        for (int k = 0; k < 16; k++)
            free(r->v[i][k]);
    r->n = 0;
}

/* Reads the file through fp; keeps the good rows in *good (when not NULL).
 * Returns the number of bad rows. */
static int read_all(const struct mig_file *f, const struct mig_profile *p, FILE *fp,
                    struct rows *good)
{
    struct mig_report *rep = mig_report_new_cap(50);
    CHECK(rep);
    struct mig_reader *r;
    struct kd_err e;
    CHECK(mig_reader_open_fp(&r, layout, f, p, fp, f->path, rep, &e) == 0);
    const char *const *v;
    bool bad;
    int64_t line, last = 0;
    int rc, nbad = 0;
    while ((rc = mig_reader_next(r, &v, &bad, &line, &e)) == 1) {
        CHECK(line > last);
        last = line;
        for (int i = 0; i < f->n_items; i++)
            CHECK(text_utf8_valid(v[i], strlen(v[i]), NULL));
        if (bad) {
            nbad++;
            continue;
        }
        if (good && good->n < MAX_ROWS) {
            for (int i = 0; i < f->n_items; i++) {
                good->v[good->n][i] = strdup(v[i]);
                CHECK(good->v[good->n][i]);
            }
            good->n++;
        }
    }
    CHECK(rc == 0);
    mig_reader_close(r);
    if (mig_report_count(rep) == 0)
        CHECK(nbad == 0 || p->header);
    for (int i = 0; i < mig_report_kept(rep); i++) {
        const char *fi, *it, *val, *rs;
        int64_t ln;
        mig_report_entry(rep, i, &fi, &ln, &it, &val, &rs);
        CHECK(text_utf8_valid(val, strlen(val), NULL));
        CHECK(rs[0] && text_utf8_valid(rs, strlen(rs), NULL));
    }
    mig_report_free(rep);
    return nbad;
}

/* Writes rows; the writer must accept every one. */
static void write_all(const struct mig_file *f, const struct mig_profile *p, const struct rows *rw,
                      char sha[65])
{
    struct mig_writer *w;
    struct kd_err e;
    CHECK(mig_writer_open(&w, layout, f, p, dir, &e) == 0);
    for (int i = 0; i < rw->n; i++) {
        if (mig_writer_row(w, (const char *const *)rw->v[i], &e) < 0) {
            fprintf(stderr, "refused: %s\n", e.message);
            CHECK(0 /* the writer refused a row the reader took */);
        }
    }
    int64_t n;
    CHECK(mig_writer_close(w, &n, sha, &e) == 0);
    CHECK(n == rw->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!layout) {
        mig_writer_sync = false;
        layout = mig_example_layout();
        CHECK(layout);
        snprintf(dir, sizeof dir, "/tmp/kyodo-fuzz-mig-XXXXXX");
        CHECK(mkdtemp(dir));
        atexit(cleanup);
    }
    if (size < 2)
        return 0;
    uint8_t a = data[0], b = data[1];
    static const char *quotes[] = {"minimal", "all", "none", "minimal"};
    static const char *dates[] = {"iso", "yyyymmdd", "era", "era"};
    char text[512];
    snprintf(text, sizeof text,
             "[profile]\nencoding = %s\nheader = %s\nquote = %s\nseparator = %s\ndate = %s\n"
             "trim = %s\nkana = %s\nunknown_partial = %s\n%snewline = %s\n%satena_check = %s\n",
             a & 1 ? "cp932" : "utf-8", a & 2 ? "yes" : "no", quotes[(a >> 2) & 3],
             a & 16 ? "tab" : "comma", dates[(a >> 5) & 3], a & 128 ? "yes" : "no",
             b & 1 ? "widen" : "strict", b & 2 ? "no" : "yes", b & 4 ? "unknown_date =\n" : "",
             b & 8 ? "crlf" : "lf", b & 16 ? "gaiji = g.tsv\n" : "", b & 32 ? "none" : "m11");
    struct mig_profile *p;
    struct kd_err e;
    CHECK(mig_profile_parse("f", text, strlen(text), read_gaiji, NULL, &p, &e) == 0);
    const struct mig_file *f = mig_layout_file(layout, b & 64 ? "SETAI" : "KOJIN");

    FILE *fp = fmemopen((void *)(data + 2), size > 2 ? size - 2 : 1, "rb");
    CHECK(fp);
    if (size == 2)
        fgetc(fp);
    struct rows good = {0}, again = {0};
    read_all(f, p, fp, &good);
    fclose(fp);

    char sha1[65], sha2[65], path[128];
    write_all(f, p, &good, sha1);
    snprintf(path, sizeof path, "%s/%s", dir, f->path);
    fp = fopen(path, "rb");
    CHECK(fp);
    CHECK(read_all(f, p, fp, &again) == 0);
    fclose(fp);
    CHECK(again.n == good.n);
    for (int i = 0; i < good.n; i++)
        for (int k = 0; k < f->n_items; k++)
            if (strcmp(good.v[i][k], again.v[i][k]) != 0) {
                fprintf(stderr, "row %d item %d: '%s' came back as '%s'\n", i, k, good.v[i][k],
                        again.v[i][k]);
                CHECK(0 /* a value changed on the round trip */);
            }
    write_all(f, p, &again, sha2);
    CHECK(strcmp(sha1, sha2) == 0);
    rows_free(&good);
    rows_free(&again);
    mig_profile_free(p);
    return 0;
}
