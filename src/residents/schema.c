/*
 * schema.c — the resident register's tables (town database, scope
 * "residents"). docs/residents.md explains the model.
 */
#include "residents/residents.h"

static const struct store_migration steps[] = {
    {1,
     /* Serial numbers (宛名番号, 世帯番号) issued so far. */
     "CREATE TABLE serials (name TEXT PRIMARY KEY, next INTEGER NOT NULL) STRICT;"
     /* Every person or corporation the town deals with (宛名). */
     "CREATE TABLE addressees ("
     " atena TEXT PRIMARY KEY,"
     " kind TEXT NOT NULL CHECK (kind IN ('resident', 'nonresident', 'corporation')),"
     " created_at TEXT NOT NULL"
     ") STRICT;"
     /* 異動: append-only. target: the event a 誤記修正 or 取消し is about. */
     "CREATE TABLE idou ("
     " id INTEGER PRIMARY KEY,"
     " kind TEXT NOT NULL,"
     " idou_date TEXT NOT NULL,"
     " idou_date_text TEXT NOT NULL DEFAULT '',"
     " todoke_date TEXT NOT NULL DEFAULT '',"
     " recorded_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " target INTEGER REFERENCES idou (id),"
     " body TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX idou_by_target ON idou (target) WHERE target IS NOT NULL;"
     "CREATE TABLE idou_subjects ("
     " idou_id INTEGER NOT NULL REFERENCES idou (id),"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " PRIMARY KEY (idou_id, atena)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX idou_subjects_by_atena ON idou_subjects (atena, idou_id);"
     /* Full snapshots, append-only: (宛名番号, 履歴番号). */
     "CREATE TABLE resident_versions ("
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " rireki INTEGER NOT NULL,"
     " idou_id INTEGER NOT NULL REFERENCES idou (id),"
     " valid_from TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL" RECORD_DDL_SQL ","
     " PRIMARY KEY (atena, rireki)"
     ") STRICT;"
     "CREATE INDEX versions_by_setai ON resident_versions (setai, atena);"
     /* Snapshots no longer believed, and from when (recorded time). */
     "CREATE TABLE version_supersessions ("
     " atena TEXT NOT NULL,"
     " rireki INTEGER NOT NULL,"
     " superseded_at TEXT NOT NULL,"
     " by_idou INTEGER NOT NULL REFERENCES idou (id),"
     " PRIMARY KEY (atena, rireki),"
     " FOREIGN KEY (atena, rireki) REFERENCES resident_versions (atena, rireki)"
     ") STRICT, WITHOUT ROWID;"
     /* Each person's latest believed snapshot, for lists and search. */
     "CREATE TABLE resident_index ("
     " atena TEXT PRIMARY KEY REFERENCES addressees (atena),"
     " rireki INTEGER NOT NULL,"
     " setai TEXT NOT NULL,"
     " status TEXT NOT NULL,"
     " removal_date TEXT NOT NULL,"
     " shimei TEXT NOT NULL,"
     " shimei_kana TEXT NOT NULL,"
     " birth TEXT NOT NULL,"
     " address TEXT NOT NULL,"
     " jumin_code TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX index_by_setai ON resident_index (setai);"},
    {2,
     /* Search keys (engine/kana.h): each person's readings ('kana': 氏名,
      * 通称 and 旧氏 フリガナ) and names ('name': 氏名, 通称, 旧氏, alphabet),
      * folded for search; found by prefix. */
     "CREATE TABLE resident_keys ("
     " kind TEXT NOT NULL CHECK (kind IN ('kana', 'name')),"
     " key TEXT NOT NULL,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " PRIMARY KEY (kind, key, atena)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX resident_keys_by_atena ON resident_keys (atena);"
     "CREATE INDEX index_by_birth ON resident_index (birth, atena);"
     "CREATE INDEX index_by_jumin_code ON resident_index (jumin_code) WHERE jumin_code <> '';"},
    {3,
     /* Address keys ('addr': the address from its start and from its 大字
      * on, and the 方書), folded like names. The keys themselves are made
      * in C: residents_reindex() fills them in for people indexed before. */
     "CREATE TABLE resident_keys_v3 ("
     " kind TEXT NOT NULL CHECK (kind IN ('kana', 'name', 'addr')),"
     " key TEXT NOT NULL,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " PRIMARY KEY (kind, key, atena)"
     ") STRICT, WITHOUT ROWID;"
     "INSERT INTO resident_keys_v3 SELECT kind, key, atena FROM resident_keys;"
     "DROP TABLE resident_keys;"
     "ALTER TABLE resident_keys_v3 RENAME TO resident_keys;"
     "CREATE INDEX resident_keys_by_atena ON resident_keys (atena);"},
    {4,
     /* The register's events in one sequence, as the feed shows them: each
      * 異動 (written with it), and each age milestone (milestones.c). The
      * events so far keep their 異動 ids. */
     "CREATE TABLE register_events ("
     " id INTEGER PRIMARY KEY,"
     " source TEXT NOT NULL CHECK (source IN ('idou', 'age')),"
     " idou_id INTEGER REFERENCES idou (id),"
     " atena TEXT REFERENCES addressees (atena),"
     " age INTEGER,"
     " on_date TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL,"
     " CHECK ((source = 'idou') = (idou_id IS NOT NULL)),"
     " CHECK ((source = 'age') = (atena IS NOT NULL AND age IS NOT NULL))"
     ") STRICT;"
     "CREATE UNIQUE INDEX register_events_by_idou ON register_events (idou_id)"
     " WHERE idou_id IS NOT NULL;"
     "CREATE UNIQUE INDEX register_events_by_age ON register_events (atena, age)"
     " WHERE source = 'age';"
     "INSERT INTO register_events (id, source, idou_id, on_date, recorded_at)"
     " SELECT id, 'idou', id, idou_date, recorded_at FROM idou ORDER BY id;"
     /* The last day whose milestones are published. */
     "CREATE TABLE milestone_progress ("
     " id INTEGER PRIMARY KEY CHECK (id = 1),"
     " through TEXT NOT NULL"
     ") STRICT;"},
};

const struct store_schema residents_schema = {"residents", steps, sizeof steps / sizeof steps[0]};
