/*
 * routes.c — every route of the API, with the permission it needs.
 *
 * Keep api/openapi.json in step: a unit test fails when a route here is
 * missing there, or the other way round. The last column is the purpose
 * recorded in the audit log when the request gives none (X-Kyodo-Purpose);
 * auditors read it, so it is in Japanese.
 */
#include "api/api.h"
#include "api/api_consortium.h"
#include "api/api_migration.h"
#include "residents/addressee_api.h"
#include "residents/certificate_api.h"
#include "residents/residents_api.h"
#include "residents/senkyo_api.h"
#include "residents/suppression_api.h"
#include "seals/seals_api.h"

#define V1 "/api/v1"

const struct api_route api_routes[] = {
    {{"GET", V1 "/health"}, api_health, NULL, NULL, API_PUBLIC, NULL},
    {{"GET", V1 "/health/live"}, api_health_live, NULL, NULL, API_PUBLIC, NULL},
    {{"GET", V1 "/health/ready"}, api_health_ready, NULL, NULL, API_PUBLIC, NULL},
    {{"GET", V1 "/openapi.json"}, api_openapi, NULL, NULL, API_PUBLIC, NULL},

    {{"POST", V1 "/session"}, api_session_create, NULL, NULL, API_PUBLIC, "ログイン"},
    {{"DELETE", V1 "/session"}, api_session_delete, "self", "write", 0, "ログアウト"},
    {{"GET", V1 "/me"}, api_me, "self", "read", 0, NULL},
    {{"POST", V1 "/me/password"}, api_me_password, "self", "write", 0, "パスワード変更"},
    {{"GET", V1 "/roles"}, api_roles, "self", "read", 0, NULL},

    {{"GET", V1 "/town"}, api_town, "town", "read", 0, NULL},

    {{"GET", V1 "/tenants"}, api_tenants_list, "tenants", "read", 0, NULL},
    {{"POST", V1 "/tenants"}, api_tenants_create, "tenants", "write", 0, "団体管理"},
    {{"GET", V1 "/tenants/{code}"}, api_tenants_get, "tenants", "read", 0, NULL},
    {{"PATCH", V1 "/tenants/{code}"}, api_tenants_update, "tenants", "write", 0,
     "団体管理"},

    /* Data migration (api_migration.c): the operator moves a town's data,
     * the town's administrator confirms an import. Literal paths before
     * {id}: the router takes the first match. */
    {{"GET", V1 "/migration-layouts"}, api_mig_layouts, "migration", "move", 0, NULL},
    {{"GET", V1 "/tenants/{code}/migrations"}, api_mig_town_list, "migration", "move", 0, NULL},
    {{"POST", V1 "/tenants/{code}/migrations/exports"}, api_mig_export, "migration", "move", 0,
     "データ移行"},
    {{"POST", V1 "/tenants/{code}/migrations/imports"}, api_mig_upload, "migration", "move",
     API_QUERY | API_UPLOAD, "データ移行"},
    {{"GET", V1 "/tenants/{code}/migrations/{id}"}, api_mig_town_get, "migration", "move", 0,
     NULL},
    {{"DELETE", V1 "/tenants/{code}/migrations/{id}"}, api_mig_town_discard, "migration", "move",
     0, "データ移行"},
    {{"GET", V1 "/tenants/{code}/migrations/{id}/export.zip"}, api_mig_download, "migration",
     "move", 0, "データ移行"},
    {{"POST", V1 "/tenants/{code}/migrations/{id}/check"}, api_mig_check, "migration", "move", 0,
     "データ移行"},
    {{"GET", V1 "/migrations"}, api_mig_list, "migration", "read", 0, NULL},
    {{"GET", V1 "/migrations/{id}"}, api_mig_get, "migration", "read", 0, NULL},
    {{"DELETE", V1 "/migrations/{id}"}, api_mig_discard, "migration", "confirm", 0,
     "データ移行の確認"},
    {{"GET", V1 "/migrations/{id}/report"}, api_mig_report, "migration", "report", API_QUERY,
     "データ移行の確認"},
    {{"GET", V1 "/migrations/{id}/report.csv"}, api_mig_report_csv, "migration", "report", 0,
     "データ移行の確認"},
    {{"POST", V1 "/migrations/{id}/confirm"}, api_mig_confirm, "migration", "confirm", 0,
     "データ移行の確認"},

    {{"GET", V1 "/users"}, api_users_list, "users", "read", 0, "利用者管理"},
    {{"POST", V1 "/users"}, api_users_create, "users", "write", 0, "利用者管理"},
    {{"GET", V1 "/users/{id}"}, api_users_get, "users", "read", 0, "利用者管理"},
    {{"PATCH", V1 "/users/{id}"}, api_users_update, "users", "write", 0, "利用者管理"},
    {{"PUT", V1 "/users/{id}/password"}, api_users_password, "users", "write", 0,
     "利用者管理"},

    {{"GET", V1 "/audit"}, api_audit_list, "audit", "read", API_QUERY, "監査ログ閲覧"},
    {{"GET", V1 "/audit/verify"}, api_audit_verify, "audit", "verify", 0, "監査ログ検証"},

    /* The consortium's own sheets (src/consortium): its secretariat only. */
    {{"GET", V1 "/consortium/sheets"}, api_consortium_list, "consortium", "read", API_QUERY,
     NULL},
    {{"POST", V1 "/consortium/sheets"}, api_consortium_create, "consortium", "write", 0,
     "協議会集計表"},
    {{"GET", V1 "/consortium/sheets/{id}"}, api_consortium_get, "consortium", "read", 0, NULL},
    {{"PATCH", V1 "/consortium/sheets/{id}"}, api_consortium_update, "consortium", "write", 0,
     "協議会集計表"},
    {{"DELETE", V1 "/consortium/sheets/{id}"}, api_consortium_delete, "consortium", "write", 0,
     "協議会集計表"},
    {{"GET", V1 "/consortium/sheets/{id}/report.pdf"}, api_consortium_pdf, "consortium", "read",
     0, NULL},
    {{"GET", V1 "/consortium/sheets/{id}/report.csv"}, api_consortium_csv, "consortium", "read",
     0, NULL},
    {{"POST", V1 "/consortium/compute"}, api_consortium_compute, "consortium", "read", 0, NULL},

    /* 住民基本台帳 (src/residents) */
    {{"GET", V1 "/residents/idou-kinds"}, residents_api_kinds, "residents", "read", 0, NULL},
    {{"POST", V1 "/residents/idou"}, residents_api_idou, "residents", "write", 0, "住民異動届"},
    {{"GET", V1 "/persons"}, residents_api_search, "residents", "read", API_QUERY, "住民検索"},
    {{"GET", V1 "/persons/{atena}"}, residents_api_person, "residents", "read", API_QUERY,
     "住民記録照会"},
    {{"GET", V1 "/persons/{atena}/history"}, residents_api_history, "residents", "read", 0,
     "住民記録照会"},
    {{"GET", V1 "/households/{setai}"}, residents_api_household, "residents", "read", API_QUERY,
     "住民記録照会"},
    {{"GET", V1 "/events"}, residents_api_events, "events", "read", API_QUERY, "異動情報の連携"},
    /* Certificates and their 交付履歴 (src/residents/api_certificates.c). */
    {{"POST", V1 "/certificates"}, certificates_api_issue, "residents", "certificate", 0,
     "証明書交付"},
    {{"POST", V1 "/certificates/preview"}, certificates_api_preview, "residents", "certificate",
     0, "証明書交付"},
    {{"GET", V1 "/certificates"}, certificates_api_list, "residents", "read", API_QUERY,
     "証明書交付履歴"},
    {{"GET", V1 "/certificates/{id}"}, certificates_api_get, "residents", "read", 0,
     "証明書交付履歴"},
    /* 抑止 (DV等支援措置): measures, the approval queue (src/residents/suppression*). */
    {{"GET", V1 "/suppression-codes"}, suppression_api_codes, "suppression", "read", 0, NULL},
    {{"GET", V1 "/suppressions"}, suppression_api_list, "suppression", "read", API_QUERY,
     "支援措置事務"},
    {{"POST", V1 "/suppressions"}, suppression_api_create, "suppression", "propose", 0,
     "支援措置事務"},
    {{"GET", V1 "/suppressions/{id}"}, suppression_api_get, "suppression", "read", 0,
     "支援措置事務"},
    {{"POST", V1 "/suppressions/{id}/requests"}, suppression_api_change, "suppression",
     "propose", 0, "支援措置事務"},
    {{"GET", V1 "/suppression-requests"}, suppression_api_queue, "suppression", "read",
     API_QUERY, "支援措置事務"},
    {{"POST", V1 "/suppression-requests/{id}/decision"}, suppression_api_decide, "suppression",
     "approve", 0, "支援措置事務"},
    /* The addressee base: 住登外者 and 法人, merges (src/residents/addressee*.c). */
    {{"GET", V1 "/addressees"}, addressees_api_search, "addressees", "read", API_QUERY,
     "宛名検索"},
    {{"POST", V1 "/addressees"}, addressees_api_create, "addressees", "write", 0, "宛名登録"},
    {{"GET", V1 "/addressees/{atena}"}, addressees_api_get, "addressees", "read", API_QUERY,
     "宛名照会"},
    {{"GET", V1 "/addressees/{atena}/history"}, addressees_api_history, "addressees", "read", 0,
     "宛名照会"},
    {{"POST", V1 "/addressees/{atena}/changes"}, addressees_api_change, "addressees", "write", 0,
     "宛名変更"},
    {{"POST", V1 "/addressee-merges"}, addressees_api_merge, "addressees", "merge", 0,
     "宛名統合"},
    {{"POST", V1 "/addressee-merges/{id}/undo"}, addressees_api_unmerge, "addressees", "merge",
     0, "宛名統合の取消し"},
    /* 印鑑登録 (src/seals): the 原票, the card, 廃止, 印鑑登録証明書. */
    {{"GET", V1 "/seals"}, seals_api_list, "seals", "read", API_QUERY, "印鑑登録照会"},
    {{"POST", V1 "/seals"}, seals_api_register, "seals", "write", 0, "印鑑登録"},
    {{"GET", V1 "/seals/{id}"}, seals_api_get, "seals", "read", 0, "印鑑登録照会"},
    {{"GET", V1 "/seals/{id}/image"}, seals_api_image, "seals", "read", 0, "印鑑登録照会"},
    {{"POST", V1 "/seals/{id}/card"}, seals_api_reissue, "seals", "write", 0,
     "印鑑登録証の再交付"},
    {{"POST", V1 "/seals/{id}/card-loss"}, seals_api_card_loss, "seals", "write", 0,
     "印鑑登録証の亡失届"},
    {{"POST", V1 "/seals/{id}/abolition"}, seals_api_abolish, "seals", "write", 0,
     "印鑑登録の廃止"},
    {{"POST", V1 "/seal-certificates"}, seals_api_certificate, "seals", "certificate", 0,
     "印鑑登録証明書交付"},
    {{"GET", V1 "/seal-certificates"}, seals_api_certificate_list, "seals", "read", API_QUERY,
     "印鑑登録証明書交付履歴"},
    {{"GET", V1 "/seal-certificates/{id}"}, seals_api_certificate_get, "seals", "read", 0,
     "印鑑登録証明書交付履歴"},
    /* 選挙人名簿 (src/residents/senkyo*): the roll on a 基準日, its counts, the
     * 投票区 table, 失権 entries. */
    {{"GET", V1 "/senkyo/meibo"}, senkyo_api_meibo, "senkyo", "read", API_QUERY, "選挙人名簿"},
    {{"GET", V1 "/senkyo/meibo.csv"}, senkyo_api_meibo_csv, "senkyo", "export", API_QUERY,
     "選挙人名簿"},
    {{"GET", V1 "/senkyo/meibo.pdf"}, senkyo_api_meibo_pdf, "senkyo", "export", API_QUERY,
     "選挙人名簿"},
    {{"GET", V1 "/senkyo/summary"}, senkyo_api_summary, "senkyo", "read", API_QUERY,
     "選挙人名簿登録者数"},
    {{"GET", V1 "/senkyo/summary.csv"}, senkyo_api_summary_csv, "senkyo", "read", API_QUERY,
     "選挙人名簿登録者数"},
    {{"GET", V1 "/senkyo/summary.pdf"}, senkyo_api_summary_pdf, "senkyo", "read", API_QUERY,
     "選挙人名簿登録者数"},
    {{"GET", V1 "/senkyo/districts"}, senkyo_api_districts_get, "senkyo", "read", 0, NULL},
    {{"PUT", V1 "/senkyo/districts"}, senkyo_api_districts_put, "senkyo", "write", 0,
     "投票区の設定"},
    {{"GET", V1 "/senkyo/shikken"}, senkyo_api_shikken_list, "senkyo", "shikken", API_QUERY,
     "選挙権を有しない者の管理"},
    {{"POST", V1 "/senkyo/shikken"}, senkyo_api_shikken_add, "senkyo", "shikken", 0,
     "選挙権を有しない者の管理"},
    {{"PATCH", V1 "/senkyo/shikken/{id}"}, senkyo_api_shikken_update, "senkyo", "shikken", 0,
     "選挙権を有しない者の管理"},
    {{"DELETE", V1 "/senkyo/shikken/{id}"}, senkyo_api_shikken_withdraw, "senkyo", "shikken", 0,
     "選挙権を有しない者の管理"},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
