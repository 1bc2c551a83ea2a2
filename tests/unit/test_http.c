/*
 * test_http.c — src/http: JSON request decoding, routing, static paths,
 * JSON output.
 */
#include "testutil.h"

#include "base/arena.h"
#include "http/jreq.h"
#include "http/json_out.h"
#include "http/jw.h"
#include "http/router.h"
#include "http/static_files.h"

static const struct jfield spec[] = {
    {"tenant", JT_STRING, true, 6, false, 0, 0},
    {"user", JT_STRING, true, 32, false, 0, 0},
    {"note", JT_STRING, false, 10, true, 0, 0},
    {"count", JT_INT, false, 0, false, 1, 500},
    {"flag", JT_BOOL, false, 0, false, 0, 0},
};

static int decode(const char *body, size_t len, struct jvalue *v, struct kd_err *err)
{
    struct arena a;
    static char buf[4096];
    arena_init(&a, buf, sizeof buf, 1 << 16);
    int rc = jreq_decode(&a, body, len, spec, 5, v, err);
    arena_release(&a);
    return rc;
}

static void expect(const char *body, size_t len, enum kd_code code, const char *field)
{
    struct jvalue v[5];
    struct kd_err err;
    kd_err_clear(&err);
    assert_int_equal(decode(body, len, v, &err), -1);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("%s: got %s field '%s' (%s)", body, kd_code_name(err.code), err.field,
                 err.message);
}
#define EXPECT(body, code, field) expect(body, sizeof(body) - 1, code, field)

static void jreq_accepts(void **state)
{
    (void)state;
    struct jvalue v[5];
    struct kd_err err;
    static const char ok[] =
        "{\"tenant\":\"104213\",\"user\":\"中之条\",\"note\":\"a\\nb\",\"count\":5,\"flag\":true}";
    assert_int_equal(decode(ok, sizeof ok - 1, v, &err), 0);
    assert_true(v[0].present);
    assert_int_equal(v[3].i, 5);
    assert_true(v[4].b);
    /* null is the same as absent for optional fields. */
    static const char nul[] = " {\"tenant\":\"1\",\"user\":\"u\",\"note\":null} ";
    assert_int_equal(decode(nul, sizeof nul - 1, v, &err), 0);
    assert_false(v[2].present);
}

static void jreq_rejects(void **state)
{
    (void)state;
    EXPECT("", KD_MALFORMED_JSON, "");
    EXPECT("   ", KD_MALFORMED_JSON, "");
    EXPECT("{", KD_MALFORMED_JSON, "");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\"} x", KD_MALFORMED_JSON, "");
    EXPECT("{\"tenant\":\"1\",\"tenant\":\"2\",\"user\":\"u\"}", KD_MALFORMED_JSON, "");
    EXPECT("[1,2]", KD_WRONG_TYPE, "");
    EXPECT("\"text\"", KD_WRONG_TYPE, "");
    EXPECT("{\"user\":\"u\"}", KD_MISSING_FIELD, "tenant");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\",\"admin\":true}", KD_UNKNOWN_FIELD, "admin");
    EXPECT("{\"tenant\":104213,\"user\":\"u\"}", KD_WRONG_TYPE, "tenant");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\",\"count\":\"5\"}", KD_WRONG_TYPE, "count");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\",\"count\":1.5}", KD_WRONG_TYPE, "count");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\",\"count\":501}", KD_INVALID_VALUE, "count");
    EXPECT("{\"tenant\":\"1\",\"user\":\"u\",\"flag\":1}", KD_WRONG_TYPE, "flag");
    EXPECT("{\"tenant\":\"1234567\",\"user\":\"u\"}", KD_TOO_LONG, "tenant");
    /* Characters, not bytes: six kanji fit in max 6. */
    struct jvalue v[5];
    struct kd_err err;
    static const char six[] = "{\"tenant\":\"中之条町村役\",\"user\":\"u\"}";
    assert_int_equal(decode(six, sizeof six - 1, v, &err), 0);
    EXPECT("{\"tenant\":\"1\\u0000\",\"user\":\"u\"}", KD_INVALID_VALUE, "tenant");
    EXPECT("{\"tenant\":\"1\",\"user\":\"a\\tb\"}", KD_INVALID_VALUE, "user");
    EXPECT("{\"tenant\":\"1\",\"user\":\"\\u0085\"}", KD_INVALID_VALUE, "user");
    EXPECT("{\"tenant\":\"1\",\"user\":\"\xff\"}", KD_INVALID_UTF8, "");
    EXPECT("{\"tenant\":\"1\",\"user\":\"\xed\xa0\x80\"}", KD_INVALID_UTF8, "");
    /* A lone surrogate escape is refused by the parser. */
    EXPECT("{\"tenant\":\"1\",\"user\":\"\\ud800\"}", KD_MALFORMED_JSON, "");
    /* Deep nesting in an unknown field is still just an unknown field. */
    EXPECT("{\"deep\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", KD_UNKNOWN_FIELD, "deep");
}

static void jreq_strings(void **state)
{
    (void)state;
    struct kd_err err;
    struct jfield f = {"purpose", JT_STRING, false, 4, false, 0, 0};
    assert_int_equal(jreq_check_string(&f, "交付目的", strlen("交付目的"), &err), 0);
    assert_int_equal(jreq_check_string(&f, "交付目的x", strlen("交付目的x"), &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_string_equal(err.field, "purpose");
}

struct r {
    struct route_key key;
    int tag;
};

static const struct r table[] = {
    {{"GET", "/api/v1/users"}, 1},
    {{"POST", "/api/v1/users"}, 2},
    {{"GET", "/api/v1/users/{id}"}, 3},
    {{"PATCH", "/api/v1/users/{id}"}, 4},
    {{"PUT", "/api/v1/users/{id}/password"}, 5},
    {{"GET", "/api/v1/tenants/{code}/x/{y}"}, 6},
};

static void router(void **state)
{
    (void)state;
    size_t i;
    struct router_params p;
    char allow[64];
    size_t n = sizeof table / sizeof table[0];
    assert_int_equal(router_match(table, n, sizeof table[0], "POST", "/api/v1/users", &i, &p,
                                  allow, sizeof allow),
                     ROUTER_FOUND);
    assert_int_equal(table[i].tag, 2);
    assert_int_equal(router_match(table, n, sizeof table[0], "PUT", "/api/v1/users/42/password",
                                  &i, &p, allow, sizeof allow),
                     ROUTER_FOUND);
    assert_int_equal(table[i].tag, 5);
    size_t len;
    const char *id = router_param(&p, "id", &len);
    assert_int_equal(len, 2);
    assert_memory_equal(id, "42", 2);
    assert_null(router_param(&p, "code", &len));
    assert_int_equal(router_match(table, n, sizeof table[0], "GET", "/api/v1/tenants/104213/x/z",
                                  &i, &p, allow, sizeof allow),
                     ROUTER_FOUND);
    assert_int_equal(p.count, 2);
    assert_int_equal(router_match(table, n, sizeof table[0], "DELETE", "/api/v1/users/42", &i, &p,
                                  allow, sizeof allow),
                     ROUTER_NO_METHOD);
    assert_string_equal(allow, "GET, PATCH");
    const char *missing[] = {"/api/v1/users/", "/api/v1/users//password", "/api/v1/user",
                             "/api/v1/users/1/password/x", "", "/", "api/v1/users",
                             "/api/v1/users/1/"};
    for (size_t k = 0; k < sizeof missing / sizeof missing[0]; k++)
        assert_int_equal(router_match(table, n, sizeof table[0], "GET", missing[k], &i, &p, NULL,
                                      0),
                         ROUTER_NO_PATH);
}

static void static_paths(void **state)
{
    (void)state;
    char out[300];
    struct kd_err err;
    assert_int_equal(static_path_check("/", out, sizeof out, &err), 0);
    assert_string_equal(out, "index.html");
    assert_int_equal(static_path_check("/js/screens/users.js", out, sizeof out, &err), 0);
    assert_string_equal(out, "js/screens/users.js");
    const char *bad[] = {"/../etc/passwd", "/js/../../x", "/..", "/.", "/.git/config",
                         "/js//a.js",      "/a\\b",        "/a%2fb", "/a b", "relative",
                         "/js/",           "/a\x01",       "/中.html", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(static_path_check(bad[i], out, sizeof out, &err), -1);
        assert_string_equal(err.field, "path");
        assert_true(err.code == KD_BAD_REQUEST || err.code == KD_TOO_LONG);
    }
    char longp[400];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(static_path_check(longp, out, sizeof out, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_string_equal(static_content_type("a.js"), "text/javascript; charset=utf-8");
    assert_string_equal(static_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(static_content_type("x.bin"), "application/octet-stream");
}

static void same_as_jansson(const char *json)
{
    json_error_t e;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    assert_non_null(v);
    size_t len;
    char *ours = json_out(v, &len);
    char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(ours);
    assert_string_equal(ours, theirs);
    assert_int_equal(len, strlen(theirs));
    free(ours);
    free(theirs);
    json_decref(v);
}

static void json_output(void **state)
{
    (void)state;
    same_as_jansson("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"中之条町\"}}");
    same_as_jansson("[\"\\u0000\\u0001\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\\u007f\\u2028\"]");
    same_as_jansson("[-9223372036854775808,9223372036854775807,0,-1]");
    same_as_jansson("[1.5,-0.0,1e300,3.141592653589793,0.1,100.0,1e-7,123456789.0]");
    same_as_jansson("{}");
    same_as_jansson("[]");
    same_as_jansson("\"𠮷野家\"");
    same_as_jansson("{\"\\n\":{\"\":[]}}");
    /* Nesting beyond the limit is refused, not overflowed. */
    json_t *deep = json_array();
    json_t *cur = deep;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    size_t len;
    assert_null(json_out(deep, &len));
    json_decref(deep);
}

static char *finish(struct jw *w)
{
    size_t len;
    char *out = jw_finish(w, &len);
    if (out)
        assert_int_equal(len, strlen(out));
    return out;
}

static void writer_builds_documents(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_kstr(&w, "code", "104213");
    jw_kstr(&w, "name", "中之条町");
    jw_kint(&w, "n", -42);
    jw_kbool(&w, "active", true);
    jw_knull(&w, "none");
    jw_kstr(&w, "null_str", NULL);
    jw_key(&w, "items");
    jw_arr(&w);
    jw_int(&w, 1);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_arr(&w);
    jw_arr_end(&w);
    jw_raw(&w, "{\"a\":[1]}", 9);
    jw_arr_end(&w);
    jw_key(&w, "esc");
    jw_strn(&w, "a\"\\\n\x01", 5);
    jw_obj_end(&w);
    char *out = finish(&w);
    assert_string_equal(out, "{\"code\":\"104213\",\"name\":\"中之条町\",\"n\":-42,\"active\":true,"
                             "\"none\":null,\"null_str\":null,\"items\":[1,{},[],{\"a\":[1]}],"
                             "\"esc\":\"a\\\"\\\\\\n\\u0001\"}");
    free(out);
}

static void writer_refuses_misuse(void **state)
{
    (void)state;
    struct jw w;
    /* A value where a key is due. */
    jw_init(&w);
    jw_obj(&w);
    jw_int(&w, 1);
    jw_obj_end(&w);
    assert_null(finish(&w));
    /* A key outside an object, and a key without a value. */
    jw_init(&w);
    jw_arr(&w);
    jw_key(&w, "k");
    jw_arr_end(&w);
    assert_null(finish(&w));
    jw_init(&w);
    jw_obj(&w);
    jw_key(&w, "k");
    jw_obj_end(&w);
    assert_null(finish(&w));
    /* Unbalanced and mismatched containers. */
    jw_init(&w);
    jw_obj(&w);
    assert_null(finish(&w));
    jw_init(&w);
    jw_arr(&w);
    jw_obj_end(&w);
    assert_null(finish(&w));
    /* Too deep. */
    jw_init(&w);
    for (int i = 0; i <= JW_MAX_DEPTH; i++)
        jw_arr(&w);
    assert_null(finish(&w));
    /* Nothing written. */
    jw_init(&w);
    assert_null(finish(&w));
}

static void writer_replaces_invalid_utf8(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    jw_arr(&w);
    jw_strn(&w, "ok\xff\xed\xa0\x80中\xe4\xb8", 11);
    jw_arr_end(&w);
    char *out = finish(&w);
    /* Every invalid byte becomes U+FFFD; the valid 中 stays. */
    assert_string_equal(out, "[\"ok\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD中"
                             "\xEF\xBF\xBD\xEF\xBF\xBD\"]");
    json_error_t e;
    json_t *back = json_loads(out, 0, &e);
    assert_non_null(back); /* and the document is valid JSON */
    json_decref(back);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jreq_accepts), cmocka_unit_test(jreq_rejects),
        cmocka_unit_test(jreq_strings), cmocka_unit_test(router),
        cmocka_unit_test(static_paths), cmocka_unit_test(json_output),
        cmocka_unit_test(writer_builds_documents), cmocka_unit_test(writer_refuses_misuse),
        cmocka_unit_test(writer_replaces_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
