/*
 * senkyo_api.h — the 選挙人名簿 over HTTP (api/openapi.json; docs/senkyo.md):
 *
 *   GET    /api/v1/senkyo/meibo          the roll on a 基準日, a page (JSON)
 *   GET    /api/v1/senkyo/meibo.csv      the roll (or one 投票区) as CSV, UTF-8 or CP932
 *   GET    /api/v1/senkyo/meibo.pdf      the printed roll, by 投票区
 *   GET    /api/v1/senkyo/summary        選挙人名簿登録者数 by 投票区 and sex (JSON)
 *   GET    /api/v1/senkyo/summary.csv    the same as CSV
 *   GET    /api/v1/senkyo/summary.pdf    the same printed
 *   GET    /api/v1/senkyo/districts      the 投票区 table in force
 *   PUT    /api/v1/senkyo/districts      replaces it (the old one is kept)
 *   GET    /api/v1/senkyo/shikken        失権 entries
 *   POST   /api/v1/senkyo/shikken        adds one
 *   PATCH  /api/v1/senkyo/shikken/{id}   changes one (a new entry replaces it)
 *   DELETE /api/v1/senkyo/shikken/{id}   withdraws one
 *
 * Every read of the roll is one audit entry with its criteria (the roll is
 * personal data of many people at once); every 失権 read or change is an
 * entry with the person as subject.
 */
#ifndef KYODO_RESIDENTS_SENKYO_API_H
#define KYODO_RESIDENTS_SENKYO_API_H

#include "api/api.h"

int senkyo_api_meibo(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_meibo_csv(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_meibo_pdf(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_summary(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_summary_csv(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_summary_pdf(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_districts_get(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_districts_put(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_shikken_list(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_shikken_add(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_shikken_update(struct api_req *, struct api_out *, struct kd_err *);
int senkyo_api_shikken_withdraw(struct api_req *, struct api_out *, struct kd_err *);

#endif
