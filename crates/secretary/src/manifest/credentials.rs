//! The variables that hold credentials: never declared not secret, never lent to
//! `.env` expansion, and (secretary's own) never passed on by `run`.

/// The variables that hold credentials secretary itself reads, or hands to the program
/// that reads for it: Vault's token, AppRole ids and JWT (and their `BAO_` spellings), the
/// audit log's fingerprint key, the key of the last-known-good copies, and the age key
/// sops decrypts with (`SOPS_AGE_KEY`). They are never passed to a program `run` starts
/// unless a secret declares them, nor lent to `.env` expansion, and a secret that
/// declares one is always sensitive.
pub const CREDENTIAL_VARIABLES: [&str; 11] = [
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "BAO_ROLE_ID",
    "VAULT_SECRET_ID",
    "BAO_SECRET_ID",
    "VAULT_JWT",
    "BAO_JWT",
    "SECRETARY_AUDIT_KEY",
    "SECRETARY_CACHE_KEY",
    "SOPS_AGE_KEY",
];

/// The secret parts of the cloud credentials a process holds (for itself, for
/// secretary's AWS sources, and for the KMS keys sops may decrypt with): AWS's secret
/// key and session tokens, Google's credentials (a key's JSON, or its path) and OAuth
/// token, Azure's client secret, certificate password and user password. Never lent to
/// `.env` expansion, and a secret that declares one is always sensitive (a seventh
/// adversarial pass: `${AWS_SECRET_ACCESS_KEY}` expanded into a `.env`, and a manifest
/// could call it not secret). Unlike [`CREDENTIAL_VARIABLES`], `run` passes them on: they
/// are usually the workload's own identity (an instance or task role, a web identity, a
/// service account), which the program uses too.
pub const CLOUD_CREDENTIAL_VARIABLES: [&str; 8] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_PASSWORD",
];

/// Variables that make a program run code, or send its traffic, where their value says:
/// the dynamic loader's, a shell's start-up and prompt files, an interpreter's module
/// path and options, the programs other programs start (`PAGER`, `GIT_SSH_COMMAND`),
/// proxies and the certificate authorities trusted. (`ENV`, the start-up file of an
/// interactive POSIX shell, is not among them: it is the default environment variable
/// that names the environment, and no program `run` starts is an interactive shell.) A secret may not be read into one: its value would come from the
/// manifest's `default`, a committed `.env` or a store a pull request names, and the
/// program `run` starts, or the shell `export` feeds, would run what that value names
/// (a fifteenth adversarial pass ran `BASH_ENV` and `LD_PRELOAD` that way). DESIGN: the
/// user, never the manifest, chooses which programs run.
const PROGRAM_CONTROLS: [&str; 57] = [
    "PATH",
    "BASH_ENV",
    "ZDOTDIR",
    "PROMPT_COMMAND",
    "PS0",
    "PS1",
    "PS2",
    "PS4",
    "SHELLOPTS",
    "BASHOPTS",
    "IFS",
    "CDPATH",
    "FPATH",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONBREAKPOINT",
    "PERL5LIB",
    "PERLLIB",
    "PERL5OPT",
    "RUBYLIB",
    "RUBYOPT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "GCONV_PATH",
    "LOCPATH",
    "PAGER",
    "EDITOR",
    "VISUAL",
    "BROWSER",
    "LESSOPEN",
    "LESSCLOSE",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_ASKPASS",
    "GIT_EDITOR",
    "GIT_PAGER",
    "GIT_PROXY_COMMAND",
    "GIT_EXTERNAL_DIFF",
    "GIT_TEMPLATE_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
];

/// The prefixes of such variables: the loader's (`LD_PRELOAD`, `DYLD_INSERT_LIBRARIES`)
/// and git's configuration from the environment (`GIT_CONFIG_KEY_0`).
const PROGRAM_CONTROL_PREFIXES: [&str; 3] = ["LD_", "DYLD_", "GIT_CONFIG_"];

/// Whether `name` makes programs run code, or send their traffic, where its value says
/// ([`PROGRAM_CONTROLS`]; case aside, as proxies are read in lower case too). No secret
/// may be read into one.
pub(crate) fn controls_programs(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    PROGRAM_CONTROLS.contains(&upper.as_str())
        || PROGRAM_CONTROL_PREFIXES
            .iter()
            .any(|prefix| upper.starts_with(prefix))
}

/// Whether `name` holds a credential that is never lent to expansion nor declared not
/// secret: [`CREDENTIAL_VARIABLES`] and [`CLOUD_CREDENTIAL_VARIABLES`]. The variables an
/// `exec` source's `pass_env` names are such credentials too, for the manifest that
/// names them: [`crate::Manifest::provider_variables`].
pub(crate) fn is_credential(name: &str) -> bool {
    CREDENTIAL_VARIABLES.contains(&name) || CLOUD_CREDENTIAL_VARIABLES.contains(&name)
}
