//! What a value is counted at toward a limit that text of the manifest's choosing can sit
//! beside: the environment `run` hands a program (the kernel takes at most 128 KiB a
//! variable and about 2 MiB in all), an `exec` provider's answer.
//!
//! A limit judged on a value's actual length, beside padding the manifest chooses (other
//! secrets' values, a template's text, keys it asks for), tells that length to the byte:
//! the manifest moves the padding and reads where the limit starts to refuse (a
//! seventieth adversarial pass read a password's length off `run`'s "more than the
//! system allows"). So a sensitive value is counted in whole steps of [`CHARGE_STEP`],
//! and a value built from others (a template, `.env` expansion) at its own text and each
//! value it inserts in such steps ([`crate::Resolution::charge`]): a limit then tells no
//! more of a value than its step.
//!
//! ```
//! use secretary::charge::{CHARGE_STEP, stepped};
//! assert_eq!(stepped(0), CHARGE_STEP);
//! assert_eq!(stepped(12), CHARGE_STEP);
//! assert_eq!(stepped(CHARGE_STEP + 1), 2 * CHARGE_STEP);
//! ```

/// The step a sensitive value's length is counted in: 1 KiB, more than a password, an API
/// key or a token holds, so that a limit tells nothing of those (of a certificate or a
/// private key, roughly its size). Small enough that thousands of secrets still fit in
/// the environment the kernel takes.
pub const CHARGE_STEP: usize = 1 << 10;

/// `len` counted in whole steps of [`CHARGE_STEP`], one at least (an empty value counts
/// as much as a short one); `usize::MAX` past it.
#[must_use]
pub fn stepped(len: usize) -> usize {
    len.max(1)
        .checked_next_multiple_of(CHARGE_STEP)
        .unwrap_or(usize::MAX)
}
