/*
 * test_certificates.c — the pure parts of src/residents/certificate*.c:
 * which items a certificate shows given the options and the requester (a
 * third party never gets 個人番号 or 住民票コード), 和暦 and 西暦 on the
 * form (元年, era boundaries, 不詳日), sheets of four, the 除票 retention
 * boundary, numbers and item codes, and a described document rendered to
 * the right number of pages.
 */
#include "testutil.h"

#include "residents/certificate.h"
#include "residents/certificate_store.h"

static const unsigned DEFAULTS = CI_SHIMEI | CI_BIRTH | CI_SEX | CI_ADDRESS | CI_BECAME_RESIDENT |
                                 CI_ADDRESS_FIXED | CI_PREV_ADDRESS | CI_NATIONALITY;

static unsigned shown_ok(enum cert_kind k, enum cert_requester who, unsigned options,
                         unsigned chosen)
{
    struct cert_request q = {k, CERT_FORM_SETAI, who, options, chosen};
    struct kd_err err;
    unsigned s = 0xdead;
    if (cert_items_shown(&q, &s, &err) < 0)
        fail_msg("refused: %s: %s", err.field, err.message);
    return s;
}

static void refused(enum cert_kind k, enum cert_requester who, unsigned options, unsigned chosen,
                    enum kd_code code, const char *field)
{
    struct cert_request q = {k, CERT_FORM_KOJIN, who, options, chosen};
    struct kd_err err;
    unsigned s = 0xdead;
    assert_int_equal(cert_items_shown(&q, &s, &err), -1);
    assert_int_equal(err.code, code);
    assert_string_equal(err.field, field);
    assert_int_equal(s, 0xdead); /* untouched on failure */
}

static void items_by_default_and_on_request(void **state)
{
    (void)state;
    /* §11.1: by default 氏名, 生年月日, 性別, 住所, the dates, 転入前住所. */
    assert_int_equal(shown_ok(CERT_JUMINHYO, CERT_HONNIN, 0, 0), DEFAULTS);
    /* On request: 世帯主・続柄, 本籍・筆頭者, 個人番号, 住民票コード. */
    unsigned all = CI_SETAINUSHI | CI_HONSEKI | CI_KOJIN_BANGO | CI_JUMIN_CODE | CI_ZAIRYU;
    assert_int_equal(shown_ok(CERT_JUMINHYO, CERT_HONNIN, all, 0), DEFAULTS | all);
    assert_int_equal(shown_ok(CERT_JUMINHYO, CERT_HONNIN, CI_HONSEKI, 0), DEFAULTS | CI_HONSEKI);
    /* A 除票 also shows why and when it was removed. */
    assert_int_equal(shown_ok(CERT_JOHYO, CERT_HONNIN, 0, 0), DEFAULTS | CI_REMOVAL);
    /* A 記載事項証明書: 氏名 and the chosen items only. */
    assert_int_equal(shown_ok(CERT_KISAI, CERT_HONNIN, 0, CI_ADDRESS), CI_SHIMEI | CI_ADDRESS);
    assert_int_equal(shown_ok(CERT_KISAI, CERT_DAISANSHA, 0, CI_BIRTH | CI_HONSEKI),
                     CI_SHIMEI | CI_BIRTH | CI_HONSEKI);
    /* Every on-request item is off by default, and the table says so. */
    for (int i = 0; i < cert_item_count; i++) {
        const struct cert_item_info *it = &cert_items[i];
        assert_false(it->by_default && it->on_request);
        assert_ptr_equal(cert_item_find(it->code), it);
        if (it->never_third_party)
            assert_true(it->on_request);
    }
    assert_null(cert_item_find("shoe_size"));
}

static void third_party_never_gets_mynumber_or_code(void **state)
{
    (void)state;
    refused(CERT_JUMINHYO, CERT_DAISANSHA, CI_KOJIN_BANGO, 0, KD_FORBIDDEN, "options.kojin_bango");
    refused(CERT_JUMINHYO, CERT_DAISANSHA, CI_JUMIN_CODE, 0, KD_FORBIDDEN, "options.jumin_code");
    refused(CERT_JOHYO, CERT_DAISANSHA, CI_SETAINUSHI | CI_JUMIN_CODE, 0, KD_FORBIDDEN,
            "options.jumin_code");
    refused(CERT_KISAI, CERT_DAISANSHA, 0, CI_ADDRESS | CI_KOJIN_BANGO, KD_FORBIDDEN,
            "items.kojin_bango");
    /* The other on-request items a third party may have (12条の3). */
    assert_int_equal(shown_ok(CERT_JUMINHYO, CERT_DAISANSHA, CI_SETAINUSHI | CI_HONSEKI, 0),
                     DEFAULTS | CI_SETAINUSHI | CI_HONSEKI);
    /* The person and official requests may (the API also checks the role). */
    assert_true(shown_ok(CERT_JUMINHYO, CERT_HONNIN, CI_KOJIN_BANGO, 0) & CI_KOJIN_BANGO);
    assert_true(shown_ok(CERT_JUMINHYO, CERT_KOYO, CI_JUMIN_CODE, 0) & CI_JUMIN_CODE);
}

static void options_are_the_on_request_items(void **state)
{
    (void)state;
    refused(CERT_JUMINHYO, CERT_HONNIN, CI_BIRTH, 0, KD_INVALID_VALUE, "options.birth");
    refused(CERT_JOHYO, CERT_HONNIN, CI_REMOVAL, 0, KD_INVALID_VALUE, "options.removal");
    refused(CERT_KISAI, CERT_HONNIN, 0, 0, KD_MISSING_FIELD, "items");
    refused(CERT_KISAI, CERT_HONNIN, 0, CI_REMOVAL, KD_INVALID_VALUE, "items.removal");
}

static void date_on_form(const char *iso, const char *fuzzy, bool greg, const char *want)
{
    char buf[CERT_DATE_CAP];
    struct kd_err err;
    if (cert_date_text(iso, fuzzy, greg, buf, sizeof buf, &err) < 0)
        fail_msg("%s: %s", iso, err.message);
    assert_string_equal(buf, want);
}

static void wareki_on_the_form(void **state)
{
    (void)state;
    date_on_form("1980-05-05", "", false, "昭和55年5月5日");
    date_on_form("2019-05-01", "", false, "令和元年5月1日"); /* 元年, never 1年 */
    date_on_form("2019-04-30", "", false, "平成31年4月30日");
    date_on_form("1989-01-07", "", false, "昭和64年1月7日");
    date_on_form("1989-01-08", "", false, "平成元年1月8日");
    date_on_form("1926-12-25", "", false, "昭和元年12月25日"); /* an overlap day: the new era */
    date_on_form("2026-04-01", "", false, "令和8年4月1日");
    /* 外国人住民: 生年月日 and 在留期間の満了の日 in 西暦 (resident-registry.md §2.2). */
    date_on_form("1995-02-03", "", true, "1995年2月3日");
    /* 不詳日 are written as recorded; no date is blank. */
    date_on_form("1940-01-01", "昭和15年頃", false, "昭和15年頃");
    date_on_form("", "", false, "");
    char buf[CERT_DATE_CAP];
    struct kd_err err;
    assert_int_equal(cert_date_text("2024-02-30", "", false, buf, sizeof buf, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_int_equal(cert_date_text("1872-12-31", "", false, buf, sizeof buf, &err), -1);
}

static void sheets_of_four(void **state)
{
    (void)state;
    assert_int_equal(cert_per_sheet(CERT_FORM_SETAI), 4);
    assert_int_equal(cert_per_sheet(CERT_FORM_KOJIN), 1);
    static const int want[] = {0, 1, 1, 1, 1, 2, 2, 2, 2, 3};
    for (int n = 0; n < 10; n++) {
        assert_int_equal(cert_sheets(CERT_FORM_SETAI, n), want[n]);
        assert_int_equal(cert_sheets(CERT_FORM_KOJIN, n), n);
    }
}

static void johyo_retention(void **state)
{
    (void)state;
    /* resident-registry.md §11.2: removed 2014-06-19 may be gone; 2014-06-20 is kept. */
    assert_false(cert_johyo_retained("2014-06-19", CERT_JOHYO_EARLIEST_DEFAULT));
    assert_true(cert_johyo_retained("2014-06-20", CERT_JOHYO_EARLIEST_DEFAULT));
    assert_true(cert_johyo_retained("2025-01-01", CERT_JOHYO_EARLIEST_DEFAULT));
    /* A town that kept longer (鹿児島市: from 平成21年6月21日). */
    assert_true(cert_johyo_retained("2010-01-01", "2009-06-21"));
    assert_false(cert_johyo_retained("2009-06-20", "2009-06-21"));
}

static void numbers_codes_and_labels(void **state)
{
    (void)state;
    char buf[CERT_NUMBER_CAP];
    cert_number_text(123, buf);
    assert_string_equal(buf, "第000123号");
    cert_number_text(1234567, buf);
    assert_string_equal(buf, "第1234567号");
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    unsigned items = DEFAULTS | CI_HONSEKI | CI_REMOVAL;
    const char *codes = cert_items_codes(&a, items);
    assert_string_equal(codes, "shimei birth sex address became_resident address_fixed "
                               "prev_address nationality honseki removal");
    assert_int_equal(cert_items_from_codes(codes), items);
    assert_int_equal(cert_items_from_codes("shimei later_item  birth"), CI_SHIMEI | CI_BIRTH);
    assert_string_equal(cert_certifier(&a, "嬬恋村"), "嬬恋村長");
    arena_release(&a);
    enum cert_kind k;
    enum cert_form f;
    enum cert_requester r;
    assert_true(cert_kind_parse("johyo", &k) && k == CERT_JOHYO);
    assert_false(cert_kind_parse("koseki", &k));
    assert_true(cert_form_parse("kojin", &f) && f == CERT_FORM_KOJIN);
    assert_true(cert_requester_parse("daisansha", &r) && r == CERT_DAISANSHA);
    assert_false(cert_requester_parse("", &r));
    assert_string_equal(cert_title(CERT_JUMINHYO, CERT_FORM_SETAI), "住民票の写し（世帯連記式）");
    assert_string_equal(cert_title(CERT_JOHYO, CERT_FORM_KOJIN), "除票の写し（個人票）");
    assert_string_equal(cert_requester_label(CERT_KOYO), "公用");
}

/* Runs `tool -` on a PDF and returns its output (malloc'd). */
static char *run_tool(const char *tool, const char *pdf, size_t len)
{
    char path[] = "/tmp/kyodo-cert-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s %s %s 2>&1", tool, path,
             strcmp(tool, "pdftotext") == 0 ? "-" : "");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 18, n = 0, got;
    char *out = malloc(cap);
    assert_non_null(out);
    while ((got = fread(out + n, 1, cap - n - 1, p)) > 0)
        n += got;
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(path);
    return out;
}

static void a_household_of_six_is_two_sheets(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    static const char *const names[6] = {"吾妻 一", "吾妻 二", "吾妻 三",
                                         "吾妻 四", "吾妻 五", "吾妻 六"};
    struct record rs[6];
    const char *heads[6];
    for (int i = 0; i < 6; i++) {
        record_clear(&rs[i]);
        rs[i].atena = "0000000019";
        rs[i].status = "resident";
        rs[i].kind = i == 5 ? "foreign" : "japanese";
        rs[i].shimei = names[i];
        rs[i].birth = i == 5 ? "1990-01-02" : "2019-05-01";
        rs[i].sex = 1 + i % 2;
        rs[i].zokugara = i == 0 ? "世帯主" : "子";
        rs[i].address = "群馬県吾妻郡高山村大字中山1番地";
        heads[i] = names[0];
    }
    struct cert_doc d = {CERT_JUMINHYO, CERT_FORM_SETAI, DEFAULTS | CI_SETAINUSHI,
                         "高山村", "", "この写しは、住民票の原本と相違ないことを証明する。",
                         "2026-04-01", "第000042号", 6, rs, heads};
    struct kd_err err;
    struct report *rep = cert_describe(&a, &d, &err);
    assert_non_null(rep);
    char *pdf;
    size_t len;
    assert_int_equal(report_render_pdf(rep, &pdf, &len, &err), 0);
    char *info = run_tool("pdfinfo", pdf, len);
    assert_non_null(strstr(info, "Pages:           2"));
    char *txt = run_tool("pdftotext", pdf, len);
    static const char *const expect[] = {"令和元年5月1日", "1990年1月2日", "高山村長", "第000042号",
                                         "令和8年4月1日", "（次葉に続く）", "吾妻 六"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        if (!strstr(txt, expect[i]))
            fail_msg("missing %s in:\n%s", expect[i], txt);
    free(info);
    free(txt);
    free(pdf);
    /* Nobody to certify is a programming error, reported, not a crash. */
    d.count = 0;
    assert_null(cert_describe(&a, &d, &err));
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items_by_default_and_on_request),
        cmocka_unit_test(third_party_never_gets_mynumber_or_code),
        cmocka_unit_test(options_are_the_on_request_items),
        cmocka_unit_test(wareki_on_the_form),
        cmocka_unit_test(sheets_of_four),
        cmocka_unit_test(johyo_retention),
        cmocka_unit_test(numbers_codes_and_labels),
        cmocka_unit_test(a_household_of_six_is_two_sheets),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    report_shutdown();
    return rc;
}
