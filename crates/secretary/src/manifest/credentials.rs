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
/// make's implicit variables (`RM`, `LDLIBS`: its built-in recipes run them),
/// proxies and the certificate authorities trusted. (`ENV`, the start-up file of an
/// interactive POSIX shell, is not among them: it is the default environment variable
/// that names the environment, and no program `run` starts is an interactive shell.) A secret may not be read into one: its value would come from the
/// manifest's `default`, a committed `.env` or a store a pull request names, and the
/// program `run` starts, or the shell `export` feeds, would run what that value names
/// (a fifteenth adversarial pass ran `BASH_ENV` and `LD_PRELOAD` that way). DESIGN: the
/// user, never the manifest, chooses which programs run.
const PROGRAM_CONTROLS: [&str; 161] = [
    "PATH",
    "HOME",
    "SHELL",
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
    "CLASSPATH",
    "TERMINFO",
    "INPUTRC",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "LOCPATH",
    "NLSPATH",
    "CC",
    "CXX",
    "CPP",
    "BROWSER",
    "FCEDIT",
    "LESSOPEN",
    "LESSCLOSE",
    "LESSKEYIN",
    "TCLLIBPATH",
    "EMACSLOADPATH",
    "SSLKEYLOGFILE",
    "GOFLAGS",
    "GOPROXY",
    "GOPATH",
    "GOROOT",
    "GOENV",
    "MAKEFLAGS",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "HGRCPATH",
    "HGEDITOR",
    "WGETRC",
    "PHPRC",
    "SCREENRC",
    "MYVIMRC",
    "VIMINIT",
    "EXINIT",
    "GVIMINIT",
    "MAKEFILES",
    "TEXINPUTS",
    "PKG_CONFIG_PATH",
    "VISUAL",
    "AR",
    "AS",
    "LD",
    "M4",
    "LEX",
    "YACC",
    "FC",
    "PKG_CONFIG",
    "MPLBACKEND",
    "VIRTUAL_ENV",
    "COMPILER_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "GOCACHEPROG",
    "GOTOOLCHAIN",
    "GODEBUG",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
    "GOSUMDB",
    "GOEXPERIMENT",
    "GOBIN",
    "GOCACHE",
    "GOMODCACHE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES",
    "GNUMAKEFLAGS",
    "PSQLRC",
    "PGSYSCONFDIR",
    "PGSERVICEFILE",
    "LESS",
    "LESSKEY",
    "LESSKEY_SRC",
    "VIMRUNTIME",
    "VIM",
    "AZURE_EXTENSION_DIR",
    "__PYVENV_LAUNCHER__",
    "MANOPT",
    "MANROFFOPT",
    "MAN_DISABLE_SECCOMP",
    "MANPATH",
    "LESSKEYIN_SYSTEM",
    "LESSKEY_SYSTEM",
    "LESSKEY_CONTENT",
    "LESSEDIT",
    "BOTO_PATH",
    "BOTO_CONFIG",
    "AWS_DATA_PATH",
    "LDLIBS",
    "LOADLIBES",
    "TARGET_ARCH",
    "OUTPUT_OPTION",
    "RM",
    "CO",
    "GET",
    "MAKEINFO",
    "TEX",
    "TEXI2DVI",
    "WEAVE",
    "CWEAVE",
    "TANGLE",
    "CTANGLE",
    "LINT",
    "PC",
    "M2C",
    "ARFLAGS",
    "ASFLAGS",
    "FFLAGS",
    "LFLAGS",
    "YFLAGS",
    "PFLAGS",
    "RFLAGS",
    "LINTFLAGS",
    "COFLAGS",
    "GFLAGS",
    "CONFIG_SITE",
    "CONFIG_SHELL",
    "SYSSCREENRC",
    "MAKE",
    "MAKEOVERRIDES",
    "MAKESHELL",
    "MFLAGS",
    "MAKE_COMMAND",
    "MAKELEVEL",
    "MAKE_RESTARTS",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
    "MAKE_HOST",
    "F77",
    "F77FLAGS",
    // A twenty-eighth adversarial pass ran `OBJC` through make's `%.o: %.m` recipe, and
    // `OBJCFLAGS=-wrapper ./w.sh`; with them every variable make's own rules read (the
    // test `makes_own_variables_are_refused` asks GNU make for its list).
    "OBJC",
    "OBJCFLAGS",
    "OBJC_INCLUDE_PATH",
    "M2FLAGS",
    "MODFLAGS",
    "DEFFLAGS",
    "MAKEINFO_FLAGS",
    "TEXI2DVI_FLAGS",
    "TARGET_MACH",
    "SCCS_OUTPUT_OPTION",
    "SUFFIXES",
    "MAKE_VERSION",
];

/// The beginnings of such variables, by family: the loader, libc, the version-control
/// and configuration families, the interpreters and runtimes, where secretary's own
/// stores are and how they are trusted (`VAULT_ADDR` sent the user's token to an
/// address the manifest named: a sixteenth adversarial pass), package managers,
/// containers and clusters, compilers and build tools, plugin loaders (of media, toolkits,
/// graphics, SASL), test runners, the cloud SDKs' credential endpoints, Kerberos and
/// the session bus (a seventeenth added these), Tcl's and Tk's libraries, bash's
/// exported functions (`BASH_FUNC_name%%`), Valgrind's and Mesa's loaders (a
/// twenty-second), Spark's, TeX's, `ImageMagick`'s, AWK's, `getconf`'s and gRPC's (a
/// twenty-third), Jupyter's, `IPython`'s and cgo's (a twenty-sixth).
const PROGRAM_CONTROL_PREFIXES: [&str; 98] = [
    "LD_",
    "DYLD_",
    "GLIBC_",
    "MALLOC_",
    "RES_",
    "GCONV",
    "GIT_",
    "SVN_",
    "CVS_",
    "RSYNC_",
    "XDG_",
    "SSH_",
    "GNUPG",
    "GPG_",
    "VAULT_",
    "BAO_",
    "SECRETARY_",
    "PYTHON",
    "PERL",
    "RUBY",
    "GEM_",
    "BUNDLE_",
    "NODE_",
    "NPM_CONFIG_",
    "YARN_",
    "JAVA_",
    "_JAVA_",
    "JDK_",
    "MAVEN_",
    "GRADLE_",
    "DOTNET_",
    "CORECLR_",
    "COMPLUS_",
    "ERL_",
    "LUA_",
    "PHP",
    "R_",
    "CARGO_",
    "RUST",
    "PIP_",
    "CONDA",
    "DOCKER_",
    "COMPOSE_",
    "KUBE",
    "OPENSSL_",
    "CURL_",
    "SUDO_",
    "GCC_",
    "CCACHE_",
    "CMAKE_",
    "CLOUDSDK_",
    "TF_CLI_",
    "ANSIBLE_",
    "GST_",
    "GTK_",
    "QT_",
    "VK_",
    "JULIA_",
    "GUILE_",
    "SASL_",
    "LIBMYSQL_",
    "ODBC",
    "PYTEST_",
    "COVERAGE_",
    "UV_",
    "COREPACK_",
    "DENO_",
    "BUN_",
    "DBUS_",
    "KRB5",
    "NIX_",
    "ELECTRON_",
    "AWS_CONTAINER_CREDENTIALS_",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_",
    "PYENV_",
    "RBENV_",
    "NODENV_",
    "GOENV_",
    "ASDF_",
    "MISE_",
    "NVM_",
    "SDKMAN_",
    "GROFF_",
    "TCL_",
    "TK_",
    "BASH_FUNC_",
    "VALGRIND_",
    "LIBGL_",
    "PYSPARK_",
    "TEXMF",
    "MAGICK_",
    "AWK",
    "GETCONF_",
    "GRPC_DEFAULT_SSL_",
    "JUPYTER_",
    "IPYTHON",
    "CGO_",
];

/// The endings of such variables: proxies, configuration files and start-up files,
/// options passed to runtimes, pagers and editors, remote shells, TLS trust, the paths
/// plugins, modules and libraries load from, launchers, password prompts (`ASKPASS`),
/// package indexes, and a command or its arguments (`*_COMMAND`, `*_ARGS`). (Not
/// `FLAGS` or `RC`, which applications' own names end in too: `FEATURE_FLAGS`,
/// `IMAGE_SRC`; the programs' own are named above.)
const PROGRAM_CONTROL_SUFFIXES: [&str; 54] = [
    "_PROXY",
    "HOME",
    "CONFIG",
    "CONFIG_FILE",
    "RCPATH",
    "PAGER",
    "EDITOR",
    "_RSH",
    "_SSH",
    "_SSH_COMMAND",
    "_SHELL",
    "CA_BUNDLE",
    "CACERT",
    "CAINFO",
    "CAPATH",
    "CERT_FILE",
    "CERT_DIR",
    "_VERIFY",
    "_REJECT_UNAUTHORIZED",
    "_INIT",
    "ASKPASS",
    "_PLUGINS",
    "_PLUGIN_DIR",
    "_PLUGIN_PATH",
    "_MODULE_PATH",
    "_MODULES",
    "_MODULE_DIR",
    "_MODULEDIR",
    "_MODULE_FILE",
    "_DRIVERS_PATH",
    "_BINARY",
    "_BINARY_PATH",
    "_EXECUTABLE",
    "_EXECUTABLE_PATH",
    "OPT",
    "OPTS",
    "OPTIONS",
    "_BIN",
    "CLASSPATH",
    "_ENGINE_LIBRARY",
    "_LOAD_PATH",
    "_LIBRARY_PATH",
    "_LAYER_PATH",
    "_DEPOT_PATH",
    "_INCLUDE_PATH",
    "_LAUNCHER",
    "_TOOLCHAIN_FILE",
    "_ARGS",
    "_SETTINGS_MODULE",
    "_INDEX_URL",
    "_EXEC_PREFIX",
    "_COMMAND",
    "_CMD",
    "_PROGRAM",
];

/// The AWS variables that say where the SDKs read their configuration (which can name
/// a program, `credential_process`) and where they send requests.
const AWS_CONTROLS: [&str; 6] = [
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_CA_BUNDLE",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

/// Whether `name` makes programs run code, or send their traffic or credentials, where
/// its value says ([`PROGRAM_CONTROLS`], and by family: [`PROGRAM_CONTROL_PREFIXES`],
/// [`PROGRAM_CONTROL_SUFFIXES`], [`AWS_CONTROLS`] and `AWS_ENDPOINT_URL_*`; case aside,
/// as proxies are read in lower case too), unless it is a credential. No secret may be
/// read into one. These are
/// families, not every variable of every program: an application that reads such a
/// variable has the user set it, not secretary.
pub(crate) fn controls_programs(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // A credential (`VAULT_TOKEN`) may be declared, to be passed on on purpose: it says
    // who the program is, not what it runs or where it sends it.
    if is_credential(&upper) {
        return false;
    }
    PROGRAM_CONTROLS.contains(&upper.as_str())
        || AWS_CONTROLS.contains(&upper.as_str())
        || upper.starts_with("AWS_ENDPOINT_URL_")
        || PROGRAM_CONTROL_PREFIXES
            .iter()
            .any(|prefix| upper.starts_with(prefix))
        || PROGRAM_CONTROL_SUFFIXES
            .iter()
            .any(|suffix| upper.ends_with(suffix))
}

/// Whether `name` holds a credential that is never lent to expansion nor declared not
/// secret: [`CREDENTIAL_VARIABLES`] and [`CLOUD_CREDENTIAL_VARIABLES`]. The variables an
/// `exec` source's `pass_env` names are such credentials too, for the manifest that
/// names them: [`crate::Manifest::provider_variables`].
pub(crate) fn is_credential(name: &str) -> bool {
    CREDENTIAL_VARIABLES.contains(&name) || CLOUD_CREDENTIAL_VARIABLES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::controls_programs;

    #[test]
    fn what_makes_programs_run_code_or_send_traffic_is_told_from_an_applications_own() {
        // Sixteenth adversarial pass: each of these ran code or sent the user's token.
        for name in [
            "GIT_DIR",
            "HOME",
            "AWS_CONFIG_FILE",
            "VAULT_ADDR",
            "ftp_proxy",
            "KUBECONFIG",
            "OPENSSL_CONF",
            "JAVA_OPTS",
            "MAVEN_OPTS",
            "DOTNET_STARTUP_HOOKS",
            "VIMINIT",
            "PHPRC",
            "WGETRC",
            "MANPAGER",
            "SUDO_EDITOR",
            "RSYNC_RSH",
            "XDG_CONFIG_HOME",
            "GEM_HOME",
            "DOCKER_HOST",
            "PIP_INDEX_URL",
            "SSH_AUTH_SOCK",
            "GIT_SSL_NO_VERIFY",
            "NODE_TLS_REJECT_UNAUTHORIZED",
            "PYTHONHTTPSVERIFY",
            "SSLKEYLOGFILE",
            "GLIBC_TUNABLES",
            "HOSTALIASES",
            "AWS_ENDPOINT_URL_S3",
            "BAO_ADDR",
            "LD_PRELOAD",
            "BASH_ENV",
            "PATH",
            "CC",
            "MAKEFLAGS",
            "LUA_INIT",
            "R_PROFILE_USER",
        ] {
            assert!(controls_programs(name), "{name}");
        }
        // An application's own, the reference application's included, and credentials
        // declared to be passed on.
        for name in [
            "DATABASE_URL",
            "SQLALCHEMY_DATABASE_URI",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "YOUTUBE_API_KEY",
            "ANTHROPIC_API_KEY",
            "GOOGLE_CLIENT_ID",
            "GOOGLE_CLIENT_SECRET",
            "SECRET_KEY",
            "APP_SECRET_KEY",
            "ENCRYPTION_KEY",
            "REDIS_PASSWORD",
            "MONGODB_URI",
            "ENVIRONMENT",
            "ENV",
            "DEBUG",
            "LOG_LEVEL",
            "API_KEY",
            "STRIPE_KEY",
            "SMTP_HOST",
            // A CI run of init's tests: an application's feature flags, a name of two
            // letters, and names ending like a program's.
            "FEATURE_FLAGS",
            "HG",
            "IMAGE_SRC",
            "HGTV_API_KEY",
            "GOOGLE_API_KEY",
            // In lower case: a name of the application, not one secretary reads.
            "aws_container_name",
            "QTY_LIMIT",
            "ASSETS_URL",
            "ARGON2_SALT",
            "SMTP_PASSWORD",
            "TF_VAR_DB_PASSWORD",
            "VAULT_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(!controls_programs(name), "{name}");
        }
    }

    #[test]
    fn editors_compilers_plugins_launchers_and_credential_endpoints_control_programs() {
        // A seventeenth: each runs a program, loads a plugin or library, or sends
        // credentials where its value says (`VISUAL` ran under `git commit`).
        for name in [
            "VISUAL",
            "SUDO_ASKPASS",
            "AR",
            "GCC_EXEC_PREFIX",
            "CCACHE_PREFIX",
            "CMAKE_C_COMPILER_LAUNCHER",
            "CMAKE_TOOLCHAIN_FILE",
            "GOCACHEPROG",
            "GOTOOLCHAIN",
            "CLOUDSDK_PYTHON",
            "TF_CLI_ARGS",
            "ANSIBLE_LIBRARY",
            "SASL_PATH",
            "LIBMYSQL_PLUGIN_DIR",
            "ODBCSYSINI",
            "GST_PLUGIN_PATH",
            "GTK_MODULES",
            "QT_PLUGIN_PATH",
            "VK_LAYER_PATH",
            "JULIA_DEPOT_PATH",
            "GUILE_LOAD_PATH",
            "PYTEST_PLUGINS",
            "PYTEST_ADDOPTS",
            "MPLBACKEND",
            "COVERAGE_PROCESS_START",
            "DJANGO_SETTINGS_MODULE",
            "UV_INDEX_URL",
            "VIRTUAL_ENV",
            "COREPACK_NPM_REGISTRY",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "DENO_AUTH_TOKENS",
            "DBUS_SESSION_BUS_ADDRESS",
            "KRB5CCNAME",
            "GODEBUG",
            "BACKUP_COMMAND",
            "CELERY_WORKER_ARGS",
            // A nineteenth: version managers' hooks and roots, make's other flags,
            // psql's start-up file, less's key file, vim's runtime.
            "PYENV_HOOK_PATH",
            "PYENV_ROOT",
            "RBENV_ROOT",
            "NODENV_HOOK_PATH",
            "ASDF_DATA_DIR",
            "MISE_DATA_DIR",
            "GNUMAKEFLAGS",
            "PSQLRC",
            "PGSYSCONFDIR",
            "LESS",
            "VIMRUNTIME",
            "AZURE_EXTENSION_DIR",
            // A twentieth: man's options, less's system key files, boto's config
            // path, groff's programs, botocore's data.
            "MANOPT",
            "LESSKEYIN_SYSTEM",
            "BOTO_PATH",
            "GROFF_BIN_PATH",
            "AWS_DATA_PATH",
            // A twenty-second: Tcl's start-up library (`init.tcl`), Tk's, GLib's and
            // gdk-pixbuf's module directories, Mesa's drivers, bash's exported
            // functions, Valgrind's tools.
            "TCL_LIBRARY",
            "TK_LIBRARY",
            "GIO_MODULE_DIR",
            // A twenty-sixth: make's implicit variables (its built-in recipes run them
            // through `sh`), autoconf's site file, IPython's and Jupyter's start-up
            // directories, cgo's flags.
            "LDLIBS",
            "TARGET_ARCH",
            "RM",
            "CONFIG_SITE",
            "IPYTHONDIR",
            "JUPYTER_CONFIG_DIR",
            "CGO_CFLAGS",
            // A twenty-seventh: `$(MAKE)` in a recipe, and what recursive makes read.
            "MAKE",
            "MAKEOVERRIDES",
            "MFLAGS",
            "GDK_PIXBUF_MODULEDIR",
            "GDK_PIXBUF_MODULE_FILE",
            "LIBGL_DRIVERS_PATH",
            "BASH_FUNC_echo%%",
            "VALGRIND_LIB",
            // A twenty-third: the programs, engines and class paths tools run or load.
            "ESBUILD_BINARY_PATH",
            "PUPPETEER_EXECUTABLE_PATH",
            "CYPRESS_RUN_BINARY",
            "CHROME_BIN",
            "PRISMA_QUERY_ENGINE_LIBRARY",
            "PYSPARK_PYTHON",
            "HADOOP_CLASSPATH",
            "MAGICK_CONFIGURE_PATH",
            "TEXMFCNF",
            "AWKPATH",
            "GETCONF_DIR",
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
            // A twenty-fourth: zip's and xz's options, without an underscore.
            "ZIPOPT",
            "UNZIPOPT",
            "XZ_OPT",
        ] {
            assert!(controls_programs(name), "{name}");
        }
    }

    #[test]
    fn makes_own_variables_are_refused() {
        // Every variable GNU make defines for its built-in rules, and every one those
        // rules read (`$(OBJC) $(OBJCFLAGS)`): a value in one runs as a command, or as
        // a compiler's option, under `run -- make` (a twenty-eighth adversarial pass).
        let output = std::process::Command::new("make")
            .args(["-p", "-f", "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .expect("this test asks GNU make for its built-in variables: install make");
        let printed = String::from_utf8_lossy(&output.stdout);
        let mut names = std::collections::BTreeSet::new();
        let lines: Vec<&str> = printed.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            if *line == "# default" {
                if let Some(name) = lines.get(at + 1).and_then(|next| next.split(' ').next()) {
                    names.insert(name.to_owned());
                }
            }
            let mut rest = *line;
            while let Some(start) = rest.find("$(") {
                rest = &rest[start + 2..];
                let name: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, ')' | ' ' | ':' | '$' | '('))
                    .collect();
                names.insert(name);
            }
        }
        let env_names: Vec<&String> = names
            .iter()
            .filter(|name| {
                crate::manifest::is_env_name(name)
                    && name.starts_with(|c: char| c.is_ascii_uppercase())
            })
            .collect();
        assert!(
            env_names.len() > 40,
            "make printed too little: {env_names:?}"
        );
        let passed: Vec<&&String> = env_names
            .iter()
            .filter(|name| {
                !controls_programs(name)
                    && !matches!(
                        name.as_str(),
                        "HOME" | "PATH" | "SHELL" | "PWD" | "OLDPWD" | "CURDIR"
                    )
            })
            .collect();
        assert!(
            passed.is_empty(),
            "make's own variables not refused: {passed:?}"
        );
    }
}
