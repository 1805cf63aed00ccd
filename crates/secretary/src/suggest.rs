//! "Did you mean": the closest of a few names to one that was mistyped.

/// The most candidates looked at, and the longest name matched: "did you mean" is for a
/// name a person typed, and costs the product of the names' lengths for each candidate
/// (a manifest of thousands of long mistakes took minutes to check).
const MOST_CANDIDATES: usize = 256;
const LONGEST: usize = 64;

/// A close match for `wanted` among the first [`MOST_CANDIDATES`] `candidates` (by edit
/// distance), for "did you mean"; none for a name longer than 64 bytes.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if wanted.len() > LONGEST {
        return None;
    }
    candidates
        .take(MOST_CANDIDATES)
        .filter(|c| c.len() <= LONGEST && c.len().abs_diff(wanted.len()) <= 2.max(c.len() / 4))
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|&(d, c)| d <= 2.max(c.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_key_suggestion() {
        assert_eq!(
            closest("databse_url", ["database_url", "debug"].into_iter()).as_deref(),
            Some("database_url")
        );
        assert_eq!(closest("zzz", ["database_url"].into_iter()), None);
    }
}
