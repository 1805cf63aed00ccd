//! What the secrets of one resolution have read beyond the places the manifest names:
//! the file a link leads to. Each file may give one secret its value. Two secrets reading
//! one file by two roads would each put their own question to it (a `pattern` that tests
//! one character, say), and their verdicts would spell it out: the manifest's one-place
//! rule sees only places as written, and these roads are found only when the sources
//! read (a ninth adversarial pass: 756 committed links to one mounted secret file). A
//! value built from another by `.env` expansion needs no claim: it is checked on its
//! shape, so its verdict tells nothing of what it was built from.
//!
//! One [`Claims`] lives as long as one resolution (every source of the environment's
//! chain, in order), in its [`Context`](super::Context).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The claims of one resolution, each with the first that made it.
#[derive(Debug, Default)]
pub(crate) struct Claims(Mutex<HashMap<Claim, Claimant>>);

/// Who made a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Claimant {
    /// A secret, by its key.
    Secret(String),
    /// The `dotenv` sources, all as one: a `.env` file gives many secrets their values,
    /// and no secret may read it whole besides (a tenth adversarial pass reached one file
    /// by a hard link from a `files` source and a `dotenv` source).
    Dotenv,
}

/// Something a secret's value came from, beyond the place the manifest names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Claim {
    /// A file, by device and inode: every link to it is the same file.
    File {
        /// The device it is on.
        device: u64,
        /// Its inode there.
        inode: u64,
    },
}

impl Claims {
    /// Records that `claimant` read each of `claims`, unless another claimed one of them
    /// first: then nothing is recorded, and the index of that claim among `claims` is
    /// given with who made it. One may claim again what it claimed.
    pub(crate) fn claim(
        &self,
        claimant: &Claimant,
        claims: &[Claim],
    ) -> Result<(), (usize, Claimant)> {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (index, claim) in claims.iter().enumerate() {
            if let Some(first) = held.get(claim).filter(|first| *first != claimant) {
                return Err((index, first.clone()));
            }
        }
        for claim in claims {
            held.entry(claim.clone())
                .or_insert_with(|| claimant.clone());
        }
        Ok(())
    }
}

/// Claims for the `dotenv` sources every file the chain of `environment` lists for them
/// that is there, before any source is asked: a `files` source earlier in the chain then
/// refuses such a file, read alone or with the rest, as the `dotenv` source would have
/// refused it had the `files` source read it first (a fifty-third adversarial pass read
/// a `.env` whole alone, its `dotenv` source never asked). Nothing is read.
pub(crate) fn claim_dotenv_files(
    manifest: &crate::Manifest,
    environment: &crate::manifest::EnvironmentSpec,
    context: &super::Context<'_>,
) {
    let configs = environment
        .sources
        .iter()
        .filter_map(|name| manifest.source(name)?.config.get::<super::DotenvConfig>());
    for config in configs {
        for file in &config.files {
            if let Ok(opened) = crate::file::open(&context.base_dir.join(file)) {
                let (device, inode) = opened.identity();
                // Nothing claims before this: no refusal to say.
                drop(
                    context
                        .claims
                        .claim(&Claimant::Dotenv, &[Claim::File { device, inode }]),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_the_first_claimants_and_a_refused_one_records_nothing() {
        let claims = Claims::default();
        let secret = |key: &str| Claimant::Secret(key.to_owned());
        let file = |inode: u64| Claim::File { device: 1, inode };
        assert_eq!(claims.claim(&secret("d"), &[file(2)]), Ok(()));
        assert_eq!(
            claims.claim(&secret("e"), &[file(2)]),
            Err((0, secret("d")))
        );
        // Every `dotenv` source reads a `.env` file as one; none may read a file read whole.
        assert_eq!(claims.claim(&Claimant::Dotenv, &[file(3)]), Ok(()));
        assert_eq!(claims.claim(&Claimant::Dotenv, &[file(3)]), Ok(()));
        assert_eq!(
            claims.claim(&secret("f"), &[file(3)]),
            Err((0, Claimant::Dotenv))
        );
        assert_eq!(
            claims.claim(&Claimant::Dotenv, &[file(2)]),
            Err((0, secret("d")))
        );
    }
}
