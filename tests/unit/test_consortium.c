/*
 * test_consortium.c — src/consortium: the seed's three tables reproduced from
 * the transcribed inputs (data/consortium/agatsuma/), the flagged figure, the
 * allocation that sums exactly, the rounding rule, evaluators' scores, every
 * kind of bad input, and the outputs (CSV, text, PDF).
 */
#include "testutil.h"

#include "consortium/consortium.h"
#include "consortium/sheets.h"
#include "http/jw.h"

static const struct cons_town six[] = {
    {"104213", "中之条町"}, {"104248", "長野原町"}, {"104256", "嬬恋村"},
    {"104264", "草津町"},   {"104281", "高山村"},   {"104299", "東吾妻町"},
};
static const struct cons_towns members = {six, 6};

static char *read_data(const char *name, size_t *len)
{
    const char *root = getenv("KYODO_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/consortium/agatsuma/%s", root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = malloc(CONS_TEXT_MAX + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, CONS_TEXT_MAX, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static struct cons_result *compute_file(struct arena *a, const char *name)
{
    size_t len;
    char *text = read_data(name, &len);
    struct kd_err err;
    struct cons_result *r = cons_compute(a, name, text, len, &members, &err);
    if (!r)
        fail_msg("%s: %s (%s)", name, err.message, err.field);
    free(text);
    return r;
}

static const struct cons_figure *figure(const struct cons_result *r, const char *row,
                                        const char *what)
{
    for (int i = 0; i < r->nfigures; i++)
        if (strcmp(r->figures[i].row, row) == 0 && strcmp(r->figures[i].what, what) == 0)
            return &r->figures[i];
    fail_msg("no figure %s %s", row, what);
    return NULL;
}

/* The text of table t, row i (-1: the last), column c. */
static const char *cell(const struct cons_result *r, int t, int i, int c)
{
    const struct cons_table *tb = r->tables[t];
    if (i < 0)
        i = tb->nrows + i;
    assert_true(i >= 0 && i < tb->nrows && c < tb->ncols);
    return tb->cells[(size_t)i * (size_t)tb->ncols + (size_t)c].text;
}

static void rounding_and_numbers(void **state)
{
    (void)state;
    /* Half to even at the printed precision (JIS Z 8401 規則A). */
    assert_int_equal(cons_round_half_even(10625, 1000), 11);  /* 10.625 → 11 */
    assert_int_equal(cons_round_half_even(1062500, 100000), 11);
    assert_int_equal(cons_round_half_even(85000 * 10000, 800000), 1062); /* 10.625 % → 10.62 */
    assert_int_equal(cons_round_half_even(1063500, 100000), 11);
    assert_int_equal(cons_round_half_even(1035, 100), 10);   /* 10.35 → 10 */
    assert_int_equal(cons_round_half_even(25, 10), 2);        /* 2.5 → 2 */
    assert_int_equal(cons_round_half_even(35, 10), 4);        /* 3.5 → 4 */
    assert_int_equal(cons_round_half_even(-25, 10), -2);
    assert_int_equal(cons_round_half_even(-26, 10), -3);
    assert_int_equal(cons_round_half_even(7, -2), -4);        /* -3.5 → -4 */

    int64_t v;
    int d;
    bool pct;
    assert_true(cons_parse_int("1,279,834", 0, INT64_MAX, &v));
    assert_int_equal(v, 1279834);
    assert_true(cons_parse_int("-58,500", INT64_MIN, INT64_MAX, &v));
    assert_int_equal(v, -58500);
    assert_true(cons_parse_int("0", 0, 0, &v));
    static const char *const bad[] = {"", "-", "12,34", "1,2345", ",123", "123,", "1.5", "abc",
                                      "1 000", "1e3", "١٢", "9999999999999999", "5%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cons_parse_int(bad[i], INT64_MIN, INT64_MAX, &v))
            fail_msg("\"%s\" parsed as an integer", bad[i]);
    assert_true(cons_parse_dec("19.58%", &v, &d, &pct));
    assert_true(v == 1958 && d == 2 && pct);
    assert_true(cons_parse_dec("74.00", &v, &d, &pct));
    assert_true(v == 7400 && d == 2 && !pct);
    assert_false(cons_parse_dec("1.", &v, &d, &pct));
    assert_false(cons_parse_dec("1.1234567", &v, &d, &pct));
    assert_false(cons_parse_dec("1.2,3", &v, &d, &pct));

    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    assert_string_equal(cons_fmt(&a, 1279834, 0), "1,279,834");
    assert_string_equal(cons_fmt(&a, -4182950, 0), "-4,182,950");
    assert_string_equal(cons_fmt(&a, 2685, 2), "26.85");
    assert_string_equal(cons_fmt(&a, 5, 2), "0.05");
    assert_string_equal(cons_fmt(&a, -5, 2), "-0.05");
    assert_string_equal(cons_fmt(&a, 0, 0), "0");
    assert_string_equal(cons_fmt(&a, 100000000, 2), "1,000,000.00");
    arena_release(&a);
}

static void proposal_reproduces_the_seed_and_flags_one_figure(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct cons_result *r = compute_file(&a, "proposal.tsv");
    assert_int_equal(r->kind, CONS_PROPOSAL);
    /* 4 printed figures per vendor, and the cost share of 2次. */
    assert_int_equal(r->nfigures, 9);
    assert_int_equal(r->mismatches, 1);
    for (int i = 0; i < r->nfigures; i++) {
        const struct cons_figure *f = &r->figures[i];
        bool the_flagged = strcmp(f->row, "A社") == 0 && strcmp(f->what, "1次評価点") == 0;
        if (f->matches == the_flagged)
            fail_msg("%s %s: computed %s, printed %s", f->row, f->what, f->computed, f->printed);
    }
    const struct cons_figure *f = figure(r, "A社", "1次評価点");
    assert_string_equal(f->computed, "26.85"); /* 67.13 × 40 % */
    assert_string_equal(f->printed, "28.85");
    assert_string_equal(figure(r, "A社", "合計")->computed, "64.76"); /* 26.85 + 37.91 */
    assert_string_equal(figure(r, "B社", "1次総合平均点")->computed, "69.55");
    assert_string_equal(figure(r, "B社", "合計")->computed, "74.17");
    assert_string_equal(figure(r, "2次", "経費配点")->computed, "50%");

    /* The result table: A社's first row carries the flagged cell. */
    const struct cons_table *t = r->tables[0];
    assert_string_equal(t->caption, "プロポーザル集計結果");
    assert_int_equal(t->nrows, 8);
    assert_string_equal(cell(r, 0, 0, 0), "A社");
    assert_string_equal(cell(r, 0, 0, 3), "65.62");
    assert_string_equal(cell(r, 0, 0, 4), "67.13");
    assert_string_equal(cell(r, 0, 0, 5), "40%");
    assert_string_equal(cell(r, 0, 0, 6), "26.85");
    assert_true(t->cells[6].flag);
    assert_string_equal(t->cells[6].printed, "28.85");
    assert_string_equal(cell(r, 0, 0, 8), "2位");
    assert_string_equal(cell(r, 0, 3, 2), "推進会議");
    assert_string_equal(cell(r, 0, 3, 6), "37.91");
    assert_string_equal(cell(r, 0, 4, 8), "1位");
    /* The ranking: B社 first. */
    assert_string_equal(cell(r, 1, 0, 1), "B社");
    assert_string_equal(cell(r, 1, 0, 3), "74.17");
    assert_string_equal(cell(r, 1, 1, 1), "A社");
    /* The two criteria sheets are in the result. */
    assert_string_equal(r->tables[2]->caption, "採点表（1次）");
    assert_string_equal(r->tables[3]->caption, "採点表（2次）");
    bool noted = false;
    for (int i = 0; i < r->nnotes; i++)
        noted |= strstr(r->notes[i], "A社 の 1次評価点") && strstr(r->notes[i], "計算値 26.85");
    assert_true(noted);
    arena_release(&a);
}

static void costs_reproduce_the_seed(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 16 << 20);
    struct cons_result *r = compute_file(&a, "costs.tsv");
    assert_int_equal(r->mismatches, 0);
    assert_int_equal(r->nfigures, 6 * 5 + 8);
    for (int i = 0; i < r->nfigures; i++)
        assert_true(r->figures[i].matches);
    /* 20.9 % is printed with one decimal; computed 20.90 % at two. */
    assert_string_equal(figure(r, "嬬恋村", "H")->computed, "20.9%");
    assert_string_equal(cell(r, 0, 2, 9), "20.90%");
    assert_string_equal(figure(r, "長野原町", "D")->computed, "49.91%"); /* truncation gives 49.90 */
    assert_string_equal(cell(r, 0, -1, 0), "合計");
    assert_string_equal(cell(r, 0, -1, 2), "836,000");
    assert_string_equal(cell(r, 0, -1, 9), "20.59%");
    assert_string_equal(cell(r, 0, 0, 1), "A→B");
    arena_release(&a);
}

static void procurement_reproduces_the_seed(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 16 << 20);
    struct cons_result *r = compute_file(&a, "procurement.tsv");
    assert_int_equal(r->mismatches, 0);
    assert_int_equal(r->nfigures, 12 * 2 + 5);
    /* 85,000 / 800,000 = 10.625 %: printed 10.62 (half to even; half up gives 10.63). */
    assert_string_equal(figure(r, "No.9", "減額率")->computed, "10.62%");
    assert_string_equal(cell(r, 0, 0, 8), "増");
    assert_string_equal(cell(r, 0, 1, 8), "減");
    assert_string_equal(cell(r, 0, -1, 3), "337");
    assert_string_equal(cell(r, 0, -1, 7), "-4,182,950");
    assert_string_equal(cell(r, 0, -1, 9), "14.73%");
    /* Three budgets are not unit price × count: noted, not refused. */
    int notes = 0;
    for (int i = 0; i < r->nnotes; i++)
        notes += strstr(r->notes[i], "単価 × 数量") != NULL;
    assert_int_equal(notes, 3);
    arena_release(&a);
}

static int64_t yen(const char *s)
{
    int64_t v;
    assert_true(cons_parse_int(s, INT64_MIN, INT64_MAX, &v));
    return v;
}

static void allocation_sums_exactly(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 16 << 20);
    struct cons_result *r = compute_file(&a, "allocation.tsv");
    assert_int_equal(r->mismatches, 0);
    const struct cons_table *t = r->tables[0];
    assert_int_equal(t->nrows, 7);
    /* Equal: 1,000,000 / 6 = 166,666.67 → four towns 166,667, two 166,666. */
    static const char *const equal[] = {"166,667", "166,667", "166,667", "166,667", "166,666",
                                        "166,666"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(cell(r, 0, i, 2), equal[i]);
    /* By residents: 10,000,000 × 16,842 / 56,413 = 2,985,482.07 … */
    assert_string_equal(cell(r, 0, 0, 3), "2,985,482");
    static const int64_t amounts[] = {1000000, 10000000, 3000000};
    for (int c = 0; c < 3; c++) {
        int64_t sum = 0;
        for (int i = 0; i < 6; i++)
            sum += yen(cell(r, 0, i, 2 + c));
        assert_int_equal(sum, amounts[c]);
        assert_int_equal(yen(cell(r, 0, 6, 2 + c)), amounts[c]);
    }
    int64_t grand = 0;
    for (int i = 0; i < 6; i++) {
        int64_t row = 0;
        for (int c = 0; c < 3; c++)
            row += yen(cell(r, 0, i, 2 + c));
        assert_int_equal(yen(cell(r, 0, i, 5)), row);
        grand += row;
    }
    assert_int_equal(grand, 14000000);
    assert_string_equal(cell(r, 0, 6, 1), "56,413");
    arena_release(&a);

    /* Largest remainder, by hand: 100 yen by residents 1, 1, 1 → 34, 33, 33;
     * 10 yen by 5, 3, 2 with a mix equal:50,residents:50. */
    const char *text = "kind\tallocation\n"
                       "town\t104213\t中之条町\t1\n"
                       "town\t104248\t長野原町\t1\n"
                       "town\t104256\t嬬恋村\t1\n"
                       "cost\tx\t100\t人口\n"
                       "cost\ty\t0\tequal\n";
    arena_init(&a, NULL, 0, 16 << 20);
    struct kd_err err;
    r = cons_compute(&a, "t", text, strlen(text), &members, &err);
    assert_non_null(r);
    assert_string_equal(cell(r, 0, 0, 2), "34");
    assert_string_equal(cell(r, 0, 1, 2), "33");
    assert_string_equal(cell(r, 0, 2, 2), "33");
    assert_string_equal(cell(r, 0, 2, 3), "0");
    const char *mix = "kind\tallocation\n"
                      "town\t104213\t中之条町\t5\t100\n"
                      "town\t104248\t長野原町\t3\t0\n"
                      "town\t104256\t嬬恋村\t2\t0\n"
                      "cost\tz\t10\t均等:50,人口:50\n"
                      "cost\tv\t7\tデータ量\n";
    r = cons_compute(&a, "t", mix, strlen(mix), &members, &err);
    if (!r)
        fail_msg("%s", err.message);
    /* exact: 10 × (1/6 + 5/20) = 4.1667, 10 × (1/6 + 3/20) = 3.1667, 10 × (1/6 + 2/20) = 2.6667
     * → floors 4, 3, 2 (9); the one yen left goes to the largest fraction (2.6667). */
    assert_string_equal(cell(r, 0, 0, 3), "4");
    assert_string_equal(cell(r, 0, 1, 3), "3");
    assert_string_equal(cell(r, 0, 2, 3), "3");
    assert_string_equal(cell(r, 0, 0, 4), "7");
    arena_release(&a);
}

static void evaluators_scores(void **state)
{
    (void)state;
    /* One stage of two criteria: 課題1 60 % (two items 1-5), 課題2 40 % (one
     * item 1-10). 委員1 scores 5,5,10 = 100 points; 委員2 3,2,4 = 60 × 5/10 +
     * 40 × 4/10 = 30 + 16 = 46 points. Average 73.00. */
    const char *text = "kind\tproposal\n"
                       "stage\t審査\t100\n"
                       "criterion\t審査\t課題1\t機能\t60%\n"
                       "item\t審査\t課題1\ta\t5\n"
                       "item\t審査\t課題1\tb\t5\n"
                       "criterion\t審査\t課題2\t費用\t40%\n"
                       "item\t審査\t課題2\tc\t10\t経費\n"
                       "department\t審査\t住民\n"
                       "vendor\tX社\n"
                       "vendor\tY社\n"
                       "score\tX社\t審査\t住民\t委員1\t5\t5\t10\n"
                       "score\tX社\t審査\t住民\t委員2\t3\t2\t4\n"
                       "score\tY社\t審査\t住民\t委員1\t1\t1\t1\n"
                       "score\tY社\t審査\t住民\t委員2\t1\t2\t1\n"
                       "printed\tX社\t審査住民\t73\t合計\t73.00\n"
                       "printed\t審査\t経費配点\t40%\n";
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct kd_err err;
    struct cons_result *r = cons_compute(&a, "t", text, strlen(text), &members, &err);
    if (!r)
        fail_msg("%s (%s)", err.message, err.field);
    assert_int_equal(r->mismatches, 0);
    assert_string_equal(cell(r, 0, 0, 3), "73.00");
    assert_string_equal(cell(r, 0, 0, 7), "73.00");
    /* Y社: 委員1 60×2/10 + 40×1/10 = 16; 委員2 60×3/10 + 40×1/10 = 22 → 19.00 */
    assert_string_equal(cell(r, 0, 1, 3), "19.00");
    assert_string_equal(r->tables[2]->caption, "評価者別得点（100点満点）");
    assert_string_equal(cell(r, 2, 0, 4), "100.00");
    assert_string_equal(cell(r, 2, 1, 4), "46.00");
    assert_string_equal(cell(r, 2, 2, 3), "Y社");
    assert_string_equal(cell(r, 2, 2, 4), "16.00");
    arena_release(&a);
}

/* Replaces the first occurrence of `from` in the seed file by `to` and
 * expects the error code and field. */
static void expect_bad(const char *file, const char *from, const char *to, enum kd_code code,
                       const char *field, const char *in_message)
{
    size_t len;
    char *text = read_data(file, &len);
    char *at = from ? strstr(text, from) : text + len;
    if (!at)
        fail_msg("%s: \"%s\" not found", file, from);
    size_t flen = from ? strlen(from) : 0, tlen = strlen(to);
    char *edited = malloc(len + tlen + 1);
    assert_non_null(edited);
    size_t pre = (size_t)(at - text);
    memcpy(edited, text, pre);
    memcpy(edited + pre, to, tlen);
    memcpy(edited + pre + tlen, at + flen, len - pre - flen);
    size_t elen = len - flen + tlen;
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct kd_err err;
    kd_err_clear(&err);
    struct cons_result *r = cons_compute(&a, file, edited, elen, &members, &err);
    if (r)
        fail_msg("%s with \"%s\" → \"%s\" was accepted", file, from, to);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("%s with \"%s\" → \"%s\": got %s field \"%s\": %s", file, from, to,
                 kd_code_name(err.code), err.field, err.message);
    if (in_message && !strstr(err.message, in_message))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, in_message);
    arena_release(&a);
    free(edited);
    free(text);
}

static void bad_input_names_the_item(void **state)
{
    (void)state;
    /* Proposal: weights, averages, scores. */
    expect_bad("proposal.tsv", "stage\t2次\t60%", "stage\t2次\t50%", KD_INVALID_VALUE, "stage",
               "add up to 90.00%");
    expect_bad("proposal.tsv", "課題9\t使用料（ランニングコスト、サポート費用）\t5%",
               "課題9\t使用料（ランニングコスト、サポート費用）\t6%", KD_INVALID_VALUE, "1次",
               "101.00%");
    expect_bad("proposal.tsv", "average\tB社\t1次\t税務\t69.81\n", "", KD_MISSING_FIELD,
               "B社/1次/税務", "missing scores");
    expect_bad("proposal.tsv", "\t福祉\t72.64", "\t福祉\t172.64", KD_INVALID_VALUE, "A社/1次/福祉",
               "from 0 to 100");
    expect_bad("proposal.tsv", "\t福祉\t72.64", "\t福祉\tabc", KD_INVALID_VALUE, "A社/1次/福祉",
               NULL);
    expect_bad("proposal.tsv", "average\tA社\t1次\t住民", "average\tC社\t1次\t住民",
               KD_INVALID_VALUE, "C社", "unknown vendor");
    expect_bad("proposal.tsv", "stage\t1次\t40%", "stage\t1次\tforty", KD_INVALID_VALUE, "1次",
               "percentage");
    expect_bad("proposal.tsv", "printed\tA社\t1次総合平均点", "printed\tA社\t3次総合平均点",
               KD_INVALID_VALUE, "A社/3次総合平均点", "names nothing");
    /* Scores of evaluators: missing, off the scale, not every vendor. */
    static const char *const score_lines[] = {
        "score\tA社\t2次\t推進会議\t委員1\t5\t5\t5\t5\t10\t5\t5\t10\t10\t5\t5\t10\t10\t5\t5\n",
        "score\tB社\t2次\t推進会議\t委員1\t4\t4\t4\t4\t8\t4\t4\t8\t8\t4\t4\t8\t8\t4\t4\n"};
    char both[512];
    snprintf(both, sizeof both, "%s%s", score_lines[0], score_lines[1]);
    /* (the 2次 averages become scores) */
    expect_bad("proposal.tsv", "average\tA社\t2次\t推進会議\t63.19\n", score_lines[0],
               KD_MISSING_FIELD, "B社/2次/推進会議/委員1", "scored A社 but not B社");
    char off[512];
    snprintf(off, sizeof off, "%s", score_lines[0]);
    *strstr(off, "\t10\t") = '\0';
    strcat(off, "\t11\t5\t5\t10\t10\t5\t5\t10\t10\t5\t5\n");
    expect_bad("proposal.tsv", "average\tA社\t2次\t推進会議\t63.19\n", off, KD_INVALID_VALUE,
               "A社/2次/推進会議/委員1/課題3-1", "off the scale 1-10");
    char missing[512];
    snprintf(missing, sizeof missing, "%s", score_lines[0]);
    *strrchr(missing, '\t') = '\0'; /* the last score gone */
    strcat(missing, "\n");
    expect_bad("proposal.tsv", "average\tA社\t2次\t推進会議\t63.19\n", missing, KD_MISSING_FIELD,
               "A社/2次/推進会議/委員1/課題10-2", "missing score");
    (void)both;

    /* Costs: negative, non-numeric, zero divisor, unknown towns. */
    expect_bad("costs.tsv", "174,277", "-174,277", KD_INVALID_VALUE, "中之条町/A", "0 or more");
    expect_bad("costs.tsv", "216,715", "216,715円", KD_INVALID_VALUE, "中之条町/B", "whole number");
    expect_bad("costs.tsv", "216,715", "0", KD_INVALID_VALUE, "中之条町/B", "more than 0");
    expect_bad("costs.tsv", "38,910", "", KD_MISSING_FIELD, "中之条町/E", "missing");
    expect_bad("costs.tsv", "104213\t中之条町", "104213\t中之条村", KD_INVALID_VALUE, "中之条村",
               "registry");
    expect_bad("costs.tsv", "104281\t高山村", "104272\t川場村", KD_INVALID_VALUE, "川場村",
               "unknown town");
    expect_bad("costs.tsv", "104281\t高山村", "104282\t高山村", KD_INVALID_VALUE, "高山村",
               "check digit");
    expect_bad("costs.tsv", "town\t104299", "town\t104213", KD_INVALID_VALUE, "東吾妻町", NULL);
    expect_bad("costs.tsv", "kind\tcosts", "kind\tcost", KD_INVALID_VALUE, "kind", NULL);
    expect_bad("costs.tsv", "kind\tcosts\n", "", KD_MISSING_FIELD, "kind", NULL);
    expect_bad("costs.tsv", "unit\t千円", "unit\t万円", KD_INVALID_VALUE, "unit", NULL);
    expect_bad("costs.tsv", "unit\t千円", "unti\t千円", KD_INVALID_VALUE, "unti", "unknown record");
    expect_bad("costs.tsv", "19.58%", "19.58%%", KD_INVALID_VALUE, "中之条町/D", "not a number");

    /* Procurement. */
    expect_bad("procurement.tsv", "item\t12\t吾妻広域", "item\t12\t吾妻郡", KD_INVALID_VALUE,
               "No.12", "unknown orderer");
    expect_bad("procurement.tsv", "798,000\t703,250", "798,000\t-703,250", KD_INVALID_VALUE,
               "No.12/quote", NULL);
    expect_bad("procurement.tsv", "\t111\t", "\t0\t", KD_INVALID_VALUE, "No.11/count", NULL);
    expect_bad("procurement.tsv", "item\t2\t", "item\t1\t", KD_INVALID_VALUE, "No.1", "twice");

    /* Allocation. */
    expect_bad("allocation.tsv", "\t均等:30,人口:70", "\t均等:30,人口:60", KD_INVALID_VALUE, "共通経費",
               "90%");
    expect_bad("allocation.tsv", "\t均等:30,人口:70", "\t均等:30,面積:70", KD_INVALID_VALUE, "共通経費",
               NULL);
    expect_bad("allocation.tsv", "10,000,000\t人口", "10,000,000\tデータ量", KD_MISSING_FIELD,
               "中之条町/data volume", NULL);
    expect_bad("allocation.tsv", "16,842", "-16,842", KD_INVALID_VALUE, "中之条町/residents", NULL);
    expect_bad("allocation.tsv", "1,000,000", "1,000,000,000,001", KD_INVALID_VALUE,
               "カスタマイズ費用", "trillion");

    /* The text itself. */
    expect_bad("costs.tsv", NULL, "\xff", KD_INVALID_UTF8, "text", NULL);
    expect_bad("costs.tsv", NULL, "town\t\x01", KD_INVALID_VALUE, "text", "control");
}

static void outputs(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 64 << 20);
    struct cons_result *r = compute_file(&a, "proposal.tsv");
    size_t len;
    char *csv = cons_csv(r, &len);
    assert_non_null(csv);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    assert_non_null(strstr(csv, "A社,1次,住民,65.62,67.13,40%,26.85 ※資料 28.85,64.76,2位\r\n"));
    assert_non_null(strstr(csv, "A社,1次評価点,26.85,28.85,不一致\r\n"));
    free(csv);
    char *text = cons_text(r, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "26.85 ※資料 28.85"));
    assert_non_null(strstr(text, "9件中 8件一致、1件不一致"));
    free(text);
    struct jw w;
    jw_init(&w);
    cons_json(&w, r);
    char *json = jw_finish(&w, &len);
    assert_non_null(json);
    json_error_t je;
    json_t *doc = json_loads(json, 0, &je);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "mismatches")), 1);
    json_decref(doc);
    free(json);

    /* The PDF: the flagged figure with the printed one beside it. */
    char *pdf;
    struct kd_err err;
    assert_int_equal(cons_pdf(r, "2026-11-27", &pdf, &len, &err), 0);
    char path[] = "/tmp/kyodo-cons-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    free(pdf);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s -", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = calloc(1, 1 << 20);
    assert_non_null(out);
    size_t n = fread(out, 1, (1 << 20) - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(path);
    assert_non_null(strstr(out, "プロポーザル集計結果"));
    assert_non_null(strstr(out, "※資料 28.85"));
    assert_non_null(strstr(out, "26.85"));
    assert_non_null(strstr(out, "74.17"));
    assert_non_null(strstr(out, "採点表（2次）"));
    free(out);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rounding_and_numbers),
        cmocka_unit_test(proposal_reproduces_the_seed_and_flags_one_figure),
        cmocka_unit_test(costs_reproduce_the_seed),
        cmocka_unit_test(procurement_reproduces_the_seed),
        cmocka_unit_test(allocation_sums_exactly),
        cmocka_unit_test(evaluators_scores),
        cmocka_unit_test(bad_input_names_the_item),
        cmocka_unit_test(outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
