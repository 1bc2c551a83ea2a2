/*
 * test_base.c — src/base: clock, text, arena, log.
 */
#include "testutil.h"

#include "base/arena.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/text.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>

/* ---- clock ---- */

static void clock_format_and_parse(void **state)
{
    (void)state;
    char buf[CLOCK_ISO_LEN];
    clock_format_iso(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    clock_format_iso(1795828173938, buf);
    assert_string_equal(buf, "2026-11-28T01:09:33.938Z");
    /* Leap day and the day after. */
    int64_t ms;
    assert_true(clock_parse_iso("2024-02-29", 10, &ms));
    clock_format_iso(ms + 86400000, buf);
    assert_string_equal(buf, "2024-03-01T00:00:00.000Z");
    /* Round trips. */
    const char *forms[] = {"2026-11-27T12:53:20.123Z", "1989-01-08T00:00:00.000Z",
                           "2000-02-29T23:59:59.999Z"};
    for (size_t i = 0; i < 3; i++) {
        assert_true(clock_parse_iso(forms[i], strlen(forms[i]), &ms));
        clock_format_iso(ms, buf);
        assert_string_equal(buf, forms[i]);
    }
    /* Every int64 is defined: the ends clamp, nothing overflows. */
    clock_format_iso(INT64_MIN, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
    clock_format_iso(INT64_MIN + 500, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
    clock_format_iso(INT64_MAX, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
    clock_format_iso(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    assert_true(clock_parse_iso("2026-11-27T12:53:20Z", 20, &ms));
    clock_format_iso(ms, buf);
    assert_string_equal(buf, "2026-11-27T12:53:20.000Z");
}

static void clock_rejects(void **state)
{
    (void)state;
    int64_t ms;
    const char *bad[] = {"2026-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-4-01",
                         "20250401",   "2025-04-01T24:00:00Z", "2025-04-01T10:60:00Z",
                         "2025-04-01T10:00:00", "2025-04-01T10:00:00.1Z", "2025-04-01 10:00:00Z",
                         "", "abcd-ef-gh", "2025-04-01T10:00:00.000+09"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(clock_parse_iso(bad[i], strlen(bad[i]), &ms));
    assert_true(clock_valid_civil(2000, 2, 29));
    assert_false(clock_valid_civil(1900, 2, 29));
    assert_false(clock_valid_civil(2023, 2, 29));
}

static void clock_civil_days(void **state)
{
    (void)state;
    assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
    for (int64_t d = -800000; d < 800000; d += 997) {
        int64_t y;
        unsigned m, dd;
        clock_civil_from_days(d, &y, &m, &dd);
        assert_true(clock_valid_civil(y, m, dd));
        assert_int_equal(clock_days_from_civil(y, m, dd), d);
    }
}

/* ---- text ---- */

static void utf8_validation(void **state)
{
    (void)state;
    size_t at = 99;
    assert_true(text_utf8_valid("", 0, &at));
    assert_true(text_utf8_valid("中之条町 abc", strlen("中之条町 abc"), &at));
    assert_true(text_utf8_valid("\xF0\xA0\xAE\xB7", 4, &at)); /* 𠮷 */
    struct {
        const char *s;
        size_t len, at;
    } bad[] = {
        {"\x80", 1, 0},                 /* lone continuation */
        {"a\xC0\xAF", 3, 1},            /* overlong '/' */
        {"\xE0\x80\xAF", 3, 0},         /* overlong */
        {"\xED\xA0\x80", 3, 0},         /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 4, 0},     /* above U+10FFFF */
        {"ab\xE4\xB8", 4, 2},           /* truncated 中 */
        {"\xFF", 1, 0},
        {"ok\xE4\xB8\x41", 5, 2},       /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(text_utf8_valid(bad[i].s, bad[i].len, &at));
        assert_int_equal(at, bad[i].at);
    }
    assert_int_equal(text_utf8_chars("中之条町", strlen("中之条町")), 4);
}

static void text_checks(void **state)
{
    (void)state;
    assert_true(text_has_control("a\tb", 3, false));
    assert_false(text_has_control("a\tb", 3, true));
    assert_true(text_has_control("a\x7f", 2, true));
    assert_true(text_has_control("\xC2\x85", 2, true)); /* U+0085 NEL */
    assert_false(text_has_control("全角　空白", strlen("全角　空白"), false));
    int64_t v;
    assert_true(text_parse_i64("9223372036854775807", 19, INT64_MIN, INT64_MAX, &v));
    assert_true(v == INT64_MAX);
    assert_true(text_parse_i64("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &v));
    assert_true(v == INT64_MIN);
    assert_false(text_parse_i64("9223372036854775808", 19, INT64_MIN, INT64_MAX, &v));
    assert_false(text_parse_i64("12a", 3, 0, 100, &v));
    assert_false(text_parse_i64("", 0, 0, 100, &v));
    assert_false(text_parse_i64("-", 1, -5, 100, &v));
    assert_false(text_parse_i64("101", 3, 0, 100, &v));
    assert_false(text_parse_i64("+1", 2, 0, 100, &v));

    struct kd_err err;
    assert_int_equal(text_check_line("中之条町", strlen("中之条町"), 1, 4, "name", &err), 0);
    assert_int_equal(text_check_line("中之条町x", strlen("中之条町x"), 1, 4, "name", &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_string_equal(err.field, "name");
    assert_int_equal(text_check_line("", 0, 1, 4, "name", &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_int_equal(text_check_line("a\nb", 3, 1, 4, "name", &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_int_equal(text_check_line("\xff", 1, 1, 4, "name", &err), -1);
    assert_int_equal(err.code, KD_INVALID_UTF8);
}

static void err_values(void **state)
{
    (void)state;
    struct kd_err err;
    assert_int_equal(kd_fail(&err, KD_MISSING_FIELD, "login", "%s is required", "login"), -1);
    assert_string_equal(kd_code_name(err.code), "missing_field");
    assert_int_equal(kd_code_status(err.code), 400);
    assert_string_equal(err.message, "login is required");
    assert_int_equal(kd_code_status(KD_ACCOUNT_LOCKED), 423);
    assert_int_equal(kd_code_status(KD_PAYLOAD_TOO_LARGE), 413);
    for (int c = 0; c < KD_CODE_COUNT; c++)
        assert_true(strlen(kd_code_name((enum kd_code)c)) > 0);
    /* A long field is cut at a character boundary. */
    char field[200];
    memset(field, 0, sizeof field);
    for (int i = 0; i < 30; i++)
        memcpy(field + 3 * i, "町", 3);
    kd_fail(&err, KD_UNKNOWN_FIELD, field, "x");
    assert_true(strlen(err.field) < KD_FIELD_MAX);
    assert_int_equal(strlen(err.field) % 3, 0);
    /* So is a long message, whatever its first byte's offset. */
    char many[400];
    for (int lead = 0; lead < 3; lead++) {
        memset(many, 0, sizeof many);
        memset(many, 'a', (size_t)lead);
        for (int i = 0; i < 120; i++)
            memcpy(many + lead + 3 * i, "町", 3);
        kd_fail(&err, KD_INVALID_VALUE, NULL, "%s", many);
        size_t len = strlen(err.message);
        assert_true(len < KD_MSG_MAX && len > KD_MSG_MAX - 4);
        assert_int_equal((len - (size_t)lead) % 3, 0);
        assert_true(text_utf8_valid(err.message, len, NULL));
    }
}

/* ---- arena ---- */

static void arena_basics(void **state)
{
    (void)state;
    char inline_buf[64];
    struct arena a;
    arena_init(&a, inline_buf, sizeof inline_buf, 1 << 16);
    char *p = arena_alloc(&a, 10);
    assert_true(p >= inline_buf && p < inline_buf + sizeof inline_buf);
    char *s = arena_strndup(&a, "中之条町", strlen("中之条町"));
    assert_string_equal(s, "中之条町");
    char *f = arena_printf(&a, "%s-%d", "town", 104213);
    assert_string_equal(f, "town-104213");
    /* Spills to the heap and stays aligned. */
    for (int i = 0; i < 100; i++) {
        void *q = arena_alloc(&a, 100);
        assert_non_null(q);
        assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
    }
    /* The ceiling holds. */
    assert_null(arena_alloc(&a, 1 << 17));
    void *z = arena_zalloc(&a, 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(((char *)z)[i], 0);
    arena_release(&a);
}

static void arena_cap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 10000);
    size_t total = 0;
    while (arena_alloc(&a, 1000))
        total += 1000;
    assert_true(total <= 10000);
    assert_true(total >= 5000);
    arena_release(&a);
}

/* ---- log ---- */

static char *read_all(int fd)
{
    static char buf[1 << 20];
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void log_lines_are_json(void **state)
{
    (void)state;
    char path[] = "/tmp/kyodo-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    log_set_fd(fd);
    struct logline l;
    logline_begin(&l, LOG_INFO, "request");
    logline_str(&l, "quote", "a\"b\\c\nd\x01");
    logline_str(&l, "japanese", "中之条町");
    logline_int(&l, "neg", -42);
    logline_int(&l, "min", INT64_MIN);
    logline_bool(&l, "flag", true);
    logline_str(&l, "nothing", NULL);
    logline_end(&l);
    /* A line far too long keeps valid JSON and says it was cut. */
    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    logline_begin(&l, LOG_WARN, "big");
    logline_str(&l, "small", "kept");
    logline_str(&l, "big", big);
    logline_int(&l, "after", 1);
    logline_end(&l);
    /* Below the level: nothing. */
    log_set_level(LOG_WARN);
    log_msg(LOG_INFO, "hidden", NULL);
    log_set_level(LOG_INFO);
    log_set_fd(2);

    char *text = read_all(fd);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    json_error_t e;
    json_t *first = json_loadb(text, (size_t)(nl - text), 0, &e);
    assert_non_null(first);
    assert_string_equal(json_string_value(json_object_get(first, "quote")), "a\"b\\c\nd\x01");
    assert_string_equal(json_string_value(json_object_get(first, "japanese")), "中之条町");
    assert_int_equal(json_integer_value(json_object_get(first, "neg")), -42);
    assert_true(json_integer_value(json_object_get(first, "min")) == INT64_MIN);
    assert_true(json_is_true(json_object_get(first, "flag")));
    assert_true(json_is_null(json_object_get(first, "nothing")));
    assert_string_equal(json_string_value(json_object_get(first, "level")), "info");
    json_decref(first);
    char *second = nl + 1;
    char *nl2 = strchr(second, '\n');
    assert_non_null(nl2);
    json_t *cut = json_loadb(second, (size_t)(nl2 - second), 0, &e);
    assert_non_null(cut);
    assert_true(json_is_true(json_object_get(cut, "truncated")));
    assert_string_equal(json_string_value(json_object_get(cut, "small")), "kept");
    assert_null(json_object_get(cut, "big"));
    json_decref(cut);
    assert_null(strstr(text, "hidden"));
    close(fd);
    unlink(path);
}

static void *log_many(void *arg)
{
    for (int i = 0; i < 2000; i++) {
        struct logline l;
        logline_begin(&l, LOG_INFO, "line");
        logline_int(&l, "thread", (int64_t)(intptr_t)arg);
        logline_int(&l, "i", i);
        logline_end(&l);
    }
    return NULL;
}

static void log_async_keeps_every_line_in_order(void **state)
{
    (void)state;
    char path[] = "/tmp/kyodo-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    log_set_fd(fd);
    assert_int_equal(log_async_start(), 0);
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, log_many, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    log_async_stop();
    log_set_fd(2);
    char *text = read_all(fd);
    int next[4] = {0, 0, 0, 0};
    int lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        json_error_t e;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &e);
        assert_non_null(o);
        int th = (int)json_integer_value(json_object_get(o, "thread"));
        int i = (int)json_integer_value(json_object_get(o, "i"));
        assert_int_equal(i, next[th]); /* each thread's lines in order */
        next[th]++;
        lines++;
        json_decref(o);
    }
    assert_int_equal(lines, 8000);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock_format_and_parse),
        cmocka_unit_test(clock_rejects),
        cmocka_unit_test(clock_civil_days),
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(text_checks),
        cmocka_unit_test(err_values),
        cmocka_unit_test(arena_basics),
        cmocka_unit_test(arena_cap),
        cmocka_unit_test(log_lines_are_json),
        cmocka_unit_test(log_async_keeps_every_line_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
