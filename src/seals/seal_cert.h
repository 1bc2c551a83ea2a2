/*
 * seal_cert.h — the 印鑑登録証明書 as a printed document (report/report.h).
 *
 * Pure: it takes the person's record (read from the register on the day of
 * issue) and the impression's pixels already cut out of the registered
 * picture, and describes the page. Numbering, the 交付履歴 and the audit
 * are the API's (api_seals.c). Any thread.
 */
#ifndef KYODO_SEALS_SEAL_CERT_H
#define KYODO_SEALS_SEAL_CERT_H

#include "base/arena.h"
#include "base/err.h"
#include "report/report.h"
#include "residents/record.h"
#include "seals/seal_image.h"

#include <stdbool.h>

struct seal_cert_doc {
    const char *town_name;  /* the tenant's name */
    const char *mayor;      /* the 町村長's name, or "" */
    const char *wording;    /* 認証文 */
    const char *issue_date; /* ISO */
    const char *number;     /* "第000123号" */
    const struct record *person;
    bool show_sex;               /* 男女の別 on the certificate (town setting) */
    struct report_picture pic;   /* the impression at its real size */
    double box_mm;               /* the 印影 box (a square) */
};

/* The document in a (its pixels are copied there: mind the arena's cap), or
 * NULL with err. */
struct report *seal_cert_describe(struct arena *a, const struct seal_cert_doc *d,
                                  struct kd_err *err);

/*
 * The impression cut out of decoded pixels for printing: the ink box with a
 * margin of 1 mm on each side (within the picture), and its size in mm at
 * the registered resolution. pic->rgba is malloc'd (the caller frees it).
 */
int seal_cert_picture(const struct seal_image *img, struct seal_box box, int64_t ppm_x,
                      int64_t ppm_y, struct report_picture *pic, struct kd_err *err);

#endif
