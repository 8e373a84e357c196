//! What a scale run reads off the process and the database: the peak resident memory (from
//! /proc, reset between runs) and the size of the database.

use crate::store::{Backend, Store, StoreResult};

/// Resets the kernel's peak-RSS mark of this process to its current RSS, so the next
/// [`peak_rss_bytes`] covers only what follows. Linux only; elsewhere a no-op.
pub fn reset_peak_rss() {
    // "5" clears the high-water mark (proc(5), /proc/pid/clear_refs).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident memory of this process since start or the last [`reset_peak_rss`]
/// (`VmHWM`); `None` where /proc does not tell.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The bytes the database takes: the SQLite file with its write-ahead log, or PostgreSQL's
/// `pg_database_size`.
pub async fn database_bytes(
    store: &Store,
    sqlite_file: Option<&std::path::Path>,
) -> StoreResult<Option<u64>> {
    match store.backend() {
        Backend::Sqlite => Ok(sqlite_file.map(|file| {
            let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
            let mut wal = file.as_os_str().to_owned();
            wal.push("-wal");
            size(file) + size(std::path::Path::new(&wal))
        })),
        Backend::Postgres => {
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(store.pool())
                .await?;
            Ok(u64::try_from(bytes).ok())
        }
    }
}

/// The machine in one line (cores and CPU model), for printed figures.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}
