//! Durations as secretary writes them everywhere: `500ms`, `30s`, `5m`, `1h`.

use std::time::Duration;

/// The longest duration [`parse_duration`] accepts: ten years (of 365 days). Anything
/// longer is a mistake, and stays far from where adding it to a clock would overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A duration as secretary writes them everywhere (`VAULT_CLIENT_TIMEOUT`, a source's
/// `ttl`, `run --watch`): a whole number with `ms`, `s`, `m` or `h`, a bare number
/// being seconds, surrounding blanks ignored; at most [`MAX_DURATION`].
///
/// ```
/// use std::time::Duration;
/// use secretary::validate::parse_duration;
///
/// assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
/// assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
/// assert_eq!(parse_duration(" 2m "), Some(Duration::from_secs(120)));
/// assert_eq!(parse_duration("1.5s"), None);
/// assert_eq!(parse_duration("99999999999999999h"), None);
/// assert_eq!(parse_duration("18446744073709551615s"), None);
/// ```
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(number),
        "ms" => Duration::from_millis(number),
        "m" => Duration::from_secs(number.checked_mul(60)?),
        "h" => Duration::from_secs(number.checked_mul(3600)?),
        _ => return None,
    };
    (duration <= MAX_DURATION).then_some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_capped() {
        assert_eq!(parse_duration("87600h"), Some(MAX_DURATION));
        assert_eq!(parse_duration("87601h"), None);
        assert_eq!(parse_duration("18446744073709551615ms"), None);
    }
}
