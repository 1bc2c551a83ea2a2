/*
 * micro_codec.c — bench/codec: the migration codec alone, one thread
 * (docs/performance.md, "Migration codec").
 *
 * A 40-item resident-like file (check digits, kana, codes, dates, 不詳,
 * text with commas and quotes, a multi-line note) is generated with the
 * writer (timed: the export side), then read back:
 *
 *   kyodo  mig_reader_next: the CSV split, decoding (UTF-8 checked, or CP932
 *          decoded), and every field check of the layout (types, lengths,
 *          required, code tables, check digits, dates and 和暦 era limits),
 *          canonical values out — as an import reads;
 *   bare   the baseline: the same bytes read with fgets into a 64 KiB line
 *          buffer and split at each ',' with strchr (no quoting, no
 *          decoding, no checks), each field's length summed so the work is
 *          not optimised away.
 *
 * in two profiles: kyodo (UTF-8, header, ISO dates) and a vendor's (CP932,
 * no header, all quoted, CRLF, 年号コード+YYMMDD). The import's target is
 * 2,000,000 rows a minute end to end, so the codec must leave room for the
 * database: rows per minute, the ratio kyodo/bare, and the process's RSS at
 * 10 % and at the end of the read (the reader holds one row: they are the
 * same however large the file) are printed.
 *
 * usage: micro_codec [--rows N] (default 700,000 rows, about 210 MB in UTF-8)
 * The last lines: micro/codec-read PROFILE: kyodo R rows/min, bare B rows/min,
 * ratio X (kyodo rate / bare rate), RSS a MB at 10 %, b MB at the end
 */
#include "base/clock.h"
#include "engine/ident.h"
#include "migration/codec.h"
#include "migration/codec_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NITEMS 40

static const char *items_tsv = "項番\t項目名\t型\t桁数\t固定\t必須\tコード表\t検査\tkyodo名\t説明\n"
                               "1\t宛名番号\t数字\t10\t○\t○\t\t宛名番号\tatena\t\n"
                               "2\t世帯番号\t数字\t10\t○\t○\t\t宛名番号\tsetai_no\t\n"
                               "3\t氏名\t文字\t100\t\t○\t\t\tshimei\t\n"
                               "4\t氏名_フリガナ\tカナ\t100\t\t\t\t\tshimei_kana\t\n"
                               "5\t性別\tコード\t\t\t○\tSEX\t\tsex\t\n"
                               "6\t生年月日\t日付\t\t\t○\t\t不詳可\tbirth\t\n"
                               "7\t続柄コード1\tコード\t\t\t○\tZOKU\t\tzoku1\t\n"
                               "8\t異動年月日\t日付\t\t\t○\t\t\tido_date\t\n"
                               "9\t個人番号\t数字\t12\t○\t\t\t個人番号\tkojin_bango\t\n"
                               "10\t住民票コード\t数字\t11\t○\t\t\t住民票コード\tjumin_code\t\n"
                               "11\t住所_市区町村コード\t数字\t6\t○\t○\t\t団体コード\tadrs_lg\t\n"
                               "12\t住所_町字コード\t数字\t7\t○\t\t\t\tadrs_tyoaza_cd\t\n"
                               "13\t住所_都道府県\t文字\t4\t\t○\t\t\tadrs_pref\t\n"
                               "14\t住所_市区郡町村名\t文字\t12\t\t○\t\t\tadrs_city\t\n"
                               "15\t住所_町字\t文字\t120\t\t\t\t\tadrs_tyoaza\t\n"
                               "16\t住所_番地号表記\t文字\t50\t\t\t\t\tadrs_banti\t\n"
                               "17\t住所_方書\t文字\t300\t\t\t\t\tadrs_katagaki\t\n"
                               "18\t住所_郵便番号\t数字\t7\t○\t\t\t\tadrs_yubin\t\n"
                               "19\t住民となった年月日\t日付\t\t\t\t\t不詳可\tju_date\t\n"
                               "20\t異動事由\tコード\t\t\t○\tIDO\t\tido_jiyu\t\n"
                               "21\t住民種別\tコード\t\t\t○\tSHUBETSU\t\tshubetsu\t\n"
                               "22\t住民状態\tコード\t\t\t○\tJOTAI\t\tjotai\t\n"
                               "23\t世帯主氏名\t文字\t100\t\t\t\t\tnushi\t\n"
                               "24\t旧氏\t文字\t50\t\t\t\t\tkyushi\t\n"
                               "25\t通称\t文字\t100\t\t\t\t\ttsusho\t\n"
                               "26\t国籍名等\t文字\t200\t\t\t\t\tkokuseki\t\n"
                               "27\t在留資格等コード\t数字\t3\t\t\t\t\tzairyu\t\n"
                               "28\t在留期間の満了の日\t日付\t\t\t\t\t\tzairyu_end\t\n"
                               "29\t転入前住所_町字\t文字\t120\t\t\t\t\tmae_tyoaza\t\n"
                               "30\t転入前住所_番地号表記\t文字\t50\t\t\t\t\tmae_banti\t\n"
                               "31\t消除の異動年月日\t日付\t\t\t\t\t\tdel_date\t\n"
                               "32\t記載順位\t数値\t3\t\t○\t\t\tjuni\t\n"
                               "33\t地区管理コード1\t文字\t12\t\t\t\t\tchiku1\t\n"
                               "34\t備考\t文章\t200\t\t\t\t\tbiko\t\n"
                               "35\t届出年月日\t日付\t\t\t\t\t\ttodoke\t\n"
                               "36\t処理年月日\t日付\t\t\t○\t\t\tshori\t\n"
                               "37\t氏名_外国人ローマ字\t文字\t100\t\t\t\t\troman\t\n"
                               "38\t性別表記\t文字\t10\t\t○\t\t\tsex_label\t\n"
                               "39\t続柄表記\t文字\t20\t\t○\t\t\tzoku_label\t\n"
                               "40\t予備\t文字\t20\t\t\t\t\t\t\n";

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0) {
        fprintf(stderr, "micro_codec: cannot write %s\n", path);
        exit(1);
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* A serial of width digits with its M11 check digit (remainder 1 -> 0). */
static void m11(char *out, int width, long serial)
{
    snprintf(out, 16, "%0*ld", width - 1, serial);
    int cd = ident_m11_check_digit(out, (size_t)width - 1, IDENT_M11_R1_ZERO);
    out[width - 1] = (char)('0' + cd);
    out[width] = '\0';
}

static void mynumber(char *out)
{
    for (int i = 0; i < 11; i++)
        out[i] = (char)('0' + rnd(10));
    out[11] = (char)('0' + ident_mynumber_check_digit(out));
    out[12] = '\0';
}

static void jumin(char *out)
{
    for (int i = 0; i < 10; i++)
        out[i] = (char)('0' + rnd(10));
    out[11] = '\0';
    for (int cd = 0; cd < 10; cd++) {
        out[10] = (char)('0' + cd);
        if (ident_jumin_code_valid(out, 11))
            return;
    }
}

static const char *surnames[] = {"佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村"};
static const char *kana_s[] = {"サトウ",   "スズキ", "タカハシ", "タナカ",
                               "ワタナベ", "イトウ", "ヤマモト", "ナカムラ"};
static const char *given[] = {"太郎", "花子", "一郎", "美咲", "健太", "由美"};
static const char *kana_g[] = {"タロウ", "ハナコ", "イチロウ", "ミサキ", "ケンタ", "ユミ"};

struct row {
    char s[NITEMS][160];
    const char *v[NITEMS];
};

static void make_row(struct row *r, long i)
{
    for (int k = 0; k < NITEMS; k++) {
        r->s[k][0] = '\0';
        r->v[k] = r->s[k];
    }
    int sn = (int)rnd(8), gn = (int)rnd(6);
    m11(r->s[0], 10, i + 1);
    m11(r->s[1], 10, i / 3 + 1);
    snprintf(r->s[2], 160, "%s　%s", surnames[sn], given[gn]);
    snprintf(r->s[3], 160, "%s　%s", kana_s[sn], kana_g[gn]);
    snprintf(r->s[4], 160, "%u", 1 + rnd(2));
    if (rnd(50) == 0)
        snprintf(r->s[5], 160, "%u-00-00", 1920 + rnd(30));
    else
        snprintf(r->s[5], 160, "%04u-%02u-%02u", 1925 + rnd(100), 1 + rnd(12), 1 + rnd(28));
    snprintf(r->s[6], 160, "%s", rnd(3) ? "02" : "10");
    snprintf(r->s[7], 160, "20%02u-%02u-%02u", 10 + rnd(16), 1 + rnd(12), 1 + rnd(28));
    if (rnd(2))
        mynumber(r->s[8]);
    if (rnd(2))
        jumin(r->s[9]);
    snprintf(r->s[10], 160, "104213");
    snprintf(r->s[11], 160, "%07u", rnd(10000000));
    snprintf(r->s[12], 160, "群馬県");
    snprintf(r->s[13], 160, "中之条町");
    snprintf(r->s[14], 160, "大字中之条町");
    snprintf(r->s[15], 160, "%u番地%u", 1 + rnd(2000), 1 + rnd(20));
    if (rnd(4) == 0)
        snprintf(r->s[16], 160, "コーポ\"中之条\",%u号室", 100 + rnd(300));
    snprintf(r->s[17], 160, "377%04u", rnd(10000));
    snprintf(r->s[18], 160, "%04u-%02u-%02u", 1990 + rnd(30), 1 + rnd(12), 1 + rnd(28));
    snprintf(r->s[19], 160, "%s", rnd(2) ? "01" : "11");
    snprintf(r->s[20], 160, "1");
    snprintf(r->s[21], 160, "1");
    snprintf(r->s[22], 160, "%s　%s", surnames[sn], given[0]);
    snprintf(r->s[26], 160, "%s", "");
    snprintf(r->s[28], 160, "大字伊勢町");
    snprintf(r->s[29], 160, "%u番地", 1 + rnd(900));
    snprintf(r->s[31], 160, "%u", 1 + rnd(6));
    snprintf(r->s[32], 160, "D%02u", rnd(40));
    if (rnd(10) == 0)
        snprintf(r->s[33], 160, "転入時の届出\n（窓口で確認済み）");
    snprintf(r->s[34], 160, "%s", r->s[7]);
    snprintf(r->s[35], 160, "%s", r->s[7]);
    snprintf(r->s[37], 160, "%s", r->s[4][0] == '1' ? "男" : "女");
    snprintf(r->s[38], 160, "%s", r->s[6][1] == '2' ? "世帯主" : "子");
}

/* The bare baseline: fgets and strchr. */
static double bare_read(const char *path, long *rows, long long *sum)
{
    FILE *f = fopen(path, "rb");
    static char line[65536];
    double t0 = now_s();
    *rows = 0;
    *sum = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *c;
        while ((c = strchr(p, ',')) != NULL) {
            *sum += c - p;
            p = c + 1;
        }
        *sum += (long long)strlen(p);
        (*rows)++;
    }
    double t = now_s() - t0;
    fclose(f);
    return t;
}

static void run(const char *root, const char *dir, const struct mig_layout *l, const char *pname,
                const char *ptext, long n)
{
    struct kd_err e;
    struct mig_profile *p;
    if (mig_profile_parse(pname, ptext, strlen(ptext), NULL, NULL, &p, &e) < 0) {
        fprintf(stderr, "micro_codec: profile: %s\n", e.message);
        exit(1);
    }
    (void)root;
    const struct mig_file *f = &l->files[0];
    struct mig_writer *w;
    if (mig_writer_open(&w, l, f, p, dir, &e) < 0) {
        fprintf(stderr, "micro_codec: %s\n", e.message);
        exit(1);
    }
    struct row *r = malloc(sizeof *r);
    rng = 0x9E3779B97F4A7C15u;
    double tw = 0;
    for (long i = 0; i < n; i++) {
        make_row(r, i);
        double t0 = now_s();
        if (mig_writer_row(w, r->v, &e) < 0) {
            fprintf(stderr, "micro_codec: row %ld: %s\n", i, e.message);
            exit(1);
        }
        tw += now_s() - t0;
    }
    int64_t rows;
    char sha[65];
    double t0 = now_s();
    if (mig_writer_close(w, &rows, sha, &e) < 0) {
        fprintf(stderr, "micro_codec: %s\n", e.message);
        exit(1);
    }
    tw += now_s() - t0;
    free(r);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, f->path);
    struct stat st;
    stat(path, &st);
    printf("micro/codec-write %s: %ld rows x %d items, %.0f MB, %.0f rows/min (%.2f s)\n", pname, n,
           f->n_items, (double)st.st_size / 1e6, (double)n / tw * 60, tw);

    /* bare first (it also brings the file into the page cache) */
    long brows;
    long long sum;
    double tb = bare_read(path, &brows, &sum);
    tb = bare_read(path, &brows, &sum);

    struct mig_report *rep = mig_report_new();
    struct mig_reader *rd;
    if (mig_reader_open(&rd, l, f, p, dir, rep, &e) < 0) {
        fprintf(stderr, "micro_codec: %s\n", e.message);
        exit(1);
    }
    const char *const *v;
    bool bad;
    int64_t line;
    long k = 0, rss10 = 0;
    size_t total = 0;
    t0 = now_s();
    while (mig_reader_next(rd, &v, &bad, &line, &e) == 1) {
        total += strlen(v[2]);
        if (++k == n / 10)
            rss10 = rss_kb();
    }
    double tk = now_s() - t0;
    long rss_end = rss_kb();
    int64_t peak = mig_reader_buffer_bytes(rd);
    mig_reader_close(rd);
    if (k != n || mig_report_count(rep) != 0) {
        fprintf(stderr, "micro_codec: read %ld rows of %ld, %lld problems\n", k, n,
                (long long)mig_report_count(rep));
        if (mig_report_kept(rep) > 0) {
            const char *fi, *it, *val, *rs;
            int64_t ln;
            mig_report_entry(rep, 0, &fi, &ln, &it, &val, &rs);
            fprintf(stderr, "  first: line %lld %s: %s\n", (long long)ln, it, rs);
        }
        exit(1);
    }
    mig_report_free(rep);
    mig_profile_free(p);
    double rk = (double)n / tk * 60, rb = (double)brows / tb * 60;
    printf("micro/codec-read %s: kyodo %.0f rows/min (%.2f s), bare %.0f rows/min (%.2f s), "
           "ratio %.2f (kyodo rate / bare rate), RSS %.1f MB at 10 %%, %.1f MB at the end, "
           "reader buffers %lld KB\n",
           pname, rk, tk, rb, tb, rk / rb, (double)rss10 / 1024, (double)rss_end / 1024,
           (long long)peak / 1024);
    fflush(stdout);
    (void)total;
    unlink(path);
}

int main(int argc, char **argv)
{
    long n = 700000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            n = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: micro_codec [--rows N]\n");
            return 2;
        }
    }
    if (n < 10) {
        fprintf(stderr, "micro_codec: --rows is at least 10\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char root[4096], dir[4200], sub[4300];
    snprintf(root, sizeof root, "%s/kyodo-micro-codec-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("micro_codec: mkdtemp");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/bench", root);
    snprintf(sub, sizeof sub, "%s/items", dir);
    mkdir(dir, 0700);
    mkdir(sub, 0700);
    put_file(dir, "layout.tsv", "キー\t値\nname\tbench\ntitle\t住民（40項目）\nversion\tbench-1\n");
    put_file(dir, "files.tsv",
             "ファイルID\tファイル名\t物理ファイル名\tキー項目\t説明\n"
             "JUMIN\t住民情報\tJUMIN.csv\t宛名番号\t\n");
    put_file(dir, "items/JUMIN.tsv", items_tsv);
    put_file(
        dir, "code_tables.tsv",
        "コード表ID\tコード表名\t桁数\t説明\nSEX\t性別\t1\t\nZOKU\t続柄\t2\t\nIDO\t異動事由\t2\t\n"
        "SHUBETSU\t住民種別\t1\t\nJOTAI\t住民状態\t1\t\n");
    put_file(dir, "codes.tsv",
             "コード表ID\tコード\t名称\nSEX\t1\t男\nSEX\t2\t女\nZOKU\t02\t世帯主\nZOKU\t10\t子\n"
             "IDO\t01\t転入\nIDO\t11\t出生\nSHUBETSU\t1\t日本人住民\nSHUBETSU\t2\t外国人住民\n"
             "JOTAI\t1\t住民\nJOTAI\t2\t転出\n");
    struct kd_err e;
    struct mig_layout *l;
    if (mig_layout_load(root, "bench", &l, &e) < 0) {
        fprintf(stderr, "micro_codec: %s\n", e.message);
        return 1;
    }
    printf("micro/codec: one thread, %ld rows of %d items; files in %s\n", n, l->files[0].n_items,
           root);
    run(root, root, l, "kyodo", "[profile]\n", n);
    run(root, root, l, "cp932-era",
        "[profile]\nencoding = cp932\nheader = no\nquote = all\nnewline = crlf\ndate = era\n", n);
    mig_layout_free(l);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "micro_codec: could not remove %s\n", root);
    return 0;
}
