//! Durations as secretary writes them everywhere: `500ms`, `30s`, `5m`, `1h`, `90d`.

use std::time::Duration;

/// The longest duration [`parse_duration`] accepts: ten years (of 365 days). Anything
/// longer is a mistake, and stays far from where adding it to a clock would overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A duration as secretary writes them everywhere (`VAULT_CLIENT_TIMEOUT`, a source's
/// `ttl`, `run --watch`, `rotate_every`): a whole number with `ms`, `s`, `m`, `h` or `d`
/// (24 hours), a bare number being seconds, surrounding blanks ignored; at most
/// [`MAX_DURATION`].
///
/// ```
/// use std::time::Duration;
/// use secretary::validate::parse_duration;
///
/// assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
/// assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
/// assert_eq!(parse_duration(" 2m "), Some(Duration::from_secs(120)));
/// assert_eq!(parse_duration("90d"), Some(Duration::from_secs(90 * 86_400)));
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
        "d" => Duration::from_secs(number.checked_mul(86_400)?),
        _ => return None,
    };
    (duration <= MAX_DURATION).then_some(duration)
}

/// `duration` for people, in the largest unit that keeps it whole enough: `120 days`,
/// `5 hours`, `40 seconds` (rounded down).
pub fn show_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (count, unit) = match seconds {
        s if s >= 2 * 86_400 => (s / 86_400, "day"),
        s if s >= 2 * 3600 => (s / 3600, "hour"),
        s if s >= 2 * 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_shown_in_a_unit_people_read() {
        assert_eq!(
            show_duration(Duration::from_secs(120 * 86_400 + 5)),
            "120 days"
        );
        assert_eq!(show_duration(Duration::from_secs(86_400)), "24 hours");
        assert_eq!(show_duration(Duration::from_secs(90)), "90 seconds");
        assert_eq!(show_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(show_duration(Duration::from_secs(3 * 60)), "3 minutes");
    }

    #[test]
    fn durations_are_capped() {
        assert_eq!(parse_duration("87600h"), Some(MAX_DURATION));
        assert_eq!(parse_duration("87601h"), None);
        assert_eq!(parse_duration("3650d"), Some(MAX_DURATION));
        assert_eq!(parse_duration("3651d"), None);
        assert_eq!(parse_duration("213503982334601d"), None);
        assert_eq!(parse_duration("18446744073709551615ms"), None);
    }
}
