//! Keeps PostgreSQL's planner statistics current where autovacuum does not.
//!
//! The risk lists and the escalation window join tables that start empty and fill within
//! days. Without statistics PostgreSQL believes each holds a row or two and plans nested
//! loops over whole tables: with autovacuum off, a school of 10,000 wpbs spent more than five
//! minutes on its second Monday's list of unanswered prompts, 55 ms once analyzed.

use sqlx::AssertSqlSafe;

use super::{Backend, Store, StoreResult};

/// The tables changed by more than autovacuum's default analyze threshold (50 rows and a
/// tenth of the table) since they were last analyzed, by anyone; names quoted for `ANALYZE`.
const STALE_TABLES: &str = "SELECT format('%I.%I', schemaname, relname) AS name
     FROM pg_stat_user_tables
     WHERE schemaname = current_schema() AND n_mod_since_analyze > 50 + n_live_tup / 10
     ORDER BY relname";

impl Store {
    /// Analyzes the tables whose statistics are stale (PostgreSQL; SQLite plans from its
    /// indexes and needs none). Where autovacuum runs, it has mostly done this already and
    /// the call finds nothing. Returns the tables analyzed.
    pub async fn refresh_planner_statistics(&self) -> StoreResult<Vec<String>> {
        if self.backend != Backend::Postgres {
            return Ok(Vec::new());
        }
        let stale: Vec<String> = sqlx::query_scalar(STALE_TABLES)
            .fetch_all(&self.pool)
            .await?;
        if !stale.is_empty() {
            // The names come from the catalogue, quoted by `format('%I')`.
            let analyze = format!("ANALYZE {}", stale.join(", "));
            sqlx::query(AssertSqlSafe(analyze))
                .execute(&self.pool)
                .await?;
        }
        Ok(stale)
    }
}
