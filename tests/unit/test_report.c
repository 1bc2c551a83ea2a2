/*
 * test_report.c — src/report: a document with Japanese text, a table that
 * breaks across pages, a flagged cell; the PDF checked with poppler-utils
 * (pdftotext for the text, pdffonts for embedded subset fonts), and renders
 * from several threads at once going through the one rendering thread.
 */
#include "testutil.h"

#include "report/report.h"

#include <pthread.h>

/* Writes buf to a temporary file and runs `tool args FILE`, returning its
 * standard output (malloc'd). */
static char *run_tool(const char *tool, const char *args, const char *pdf, size_t len)
{
    char path[] = "/tmp/kyodo-report-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s %s %s 2>&1", tool, args, path,
             strcmp(tool, "pdftotext") == 0 ? "-" : "");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t got;
    while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(path);
    return out;
}

/* Removes spaces in place (pdftotext spaces text as it likes). */
static char *squeeze(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
    return s;
}

static struct report *sample(struct arena *a, int rows)
{
    struct kd_err err;
    struct report *r = report_new(a, REPORT_PORTRAIT, "試験帳票");
    assert_non_null(r);
    report_set_header_right(r, "令和8年11月27日");
    report_set_footer_left(r, "吾妻郡町村情報システム共同化推進協議会");
    assert_int_equal(report_title(r, "コスト削減効果検証一覧", &err), 0);
    assert_int_equal(report_paragraph(r, "中之条町は、現契約で減額されており、総軽減率ではデータ移行費でほぼ相殺された。",
                                      REPORT_MINCHO, 10.5, &err),
                     0);
    assert_int_equal(report_heading(r, "表", &err), 0);
    static const double w[] = {40, 40, 40};
    static const enum report_align al[] = {REPORT_LEFT, REPORT_RIGHT, REPORT_RIGHT};
    assert_int_equal(report_table(r, 3, w, al, &err), 0);
    const char *head[] = {"町村名", "今回見積額", "軽減率"};
    assert_int_equal(report_row(r, head, REPORT_ROW_HEADER, &err), 0);
    for (int i = 0; i < rows; i++) {
        char amount[32];
        snprintf(amount, sizeof amount, "%d,277", 100 + i);
        const char *cells[] = {i == 0 ? "嬬恋村" : "長野原町", amount, "19.58%"};
        assert_int_equal(report_row(r, cells, 0, &err), 0);
        if (i == 0)
            assert_int_equal(report_mark(r, 2, REPORT_MARK_FLAG, &err), 0);
    }
    const char *total[] = {"合計", "836,000", NULL};
    assert_int_equal(report_row(r, total, REPORT_ROW_TOTAL, &err), 0);
    return r;
}

static void renders_japanese_text_with_embedded_subset_fonts(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 4 << 20);
    struct report *r = sample(&a, 120); /* several pages */
    char *pdf = NULL;
    size_t len = 0;
    struct kd_err err;
    assert_int_equal(report_render_pdf(r, &pdf, &len, &err), 0);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);

    char *text = run_tool("pdftotext", "-layout", pdf, len);
    assert_non_null(strstr(text, "コスト削減効果検証一覧"));
    assert_non_null(strstr(text, "嬬恋村"));
    assert_non_null(strstr(text, "ほぼ相殺された"));
    assert_non_null(strstr(text, "836,000"));
    /* The footer numbers the pages "n / N" (pdftotext drops the spaces). */
    char *info = run_tool("pdfinfo", "", pdf, len);
    const char *pages_line = strstr(info, "Pages:");
    assert_non_null(pages_line);
    int pages = (int)strtol(pages_line + 6, NULL, 10);
    assert_true(pages >= 3);
    char last[32];
    snprintf(last, sizeof last, "%d/%d", pages, pages);
    assert_non_null(strstr(squeeze(text), last));
    free(info);
    /* The header row is repeated on every page. */
    size_t heads = 0;
    for (const char *p = text; (p = strstr(p, "今回見積額")); p++)
        heads++;
    assert_true(heads >= 3);
    free(text);

    char *fonts = run_tool("pdffonts", "", pdf, len);
    /* Every font line: embedded (emb yes) and subset (sub yes). */
    assert_non_null(strstr(fonts, "IPAexGothic"));
    assert_non_null(strstr(fonts, "IPAexMincho"));
    int lines = 0;
    for (char *line = strchr(fonts, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        if (strncmp(line + 1, "----", 4) == 0 || strncmp(line + 1, "name", 4) == 0)
            continue;
        lines++;
        char *end = strchr(line + 1, '\n');
        char save = end ? *end : '\0';
        if (end)
            *end = '\0';
        /* name (ABCDEF+IPAex…, or ABCDEF+CairoFont for bold drawn by
         * cairo from IPAex), type, encoding, emb, sub, uni, object ID */
        assert_int_equal(line[7], '+');
        assert_non_null(strstr(line + 1, " yes yes "));
        if (end)
            *end = save;
    }
    assert_true(lines >= 2);
    free(fonts);
    free(pdf);
    arena_release(&a);
}

static void landscape_and_bad_tables(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    struct kd_err err;
    struct report *r = report_new(&a, REPORT_LANDSCAPE, "横");
    assert_int_equal(report_table(r, 0, NULL, NULL, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_int_equal(report_row(r, NULL, 0, &err), -1); /* no table yet */
    assert_int_equal(report_page_break(r, &err), 0);
    assert_int_equal(report_paragraph(r, "二頁目", REPORT_GOTHIC, 12, &err), 0);
    char *pdf;
    size_t len;
    assert_int_equal(report_render_pdf(r, &pdf, &len, &err), 0);
    char *text = run_tool("pdftotext", "", pdf, len);
    assert_non_null(strstr(text, "二頁目"));
    assert_non_null(strstr(squeeze(text), "2/2"));
    free(text);
    char *info = run_tool("pdfinfo", "", pdf, len);
    assert_non_null(strstr(info, "841.89 x 595.276")); /* A4 landscape, in points */
    assert_non_null(strstr(squeeze(info), "Title:横"));
    free(info);
    free(pdf);
    arena_release(&a);
}

static void *render_one(void *p)
{
    (void)p;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    struct report *r = sample(&a, 5);
    char *pdf = NULL;
    size_t len = 0;
    struct kd_err err;
    int rc;
    /* The queue is bounded: a refusal is 503-style, never a crash. */
    while ((rc = report_render_pdf(r, &pdf, &len, &err)) < 0 && err.code == KD_UNAVAILABLE)
        usleep(1000);
    arena_release(&a);
    if (rc == 0)
        free(pdf);
    return (void *)(intptr_t)rc;
}

static void many_threads_share_the_one_renderer(void **state)
{
    (void)state;
    pthread_t t[12];
    for (int i = 0; i < 12; i++)
        assert_int_equal(pthread_create(&t[i], NULL, render_one, NULL), 0);
    for (int i = 0; i < 12; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_int_equal((intptr_t)rc, 0);
    }
    /* Stopping and starting again works (the CLI and tests do both). */
    report_shutdown();
    assert_null(render_one(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_japanese_text_with_embedded_subset_fonts),
        cmocka_unit_test(landscape_and_bad_tables),
        cmocka_unit_test(many_threads_share_the_one_renderer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
