/*
 * api_migration.h — the operator's data migration over HTTP
 * (docs/migration-operations.md).
 *
 * The operator moves a town's data without reading it: under
 * /tenants/{code}/migrations (the town named as in the tenant registry
 * routes) it exports a layout and downloads the zip, uploads an import set,
 * runs the check (a dry run) and reads its summary — counts, never values.
 * The town's administrator, under /migrations (the session's own town),
 * reads the full report (file, line, item, value, reason) and confirms the
 * import, which commits it, or discards it. Every step is audited in the
 * town's log; the work itself runs on the job runner (migration_jobs.h).
 */
#ifndef KYODO_API_API_MIGRATION_H
#define KYODO_API_API_MIGRATION_H

#include "api/api.h"

/* The operator (migration move). */
int api_mig_layouts(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_town_list(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_export(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_upload(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_town_get(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_download(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_check(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_town_discard(struct api_req *, struct api_out *, struct kd_err *);

/* The town administrator, own town (migration read, report, confirm). */
int api_mig_list(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_get(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_report(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_report_csv(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_confirm(struct api_req *, struct api_out *, struct kd_err *);
int api_mig_discard(struct api_req *, struct api_out *, struct kd_err *);

#endif
