/*
 * test_config.c — src/engine/config.c: defaults, values, errors with line
 * numbers.
 */
#include "testutil.h"

#include "engine/config.h"

static int parse(struct config *c, const char *text, struct kd_err *err)
{
    config_defaults(c);
    return config_parse(c, text, strlen(text), err);
}

static void defaults_are_valid(void **state)
{
    (void)state;
    struct config c;
    struct kd_err err;
    assert_int_equal(parse(&c, "", &err), 0);
    assert_string_equal(c.listen, "127.0.0.1");
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.idle_timeout, 1800);
    assert_int_equal(c.lockout_threshold, 5);
    assert_false(c.secure_cookies);
    assert_true(c.access_log);
}

static void values(void **state)
{
    (void)state;
    struct config c;
    struct kd_err err;
    assert_int_equal(parse(&c,
                           "; kyodo\n"
                           "[server]\n"
                           "port = 9090\n"
                           "listen = ::1\n"
                           "secure_cookies = yes\n"
                           "max_body_bytes = 2097152\n"
                           "\n"
                           "[store]\n"
                           "data_dir = /var/lib/kyodo\n"
                           "[session]\n"
                           "idle_timeout = 600\n"
                           "lockout_threshold = 3\n",
                           &err),
                     0);
    assert_int_equal(c.port, 9090);
    assert_string_equal(c.listen, "::1");
    assert_true(c.secure_cookies);
    assert_true(c.max_body_bytes == 2097152);
    assert_string_equal(c.data_dir, "/var/lib/kyodo");
    assert_int_equal(c.idle_timeout, 600);
    assert_int_equal(c.lockout_threshold, 3);
}

static void errors_name_line_and_key(void **state)
{
    (void)state;
    struct config c;
    struct kd_err err;
    assert_int_equal(parse(&c, "[server]\nport = 8080\nprot = 1\n", &err), -1);
    assert_int_equal(err.code, KD_UNKNOWN_FIELD);
    assert_string_equal(err.field, "prot");
    assert_non_null(strstr(err.message, "line 3"));
    assert_int_equal(parse(&c, "[server]\n\nport = 70000\n", &err), -1);
    assert_string_equal(err.field, "port");
    assert_non_null(strstr(err.message, "line 3"));
    assert_int_equal(parse(&c, "[session]\nidle_timeout = ten\n", &err), -1);
    assert_string_equal(err.field, "idle_timeout");
    assert_int_equal(parse(&c, "[server]\nsecure_cookies = maybe\n", &err), -1);
    assert_string_equal(err.field, "secure_cookies");
    assert_int_equal(parse(&c, "[nosuch]\nx = 1\n", &err), -1);
    assert_int_equal(err.code, KD_UNKNOWN_FIELD);
    /* A broken section header: the key after it belongs to no section. */
    assert_int_equal(parse(&c, "[server\nport = 1\n", &err), -1);
    assert_non_null(strstr(err.message, "line"));
    assert_int_equal(parse(&c, "[server]\nport 8080\n", &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_non_null(strstr(err.message, "syntax error on line 2"));
    assert_int_equal(parse(&c, "[server]\nlog_level = loud\n", &err), -1);
    assert_string_equal(err.field, "log_level");
    assert_int_equal(parse(&c, "[session]\nidle_timeout = 7200\nmax_lifetime = 3600\n", &err), -1);
    assert_string_equal(err.field, "idle_timeout");
    char longv[700];
    memset(longv, 'a', sizeof longv);
    memcpy(longv, "[store]\ndata_dir = ", 19);
    longv[sizeof longv - 1] = '\0';
    assert_int_equal(parse(&c, longv, &err), -1);
}

/* [store] store: empty (SQLite files, the default) or a PostgreSQL URL. */
static void store_url(void **state)
{
    (void)state;
    struct config c;
    struct kd_err err;
    config_defaults(&c);
    assert_string_equal(c.store, "");
    assert_int_equal(parse(&c, "[store]\nstore = postgresql://kyodo@db/kyodo?sslmode=verify-full\n",
                           &err),
                     0);
    assert_string_equal(c.store, "postgresql://kyodo@db/kyodo?sslmode=verify-full");
    assert_int_equal(parse(&c, "[store]\nstore = postgres:///kyodo?host=/run/postgresql\n", &err), 0);
    assert_int_equal(parse(&c, "[store]\nstore = mysql://db/kyodo\n", &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "store");
    assert_int_equal(parse(&c, "[store]\nstore = /var/lib/kyodo\n", &err), -1);
    assert_string_equal(err.field, "store");
}

static void loads_a_file(void **state)
{
    (void)state;
    char path[] = "/tmp/kyodo-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "[server]\nthreads = 3\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    struct config c;
    struct kd_err err;
    config_defaults(&c);
    assert_int_equal(config_load(&c, path, &err), 0);
    assert_int_equal(c.threads, 3);
    unlink(path);
    assert_int_equal(config_load(&c, path, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid),
        cmocka_unit_test(values),
        cmocka_unit_test(errors_name_line_and_key),
        cmocka_unit_test(store_url),
        cmocka_unit_test(loads_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
