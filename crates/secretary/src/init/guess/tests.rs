//! The guesses' unit tests: each variable's type and sensitivity from its name and values.

use super::*;

fn kind_of(name: &str, values: &[&str]) -> Kind {
    kind(name, values)
}

#[test]
fn types_are_guessed_from_names_and_values() {
    assert_eq!(
        kind_of("ENVIRONMENT", &["development"]),
        Kind::Enum(vec![
            "development".into(),
            "staging".into(),
            "production".into()
        ])
    );
    assert_eq!(
        kind_of("APP_ENV", &["local"]),
        Kind::Enum(vec![
            "development".into(),
            "staging".into(),
            "production".into(),
            "local".into()
        ])
    );
    assert_eq!(kind_of("ENVIRONMENT", &["blue"]), Kind::String);
    assert_eq!(
        kind_of("LOG_LEVEL", &["info"]),
        Kind::Enum(vec![
            "debug".into(),
            "info".into(),
            "warning".into(),
            "error".into(),
            "critical".into()
        ])
    );
    assert_eq!(
        kind_of("LOG_LEVEL", &[]),
        Kind::Enum(LOG_LEVELS.iter().map(|l| (*l).to_owned()).collect())
    );
    assert_eq!(kind_of("DEBUG", &["true", "False"]), Kind::Bool);
    assert_eq!(kind_of("DEBUG", &["1"]), Kind::Bool);
    assert_eq!(kind_of("WORKERS", &["1"]), Kind::Int);
    assert_eq!(kind_of("DB_PORT", &["5432"]), Kind::Port);
    assert_eq!(kind_of("PORT", &["0"]), Kind::Int);
    assert_eq!(kind_of("TIMEOUT", &["-3"]), Kind::Int);
    assert_eq!(
        kind_of("DATABASE_URL", &["postgresql://db/app"]),
        Kind::Url(vec!["postgresql".into(), "postgres".into()])
    );
    assert_eq!(
        kind_of("DATABASE_URL", &["postgresql://db/app", "change-me"]),
        Kind::String
    );
    assert_eq!(kind_of("TARGET", &["mailto:a@b"]), Kind::String);
    assert_eq!(kind_of("NAME", &[]), Kind::String);
}

#[test]
fn sensitivity_fails_closed() {
    let s = |name: &str, values: &[&str]| sensitive(name, values, &kind(name, values));
    assert!(s("SECRET_KEY", &["x"]));
    assert!(s("YOUTUBE_API_KEY", &[]));
    assert!(s("STRIPE_APIKEY", &[]));
    assert!(s("DB_PASS", &["hunter2"]));
    assert!(s("SENTRY_DSN", &["https://abc@o1.ingest.sentry.io/1"]));
    assert!(s("REDIS_URL", &["redis://:pw@cache:6379/0"]));
    assert!(s("CALLBACK", &["https://example.com/cb?sig=1"]));
    assert!(s("UPSTREAM", &["ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK"]));
    assert!(s("GOOGLE_CLIENT_ID", &[]), "a string of no known kind");
    assert!(s("REDIS_URL", &["redis://cache:6379/0"]), "not http(s)");
    assert!(!s("MONKEY_COUNT", &["3"]), "KEY only as a word");
    assert!(!s("DEBUG", &["false"]));
    assert!(!s("API_BASE_URL", &["https://api.example.com/v1"]));
    assert!(!s("DB_HOST", &["localhost"]));
    assert!(!s("LOG_LEVEL", &["INFO"]));
    // Numbers: only a name that counts or measures makes one harmless.
    for (name, value) in [
        ("SMS_PIN", "1234"),
        ("OTP_SEED", "123456"),
        ("UNLOCK_CODE", "0000"),
        ("CARD_NUMBER", "4111111111111111"),
        ("ACCOUNT_ID", "982734"),
    ] {
        assert!(s(name, &[value]), "{name}");
    }
    // A fourth adversarial pass: a harmless word that is not the last one, a word
    // that says secret, a fragment, a user and password without a scheme.
    for (name, value) in [
        ("MS_TEAMS_PIN", "482913"),
        ("RATE_LIMIT_BYPASS_CODE", "77120931"),
        ("BACKUP_CODES_MAX", "5521"),
        ("PAGE_ACCESS_CODE", "5521"),
        ("APP_URL", "https://app.example/#access_token=opensesame99"),
        ("DB_HOSTS", "admin:hunter3@db1"),
        ("REPLICA_HOST", "postgres://u:p@db2/app"),
        // A fifth adversarial pass.
        ("PORT_PIN", "4242"),
        (
            "ALERT_HOOK_URL",
            "https://hooks.example.com/services/acme/Zq8xW2k9",
        ),
        ("BACKUP_ADDRESS", "https://drop.example.com/drop/k7Qm2pX9"),
        ("ADMIN_PATH", "/admin-7g3kq9"),
        // A sixth adversarial pass.
        (
            "ALERT_HOOK_URL",
            "https://hooks.example.com/services/QwErTyUiOpAsDfGhJkLzXcVb",
        ),
        ("ADMIN_PATH", "admin-7g3kq9/panel"),
        // A fourteenth: a password with no user (Redis), a capability path of one
        // case.
        ("REDIS_HOST", ":pw9xQ2zz@redis"),
        // A fifteenth: a value in a host's query.
        (
            "DB_HOST",
            "db.internal:5432?sslmode=require&password=Tr0ub4dor3",
        ),
        ("CACHE_HOST", "cache:6379?auth=Tr0ub4dor3"),
        (
            "SVC_URL",
            "https://hooks.example.com/services/abcdefghijklmnopqrstuvwxyzabcd",
        ),
        // A seventeenth: libpq's key=value string, an LDAP name and a password, a
        // command line's option (each would have been written as a default).
        (
            "DB_NAME",
            "dbname=app user=app password=correcthorsebattery",
        ),
        ("LDAP_DOMAIN", "cn=admin,dc=example,dc=org hunter2hunter2"),
        ("REDIS_HOST", "redis:6379 --requirepass Sup3rS3cretValue"),
        ("CACHE_HOST", "cache --masterauth opensesame"),
        // An eighteenth: a path without its `/`, a value given to a key.
        ("ADMIN_PATH", "admin-7g3kq9"),
        ("SERVICE_MODE", "key=hunter2hunter2"),
        ("CACHE_HOST", "cache:6379,auth:Tr0ub4dor"),
        // A nineteenth: `pw` as a word.
        ("LDAP_BIND_NAME", "cn=admin,dc=corp,dc=example pw hunter"),
    ] {
        assert!(s(name, &[value]), "{name}");
    }
    // One word keeps its kind's rule; words without a credential or a token stay
    // harmless.
    for (name, value) in [
        ("DB_HOST", "server01"),
        ("APP_NAME", "Faceless YouTube"),
        ("LOG_FORMAT", "%(asctime)s %(levelname)s %(message)s"),
        ("DB_HOST", "db.internal:5432"),
        ("STATIC_PATH", "static"),
        ("SORT_MODE", "monkey:asc"),
    ] {
        assert!(!s(name, &[value]), "{name}");
    }
    for (name, value) in [
        ("WORKER_COUNT", "4"),
        ("REQUEST_TIMEOUT", "30"),
        ("MAX_UPLOAD_SIZE", "1048576"),
        ("CACHE_TTL", "300"),
        ("DB_POOL_SIZE", "10"),
    ] {
        assert!(!s(name, &[value]), "{name}");
    }
}

#[test]
fn a_random_word_or_a_token_for_a_scheme_is_sensitive() {
    // A twenty-second adversarial pass: a random word under a harmless name was
    // written as a default, and a token before `://` as a URL's scheme.
    let s = |name: &str, values: &[&str]| sensitive(name, values, &kind(name, values));
    for (name, value) in [
        ("LOG_FORMAT", "j8Hq2Lz9Xv4Nb7Mc3Kp"),
        ("APP_NAME", "Kd9f7f3Qx2Mw8"),
        ("ADMIN_SECRET_LOOKUP", "Zq8xk2Lm9Pw://host"),
    ] {
        assert!(s(name, &[value]), "{name}");
    }
    for (name, value) in [
        ("APP_NAME", "python3.11"),
        ("IMAGE_NAME", "ubuntu22"),
        ("REGION", "eu-west-1"),
        ("DB_HOST", "server01"),
    ] {
        assert!(!s(name, &[value]), "{name}");
    }
    assert_eq!(
        kind("LOOKUP", &["Zq8xk2Lm9Pw://host"]),
        Kind::Url(Vec::new())
    );
    assert!(matches!(
        kind("DATABASE_URL", &["postgresql+psycopg2://db/app"]),
        Kind::Url(_)
    ));
    assert!(matches!(
        kind("BUCKET_URL", &["s3://bucket/key"]),
        Kind::Url(_)
    ));
    // A twenty-third: a word for a scheme is no scheme either; known ones with
    // digits are.
    assert_eq!(
        kind("ADMIN_PASSWORD", &["swordfish://x"]),
        Kind::Url(Vec::new())
    );
    // A twenty-fourth: nor a word after `+`; an unknown scheme is a URL without
    // `schemes`, not a string.
    assert_eq!(
        kind("DATABASE_URL", &["postgres+swordfish://db/app"]),
        Kind::Url(Vec::new())
    );
    assert_eq!(
        kind("BROKER_URL", &["pyamqp://mq:5672//"]),
        Kind::Url(Vec::new())
    );
    for url in [
        "neo4j+s://db:7687",
        "s3n://bucket/key",
        "socks5h://proxy:1080",
    ] {
        assert!(matches!(kind("SOME_URL", &[url]), Kind::Url(_)), "{url}");
    }
}

#[test]
fn a_capability_url_stays_sensitive_wherever_it_carries_its_secret() {
    let s = |name: &str, values: &[&str]| sensitive(name, values, &kind(name, values));
    for (name, value) in [
        // A twenty-fifth adversarial pass: a passphrase as a capability URL's slug, or
        // a path's.
        (
            "STATUS_URL",
            "https://hooks.example.com/services/correcthorse-battery-staple",
        ),
        ("UPLOAD_PATH", "/drop/correct_horse_battery"),
        // A twenty-sixth: a token as a label of the host's name.
        ("CALLBACK_URL", "https://k9x2m7q4z8w1.example.com/"),
        ("API_BASE_URL", "https://hunter2hunter2.example.com"),
        // A twenty-seventh: words joined, as a quick tunnel's host.
        (
            "TUNNEL_URL",
            "https://seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        ("S3_URL", "https://s3-eu-west-1.amazonaws.com"),
        // And the same written as a host alone, whatever the name says.
        (
            "WEBHOOK_HOST",
            "seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        ("HOOK_HOST", "qwertyuiopasdfghjklzxcvbnm.m.pipedream.net"),
        ("CALLBACK_DOMAIN", "k9xzmqpwbcdfghjklmnpqrstv.example.com"),
        // A twenty-eighth: in a list, as a wildcard, with `_`, with punctuation after,
        // in brackets.
        (
            "ALLOWED_HOSTS",
            "localhost,seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        (
            "TUNNEL_DOMAIN",
            "*.seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        (
            "HOOK_HOSTNAME",
            "seasonal_deck_organisms_sf.trycloudflare.com",
        ),
        (
            "CALLBACK_HOST",
            "seasonal-deck-organisms-sf.trycloudflare.com;",
        ),
        (
            "PROXY_HOST",
            "[seasonal-deck-organisms-sf.trycloudflare.com]",
        ),
        // A twenty-ninth: after `user@`, or before any punctuation.
        (
            "DEPLOY_HOST",
            "deploy@seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        (
            "SENDER_NAME",
            "alerts@seasonal-deck-organisms-sf.trycloudflare.com",
        ),
        (
            "CALLBACK_HOST",
            "seasonal-deck-organisms-sf.trycloudflare.com!",
        ),
        // A thirtieth: IDNA's other full stops.
        (
            "UPSTREAM_NAME",
            "seasonal-deck-organisms-sf\u{3002}trycloudflare\u{3002}com",
        ),
    ] {
        assert!(s(name, &[value]), "{name}");
    }
    for (name, value) in [
        ("DOCS_URL", "https://docs.example.com/api/user-guide"),
        ("STATIC_PATH", "/srv/app/static-files"),
        ("API_URL", "https://api2.example.com/v1"),
        ("AUTH_URL", "https://auth-eu.example.com/login"),
        ("DB_HOST", "server01.internal:5432"),
        ("CACHE_HOST", "redis-master.cache.svc.cluster.local"),
        ("ALLOWED_HOSTS", "localhost,127.0.0.1,api.example.com"),
        ("CORS_DOMAIN", "*.example.com"),
    ] {
        assert!(!s(name, &[value]), "{name}");
    }
}
