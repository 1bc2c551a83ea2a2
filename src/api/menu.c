/*
 * menu.c — the clerk UI's menu, derived from the permission table.
 *
 * The server, not the page, decides what a user sees: an item is listed when
 * perm_allows() lets the user's role do its (module, action), and a section
 * when it has at least one item. Items whose screens arrive with a later
 * issue are listed with "available": false, so the page can show 準備中.
 */
#include "api/api.h"

#include "http/json_out.h"

#include <pthread.h>

struct item {
    const char *id, *label, *module, *action;
    bool available;
};

struct section {
    const char *id, *label;
    struct item items[8];
};

static const struct section sections[] = {
    {"residents",
     "住民記録",
     {{"residents.search", "住民検索", "residents", "read", true},
      {"residents.move", "異動届", "residents", "write", true},
      {"residents.certificates", "証明書交付", "residents", "certificate", true},
      {"residents.seals", "印鑑登録", "seals", "read", true},
      {"residents.suppression", "支援措置", "suppression", "read", true},
      {"residents.suppression_approve", "支援措置の承認", "suppression", "approve", true},
      {"residents.senkyo", "選挙人名簿", "senkyo", "read", true}}},
    {"tax",
     "税務",
     {{"tax.resident", "個人住民税", "tax", "read", false},
      {"tax.property", "固定資産税", "tax", "read", false},
      {"tax.vehicle", "軽自動車税", "tax", "read", false},
      {"tax.collection", "収滞納管理", "tax", "read", false}}},
    {"welfare",
     "福祉",
     {{"welfare.nhi", "国民健康保険", "welfare", "read", false},
      {"welfare.care", "介護保険", "welfare", "read", false},
      {"welfare.child", "児童手当", "welfare", "read", false},
      {"welfare.disability", "障害者福祉", "welfare", "read", false}}},
    /* The addressee base (宛名): every clerk who deals with people and
     * corporations; merging is its custodian's. */
    {"atena",
     "宛名",
     {{"atena.search", "宛名検索", "addressees", "read", true},
      {"atena.new", "宛名登録", "addressees", "write", true},
      {"atena.merge", "宛名統合", "addressees", "merge", true}}},
    {"admin",
     "管理",
     {{"admin.users", "利用者管理", "users", "read", true},
      {"admin.tenants", "団体管理", "tenants", "read", true},
      {"admin.audit", "監査ログ", "audit", "read", true},
      {"admin.audit_verify", "監査ログ検証", "audit", "verify", true},
      {"admin.migration", "データ移行", "migration", "move", true},
      {"admin.migration_confirm", "取込の確認", "migration", "confirm", true}}},
    {"consortium",
     "協議会",
     {{"consortium.proposal", "プロポーザル集計", "consortium", "read", true},
      {"consortium.costs", "コスト削減効果検証", "consortium", "read", true},
      {"consortium.procurement", "共同調達", "consortium", "read", true},
      {"consortium.allocation", "費用按分", "consortium", "read", true}}},
};

static json_t *build(enum role role)
{
    json_t *menu = json_array();
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        json_t *items = json_array();
        for (size_t i = 0; i < sizeof sections[s].items / sizeof sections[s].items[0] &&
                           sections[s].items[i].id;
             i++) {
            const struct item *it = &sections[s].items[i];
            if (!perm_allows(role, it->module, it->action))
                continue;
            json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "id", it->id, "label",
                                                   it->label, "available", it->available));
        }
        if (json_array_size(items) == 0) {
            json_decref(items);
            continue;
        }
        json_array_append_new(menu, json_pack("{s:s, s:s, s:o}", "id", sections[s].id, "label",
                                              sections[s].label, "items", items));
    }
    return menu;
}

json_t *api_menu(enum role role)
{
    if ((unsigned)role >= ROLE_COUNT)
        return json_array();
    return build(role);
}

/* Menus depend only on the role, so each is serialised once, at first use,
 * and shared read-only by every thread. */
static struct {
    char *json;
    size_t len;
} menus[ROLE_COUNT];
static pthread_once_t menus_once = PTHREAD_ONCE_INIT;

static void build_all(void)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        json_t *m = build((enum role)r);
        menus[r].json = json_out(m, &menus[r].len);
        json_decref(m);
    }
}

const char *api_menu_json(enum role role, size_t *len)
{
    pthread_once(&menus_once, build_all);
    if ((unsigned)role >= ROLE_COUNT || !menus[role].json) {
        *len = 2;
        return "[]";
    }
    *len = menus[role].len;
    return menus[role].json;
}
