/*
 * test_ident.c — check digits, with the vectors of
 * ../shared/domain/identifiers-and-dates.md §1 and §4.
 */
#include "testutil.h"

#include "engine/ident.h"

#define V(s) (s), strlen(s)

static void lg_code(void **state)
{
    (void)state;
    /* The domain notes' vectors. */
    assert_true(ident_lg_code_valid(V("130001")));
    assert_true(ident_lg_code_valid(V("011002")));
    assert_true(ident_lg_code_valid(V("271004")));
    assert_true(ident_lg_code_valid(V("141305")));
    assert_true(ident_lg_code_valid(V("472018")));
    assert_true(ident_lg_code_valid(V("012025")));
    assert_false(ident_lg_code_valid(V("130002")));
    /* The six Agatsuma towns of the seed. */
    const char *towns[] = {"104213", "104248", "104256", "104264", "104281", "104299"};
    for (size_t i = 0; i < 6; i++)
        assert_true(ident_lg_code_valid(V(towns[i])));
    assert_false(ident_lg_code_valid(V("104214")));
    /* Remainder 0 -> 1 and remainder 1 -> 0 (unlike My Number). */
    assert_int_equal(ident_lg_code_check_digit("13000"), 1); /* sum 21, r 10 -> 1 */
    assert_int_equal(ident_lg_code_check_digit("01100"), 2);
    /* Shape. */
    assert_false(ident_lg_code_valid(V("10421")));
    assert_false(ident_lg_code_valid(V("1042133")));
    assert_false(ident_lg_code_valid(V("10421a")));
    assert_false(ident_lg_code_valid(V("")));
}

static void lg_code_remainders(void **state)
{
    (void)state;
    /* Exhaustively: the rule CD = (11 - sum % 11) % 10 gives r=0 -> 1 and r=1 -> 0. */
    for (int n = 0; n < 100000; n += 7) {
        char five[6];
        snprintf(five, sizeof five, "%05d", n);
        int w[5] = {6, 5, 4, 3, 2}, sum = 0;
        for (int i = 0; i < 5; i++)
            sum += (five[i] - '0') * w[i];
        int r = sum % 11;
        int want = r == 0 ? 1 : r == 1 ? 0 : 11 - r;
        assert_int_equal(ident_lg_code_check_digit(five), want);
    }
}

static void mynumber(void **state)
{
    (void)state;
    assert_true(ident_mynumber_valid(V("123456789018")));
    assert_true(ident_mynumber_valid(V("983205673214")));
    assert_true(ident_mynumber_valid(V("379474484458")));
    assert_true(ident_mynumber_valid(V("111111111118")));
    assert_true(ident_mynumber_valid(V("123456789000"))); /* remainder 1 -> 0 */
    assert_true(ident_mynumber_valid(V("123456789050"))); /* remainder 0 -> 0 */
    assert_false(ident_mynumber_valid(V("983205673210")));
    assert_false(ident_mynumber_valid(V("123456789012")));
    assert_false(ident_mynumber_valid(V("12345678901")));
    assert_false(ident_mynumber_valid(V("12345678901a")));
    assert_int_equal(ident_mynumber_check_digit("12345678901"), 8);
}

static void jumin_code(void **state)
{
    (void)state;
    assert_true(ident_jumin_code_valid(V("24727059608")));
    assert_true(ident_jumin_code_valid(V("12345678903")));
    assert_true(ident_jumin_code_valid(V("99999999995")));
    assert_true(ident_jumin_code_valid(V("12345678040")));
    assert_true(ident_jumin_code_valid(V("12345678130")));
    assert_false(ident_jumin_code_valid(V("12345678901")));
    assert_false(ident_jumin_code_valid(V("1234567890")));
}

static void corp_number(void **state)
{
    (void)state;
    assert_true(ident_corp_number_valid(V("7123456789012")));
    assert_true(ident_corp_number_valid(V("4011001098993")));
    assert_true(ident_corp_number_valid(V("7000012050002")));
    assert_true(ident_corp_number_valid(V("2000012020001")));
    assert_true(ident_corp_number_valid(V("8000020130001")));
    assert_true(ident_corp_number_valid(V("2123456789000")));
    assert_false(ident_corp_number_valid(V("5000012010001")));
    assert_false(ident_corp_number_valid(V("712345678901")));
}

static void m11(void **state)
{
    (void)state;
    /* Weights 2,3,4,5,6,7,2,… from the rightmost digit. */
    /* "123456": 6*2+5*3+4*4+3*5+2*6+1*7 = 77, r 0 -> 0. */
    assert_int_equal(ident_m11_check_digit("123456", 6, IDENT_M11_R1_ZERO), 0);
    /* "1": 1*2 = 2, r 2 -> 9. */
    assert_int_equal(ident_m11_check_digit("1", 1, IDENT_M11_R1_ZERO), 9);
    /* "5": 10, r 10 -> 1. */
    assert_int_equal(ident_m11_check_digit("5", 1, IDENT_M11_R1_ZERO), 1);
    /* "6": 12, r 1: the unconfirmed case is the caller's setting. */
    assert_int_equal(ident_m11_check_digit("6", 1, IDENT_M11_R1_ZERO), 0);
    assert_int_equal(ident_m11_check_digit("6", 1, IDENT_M11_R1_SKIP), -1);
    /* The same weights as 個人番号 over eleven digits (for r >= 2). */
    assert_int_equal(ident_m11_check_digit("12345678901", 11, IDENT_M11_R1_ZERO), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lg_code),    cmocka_unit_test(lg_code_remainders),
        cmocka_unit_test(mynumber),   cmocka_unit_test(jumin_code),
        cmocka_unit_test(corp_number), cmocka_unit_test(m11),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
