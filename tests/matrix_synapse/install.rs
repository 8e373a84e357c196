//! Installing Synapse once per target directory (see install.sh beside this).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The installer script, embedded so the module works wherever it is included.
pub const INSTALL_SH: &str = include_str!("install.sh");

/// Outcome of the one install attempt of this process.
pub type InstallResult = Result<PathBuf, String>;

static INSTALL: OnceLock<InstallResult> = OnceLock::new();

/// The venv directory: `$WANDELGANG_SYNAPSE_VENV`, else `<target>/synapse-venv`.
pub fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WANDELGANG_SYNAPSE_VENV").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    target_dir().join("synapse-venv")
}

/// The cargo target directory: an absolute `$CARGO_TARGET_DIR`, else derived
/// from the test binary's path (`<target>/[<triple>/]<profile>/deps/<bin>`).
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from)
        && dir.is_absolute()
    {
        return dir;
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut cur: &Path = &exe;
    while let Some(parent) = cur.parent() {
        if parent.file_name().is_some_and(|n| n == "deps") {
            // <profile>/deps -> <target> (or <target>/<triple>; fine too).
            if let Some(target) = parent.parent().and_then(Path::parent) {
                return target.to_path_buf();
            }
        }
        cur = parent;
    }
    std::env::temp_dir().join("wandelgang-target")
}

/// Python interpreter inside the venv.
pub fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// Installs (or finds the cached) Synapse venv; runs at most once per
/// process, other callers block until it is done.  Cross-process exclusion
/// is done by the script's lock directory.
pub fn ensure_installed() -> &'static InstallResult {
    INSTALL.get_or_init(|| {
        let venv = venv_dir();
        let started = std::time::Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(INSTALL_SH)
            .arg("install.sh")
            .arg(&venv)
            .stdin(std::process::Stdio::null())
            .output();
        match out {
            Err(e) => Err(format!("could not run sh: {e}")),
            Ok(out) => {
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                if out.status.success() {
                    let secs = started.elapsed().as_secs_f64();
                    if secs > 5.0 {
                        use std::io::Write as _;
                        let _ = writeln!(
                            std::io::stderr(),
                            "matrix_synapse: Synapse installed into {} in {secs:.1}s",
                            venv.display()
                        );
                    }
                    Ok(venv)
                } else {
                    Err(format!(
                        "install.sh {} failed with {}:\n{}",
                        venv.display(),
                        out.status,
                        tail(&text, 80)
                    ))
                }
            }
        }
    })
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
