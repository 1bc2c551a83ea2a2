/*
 * certificate_api.h — certificates over HTTP (api/openapi.json):
 *
 *   POST /api/v1/certificates          issue: 201, the PDF, Location of its 交付履歴 entry
 *   POST /api/v1/certificates/preview  the same document marked 見本, unnumbered, not recorded
 *   GET  /api/v1/certificates?atena=   交付履歴, newest first
 *   GET  /api/v1/certificates/{id}     one entry
 *
 * docs/certificates.md describes the request and the rules.
 */
#ifndef KYODO_RESIDENTS_CERTIFICATE_API_H
#define KYODO_RESIDENTS_CERTIFICATE_API_H

#include "api/api.h"

int certificates_api_issue(struct api_req *, struct api_out *, struct kd_err *);
int certificates_api_preview(struct api_req *, struct api_out *, struct kd_err *);
int certificates_api_list(struct api_req *, struct api_out *, struct kd_err *);
int certificates_api_get(struct api_req *, struct api_out *, struct kd_err *);

#endif
