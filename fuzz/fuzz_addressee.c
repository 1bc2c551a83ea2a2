/*
 * fuzz_addressee.c — addressee_check_fields() on arbitrary bodies.
 *
 * The input is parsed as a request body (jreq_parse) and checked as the
 * fields of a non-resident and of a corporation, at the top level and as
 * changes{}. Besides the sanitizers, the target checks what the checker
 * promises: on failure the error has a code and names a field under the
 * prefix (or the body); on success every text item is valid UTF-8 within its
 * length, readings pass kana_check_reading, 個人番号 and 法人番号 pass their
 * check digits, the birth date is "" or a calendar date not after today,
 * and applying the stored values again gives the same record.
 */
#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "base/text.h"
#include "engine/ident.h"
#include "engine/kana.h"
#include "http/jreq.h"
#include "residents/addressee.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_addressee: check failed: %s (line %d)\n", #cond, __LINE__); \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const char TODAY[] = "2026-11-27";

static void run(json_t *body, const char *kind, const char *prefix)
{
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    struct addressee r;
    addressee_clear(&r);
    json_t *stored = json_object();
    struct kd_err err;
    kd_err_clear(&err);
    if (addressee_check_fields(body, kind, prefix, TODAY, &r, stored, &a, &err) < 0) {
        CHECK(err.code != KD_OK);
        CHECK(err.message[0]);
        if (err.field[0] && prefix[0])
            CHECK(strncmp(err.field, prefix, strlen(prefix)) == 0);
        goto out;
    }
    bool corp = strcmp(kind, "corporation") == 0;
    for (int i = 0; i < addressee_field_count; i++) {
        const struct addressee_field *f = &addressee_fields[i];
        if (f->kind == 'I')
            continue;
        const char *t = addressee_text(&r, i);
        CHECK(t != NULL);
        size_t n = strlen(t);
        CHECK(text_utf8_valid(t, n, NULL));
        CHECK(text_utf8_chars(t, n) <= (size_t)f->max_chars);
        /* No item of the other kind was accepted. */
        CHECK(!n || !((f->who == 'p' && corp) || (f->who == 'c' && !corp)));
        if (n && strstr(f->name, "_kana"))
            CHECK(kana_check_reading(t, n, f->name, &err) == 0);
    }
    CHECK(!r.kojin_bango[0] || ident_mynumber_valid(r.kojin_bango, strlen(r.kojin_bango)));
    CHECK(!r.corp_number[0] || ident_corp_number_valid(r.corp_number, strlen(r.corp_number)));
    CHECK(!r.postcode[0] || (strlen(r.postcode) == 7 && text_all_digits(r.postcode, 7)));
    if (r.birth[0]) {
        struct date d;
        CHECK(date_parse_iso(r.birth, strlen(r.birth), "birth", &d, &err) == 0);
        CHECK(strcmp(r.birth, TODAY) <= 0);
    }
    CHECK(r.birth_unknown == 0 || r.birth_unknown == 1);
    CHECK(r.sex == 0 || r.sex == 1 || r.sex == 2 || r.sex == 9);
    /* The stored values are themselves a valid body (birth as its three
     * items aside) that gives the same record. */
    json_object_del(stored, "birth_text");
    json_object_del(stored, "birth_unknown");
    if (r.birth_text[0])
        json_object_set_new(stored, "birth", json_string(r.birth_text));
    struct addressee again;
    addressee_clear(&again);
    if (addressee_check_fields(stored, kind, "", TODAY, &again, NULL, &a, &err) < 0) {
        fprintf(stderr, "stored values refused: %s: %s\n", err.field, err.message);
        abort();
    }
    for (int i = 0; i < addressee_field_count; i++) {
        if (addressee_fields[i].kind == 'I')
            CHECK(addressee_int(&r, i) == addressee_int(&again, i));
        else
            CHECK(strcmp(addressee_text(&r, i), addressee_text(&again, i)) == 0);
    }
out:
    json_decref(stored);
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = NULL;
    struct kd_err err;
    if (jreq_parse((const char *)data, size, &body, &err) < 0)
        return 0;
    run(body, "nonresident", "");
    run(body, "corporation", "");
    run(body, "nonresident", "changes");
    json_decref(body);
    return 0;
}
