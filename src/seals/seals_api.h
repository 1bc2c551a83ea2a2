/*
 * seals_api.h — 印鑑登録 over HTTP (api/openapi.json; docs/seals.md):
 *
 *   GET  /api/v1/seals?atena=&status=&before=&limit=   registrations, newest first
 *   POST /api/v1/seals                                 登録 (picture as base64): 201
 *   GET  /api/v1/seals/{id}                            the 印鑑登録原票 with its history
 *   GET  /api/v1/seals/{id}/image                      the registered picture
 *   POST /api/v1/seals/{id}/card                       印鑑登録証の再交付
 *   POST /api/v1/seals/{id}/card-loss                  印鑑登録証の亡失届
 *   POST /api/v1/seals/{id}/abolition                  廃止 (申請 or 職権)
 *   POST /api/v1/seal-certificates                     印鑑登録証明書 (PDF): 201
 *   GET  /api/v1/seal-certificates?atena=              交付履歴, newest first
 *   GET  /api/v1/seal-certificates/{id}                one entry
 */
#ifndef KYODO_SEALS_SEALS_API_H
#define KYODO_SEALS_SEALS_API_H

#include "api/api.h"

int seals_api_list(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_register(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_get(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_image(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_reissue(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_card_loss(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_abolish(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_certificate(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_certificate_list(struct api_req *, struct api_out *, struct kd_err *);
int seals_api_certificate_get(struct api_req *, struct api_out *, struct kd_err *);

#endif
