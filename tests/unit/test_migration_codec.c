/*
 * test_migration_codec.c — src/migration (the generic codec): the layout
 * loader and its refusals, profiles and 外字 tables, the CSV splitter, every
 * field check and every kind of broken row (each reported with file, line,
 * item, value and reason), dates in every form with 不詳 and era limits,
 * CP932 both ways, writer/reader round trips byte for byte in each profile,
 * the report files, and memory that stays flat over a large file.
 *
 * The example layout is tests/data/layouts/example (docs/layouts.md).
 */
#include "testutil.h"

#include "migration/codec.h"
#include "migration/codec_internal.h"

#include <iconv.h>
#include <sys/stat.h>

static struct kd_err err;
static char layouts_root[4096];
static char source_root[4096];
static struct mig_layout *ex; /* the example layout */

static const char *src_dir(void)
{
    const char *s = getenv("KYODO_SOURCE_DIR");
    return s ? s : ".";
}

static int setup_all(void **state)
{
    (void)state;
    snprintf(source_root, sizeof source_root, "%s/layouts", src_dir());
    snprintf(layouts_root, sizeof layouts_root, "%s/tests/data/layouts", src_dir());
    if (mig_layout_load(layouts_root, "example", &ex, &err) < 0) {
        fprintf(stderr, "example layout: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    mig_layout_free(ex);
    return 0;
}

static const struct mig_file *KOJIN(void)
{
    return mig_layout_file(ex, "KOJIN");
}

static const struct mig_file *SETAI(void)
{
    return mig_layout_file(ex, "SETAI");
}

/* ---- helpers ----------------------------------------------------------------------- */

/* UTF-8 -> CP932 with iconv (the test's own conversion). */
static size_t to_cp932(const char *in, char *out, size_t cap)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *ip = (char *)in, *op = out;
    size_t il = strlen(in), ol = cap;
    size_t rc = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (rc == (size_t)-1)
        fail_msg("iconv to CP932 failed for the test text");
    return cap - ol;
}

static struct mig_profile *profile(const char *text)
{
    struct mig_profile *p;
    if (mig_profile_parse("t", text, strlen(text), NULL, NULL, &p, &err) < 0)
        fail_msg("profile: %s", err.message);
    return p;
}

static const char *P_KYODO = "[profile]\n";
static const char *P_VENDOR = "[profile]\nencoding = cp932\nheader = no\nquote = all\n"
                              "newline = crlf\ndate = era\n";

/* Rows read from bytes: every value joined with '|' per row, rows joined
 * with '\n', into out. Returns the number of rows; *nbad the bad ones. */
struct got {
    char text[8192];
    int rows, bad;
    int64_t lines[64];
};

static void read_bytes(const struct mig_file *f, const struct mig_profile *p, const char *bytes,
                       size_t len, struct mig_report *rep, struct got *g)
{
    memset(g, 0, sizeof *g);
    FILE *fp = fmemopen((void *)bytes, len ? len : 1, "rb");
    assert_non_null(fp);
    if (len == 0) {
        /* fmemopen cannot open 0 bytes: read past the one */
        fgetc(fp);
    }
    struct mig_reader *r;
    if (mig_reader_open_fp(&r, ex, f, p, fp, f->path, rep, &err) < 0)
        fail_msg("open: %s", err.message);
    const char *const *v;
    bool bad;
    int64_t line;
    int rc;
    size_t w = 0;
    while ((rc = mig_reader_next(r, &v, &bad, &line, &err)) == 1) {
        if (g->rows < 64)
            g->lines[g->rows] = line;
        g->rows++;
        g->bad += bad;
        for (int i = 0; i < f->n_items; i++) {
            int k = snprintf(g->text + w, sizeof g->text - w, "%s%s", i ? "|" : "", v[i]);
            w += (size_t)k;
        }
        w += (size_t)snprintf(g->text + w, sizeof g->text - w, "\n");
    }
    assert_int_equal(rc, 0);
    mig_reader_close(r);
    fclose(fp);
}

/* The report has an entry at line with item and a reason containing `why`. */
static void assert_entry(const struct mig_report *rep, int64_t line, const char *item,
                         const char *why)
{
    for (int i = 0; i < mig_report_kept(rep); i++) {
        const char *f, *it, *v, *rs;
        int64_t ln;
        mig_report_entry(rep, i, &f, &ln, &it, &v, &rs);
        if (ln == line && strcmp(it, item) == 0 && strstr(rs, why))
            return;
    }
    fprintf(stderr, "report entries:\n");
    for (int i = 0; i < mig_report_kept(rep); i++) {
        const char *f, *it, *v, *rs;
        int64_t ln;
        mig_report_entry(rep, i, &f, &ln, &it, &v, &rs);
        fprintf(stderr, "  %s %lld [%s] 「%s」 %s\n", f, (long long)ln, it, v, rs);
    }
    fail_msg("no entry at line %lld, item %s, reason with %s", (long long)line, item, why);
}

/* A good KOJIN row (UTF-8, kyodo profile): 宛名番号 0000000019 (M11), 世帯番号
 * 0000000027, 個人番号 123456789018, 住民票コード 24727059608, 法人番号
 * 7123456789012. */
#define KOJIN_HEAD                                                                                                            \
    "宛名番号,世帯番号,氏名,氏名_フリガナ,性別,生年月日,続柄コード1,異動年月日,個人番号," \
    "住民票コード,法人番号,備考,予備\n"
#define KOJIN_OK                                                                                           \
    "0000000019,0000000027,山田　太郎,ヤマダ　タロウ,1,1980-04-01,02,2026-04-01,123456789018," \
    "24727059608,7123456789012,,\n"

/* ---- the layout --------------------------------------------------------------------- */

static void layout_example(void **state)
{
    (void)state;
    assert_string_equal(ex->name, "example");
    assert_string_equal(ex->title, "例（世帯と個人）");
    assert_string_equal(ex->version, "kyodo-1");
    assert_int_equal(ex->n_files, 2);
    assert_string_equal(ex->files[0].id, "SETAI"); /* parent first */
    assert_string_equal(ex->files[1].id, "KOJIN");
    const struct mig_file *k = KOJIN();
    assert_int_equal(k->n_items, 13);
    assert_string_equal(k->parent, "SETAI");
    assert_string_equal(k->ref_items, "世帯番号");
    assert_int_equal(k->n_refs, 1);
    assert_int_equal(k->refs[0].items[0], 1);
    assert_int_equal(k->refs[0].parent_items[0], 0);
    assert_int_equal(k->n_keys, 1);
    assert_int_equal(k->keys[0], 0);
    const struct mig_item *b = mig_file_item(k, "birth");
    assert_non_null(b);
    assert_string_equal(b->name, "生年月日");
    assert_int_equal(b->type, MIG_DATE);
    assert_true(b->unknown_ok);
    assert_true(b->required);
    const struct mig_item *sex = mig_file_item(k, "sex");
    assert_int_equal(sex->type, MIG_CODE);
    assert_int_equal(sex->length, 1); /* from its table */
    assert_string_equal(sex->code_table, "SEX");
    assert_int_equal(mig_file_item(k, "kojin_bango")->check, MIG_CHECK_KOJIN_BANGO);
    assert_true(mig_file_item(k, "atena")->fixed);
    assert_int_equal(mig_file_item(k, "biko")->type, MIG_NOTE);
    assert_null(mig_file_item(k, "nothing"));
    assert_null(mig_file_item(k, "")); /* 予備 is unbound */
    assert_string_equal(k->items[12].binding, "");
    const char *label;
    assert_true(mig_code_ok(ex, "ZOKU", "02", &label));
    assert_string_equal(label, "世帯主");
    assert_false(mig_code_ok(ex, "ZOKU", "99", NULL));
    assert_false(mig_code_ok(ex, "NONE", "1", NULL));
    assert_string_equal(mig_code_table_name(ex, "SEX"), "性別");
    assert_null(mig_layout_file(ex, "NOPE"));
}

/* An in-memory layout: the example's files, one replaced. */
struct mem_layout {
    const char *names[16];
    const char *texts[16];
    int n;
};

static int mem_read(void *ctx, const char *rel, char **data, size_t *len, struct kd_err *e)
{
    (void)e;
    struct mem_layout *m = ctx;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], rel) == 0) {
            if (!m->texts[i])
                return 1;
            *len = strlen(m->texts[i]);
            *data = malloc(*len + 1);
            memcpy(*data, m->texts[i], *len + 1);
            return 0;
        }
    return 1;
}

static int mem_list(void *ctx, char ***names, int *n, struct kd_err *e)
{
    (void)e;
    struct mem_layout *m = ctx;
    *names = calloc(16, sizeof **names);
    *n = 0;
    for (int i = 0; i < m->n; i++)
        if (m->texts[i] && strncmp(m->names[i], "items/", 6) == 0)
            (*names)[(*n)++] = strdup(m->names[i] + 6);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char bufs[8][8192];
    static int next;
    char *b = bufs[next++ % 8];
    size_t n = fread(b, 1, 8191, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void example_mem(struct mem_layout *m)
{
    static const char *files[] = {"layout.tsv",      "files.tsv",       "relations.tsv",
                                  "items/SETAI.tsv", "items/KOJIN.tsv", "code_tables.tsv",
                                  "codes.tsv"};
    m->n = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/example/%s", layouts_root, files[i]);
        m->names[m->n] = files[i];
        m->texts[m->n] = strdup(slurp(path));
        m->n++;
    }
}

static void mem_set(struct mem_layout *m, const char *name, const char *text)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0) {
            free((char *)m->texts[i]);
            m->texts[i] = text ? strdup(text) : NULL;
            return;
        }
    m->names[m->n] = name;
    m->texts[m->n] = text ? strdup(text) : NULL;
    m->n++;
}

static void mem_free(struct mem_layout *m)
{
    for (int i = 0; i < m->n; i++)
        free((char *)m->texts[i]);
}

/* Replaces `from` by `to` in the example's file `name` and expects the
 * loader to refuse with a message containing `why`. */
static void refuse(const char *name, const char *from, const char *to, const char *why)
{
    struct mem_layout m;
    example_mem(&m);
    if (from) {
        const char *t = NULL;
        for (int i = 0; i < m.n; i++)
            if (strcmp(m.names[i], name) == 0)
                t = m.texts[i];
        if (!t) {
            mem_set(&m, name, to);
        } else {
            const char *at = strstr(t, from);
            if (!at)
                fail_msg("%s has no %s", name, from);
            char buf[8192];
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - t), t, to, at + strlen(from));
            mem_set(&m, name, buf);
        }
    } else {
        mem_set(&m, name, to);
    }
    struct mig_src src = {.read = mem_read, .list_items = mem_list, .ctx = &m};
    struct mig_layout *l = NULL;
    int rc = mig_layout_parse("example", &src, &l, &err);
    mem_free(&m);
    if (rc == 0) {
        mig_layout_free(l);
        fail_msg("%s: %s -> %s was accepted", name, from ? from : "(new)", to ? to : "(none)");
    }
    if (!strstr(err.message, why))
        fail_msg("%s: want '%s' in '%s'", name, why, err.message);
}

static void layout_refusals(void **state)
{
    (void)state;
    /* the in-memory copy itself loads */
    struct mem_layout m;
    example_mem(&m);
    struct mig_src src = {.read = mem_read, .list_items = mem_list, .ctx = &m};
    struct mig_layout *l;
    if (mig_layout_parse("example", &src, &l, &err) < 0)
        fail_msg("%s", err.message);
    mig_layout_free(l);
    mem_free(&m);

    refuse("items/KOJIN.tsv", "\tカナ\t", "\t文字列X\t",
           "items/KOJIN.tsv:5: 型 \"文字列X\" is not a type");
    refuse("items/KOJIN.tsv", "4\t氏名_フリガナ", "4\t氏名",
           "items/KOJIN.tsv:5: 項目名 氏名 is also item 3");
    refuse("items/KOJIN.tsv", "\tSEX\t", "\tNOSUCH\t",
           "items/KOJIN.tsv:6: コード表 NOSUCH is not in code_tables.tsv");
    refuse("items/KOJIN.tsv", "\t文字\t100\t", "\t文字\t10x\t",
           "items/KOJIN.tsv:4: 桁数 must be empty or a whole number");
    refuse("items/KOJIN.tsv", "\t文字\t100\t", "\t文字\t0\t", "items/KOJIN.tsv:4: 桁数");
    refuse("items/KOJIN.tsv", "\t文字\t100\t", "\t文字\t-5\t", "items/KOJIN.tsv:4: 桁数");
    refuse("items/KOJIN.tsv", "3\t氏名", "4\t氏名", "items/KOJIN.tsv:4: 項番 must be 3");
    refuse("items/KOJIN.tsv", "項番\t項目名", "項番\t名前",
           "items/KOJIN.tsv:1: the header row must be");
    refuse("items/KOJIN.tsv", "\t不詳可\t", "\t個人番号\t",
           "items/KOJIN.tsv:7: a check digit rule is for 数字 items only");
    refuse("items/KOJIN.tsv", "\t\t住民票コード\tjumin", "\t\t不詳可\tjumin",
           "items/KOJIN.tsv:11: 不詳可 is for 日付 items only");
    refuse("items/KOJIN.tsv", "\t\t住民票コード\tjumin", "\t\t住民票コード,個人番号\tjumin",
           "at most one check digit rule");
    refuse("items/KOJIN.tsv", "\t不詳可\t", "\t魔法\t", "検査 \"魔法\" is unknown");
    refuse("items/KOJIN.tsv", "\t日付\t\t", "\t日付\t8\t",
           "items/KOJIN.tsv:7: 桁数 of a 日付 must be empty");
    refuse("items/KOJIN.tsv", "\tshimei\t", "\tShimei\t", "items/KOJIN.tsv:4: kyodo名 must be");
    refuse("items/KOJIN.tsv", "\tshimei\t", "\tatena\t", "kyodo名 atena is also item 1");
    refuse("items/KOJIN.tsv", "\t文章\t200\t\t", "\t文章\t200\tx\t", "固定 must be ○ or empty");
    refuse("items/KOJIN.tsv", "\t数字\t12\t○", "\t数字\t11\t○",
           "桁数 11 is too short for the check (12 digits)");
    refuse("items/KOJIN.tsv", "\t文字\t20\t\t", "\t文字\t\t○\t", "固定 needs a 桁数");
    refuse("items/KOJIN.tsv", "\t文字\t100\t\t○\t\t", "\t文字\t100\t\t○\tSEX\t",
           "only a コード item has a コード表");
    refuse("items/KOJIN.tsv", "\t氏名\t", "\t 氏名\t", "starts or ends with a space");
    refuse("items/KOJIN.tsv", "\t氏名\t", "\t氏名\t\t\t\t\t\t\t\t\t\t", "more than 10 columns");
    refuse("items/KOJIN.tsv", "\t予備\t", "\t予,備\t", "without ','");
    refuse("items/KOJIN.tsv", NULL, NULL, "items/KOJIN.tsv is missing");
    refuse("items/OTHER.tsv", NULL, "x", "items/OTHER.tsv: its file is not in files.tsv");
    refuse("files.tsv", "SETAI\t世帯情報", "KOJIN\t世帯情報",
           "files.tsv:3: ファイルID KOJIN is given twice");
    refuse("files.tsv", "SETAI.csv", "../SETAI.csv", "files.tsv:2: 物理ファイル名 must be");
    refuse("files.tsv", "KOJIN.csv", "setai.CSV", "物理ファイル名 SETAI.csv is also line 2's");
    refuse("files.tsv", "\t宛名番号\t", "\t宛名番号,無い項目\t",
           "files.tsv:3: 無い項目 is not an item of KOJIN");
    refuse("relations.tsv", "KOJIN\tSETAI", "KOJIN\tNONE",
           "relations.tsv:2: 親ファイルID NONE is not in files.tsv");
    refuse("relations.tsv", "KOJIN\tSETAI\t世帯番号\t", "KOJIN\tSETAI\t世帯番号,宛名番号\t",
           "2 参照項目 but 1 親キー項目");
    refuse("relations.tsv", "KOJIN\tSETAI\t世帯番号\t\n",
           "KOJIN\tSETAI\t世帯番号\t\nSETAI\tKOJIN\t世帯番号\t宛名番号\n", "a parent cycle");
    refuse("relations.tsv", "KOJIN\tSETAI", "KOJIN\tKOJIN", "refers to itself");
    refuse("code_tables.tsv", "ZOKU\t続柄\t2", "SEX\t続柄\t2", "コード表ID SEX given twice");
    refuse("codes.tsv", "ZOKU\t10\t子", "ZOKU\t1\t子",
           "codes.tsv:7: the codes of ZOKU have 2 characters");
    refuse("codes.tsv", "ZOKU\t10\t子", "ZOKU\t02\t子", "code 02 of table ZOKU is given twice");
    refuse("codes.tsv", "ZOKU\t10\t子", "ZOKX\t10\t子",
           "codes.tsv:7: コード表ID ZOKX is not in code_tables.tsv");
    refuse("codes.tsv", "ZOKU\t02\t世帯主\nZOKU\t03\t妻\nZOKU\t04\t夫\nZOKU\t10\t子\n", "",
           "code table ZOKU (code_tables.tsv:3) has no codes");
    refuse("layout.tsv", "name\texample", "name\tother", "name must be the folder's name");
    refuse("layout.tsv", "title\t例（世帯と個人）\n", "", "name, title and version are required");
    refuse("layout.tsv", "version\tkyodo-1", "edition\tkyodo-1", "layout.tsv:6: unknown key");
    refuse("layout.tsv", NULL, NULL, "layout.tsv is missing");
}

static void layout_refusals_more(void **state)
{
    (void)state;
    refuse("items/SETAI.tsv", "\t数値\t3\t", "\t数値\t3\t○", "a 数値 cannot be 固定");
    refuse("items/SETAI.tsv", "\t数値\t3\t", "\t数値\t19\t", "桁数 of a 数値 is at most 18");
    refuse("items/SETAI.tsv", "\t数値\t3\t", "\t数値\t\t", "a 数値 needs its 桁数");
    refuse("items/SETAI.tsv", "世帯主氏名", "世帯主\x01氏名", "control character");
    refuse("items/SETAI.tsv", "世帯主氏名", "世帯主\xff氏名", "not valid UTF-8");
    refuse("files.tsv", "\t世帯番号\t", "\t\t", "files.tsv:2: キー項目 is empty");
    refuse("files.tsv", "ファイルID\t", "ファイルＩＤ\t", "files.tsv:1: the header row must be");
    refuse("files.tsv",
           "SETAI\t世帯情報\tSETAI.csv\t世帯番号\t世帯ごとに1行\nKOJIN\t個人情報\tKOJIN."
           "csv\t宛名番号\t住民ごとに1行\n",
           "", "files.tsv: no files");
    refuse("code_tables.tsv", NULL, NULL, "codes.tsv: there is no code_tables.tsv");
}

/* ---- profiles --------------------------------------------------------------------- */

static void profile_defaults_and_refusals(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_KYODO);
    assert_int_equal(p->enc, MIG_UTF8);
    assert_true(p->header);
    assert_int_equal(p->sep, ',');
    assert_int_equal(p->quote, MIG_QUOTE_MINIMAL);
    assert_false(p->crlf);
    assert_int_equal(p->date, MIG_DATE_ISO);
    assert_string_equal(p->unknown_date, "0000-00-00");
    mig_profile_free(p);
    p = profile("[profile]\ndate = era\n");
    assert_string_equal(p->unknown_date, "00000000"); /* the form's zeros */
    mig_profile_free(p);
    p = profile("[profile]\nunknown_date =\n");
    assert_int_equal(p->unknown_date_len, 0);
    mig_profile_free(p);

    static const struct {
        const char *text, *why;
    } bad[] = {
        {"[profile]\nencoding = sjis\n", "profiles/t.conf:2: encoding must be one of utf-8, cp932"},
        {"[profile]\ncolour = red\n", "profiles/t.conf:2: unknown key colour"},
        {"[other]\nheader = yes\n", "keys belong in [profile]"},
        {"[profile]\nheader = maybe\n", "header must be one of yes, no"},
        {"[profile]\nquote = some\n", "quote must be one of"},
        {"[profile]\nencoding = cp932\nbom = yes\n", "bom is for utf-8 only"},
        {"[profile]\ngaiji = ../x.tsv\n", "gaiji is a file name under profiles/"},
        {"[profile]\nunknown_date = 0 0\n", "unknown_date is printable ASCII"},
        {"[profile]\nnot an ini line\n", "profiles/t.conf:2: not an INI line"},
        {"[profile]\ngaiji = x.tsv\n", "cannot be read here"},
        {"[profile]\ndate = yyyymmdd\nunknown_date = 20260401\n", "unknown_date reads as a date"},
        {"[profile]\nunknown_date = 1950-00-00\n", "unknown_date reads as a date"},
        {"[profile]\ntitle = 0123456789012345678901234567890123456789012345678901234567890123456789"
         "0123456789012345678901234567890123456789012345678901234567890123456789"
         "01234567890123456789012345678901234567890123456789 encoding = cp932\n",
         "profiles/t.conf:2: a line is at most 190 bytes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mig_profile *q = NULL;
        if (mig_profile_parse("t", bad[i].text, strlen(bad[i].text), NULL, NULL, &q, &err) == 0)
            fail_msg("accepted: %s", bad[i].text);
        if (!strstr(err.message, bad[i].why))
            fail_msg("want '%s' in '%s'", bad[i].why, err.message);
    }
    assert_int_equal(mig_profile_parse("../x", "", 0, NULL, NULL, &p, &err), -1);
}

static void profiles_shipped(void **state)
{
    (void)state;
    struct mig_profile *p;
    if (mig_profile_load(source_root, "kyodo", &p, &err) < 0)
        fail_msg("%s", err.message);
    assert_string_equal(mig_profile_name(p), "kyodo");
    assert_int_equal(mig_profile_encoding(p), MIG_UTF8);
    assert_int_equal(p->date, MIG_DATE_ISO);
    mig_profile_free(p);
    if (mig_profile_load(source_root, "cp932-wareki", &p, &err) < 0)
        fail_msg("%s", err.message);
    assert_int_equal(mig_profile_encoding(p), MIG_CP932);
    assert_false(p->header);
    assert_true(p->crlf);
    assert_int_equal(p->quote, MIG_QUOTE_ALL);
    assert_int_equal(p->date, MIG_DATE_ERA);
    assert_int_equal(p->n_gaiji, 4);
    assert_non_null(strstr(mig_profile_title(p), "CP932"));
    const struct mig_gaiji *g = mig_gaiji_by_pua(p, 0xE001); /* F041 */
    assert_non_null(g);
    assert_string_equal(g->text, "葛\xF3\xA0\x84\x80");
    mig_profile_free(p);
    assert_int_equal(mig_profile_load(source_root, "nosuch", &p, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
}

static void gaiji_table(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_VENDOR);
    const char *t = "外字コード\t文字\t説明\nF040\tU+9AD9\t\nF9FC\t𠮷\t\nU+E002\tU+845B U+E0100\t\n"
                    "F041\tU+9AD9\tsame text, later line\n";
    assert_int_equal(mig_gaiji_parse(p, "g.tsv", t, strlen(t), &err), 0);
    assert_int_equal(p->n_gaiji, 4);
    assert_non_null(mig_gaiji_by_pua(p, 0xE757)); /* F9FC */
    assert_null(mig_gaiji_by_pua(p, 0xE003));
    const struct mig_gaiji *g = mig_gaiji_by_text(p, "髙", strlen("髙"));
    assert_int_equal(g->pua, 0xE000); /* the first line wins */
    mig_profile_free(p);

    static const struct {
        const char *t, *why;
    } bad[] = {
        {"外字コード\t文字\t説明\nF03F\tA\t\n", "g.tsv:2: 外字コード must be F040-F9FC"},
        {"外字コード\t文字\t説明\nF07F\tA\t\n", "外字コード must be"},
        {"外字コード\t文字\t説明\nFA40\tA\t\n", "外字コード must be"},
        {"外字コード\t文字\t説明\nU+D800\tA\t\n", "外字コード must be"},
        {"外字コード\t文字\t説明\nF040\tAB\t\n", "g.tsv:2: 文字 must be one character"},
        {"外字コード\t文字\t説明\nF040\tU+E000\t\n", "文字 must be one character"},
        {"外字コード\t文字\t説明\nF040\t\t\n", "文字 must be one character"},
        {"外字コード\t文字\t説明\nF040\tU+0041 \t\n", "space"},
        {"外字コード\t文字\t説明\nF040\tA\t\nU+E000\tB\t\n",
         "g.tsv:3: the same 外字コード as line 2"},
        {"code\tchar\n", "the header row must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = profile(P_VENDOR);
        if (mig_gaiji_parse(p, "g.tsv", bad[i].t, strlen(bad[i].t), &err) == 0)
            fail_msg("accepted: %s", bad[i].t);
        if (!strstr(err.message, bad[i].why))
            fail_msg("want '%s' in '%s'", bad[i].why, err.message);
        mig_profile_free(p);
    }
}

/* ---- dates ------------------------------------------------------------------------- */

static void date_reading(void **state)
{
    (void)state;
    struct mig_profile *iso = profile("[profile]\n");
    struct mig_profile *cmp = profile("[profile]\ndate = yyyymmdd\n");
    struct mig_profile *era = profile("[profile]\ndate = era\n");
    struct mig_profile *strict = profile("[profile]\ndate = era\nunknown_partial = no\n"
                                         "unknown_date = 99999999\n");
    static const struct {
        int form; /* 0 iso 1 compact 2 era 3 strict era */
        bool unk;
        const char *in, *want; /* want NULL: refused with `why` */
        const char *why;
    } v[] = {
        {0, false, "2026-04-01", "2026-04-01", NULL},
        {0, false, "2024-02-29", "2024-02-29", NULL},
        {0, false, "2026-02-29", NULL, "2026年2月29日はありません"},
        {0, false, "2026-02-30", NULL, "2月30日はありません"},
        {0, false, "2026-13-01", NULL, "月が13です"},
        {0, false, "1872-12-31", NULL, "1873年"},
        {0, false, "2026/04/01", NULL, "日付の形（YYYY-MM-DD）ではありません"},
        {0, false, "20260401", NULL, "日付の形"},
        {0, false, "0000-00-00", NULL, "不詳日はこの項目には使えません"},
        {0, true, "0000-00-00", "0000-00-00", NULL},
        {0, true, "1950-00-00", "1950-00-00", NULL},
        {0, true, "1950-04-00", "1950-04-00", NULL},
        {0, true, "1950-00-15", NULL, "月が0（不詳）で日だけがあります"},
        {0, true, "0000-04-00", NULL, "年が0で月があります"},
        {0, false, "1950-04-00", NULL, "不詳日はこの項目には使えません"},
        {1, false, "20260401", "2026-04-01", NULL},
        {1, false, "20260230", NULL, "2月30日はありません"},
        {1, true, "00000000", "0000-00-00", NULL},
        {1, true, "19500000", "1950-00-00", NULL},
        {1, false, "2026041", NULL, "日付の形（YYYYMMDD）"},
        {2, false, "05080401", "2026-04-01", NULL},
        {2, false, "04310430", "2019-04-30", NULL},
        {2, false, "05010501", "2019-05-01", NULL},
        {2, false, "04310501", NULL, "平成31年5月1日は平成の期間外です（平成は2019年4月30日まで）"},
        {2, false, "05010430", NULL, "令和元年4月30日は令和の期間外です（令和は2019年5月1日から）"},
        {2, false, "03640108", NULL, "昭和64年1月8日は昭和の期間外です"},
        {2, false, "03640107", "1989-01-07", NULL},
        {2, false, "01450730", "1912-07-30", NULL}, /* the old-era form of an overlap day */
        {2, false, "02010730", "1912-07-30", NULL},
        {2, false, "09010101", NULL, "年号コード「09」はありません"},
        {2, false, "00010101", NULL, "年号コード「00」はありません"},
        {2, false, "05000401", NULL, "和暦の年が0です"},
        {2, false, "04030229", NULL, "平成3年2月29日はありません"},
        {2, false, "01050101", NULL, "1873年"},
        {2, false, "0508040", NULL, "日付の形（年号コード2桁+YYMMDD）"},
        {2, true, "00000000", "0000-00-00", NULL},
        {2, true, "03250000", "1950-00-00", NULL},
        {2, true, "03250400", "1950-04-00", NULL},
        {2, true, "04310500", NULL, "平成31年5月は平成の期間外です"},
        {2, true, "05010400", NULL, "令和元年4月は令和の期間外です"},
        {2, true, "05010000", "2019-00-00", NULL},
        {2, false, "03250000", NULL, "不詳日はこの項目には使えません"},
        {3, true, "99999999", "0000-00-00", NULL},
        {3, true, "00000000", NULL, "この形式の不詳日は「99999999」です"},
        {3, true, "03250000", NULL, "この形式では一部不詳の日付は使えません"},
    };
    struct mig_profile *ps[] = {iso, cmp, era, strict};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[11], reason[MIG_REASON_CAP];
        int rc = mig_date_read(ps[v[i].form], v[i].unk, v[i].in, strlen(v[i].in), out, reason);
        if (v[i].want) {
            if (rc != 0)
                fail_msg("%s: refused: %s", v[i].in, reason);
            if (strcmp(out, v[i].want) != 0)
                fail_msg("%s: got %s want %s", v[i].in, out, v[i].want);
        } else {
            if (rc == 0)
                fail_msg("%s: accepted as %s", v[i].in, out);
            if (!strstr(reason, v[i].why))
                fail_msg("%s: want '%s' in '%s'", v[i].in, v[i].why, reason);
        }
    }
    for (size_t i = 0; i < 4; i++)
        mig_profile_free(ps[i]);
}

static void date_writing(void **state)
{
    (void)state;
    struct mig_profile *iso = profile("[profile]\n");
    struct mig_profile *cmp = profile("[profile]\ndate = yyyymmdd\nunknown_date =\n");
    struct mig_profile *era = profile("[profile]\ndate = era\n");
    struct mig_profile *strict = profile("[profile]\ndate = era\nunknown_partial = no\n");
    static const struct {
        int form;
        bool unk;
        const char *in, *want, *why;
    } v[] = {
        {0, false, "2026-04-01", "2026-04-01", NULL},
        {1, false, "2026-04-01", "20260401", NULL},
        {2, false, "2026-04-01", "05080401", NULL},
        {2, false, "1912-07-30", "02010730", NULL}, /* the new era on an overlap day */
        {2, false, "1989-01-07", "03640107", NULL},
        {2, false, "2019-05-01", "05010501", NULL},
        {2, false, "2118-01-01", NULL, "和暦（年号コード2桁+YYMMDD）で書けない"},
        {0, true, "0000-00-00", "0000-00-00", NULL},
        {1, true, "0000-00-00", "", NULL},
        {2, true, "0000-00-00", "00000000", NULL},
        {2, true, "1989-00-00", "03640000", NULL}, /* the era of the period's first day */
        {2, true, "2019-05-00", "05010500", NULL},
        {2, true, "2019-00-00", "04310000", NULL},
        {1, true, "1950-04-00", "19500400", NULL},
        {3, true, "1950-04-00", NULL, "一部不詳の日付を書けません"},
        {0, false, "0000-00-00", NULL, "不詳日はこの項目には使えません"},
        {0, false, "2026-02-30", NULL, "暦にない日付です"},
        {0, false, "2026-4-1", NULL, "YYYY-MM-DDではありません"},
        {0, true, "1950-00-05", NULL, "一部不詳の日付が正しくありません"},
        {0, false, "1800-01-01", NULL, "1873年"},
    };
    struct mig_profile *ps[] = {iso, cmp, era, strict};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[32], reason[MIG_REASON_CAP];
        size_t ol;
        int rc =
            mig_date_write(ps[v[i].form], v[i].unk, v[i].in, strlen(v[i].in), out, &ol, reason);
        if (v[i].want) {
            if (rc != 0)
                fail_msg("%s: refused: %s", v[i].in, reason);
            if (strcmp(out, v[i].want) != 0 || ol != strlen(v[i].want))
                fail_msg("%s: got %s want %s", v[i].in, out, v[i].want);
        } else {
            if (rc == 0)
                fail_msg("%s: accepted as %s", v[i].in, out);
            if (!strstr(reason, v[i].why))
                fail_msg("%s: want '%s' in '%s'", v[i].in, v[i].why, reason);
            /* the writer's reasons never quote the date */
            assert_null(strstr(reason, v[i].in));
        }
    }
    for (size_t i = 0; i < 4; i++)
        mig_profile_free(ps[i]);
}

/* ---- CP932 ------------------------------------------------------------------------- */

static void cp932_tables(void **state)
{
    (void)state;
    assert_int_equal(cp932_init(&err), 0);
    unsigned char c[2];
    /* 表 = 95 5C: the trail byte is '\' */
    assert_int_equal(cp932_double(0x95, 0x5C), 0x8868);
    assert_int_equal(cp932_encode(0x8868, c), 2);
    assert_int_equal(c[0], 0x95);
    assert_int_equal(c[1], 0x5C);
    assert_int_equal(cp932_single(0x5C), '\\');
    assert_int_equal(cp932_single(0xB1), 0xFF71); /* ｱ */
    assert_int_equal(cp932_single(0x80), -1);
    assert_int_equal(cp932_single(0xA0), -1);
    assert_int_equal(cp932_single(0xFD), -1);
    assert_true(cp932_is_lead(0x81));
    assert_int_equal(cp932_double(0x81, 0x7F), 0);
    assert_int_equal(cp932_double(0xF0, 0x40), 0xE000); /* user-defined -> PUA */
    /* one-way best fits are refused */
    assert_int_equal(cp932_encode(0x00A5, c), 0);  /* ¥ */
    assert_int_equal(cp932_encode(0x203E, c), 0);  /* ‾ */
    assert_int_equal(cp932_encode(0x301C, c), 0);  /* 〜 WAVE DASH */
    assert_int_equal(cp932_encode(0xFF5E, c), 2);  /* ～ */
    assert_int_equal(cp932_encode(0x20BB7, c), 0); /* 𠮷 */
    /* duplicates decode to one character, written with one code */
    assert_int_equal(cp932_double(0xED, 0x40), 0x7E8A);
    assert_int_equal(cp932_double(0xFA, 0x5C), 0x7E8A);
    assert_int_equal(cp932_encode(0x7E8A, c), 2);
    assert_int_equal(cp932_double(c[0], c[1]), 0x7E8A);
    /* every character decodes and encodes back to itself */
    int chars = 0;
    for (int lead = 0x81; lead <= 0xFC; lead++)
        for (int t = 0x40; t <= 0xFC; t++) {
            uint32_t cp = cp932_double((unsigned char)lead, (unsigned char)t);
            if (!cp)
                continue;
            chars++;
            int n = cp932_encode(cp, c);
            assert_true(n >= 1);
            uint32_t back = n == 1 ? (uint32_t)cp932_single(c[0]) : cp932_double(c[0], c[1]);
            assert_int_equal(back, cp);
        }
    assert_true(chars > 9000);
}

/* ---- reading ----------------------------------------------------------------------- */

static void read_utf8_rows(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_KYODO);
    struct mig_report *rep = mig_report_new();
    const char *in =
        "\xEF\xBB\xBF" KOJIN_HEAD KOJIN_OK
        "0000000027,0000000027,\"山田,\"\"花子\"\"\",ヤマダ　ハナコ,2,1950-00-00,03,,,,,"
        "\"一行目\r\n二行目\",\r\n";
    struct got g;
    read_bytes(KOJIN(), p, in, strlen(in), rep, &g);
    if (mig_report_count(rep))
        assert_entry(rep, 0, "", "?");
    assert_int_equal(g.rows, 2);
    assert_int_equal(g.bad, 0);
    assert_int_equal(g.lines[0], 2);
    assert_int_equal(g.lines[1], 3);
    assert_string_equal(g.text,
                        "0000000019|0000000027|山田　太郎|ヤマダ　タロウ|1|1980-04-01|02|"
                        "2026-04-01|123456789018|24727059608|7123456789012||\n"
                        "0000000027|0000000027|山田,\"花子\"|ヤマダ　ハナコ|2|1950-00-00|03||||"
                        "|一行目\n二行目|\n");
    mig_report_free(rep);
    mig_profile_free(p);
}

static void read_cp932_headerless_wareki(void **state)
{
    (void)state;
    struct mig_profile *p;
    if (mig_profile_load(source_root, "cp932-wareki", &p, &err) < 0)
        fail_msg("%s", err.message);
    struct mig_report *rep = mig_report_new();
    /* Written as a vendor would: every field quoted, CRLF, 和暦, half-width
     * kana in the reading (widened by the profile), 表 and ソ (trail 5C). */
    char utf[2048], cp[2048];
    snprintf(utf, sizeof utf, "%s",
             "\"0000000019\",\"0000000027\",\"表　ソ太郎\",\"ﾔﾏﾀﾞ ﾀﾛｳ\",\"1\",\"03550401\","
             "\"02\",\"05080401\",\"123456789018\",\"24727059608\",\"7123456789012\",\"\",\"\"\r\n"
             "\"0000000027\",\"0000000027\",\"①～\",\"ヤマダ\",\"2\",\"03250000\",\"03\",\"\",\"\","
             "\"\",\"\",\"\",\"予備\"\r\n");
    size_t n = to_cp932(utf, cp, sizeof cp);
    struct got g;
    read_bytes(KOJIN(), p, cp, n, rep, &g);
    if (mig_report_count(rep))
        assert_entry(rep, 0, "", "?");
    assert_int_equal(g.rows, 2);
    assert_string_equal(g.text, "0000000019|0000000027|表　ソ太郎|ヤマダ　タロウ|1|1980-04-01|02|"
                                "2026-04-01|123456789018|24727059608|7123456789012||\n"
                                "0000000027|0000000027|①～|ヤマダ|2|1950-00-00|03||||||予備\n");
    mig_profile_free(p);
    mig_report_free(rep);
}

/* Reads `in` (UTF-8 text, converted to CP932 when cp) in a profile and
 * expects one entry at (line, item) with `why`, and the row bad. */
static void broken(const char *prof, const char *in, size_t len, int64_t line, const char *item,
                   const char *why)
{
    struct mig_profile *p = profile(prof);
    struct mig_report *rep = mig_report_new();
    struct got g;
    read_bytes(KOJIN(), p, in, len ? len : strlen(in), rep, &g);
    assert_entry(rep, line, item, why);
    if (!strstr(why, "見出し")) /* a header's problem is not a row's */
        assert_true(g.bad >= 1);
    mig_report_free(rep);
    mig_profile_free(p);
}

static void broken_rows(void **state)
{
    (void)state;
    /* columns */
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田\n", 0, 2, "",
           "列の数が3個です（定義では13個）");
    broken(P_KYODO, KOJIN_HEAD KOJIN_OK "1,2,3,4,5,6,7,8,9,10,11,12,13,14\n", 0, 3, "",
           "列の数が14個です");
    broken(P_KYODO, KOJIN_HEAD KOJIN_OK "\n" KOJIN_OK, 0, 3, "", "列の数が1個です");
    /* quotes */
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山\"田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "", "引用符");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,\"山田\"x,ヤマダ,1,1980-04-01,02,,,,,,\n", 0,
           2, "", "引用符");
    broken(P_KYODO,
           KOJIN_HEAD KOJIN_OK "0000000019,0000000027,\"山田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 3,
           "", "引用符が閉じられないままファイルが終わっています");
    /* encoding */
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山\xff田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0,
           2, "氏名", "UTF-8として正しくないバイトがあります（4バイト目、0xFF）");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,\xe5\xb1,ヤマダ,1,1980-04-01,02,,,,,,\n", 0,
           2, "氏名", "UTF-8");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,\xc0\xaf,ヤマダ,1,1980-04-01,02,,,,,,\n", 0,
           2, "氏名", "UTF-8");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"\x8e\x52\x81\",\"\",\"1\",\"05080401\",\"02\",\"\","
           "\"\",\"\",\"\",\"\",\"\"\r\n",
           0, 1, "氏名", "CP932（シフトJIS）として読めないバイトがあります（3バイト目、0x81）");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"\x8e\x52\xa0\",\"\",\"1\",\"05080401\",\"02\",\"\","
           "\"\",\"\",\"\",\"\",\"\"\r\n",
           0, 1, "氏名", "（3バイト目、0xA0）");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"\x81\x7f\",\"\",\"1\",\"05080401\",\"02\",\"\",\"\","
           "\"\",\"\",\"\",\"\"\r\n",
           0, 1, "氏名", "（1バイト目、0x81 0x7F）");
    /* lengths and required */
    {
        char in[4096];
        char longname[400];
        for (int i = 0; i < 101; i++)
            memcpy(longname + 3 * i, "あ", 3);
        longname[303] = '\0';
        snprintf(in, sizeof in,
                 KOJIN_HEAD "0000000019,0000000027,%s,ヤマダ,1,1980-04-01,02,,,,,,\n", longname);
        broken(P_KYODO, in, 0, 2, "氏名", "101文字で、桁数100を超えています");
    }
    broken(P_KYODO, KOJIN_HEAD "000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "宛名番号", "10桁ちょうどでなければなりません（9桁あります）");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名", "必須の項目が空です");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,,02,,,,,,\n", 0, 2, "生年月日",
           "必須の項目が空です");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山\t田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名", "制御文字があります");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,\xEF\xBB\xBF山田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名", "制御文字があります");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,\"山\n田\",ヤマダ,1,1980-04-01,02,,,,,,\n", 0,
           2, "氏名", "改行はこの項目には使えません");
    /* types */
    broken(P_KYODO, KOJIN_HEAD "00000０0019,0000000027,山田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "宛名番号", "数字（0〜9）以外");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,やまだ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名_フリガナ", "使えない文字があります（1文字目）");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,ﾔﾏﾀﾞ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名_フリガナ", "フリガナ");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,3,1980-04-01,02,,,,,,\n", 0, 2,
           "性別", "コード表「性別」にないコードです");
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,2,,,,,,\n", 0, 2,
           "続柄コード1", "コード表「続柄」にないコードです");
    /* check digits */
    broken(P_KYODO, KOJIN_HEAD "0000000018,0000000027,山田,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "宛名番号", "宛名番号の検査数字が合いません");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,,123456789012,,,,\n", 0, 2,
           "個人番号", "個人番号の検査数字が合いません");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,,,12345678901,,,\n", 0, 2,
           "住民票コード", "住民票コードの検査数字が合いません");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,,,,5000012010001,,\n", 0,
           2, "法人番号", "法人番号の検査数字が合いません");
    /* dates */
    broken(P_KYODO, KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,2019-02-30,02,,,,,,\n", 0, 2,
           "生年月日", "2019年2月30日はありません");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,1980-00-00,,,,,\n", 0, 2,
           "異動年月日", "不詳日はこの項目には使えません");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"YAMADA\",\"\",\"1\",\"04310501\",\"02\",\"\",\"\",\"\","
           "\"\",\"\",\"\"\r\n",
           0, 1, "生年月日", "平成31年5月1日は平成の期間外です");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"YAMADA\",\"\",\"1\",\"05010430\",\"02\",\"\",\"\",\"\","
           "\"\",\"\",\"\"\r\n",
           0, 1, "生年月日", "令和元年4月30日は令和の期間外です");
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"YAMADA\",\"\",\"1\",\"09010101\",\"02\",\"\",\"\",\"\","
           "\"\",\"\",\"\"\r\n",
           0, 1, "生年月日", "年号コード「09」はありません");
    /* 外字 without a table */
    broken(P_VENDOR,
           "\"0000000019\",\"0000000027\",\"\x8e\x52\xf0\x45\",\"\",\"1\",\"05080401\",\"02\",\"\","
           "\"\",\"\",\"\",\"\",\"\"\r\n",
           0, 1, "氏名", "外字対応表にない外字です（2文字目、F045 = U+E005）");
    broken(P_KYODO,
           KOJIN_HEAD "0000000019,0000000027,山\xee\x80\x80,ヤマダ,1,1980-04-01,02,,,,,,\n", 0, 2,
           "氏名", "外字対応表にない外字です（2文字目、F040 = U+E000）");
    /* header */
    broken(P_KYODO,
           "宛名番号,世帯番号,名前,氏名_フリガナ,性別,生年月日,続柄コード1,異動年月日,個人番号,"
           "住民票コード,法人番号,備考,予備\n" KOJIN_OK,
           0, 1, "氏名", "見出しが定義の項目名（3列目）と違います");
}

static void broken_header_and_file(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_KYODO);
    struct mig_report *rep = mig_report_new();
    struct got g;
    read_bytes(KOJIN(), p, "", 0, rep, &g);
    assert_int_equal(g.rows, 0);
    assert_entry(rep, 1, "", "見出し行がありません");
    mig_report_free(rep);
    rep = mig_report_new();
    read_bytes(KOJIN(), p, "宛名番号,世帯番号\n", strlen("宛名番号,世帯番号\n"), rep, &g);
    assert_entry(rep, 1, "", "見出し行の列の数が2個です（定義では13個）");
    mig_report_free(rep);
    mig_profile_free(p);
}

static void gaiji_mapped_on_import(void **state)
{
    (void)state;
    struct mig_profile *p;
    if (mig_profile_load(source_root, "cp932-wareki", &p, &err) < 0)
        fail_msg("%s", err.message);
    struct mig_report *rep = mig_report_new();
    /* 氏名 = F042 (𠮷) + 野 + F041 (葛 + IVS); F044 is not in the table */
    char row[512], cp[512];
    snprintf(
        row, sizeof row, "%s",
        "\"0000000019\",\"0000000027\",\"@@野##\",\"\",\"1\",\"05080401\",\"02\",\"\",\"\","
        "\"\",\"\",\"\",\"\"\r\n\"0000000027\",\"0000000027\",\"%%%%\",\"\",\"1\",\"05080401\","
        "\"02\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n");
    size_t n = to_cp932(row, cp, sizeof cp);
    /* put the user-defined codes in place of the markers */
    for (size_t i = 0; i + 1 < n; i++) {
        if (cp[i] == '@' && cp[i + 1] == '@')
            cp[i] = (char)0xF0, cp[i + 1] = 0x42;
        if (cp[i] == '#' && cp[i + 1] == '#')
            cp[i] = (char)0xF0, cp[i + 1] = 0x41;
        if (cp[i] == '%' && cp[i + 1] == '%')
            cp[i] = (char)0xF0, cp[i + 1] = 0x44;
    }
    struct got g;
    read_bytes(KOJIN(), p, cp, n, rep, &g);
    assert_int_equal(g.rows, 2);
    assert_non_null(strstr(g.text, "|𠮷野葛\xF3\xA0\x84\x80|"));
    assert_int_equal(mig_report_count(rep), 1);
    assert_entry(rep, 2, "氏名", "外字対応表にない外字です（1文字目、F044 = U+E004）");
    mig_report_free(rep);
    mig_profile_free(p);

    /* a UTF-8 file with a private-use character and a table for it */
    p = profile(P_KYODO);
    const char *t = "外字コード\t文字\t説明\nU+E010\tU+9AD9\t\n";
    assert_int_equal(mig_gaiji_parse(p, "g.tsv", t, strlen(t), &err), 0);
    rep = mig_report_new();
    const char *in =
        KOJIN_HEAD "0000000019,0000000027,\xee\x80\x90田,ヤマダ,1,1980-04-01,02,,,,,,\n";
    read_bytes(KOJIN(), p, in, strlen(in), rep, &g);
    assert_int_equal(mig_report_count(rep), 0);
    assert_non_null(strstr(g.text, "|髙田|"));
    mig_report_free(rep);
    mig_profile_free(p);
}

static void csv_edges(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_KYODO);
    struct mig_report *rep = mig_report_new();
    struct got g;
    /* CRLF rows, no final line end, empty lines and a DOS EOF mark at the end */
    const char *in = KOJIN_HEAD KOJIN_OK "\r\n\r\n" KOJIN_OK "\n\n\x1A";
    read_bytes(KOJIN(), p, in, strlen(in), rep, &g);
    assert_int_equal(g.rows, 4); /* two empty lines in the middle are rows */
    assert_int_equal(g.lines[0], 2);
    assert_int_equal(g.lines[1], 3);
    assert_int_equal(g.lines[2], 4);
    assert_int_equal(g.lines[3], 5);
    assert_int_equal(mig_report_count(rep), 2);
    mig_report_free(rep);
    rep = mig_report_new();
    char noeol[1024];
    snprintf(noeol, sizeof noeol, "%s%.*s", KOJIN_HEAD, (int)strlen(KOJIN_OK) - 1, KOJIN_OK);
    read_bytes(KOJIN(), p, noeol, strlen(noeol), rep, &g);
    assert_int_equal(g.rows, 1);
    assert_int_equal(mig_report_count(rep), 0);
    mig_report_free(rep);
    mig_profile_free(p);

    /* quote = none: quotes are data; tab separated */
    p = profile("[profile]\nquote = none\nseparator = tab\nheader = no\n");
    rep = mig_report_new();
    in = "0000000019\t0000000027\t\"山田\"\tヤマダ\t1\t1980-04-01\t02\t\t\t\t\t\t\n";
    read_bytes(KOJIN(), p, in, strlen(in), rep, &g);
    assert_int_equal(mig_report_count(rep), 0);
    assert_non_null(strstr(g.text, "|\"山田\"|"));
    mig_report_free(rep);
    mig_profile_free(p);

    /* trim, integers made canonical, unbound values counted */
    p = profile("[profile]\ntrim = yes\nheader = no\n");
    rep = mig_report_new();
    in = "0000000027 , 130001 , 世帯主 ,007\n0000000027,130001,,-0\n";
    FILE *fp = fmemopen((void *)in, strlen(in), "rb");
    struct mig_reader *r;
    assert_int_equal(mig_reader_open_fp(&r, ex, SETAI(), p, fp, "SETAI.csv", rep, &err), 0);
    const char *const *v;
    bool bad;
    int64_t line;
    assert_int_equal(mig_reader_next(r, &v, &bad, &line, &err), 1);
    assert_false(bad);
    assert_string_equal(v[1], "130001");
    assert_string_equal(v[2], "世帯主");
    assert_string_equal(v[3], "7");
    assert_int_equal(mig_reader_next(r, &v, &bad, &line, &err), 1);
    assert_string_equal(v[3], "0");
    assert_int_equal(mig_reader_next(r, &v, &bad, &line, &err), 0);
    assert_true(mig_reader_bytes(r) > 0);
    mig_reader_close(r);
    fclose(fp);
    assert_int_equal(mig_report_count(rep), 0);
    mig_report_free(rep);
    mig_profile_free(p);

    p = profile("[profile]\nheader = no\n");
    rep = mig_report_new();
    in = KOJIN_OK "0000000019,0000000027,山田,ヤマダ,1,1980-04-01,02,,,,,,x\n";
    fp = fmemopen((void *)in, strlen(in), "rb");
    assert_int_equal(mig_reader_open_fp(&r, ex, KOJIN(), p, fp, "KOJIN.csv", rep, &err), 0);
    while (mig_reader_next(r, &v, &bad, &line, &err) == 1)
        ;
    assert_int_equal(mig_reader_dropped(r, 12), 1);
    assert_int_equal(mig_reader_dropped(r, 2), 0); /* bound */
    mig_reader_close(r);
    fclose(fp);
    mig_report_free(rep);
    mig_profile_free(p);
}

/* ---- writing and round trips -------------------------------------------------------- */

static const char *rows_kojin[][13] = {
    {"0000000019", "0000000027", "山田　太郎", "ヤマダ　タロウ", "1", "1980-04-01", "02",
     "2026-04-01", "123456789018", "24727059608", "7123456789012", "", ""},
    {"0000000027", "0000000027", "表,\"ソ\"", "ヤマダ", "2", "1950-00-00", "03", "", "", "", "",
     "一行目\n二行目", ""},
    {"0000000035", "0000000027", "①～髙", "", "1", "0000-00-00", "10", "1989-01-07", "", "", "", "",
     ""},
    {"0000000043", "0000000027", "𠮷野葛\xF3\xA0\x84\x80", "", "2", "2019-05-00", "10",
     "2019-04-30", "", "", "", "", ""},
};

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Writes rows in p, reads them back (no problems, the same values), writes
 * what was read into a second folder: byte-identical, same SHA-256. */
static void round_trip(struct mig_profile *p, int nrows, const char *expect_sub)
{
    char *d1 = make_temp_dir(), *d2 = make_temp_dir();
    const struct mig_file *f = KOJIN();
    struct mig_writer *w;
    if (mig_writer_open(&w, ex, f, p, d1, &err) < 0)
        fail_msg("%s", err.message);
    for (int i = 0; i < nrows; i++)
        if (mig_writer_row(w, rows_kojin[i], &err) < 0)
            fail_msg("row %d: %s", i, err.message);
    int64_t rows1, rows2;
    char sha1[65], sha2[65];
    assert_int_equal(mig_writer_close(w, &rows1, sha1, &err), 0);
    assert_int_equal(rows1, nrows);
    char path[4200];
    snprintf(path, sizeof path, "%s/KOJIN.csv", d1);
    size_t len1;
    char *b1 = read_all(path, &len1);
    if (expect_sub)
        assert_non_null(memmem(b1, len1, expect_sub, strlen(expect_sub)));

    struct mig_report *rep = mig_report_new();
    struct mig_reader *r;
    assert_int_equal(mig_reader_open(&r, ex, f, p, d1, rep, &err), 0);
    assert_int_equal(mig_writer_open(&w, ex, f, p, d2, &err), 0);
    const char *const *v;
    bool bad;
    int64_t line;
    int k = 0;
    while (mig_reader_next(r, &v, &bad, &line, &err) == 1) {
        assert_false(bad);
        for (int i = 0; i < f->n_items; i++)
            if (strcmp(v[i], rows_kojin[k][i]) != 0)
                fail_msg("row %d item %s: read '%s' wrote '%s'", k, f->items[i].name, v[i],
                         rows_kojin[k][i]);
        assert_int_equal(mig_writer_row(w, v, &err), 0);
        k++;
    }
    if (mig_report_count(rep))
        assert_entry(rep, 0, "", "?");
    assert_int_equal(k, nrows);
    mig_reader_close(r);
    assert_int_equal(mig_writer_close(w, &rows2, sha2, &err), 0);
    assert_int_equal(rows2, nrows);
    assert_string_equal(sha1, sha2);
    snprintf(path, sizeof path, "%s/KOJIN.csv", d2);
    size_t len2;
    char *b2 = read_all(path, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    /* no part file is left */
    snprintf(path, sizeof path, "%s/KOJIN.csv.part", d2);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    free(b1);
    free(b2);
    mig_report_free(rep);
    rm_tree(d1);
    rm_tree(d2);
}

static void round_trips(void **state)
{
    (void)state;
    struct mig_profile *p = profile(P_KYODO);
    round_trip(p, 4, "\"表,\"\"ソ\"\"\"");
    mig_profile_free(p);
    p = profile("[profile]\nbom = yes\nquote = all\nnewline = crlf\ndate = yyyymmdd\n");
    round_trip(p, 4, "\xEF\xBB\xBF\"宛名番号\"");
    mig_profile_free(p);
    p = profile("[profile]\nheader = no\nseparator = tab\ndate = era\nunknown_date =\n");
    round_trip(p, 4, "\t03250000\t"); /* 1950-00-00 as 昭和25年 */
    mig_profile_free(p);
    if (mig_profile_load(source_root, "cp932-wareki", &p, &err) < 0)
        fail_msg("%s", err.message);
    round_trip(p, 4, "\"\xF0\x42\x96\xEC\xF0\x41\""); /* 𠮷 F042, 野, 葛+IVS F041 */
    mig_profile_free(p);
    if (mig_profile_load(source_root, "kyodo", &p, &err) < 0)
        fail_msg("%s", err.message);
    round_trip(p, 4, NULL);
    mig_profile_free(p);
}

static void writer_refusals(void **state)
{
    (void)state;
    char *d = make_temp_dir();
    struct mig_profile *cp = profile(P_VENDOR), *none = profile("[profile]\nquote = none\n");
    struct {
        struct mig_profile *p;
        int item;
        const char *value, *why;
    } v[] = {
        {cp, 2, "𠮷田",
         "氏名: CP932（シフトJIS）で表せない文字があり、外字対応表にもありません（1文字目）"},
        {cp, 2, "山田¥", "（3文字目）"},
        {cp, 2, "葛\xF3\xA0\x84\x80", "CP932"},
        {cp, 2, "〜", "CP932"},
        {cp, 2, "", "氏名: 必須の項目が空です"},
        {cp, 5, "1950-02-30", "生年月日: 暦にない日付です"},
        {cp, 4, "9", "性別: コード表「性別」にないコードです"},
        {cp, 0, "0000000018", "宛名番号: 宛名番号の検査数字が合いません"},
        {cp, 2, "山\xff", "UTF-8として正しくありません"},
        {cp, 2, "\xee\x80\x80", "外字対応表にない外字です"},
        {none, 2, "山田,太郎", "区切り文字や改行を含む値は、引用符なし"},
        {none, 11, "a\nb", "区切り文字や改行"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct mig_writer *w;
        assert_int_equal(mig_writer_open(&w, ex, KOJIN(), v[i].p, d, &err), 0);
        const char *row[13];
        memcpy(row, rows_kojin[0], sizeof row);
        row[v[i].item] = v[i].value;
        if (mig_writer_row(w, row, &err) == 0)
            fail_msg("accepted '%s'", v[i].value);
        if (!strstr(err.message, v[i].why))
            fail_msg("want '%s' in '%s'", v[i].why, err.message);
        assert_string_equal(err.field, KOJIN()->items[v[i].item].name);
        assert_non_null(strstr(err.message, "KOJIN.csv row 1"));
        /* the refused row was not written; a good one still can be */
        assert_int_equal(mig_writer_row(w, rows_kojin[0], &err), 0);
        int64_t rows;
        char sha[65];
        assert_int_equal(mig_writer_close(w, &rows, sha, &err), 0);
        assert_int_equal(rows, 1);
    }
    /* discard leaves nothing */
    struct mig_writer *w;
    assert_int_equal(mig_writer_open(&w, ex, KOJIN(), cp, d, &err), 0);
    mig_writer_discard(w);
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/KOJIN.csv.part", d);
    assert_int_not_equal(stat(path, &st), 0);
    mig_profile_free(cp);
    mig_profile_free(none);
    rm_tree(d);
}

/* ---- the report -------------------------------------------------------------------- */

static void report_files(void **state)
{
    (void)state;
    struct mig_report *rep = mig_report_new_cap(3);
    mig_report_add(rep, "KOJIN.csv", 12, "生年月日", "2019-02-30", "2019年2月30日はありません");
    mig_report_add(rep, "KOJIN.csv", 13, "氏名", "=HYPERLINK(\"x\")", "理由");
    mig_report_add(rep, "SETAI.csv", 2, "",
                   "\xff\x01"
                   "ab\ncd",
                   "列の数が3個です");
    mig_report_add(rep, "SETAI.csv", 3, "世帯番号", NULL, "x");
    mig_report_add(rep, "SETAI.csv", 4, "世帯番号", NULL, "x");
    assert_int_equal(mig_report_count(rep), 5);
    assert_int_equal(mig_report_kept(rep), 3);
    const char *f, *it, *v, *rs;
    int64_t ln;
    mig_report_entry(rep, 2, &f, &ln, &it, &v, &rs);
    assert_string_equal(v, "\\xFF\\x01ab\\ncd");
    char *d = make_temp_dir();
    assert_int_equal(mig_report_write(rep, d, &err), 0);
    char path[4200];
    size_t n;
    snprintf(path, sizeof path, "%s/report.csv", d);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *csv = read_all(path, &n);
    assert_string_equal(
        csv, "\xEF\xBB\xBF\"ファイル\",\"行\",\"項目\",\"値\",\"理由\"\r\n"
             "\"KOJIN.csv\",\"12\",\"生年月日\",\"2019-02-30\",\"2019年2月30日はありません\"\r\n"
             "\"KOJIN.csv\",\"13\",\"氏名\",\"'=HYPERLINK(\"\"x\"\")\",\"理由\"\r\n"
             "\"SETAI.csv\",\"2\",\"\",\"\\xFF\\x01ab\\ncd\",\"列の数が3個です\"\r\n");
    free(csv);
    snprintf(path, sizeof path, "%s/report.txt", d);
    char *txt = read_all(path, &n);
    assert_non_null(strstr(txt, "問題: 5件（一覧は先頭の3件です）"));
    assert_non_null(strstr(txt, "  SETAI.csv: 3件\n  KOJIN.csv: 2件\n"));
    assert_non_null(strstr(txt, "  世帯番号: 2件\n"));
    assert_non_null(strstr(txt, "  （行全体）: 1件\n"));
    assert_non_null(
        strstr(txt, "KOJIN.csv 12行目 生年月日「2019-02-30」: 2019年2月30日はありません\n"));
    free(txt);
    mig_report_free(rep);

    rep = mig_report_new();
    assert_int_equal(mig_report_write(rep, d, &err), 0);
    txt = read_all(path, &n);
    assert_non_null(strstr(txt, "問題はありませんでした。"));
    free(txt);
    mig_report_free(rep);
    /* long values are cut */
    rep = mig_report_new();
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mig_report_add(rep, "f", 1, "i", big, "r");
    mig_report_entry(rep, 0, &f, &ln, &it, &v, &rs);
    assert_int_equal(strlen(v), 200 + strlen("…"));
    mig_report_free(rep);
    assert_int_equal(mig_report_write(rep = mig_report_new(), "/nonexistent/dir", &err), -1);
    mig_report_free(rep);
    rm_tree(d);
}

/* ---- streaming ---------------------------------------------------------------------- */

static void memory_stays_flat(void **state)
{
    (void)state;
    char *d = make_temp_dir();
    struct mig_profile *p = profile(P_KYODO);
    struct mig_writer *w;
    assert_int_equal(mig_writer_open(&w, ex, KOJIN(), p, d, &err), 0);
    const int N = 60000; /* about 10 MB */
    char biko[80];
    for (int i = 0; i < N; i++) {
        const char *row[13];
        memcpy(row, rows_kojin[i % 4], sizeof row);
        snprintf(biko, sizeof biko, "行 %d のメモ、少し長めの文章で大きさを稼ぐ", i);
        row[11] = biko;
        assert_int_equal(mig_writer_row(w, row, &err), 0);
    }
    int64_t rows;
    char sha[65];
    assert_int_equal(mig_writer_close(w, &rows, sha, &err), 0);
    struct mig_report *rep = mig_report_new();
    struct mig_reader *r;
    assert_int_equal(mig_reader_open(&r, ex, KOJIN(), p, d, rep, &err), 0);
    const char *const *v;
    bool bad;
    int64_t line, peak_early = 0;
    int k = 0;
    while (mig_reader_next(r, &v, &bad, &line, &err) == 1) {
        if (++k == 100)
            peak_early = mig_reader_buffer_bytes(r);
    }
    assert_int_equal(k, N);
    assert_int_equal(mig_report_count(rep), 0);
    int64_t peak = mig_reader_buffer_bytes(r);
    struct stat st;
    char path[4200];
    snprintf(path, sizeof path, "%s/KOJIN.csv", d);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 8000000);
    /* the buffers after 100 rows are the buffers after 60,000 */
    assert_int_equal(peak, peak_early);
    assert_true(peak < 200000);
    assert_int_equal(mig_reader_bytes(r), st.st_size);
    mig_reader_close(r);
    mig_report_free(rep);
    mig_profile_free(p);
    rm_tree(d);
}

static void row_too_long(void **state)
{
    (void)state;
    struct mig_profile *p = profile("[profile]\nheader = no\n");
    size_t n = (size_t)MIG_ROW_MAX + 1000;
    char *in = malloc(n + strlen(KOJIN_OK) + 2);
    memset(in, 'x', n);
    in[n] = '\n';
    memcpy(in + n + 1, KOJIN_OK, strlen(KOJIN_OK));
    struct mig_report *rep = mig_report_new();
    struct got g;
    read_bytes(KOJIN(), p, in, n + 1 + strlen(KOJIN_OK), rep, &g);
    assert_int_equal(g.rows, 2);
    assert_int_equal(g.bad, 1);
    assert_entry(rep, 1, "", "行が長すぎます");
    assert_int_equal(mig_report_count(rep), 1);
    mig_report_free(rep);
    mig_profile_free(p);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_example),
        cmocka_unit_test(layout_refusals),
        cmocka_unit_test(layout_refusals_more),
        cmocka_unit_test(profile_defaults_and_refusals),
        cmocka_unit_test(profiles_shipped),
        cmocka_unit_test(gaiji_table),
        cmocka_unit_test(date_reading),
        cmocka_unit_test(date_writing),
        cmocka_unit_test(cp932_tables),
        cmocka_unit_test(read_utf8_rows),
        cmocka_unit_test(read_cp932_headerless_wareki),
        cmocka_unit_test(broken_rows),
        cmocka_unit_test(broken_header_and_file),
        cmocka_unit_test(gaiji_mapped_on_import),
        cmocka_unit_test(csv_edges),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(writer_refusals),
        cmocka_unit_test(report_files),
        cmocka_unit_test(memory_stays_flat),
        cmocka_unit_test(row_too_long),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
