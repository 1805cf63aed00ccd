//! Unit tests of the manifest's parsing and checks.

use super::*;
use crate::source::{AwsConfig, AwsStore, VaultConfig};

mod bounds;

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, Path::new("/app/secrets.toml"))
}

fn diagnostics(text: &str) -> Vec<(usize, String)> {
    parse(text)
        .expect_err("manifest should be rejected")
        .diagnostics
        .into_iter()
        .map(|d| (d.line, d.message))
        .collect()
}

const MINIMAL: &str = "version = 1\n[secrets.api_key]\ndescription = \"x\"\n";

#[test]
fn a_minimal_manifest_gets_an_implicit_development_environment() {
    let manifest = parse(MINIMAL).unwrap();
    let env = manifest
        .select_environment(None, &Variables::default())
        .unwrap();
    assert_eq!(env.name, "development");
    assert_eq!(env.sources, ["env"]);
    let secret = manifest.secret("api_key").unwrap();
    assert_eq!(secret.env, ["API_KEY"]);
    assert!(secret.sensitive);
    assert_eq!(secret.kind, SecretType::String);
    assert_eq!(secret.line, 2);
    assert_eq!(manifest.dir(), Path::new("/app"));
}

#[test]
fn secrets_keep_manifest_order() {
    let manifest = parse("version = 1\n[secrets.zeta]\n[secrets.alpha]\n[secrets.mid]\n").unwrap();
    let keys: Vec<_> = manifest.secrets().iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["zeta", "alpha", "mid"]);
}

#[test]
fn unknown_fields_name_line_and_column() {
    let error = parse("version = 1\n[secrets.a]\nrequird = true\n").unwrap_err();
    let d = &error.diagnostics[0];
    assert_eq!((d.line, d.column), (3, 1));
    assert!(
        d.message.contains("unknown field `requird`"),
        "{}",
        d.message
    );
    assert!(
        error.to_string().contains("/app/secrets.toml:3:1"),
        "{error}"
    );
}

#[test]
fn type_errors_do_not_quote_the_value() {
    let error = parse("version = 1\n[secrets.a]\nrequired = \"canary-value\"\n").unwrap_err();
    let text = error.to_string();
    assert!(!text.contains("canary"), "{text}");
    assert!(text.contains(":3:"), "{text}");
    assert!(text.contains("expected a boolean"), "{text}");
}

#[test]
fn type_errors_name_the_expected_kind_in_words() {
    let error =
        parse("version = 1\n[sources.v]\ntype = \"vault\"\nmax_concurrency = -1\n").unwrap_err();
    assert_eq!(
        error.diagnostics[0].message,
        "invalid value: expected a whole number of 0 or more, found an integer"
    );
}

#[test]
fn every_semantic_error_is_reported_at_once() {
    let found = diagnostics(
        r#"version = 1
[sources.env]
type = "env"
dir = "/nope"
[environments.production]
sources = ["env", "vualt"]
[secrets.DatabaseUrl]
[secrets.a]
env = ["SHARED", "9BAD"]
[secrets.b]
env = ["SHARED"]
[secrets.c]
type = "enum"
[secrets.d]
sensitive = true
default = "x"
[secrets.e]
pattern = "("
[secrets.f]
schemes = ["https"]
"#,
    );
    let lines: Vec<usize> = found.iter().map(|d| d.0).collect();
    assert_eq!(lines, [4, 6, 7, 9, 11, 13, 16, 18, 20], "{found:#?}");
    let text = found
        .iter()
        .map(|d| d.1.clone())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "does not take `dir`",
        "uses source `vualt`, which is not defined",
        "`DatabaseUrl` is not lower snake case",
        "`9BAD` (secret `a`) is not a valid",
        "`SHARED` is claimed by both `a` and `b`",
        "type `enum` but no `values`",
        "is sensitive and has a `default`",
        "not a valid regular expression",
        "`schemes` applies to type `url`",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn misspelled_source_gets_a_suggestion() {
    let error = parse(
        "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[environments.dev]\nsources = [\"dotnev\"]\n",
    )
    .unwrap_err();
    assert_eq!(
        error.diagnostics[0].help.as_deref(),
        Some("did you mean `dotenv`? Defined sources: dotenv")
    );
}

#[test]
fn unicode_classes_in_a_pattern_are_refused_with_the_dialect() {
    let error = parse("version = 1\n[secrets.name]\npattern = '\\p{L}+'\n").unwrap_err();
    assert_eq!(error.diagnostics[0].line, 3);
    let help = error.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`\\p{..}` is not supported"), "{help}");
}

#[test]
fn version_is_required_and_must_be_one() {
    assert_eq!(diagnostics("[secrets.a]\n")[0].1, "missing `version`");
    assert_eq!(
        diagnostics("version = 2\n")[0],
        (1, "unsupported manifest version 2".to_owned())
    );
}

#[test]
fn defaults_are_checked_against_their_type() {
    let found = diagnostics(
        "version = 1\n[secrets.port]\nsensitive = false\ntype = \"port\"\ndefault = \"99999\"\n",
    );
    assert_eq!(found[0].0, 5);
    assert!(found[0].1.contains("the default"), "{}", found[0].1);
}

#[test]
fn environment_selection_order() {
    let manifest = parse(
        "version = 1\n[environments.development]\nsources=[\"env\"]\n[environments.staging]\nsources=[\"env\"]\n[environments.production]\nsources=[\"env\"]\n",
    )
    .unwrap();
    let vars = Variables::from_pairs([("ENV", "staging"), ("ENVIRONMENT", "production")]);
    assert_eq!(
        manifest
            .select_environment(Some("staging"), &vars)
            .unwrap()
            .name,
        "staging"
    );
    assert_eq!(
        manifest.select_environment(None, &vars).unwrap().name,
        "production"
    );
    let vars = Variables::from_pairs([("ENV", "staging"), ("ENVIRONMENT", "")]);
    assert_eq!(
        manifest.select_environment(None, &vars).unwrap().name,
        "staging"
    );
    assert_eq!(
        manifest
            .select_environment(None, &Variables::default())
            .unwrap()
            .name,
        "development"
    );
    let error = manifest
        .select_environment(Some("prod"), &vars)
        .unwrap_err();
    assert!(
        error.to_string().contains("`prod` (chosen by the caller)"),
        "{error}"
    );
    let Error::UnknownEnvironment { defined, .. } = error else {
        panic!("{error}")
    };
    assert_eq!(defined, ["development", "staging", "production"]);
}

#[test]
fn vault_sources_are_parsed_with_defaults() {
    let manifest =
        parse("version = 1\n[sources.vault]\ntype = \"vault\"\nmount = \"/kv/\"\n").unwrap();
    let config = &manifest.source("vault").unwrap().config;
    let vault = config.get::<VaultConfig>().expect("a vault source");
    assert_eq!(
        (
            vault.mount.as_str(),
            vault.path.as_str(),
            vault.field.as_str(),
            vault.kv_version
        ),
        ("kv", "{environment}/{key}", "value", 2)
    );
    let found =
        diagnostics("version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"{env}/{key}\"\n");
    assert!(
        found[0].1.contains("unknown placeholder `{env}`"),
        "{found:?}"
    );
    // Each placeholder once: 4 KiB of `{key}` made 100 KiB places (a thirty-sixth
    // adversarial pass).
    for (setting, twice) in [
        (
            "path = \"{key}/{key}\"",
            "`path` uses `{key}` more than once",
        ),
        (
            "field = \"{environment}{environment}\"",
            "`field` uses `{environment}` more than once",
        ),
    ] {
        let found = diagnostics(&format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\n{setting}\n"
        ));
        assert!(found.iter().any(|(_, m)| m.contains(twice)), "{found:?}");
    }
    let found = diagnostics(
        "version = 1\n[app]\nname = \"a\"\n[sources.db]\ntype = \"vault_lease\"\npath = \"database/creds/{app}{app}\"\nsecrets = { k = \"username\" }\n[secrets.k]\n",
    );
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("`path` uses `{app}` more than once")),
        "{found:?}"
    );
}

#[test]
fn aws_sources_are_parsed_with_defaults_and_checked() {
    let manifest = parse(
        "version = 1\n[sources.sm]\ntype = \"aws_secrets_manager\"\n[sources.ps]\ntype = \"aws_parameter_store\"\nregion = \"eu-west-1\"\n",
    )
    .unwrap();
    let config = &manifest.source("sm").unwrap().config;
    let sm = config
        .get::<AwsConfig>()
        .filter(|c| c.store == AwsStore::SecretsManager);
    let sm = sm.expect("an aws_secrets_manager source");
    assert_eq!(
        (
            sm.name.as_str(),
            sm.field.as_deref(),
            sm.version_stage.as_deref(),
            sm.region.as_deref(),
            sm.max_concurrency
        ),
        ("{environment}/{key}", None, None, None, 16)
    );
    let config = &manifest.source("ps").unwrap().config;
    let ps = config
        .get::<AwsConfig>()
        .filter(|c| c.store == AwsStore::ParameterStore);
    let ps = ps.expect("an aws_parameter_store source");
    assert_eq!(
        (ps.name.as_str(), ps.region.as_deref()),
        ("/{environment}/{key}", Some("eu-west-1"))
    );
    for (source, expected) in [
        (
            "type = \"aws_secrets_manager\"\nname = \"{env}/{key}\"",
            "unknown placeholder `{env}` in `name`",
        ),
        (
            "type = \"aws_secrets_manager\"\nname = \"{key}/{key}\"",
            "`name` uses `{key}` more than once",
        ),
        (
            &format!(
                "type = \"aws_secrets_manager\"\nname = \"{}/{{key}}\"",
                "n".repeat(512)
            ),
            "`name` holds 513 bytes besides its placeholders: AWS names one of at most 512",
        ),
        (
            "type = \"aws_secrets_manager\"\nname = \"prod/{key} db\"",
            "`name` may hold only letters, digits and /_+=.@-",
        ),
        (
            "type = \"aws_secrets_manager\"\nregion = \"evil.example.com/x\"",
            "`region` is not an AWS region name",
        ),
        (
            "type = \"aws_secrets_manager\"\nversion_stage = \"\"",
            "`version_stage` must be a staging label",
        ),
        (
            "type = \"aws_secrets_manager\"\nfield = \"\"",
            "`field` is empty",
        ),
        (
            "type = \"aws_secrets_manager\"\nmax_concurrency = 0",
            "`max_concurrency` must be at least 1",
        ),
        (
            "type = \"aws_parameter_store\"\nname = \"{environment}/{key}\"",
            "a parameter name with `/` must start with `/`",
        ),
        (
            "type = \"aws_parameter_store\"\nfield = \"{key}\"",
            "which does not take `field`",
        ),
        (
            "type = \"vault\"\nname = \"x\"",
            "has type `vault`, which does not take `name`",
        ),
        (
            "type = \"dotenv\"\nfiles = [\".env\"]\nfield = \"x\"",
            "has type `dotenv`, which does not take `field`",
        ),
    ] {
        let found = diagnostics(&format!("version = 1\n[sources.s]\n{source}\n"));
        assert!(
            found.iter().any(|(_, message)| message.contains(expected)),
            "{source}: {found:?}"
        );
    }
}

/// The fields serde expects in the table `prefix` opens, from its error for an
/// unknown one ("expected one of" and the list).
fn expected_fields(prefix: &str) -> Vec<String> {
    let text = format!("version = 1\n{prefix}\nzzz_not_a_field = 1\n");
    let error = parse(&text).expect_err("an unknown field is refused");
    let message = &error.diagnostics[0].message;
    let (_, list) = message
        .split_once("expected one of ")
        .or_else(|| message.split_once("expected "))
        .unwrap_or_else(|| panic!("{message}"));
    // serde writes two as "`a` or `b`" and more as "`a`, `b`, `c`".
    let mut fields: Vec<String> = list
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|field| field.trim_matches('`').to_owned())
        .collect();
    fields.sort();
    fields
}

const RULES: &str = "version = 1\n\
    [environments.development]\nsources = [\"env\"]\n\
    [environments.development.secrets.debug_mode]\ndefault = \"true\"\n\
    [environments.production]\nsources = [\"env\"]\nenforce_rotation = true\n\
    [environments.production.secrets.redis_password]\nrequired = true\n\
    [secrets.debug_mode]\nsensitive = false\ntype = \"bool\"\ndefault = \"false\"\n\
    [secrets.redis_password]\n\
    [secrets.secret_key]\nrequired = true\n";

#[test]
fn an_environment_sets_its_own_required_and_default_without_repeating_the_secret() {
    let manifest = parse(RULES).unwrap();
    let vars = Variables::default();
    let development = manifest
        .select_environment(Some("development"), &vars)
        .unwrap();
    let production = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let default_of =
        |env: &EnvironmentSpec, key: &str| manifest.secret_in(env, key).unwrap().default.clone();
    assert_eq!(
        default_of(development, "debug_mode").as_deref(),
        Some("true")
    );
    assert_eq!(
        default_of(production, "debug_mode").as_deref(),
        Some("false")
    );
    let required =
        |env: &EnvironmentSpec, key: &str| manifest.secret_in(env, key).unwrap().required;
    assert!(!required(development, "redis_password"));
    assert!(required(production, "redis_password"));
    assert!(
        required(production, "secret_key"),
        "what it does not set is the declaration's"
    );
    assert!(
        !manifest.secret("redis_password").unwrap().required,
        "the declaration is unchanged"
    );
    assert_eq!(
        production
            .secrets()
            .iter()
            .map(|s| s.key.as_str())
            .collect::<Vec<_>>(),
        ["debug_mode", "redis_password", "secret_key"],
        "every secret, in manifest order"
    );
    assert!(production.enforce_rotation && !development.enforce_rotation);
    assert_eq!(production.rules["redis_password"].required, Some(true));
}

#[test]
fn environment_rules_are_checked_like_declarations() {
    let found = diagnostics(
        "version = 1\n[environments.production]\nsources = [\"env\"]\n\
         [environments.production.secrets.secret_kee]\nrequired = true\n\
         [environments.production.secrets.api_key]\ndefault = \"hunter2\"\n\
         [environments.production.secrets.port]\ndefault = \"99999\"\n\
         [secrets.secret_key]\n[secrets.api_key]\n\
         [secrets.port]\nsensitive = false\ntype = \"port\"\n",
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("rules for `secret_kee`, which is not declared"),
        "{found:?}"
    );
    assert!(
        found[1]
            .1
            .contains("`api_key` is sensitive and cannot have a `default`"),
        "{found:?}"
    );
    assert!(found[2].1.contains("the default of `port`"), "{found:?}");
    assert!(
        found
            .iter()
            .all(|(_, message)| !message.contains("hunter2") && !message.contains("99999")),
        "{found:?}"
    );
}

#[test]
fn rules_for_a_secret_whose_declaration_is_refused_are_not_called_undeclared() {
    // A sixty-seventh adversarial pass: its declaration's own error, and "has rules for
    // `dsn`, which is not declared" besides, sent the user after a declaration there.
    let found = diagnostics(
        "version = 1\n[environments.production]\nsources = [\"env\"]\n\
         [environments.production.secrets.dsn]\nrequired = true\n\
         [secrets.dsn]\ntype = \"url\"\nrotate_every = \"1s\"\ngenerate = { bytes = 16 }\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("which random text does not fit"),
        "{found:?}"
    );
}

#[test]
fn a_rotation_policy_is_a_duration_and_a_way_to_make_the_value() {
    let manifest = parse(
        "version = 1\n[secrets.secret_key]\nrotate_every = \"90d\"\ngenerate = { bytes = 32, format = \"hex\" }\n\
         [secrets.api_key]\nrotate_every = \"30d\"\n\
         [secrets.session]\ngenerate = { bytes = 16 }\n[secrets.plain]\n",
    )
    .unwrap();
    let rotation = |key: &str| manifest.secret(key).unwrap().rotation.clone();
    assert_eq!(
        rotation("secret_key"),
        Some(Rotation {
            every: Some(std::time::Duration::from_secs(90 * 86_400)),
            new_value: NewValue::Generated {
                bytes: 32,
                encoding: crate::generate::Encoding::Hex
            },
        })
    );
    assert_eq!(
        rotation("api_key").map(|r| r.new_value),
        Some(NewValue::Provided),
        "without `generate`, someone provides it"
    );
    assert_eq!(
        rotation("session").and_then(|r| r.every),
        None,
        "on demand only"
    );
    assert_eq!(rotation("plain"), None);
    let found = diagnostics(
        "version = 1\n[secrets.a]\nrotate_every = \"soon\"\n\
         [secrets.b]\ngenerate = { bytes = 4 }\n\
         [secrets.c]\ngenerate = { bytes = 32, format = \"base32\" }\n\
         [secrets.d]\ntype = \"int\"\ngenerate = { bytes = 32 }\n\
         [secrets.e]\nmax_length = 10\ngenerate = { bytes = 32 }\n\
         [secrets.f]\ngenerate = \"random\"\n\
         [secrets.g]\nrotate_every = \"4000d\"\n",
    );
    assert_eq!(found.len(), 7, "{found:?}");
    for (n, expected) in [
        "`rotate_every` is not a duration",
        "makes 4 random bytes",
        "unknown `generate` format `base32`",
        "has type `int`",
        "makes 43 characters",
        "neither \"provided\" nor a table",
        "`rotate_every` is longer than ten years",
    ]
    .iter()
    .enumerate()
    {
        assert!(found[n].1.contains(expected), "{expected}: {found:?}");
    }
}

fn schema_fields(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    let mut fields: Vec<String> = schema
        .pointer(pointer)
        .and_then(serde_json::Value::as_object)
        .unwrap_or_else(|| panic!("no {pointer} in the schema"))
        .keys()
        .cloned()
        .collect();
    fields.sort();
    fields
}

#[test]
fn the_json_schema_names_exactly_the_fields_the_checker_reads() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    for (prefix, pointer) in [
        ("", "/properties"),
        ("[app]", "/properties/app/properties"),
        (
            "[sources.s]\ntype = \"env\"",
            "/definitions/source/properties",
        ),
        (
            "[environments.e]\nsources = [\"env\"]",
            "/definitions/environment/properties",
        ),
        ("[secrets.s]", "/definitions/secret/properties"),
        (
            "[environments.e]\nsources = [\"env\"]\n[environments.e.secrets.s]",
            "/definitions/rule/properties",
        ),
        ("[audit]\nsink = \"stderr\"", "/properties/audit/properties"),
    ] {
        assert_eq!(
            schema_fields(&schema, pointer),
            expected_fields(prefix),
            "{pointer} has drifted from the checker"
        );
    }
}

#[test]
fn an_empty_application_name_is_refused() {
    // A twenty-second adversarial pass: `name = ""` named the copy `.production.lkg`,
    // which `cache status`, `cache clear` and the forgetting of copies passed over.
    for name in ["", "  "] {
        let found = diagnostics(&format!("version = 1\n[app]\nname = \"{name}\"\n"));
        assert_eq!(found, [(3, "`[app] name` is empty".to_owned())], "{name:?}");
    }
}

#[test]
fn a_pattern_over_a_template_that_reads_a_secret_is_refused() {
    // A sixty-first adversarial pass: one pattern of three branches over a template
    // that differs by environment (`{pw}|0`, `{pw}|1`, `{pw}|2`) told one character of
    // `pw` a `check --env`; a default by environment beside the value would do the
    // same with one template.
    let by_environment = "version = 1\n[sources.env]\ntype = \"env\"\n\
        [environments.e0]\nsources = [\"env\"]\n\
        [environments.e0.secrets.probe]\ntemplate = \"{pw}|0\"\n\
        [environments.e1]\nsources = [\"env\"]\n\
        [environments.e1.secrets.probe]\ntemplate = \"{pw}|1\"\n\
        [secrets.pw]\n[secrets.probe]\npattern = \"(h.*\\\\|0|.u.*\\\\|1)\"\n";
    let found = diagnostics(by_environment);
    assert!(
        found.iter().any(|(line, message)| *line == 7
            && message == "environment `e0`: secret `probe` has `pattern` and is built by a template that reads secret `pw`"),
        "{found:?}"
    );
    let with_a_default = "version = 1\n[sources.env]\ntype = \"env\"\n\
        [environments.e0]\nsources = [\"env\"]\n\
        [environments.e0.secrets.marker]\ndefault = \"0\"\n\
        [secrets.pw]\n[secrets.marker]\nsensitive = false\n\
        [secrets.probe]\ntemplate = \"{pw}|{marker}\"\npattern = \"h.*\\\\|0\"\n";
    assert!(!diagnostics(with_a_default).is_empty());
    // Through another template too.
    let through = "version = 1\n[secrets.pw]\n\
        [secrets.inner]\ntemplate = \"x{pw}\"\n\
        [secrets.outer]\ntemplate = \"{inner}\"\npattern = \"xh.*\"\n";
    assert!(!diagnostics(through).is_empty());
    // So `values`, `min`/`max` and the lengths (a sixty-second adversarial pass:
    // dictionaries of PINs and passwords, a bit an environment; a length by padding).
    for constraint in [
        "type = \"enum\"\nvalues = [\"k:1234\"]",
        "type = \"int\"\nmin = 5",
        "max_length = 20",
        "min_length = 8",
    ] {
        let text = format!(
            "version = 1\n[secrets.pw]\n[secrets.probe]\ntemplate = \"k:{{pw}}\"\n{constraint}\n"
        );
        assert!(!diagnostics(&text).is_empty(), "{constraint}");
    }
    // A url's type and `schemes` are checked on the template's shape: they stay.
    let fixed_scheme = "version = 1\n[secrets.pw]\n[secrets.url]\n\
        template = \"postgresql://u:{pw|url}@db/app\"\ntype = \"url\"\nschemes = [\"postgresql\"]\n";
    assert!(parse(fixed_scheme).is_ok());
    // Whatever the inputs are declared (a sixty-third adversarial pass declared the
    // password `sensitive = false`, and asked on).
    let settings = "version = 1\n[secrets.host]\nsensitive = false\n\
        [secrets.url]\ntemplate = \"https://{host}/\"\npattern = \"https://.*\"\n";
    assert!(
        diagnostics(settings).iter().any(|(_, message)| message
            == "environment `development`: secret `url` has `pattern` and is built by a template that reads secret `host`"),
        "{:?}",
        diagnostics(settings)
    );
}
