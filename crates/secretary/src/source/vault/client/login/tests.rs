//! The login's token: when it is renewed, replaced, and taken for ended.

use super::*;

fn lease(ttl: u64, renewable: bool, age: u64) -> (Lease, Instant) {
    let obtained = Instant::now();
    let lease = Lease {
        token: SecretValue::new("t".to_owned()),
        obtained,
        ttl: Duration::from_secs(ttl),
        renewable,
        granted: Duration::from_secs(ttl),
        login: 1,
        replaced_ends: None,
        kept_failures: 0,
        keep_again_at: None,
        refused_at: None,
        looks_itself_up: true,
        kind: TokenKind::Service,
    };
    (lease, obtained + Duration::from_secs(age))
}

#[test]
fn a_failed_keep_waits_longer_each_time_within_what_is_left() {
    // A fortieth adversarial pass: a login failing was asked for again every 0.5 s.
    let (mut long, _) = lease(3600, false, 0);
    let now = long.obtained;
    let due = long.due(Duration::from_secs(10)).unwrap();
    let mut waits = Vec::new();
    for _ in 0..7 {
        long.keep_failed(now);
        waits.push(long.keep_again_at.unwrap() - now);
    }
    let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30]);
    // Never before it was due anyway.
    assert_eq!(long.due(Duration::from_secs(10)), Some(due));
    // Near its end, a quarter of what is left, 500 ms at least.
    let (mut ending, _) = lease(3, false, 0);
    ending.keep_failed(ending.obtained + Duration::from_secs(2));
    assert_eq!(
        ending.keep_again_at.unwrap() - ending.obtained,
        Duration::from_millis(2500)
    );
}

#[test]
fn renewal_happens_at_two_thirds_and_login_when_it_cannot() {
    assert_eq!(refresh(None, Instant::now()), Refresh::Login);
    let cases = [
        (90, true, 10, Refresh::Keep),
        (90, true, 59, Refresh::Keep),
        (90, true, 60, Refresh::Renew),
        (90, true, 90, Refresh::Login),
        (100, false, 79, Refresh::Keep),
        (100, false, 80, Refresh::Login),
        (0, false, 10_000, Refresh::Keep),
        // A server's lease of u64::MAX seconds once overflowed `ttl * 2 / 3` (issue 12,
        // item 10): it is kept, not a panic.
        (u64::MAX, true, 10, Refresh::Keep),
        (u64::MAX, false, 10, Refresh::Keep),
    ];
    for (ttl, renewable, age, expected) in cases {
        let (lease, now) = lease(ttl, renewable, age);
        assert_eq!(
            refresh(Some(&lease), now),
            expected,
            "ttl {ttl} renewable {renewable} age {age}"
        );
    }
}

#[test]
fn a_token_vault_refused_has_ended_whatever_its_ttl_says() {
    for (ttl, renewable) in [(3600, true), (3600, false), (0, false)] {
        let (mut lease, now) = lease(ttl, renewable, 10);
        assert_eq!(refresh(Some(&lease), now), Refresh::Keep, "ttl {ttl}");
        let refused = lease.obtained + Duration::from_secs(9);
        lease.refused_at = Some(refused);
        assert_eq!(refresh(Some(&lease), now), Refresh::Login, "ttl {ttl}");
        assert_eq!(lease.ends(), Some(refused), "ttl {ttl}");
        assert_eq!(
            lease.due(Duration::from_secs(30)),
            Some(refused),
            "ttl {ttl}"
        );
    }
}

#[test]
fn the_keeper_renews_early_enough_to_replace_a_capped_token_lead_before_it_ends() {
    let at = |ttl: u64, renewable: bool, lead_ms: u64| {
        let (lease, _) = lease(ttl, renewable, 0);
        lease
            .due(Duration::from_millis(lead_ms))
            .map(|due| due.duration_since(lease.obtained).as_millis())
    };
    // A third of its TTL left, or the lead when that is longer, but at half its
    // life at the latest.
    assert_eq!(at(90, true, 12_000), Some(60_000));
    assert_eq!(at(90, true, 40_000), Some(50_000));
    assert_eq!(at(3, true, 12_000), Some(1_500));
    // A token that can no longer be renewed: replaced the lead before it ends.
    assert_eq!(at(10, false, 3_000), Some(7_000));
    assert_eq!(at(4, false, 3_000), Some(2_000));
    // Never expires; or a lease too long to compute an instant for: never due.
    assert_eq!(at(0, true, 3_000), None);
    assert_eq!(at(u64::MAX, true, 3_000), None);
    assert_eq!(at(u64::MAX, false, 3_000), None);
}

#[test]
fn a_token_of_limited_uses_is_replaced_once_they_are_spent() {
    let (mut lease, now) = lease(3600, true, 10);
    lease.kind = TokenKind::LimitedUses(2);
    lease.spend();
    assert_eq!(refresh(Some(&lease), now), Refresh::Keep);
    lease.spend();
    assert!(lease.spent());
    assert_eq!(refresh(Some(&lease), now), Refresh::Login);
    // Never below none, and never for a token of unlimited uses.
    lease.spend();
    assert_eq!(lease.kind, TokenKind::LimitedUses(0));
    lease.kind = TokenKind::Service;
    lease.spend();
    assert!(!lease.spent());
}
