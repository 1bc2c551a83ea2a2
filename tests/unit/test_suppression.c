/*
 * test_suppression.c — src/residents/suppression*.c: the codes, the 申出
 * and change bodies (defaults, every refusal naming its field), periods
 * (民法第143条), states by date, and on a real town database the lifecycle:
 * a 申出 pending until a *second* user approves it (the proposer refused),
 * 延長 and 解除 by the same rule, who is protected on a date (the covered
 * persons and their household), expiry by date and the pending setting.
 */
#include "testutil.h"

#include "app.h"
#include "engine/settings.h"
#include "residents/residents.h"
#include "residents/suppression.h"

/* ---- codes ------------------------------------------------------------------------ */

static void codes(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    unsigned b = supp_codes_bits(supp_blocks, supp_block_count, "etsuran  daisansha nosuch");
    assert_int_equal(b, SUPP_B_ETSURAN | SUPP_B_DAISANSHA);
    assert_string_equal(supp_codes_text(&a, supp_blocks, supp_block_count, b), "daisansha etsuran");
    assert_string_equal(supp_codes_labels(&a, supp_blocks, supp_block_count, b),
                        "第三者からの請求・住民基本台帳の一部の写しの閲覧");
    assert_string_equal(supp_codes_text(&a, supp_blocks, supp_block_count, 0), "");
    /* A purpose is stated by its code or its label, blanks around ignored. */
    assert_int_equal(supp_purpose_stated("shien"), SUPP_P_SHIEN);
    assert_int_equal(supp_purpose_stated("\u3000支援措置事務 "), SUPP_P_SHIEN);
    assert_int_equal(supp_purpose_stated("住民異動届の処理"), SUPP_P_IDOU);
    assert_int_equal(supp_purpose_stated("支援措置"), 0);
    assert_int_equal(supp_purpose_stated("Shien"), 0);
    assert_int_equal(supp_purpose_stated(""), 0);
    assert_int_equal(supp_purpose_stated(NULL), 0);
    assert_non_null(supp_code_find(supp_categories, supp_category_count, "child_abuse"));
    assert_null(supp_code_find(supp_categories, supp_category_count, "theft"));
    arena_release(&a);
}

static void periods(void **state)
{
    (void)state;
    char end[11];
    struct kd_err err;
    const struct {
        const char *from;
        int months;
        const char *end;
    } v[] = {
        {"2026-04-01", 12, "2027-03-31"}, /* 1 year: the day before the anniversary */
        {"2026-01-01", 12, "2026-12-31"},
        {"2024-02-29", 12, "2025-02-28"}, /* no 02-29 in 2025: the month's last day */
        {"2024-01-31", 1, "2024-02-29"},  /* no 02-31: the month's last day */
        {"2025-03-31", 11, "2026-02-28"},
        {"2026-11-27", 6, "2027-05-26"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(supp_period_end(v[i].from, v[i].months, end, &err), 0);
        assert_string_equal(end, v[i].end);
    }
    assert_int_equal(supp_period_end("2026-02-30", 12, end, &err), -1);
    assert_string_equal(err.field, "from");
}

static void states_by_date(void **state)
{
    (void)state;
    struct supp_measure m = {.date_from = "2026-01-01", .date_to = "2026-12-31",
                             .status = SUPP_ACTIVE, .lifted_on = ""};
    assert_string_equal(supp_state_on(&m, "2025-12-31"), "scheduled");
    assert_false(supp_applies_on(&m, "2025-12-31", true));
    assert_string_equal(supp_state_on(&m, "2026-01-01"), "active");
    assert_true(supp_applies_on(&m, "2026-01-01", false));
    assert_true(supp_applies_on(&m, "2026-12-31", false));
    /* Expiry is by date: the day after the end nothing applies. */
    assert_string_equal(supp_state_on(&m, "2027-01-01"), "expired");
    assert_false(supp_applies_on(&m, "2027-01-01", true));
    assert_string_equal(supp_state_label("expired"), "期間満了");
    /* Pending: protects only if the town says so. */
    m.status = SUPP_PENDING;
    assert_string_equal(supp_state_on(&m, "2026-06-01"), "pending");
    assert_true(supp_applies_on(&m, "2026-06-01", true));
    assert_false(supp_applies_on(&m, "2026-06-01", false));
    /* Lifted from a day: applies the day before, not from it. */
    m.status = SUPP_LIFTED;
    m.lifted_on = "2026-06-01";
    assert_true(supp_applies_on(&m, "2026-05-31", true));
    assert_false(supp_applies_on(&m, "2026-06-01", true));
    assert_string_equal(supp_state_on(&m, "2026-06-01"), "lifted");
    assert_string_equal(supp_state_on(&m, "2026-05-31"), "active");
    m.status = SUPP_REJECTED;
    assert_false(supp_applies_on(&m, "2026-06-01", true));
    assert_string_equal(supp_state_on(&m, "2026-06-01"), "rejected");
}

/* ---- bodies ------------------------------------------------------------------------- */

static const struct supp_settings SETTINGS = {12, true, SUPP_B_DAISANSHA | SUPP_B_ETSURAN |
                                                          SUPP_B_FUHYO,
                                              SUPP_P_SHIEN | SUPP_P_HONNIN | SUPP_P_IDOU};
static const char TODAY[] = "2026-11-27";

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("bad test JSON: %s: %s", s, e.text);
    return v;
}

#define BASE                                                                                   \
    "\"category\":\"dv\",\"reason\":\"配偶者からの暴力\",\"confirmer_kind\":\"police\","          \
    "\"confirmer\":\"中之条警察署\",\"confirmed_on\":\"2026-11-20\",\"applicant\":\"0000000027\""

static void application_defaults(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    json_t *body = parse("{" BASE ",\"joint\":[\"0000000035\"]}");
    struct supp_measure m;
    const char *note;
    struct kd_err err;
    assert_int_equal(supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &a, &err), 0);
    assert_string_equal(m.category, "dv");
    assert_string_equal(m.applied_on, TODAY);
    assert_string_equal(m.date_from, TODAY);
    assert_string_equal(m.date_to, "2027-11-26"); /* one year */
    assert_int_equal(m.blocks, SETTINGS.default_blocks);
    assert_int_equal(m.purposes, SETTINGS.default_purposes);
    assert_int_equal(m.npersons, 2);
    assert_string_equal(m.atena[0], "0000000027");
    assert_string_equal(m.atena[1], "0000000035");
    assert_string_equal(m.offender, "");
    assert_string_equal(note, "");
    assert_string_equal(m.status, SUPP_PENDING);
    json_decref(body);

    body = parse("{" BASE ",\"applied_on\":\"2026-11-01\",\"from\":\"2026-11-02\","
                 "\"to\":\"2027-05-31\",\"blocks\":[\"koyo\",\"daisansha\"],"
                 "\"purposes\":[\"kankei\"],\"offender\":\"吾妻 一郎\",\"note\":\"窓口\"}");
    assert_int_equal(supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &a, &err), 0);
    assert_string_equal(m.date_from, "2026-11-02");
    assert_string_equal(m.date_to, "2027-05-31");
    assert_int_equal(m.blocks, SUPP_B_KOYO | SUPP_B_DAISANSHA);
    assert_int_equal(m.purposes, SUPP_P_KANKEI);
    assert_string_equal(m.offender, "吾妻 一郎");
    assert_string_equal(note, "窓口");
    json_decref(body);
    arena_release(&a);
}

static void refused(const char *json, enum kd_code code, const char *field)
{
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    json_t *body = parse(json);
    struct supp_measure m;
    const char *note;
    struct kd_err err;
    if (supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &a, &err) == 0)
        fail_msg("accepted: %s", json);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("%s: got %s %s (%s), want %s %s", json, kd_code_name(err.code), err.field,
                 err.message, kd_code_name(code), field);
    json_decref(body);
    arena_release(&a);
}

static void application_refusals(void **state)
{
    (void)state;
    refused("{}", KD_MISSING_FIELD, "category");
    refused("[]", KD_WRONG_TYPE, "");
    refused("{" BASE ",\"colour\":\"red\"}", KD_UNKNOWN_FIELD, "colour");
    refused("{" BASE ",\"category\":\"theft\"}", KD_INVALID_VALUE, "category");
    refused("{\"category\":\"dv\",\"reason\":\" \u3000\",\"confirmer_kind\":\"police\","
            "\"confirmer\":\"x\",\"confirmed_on\":\"2026-11-20\",\"applicant\":\"1\"}",
            KD_MISSING_FIELD, "reason");
    refused("{" BASE ",\"applied_on\":\"2026-11-28\"}", KD_INVALID_VALUE, "applied_on");
    refused("{" BASE ",\"applied_on\":\"2026-02-30\"}", KD_INVALID_VALUE, "applied_on");
    refused("{\"category\":\"dv\",\"reason\":\"r\",\"confirmer_kind\":\"police\","
            "\"confirmer\":\"x\",\"confirmed_on\":\"2027-01-01\",\"applicant\":\"1\"}",
            KD_INVALID_VALUE, "confirmed_on");
    refused("{\"category\":\"dv\",\"reason\":\"r\",\"confirmer_kind\":\"friend\","
            "\"confirmer\":\"x\",\"confirmed_on\":\"2026-01-01\",\"applicant\":\"1\"}",
            KD_INVALID_VALUE, "confirmer_kind");
    refused("{\"category\":\"dv\",\"reason\":\"r\",\"confirmer_kind\":\"police\","
            "\"confirmer\":\"x\",\"confirmed_on\":\"2026-01-01\",\"applicant\":\"12a\"}",
            KD_INVALID_VALUE, "applicant");
    refused("{" BASE ",\"joint\":[\"0000000027\"]}", KD_INVALID_VALUE, "joint[0]");
    refused("{" BASE ",\"joint\":[\"0000000035\",\"0000000035\"]}", KD_INVALID_VALUE, "joint[1]");
    refused("{" BASE ",\"joint\":[35]}", KD_WRONG_TYPE, "joint[0]");
    refused("{" BASE ",\"from\":\"2026-12-01\",\"to\":\"2026-11-30\"}", KD_INVALID_VALUE, "to");
    /* At most one period; longer is an extension, approved in its turn. */
    refused("{" BASE ",\"from\":\"2026-12-01\",\"to\":\"2027-12-01\"}", KD_INVALID_VALUE, "to");
    refused("{" BASE ",\"blocks\":[]}", KD_INVALID_VALUE, "blocks");
    refused("{" BASE ",\"blocks\":[\"daisansha\",\"daisansha\"]}", KD_INVALID_VALUE,
            "blocks[1]");
    refused("{" BASE ",\"blocks\":[\"everyone\"]}", KD_INVALID_VALUE, "blocks[0]");
    refused("{" BASE ",\"purposes\":[\"curiosity\"]}", KD_INVALID_VALUE, "purposes[0]");
    refused("{" BASE ",\"purposes\":[]}", KD_INVALID_VALUE, "purposes");
}

static void change_bodies(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    struct supp_change c;
    struct kd_err err;
    const struct {
        const char *json;
        int rc;
        const char *field;
    } v[] = {
        {"{\"kind\":\"extend\",\"to\":\"2028-01-31\"}", 0, ""},
        {"{\"kind\":\"extend\"}", -1, "to"},
        {"{\"kind\":\"extend\",\"to\":\"2028-01-31\",\"on\":\"2027-01-01\"}", -1, "on"},
        {"{\"kind\":\"lift\",\"note\":\"申出者からの解除の申出\"}", 0, ""},
        {"{\"kind\":\"lift\"}", -1, "note"},
        {"{\"kind\":\"lift\",\"note\":\"x\",\"on\":\"2026-11-26\"}", -1, "on"},
        {"{\"kind\":\"lift\",\"note\":\"x\",\"to\":\"2027-01-01\"}", -1, "to"},
        {"{\"kind\":\"pause\"}", -1, "kind"},
        {"{\"to\":\"2028-01-31\"}", -1, "kind"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        json_t *body = parse(v[i].json);
        int rc = supp_parse_change(body, TODAY, &c, &a, &err);
        if (rc != v[i].rc || (rc < 0 && strcmp(err.field, v[i].field) != 0))
            fail_msg("%s: rc %d field %s (%s)", v[i].json, rc, err.field, err.message);
        if (rc == 0 && strcmp(c.kind, "lift") == 0)
            assert_string_equal(c.on, TODAY); /* a lift is from today unless later */
        json_decref(body);
    }
    arena_release(&a);
}

/* ---- on a town database ---------------------------------------------------------------- */

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
    struct arena a;
    const char *head, *wife, *other; /* 宛名番号: a household of two, someone elsewhere */
    const char *setai;
};

static int record(struct fixture *f, const char *json, struct idou_result *res)
{
    json_t *body = parse(json);
    struct idou_actor who = {"unit", "unit-test", 1780000000000, TODAY};
    struct kd_err err;
    int rc = residents_record_idou(f->town, body, &who, res, &f->a, &err);
    if (rc < 0)
        fail_msg("%s: %s", err.field, err.message);
    json_decref(body);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    f->cat = catalog_open(f->dir, &app_schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(catalog_town_create(f->cat, "104213", &err), 0);
    f->town = catalog_town(f->cat, "104213", &err);
    arena_init(&f->a, NULL, 0, 64 << 20);
    struct idou_result res;
    record(f, "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2026-01-10\","
              "\"changes\":{\"postcode\":\"3770424\",\"address\":\"群馬県吾妻郡中之条町大字中之条町1\"},"
              "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"吾妻 花子\",\"shimei_kana\":\"アガツマ ハナコ\","
              "\"birth\":\"1990-01-01\",\"sex\":2,\"zokugara\":\"世帯主\"},"
              "{\"kind\":\"japanese\",\"shimei\":\"吾妻 一花\",\"shimei_kana\":\"アガツマ イチカ\","
              "\"birth\":\"2015-05-05\",\"sex\":2,\"zokugara\":\"子\"}]}",
           &res);
    f->head = arena_strndup(&f->a, res.atena[0], strlen(res.atena[0]));
    f->wife = arena_strndup(&f->a, res.atena[1], strlen(res.atena[1]));
    f->setai = arena_strndup(&f->a, res.new_setai, strlen(res.new_setai));
    record(f, "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2026-01-10\","
              "\"changes\":{\"postcode\":\"3770424\",\"address\":\"群馬県吾妻郡中之条町大字伊勢町2\"},"
              "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"四万 太郎\",\"shimei_kana\":\"シマ タロウ\","
              "\"birth\":\"1980-01-01\",\"sex\":1,\"zokugara\":\"世帯主\"}]}",
           &res);
    f->other = arena_strndup(&f->a, res.atena[0], strlen(res.atena[0]));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_release(&f->a);
    catalog_close(f->cat);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static struct supp_actor actor(int64_t id, const char *login, const char *today)
{
    return (struct supp_actor){id, login, "residents_supervisor", "rid", "2026-11-27T01:00:00.000Z",
                               today};
}

/* Proposes a measure for the given persons; returns its id. */
static int64_t propose(struct fixture *f, const char *applicant, const char *joint,
                       const char *from, const char *to, int64_t *request)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{" "\"category\":\"dv\",\"reason\":\"r\",\"confirmer_kind\":\"police\","
             "\"confirmer\":\"中之条警察署\",\"confirmed_on\":\"2026-01-05\",\"applied_on\":\"%s\","
             "\"applicant\":\"%s\"%s%s%s,\"from\":\"%s\",\"to\":\"%s\"}",
             from, applicant, joint ? ",\"joint\":[\"" : "", joint ? joint : "",
             joint ? "\"]" : "", from, to);
    json_t *body = parse(json);
    struct supp_measure m;
    const char *note;
    struct kd_err err;
    struct supp_actor clerk = actor(1, "clerk", TODAY);
    if (supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &f->a, &err) < 0 ||
        store_begin_write(f->town, &err) < 0 ||
        supp_propose_measure(f->town, &m, note, &clerk, request, &err) < 0 ||
        store_commit(f->town, &err) < 0)
        fail_msg("propose: %s %s", err.field, err.message);
    json_decref(body);
    return m.id;
}

static int decide(struct fixture *f, int64_t request, bool approve, int64_t user,
                  const char *today, struct kd_err *err)
{
    struct supp_actor who = actor(user, user == 1 ? "clerk" : "chief", today);
    struct supp_request r;
    if (store_begin_write(f->town, err) < 0)
        return -1;
    if (supp_decide(f->town, request, approve, approve ? "" : "no", &who, &r, &f->a, err) < 0) {
        store_rollback(f->town);
        return -1;
    }
    return store_commit(f->town, err);
}

static bool covered(struct fixture *f, const char *atena, const char *setai, const char *date,
                    struct supp_cover *c)
{
    struct kd_err err;
    struct supp_cover local;
    if (supp_cover_of(f->town, atena, setai, date, c ? c : &local, &f->a, &err) < 0)
        fail_msg("cover: %s", err.message);
    return (c ? c : &local)->person || (c ? c : &local)->household;
}

static void second_user_approves(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t req;
    int64_t id = propose(f, f->head, f->wife, "2026-11-01", "2027-10-31", &req);
    struct supp_measure m;
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_PENDING);
    assert_int_equal(m.npersons, 2);
    assert_string_equal(m.atena[0], f->head);

    /* The proposer can never approve (or reject) their own request. */
    assert_int_equal(decide(f, req, true, 1, TODAY, &err), -1);
    assert_int_equal(err.code, KD_SELF_APPROVAL);
    assert_int_equal(decide(f, req, false, 1, TODAY, &err), -1);
    assert_int_equal(err.code, KD_SELF_APPROVAL);
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_PENDING);

    /* A pending 申出 protects by default (suppression.pending_applies). */
    struct supp_cover c;
    assert_true(covered(f, f->head, NULL, TODAY, &c));
    assert_true(c.person);
    assert_int_equal(c.measure, id);
    assert_string_equal(c.until, "2027-10-31");
    assert_int_equal(settings_set(f->town, "suppression.pending_applies", "no", &err), 0);
    assert_false(covered(f, f->head, NULL, TODAY, NULL));
    assert_int_equal(settings_set(f->town, "suppression.pending_applies", "yes", &err), 0);

    /* A second user approves: active. Deciding again is a conflict. */
    assert_int_equal(decide(f, req, true, 2, TODAY, &err), 0);
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_ACTIVE);
    assert_int_equal(decide(f, req, false, 3, TODAY, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(settings_set(f->town, "suppression.pending_applies", "no", &err), 0);
    assert_true(covered(f, f->head, NULL, TODAY, NULL));

    /* The applicant and the joint person are covered, with the measure's
     * blocks and purposes; someone elsewhere is not. */
    assert_true(covered(f, f->wife, NULL, TODAY, &c));
    assert_true(c.person);
    assert_int_equal(c.blocks, SETTINGS.default_blocks);
    assert_int_equal(c.purposes, SETTINGS.default_purposes);
    assert_false(covered(f, f->other, NULL, TODAY, NULL));
    assert_int_equal(supp_refuses(f->town, f->head, NULL, TODAY, SUPP_B_DAISANSHA, &f->a, &err), 1);
    assert_int_equal(supp_refuses(f->town, f->head, NULL, TODAY, SUPP_B_KOYO, &f->a, &err), 0);

    /* The history: one request, approved by the second user. */
    struct supp_request r;
    assert_int_equal(supp_request_get(f->town, req, &r, &f->a, &err), 0);
    assert_string_equal(r.state, "approved");
    assert_string_equal(r.proposed_by, "clerk");
    assert_string_equal(r.decided_by, "chief");
}

static void household_and_refusals(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t req;
    /* Only the head asks; the child lives with her: same household. */
    int64_t id = propose(f, f->head, NULL, "2026-11-01", "2027-10-31", &req);
    assert_int_equal(decide(f, req, true, 2, TODAY, &err), 0);
    struct supp_cover c;
    assert_true(covered(f, f->wife, f->setai, TODAY, &c));
    assert_false(c.person);
    assert_true(c.household);
    assert_int_equal(c.measure, id);
    assert_int_equal(c.purposes, 0); /* a household member is no lookup of the applicant */
    assert_false(covered(f, f->wife, NULL, TODAY, NULL));
    assert_false(covered(f, f->other, "9999999999", TODAY, NULL));

    /* A joint person must live at the applicant's address; persons exist. */
    char json[512];
    snprintf(json, sizeof json,
             "{" "\"category\":\"stalker\",\"reason\":\"r\",\"confirmer_kind\":\"soudan\","
             "\"confirmer\":\"x\",\"confirmed_on\":\"2026-11-01\",\"applicant\":\"%s\","
             "\"joint\":[\"%s\"]}",
             f->head, f->other);
    json_t *body = parse(json);
    struct supp_measure m;
    const char *note;
    struct supp_actor clerk = actor(1, "clerk", TODAY);
    assert_int_equal(supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &f->a, &err), 0);
    assert_int_equal(supp_propose_measure(f->town, &m, note, &clerk, &req, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "joint[0]");
    json_decref(body);
    body = parse("{\"category\":\"dv\",\"reason\":\"r\",\"confirmer_kind\":\"police\","
                 "\"confirmer\":\"x\",\"confirmed_on\":\"2026-11-01\",\"applicant\":\"9999999999\"}");
    assert_int_equal(supp_parse_application(body, &SETTINGS, TODAY, &m, &note, &f->a, &err), 0);
    assert_int_equal(supp_propose_measure(f->town, &m, note, &clerk, &req, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_string_equal(err.field, "applicant");
    json_decref(body);
}

static void expiry_by_date(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t req;
    int64_t id = propose(f, f->other, NULL, "2026-01-15", "2026-11-26", &req);
    assert_int_equal(decide(f, req, true, 2, TODAY, &err), 0);
    /* It applied up to its last day, and stopped by itself after it. */
    assert_true(covered(f, f->other, NULL, "2026-06-01", NULL));
    assert_true(covered(f, f->other, NULL, "2026-11-26", NULL));
    assert_false(covered(f, f->other, NULL, TODAY, NULL));
    assert_false(covered(f, f->other, NULL, "2026-01-14", NULL));
    struct supp_measure m;
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(supp_state_on(&m, TODAY), "expired");
    /* An ended measure is not extended: a new 申出 is needed. */
    struct supp_change ch = {"extend", "2027-06-30", NULL, ""};
    struct supp_actor clerk = actor(1, "clerk", TODAY);
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &req, &f->a, &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
}

static int count_request(void *ctx, const struct supp_request *r)
{
    char *buf = ctx;
    size_t len = strlen(buf);
    snprintf(buf + len, 256 - len, "%s%s:%s", len ? " " : "", r->kind, r->state);
    return 0;
}

static void extend_and_lift(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t req, ext, lift;
    int64_t id = propose(f, f->head, f->wife, "2026-01-15", "2027-01-14", &req);
    struct supp_actor clerk = actor(1, "clerk", TODAY);
    struct supp_change ch = {"extend", "2028-01-14", NULL, "延長の申出"};
    /* Not before the 申出 is approved. */
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &ext, &f->a, &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(decide(f, req, true, 2, TODAY, &err), 0);
    /* One more period at most, and after the current end. */
    ch.to = "2028-01-15";
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &ext, &f->a, &err),
                     -1);
    assert_string_equal(err.field, "to");
    ch.to = "2027-01-14";
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &ext, &f->a, &err),
                     -1);
    assert_string_equal(err.field, "to");
    ch.to = "2028-01-14";
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &ext, &f->a, &err),
                     0);
    /* One pending request at a time. */
    struct supp_change lf = {"lift", NULL, TODAY, "申出者からの解除の申出"};
    assert_int_equal(supp_propose_change(f->town, id, &lf, &SETTINGS, &clerk, &lift, &f->a, &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
    /* The extension waits for a second user, like the 申出. */
    struct supp_measure m;
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.date_to, "2027-01-14");
    assert_false(covered(f, f->head, NULL, "2027-06-01", NULL));
    assert_int_equal(decide(f, ext, true, 1, TODAY, &err), -1);
    assert_int_equal(err.code, KD_SELF_APPROVAL);
    assert_int_equal(decide(f, ext, true, 2, TODAY, &err), 0);
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.date_to, "2028-01-14");
    assert_true(covered(f, f->head, NULL, "2027-06-01", NULL));

    /* A lift from a later day; rejected once, then approved. */
    lf.on = "2026-12-01";
    assert_int_equal(supp_propose_change(f->town, id, &lf, &SETTINGS, &clerk, &lift, &f->a, &err),
                     0);
    assert_int_equal(decide(f, lift, false, 2, TODAY, &err), 0);
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_ACTIVE);
    assert_int_equal(supp_propose_change(f->town, id, &lf, &SETTINGS, &clerk, &lift, &f->a, &err),
                     0);
    /* While the lift waits, the measure still protects. */
    assert_true(covered(f, f->head, NULL, "2026-12-05", NULL));
    assert_int_equal(decide(f, lift, true, 3, TODAY, &err), 0);
    assert_int_equal(supp_measure_get(f->town, id, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_LIFTED);
    assert_string_equal(m.lifted_on, "2026-12-01");
    assert_true(covered(f, f->head, NULL, "2026-11-30", NULL));
    assert_false(covered(f, f->head, NULL, "2026-12-01", NULL));
    /* Lifted: nothing more to propose. */
    assert_int_equal(supp_propose_change(f->town, id, &ch, &SETTINGS, &clerk, &ext, &f->a, &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);

    /* Its history, oldest first. */
    char buf[256] = "";
    assert_int_equal(supp_request_list(f->town, id, NULL, 100, count_request, buf, &f->a, &err), 4);
    assert_string_equal(buf, "set:approved extend:approved lift:rejected lift:approved");
}

static void request_history(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    int64_t req, lift;
    int64_t id = propose(f, f->other, NULL, "2026-11-01", "2027-10-31", &req);
    assert_int_equal(decide(f, req, true, 2, TODAY, &err), 0);
    struct supp_actor clerk = actor(1, "clerk", TODAY);
    struct supp_change lf = {"lift", NULL, TODAY, "転出"};
    assert_int_equal(supp_propose_change(f->town, id, &lf, &SETTINGS, &clerk, &lift, &f->a, &err),
                     0);
    assert_int_equal(decide(f, lift, false, 2, TODAY, &err), 0);
    assert_int_equal(supp_propose_change(f->town, id, &lf, &SETTINGS, &clerk, &lift, &f->a, &err),
                     0);
    char buf[256] = "";
    assert_int_equal(supp_request_list(f->town, id, NULL, 100, count_request, buf, &f->a, &err), 3);
    assert_string_equal(buf, "set:approved lift:rejected lift:pending");
    buf[0] = '\0';
    assert_int_equal(supp_request_list(f->town, 0, "pending", 100, count_request, buf, &f->a, &err),
                     1);
    assert_string_equal(buf, "lift:pending");
    /* A rejected 申出 never protects, whatever the pending setting. */
    int64_t id2 = propose(f, f->head, NULL, "2026-11-01", "2027-10-31", &req);
    assert_true(covered(f, f->head, NULL, TODAY, NULL));
    assert_int_equal(decide(f, req, false, 2, TODAY, &err), 0);
    struct supp_measure m;
    assert_int_equal(supp_measure_get(f->town, id2, &m, &f->a, &err), 0);
    assert_string_equal(m.status, SUPP_REJECTED);
    assert_false(covered(f, f->head, NULL, TODAY, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes),
        cmocka_unit_test(periods),
        cmocka_unit_test(states_by_date),
        cmocka_unit_test(application_defaults),
        cmocka_unit_test(application_refusals),
        cmocka_unit_test(change_bodies),
        cmocka_unit_test_setup_teardown(second_user_approves, setup, teardown),
        cmocka_unit_test_setup_teardown(household_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(expiry_by_date, setup, teardown),
        cmocka_unit_test_setup_teardown(extend_and_lift, setup, teardown),
        cmocka_unit_test_setup_teardown(request_history, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
