/*
 * synth.c — synthetic residents (synth.h).
 *
 * The generator keeps a small model of the town (who lives in which
 * household, with which 続柄) and, year by year from `start` to `today`,
 * draws births, deaths, moves in, out and within the town, and young adults
 * leaving home; every change is recorded as a 異動 through
 * residents_record_idou(), so it is validated and kept in the history like
 * a clerk's. At the end, move-ins or move-outs on recent dates bring the
 * number of residents to exactly the target.
 *
 * Rates are rough figures for a small, ageing rural town, chosen to look
 * plausible, not statistics.
 */
#include "residents/synth.h"

#include "base/arena.h"
#include "base/clock.h"
#include "engine/ident.h"
#include "residents/residents.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers (splitmix64) ------------------------------------------ */

struct rng {
    uint64_t s;
};

static uint64_t next64(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int below(struct rng *r, int n)
{
    return n <= 0 ? 0 : (int)(next64(r) % (uint64_t)n);
}

static int between(struct rng *r, int lo, int hi)
{
    return lo + below(r, hi - lo + 1);
}

/* True with probability p (per million). */
static bool chance(struct rng *r, int per_million)
{
    return below(r, 1000000) < per_million;
}

/* ---- names ------------------------------------------------------------------ */

struct name {
    const char *kanji, *kana;
};

static const struct name surnames[] = {
    {"佐藤", "サトウ"},     {"鈴木", "スズキ"},     {"高橋", "タカハシ"},   {"田中", "タナカ"},
    {"伊藤", "イトウ"},     {"渡辺", "ワタナベ"},   {"山本", "ヤマモト"},   {"中村", "ナカムラ"},
    {"小林", "コバヤシ"},   {"加藤", "カトウ"},     {"吉田", "ヨシダ"},     {"山田", "ヤマダ"},
    {"佐々木", "ササキ"},   {"山口", "ヤマグチ"},   {"松本", "マツモト"},   {"井上", "イノウエ"},
    {"木村", "キムラ"},     {"林", "ハヤシ"},       {"斎藤", "サイトウ"},   {"清水", "シミズ"},
    {"山崎", "ヤマザキ"},   {"森", "モリ"},         {"池田", "イケダ"},     {"橋本", "ハシモト"},
    {"阿部", "アベ"},       {"石川", "イシカワ"},   {"山下", "ヤマシタ"},   {"中島", "ナカジマ"},
    {"小川", "オガワ"},     {"前田", "マエダ"},     {"岡田", "オカダ"},     {"長谷川", "ハセガワ"},
    {"藤田", "フジタ"},     {"後藤", "ゴトウ"},     {"近藤", "コンドウ"},   {"村上", "ムラカミ"},
    {"遠藤", "エンドウ"},   {"青木", "アオキ"},     {"坂本", "サカモト"},   {"福田", "フクダ"},
    {"太田", "オオタ"},     {"西村", "ニシムラ"},   {"金子", "カネコ"},     {"中野", "ナカノ"},
    {"原田", "ハラダ"},     {"田村", "タムラ"},     {"中山", "ナカヤマ"},   {"和田", "ワダ"},
    {"唐沢", "カラサワ"},   {"黒岩", "クロイワ"},   {"富沢", "トミザワ"},   {"湯本", "ユモト"},
    {"剣持", "ケンモチ"},   {"関", "セキ"},         {"角田", "ツノダ"},     {"篠原", "シノハラ"},
    {"茂木", "モテギ"},     {"狩野", "カノウ"},     {"萩原", "ハギワラ"},   {"市川", "イチカワ"},
    {"桑原", "クワバラ"},   {"轟", "トドロキ"},     {"宮崎", "ミヤザキ"},   {"大塚", "オオツカ"},
    /* Variant characters, kept exactly as given (an IVS-qualified one too). */
    {"髙橋", "タカハシ"},   {"齋藤", "サイトウ"},   {"渡邊", "ワタナベ"},
    {"葛\xF3\xA0\x84\x80城", "カツラギ"},
};

/* Given names by generation: born before 1955, 1955-1989, from 1990. */
static const struct name male[3][14] = {
    {{"清", "キヨシ"}, {"茂", "シゲル"}, {"勇", "イサム"}, {"進", "ススム"}, {"正", "タダシ"},
     {"実", "ミノル"}, {"博", "ヒロシ"}, {"武", "タケシ"}, {"昭", "アキラ"}, {"豊", "ユタカ"},
     {"光男", "ミツオ"}, {"一郎", "イチロウ"}, {"正雄", "マサオ"}, {"勝", "マサル"}},
    {{"浩", "ヒロシ"}, {"誠", "マコト"}, {"健一", "ケンイチ"}, {"直樹", "ナオキ"},
     {"和也", "カズヤ"}, {"達也", "タツヤ"}, {"修", "オサム"}, {"隆", "タカシ"},
     {"秀樹", "ヒデキ"}, {"剛", "ツヨシ"}, {"大輔", "ダイスケ"}, {"亮", "リョウ"},
     {"雄一", "ユウイチ"}, {"太郎", "タロウ"}},
    {{"翔太", "ショウタ"}, {"拓也", "タクヤ"}, {"健太", "ケンタ"}, {"悠真", "ユウマ"},
     {"蓮", "レン"}, {"陽翔", "ハルト"}, {"湊", "ミナト"}, {"大翔", "ヒロト"}, {"樹", "イツキ"},
     {"颯太", "ソウタ"}, {"悠人", "ユウト"}, {"智也", "トモヤ"}, {"俊介", "シュンスケ"},
     {"蒼", "アオイ"}},
};

static const struct name female[3][14] = {
    {{"キヨ", "キヨ"}, {"ミツ", "ミツ"}, {"富子", "トミコ"}, {"春江", "ハルエ"},
     {"静江", "シズエ"}, {"千代", "チヨ"}, {"節子", "セツコ"}, {"文子", "フミコ"},
     {"幸子", "サチコ"}, {"和子", "カズコ"}, {"洋子", "ヨウコ"}, {"恵子", "ケイコ"},
     {"美智子", "ミチコ"}, {"花子", "ハナコ"}},
    {{"久美子", "クミコ"}, {"由美子", "ユミコ"}, {"裕子", "ユウコ"}, {"真由美", "マユミ"},
     {"直美", "ナオミ"}, {"智子", "トモコ"}, {"陽子", "ヨウコ"}, {"恵美", "エミ"},
     {"明美", "アケミ"}, {"優子", "ユウコ"}, {"麻衣", "マイ"}, {"舞", "マイ"}, {"綾", "アヤ"},
     {"千尋", "チヒロ"}},
    {{"愛", "アイ"}, {"彩", "アヤ"}, {"美咲", "ミサキ"}, {"陽菜", "ヒナ"}, {"結衣", "ユイ"},
     {"さくら", "サクラ"}, {"葵", "アオイ"}, {"結菜", "ユイナ"}, {"凛", "リン"},
     {"芽依", "メイ"}, {"杏", "アン"}, {"心春", "コハル"}, {"紬", "ツムギ"}, {"澪", "ミオ"}},
};

struct foreign_name {
    const char *nationality, *shimei, *kana, *alpha;
    int sex;
};

static const struct foreign_name foreigners[] = {
    {"ベトナム", "NGUYEN VAN AN", "グエン ヴァン アン", "NGUYEN VAN AN", 1},
    {"ベトナム", "TRAN THI HOA", "チャン ティ ホア", "TRAN THI HOA", 2},
    {"ベトナム", "LE VAN NAM", "レ ヴァン ナム", "LE VAN NAM", 1},
    {"ベトナム", "PHAM THI LAN", "ファム ティ ラン", "PHAM THI LAN", 2},
    {"中国", "王 偉", "ワン ウェイ", "WANG WEI", 1},
    {"中国", "李 娜", "リ ナ", "LI NA", 2},
    {"中国", "張 敏", "チャン ミン", "ZHANG MIN", 2},
    {"フィリピン", "SANTOS MARIA", "サントス マリア", "SANTOS MARIA", 2},
    {"フィリピン", "REYES JOSE", "レイエス ホセ", "REYES JOSE", 1},
    {"ブラジル", "SILVA JOAO", "シルバ ジョアン", "SILVA JOAO", 1},
    {"ブラジル", "OLIVEIRA ANA", "オリベイラ アナ", "OLIVEIRA ANA", 2},
    {"インドネシア", "SETIAWAN BUDI", "セティアワン ブディ", "SETIAWAN BUDI", 1},
    {"ネパール", "GURUNG RAM", "グルン ラム", "GURUNG RAM", 1},
    {"韓国", "金 英子", "キム ヨンジャ", "KIM YOUNGJA", 2},
};

static const char *const shikaku[] = {"技能実習", "特定技能", "永住者", "技術・人文知識・国際業務",
                                      "家族滞在", "定住者"};

/* ---- places ----------------------------------------------------------------- */

struct oaza {
    const char *name, *postcode;
};

struct town_places {
    const char *code;
    struct oaza oaza[8];
};

/* 大字 of the six Agatsuma towns; postcodes are approximate (demo data). */
static const struct town_places places[] = {
    {"104213",
     {{"大字中之条町", "3770424"}, {"大字伊勢町", "3770423"}, {"大字西中之条", "3770425"},
      {"大字折田", "3770431"}, {"大字平", "3770432"}, {"大字四万", "3770601"},
      {"大字市城", "3770435"}, {"大字五反田", "3770434"}}},
    {"104248",
     {{"大字長野原", "3771304"}, {"大字林", "3771303"}, {"大字応桑", "3771308"},
      {"大字北軽井沢", "3771412"}, {"大字与喜屋", "3771306"}, {"大字川原湯", "3771309"}}},
    {"104256",
     {{"大字鎌原", "3771524"}, {"大字大笹", "3771611"}, {"大字田代", "3771613"},
      {"大字干俣", "3771612"}, {"大字三原", "3771525"}, {"大字大前", "3771614"}}},
    {"104264", {{"大字草津", "3771711"}, {"大字前口", "3771712"}}},
    {"104281", {{"大字中山", "3770702"}, {"大字尻高", "3770701"}}},
    {"104299",
     {{"大字原町", "3770801"}, {"大字岩島", "3770811"}, {"大字植栗", "3770802"},
      {"大字三島", "3770803"}, {"大字松谷", "3770814"}, {"大字本宿", "3770815"},
      {"大字奥田", "3770805"}}},
};

static const struct oaza generic[] = {{"大字一", "3770001"}, {"大字二", "3770002"}};

static const char *const elsewhere[] = {
    "群馬県前橋市大手町1丁目1番1号", "群馬県高崎市高松町35番地1",
    "群馬県渋川市石原80番地",         "東京都練馬区豊玉北6丁目12番1号",
    "埼玉県さいたま市浦和区常盤6丁目4番4号", "長野県長野市大字鶴賀緑町1613番地",
    "新潟県新潟市中央区学校町通1番町602番地1",
};

/* ---- the model ---------------------------------------------------------------- */

struct person {
    char atena[16];
    int hh;   /* index of the household in gen.hh */
    int next; /* next member of the same household, or -1 */
    char zokugara[24];
    int birth_days; /* days since 1970 */
    int sex;
    bool foreign;
    bool here; /* a resident now */
};

/* A household: its 世帯番号 and its members, a list through person.next
 * (people who left stay on the list with here = false). */
struct household {
    char setai[16];
    int first;
};

struct gen {
    struct store *town;
    const struct synth_options *o;
    struct synth_stats *st;
    struct rng rng;
    const struct oaza *oaza;
    int noaza;
    struct person *p;
    int count, cap;
    struct household *hh;
    int nhh, hhcap;
    int here; /* residents now */
    struct arena *a;
    char date[11]; /* the date being simulated */
    int64_t clock;  /* recorded time, advancing */
};

static int today_days(const char *iso)
{
    int64_t ms = 0;
    clock_parse_iso(iso, 10, &ms);
    return (int)(ms / 86400000);
}

static void iso_of(int days, char out[11])
{
    char buf[CLOCK_ISO_LEN];
    clock_format_iso((int64_t)days * 86400000, buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static int age_on(const struct person *p, int days)
{
    return (days - p->birth_days) / 365;
}

static const struct name *given(struct gen *g, int sex, int birth_days)
{
    int generation = birth_days < -5479 ? 0 : birth_days < 7305 ? 1 : 2; /* 1955, 1990 */
    const struct name *list = sex == 1 ? male[generation] : female[generation];
    return &list[below(&g->rng, 14)];
}

/* A valid number with a random body: 個人番号 (12) or 住民票コード (11). */
static void random_number(struct gen *g, char *out, int digits)
{
    for (int i = 0; i < digits - 1; i++)
        out[i] = (char)('0' + below(&g->rng, 10));
    out[digits - 1] = '\0';
    int cd;
    if (digits == 12) {
        cd = ident_mynumber_check_digit(out);
    } else {
        /* 住民票コード: the same mod-11 scheme over ten digits. */
        int sum = 0;
        for (int k = 1; k <= 10; k++)
            sum += (out[10 - k] - '0') * (k <= 6 ? k + 1 : k - 5);
        cd = sum % 11 <= 1 ? 0 : 11 - sum % 11;
    }
    out[digits - 1] = (char)('0' + cd);
    out[digits] = '\0';
}

static void address(struct gen *g, json_t *changes, bool with_prev)
{
    const struct oaza *o = &g->oaza[below(&g->rng, g->noaza)];
    char text[200];
    snprintf(text, sizeof text, "群馬県吾妻郡%s%s%d番地%s", g->o->town_name, o->name,
             between(&g->rng, 1, 3500), chance(&g->rng, 300000) ? "の2" : "");
    json_object_set_new(changes, "postcode", json_string(o->postcode));
    json_object_set_new(changes, "address", json_string(text));
    if (chance(&g->rng, 80000)) {
        char kata[60];
        snprintf(kata, sizeof kata, "コーポ%s%d号室", o->name + strlen("大字"),
                 between(&g->rng, 101, 305));
        json_object_set_new(changes, "katagaki", json_string(kata));
    }
    if (with_prev)
        json_object_set_new(changes, "prev_address",
                            json_string(elsewhere[below(&g->rng, (int)(sizeof elsewhere /
                                                                       sizeof elsewhere[0]))]));
}

/* A person object for persons[]. */
static json_t *new_person(struct gen *g, const char *surname, const char *surname_kana, int sex,
                          int birth_days, const char *zokugara, const struct foreign_name *f)
{
    json_t *p = json_object();
    char buf[200], kana[200], date[11];
    iso_of(birth_days, date);
    if (f) {
        json_object_set_new(p, "kind", json_string("foreign"));
        json_object_set_new(p, "shimei", json_string(f->shimei));
        json_object_set_new(p, "shimei_kana", json_string(f->kana));
        json_object_set_new(p, "alpha_name", json_string(f->alpha));
        json_object_set_new(p, "nationality", json_string(f->nationality));
        bool special = strcmp(f->nationality, "韓国") == 0 && chance(&g->rng, 700000);
        json_object_set_new(p, "zairyu_kubun", json_string(special ? "特別永住者" : "中長期在留者"));
        char card[13];
        snprintf(card, sizeof card, "%c%c%08d%c%c", 'A' + below(&g->rng, 26),
                 'A' + below(&g->rng, 26), below(&g->rng, 100000000), 'A' + below(&g->rng, 26),
                 'A' + below(&g->rng, 26));
        json_object_set_new(p, "zairyu_card", json_string(card));
        if (!special) {
            json_object_set_new(p, "zairyu_shikaku",
                                json_string(shikaku[below(&g->rng, (int)(sizeof shikaku /
                                                                         sizeof shikaku[0]))]));
            json_object_set_new(p, "zairyu_kikan", json_string("3年"));
            char expiry[11];
            iso_of(today_days(g->o->today) + between(&g->rng, 100, 1000), expiry);
            json_object_set_new(p, "zairyu_expiry", json_string(expiry));
        }
    } else {
        const struct name *n = given(g, sex, birth_days);
        snprintf(buf, sizeof buf, "%s %s", surname, n->kanji);
        snprintf(kana, sizeof kana, "%s %s", surname_kana, n->kana);
        json_object_set_new(p, "kind", json_string("japanese"));
        json_object_set_new(p, "shimei", json_string(buf));
        json_object_set_new(p, "shimei_kana", json_string(kana));
        snprintf(buf, sizeof buf, "群馬県吾妻郡%s%s%d番地", g->o->town_name,
                 g->oaza[below(&g->rng, g->noaza)].name, between(&g->rng, 1, 3500));
        json_object_set_new(p, "honseki", json_string(buf));
    }
    json_object_set_new(p, "birth", json_string(date));
    json_object_set_new(p, "sex", json_integer(sex));
    json_object_set_new(p, "zokugara", json_string(zokugara));
    char number[13];
    random_number(g, number, 12);
    json_object_set_new(p, "kojin_bango", json_string(number));
    random_number(g, number, 11);
    json_object_set_new(p, "jumin_code", json_string(number));
    return p;
}

static int add_household(struct gen *g, const char *setai)
{
    if (g->nhh == g->hhcap) {
        int cap = g->hhcap ? g->hhcap * 2 : 1024;
        struct household *nh = realloc(g->hh, (size_t)cap * sizeof *nh);
        if (!nh)
            return -1;
        g->hh = nh;
        g->hhcap = cap;
    }
    struct household *h = &g->hh[g->nhh];
    snprintf(h->setai, sizeof h->setai, "%s", setai);
    h->first = -1;
    return g->nhh++;
}

/* A new resident, member of household hh. Pointers into g->p do not
 * survive this call. */
static struct person *add_person(struct gen *g, int hh)
{
    if (g->count == g->cap) {
        int cap = g->cap ? g->cap * 2 : 4096;
        struct person *np = realloc(g->p, (size_t)cap * sizeof *np);
        if (!np)
            return NULL;
        g->p = np;
        g->cap = cap;
    }
    struct person *p = &g->p[g->count];
    memset(p, 0, sizeof *p);
    p->hh = hh;
    p->next = g->hh[hh].first;
    p->here = true;
    g->hh[hh].first = g->count++;
    g->here++;
    return p;
}

/* Records body; on success the model learns the new persons (in the order of
 * persons[]) and the new household. */
static int record(struct gen *g, json_t *body, struct idou_result *res, struct kd_err *err)
{
    /* Recorded as a clerk would have: during office hours on the 異動日
     * (09:00-17:00 in Japan), always after the one before, never later
     * than a minute before now — so that the register read "as known now"
     * is the whole register. */
    int64_t at = g->clock + 1;
    const char *date = json_string_value(json_object_get(body, "idou_date"));
    int64_t day_ms;
    if (date && clock_parse_iso(date, strlen(date), &day_ms)) {
        int64_t office = day_ms + (int64_t)below(&g->rng, 8 * 3600) * 1000; /* 00:00Z = 09:00 JST */
        if (office > at)
            at = office;
    }
    if (at > g->o->now_ms - 60000 && g->clock + 1 <= g->o->now_ms - 60000)
        at = g->o->now_ms - 60000;
    g->clock = at;
    struct idou_actor who = {"demo", "demo-synth", at, g->o->today};
    int rc = residents_record_idou(g->town, body, &who, res, g->a, err);
    if (rc == 0)
        g->st->events++;
    return rc;
}

static json_t *event(const char *kind, const char *date)
{
    json_t *b = json_object();
    json_object_set_new(b, "kind", json_string(kind));
    json_object_set_new(b, "idou_date", json_string(date));
    json_object_set_new(b, "todoke_date", json_string(date));
    return b;
}

/* Makes a household: returns 0, or -1. kind: the 記載 event. */
static int make_household(struct gen *g, const char *kind, int on_days, struct kd_err *err)
{
    arena_release(g->a); /* the previous change's scratch */
    char date[11];
    iso_of(on_days, date);
    json_t *b = event(kind, date);
    json_t *persons = json_array();
    json_t *changes = json_object();
    address(g, changes, strcmp(kind, "shokken_kisai") != 0);
    json_object_set_new(b, "changes", changes);
    const struct name *sn = &surnames[below(&g->rng, (int)(sizeof surnames / sizeof surnames[0]))];
    int shape = below(&g->rng, 100);
    bool foreign = chance(&g->rng, 18000) && strcmp(kind, "shokken_kisai") != 0 ? true
                   : chance(&g->rng, 8000);
    int year = 365;
    struct meta {
        int sex, birth;
    } m[8];
    int n = 0;
    const char *zoku[8];
    if (foreign) {
        const struct foreign_name *f =
            &foreigners[below(&g->rng, (int)(sizeof foreigners / sizeof foreigners[0]))];
        int birth = on_days - between(&g->rng, 20, 45) * year - below(&g->rng, year);
        json_array_append_new(persons, new_person(g, NULL, NULL, f->sex, birth, "世帯主", f));
        m[n++] = (struct meta){f->sex, birth};
        zoku[0] = "世帯主";
    } else {
        int head_sex = chance(&g->rng, 820000) ? 1 : 2;
        int head_age = shape < 20   ? between(&g->rng, 65, 95)
                       : shape < 30 ? between(&g->rng, 20, 45)
                       : shape < 50 ? between(&g->rng, 60, 90)
                       : shape < 80 ? between(&g->rng, 28, 55)
                       : shape < 92 ? between(&g->rng, 35, 55)
                                    : between(&g->rng, 24, 40);
        int head_birth = on_days - head_age * year - below(&g->rng, year);
        m[n] = (struct meta){head_sex, head_birth};
        zoku[n++] = "世帯主";
        bool spouse = shape >= 30 && !(shape < 30);
        if (spouse && (shape < 50 || chance(&g->rng, 900000))) {
            int s_birth = head_birth + between(&g->rng, -5, 5) * year;
            m[n] = (struct meta){3 - head_sex, s_birth};
            zoku[n++] = head_sex == 1 ? "妻" : "夫";
        }
        if (shape >= 50 && shape < 92) {
            int kids = between(&g->rng, 1, 3);
            int mother_birth = head_sex == 2 ? head_birth : (n > 1 ? m[1].birth : head_birth);
            for (int k = 0; k < kids; k++) {
                int kb = mother_birth + between(&g->rng, 24, 40) * year + below(&g->rng, year);
                if (kb > on_days - 30)
                    continue;
                m[n] = (struct meta){between(&g->rng, 1, 2), kb};
                zoku[n++] = "子";
            }
        }
        if (shape >= 80 && shape < 92) {
            int parents = between(&g->rng, 1, 2);
            for (int k = 0; k < parents && n < 7; k++) {
                int pb = head_birth - between(&g->rng, 24, 35) * year;
                if (on_days - pb > 98 * year)
                    continue;
                m[n] = (struct meta){k == 0 ? 2 : 1, pb};
                zoku[n++] = k == 0 ? "母" : "父";
            }
        }
        for (int k = 0; k < n; k++)
            json_array_append_new(persons, new_person(g, sn->kanji, sn->kana, m[k].sex,
                                                      m[k].birth, zoku[k], NULL));
    }
    /* Initial records: people who had long lived in the town. */
    if (strcmp(kind, "shokken_kisai") == 0) {
        size_t i;
        json_t *p;
        json_array_foreach(persons, i, p) {
            char since[11];
            int from = m[i].birth + below(&g->rng, on_days - m[i].birth + 1);
            iso_of(from, since);
            json_object_set_new(p, "became_resident", json_string(since));
            json_object_set_new(p, "address_fixed", json_string(since));
        }
        json_object_set_new(b, "note", json_string("移行時点の住民（デモ）"));
    }
    json_object_set_new(b, "persons", persons);
    struct idou_result res;
    int rc = record(g, b, &res, err);
    json_decref(b);
    if (rc < 0)
        return -1;
    int hh = add_household(g, res.new_setai);
    if (hh < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int i = 0; i < res.count; i++) {
        struct person *p = add_person(g, hh);
        if (!p)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        snprintf(p->atena, sizeof p->atena, "%s", res.atena[i]);
        snprintf(p->zokugara, sizeof p->zokugara, "%s", zoku[i]);
        p->birth_days = m[i].birth;
        p->sex = m[i].sex;
        p->foreign = foreign;
    }
    g->st->households++;
    return 0;
}

/* The residents of a household now (indexes into g->p). */
static int members(struct gen *g, int hh, int *out, int max)
{
    int n = 0;
    for (int i = g->hh[hh].first; i >= 0 && n < max; i = g->p[i].next)
        if (g->p[i].here)
            out[n++] = i;
    return n;
}

static json_t *subjects_of(struct gen *g, const int *idx, int n)
{
    json_t *s = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "atena", json_string(g->p[idx[i]].atena));
        json_array_append_new(s, o);
    }
    return s;
}

static int move_out(struct gen *g, const int *idx, int n, int on_days, struct kd_err *err)
{
    arena_release(g->a); /* the previous change's scratch */
    char date[11];
    iso_of(on_days, date);
    json_t *b = event("kokunai_tenshutsu", date);
    json_object_set_new(b, "subjects", subjects_of(g, idx, n));
    json_t *c = json_object();
    json_object_set_new(
        c, "dest_address",
        json_string(elsewhere[below(&g->rng, (int)(sizeof elsewhere / sizeof elsewhere[0]))]));
    json_object_set_new(b, "changes", c);
    struct idou_result res;
    int rc = record(g, b, &res, err);
    json_decref(b);
    if (rc < 0)
        return -1;
    for (int i = 0; i < n; i++)
        g->p[idx[i]].here = false;
    g->here -= n;
    g->st->moves_out++;
    return 0;
}

/* A head's death: the spouse becomes 世帯主 first when others remain. */
static int die(struct gen *g, int who, int on_days, struct kd_err *err)
{
    arena_release(g->a); /* the previous change's scratch */
    char date[11];
    iso_of(on_days, date);
    struct person *d = &g->p[who];
    int idx[16];
    int n = members(g, d->hh, idx, 16);
    if (strcmp(d->zokugara, "世帯主") == 0 && n > 1) {
        int spouse = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(g->p[idx[i]].zokugara, "妻") == 0 || strcmp(g->p[idx[i]].zokugara, "夫") == 0)
                spouse = idx[i];
        if (spouse < 0)
            return 0; /* keep the model simple: no death this time */
        json_t *b = event("setainushi_henko", date);
        json_t *s = json_array();
        const char *in_law = d->sex == 1 ? "夫の" : "妻の";
        for (int i = 0; i < n; i++) {
            struct person *p = &g->p[idx[i]];
            char z[24];
            if (idx[i] == spouse)
                snprintf(z, sizeof z, "世帯主");
            else if (idx[i] == who)
                snprintf(z, sizeof z, "%s", d->sex == 1 ? "夫" : "妻");
            else if (strcmp(p->zokugara, "父") == 0 || strcmp(p->zokugara, "母") == 0)
                snprintf(z, sizeof z, "%s%s", in_law, p->zokugara);
            else if (strcmp(p->zokugara, "子") == 0 || strncmp(p->zokugara, "子の", 6) == 0)
                snprintf(z, sizeof z, "%s", p->zokugara);
            else
                snprintf(z, sizeof z, "縁故者");
            snprintf(p->zokugara, sizeof p->zokugara, "%s", z);
            json_t *o = json_object();
            json_object_set_new(o, "atena", json_string(p->atena));
            json_object_set_new(o, "zokugara", json_string(z));
            json_array_append_new(s, o);
        }
        json_object_set_new(b, "subjects", s);
        struct idou_result res;
        int rc = record(g, b, &res, err);
        json_decref(b);
        if (rc < 0)
            return -1;
    }
    json_t *b = event("shibou", date);
    json_object_set_new(b, "subjects", subjects_of(g, &who, 1));
    struct idou_result res;
    int rc = record(g, b, &res, err);
    json_decref(b);
    if (rc < 0)
        return -1;
    d->here = false;
    g->here--;
    g->st->deaths++;
    return 0;
}

static int birth(struct gen *g, int mother, int on_days, struct kd_err *err)
{
    arena_release(g->a); /* the previous change's scratch */
    char date[11];
    iso_of(on_days, date);
    struct person *m = &g->p[mother];
    json_t *b = event("shussei", date);
    int hh = m->hh;
    json_object_set_new(b, "setai", json_string(g->hh[hh].setai));
    json_t *persons = json_array();
    int sex = between(&g->rng, 1, 2);
    /* The child takes the household's name: the head's surname. */
    int idx[16];
    int n = members(g, hh, idx, 16);
    const char *surname = "山田", *kana = "ヤマダ";
    struct record head;
    struct kd_err e2;
    for (int i = 0; i < n; i++) {
        if (strcmp(g->p[idx[i]].zokugara, "世帯主") == 0 &&
            residents_person_as_of(g->town, g->p[idx[i]].atena, date, 0, &head, g->a, &e2) == 0) {
            const char *sp = strchr(head.shimei, ' ');
            const char *kp = strchr(head.shimei_kana, ' ');
            if (sp && kp && !g->p[idx[i]].foreign) {
                surname = arena_strndup(g->a, head.shimei, (size_t)(sp - head.shimei));
                kana = arena_strndup(g->a, head.shimei_kana, (size_t)(kp - head.shimei_kana));
            }
        }
    }
    json_t *p = new_person(g, surname, kana, sex, on_days, "子", NULL);
    json_object_del(p, "birth"); /* 出生: the 異動日 is the date of birth */
    json_array_append_new(persons, p);
    json_object_set_new(b, "persons", persons);
    struct idou_result res;
    int rc = record(g, b, &res, err);
    json_decref(b);
    if (rc < 0)
        return -1;
    struct person *c = add_person(g, hh);
    if (!c)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    snprintf(c->atena, sizeof c->atena, "%s", res.atena[0]);
    snprintf(c->zokugara, sizeof c->zokugara, "子");
    c->birth_days = on_days;
    c->sex = sex;
    g->st->births++;
    return 0;
}

static int move_within(struct gen *g, int hh, int on_days, struct kd_err *err)
{
    arena_release(g->a); /* the previous change's scratch */
    int idx[16];
    int n = members(g, hh, idx, 16);
    if (n == 0)
        return 0;
    char date[11];
    iso_of(on_days, date);
    json_t *b = event("tenkyo", date);
    json_object_set_new(b, "subjects", subjects_of(g, idx, n));
    json_t *c = json_object();
    address(g, c, false);
    json_object_set_new(b, "changes", c);
    struct idou_result res;
    int rc = record(g, b, &res, err);
    json_decref(b);
    if (rc == 0)
        g->st->moves_within++;
    return rc;
}

/* Death rate per million per year by age: a rough curve. */
static int death_rate(int age)
{
    return age < 40 ? 600 : age < 60 ? 3000 : age < 70 ? 9000 : age < 80 ? 25000
           : age < 90 ? 80000 : 200000;
}

/* One year: each change on its own day, in date order. */
static int simulate_year(struct gen *g, int from, int to, struct kd_err *err)
{
    for (int day = from; day < to; day += 7) {
        int week_end = day + 7 < to ? day + 7 : to;
        int on = day + below(&g->rng, week_end - day);
        int count = g->count;
        for (int i = 0; i < count; i++) {
            struct person *p = &g->p[i];
            if (!p->here)
                continue;
            int age = age_on(p, on);
            /* Weekly probabilities from yearly rates (per million / 52). */
            if (chance(&g->rng, death_rate(age) / 52)) {
                if (die(g, i, on, err) < 0)
                    return -1;
                continue;
            }
            bool mother = p->sex == 2 && age >= 20 && age <= 42 && !p->foreign &&
                          (strcmp(p->zokugara, "妻") == 0 || strcmp(p->zokugara, "世帯主") == 0);
            if (mother && chance(&g->rng, 60000 / 52)) {
                if (birth(g, i, on, err) < 0)
                    return -1;
                continue;
            }
            /* Young adults leave home (for study or work). */
            if (strcmp(g->p[i].zokugara, "子") == 0 && age >= 18 && age <= 26 &&
                chance(&g->rng, 120000 / 52)) {
                if (move_out(g, &i, 1, on, err) < 0)
                    return -1;
                continue;
            }
            if (strcmp(g->p[i].zokugara, "世帯主") == 0) {
                if (chance(&g->rng, 12000 / 52)) {
                    int idx[16];
                    int n = members(g, g->p[i].hh, idx, 16);
                    if (move_out(g, idx, n, on, err) < 0)
                        return -1;
                } else if (chance(&g->rng, 15000 / 52)) {
                    if (move_within(g, g->p[i].hh, on, err) < 0)
                        return -1;
                }
            }
        }
        /* New households arrive. */
        int arrivals = below(&g->rng, 1 + g->o->residents / 2600);
        for (int k = 0; k < arrivals; k++) {
            if (make_household(g, "kokunai_tennyu", on, err) < 0)
                return -1;
            g->st->moves_in++;
        }
    }
    return 0;
}

int residents_register_empty(struct store *town, bool *empty, struct kd_err *err)
{
    struct store_stmt *q = store_prepare(town, "SELECT NOT EXISTS (SELECT 1 FROM idou)", err);
    if (!q)
        return -1;
    enum store_step r = store_step(q, err);
    if (r == STORE_ROW)
        *empty = store_col_i64(q, 0) != 0;
    store_reset(q);
    return r == STORE_ROW ? 0 : -1;
}

int residents_synthesize(struct store *town, const struct synth_options *o,
                         struct synth_stats *st, struct kd_err *err)
{
    memset(st, 0, sizeof *st);
    if (o->residents < 1)
        return kd_fail(err, KD_INVALID_VALUE, "residents", "at least one resident is needed");
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)1 << 30);
    struct gen g = {.town = town, .o = o, .st = st, .rng = {o->seed}, .a = &a,
                    .clock = 0};
    g.oaza = generic;
    g.noaza = 2;
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        if (strcmp(places[i].code, o->town_code) == 0) {
            g.oaza = places[i].oaza;
            g.noaza = 0;
            while (g.noaza < 8 && places[i].oaza[g.noaza].name)
                g.noaza++;
        }
    }
    int start = today_days(o->start), end = today_days(o->today);
    if (start >= end - 120)
        return kd_fail(err, KD_INVALID_VALUE, "start",
                       "the history must begin at least 120 days before today");
    int rc = store_begin_write(town, err);
    bool empty = false;
    if (rc == 0 && (rc = residents_register_empty(town, &empty, err)) == 0 && !empty)
        rc = kd_fail(err, KD_CONFLICT, NULL,
                     "the register already has entries: synthetic residents go only into an "
                     "empty register");
    /* The town as it was when its register began. */
    while (rc == 0 && g.here < o->residents)
        rc = make_household(&g, "shokken_kisai", start, err);
    /* Years of life. */
    for (int y = start + 1; rc == 0 && y < end - 120; y += 365) {
        int to = y + 365 < end - 120 ? y + 365 : end - 120;
        rc = simulate_year(&g, y, to, err);
    }
    /* The last months bring the count to the target exactly. */
    int guard = 0, on = end - 110;
    while (rc == 0 && g.here != o->residents && guard++ < 100000) {
        if (on < end && chance(&g.rng, 50000))
            on++; /* dates only move forward: no one leaves before arriving */
        if (g.here < o->residents) {
            rc = make_household(&g, "kokunai_tennyu", on, err);
            st->moves_in++;
            if (rc == 0 && g.here > o->residents) {
                /* Overshot: the last household's youngest leave again. */
                continue;
            }
        } else {
            /* Someone living alone, or a whole small household, moves out. */
            int excess = g.here - o->residents;
            for (int i = g.count - 1; i >= 0; i--) {
                if (!g.p[i].here || strcmp(g.p[i].zokugara, "世帯主") != 0)
                    continue;
                int idx[16];
                int n = members(&g, g.p[i].hh, idx, 16);
                if (n <= excess) {
                    rc = move_out(&g, idx, n, on, err);
                    break;
                }
            }
        }
    }
    for (int i = 0; i < g.count; i++) {
        st->residents += g.p[i].here;
        st->removed += !g.p[i].here;
        st->foreign += g.p[i].here && g.p[i].foreign;
    }
    free(g.p);
    free(g.hh);
    arena_release(&a);
    if (rc < 0) {
        store_rollback(town);
        return -1;
    }
    return store_commit(town, err);
}
