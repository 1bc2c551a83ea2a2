/*
 * test_api.c — src/api and src/engine/perm.c: the permission table, the
 * route table against the OpenAPI document (both ways), and menus.
 */
#include "testutil.h"

#include "api/api.h"
#include "engine/perm.h"

static void roles(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE_COUNT; r++) {
        enum role back;
        const char *name = role_name((enum role)r);
        assert_true(role_parse(name, strlen(name), &back));
        assert_int_equal(back, r);
        assert_true(strlen(role_label((enum role)r)) > 0);
    }
    enum role x;
    assert_false(role_parse("root", 4, &x));
    assert_false(role_parse("admi", 4, &x));
    assert_false(role_parse("", 0, &x));
}

static void permission_matrix(void **state)
{
    (void)state;
    /* The decisions that matter most, spelled out. */
    assert_true(perm_allows(ROLE_ADMIN, "users", "write"));
    assert_false(perm_allows(ROLE_ADMIN, "residents", "read"));
    assert_false(perm_allows(ROLE_ADMIN, "audit", "read"));
    assert_false(perm_allows(ROLE_ADMIN, "tenants", "write"));
    assert_true(perm_allows(ROLE_RESIDENTS, "residents", "write"));
    assert_false(perm_allows(ROLE_RESIDENTS, "tax", "read"));
    assert_false(perm_allows(ROLE_RESIDENTS, "users", "read"));
    assert_true(perm_allows(ROLE_TAX, "tax", "write"));
    assert_false(perm_allows(ROLE_TAX, "welfare", "read"));
    assert_true(perm_allows(ROLE_WELFARE, "welfare", "write"));
    assert_false(perm_allows(ROLE_WELFARE, "residents", "read"));
    /* The auditor reads the audit log and nothing personal elsewhere. */
    assert_true(perm_allows(ROLE_AUDITOR, "audit", "read"));
    assert_false(perm_allows(ROLE_AUDITOR, "residents", "read"));
    assert_false(perm_allows(ROLE_AUDITOR, "users", "write"));
    /* The operator manages tenants and never reads personal data. */
    assert_true(perm_allows(ROLE_OPERATOR, "tenants", "write"));
    static const char *const personal[] = {"residents", "tax", "welfare", "users", "audit"};
    for (size_t i = 0; i < 5; i++)
        assert_false(perm_allows(ROLE_OPERATOR, personal[i], "read"));
    assert_true(perm_allows(ROLE_OPERATOR, "audit", "verify"));
    /* The consortium's secretariat: its sheets, and nothing of any town. */
    assert_true(perm_allows(ROLE_CONSORTIUM, "consortium", "write"));
    for (size_t i = 0; i < 5; i++)
        assert_false(perm_allows(ROLE_CONSORTIUM, personal[i], "read"));
    assert_false(perm_allows(ROLE_CONSORTIUM, "tenants", "read"));
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_int_equal(perm_allows((enum role)r, "consortium", "read"), r == ROLE_CONSORTIUM);
    /* Data migration: the operator moves a town's data and reads counts; the
     * town's administrator reads the report's values and confirms; nobody
     * else, and neither does the other's part. */
    for (int r = 0; r < ROLE_COUNT; r++) {
        assert_int_equal(perm_allows((enum role)r, "migration", "move"), r == ROLE_OPERATOR);
        assert_int_equal(perm_allows((enum role)r, "migration", "read"), r == ROLE_ADMIN);
        assert_int_equal(perm_allows((enum role)r, "migration", "report"), r == ROLE_ADMIN);
        assert_int_equal(perm_allows((enum role)r, "migration", "confirm"), r == ROLE_ADMIN);
    }
    /* Operator accounts cannot be changed through the API by anyone. */
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_false(perm_allows((enum role)r, "operator_accounts", "write"));
    assert_true(perm_known("operator_accounts", "write"));
    /* Unknown pairs and roles are denied. */
    assert_false(perm_allows(ROLE_ADMIN, "users", "delete"));
    assert_false(perm_allows(ROLE_ADMIN, "nosuch", "read"));
    assert_false(perm_allows(ROLE_COUNT, "self", "read"));
    assert_false(perm_allows((enum role)-1, "self", "read"));
    /* Everyone has their own session. */
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_true(perm_allows((enum role)r, "self", "read"));
}

static void every_route_names_a_known_permission(void **state)
{
    (void)state;
    for (size_t i = 0; i < api_route_count; i++) {
        const struct api_route *r = &api_routes[i];
        if (r->flags & API_PUBLIC) {
            assert_null(r->module);
            continue;
        }
        if (!perm_known(r->module, r->action))
            fail_msg("%s %s needs (%s, %s), which the permission table does not know",
                     r->key.method, r->key.pattern, r->module, r->action);
        assert_non_null(r->fn);
    }
    /* No two routes share a method and pattern. */
    for (size_t i = 0; i < api_route_count; i++)
        for (size_t j = i + 1; j < api_route_count; j++)
            assert_false(strcmp(api_routes[i].key.method, api_routes[j].key.method) == 0 &&
                         strcmp(api_routes[i].key.pattern, api_routes[j].key.pattern) == 0);
}

static void lower(const char *in, char *out)
{
    while ((*out++ = (char)(*in >= 'A' && *in <= 'Z' ? *in + 32 : *in)))
        in++;
}

static void routes_match_openapi(void **state)
{
    (void)state;
    json_error_t e;
    json_t *doc = json_loadb(api_openapi_json, api_openapi_json_len, 0, &e);
    if (!doc)
        fail_msg("api/openapi.json does not parse: %s (line %d)", e.text, e.line);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_is_object(paths));
    /* Every route is documented... */
    for (size_t i = 0; i < api_route_count; i++) {
        char m[16];
        lower(api_routes[i].key.method, m);
        json_t *item = json_object_get(paths, api_routes[i].key.pattern);
        if (!item || !json_object_get(item, m))
            fail_msg("route %s %s is missing from api/openapi.json", api_routes[i].key.method,
                     api_routes[i].key.pattern);
        json_t *op = json_object_get(item, m);
        assert_non_null(json_object_get(op, "responses"));
        assert_non_null(json_object_get(op, "summary"));
        /* Public routes say so; the others use the session. */
        /* Query parameters are documented exactly where the route takes them
         * (the dispatcher refuses them elsewhere). */
        size_t qi;
        json_t *param;
        bool has_query = false;
        json_array_foreach(json_object_get(op, "parameters"), qi, param) {
            const char *in = json_string_value(json_object_get(param, "in"));
            has_query |= in && strcmp(in, "query") == 0;
        }
        if (has_query != ((api_routes[i].flags & API_QUERY) != 0))
            fail_msg("%s %s: query parameters in openapi.json disagree with API_QUERY",
                     api_routes[i].key.method, api_routes[i].key.pattern);
        json_t *sec = json_object_get(op, "security");
        bool open = sec && json_array_size(sec) == 0;
        if (open != ((api_routes[i].flags & API_PUBLIC) != 0))
            fail_msg("%s %s: security in openapi.json disagrees with the route table",
                     api_routes[i].key.method, api_routes[i].key.pattern);
    }
    /* ...and everything documented is a route. */
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item) {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op) {
            if (strcmp(method, "parameters") == 0)
                continue;
            bool found = false;
            for (size_t i = 0; i < api_route_count && !found; i++) {
                char m[16];
                lower(api_routes[i].key.method, m);
                found = strcmp(m, method) == 0 && strcmp(api_routes[i].key.pattern, path) == 0;
            }
            if (!found)
                fail_msg("openapi.json documents %s %s, which is not a route", method, path);
        }
    }
    json_decref(doc);
}

static bool menu_has(json_t *menu, const char *section, const char *item)
{
    size_t i;
    json_t *s;
    json_array_foreach(menu, i, s) {
        if (strcmp(json_string_value(json_object_get(s, "label")), section) != 0)
            continue;
        if (!item)
            return true;
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(s, "items"), k, it) {
            if (strcmp(json_string_value(json_object_get(it, "label")), item) == 0)
                return true;
        }
    }
    return false;
}

static void menus_follow_permissions(void **state)
{
    (void)state;
    static const struct {
        enum role role;
        const char *sections[3];
        const char *items[3];
    } want[] = {
        {ROLE_ADMIN, {"管理"}, {"利用者管理"}},
        {ROLE_RESIDENTS, {"住民記録", "宛名"}, {"住民検索"}},
        {ROLE_TAX, {"税務", "宛名"}, {"個人住民税"}},
        {ROLE_WELFARE, {"福祉", "宛名"}, {"国民健康保険"}},
        {ROLE_AUDITOR, {"管理"}, {"監査ログ", "監査ログ検証"}},
        {ROLE_OPERATOR, {"管理"}, {"団体管理", "監査ログ検証", "データ移行"}},
        {ROLE_CONSORTIUM, {"協議会"}, {"プロポーザル集計", "コスト削減効果検証", "費用按分"}},
    };
    static const char *const all[] = {"住民記録", "税務", "福祉", "宛名", "管理", "協議会"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        json_t *menu = api_menu(want[w].role);
        size_t sections = 0;
        for (size_t a = 0; a < sizeof all / sizeof all[0]; a++) {
            bool expected = false;
            for (size_t k = 0; k < 3 && want[w].sections[k]; k++)
                expected |= strcmp(want[w].sections[k], all[a]) == 0;
            assert_int_equal(menu_has(menu, all[a], NULL), expected);
            sections += expected;
        }
        assert_int_equal(json_array_size(menu), sections);
        for (size_t k = 0; k < 3 && want[w].items[k]; k++)
            assert_true(menu_has(menu, want[w].sections[0], want[w].items[k]));
        json_decref(menu);
    }
    /* The administrator does not see the audit log or the tenant registry. */
    json_t *admin = api_menu(ROLE_ADMIN);
    assert_false(menu_has(admin, "管理", "監査ログ"));
    assert_false(menu_has(admin, "管理", "団体管理"));
    /* It confirms imports; the operator moves the data. */
    assert_true(menu_has(admin, "管理", "取込の確認"));
    assert_false(menu_has(admin, "管理", "データ移行"));
    json_decref(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles),
        cmocka_unit_test(permission_matrix),
        cmocka_unit_test(every_route_names_a_known_permission),
        cmocka_unit_test(routes_match_openapi),
        cmocka_unit_test(menus_follow_permissions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
