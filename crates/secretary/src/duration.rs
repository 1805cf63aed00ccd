//! Durations as secretary writes them everywhere: `500ms`, `30s`, `5m`, `1h`, `90d`.

use std::time::Duration;

/// The longest duration [`parse_duration`] accepts: ten years (of 365 days). Anything
/// longer is a mistake, and stays far from where adding it to a clock would overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Why a text is not a duration [`parse_duration`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not a whole number with one of the units.
    #[error("not a duration (a whole number with ms, s, m, h or d, such as 30s or 90d)")]
    NotADuration,
    /// Longer than [`MAX_DURATION`].
    #[error("longer than ten years, the longest duration secretary accepts")]
    TooLong,
}

/// A duration as secretary writes them everywhere (`VAULT_CLIENT_TIMEOUT`, a source's
/// `ttl`, `run --watch`, `rotate_every`): a whole number with `ms`, `s`, `m`, `h` or `d`
/// (24 hours), a bare number being seconds, surrounding blanks ignored; at most
/// [`MAX_DURATION`].
///
/// ```
/// use std::time::Duration;
/// use secretary::validate::{DurationError, parse_duration};
///
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
/// assert_eq!(parse_duration(" 2m "), Ok(Duration::from_secs(120)));
/// assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
/// assert_eq!(parse_duration("1.5s"), Err(DurationError::NotADuration));
/// assert_eq!(parse_duration("99999999999999999h"), Err(DurationError::TooLong));
/// assert_eq!(parse_duration("18446744073709551615s"), Err(DurationError::TooLong));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() || !matches!(unit, "" | "s" | "ms" | "m" | "h" | "d") {
        return Err(DurationError::NotADuration);
    }
    // All digits: a number that does not fit in 64 bits is far past the limit.
    let number: u64 = digits.parse().map_err(|_| DurationError::TooLong)?;
    let seconds = |per: u64| {
        number
            .checked_mul(per)
            .map(Duration::from_secs)
            .ok_or(DurationError::TooLong)
    };
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "m" => seconds(60)?,
        "h" => seconds(3600)?,
        "d" => seconds(86_400)?,
        _ => Duration::from_secs(number),
    };
    if duration > MAX_DURATION {
        return Err(DurationError::TooLong);
    }
    Ok(duration)
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
        assert_eq!(parse_duration("87600h"), Ok(MAX_DURATION));
        assert_eq!(parse_duration("87601h"), Err(DurationError::TooLong));
        assert_eq!(parse_duration("3650d"), Ok(MAX_DURATION));
        assert_eq!(parse_duration("3651d"), Err(DurationError::TooLong));
        assert_eq!(
            parse_duration("213503982334601d"),
            Err(DurationError::TooLong)
        );
        assert_eq!(
            parse_duration("18446744073709551615ms"),
            Err(DurationError::TooLong)
        );
        assert_eq!(
            parse_duration("99999999999999999999s"),
            Err(DurationError::TooLong)
        );
        for text in ["", "s", "5y", "-5s", "1.5s", "5 s x", "ms"] {
            assert_eq!(
                parse_duration(text),
                Err(DurationError::NotADuration),
                "{text:?}"
            );
        }
    }
}
