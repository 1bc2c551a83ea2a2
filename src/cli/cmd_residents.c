/*
 * cmd_residents.c — `kyodo residents generate`: synthetic residents for a
 * demonstration or a benchmark (residents/synth.h), and cli_synthesize(),
 * which `kyodo demo` shares.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/date.h"
#include "engine/tenant.h"
#include "residents/senkyo.h"
#include "residents/synth.h"
#include "seals/seal_synth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo residents generate --tenant CODE --count N [--seed S] [--years Y]\n"
    "       kyodo residents milestones [--tenant CODE] [--from YYYY-MM-DD]\n"
    "                                  [--through YYYY-MM-DD]\n"
    "       (and --config FILE, --data DIR)\n"
    "\n"
    "milestones publishes, as register events (GET /api/v1/events), the days\n"
    "residents reached one of the town's milestone ages (setting\n"
    "residents.milestone_ages), from the day after the last one published up to\n"
    "--through (default: today in Japan), for one town or every active town. The\n"
    "server does this by itself at start and when the date changes. --from looks\n"
    "at days done before again (after a backdated 転入, say); nothing is published\n"
    "twice.\n"
    "\n"
    "generate: "
    "Fills an empty town register with N invented residents: households, names\n"
    "and readings (variant characters included), foreign residents, and Y years\n"
    "(default 10) of births, deaths and moves recorded as 異動 through the same\n"
    "checks as a clerk's. Deterministic for a given seed. For demonstrations and\n"
    "benchmarks only: never run it on a town in service (it refuses a register\n"
    "that has entries).\n";

int cli_synthesize(struct catalog *cat, const struct tenant *t, int count, uint64_t seed,
                   int years, struct synth_stats *st, struct kd_err *err)
{
    struct store *town = catalog_town(cat, t->code, err);
    if (!town)
        return -1;
    int64_t now = clock_now_ms();
    struct date today = date_today_japan(now), start = today;
    start.y -= years;
    if (start.m == 2 && start.d == 29)
        start.d = 28;
    char today_s[DATE_ISO_LEN], start_s[DATE_ISO_LEN];
    date_format_iso(today, today_s);
    date_format_iso(start, start_s);
    struct synth_options o = {
        .town_code = t->code,
        .town_name = t->name,
        .residents = count,
        .seed = seed,
        .start = start_s,
        .today = today_s,
        .now_ms = now,
    };
    /* The demo towns' 投票区 go with their 大字 (docs/senkyo.md). */
    bool districts;
    if (residents_synthesize(town, &o, st, err) < 0 ||
        senkyo_demo_districts(town, t->code, now, &districts, err) < 0)
        return -1;
    char detail[160];
    snprintf(detail, sizeof detail, "synthetic residents: %d, %d 異動, seed %" PRIu64 "%s",
             st->residents, st->events, seed, districts ? "; demo 投票区 table" : "");
    if (cli_audit(cat, t->code, "residents.synthesize", detail, err) < 0)
        return -1;
    /* Their seals (印鑑登録): a share of those who could have registered. */
    int64_t t0 = clock_mono_us();
    struct seal_synth_options so = {.seed = seed, .start = start_s, .today = today_s,
                                    .now_ms = now};
    struct seal_synth_stats ss;
    if (seals_synthesize(town, &so, &ss, err) < 0)
        return -1;
    fprintf(stderr,
            "%s %s: %d seal registrations (%d in force, %d abolished, %d cards re-issued) "
            "(%.1f s)\n",
            t->code, t->name, ss.registered, ss.active, ss.abolished, ss.reissued,
            (double)(clock_mono_us() - t0) / 1e6);
    snprintf(detail, sizeof detail, "synthetic seal registrations: %d, seed %" PRIu64,
             ss.registered, seed);
    return cli_audit(cat, t->code, "seals.synthesize", detail, err);
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cmd_residents(int argc, char **argv)
{
    int done = cli_verb_usage(argc, argv, usage);
    if (done >= 0)
        return done;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"years", required_argument, NULL, 'y'},
        {"through", required_argument, NULL, 't'},
        {"from", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *tenant = NULL, *through = NULL, *from = NULL;
    long count = 0, seed = 1, years = 10;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': tenant = optarg; break;
        case 'n':
            if (!parse_int(optarg, 1, 5000000, &count)) {
                fprintf(stderr, "kyodo: --count must be a number from 1 to 5000000\n");
                return CLI_ERROR;
            }
            break;
        case 's':
            if (!parse_int(optarg, 0, INT32_MAX, &seed)) {
                fprintf(stderr, "kyodo: --seed must be a number from 0 to %d\n", INT32_MAX);
                return CLI_ERROR;
            }
            break;
        case 'y':
            if (!parse_int(optarg, 1, 80, &years)) {
                fprintf(stderr, "kyodo: --years must be a number from 1 to 80\n");
                return CLI_ERROR;
            }
            break;
        case 't': through = optarg; break;
        case 'f': from = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    bool generate = strcmp(argv[1], "generate") == 0;
    bool milestones = strcmp(argv[1], "milestones") == 0;
    if (optind != argc || (!generate && !milestones) || (generate && (!tenant || !count)) ||
        (milestones && count) || (generate && (through || from))) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    struct kd_err err;
    kd_err_clear(&err);
    if (tenant && tenant_check_code(tenant, strlen(tenant), &err) < 0)
        return cli_fail(&err);
    if (milestones) {
        struct config cfg;
        struct catalog *cat = cli_start(&common, &cfg);
        if (!cat)
            return CLI_ERROR;
        struct store *ctl = catalog_control(cat, &err);
        struct tenant t;
        int rc = !ctl || (tenant && tenant_get(ctl, tenant, &t, &err) < 0)
                     ? cli_fail(&err)
                     : cli_milestones(cat, tenant, from, through);
        catalog_close(cat);
        return rc;
    }
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    int rc = CLI_OK;
    struct store *ctl = catalog_control(cat, &err);
    struct tenant t;
    struct synth_stats st;
    int64_t t0 = clock_mono_us();
    if (!ctl || tenant_get(ctl, tenant, &t, &err) < 0 ||
        cli_synthesize(cat, &t, (int)count, (uint64_t)seed, (int)years, &st, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        printf("%s %s: %d residents (%d foreign) in %d households; %d 異動 over %ld years "
               "(%d births, %d deaths, %d moves in, %d out, %d within); %.1f s\n",
               t.code, t.name, st.residents, st.foreign, st.households, st.events, years,
               st.births, st.deaths, st.moves_in, st.moves_out, st.moves_within,
               (double)(clock_mono_us() - t0) / 1e6);
    }
    catalog_close(cat);
    return rc;
}
