//! The SQLite and PostgreSQL migration folders describe one schema: after migrating, both
//! databases have the same tables, the same columns in each, and the same named indexes.
//! Types differ by dialect (INTEGER/BIGINT, TEXT/TIMESTAMPTZ) and are not compared.

use std::collections::BTreeSet;

use crate::support::TestDb;
use wandelgang::store::Store;

/// `table.column` for every column, and `index on table` for every index made by a migration
/// (not the ones a database makes by itself for keys and UNIQUE constraints).
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    columns: BTreeSet<String>,
    indexes: BTreeSet<String>,
}

const SQLITE_COLUMNS: &str =
    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'";
const SQLITE_INDEXES: &str = "SELECT name, tbl_name FROM sqlite_master
     WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE '_sqlx%'";
const POSTGRES_COLUMNS: &str =
    "SELECT table_name::text, column_name::text FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'";
const POSTGRES_INDEXES: &str = "SELECT i.relname::text, t.relname::text FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = current_schema() AND t.relname NOT LIKE '\\_sqlx%'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)";

async fn pairs(store: &Store, sql: &str) -> Vec<(String, String)> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn schema(store: &Store, columns: &str, indexes: &str) -> Schema {
    Schema {
        columns: pairs(store, columns)
            .await
            .into_iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect(),
        indexes: pairs(store, indexes)
            .await
            .into_iter()
            .map(|(i, t)| format!("{i} on {t}"))
            .collect(),
    }
}

#[tokio::test]
async fn both_migration_folders_give_the_same_tables_columns_and_indexes() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let sqlite = TestDb::sqlite();
    let lite = schema(&sqlite.store().await, SQLITE_COLUMNS, SQLITE_INDEXES).await;
    let post = schema(&pg.store().await, POSTGRES_COLUMNS, POSTGRES_INDEXES).await;
    // A check that finds nothing proves nothing: the core tables must be there.
    for column in [
        "people.id",
        "outbox.key",
        "klik_signals.value",
        "chat_state.key",
    ] {
        assert!(lite.columns.contains(column), "{column} missing: {lite:?}");
    }
    assert!(!lite.indexes.is_empty(), "no index read from SQLite");
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    assert!(
        lite.columns == post.columns,
        "columns only in SQLite: {:?}; only in PostgreSQL: {:?}",
        only(&lite.columns, &post.columns),
        only(&post.columns, &lite.columns)
    );
    assert!(
        lite.indexes == post.indexes,
        "indexes only in SQLite: {:?}; only in PostgreSQL: {:?}",
        only(&lite.indexes, &post.indexes),
        only(&post.indexes, &lite.indexes)
    );
}
