//! Finding the manifest: `--manifest`, else `SECRETARY_MANIFEST`, else `secrets.toml` in
//! the working directory or its nearest parent.

use std::path::Path;

use super::Manifest;
use crate::{Error, Variables};

/// The file name looked for when no manifest is given.
pub const FILE_NAME: &str = "secrets.toml";

/// The variable that names the manifest when none is given explicitly.
pub const MANIFEST_VARIABLE: &str = "SECRETARY_MANIFEST";

impl Manifest {
    /// Finds and loads the manifest: `explicit` (the caller's choice) first, then the
    /// `SECRETARY_MANIFEST` variable, then `secrets.toml` in `cwd` or its nearest parent.
    pub fn discover(explicit: Option<&Path>, vars: &Variables, cwd: &Path) -> Result<Self, Error> {
        let path = if let Some(path) = explicit {
            cwd.join(path)
        } else if let Some(path) = vars.get(MANIFEST_VARIABLE).filter(|p| !p.is_empty()) {
            cwd.join(path)
        } else {
            cwd.ancestors()
                .map(|dir| dir.join(FILE_NAME))
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| Error::ManifestNotFound {
                    start: cwd.to_path_buf(),
                })?
        };
        let mut manifest = Self::load(&path)?;
        // Everything secretary prints names paths as the user would type them from `cwd`.
        manifest.shown_dir = crate::file::shown_from(&manifest.dir, cwd);
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "version = 1\n[secrets.api_key]\ndescription = \"x\"\n";

    #[test]
    fn discovery_walks_up_and_honours_the_variable() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(FILE_NAME), MINIMAL).unwrap();
        let deep = root.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let found = Manifest::discover(None, &Variables::default(), &deep).unwrap();
        assert_eq!(found.path(), root.path().join(FILE_NAME));

        let other = root.path().join("other.toml");
        std::fs::write(&other, MINIMAL).unwrap();
        let vars = Variables::from_pairs([(MANIFEST_VARIABLE, other.as_os_str())]);
        assert_eq!(
            Manifest::discover(None, &vars, &deep).unwrap().path(),
            other
        );

        let empty = tempfile::tempdir().unwrap();
        let error = Manifest::discover(None, &Variables::default(), empty.path()).unwrap_err();
        assert!(matches!(error, Error::ManifestNotFound { .. }));
    }
}
