//! Caps glibc's malloc arenas for the whole process.
//!
//! glibc gives threads that allocate at the same time arenas of their own, up to eight per
//! core, and returns little of an arena's freed memory to the system. The bot's threads (the
//! async runtime's workers and one per pooled SQLite connection) each touch the heap, so a
//! region's school (`bench scale --wpbs 10000`) peaked at 78 MiB resident with the default
//! and at 60 MiB with two arenas, at the same speed within the machine's spread.

/// Arenas when the operator has not chosen: few enough to keep freed memory reusable
/// across threads, more than one so that threads rarely wait on each other's allocations.
const ARENAS: i32 = 2;

/// Caps the arenas at [`ARENAS`], unless `MALLOC_ARENA_MAX` in the environment already
/// chose (glibc reads that itself at start). Call first in `main`, before any thread starts:
/// a thread keeps the arena it first allocated in. A no-op outside glibc.
pub fn limit() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator; it is called before any other
    // thread exists, and a refused value (return 0) leaves glibc's default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
