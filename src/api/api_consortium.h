/*
 * api_consortium.h — the consortium secretariat's routes (/api/v1/consortium/…):
 * its sheets (proposal scoring, cost comparison, joint procurement, cost
 * allocation), their computed tables, and their reports as PDF and CSV.
 * Permission: (consortium, read|write), which only consortium_admin has.
 */
#ifndef KYODO_API_API_CONSORTIUM_H
#define KYODO_API_API_CONSORTIUM_H

#include "api/api.h"

int api_consortium_list(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_create(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_get(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_update(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_delete(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_pdf(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_csv(struct api_req *, struct api_out *, struct kd_err *);
int api_consortium_compute(struct api_req *, struct api_out *, struct kd_err *);

#endif
