/*
 * residents_api.h — the register's HTTP handlers (see api/openapi.json).
 */
#ifndef KYODO_RESIDENTS_RESIDENTS_API_H
#define KYODO_RESIDENTS_RESIDENTS_API_H

#include "api/api.h"

int residents_api_kinds(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_idou(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_search(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_person(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_history(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_household(struct api_req *, struct api_out *, struct kd_err *);
int residents_api_events(struct api_req *, struct api_out *, struct kd_err *);

#endif
