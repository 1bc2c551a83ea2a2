/*
 * test_ops.c — what operations rely on: the sharded counters and histograms
 * and their text format (base/metrics.c), the log's withholding of long
 * numbers (base/log.c), the service manager messages (base/service.c), the
 * reload classification of the configuration keys and the example
 * configuration that documents each of them (engine/config.c,
 * packaging/kyodo.conf).
 */
#include "testutil.h"

#include "base/log.h"
#include "base/metrics.h"
#include "base/service.h"
#include "engine/config.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

/* ---- counters -------------------------------------------------------------- */

enum { THREADS = 6, ADDS = 200000 };

static void *adder(void *arg)
{
    struct metrics_set *s = arg;
    for (int i = 0; i < ADDS; i++) {
        metrics_add(s, 3, 1);
        metrics_add(s, 0, 2);
    }
    return NULL;
}

/* Threads adding at once lose nothing, and slots do not bleed into others. */
static void counters_add_up_across_threads(void **state)
{
    (void)state;
    struct metrics_set s;
    assert_int_equal(metrics_set_init(&s, 5), 0);
    assert_true(s.stride >= 5 && s.stride % 8 == 0);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, adder, &s), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(metrics_read(&s, 3), (uint64_t)THREADS * ADDS);
    assert_int_equal(metrics_read(&s, 0), (uint64_t)THREADS * ADDS * 2);
    assert_int_equal(metrics_read(&s, 1), 0);
    assert_int_equal(metrics_read(&s, 4), 0);
    assert_true(metrics_shard() < METRICS_SHARDS);
    metrics_set_free(&s);
}

static const uint64_t bounds[] = {100, 1000, 10000};
static const struct metrics_hist hist = {bounds, 3, 6};

/* A value equal to a bound is in that bucket (Prometheus's "le"). */
static void histogram_buckets(void **state)
{
    (void)state;
    assert_int_equal(metrics_bucket(&hist, 0), 0);
    assert_int_equal(metrics_bucket(&hist, 100), 0);
    assert_int_equal(metrics_bucket(&hist, 101), 1);
    assert_int_equal(metrics_bucket(&hist, 1000), 1);
    assert_int_equal(metrics_bucket(&hist, 10000), 2);
    assert_int_equal(metrics_bucket(&hist, 10001), 3); /* +Inf */
    struct metrics_set s;
    assert_int_equal(metrics_set_init(&s, 1 + metrics_hist_slots(&hist)), 0);
    metrics_observe(&s, 1, &hist, 50);
    metrics_observe(&s, 1, &hist, 100);
    metrics_observe(&s, 1, &hist, 5000);
    metrics_observe(&s, 1, &hist, 20000000);
    assert_int_equal(metrics_read(&s, 0), 0); /* the slot before is untouched */
    assert_int_equal(metrics_read(&s, 1), 2);
    assert_int_equal(metrics_read(&s, 2), 0);
    assert_int_equal(metrics_read(&s, 3), 1);
    assert_int_equal(metrics_read(&s, 4), 1);
    assert_int_equal(metrics_read(&s, 5), 50 + 100 + 5000 + 20000000);

    /* Written out: cumulative buckets, bounds and sum in seconds. */
    struct mtext t;
    mtext_init(&t, 1 << 16);
    mtext_family(&t, "x_seconds", "histogram", "What x took.");
    const char *labels[] = {"route", "/a/{id}"};
    mtext_hist(&t, "x_seconds", labels, 1, &s, 1, &hist);
    size_t len;
    char *text = mtext_finish(&t, &len);
    assert_non_null(text);
    assert_string_equal(text, "# HELP x_seconds What x took.\n"
                              "# TYPE x_seconds histogram\n"
                              "x_seconds_bucket{route=\"/a/{id}\",le=\"0.0001\"} 2\n"
                              "x_seconds_bucket{route=\"/a/{id}\",le=\"0.001\"} 2\n"
                              "x_seconds_bucket{route=\"/a/{id}\",le=\"0.01\"} 3\n"
                              "x_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 4\n"
                              "x_seconds_sum{route=\"/a/{id}\"} 20.00515\n"
                              "x_seconds_count{route=\"/a/{id}\"} 4\n");
    assert_int_equal(len, strlen(text));
    free(text);
    metrics_set_free(&s);
}

/* Label values are escaped; values are integers or fixed-point decimals. */
static void text_format(void **state)
{
    (void)state;
    struct mtext t;
    mtext_init(&t, 1 << 16);
    const char *labels[] = {"a", "q\"uo\\te\nnl", "b", "中之条町"};
    mtext_sample(&t, "m_total", labels, 2, 42, 0);
    mtext_sample(&t, "m_seconds", NULL, 0, 1500, 3);
    mtext_sample(&t, "m_seconds", NULL, 0, 2000, 3);
    mtext_sample(&t, "m_seconds", NULL, 0, 7, 6);
    mtext_sample_i64(&t, "m_age", NULL, 0, -1);
    size_t len;
    char *text = mtext_finish(&t, &len);
    assert_non_null(text);
    assert_string_equal(text, "m_total{a=\"q\\\"uo\\\\te\\nnl\",b=\"中之条町\"} 42\n"
                              "m_seconds 1.5\n"
                              "m_seconds 2\n"
                              "m_seconds 0.000007\n"
                              "m_age -1\n");
    free(text);
}

/* Past its ceiling the page fails as a whole instead of being cut. */
static void text_ceiling(void **state)
{
    (void)state;
    struct mtext t;
    mtext_init(&t, 64);
    for (int i = 0; i < 10; i++)
        mtext_sample(&t, "a_rather_long_metric_name_total", NULL, 0, 123456789, 0);
    size_t len = 99;
    assert_null(mtext_finish(&t, &len));
    assert_int_equal(len, 0);
    mtext_init(&t, 64);
    char *empty = mtext_finish(&t, &len);
    assert_non_null(empty);
    assert_int_equal(len, 0);
    free(empty);
}

/* ---- logs ------------------------------------------------------------------- */

/* Lines written to a pipe, read back. */
static void log_text(const char *value, char *out, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    log_set_fd(p[1]);
    struct logline l;
    logline_begin(&l, LOG_ERROR, "test");
    logline_text(&l, "detail", value);
    logline_end(&l);
    log_set_fd(2);
    close(p[1]);
    ssize_t n = read(p[0], out, cap - 1);
    close(p[0]);
    assert_true(n > 0);
    out[n] = '\0';
}

/* A run of 12 or more digits (a 個人番号 has 12) never reaches the log;
 * shorter numbers (ids, counts, line numbers) do. */
static void log_withholds_long_numbers(void **state)
{
    (void)state;
    char line[LOG_LINE_MAX];
    log_text("no person 123456789012 here; id 12345678901 line 7", line, sizeof line);
    assert_null(strstr(line, "123456789012"));
    assert_non_null(strstr(line, "\"detail\":\"no person [digits withheld] here; id 12345678901"
                              " line 7\""));
    log_text("1234567890123456789", line, sizeof line);
    assert_non_null(strstr(line, "\"detail\":\"[digits withheld]\""));
    log_text("x１２３４５６７８９０１２", line, sizeof line); /* full-width: not ASCII digits */
    assert_non_null(strstr(line, "x１２３４５６７８９０１２"));
    /* Every line is one JSON object. */
    assert_true(line[0] == '{');
    assert_non_null(strstr(line, "\"level\":\"error\",\"msg\":\"test\""));
    assert_string_equal(line + strlen(line) - 2, "}\n");
}

/* ---- service manager ---------------------------------------------------------- */

/* The messages reach $NOTIFY_SOCKET (what systemd reads for Type=notify). */
static void service_messages(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/notify", dir);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(setenv("NOTIFY_SOCKET", a.sun_path, 1), 0);
    char buf[512];
    service_ready("serving");
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "READY=1\nSTATUS=serving");
    service_reloading();
    n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "RELOADING=1\nMONOTONIC_USEC="));
    service_stopping();
    n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "STOPPING=1"));
    /* Without the variable: nothing is sent, nothing fails. */
    unsetenv("NOTIFY_SOCKET");
    service_ready("serving");
    assert_true(recv(fd, buf, sizeof buf, MSG_DONTWAIT) < 0);
    close(fd);
    rm_tree(dir);
}

/* ---- configuration: reload ------------------------------------------------------ */

struct seen {
    char keys[512];
};

static void note(void *ctx, const char *section, const char *key, bool reloadable)
{
    struct seen *s = ctx;
    size_t n = strlen(s->keys);
    snprintf(s->keys + n, sizeof s->keys - n, "%s.%s%s ", section, key, reloadable ? "" : "!");
}

static void reload_classifies_keys(void **state)
{
    (void)state;
    struct config a, b;
    struct kd_err err;
    config_defaults(&a);
    config_defaults(&b);
    const char *text = "[server]\nport = 9000\nlog_level = warn\nmax_body_bytes = 4096\n"
                       "[session]\nidle_timeout = 60\nhash_concurrency = 3\n"
                       "[metrics]\nlisten = 127.0.0.1\ntoken = 0123456789abcdefXYZ\n";
    assert_int_equal(config_parse(&b, text, strlen(text), &err), 0);
    struct seen s = {""};
    config_diff(&a, &b, note, &s);
    /* "!" marks a key that needs a restart. */
    assert_string_equal(s.keys, "server.port! server.max_body_bytes server.log_level "
                                "session.idle_timeout session.hash_concurrency! "
                                "metrics.listen! metrics.token ");
    /* A reload takes the reloadable values only. */
    struct config live = a;
    config_take_reloadable(&live, &b);
    assert_int_equal(live.port, 8080);
    assert_int_equal(live.hash_concurrency, 2);
    assert_string_equal(live.metrics_listen, "");
    assert_string_equal(live.log_level, "warn");
    assert_int_equal(live.max_body_bytes, 4096);
    assert_int_equal(live.idle_timeout, 60);
    assert_string_equal(live.metrics_token, "0123456789abcdefXYZ");
    assert_true(config_key_reloadable("session", "lockout_threshold"));
    assert_false(config_key_reloadable("store", "data_dir"));
    assert_false(config_key_reloadable("nope", "nope"));
}

static void metrics_token_is_checked(void **state)
{
    (void)state;
    struct config c;
    struct kd_err err;
    config_defaults(&c);
    const char *short_token = "[metrics]\ntoken = tooshort\n";
    assert_int_equal(config_parse(&c, short_token, strlen(short_token), &err), -1);
    assert_string_equal(err.field, "token");
    config_defaults(&c);
    const char *spaced = "[metrics]\ntoken = sixteen chars or more\n";
    assert_int_equal(config_parse(&c, spaced, strlen(spaced), &err), -1);
    config_defaults(&c);
    const char *bad_interval = "[metrics]\ntown_stats_interval = 1\n";
    assert_int_equal(config_parse(&c, bad_interval, strlen(bad_interval), &err), -1);
    assert_string_equal(err.field, "town_stats_interval");
}

/* packaging/kyodo.conf is a valid configuration, and names every key, set
 * ("key = …") or with its default commented out ("; key = …"), in its
 * section, with whether a reload applies it. */
static void example_documents_every_key(void **state)
{
    (void)state;
    const char *src = getenv("KYODO_SOURCE_DIR");
    assert_non_null(src);
    char path[1024];
    snprintf(path, sizeof path, "%s/packaging/kyodo.conf", src);
    struct config c;
    struct kd_err err;
    config_defaults(&c);
    if (config_load(&c, path, &err) < 0)
        fail_msg("%s", err.message);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < config_key_count(); i++) {
        const char *section, *name;
        bool reload;
        config_key_at(i, &section, &name, &reload);
        char head[64];
        snprintf(head, sizeof head, "\n[%s]\n", section);
        const char *sec = strstr(text, head);
        if (!sec)
            fail_msg("packaging/kyodo.conf has no [%s] section", section);
        const char *end = strstr(sec + strlen(head), "\n[");
        bool found = false;
        for (const char *line = sec + 1; line && (!end || line < end) && !found;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            const char *p = line;
            if (*p == ';')
                p += p[1] == ' ' ? 2 : 1;
            size_t k = strlen(name);
            if (strncmp(p, name, k) == 0 && (p[k] == ' ' || p[k] == '=')) {
                found = true;
                /* The comment just above says reload or restart. */
                const char *prev = line - 2;
                while (prev > sec && *prev != '\n')
                    prev--;
                const char *word = reload ? " reload\n" : " restart\n";
                char above[512];
                size_t len = (size_t)(line - prev) < sizeof above ? (size_t)(line - prev)
                                                                   : sizeof above - 1;
                memcpy(above, prev, len);
                above[len] = '\0';
                if (!strstr(above, word))
                    fail_msg("[%s] %s: the comment above should end with '%s'", section, name,
                             reload ? "reload" : "restart");
            }
        }
        if (!found)
            fail_msg("packaging/kyodo.conf does not document [%s] %s", section, name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_add_up_across_threads),
        cmocka_unit_test(histogram_buckets),
        cmocka_unit_test(text_format),
        cmocka_unit_test(text_ceiling),
        cmocka_unit_test(log_withholds_long_numbers),
        cmocka_unit_test(service_messages),
        cmocka_unit_test(reload_classifies_keys),
        cmocka_unit_test(metrics_token_is_checked),
        cmocka_unit_test(example_documents_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
