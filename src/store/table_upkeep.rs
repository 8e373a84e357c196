//! Does for PostgreSQL what autovacuum would, where it does not run: analyzes tables whose
//! planner statistics are stale and vacuums tables full of dead rows.
//!
//! The risk lists and the escalation window join tables that start empty and fill within
//! days. Without statistics PostgreSQL believes each holds a row or two and plans nested
//! loops over whole tables: with autovacuum off, a school of 10,000 wpbs spent more than five
//! minutes on its second Monday's list of unanswered prompts, 55 ms once analyzed.
//! Every outbox row is updated twice on its way out (claimed, then sent), and the claim's
//! index keeps an entry for each old version until a vacuum, which every later claim reads
//! past (77 index pages to find one due row, once, at 10,000 wpbs).

use sqlx::{AssertSqlSafe, FromRow};

use super::{Backend, Store, StoreResult};

/// The tables past autovacuum's default thresholds, by anyone's last run: a vacuum at 50
/// dead rows and a fifth of the table, an analyze at 50 changed rows and a tenth. Names are
/// quoted for the statements by `format('%I')`.
const DUE_TABLES: &str = "SELECT format('%I.%I', schemaname, relname) AS name,
         n_dead_tup > 50 + n_live_tup / 5 AS vacuum
     FROM pg_stat_user_tables
     WHERE schemaname = current_schema()
       AND (n_dead_tup > 50 + n_live_tup / 5 OR n_mod_since_analyze > 50 + n_live_tup / 10)
     ORDER BY relname";

#[derive(FromRow)]
struct DueTable {
    name: String,
    vacuum: bool,
}

/// What one round of upkeep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableUpkeep {
    /// Tables vacuumed (and analyzed with it).
    pub vacuumed: Vec<String>,
    /// Tables only analyzed.
    pub analyzed: Vec<String>,
}

impl TableUpkeep {
    /// True when no table needed anything.
    pub fn is_empty(&self) -> bool {
        self.vacuumed.is_empty() && self.analyzed.is_empty()
    }
}

impl Store {
    /// Vacuums the tables with many dead rows and analyzes those with stale statistics
    /// (PostgreSQL; SQLite plans from its indexes and reuses free pages by itself). Where
    /// autovacuum runs, it has mostly done this already and the call finds little.
    pub async fn upkeep_tables(&self) -> StoreResult<TableUpkeep> {
        let mut done = TableUpkeep::default();
        if self.backend != Backend::Postgres {
            return Ok(done);
        }
        let due: Vec<DueTable> = sqlx::query_as(DUE_TABLES).fetch_all(&self.pool).await?;
        for table in due {
            match table.vacuum {
                true => done.vacuumed.push(table.name),
                false => done.analyzed.push(table.name),
            }
        }
        // VACUUM refuses a transaction block, so both go as plain simple-protocol statements.
        for (statement, tables) in [
            ("VACUUM (ANALYZE)", &done.vacuumed),
            ("ANALYZE", &done.analyzed),
        ] {
            if !tables.is_empty() {
                let sql = format!("{statement} {}", tables.join(", "));
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(done)
    }

    /// Copies SQLite's write-ahead log back into the database file, as far as no reader
    /// needs it (a passive checkpoint: it waits for nobody). The busy ticks leave this to
    /// the idle ones, so a fan-out's sends do not wait on it (see `SQLITE_SETTINGS`). No-op
    /// on PostgreSQL, which checkpoints by itself.
    pub async fn checkpoint_wal(&self) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}
