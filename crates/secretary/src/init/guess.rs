//! What `init` guesses of a variable from its name and values: the type its secret is
//! declared with ([`Kind`]) and whether it is sensitive. The rules are the parent
//! module's documentation.

use crate::lint::looks_real;
use crate::validate::parse_bool;

/// What a secret's declaration says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Url(Vec<String>),
    Int,
    Port,
    Bool,
    Enum(Vec<String>),
}

/// The words of a variable's name, in upper case (`db_Port.x` → `DB`, `PORT`, `X`).
fn words(name: &str) -> Vec<String> {
    name.split(['_', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

fn has_word(name: &str, wanted: &[&str]) -> bool {
    words(name).iter().any(|w| wanted.contains(&w.as_str()))
}

/// Whether the name's last word is one of `wanted` and none of its words says it holds a
/// secret ([`SECRET_WORDS`]): what makes a number or a string harmless. A harmless word
/// anywhere was not enough: `MS_TEAMS_PIN` has `MS`, `BACKUP_CODES_MAX` has `MAX`.
fn says_harmless(name: &str, wanted: &[&str]) -> bool {
    let words = words(name);
    words
        .last()
        .is_some_and(|last| wanted.contains(&last.as_str()))
        && !words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
}

/// Words that say a number or a string is a secret whatever else the name says.
const SECRET_WORDS: &[&str] = &[
    "PIN", "CODE", "CODES", "SEED", "OTP", "TOTP", "HOTP", "CVV", "CVC", "SSN", "CARD", "IBAN",
    "ACCOUNT", "BYPASS", "UNLOCK", "RECOVERY",
];

/// Whether a path segment looks like a token rather than a word: six characters or more
/// with letters and digits mixed (`Zq8xk2`, `admin-7g3kq9`), sixteen or more with both
/// letter cases (`QwErTyUiOpAsDfGh`), or twenty-four or more of one case with no
/// separator (`abcdefghijklmnopqrstuvwx`, a capability URL's path: a fourteenth
/// adversarial pass; no word or slug is that long without a `-` or `_`).
fn token_like(segment: &str) -> bool {
    let has = |test: fn(&char) -> bool| segment.chars().any(|c| test(&c));
    (segment.len() >= 6 && has(char::is_ascii_alphabetic) && has(char::is_ascii_digit))
        || (segment.len() >= 16 && has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase))
        || (segment.len() >= 24 && segment.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Whether a path segment could be a passphrase: three words or more joined by `-`, `_`,
/// `~` or `+` (`correcthorse-battery-staple`, a capability URL's slug: a twenty-fifth
/// adversarial pass). No shape tells it from a post's slug (`my-first-post`), so both
/// are taken for a secret: a URL or path so marked is only kept out of defaults and
/// redacted.
fn passphrase_like(segment: &str) -> bool {
    segment
        .chars()
        .filter(|c| matches!(c, '-' | '_' | '~' | '+'))
        .count()
        >= 2
}

/// Whether a segment of a URL's or a path's may hold its secret (see [`token_like`] and
/// [`passphrase_like`]).
fn secret_segment(segment: &str) -> bool {
    token_like(segment) || passphrase_like(segment)
}

/// Whether a label of a URL's host name may hold its secret: a token's shape, a random
/// word, or words joined as a passphrase is (`seasonal-deck-organisms-sf`, a quick
/// tunnel's capability host: a twenty-seventh adversarial pass). A region's endpoint
/// (`s3-eu-west-1`) reads as one too: no shape tells them apart, and it costs a default.
fn secret_label(label: &str) -> bool {
    token_like(label) || random_word(label) || passphrase_like(label)
}

/// The labels of each host's name `value` holds: every run of the characters a name is
/// written with (letters, digits, `-`, `_`, `.`) that holds a dot, wherever it sits (in
/// a list, after `*.` or `user@`, in brackets, before a port, a path or punctuation). A
/// twenty-eighth adversarial pass saw a capability host written as a default in a list,
/// a wildcard, with `_` or in brackets; a twenty-ninth after `deploy@`.
fn host_labels(value: &str) -> impl Iterator<Item = &str> {
    // The full stops IDNA takes for `.` too (a thirtieth adversarial pass).
    let dot = |c: char| {
        matches!(
            c,
            '.' | '\u{3002}' | '\u{ff0e}' | '\u{ff61}' | '\u{2024}' | '\u{fe52}'
        )
    };
    value
        .split(move |c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_') || dot(c)))
        .map(move |run| run.trim_matches(dot))
        .filter(move |run| run.contains(dot))
        .flat_map(move |host| host.split(dot))
}

/// [`secret_label`] for a host's name written alone, where a short name with digits is
/// a machine's (`server01.internal`): a token of twelve characters or more, a random
/// word, or a passphrase.
fn bare_secret_label(label: &str) -> bool {
    (token_like(label) && label.len() >= 12) || random_word(label) || passphrase_like(label)
}

/// Words of a value that say what follows is a credential (`password=...`,
/// `--requirepass ...`), compared whole and in lower case.
const CREDENTIAL_VALUE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "pw",
    "secret",
    "token",
    "apikey",
    "requirepass",
    "masterauth",
    "credential",
    "credentials",
];

/// Whether one of `value`'s words (split at anything but a letter or digit) is one of
/// [`CREDENTIAL_VALUE_WORDS`], or a value is given to a `key`, `auth` or `pw`
/// (`key=hunter2hunter2`, `auth:...`: an eighteenth adversarial pass).
pub(super) fn names_a_credential(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let given = |word: &str| {
        lower.match_indices(word).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let mut after = lower[at + word.len()..].chars();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && matches!(after.next(), Some('=' | ':'))
                && after.next().is_some_and(|c| !c.is_whitespace())
        })
    };
    ["key", "auth", "pw"].into_iter().any(given)
        || value
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| {
                CREDENTIAL_VALUE_WORDS
                    .iter()
                    .any(|credential| credential.eq_ignore_ascii_case(word))
            })
}

/// Whether `value` is several words (split at spaces) of which one is token-like (split
/// again at `=`, `,`, `:`, `;` and quotes); a value of one word keeps the rules of its
/// kind (`server01` is a host's name, not a token).
fn token_among_words(value: &str) -> bool {
    value.split_whitespace().nth(1).is_some()
        && value
            .split(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | ':' | ';' | '\'' | '"'))
            .any(token_like)
}

/// Whether `value` holds a user and password before a host (`admin:hunter3@db1`), as a
/// URL's user information does, with or without a scheme.
fn has_userinfo(value: &str) -> bool {
    value.split_whitespace().any(|word| {
        word.split_once('@').is_some_and(|(before, host)| {
            !host.is_empty()
                && before
                    .rsplit('/')
                    .next()
                    .and_then(|info| info.split_once(':'))
                    // Redis writes a password with no user: `redis://:pw@host`.
                    .is_some_and(|(_user, password)| !password.is_empty())
        })
    })
}

/// The names of an environment's name.
pub(super) fn names_an_environment(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "ENVIRONMENT" | "ENV" | "APP_ENV" | "NODE_ENV" | "RAILS_ENV" | "RACK_ENV" | "FLASK_ENV"
    ) || upper.ends_with("_ENVIRONMENT")
}

/// The words an environment's name is spelled with.
const ENVIRONMENTS: [&str; 11] = [
    "development",
    "staging",
    "production",
    "test",
    "testing",
    "local",
    "dev",
    "stage",
    "prod",
    "qa",
    "preview",
];

/// Python's logging levels, the usual list.
const LOG_LEVELS: [&str; 5] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/// Other log level words.
const OTHER_LEVELS: [&str; 5] = ["TRACE", "WARN", "FATAL", "NOTICE", "ALL"];

fn names_a_log_level(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == "LOGLEVEL" || upper.ends_with("LOG_LEVEL") || upper.ends_with("LOGGING_LEVEL")
}

/// `base` and then each of `seen` that is not in it.
fn with_seen(base: &[&str], seen: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = base.iter().map(|v| (*v).to_owned()).collect();
    for value in seen {
        if !values.iter().any(|v| v == value) {
            values.push((*value).to_owned());
        }
    }
    values
}

/// The type `values` (all non-empty) fit, given the variable's `name`.
pub(super) fn kind(name: &str, values: &[&str]) -> Kind {
    if names_an_environment(name) && values.iter().all(|v| ENVIRONMENTS.contains(v)) {
        return Kind::Enum(with_seen(&ENVIRONMENTS[..3], values));
    }
    if names_a_log_level(name)
        && values.iter().all(|v| {
            let upper = v.to_ascii_uppercase();
            LOG_LEVELS.contains(&upper.as_str()) || OTHER_LEVELS.contains(&upper.as_str())
        })
    {
        let lower = values
            .first()
            .is_some_and(|v| v.chars().any(|c| c.is_ascii_lowercase()));
        let base: Vec<String> = LOG_LEVELS
            .iter()
            .map(|l| {
                if lower {
                    l.to_ascii_lowercase()
                } else {
                    (*l).to_owned()
                }
            })
            .collect();
        let base: Vec<&str> = base.iter().map(String::as_str).collect();
        return Kind::Enum(with_seen(&base, values));
    }
    if values.is_empty() {
        return Kind::String;
    }
    let words_bool = values.iter().all(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off"
        )
    });
    let digits_bool = values.iter().all(|v| matches!(v.trim(), "0" | "1"))
        && has_word(
            name,
            &[
                "DEBUG", "VERBOSE", "ENABLE", "ENABLED", "DISABLE", "DISABLED", "USE", "IS", "HAS",
                "ALLOW", "SKIP", "FORCE",
            ],
        );
    if (words_bool || digits_bool) && values.iter().all(|v| parse_bool(v).is_some()) {
        return Kind::Bool;
    }
    if has_word(name, &["PORT"])
        && values
            .iter()
            .all(|v| matches!(v.trim().parse::<u16>(), Ok(1..)))
    {
        return Kind::Port;
    }
    if values.iter().all(|v| v.trim().parse::<i64>().is_ok()) {
        return Kind::Int;
    }
    let mut schemes: Vec<String> = Vec::new();
    // A URL whose scheme is no known one's is still a URL, written without `schemes`:
    // that line would copy part of a sensitive value (a twenty-fourth adversarial pass:
    // `postgres+swordfish://`; `pyamqp://` and `postgis://` then became strings).
    let mut unknown = false;
    for value in values {
        match url::Url::parse(value) {
            Ok(url) if !url.cannot_be_a_base() && value.contains("://") => {
                if !value.split("://").next().is_some_and(scheme_like) {
                    unknown = true;
                }
                let scheme = url.scheme().to_owned();
                if !schemes.contains(&scheme) {
                    schemes.push(scheme);
                }
            }
            _ => return Kind::String,
        }
    }
    if unknown {
        return Kind::Url(Vec::new());
    }
    let seen = schemes.clone();
    for scheme in &seen {
        for family in SCHEME_FAMILIES {
            if family.contains(&scheme.as_str()) {
                for sibling in family {
                    if !schemes.iter().any(|s| s == sibling) {
                        schemes.push((*sibling).to_owned());
                    }
                }
            }
        }
    }
    Kind::Url(schemes)
}

/// Whether `scheme`, as written, is a known one, perhaps with a driver after `+` in
/// lower-case letters and digits (`postgresql+psycopg2`, `mongodb+srv`, `neo4j+s`). A
/// sensitive value's "scheme" is written in the manifest's `schemes`, so one of no
/// known service (`Zq8xk2Lm9Pw://host`, `swordfish://x`: the twenty-second and
/// twenty-third adversarial passes) makes the value a string instead.
fn scheme_like(scheme: &str) -> bool {
    let mut parts = scheme.split('+');
    parts
        .next()
        .is_some_and(|first| KNOWN_SCHEMES.contains(&first))
        && parts.all(|part| KNOWN_DRIVERS.contains(&part))
}

/// What may follow a known scheme after `+`: drivers (`SQLAlchemy`'s), `srv` and TLS
/// flags (`neo4j+s`).
const KNOWN_DRIVERS: [&str; 18] = [
    "psycopg2",
    "psycopg",
    "asyncpg",
    "pg8000",
    "pymysql",
    "mysqldb",
    "mysqlconnector",
    "aiomysql",
    "asyncmy",
    "pyodbc",
    "aiosqlite",
    "pysqlite",
    "oracledb",
    "srv",
    "s",
    "ssc",
    "tls",
    "ssl",
];

/// The schemes `init` knows: the web's, databases', queues', caches', directories',
/// mail's, object stores', proxies' and the like.
const KNOWN_SCHEMES: [&str; 64] = [
    "http",
    "https",
    "ws",
    "wss",
    "ftp",
    "ftps",
    "sftp",
    "ssh",
    "git",
    "file",
    "tcp",
    "udp",
    "unix",
    "grpc",
    "grpcs",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "sqlite",
    "sqlserver",
    "mssql",
    "oracle",
    "cockroachdb",
    "clickhouse",
    "snowflake",
    "redis",
    "rediss",
    "memcached",
    "valkey",
    "amqp",
    "amqps",
    "mqtt",
    "mqtts",
    "kafka",
    "nats",
    "mongodb",
    "couchbase",
    "couchbases",
    "cassandra",
    "neo4j",
    "bolt",
    "elasticsearch",
    "opensearch",
    "influxdb",
    "etcd",
    "ldap",
    "ldaps",
    "smtp",
    "smtps",
    "imap",
    "imaps",
    "pop3",
    "pop3s",
    "s3",
    "s3a",
    "s3n",
    "gs",
    "abfs",
    "abfss",
    "hdfs",
    "socks5",
    "socks5h",
    "jdbc",
];

/// Whether a value of one word reads as a random token rather than a name: letters and
/// digits alternating at least four times (`Kd9f7f3Qx2Mw8`; `server01`, `web2`,
/// `python3.11` alternate once), or 16 characters or more with upper and lower case and
/// a digit. A twenty-second adversarial pass had `LOG_FORMAT=j8Hq2Lz9Xv4Nb7Mc3Kp` of a
/// template written as a default.
fn random_word(value: &str) -> bool {
    let alternations = value
        .chars()
        .zip(value.chars().skip(1))
        .filter(|(a, b)| {
            (a.is_ascii_alphabetic() && b.is_ascii_digit())
                || (a.is_ascii_digit() && b.is_ascii_alphabetic())
        })
        .count();
    let has = |test: fn(&char) -> bool| value.chars().any(|c| test(&c));
    alternations >= 4
        || (value.chars().count() >= 16
            && has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit))
}

/// Schemes that name one service, so that a manifest written from one accepts the others.
const SCHEME_FAMILIES: [&[&str]; 5] = [
    &["postgresql", "postgres"],
    &["redis", "rediss"],
    &["mongodb", "mongodb+srv"],
    &["http", "https"],
    &["amqp", "amqps"],
];

/// The words of a name that say its whole number counts or measures something (issue 25,
/// item 3): only these make an `int` `sensitive = false`.
const HARMLESS_NUMBERS: &[&str] = &[
    "PORT",
    "COUNT",
    "TIMEOUT",
    "SIZE",
    "LIMIT",
    "MAX",
    "MIN",
    "WORKERS",
    "THREADS",
    "PROCESSES",
    "CONCURRENCY",
    "RETRIES",
    "RETRY",
    "ATTEMPTS",
    "TTL",
    "INTERVAL",
    "DELAY",
    "SECONDS",
    "SECS",
    "MS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "LEVEL",
    "DEPTH",
    "BATCH",
    "POOL",
    "CAPACITY",
    "LENGTH",
    "WIDTH",
    "HEIGHT",
    "PERCENT",
    "RATE",
    "BYTES",
    "KB",
    "MB",
    "GB",
    "VERSION",
    "REPLICAS",
    "CONNECTIONS",
    "PAGE",
];

/// Whether a variable is to be declared sensitive (see the module's rules).
pub(super) fn sensitive(name: &str, values: &[&str], kind: &Kind) -> bool {
    let upper = name.to_ascii_uppercase();
    let secret_name = [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "CREDENTIAL",
        "PRIVATE",
        "APIKEY",
    ]
    .iter()
    .any(|part| upper.contains(part))
        || has_word(name, &["KEY", "PASS", "PWD", "PW", "DSN", "SALT", "CREDS"]);
    if secret_name {
        return true;
    }
    let urls: Vec<Option<url::Url>> = values.iter().map(|v| url::Url::parse(v).ok()).collect();
    let credentials = urls
        .iter()
        .flatten()
        .any(|url| !url.username().is_empty() || url.password().is_some());
    if credentials
        || values
            .iter()
            .any(|v| looks_real(v).is_some() || has_userinfo(v))
        // A word that says secret, whatever the type: `PORT_PIN` is a port's shape.
        || has_word(name, SECRET_WORDS)
    {
        return true;
    }
    match kind {
        // A flag, a port, an environment's name or a log level.
        Kind::Bool | Kind::Port | Kind::Enum(_) => false,
        // A number is no evidence of harmlessness (`SMS_PIN`, `OTP_SEED`, `CARD_NUMBER`):
        // only a name that says it counts or measures something.
        Kind::Int => !says_harmless(name, HARMLESS_NUMBERS),
        // A fragment can carry a token as a query does (`#access_token=...`).
        // A capability URL carries its secret in the path (`/hooks/acme/Zq8x...`).
        Kind::Url(_) => !urls.iter().all(|url| {
            url.as_ref().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && !url
                        .path_segments()
                        .is_some_and(|mut segments| segments.any(secret_segment))
                    // A capability URL can carry its secret in the host's name
                    // (`k9x2m7q4z8w1.m.pipedream.net`: a twenty-sixth adversarial pass).
                    && !url
                        .host_str()
                        .is_some_and(|host| host.split('.').any(secret_label))
            })
        }),
        Kind::String => {
            values
                .iter()
                // A path's token-like segment; a path's name says it is one when the
                // value has no `/` (`ADMIN_PATH=admin-7g3kq9`: an eighteenth pass).
                .any(|v| {
                    (v.contains('/') || says_harmless(name, &["PATH", "PREFIX", "ROUTE"]))
                        && v.split('/').any(secret_segment)
                })
                // A query or fragment that carries a value (`db:5432?password=...`,
                // `#auth=...`: a fifteenth adversarial pass), whatever the name says.
                || values.iter().any(|v| {
                    v.split(['?', '#', '&', ';'])
                        .skip(1)
                        .any(|pair| pair.split_once('=').is_some_and(|(_, value)| !value.is_empty()))
                })
                // A value that names a credential (libpq's `password=...`, a command
                // line's `--requirepass ...`), or holds a token-like word among others
                // (`cn=admin,dc=org hunter2hunter2`): a seventeenth adversarial pass had
                // such values of a `*_NAME` or `*_HOST` written as defaults.
                || values.iter().any(|v| names_a_credential(v) || token_among_words(v))
                // A word of its own that reads as a random token, whatever the name.
                || values
                    .iter()
                    .any(|v| v.split_whitespace().nth(1).is_none() && random_word(v.trim()))
                // A host's name with a label that carries a capability, as a URL's may
                // (`seasonal-deck-organisms-sf.trycloudflare.com` under `*_HOST`: a
                // twenty-seventh adversarial pass), whatever the name says.
                || values.iter().any(|v| host_labels(v).any(bare_secret_label))
                || !says_harmless(
                    name,
                    &[
                        "HOST",
                        "HOSTS",
                        "HOSTNAME",
                        "DOMAIN",
                        "PATH",
                        "DIR",
                        "DIRECTORY",
                        "NAME",
                        "REGION",
                        "ZONE",
                        "LEVEL",
                        "MODE",
                        "TIMEZONE",
                        "TZ",
                        "LOCALE",
                        "LANG",
                        "LANGUAGE",
                        "FORMAT",
                        "VERSION",
                        "ORIGINS",
                    ],
                )
        }
    }
}

#[cfg(test)]
mod tests;
