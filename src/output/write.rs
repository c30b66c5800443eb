//! The one file writer: atomic (temporary file in the same folder, then
//! rename), so a crash or Ctrl-C never leaves half a file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::usage;

/// Fail with a usage error unless `path` can be created or replaced.
pub fn check_writable(flag: &str, path: &Path) -> Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(usage(format!(
            "{flag} needs a file path, e.g. {flag} {}",
            example(flag)
        )));
    }
    if let Ok(md) = std::fs::metadata(path)
        && !md.is_file()
    {
        return Err(usage(format!(
            "{flag} '{shown}' is not a regular file; give a file path, e.g. {flag} {}",
            example(flag)
        )));
    }
    if path.to_string_lossy().ends_with('/') {
        return Err(usage(format!(
            "{flag} '{shown}' is a folder; give a file path, e.g. {flag} {}",
            example(flag)
        )));
    }
    let dir = parent_dir(path);
    match std::fs::metadata(dir) {
        Ok(md) if md.is_dir() => {}
        _ => {
            return Err(usage(format!(
                "{flag} '{shown}': folder '{}' does not exist",
                dir.display()
            )));
        }
    }
    if nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(usage(format!(
            "{flag} '{shown}': folder '{}' is not writable",
            dir.display()
        )));
    }
    Ok(())
}

/// The file a path names, whatever way it is spelled (`a.json`,
/// `./a.json`, `dir/../a.json`): its folder resolved, plus its name.
pub fn identity(path: &Path) -> std::path::PathBuf {
    let dir = parent_dir(path);
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    match path.file_name() {
        Some(n) => dir.join(n),
        None => dir,
    }
}

/// A good value to show for an output flag.
fn example(flag: &str) -> &'static str {
    match flag {
        "--json" => "out.json",
        "--plot" => "chart.svg",
        _ => "out.csv",
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Write `bytes` to `path` atomically.
pub fn atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.memlab-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.csv");
        atomic(&p, b"one").unwrap();
        atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn folders_and_missing_parents_are_refused() {
        let d = tempfile::tempdir().unwrap();
        assert!(check_writable("--csv", d.path()).is_err());
        assert!(check_writable("--csv", &d.path().join("no/such/x.csv")).is_err());
        assert!(check_writable("--csv", &d.path().join("x.csv")).is_ok());
    }
}
