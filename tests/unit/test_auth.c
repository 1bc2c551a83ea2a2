/*
 * test_auth.c — src/engine tenant.c, user.c, session.c, password.c: the
 * registry, accounts, sign-in with lock-out, sessions and their ends.
 */
#include "testutil.h"

#include "app.h"
#include "engine/password.h"
#include "engine/session.h"
#include "engine/tenant.h"
#include "engine/user.h"

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *ctl;
    struct auth_policy policy;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    f->cat = catalog_open(f->dir, &app_schemas, &err);
    assert_non_null(f->cat);
    f->ctl = catalog_control(f->cat, &err);
    assert_int_equal(tenant_add(f->cat, "104213", "中之条町", NULL, NULL, &err), 0);
    assert_int_equal(tenant_add(f->cat, "104248", "長野原町", NULL, NULL, &err), 0);
    f->policy = (struct auth_policy){.idle_ms = 1800000,
                                     .lifetime_ms = 43200000,
                                     .touch_ms = 60000,
                                     .lockout_threshold = 3,
                                     .lockout_ms = 900000,
                                     .password_min_chars = 10};
    session_cache_clear();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    catalog_close(f->cat);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static int64_t add(struct fixture *f, const char *town, const char *login, enum role role)
{
    int64_t id = 0;
    struct kd_err err;
    assert_int_equal(user_add(f->ctl, town, login, "試験 太郎", role, "correct horse battery", 10,
                              &id, &err),
                     0);
    return id;
}

static void tenants(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    assert_int_equal(tenant_add(f->cat, "104213", "重複", NULL, NULL, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(tenant_add(f->cat, "104214", "誤り", NULL, NULL, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "code");
    assert_non_null(strstr(err.message, "check digit"));
    assert_false(catalog_town_exists(f->cat, "104214"));
    assert_int_equal(tenant_add(f->cat, "104256", "", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "name");
    assert_false(catalog_town_exists(f->cat, "104256"));
    struct tenant t;
    assert_int_equal(tenant_get(f->ctl, "104213", &t, &err), 0);
    assert_string_equal(t.name, "中之条町");
    assert_true(t.active);
    assert_int_equal(tenant_update(f->ctl, "104213", "中之条", 0, &err), 0);
    assert_int_equal(tenant_get(f->ctl, "104213", &t, &err), 0);
    assert_string_equal(t.name, "中之条");
    assert_false(t.active);
    assert_int_equal(tenant_update(f->ctl, "104299", "x", -1, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(tenant_get(f->ctl, "104299", &t, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
}

static int init_fails(void *ctx, const char *code, struct store *ctl, struct store *town,
                      struct kd_err *err)
{
    (void)ctl;
    struct user_new *u = ctx;
    /* Work done before the failure must vanish with the registration. */
    assert_int_equal(store_exec(town, "CREATE TABLE scratch (x INTEGER) STRICT", err), 0);
    assert_int_equal(user_insert(ctl, code, u, NULL, err), 0);
    return kd_fail(err, KD_UNAVAILABLE, NULL, "failed on purpose");
}

static int init_ok(void *ctx, const char *code, struct store *ctl, struct store *town,
                   struct kd_err *err)
{
    (void)town;
    return user_insert(ctl, code, ctx, NULL, err);
}

static void registration_is_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct user_new u;
    assert_int_equal(user_prepare(&u, "first", "最初の管理者", ROLE_ADMIN, "long enough pw", 10,
                                  &err),
                     0);
    assert_int_equal(tenant_add(f->cat, "104256", "嬬恋村", init_fails, &u, &err), -1);
    assert_string_equal(err.message, "failed on purpose");
    struct tenant t;
    assert_int_equal(tenant_get(f->ctl, "104256", &t, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_false(catalog_town_exists(f->cat, "104256"));
    struct user found;
    assert_int_equal(user_find(f->ctl, "104256", "first", &found, &err), -1);
    /* The same again, succeeding. */
    assert_int_equal(tenant_add(f->cat, "104256", "嬬恋村", init_ok, &u, &err), 0);
    assert_true(catalog_town_exists(f->cat, "104256"));
    assert_int_equal(user_find(f->ctl, "104256", "first", &found, &err), 0);
    assert_int_equal(found.role, ROLE_ADMIN);
}

static void user_checks(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t id;
    assert_int_equal(user_add(f->ctl, "104213", "A", "n", ROLE_ADMIN, "long enough pw", 10, &id,
                              &err),
                     -1);
    assert_string_equal(err.field, "login");
    assert_int_equal(user_add(f->ctl, "104213", "-x", "n", ROLE_ADMIN, "long enough pw", 10, &id,
                              &err),
                     -1);
    assert_int_equal(user_add(f->ctl, "104213", "ok.user", "n", ROLE_ADMIN, "short", 10, &id, &err),
                     -1);
    assert_string_equal(err.field, "password");
    assert_int_equal(user_add(f->ctl, "104213", "samesame10", "n", ROLE_ADMIN, "samesame10", 10,
                              &id, &err),
                     -1);
    assert_string_equal(err.field, "password");
    assert_int_equal(user_add(f->ctl, "104213", "ok.user", "", ROLE_ADMIN, "long enough pw", 10,
                              &id, &err),
                     -1);
    assert_string_equal(err.field, "name");
    add(f, "104213", "ok.user", ROLE_TAX);
    assert_int_equal(user_add(f->ctl, "104213", "ok.user", "n", ROLE_ADMIN, "long enough pw", 10,
                              &id, &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
    /* The same login in another town is another user. */
    add(f, "104248", "ok.user", ROLE_TAX);
}

static void users_stay_in_their_town(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t a = add(f, "104213", "clerk", ROLE_RESIDENTS);
    int64_t b = add(f, "104248", "clerk", ROLE_RESIDENTS);
    struct user u;
    assert_int_equal(user_get(f->ctl, "104213", a, &u, &err), 0);
    assert_int_equal(user_get(f->ctl, "104213", b, &u, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    struct user_change c = {.name = "別人", .role = -1, .disabled = 1};
    assert_int_equal(user_update(f->ctl, "104213", b, &c, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(user_set_password(f->ctl, "104213", b, "another password", 10, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(user_get(f->ctl, "104248", b, &u, &err), 0);
    assert_false(u.disabled);
    assert_string_equal(u.name, "試験 太郎");
}

static void sign_in_outcomes_and_lockout(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct user u;
    enum auth_outcome o;
    int64_t now = 1790000000000;
    add(f, "104213", "admin", ROLE_ADMIN);
    const char *good = "correct horse battery", *bad = "wrong horse battery";
#define AUTH(town, login, pw)                                                                      \
    assert_int_equal(user_authenticate(f->ctl, &f->policy, town, login, pw, strlen(pw), now, &u,  \
                                       &o, &err),                                                  \
                     0)
    AUTH("104213", "admin", good);
    assert_int_equal(o, AUTH_OK);
    AUTH("104213", "nobody", good);
    assert_int_equal(o, AUTH_NO_USER);
    AUTH("104299", "admin", good);
    assert_int_equal(o, AUTH_NO_TENANT);
    AUTH("104248", "admin", good); /* another town's account does not exist here */
    assert_int_equal(o, AUTH_NO_USER);
    AUTH("104213", "admin", bad);
    assert_int_equal(o, AUTH_BAD_PASSWORD);
    AUTH("104213", "admin", bad);
    assert_int_equal(o, AUTH_BAD_PASSWORD);
    AUTH("104213", "admin", bad); /* the third failure locks (threshold 3) */
    assert_int_equal(o, AUTH_BAD_PASSWORD_NOW_LOCKED);
    AUTH("104213", "admin", good); /* locked: the password is not even tried */
    assert_int_equal(o, AUTH_LOCKED);
    now += f->policy.lockout_ms + 1;
    AUTH("104213", "admin", good);
    assert_int_equal(o, AUTH_OK);
    /* A success resets the count. */
    AUTH("104213", "admin", bad);
    AUTH("104213", "admin", bad);
    AUTH("104213", "admin", good);
    AUTH("104213", "admin", bad);
    assert_int_equal(o, AUTH_BAD_PASSWORD);
    /* Unlock by the administrator. */
    AUTH("104213", "admin", bad);
    AUTH("104213", "admin", bad);
    assert_true(u.locked_until_ms > now);
    struct user_change c = {.role = -1, .disabled = -1, .unlock = true};
    assert_int_equal(user_update(f->ctl, "104213", u.id, &c, &err), 0);
    AUTH("104213", "admin", good);
    assert_int_equal(o, AUTH_OK);
    /* Disabled accounts and towns. */
    c = (struct user_change){.role = -1, .disabled = 1};
    assert_int_equal(user_update(f->ctl, "104213", u.id, &c, &err), 0);
    AUTH("104213", "admin", good);
    assert_int_equal(o, AUTH_DISABLED);
    c.disabled = 0;
    assert_int_equal(user_update(f->ctl, "104213", u.id, &c, &err), 0);
    assert_int_equal(tenant_update(f->ctl, "104213", NULL, 0, &err), 0);
    AUTH("104213", "admin", good);
    assert_int_equal(o, AUTH_NO_TENANT);
#undef AUTH
}

static void sessions(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t now = 1790000000000;
    int64_t id = add(f, "104213", "clerk", ROLE_RESIDENTS);
    struct user u;
    assert_int_equal(user_get(f->ctl, "104213", id, &u, &err), 0);
    char token[SESSION_TOKEN_LEN + 1];
    struct principal p, q;
    assert_int_equal(session_create(f->ctl, &f->policy, &u, now, token, &p, &err), 0);
    assert_int_equal(strlen(token), SESSION_TOKEN_LEN);
    assert_string_equal(p.tenant, "104213");
    assert_string_equal(p.tenant_name, "中之条町");
    assert_int_equal(p.role, ROLE_RESIDENTS);
    assert_true(session_csrf_ok(&p, p.csrf, strlen(p.csrf)));
    assert_false(session_csrf_ok(&p, token, strlen(token)));
    assert_false(session_csrf_ok(&p, "", 0));

    /* Found, from the database and then from the cache. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), now + 1000, &q,
                                        &err),
                         0);
        assert_int_equal(q.user_id, id);
        assert_string_equal(q.csrf, p.csrf);
    }
    /* The database keeps only the token's hash. */
    struct store_stmt *st = store_prepare(f->ctl, "SELECT count(*) FROM sessions WHERE"
                                                  " instr(CAST(token_hash AS TEXT), ?) > 0",
                                          &err);
    store_bind_str(st, 1, token);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 0);
    store_reset(st);

    /* Malformed and unknown tokens. */
    assert_int_equal(session_lookup(f->ctl, &f->policy, "short", 5, now, &q, &err), -1);
    assert_int_equal(err.code, KD_UNAUTHENTICATED);
    char other[SESSION_TOKEN_LEN + 1];
    memcpy(other, token, sizeof other);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_int_equal(session_lookup(f->ctl, &f->policy, other, strlen(other), now, &q, &err), -1);
    assert_int_equal(err.code, KD_UNAUTHENTICATED);

    /* Idle: used within the idle time it lives on (and is touched). */
    int64_t t = now + f->policy.idle_ms - 1;
    assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), t, &q, &err), 0);
    assert_int_equal(q.last_seen_ms, t);
    t += f->policy.idle_ms; /* unused for the whole idle time: ended */
    assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), t, &q, &err), -1);
    assert_int_equal(err.code, KD_UNAUTHENTICATED);
    /* ... and deleted: even an earlier clock does not bring it back. */
    assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), now, &q, &err), -1);
}

static void sessions_end(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t now = 1790000000000;
    int64_t id = add(f, "104213", "clerk", ROLE_RESIDENTS);
    struct user u;
    char token[SESSION_TOKEN_LEN + 1];
    struct principal p;
#define NEW_SESSION()                                                                              \
    do {                                                                                           \
        assert_int_equal(user_get(f->ctl, "104213", id, &u, &err), 0);                            \
        assert_int_equal(session_create(f->ctl, &f->policy, &u, now, token, &p, &err), 0);         \
        assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), now, &p, &err),  \
                         0);                                                                       \
    } while (0)
#define ENDED()                                                                                    \
    do {                                                                                           \
        assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), now, &p, &err),  \
                         -1);                                                                      \
        assert_int_equal(err.code, KD_UNAUTHENTICATED);                                            \
    } while (0)
    /* Lifetime. */
    NEW_SESSION();
    int64_t later = now + f->policy.lifetime_ms;
    for (int64_t t = now; t < later; t += f->policy.idle_ms / 2)
        assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), t, &p, &err), 0);
    assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), later, &p, &err), -1);
    /* Sign-out. */
    NEW_SESSION();
    assert_int_equal(session_delete(f->ctl, token, strlen(token), &err), 0);
    ENDED();
    /* A password change ends every earlier session (the cache too). */
    NEW_SESSION();
    assert_int_equal(user_set_password(f->ctl, "104213", id, "a new password", 10, &err), 0);
    ENDED();
    /* Disabling the account. */
    NEW_SESSION();
    struct user_change c = {.role = -1, .disabled = 1};
    assert_int_equal(user_update(f->ctl, "104213", id, &c, &err), 0);
    ENDED();
    c.disabled = 0;
    assert_int_equal(user_update(f->ctl, "104213", id, &c, &err), 0);
    /* A role change is seen by the next lookup. */
    NEW_SESSION();
    c = (struct user_change){.role = ROLE_TAX, .disabled = -1};
    assert_int_equal(user_update(f->ctl, "104213", id, &c, &err), 0);
    assert_int_equal(session_lookup(f->ctl, &f->policy, token, strlen(token), now, &p, &err), 0);
    assert_int_equal(p.role, ROLE_TAX);
    /* Disabling the town. */
    assert_int_equal(tenant_update(f->ctl, "104213", NULL, 0, &err), 0);
    ENDED();
    /* The sweep removes what has ended. */
    assert_int_equal(tenant_update(f->ctl, "104213", NULL, 1, &err), 0);
    NEW_SESSION();
    assert_true(session_sweep(f->ctl, &f->policy, now + f->policy.lifetime_ms, &err) >= 1);
#undef NEW_SESSION
#undef ENDED
}

static void password_hashes(void **state)
{
    (void)state;
    struct kd_err err;
    char h[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("秘密のパスワード", strlen("秘密のパスワード"), h, &err), 0);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_int_equal(password_verify(h, "秘密のパスワード", strlen("秘密のパスワード"), &err), 1);
    assert_int_equal(password_verify(h, "秘密のパスワー", strlen("秘密のパスワー"), &err), 0);
    assert_false(password_needs_rehash(h));
}

int main(void)
{
    struct kd_err err;
    if (password_init(2, &err) < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(registration_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(user_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(users_stay_in_their_town, setup, teardown),
        cmocka_unit_test_setup_teardown(sign_in_outcomes_and_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions_end, setup, teardown),
        cmocka_unit_test(password_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
