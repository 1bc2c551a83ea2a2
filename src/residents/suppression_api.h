/*
 * suppression_api.h — 抑止 (DV等支援措置) over HTTP (api/openapi.json;
 * docs/suppression.md):
 *
 *   GET  /api/v1/suppression-codes                the catalogues and the town's defaults
 *   GET  /api/v1/suppressions?atena=&before=      measures, newest first
 *   POST /api/v1/suppressions                     a 申出: 201, pending until approved
 *   GET  /api/v1/suppressions/{id}                one measure with its requests
 *   POST /api/v1/suppressions/{id}/requests       propose 延長 (extend) or 解除 (lift)
 *   GET  /api/v1/suppression-requests?state=      the approval queue (pending, oldest first)
 *   POST /api/v1/suppression-requests/{id}/decision   approve or reject (another user)
 */
#ifndef KYODO_RESIDENTS_SUPPRESSION_API_H
#define KYODO_RESIDENTS_SUPPRESSION_API_H

#include "api/api.h"

int suppression_api_codes(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_list(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_create(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_get(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_change(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_queue(struct api_req *, struct api_out *, struct kd_err *);
int suppression_api_decide(struct api_req *, struct api_out *, struct kd_err *);

#endif
