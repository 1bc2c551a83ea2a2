/*
 * routes.c — every route of the API, with the permission it needs.
 *
 * Keep api/openapi.json in step: a unit test fails when a route here is
 * missing there, or the other way round. The last column is the purpose
 * recorded in the audit log when the request gives none (X-Kyodo-Purpose);
 * auditors read it, so it is in Japanese.
 */
#include "api/api.h"

#define V1 "/api/v1"

const struct api_route api_routes[] = {
    {{"GET", V1 "/health"}, api_health, NULL, NULL, API_PUBLIC, NULL},
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

    {{"GET", V1 "/users"}, api_users_list, "users", "read", 0, "利用者管理"},
    {{"POST", V1 "/users"}, api_users_create, "users", "write", 0, "利用者管理"},
    {{"GET", V1 "/users/{id}"}, api_users_get, "users", "read", 0, "利用者管理"},
    {{"PATCH", V1 "/users/{id}"}, api_users_update, "users", "write", 0, "利用者管理"},
    {{"PUT", V1 "/users/{id}/password"}, api_users_password, "users", "write", 0,
     "利用者管理"},

    {{"GET", V1 "/audit"}, api_audit_list, "audit", "read", API_QUERY, "監査ログ閲覧"},
    {{"GET", V1 "/audit/verify"}, api_audit_verify, "audit", "verify", 0, "監査ログ検証"},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
