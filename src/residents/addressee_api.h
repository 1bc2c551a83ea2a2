/*
 * addressee_api.h — the addressee base (宛名) over HTTP (see
 * api/openapi.json and docs/addressees.md).
 */
#ifndef KYODO_RESIDENTS_ADDRESSEE_API_H
#define KYODO_RESIDENTS_ADDRESSEE_API_H

#include "api/api.h"

int addressees_api_search(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_create(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_get(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_history(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_change(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_merge(struct api_req *, struct api_out *, struct kd_err *);
int addressees_api_unmerge(struct api_req *, struct api_out *, struct kd_err *);

#endif
