/*
 * micro_me.c — what the pieces of an authenticated GET /api/v1/me cost, one
 * at a time, on one thread (docs/performance.md). Run by scripts/bench.
 *
 *   write    the /me body written with http/jw.h, as api_session.c does it
 *            (the menu serialised once per role and copied in)
 *   build    for comparison: the same body as a jansson tree (json_pack),
 *   json_out   serialised by walking the tree (http/json_out.c),
 *   dumps      or by jansson's json_dumps(JSON_COMPACT)
 *   token    decoding the session cookie and hashing it: paid only when the
 *            session is not in the thread's cache
 *   log      one access-log line (the fields server.c writes) into the
 *            asynchronous log, whose writer thread writes to /dev/null
 *
 * Each figure is the best of 5 runs of N iterations, in ns per operation.
 * usage: micro_me [N]
 */
#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "engine/perm.h"
#include "http/json_out.h"
#include "http/jw.h"

#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile size_t sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static json_t *menu;
static const char token[] = "ZiWLnBdH0JbYsWCKf93mYFxQ1KDcNnQg_MSxJdu93qk";
static char expires[CLOCK_ISO_LEN];

static json_t *me_tree(void)
{
    return json_pack("{s:{s:I, s:s, s:s, s:s, s:s}, s:{s:s, s:s}, s:O, s:s, s:{s:s, s:I}}",
                     "user", "id", (json_int_t)1, "login", "admin", "name", "町村管理者",
                     "role", role_name(ROLE_ADMIN), "role_label", role_label(ROLE_ADMIN),
                     "tenant", "code", "104213", "name", "中之条町", "menu", menu,
                     "csrf_token", token, "session", "expires_at", expires, "idle_timeout",
                     (json_int_t)1800);
}

/* The body as api_session.c's write_me writes it (same fields as me_tree). */
static char *me_write(size_t *len)
{
    size_t menu_len;
    const char *m = api_menu_json(ROLE_ADMIN, &menu_len);
    struct jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_key(&w, "user");
    jw_obj(&w);
    jw_kint(&w, "id", 1);
    jw_kstr(&w, "login", "admin");
    jw_kstr(&w, "name", "町村管理者");
    jw_kstr(&w, "role", role_name(ROLE_ADMIN));
    jw_kstr(&w, "role_label", role_label(ROLE_ADMIN));
    jw_obj_end(&w);
    jw_key(&w, "tenant");
    jw_obj(&w);
    jw_kstr(&w, "code", "104213");
    jw_kstr(&w, "name", "中之条町");
    jw_obj_end(&w);
    jw_key(&w, "menu");
    jw_raw(&w, m, menu_len);
    jw_kstr(&w, "csrf_token", token);
    jw_key(&w, "session");
    jw_obj(&w);
    jw_kstr(&w, "expires_at", expires);
    jw_kint(&w, "idle_timeout", 1800);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return jw_finish(&w, len);
}

static void op_write(void)
{
    size_t len;
    char *s = me_write(&len);
    sink += len;
    free(s);
}

static void op_token(void)
{
    unsigned char raw[32], hash[32];
    size_t n = 0;
    if (sodium_base642bin(raw, sizeof raw, token, strlen(token), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        abort();
    crypto_hash_sha256(hash, raw, n);
    sink += hash[0];
}

static void op_build(void)
{
    json_t *v = me_tree();
    sink += json_object_size(v);
    json_decref(v);
}

static json_t *tree;

static void op_json_out(void)
{
    size_t len;
    char *s = json_out(tree, &len);
    sink += len;
    free(s);
}

static void op_dumps(void)
{
    char *s = json_dumps(tree, JSON_COMPACT);
    sink += strlen(s);
    free(s);
}

static void op_log(void)
{
    struct logline l;
    logline_begin(&l, LOG_INFO, "request");
    logline_str(&l, "rid", "a1b2c3000000002a");
    logline_str(&l, "method", "GET");
    logline_str(&l, "route", "/api/v1/me");
    logline_int(&l, "status", 200);
    logline_int(&l, "bytes", 399);
    logline_int(&l, "dur_us", 41);
    logline_str(&l, "tenant", "104213");
    logline_int(&l, "user_id", 1);
    logline_end(&l);
}

static double measure(void (*fn)(void), long n)
{
    double best = 1e30;
    for (int run = 0; run < 5; run++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
            fn();
        double per = (now_ns() - t0) / (double)n;
        if (per < best)
            best = per;
    }
    return best;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n < 1 || sodium_init() < 0)
        return 2;
    clock_format_iso(clock_now_ms() + 43200000, expires);
    menu = api_menu(ROLE_ADMIN);
    tree = me_tree();
    size_t a_len, c_len;
    char *a = json_out(tree, &a_len), *b = json_dumps(tree, JSON_COMPACT);
    char *c = me_write(&c_len);
    if (!a || !b || !c || strcmp(a, b) != 0 || strcmp(a, c) != 0) {
        fprintf(stderr, "micro_me: the writer, json_out and json_dumps do not agree\n");
        return 1;
    }
    free(c);
    int null_fd = open("/dev/null", O_WRONLY);
    log_set_fd(null_fd);
    if (log_async_start() < 0)
        return 1;

    static const struct {
        const char *name;
        void (*fn)(void);
    } ops[] = {
        {"write", op_write},   {"build", op_build}, {"json_out", op_json_out},
        {"dumps", op_dumps},   {"token", op_token}, {"log", op_log},
    };
    printf("micro/me: /me body %zu bytes, %ld iterations, best of 5, ns per operation:", a_len,
           n);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        printf(" %s %.0f", ops[i].name, measure(ops[i].fn, n));
    printf("\n");
    log_async_stop();
    free(a);
    free(b);
    json_decref(tree);
    return 0;
}
