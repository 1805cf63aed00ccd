//! What the secrets of one resolution have read beyond the places the manifest names:
//! the value a `.env` line was expanded from, the file a link leads to. Each such thing
//! may give one secret its value. Two secrets reading one value by two roads would each
//! put their own question to it (a `pattern` that tests one character, say), and their
//! verdicts would spell it out: the manifest's one-place rule sees only places as
//! written, and these roads are found only when the sources read (an eighth and a ninth
//! adversarial pass: `${DB_PASSWORD}` expanded in 756 `.env` sources, and 756 committed
//! links to one mounted secret file).
//!
//! One [`Claims`] lives as long as one resolution (every source of the environment's
//! chain, in order), in its [`Context`](super::Context).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The claims of one resolution, each with the first secret that made it.
#[derive(Debug, Default)]
pub(crate) struct Claims(Mutex<HashMap<Claim, String>>);

/// Something a secret's value came from, beyond the place the manifest names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Claim {
    /// The name a `.env` value was built from by `${...}` expansion (through any number
    /// of lines, files and `.env` sources).
    Expansion(String),
    /// A file, by device and inode: every link to it is the same file.
    File {
        /// The device it is on.
        device: u64,
        /// Its inode there.
        inode: u64,
    },
}

impl Claims {
    /// Records that the secret `key` read each of `claims`, unless another secret
    /// claimed one of them first: then nothing is recorded, and the index of that claim
    /// among `claims` is given with the secret that made it. A secret may claim again
    /// what it claimed.
    pub(crate) fn claim(&self, key: &str, claims: &[Claim]) -> Result<(), (usize, String)> {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (index, claim) in claims.iter().enumerate() {
            if let Some(first) = held.get(claim).filter(|first| *first != key) {
                return Err((index, first.clone()));
            }
        }
        for claim in claims {
            held.entry(claim.clone()).or_insert_with(|| key.to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_the_first_secrets_and_a_refused_one_records_nothing() {
        let claims = Claims::default();
        let name = |n: &str| Claim::Expansion(n.to_owned());
        assert_eq!(claims.claim("a", &[name("X")]), Ok(()));
        assert_eq!(claims.claim("a", &[name("X")]), Ok(()));
        assert_eq!(
            claims.claim("b", &[name("Y"), name("X")]),
            Err((1, "a".to_owned()))
        );
        // `Y` was not recorded for `b`: `c` may still claim it.
        assert_eq!(claims.claim("c", &[name("Y")]), Ok(()));
        let file = Claim::File {
            device: 1,
            inode: 2,
        };
        assert_eq!(claims.claim("d", std::slice::from_ref(&file)), Ok(()));
        assert_eq!(claims.claim("e", &[file]), Err((0, "d".to_owned())));
    }
}
