//! `allow` against the reviewer's three ways to run code the user never allowed: a
//! directory argument (a Python package), a script outside the manifest's directory (a
//! monorepo's `tools/`), and a module added beside an allowed script. Each edit writes a
//! marker file when its code runs: it must never run.

use secretary::source::ExecError;
use secretary::source::exec::TrustError;
use secretary::source::exec::trust;

use super::*;

/// A temporary tree: the manifest goes in `app` (under `root`), the store and the state
/// beside it.
struct Tree {
    root: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let tree = Self {
            root: tempfile::tempdir().unwrap(),
        };
        fs::write(tree.path("store.json"), r#"{"values": {"api_key": "k-1"}}"#).unwrap();
        tree
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.root.path().join(relative)
    }

    /// The fixture provider at `relative`, with `tail` added to it.
    fn provider(&self, relative: &str, tail: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = fs::read_to_string(secretary_test_support::provider()).unwrap();
        fs::write(&path, format!("{text}{tail}")).unwrap();
    }

    /// A line of Python that leaves the marker behind when it runs.
    fn marker_code(&self) -> String {
        format!("\nopen({:?}, 'w').write('ran')\n", self.marker())
    }

    fn marker(&self) -> String {
        self.path("ran").display().to_string()
    }

    fn manifest(&self, dir: &str, command: &str) -> Manifest {
        let dir = self.path(dir);
        fs::create_dir_all(&dir).unwrap();
        manifest(
            &dir,
            &format!(
                "version = 1\n[sources.p]\ntype = \"exec\"\ncommand = {command}\npass_env = [\"PROVIDER_STORE\"]\n\n[environments.production]\nsources = [\"p\"]\n\n[secrets.api_key]\n"
            ),
        )
    }

    fn vars(&self) -> Variables {
        Variables::from_pairs([
            ("PATH", std::env::var("PATH").unwrap()),
            (
                "SECRETARY_STATE_DIR",
                self.path("state").display().to_string(),
            ),
            (
                "PROVIDER_STORE",
                self.path("store.json").display().to_string(),
            ),
        ])
    }

    /// The trust error of a run, after checking that no changed code ran.
    fn refused(&self, manifest: &Manifest) -> TrustError {
        let report = run(manifest, "production", &self.vars());
        assert!(
            !Path::new(&self.marker()).exists(),
            "code the user never allowed ran"
        );
        let resolution = report.get("api_key").unwrap();
        for problem in &resolution.problems {
            if let ProblemKind::SourceFailed {
                error: SourceError::Exec(ExecError::Trust(error)),
                ..
            } = &problem.kind
            {
                return error.clone();
            }
        }
        panic!("not refused: {:?}", resolution.problems);
    }

    fn reads(&self, manifest: &Manifest) {
        let report = run(manifest, "production", &self.vars());
        assert_eq!(value(&report, "api_key").as_deref(), Some("k-1"));
    }
}

fn changed(error: &TrustError) -> String {
    match error {
        TrustError::ProgramChanged { program, .. } => program.clone(),
        other => panic!("not a change: {other:?}"),
    }
}

/// What `allow` pinned besides the program, by name.
fn pinned(manifest: &Manifest, vars: &Variables) -> Vec<String> {
    let allowed = trust::allow(manifest, vars).unwrap();
    allowed[0]
        .1
        .files
        .iter()
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn a_directory_argument_is_pinned_with_everything_in_it() {
    let tree = Tree::new();
    tree.provider("app/providers/prov/__main__.py", "");
    let manifest = tree.manifest("app", r#"["python3", "providers/prov"]"#);
    assert_eq!(pinned(&manifest, &tree.vars()), vec!["providers/prov/"]);
    tree.reads(&manifest);
    for (file, tail) in [
        ("app/providers/prov/__main__.py", tree.marker_code()),
        ("app/providers/prov/helper.py", String::new()),
    ] {
        let before = fs::read(tree.path(file)).ok();
        let mut text = before.clone().unwrap_or_default();
        text.extend_from_slice(tail.as_bytes());
        fs::write(tree.path(file), text).unwrap();
        assert_eq!(changed(&tree.refused(&manifest)), "providers/prov/");
        match before {
            Some(before) => fs::write(tree.path(file), before).unwrap(),
            None => fs::remove_file(tree.path(file)).unwrap(),
        }
        tree.reads(&manifest);
    }
}

#[test]
fn a_script_outside_the_manifests_directory_is_pinned_with_its_directory_in_the_repository() {
    for repository in [true, false] {
        let tree = Tree::new();
        if repository {
            fs::create_dir_all(tree.path(".git")).unwrap();
        }
        tree.provider("tools/op.py", "");
        let manifest = tree.manifest("app", r#"["python3", "../tools/op.py"]"#);
        let expected: &[&str] = if repository {
            &["../tools/op.py", "../tools/"]
        } else {
            // Outside any repository, only what is beneath the manifest's directory is a
            // pull request's to change: the script is pinned, not its neighbours.
            &["../tools/op.py"]
        };
        assert_eq!(pinned(&manifest, &tree.vars()), expected);
        tree.reads(&manifest);
        let script = tree.path("tools/op.py");
        let original = fs::read_to_string(&script).unwrap();
        fs::write(&script, format!("{original}{}", tree.marker_code())).unwrap();
        assert_eq!(changed(&tree.refused(&manifest)), "../tools/op.py");
        fs::write(&script, &original).unwrap();
        tree.reads(&manifest);
        if repository {
            fs::write(tree.path("tools/json.py"), tree.marker_code()).unwrap();
            assert_eq!(changed(&tree.refused(&manifest)), "../tools/");
        }
    }
}

#[test]
fn a_module_added_beside_an_allowed_script_is_a_change_and_the_manifests_directory_cannot_be_pinned()
 {
    // In a directory of its own, the script's neighbours are pinned: `import json` in the
    // provider would find a `json.py` added beside it first.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    tree.provider("providers/op.py", "");
    let manifest = tree.manifest(".", r#"["python3", "providers/op.py"]"#);
    assert_eq!(
        pinned(&manifest, &tree.vars()),
        vec!["providers/op.py", "providers/"]
    );
    tree.reads(&manifest);
    fs::write(tree.path("providers/json.py"), tree.marker_code()).unwrap();
    assert_eq!(changed(&tree.refused(&manifest)), "providers/");
    fs::remove_file(tree.path("providers/json.py")).unwrap();
    tree.reads(&manifest);

    // Beside the manifest, or at the repository's root, it cannot be allowed: anything
    // added there could change what runs.
    for (dir, script, command, what) in [
        (
            "app",
            "app/op.py",
            r#"["python3", "op.py"]"#,
            "the manifest's own directory",
        ),
        (
            ".",
            "op.py",
            r#"["python3", "op.py"]"#,
            "the manifest's own directory",
        ),
        (
            "app",
            "op.py",
            r#"["python3", "../op.py"]"#,
            "the root of the git repository",
        ),
        (
            "app",
            "op.py",
            r#"["./../op.py"]"#,
            "the root of the git repository",
        ),
    ] {
        tree.provider(script, "");
        chmod(&tree.path(script), 0o755);
        let manifest = tree.manifest(dir, command);
        let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
        assert!(
            matches!(&error, TrustError::Shared { what: w, .. } if w.to_string() == what),
            "{command}: {error:?}"
        );
        assert!(error.hint().contains("providers/"), "{}", error.hint());
        // Nor run on an earlier record.
        let refused = tree.refused(&manifest);
        assert!(matches!(refused, TrustError::Shared { .. }), "{refused:?}");
    }
}

/// A virtual environment made outside `tree` (`python3 -m venv`, nothing installed), with
/// a module only it has, `vonly`: its directory.
fn venv_with_a_module_of_its_own(dir: &Path) -> std::path::PathBuf {
    let venv = dir.join("venv");
    let made = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let lib = fs::read_dir(venv.join("lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::write(lib.join("site-packages/vonly.py"), "V = 1\n").unwrap();
    venv
}

#[test]
fn a_python_of_a_virtual_environment_outside_the_repository_runs_in_it() {
    // An eighth adversarial pass: the program was run by its real path, so Python did
    // not find the environment's `pyvenv.cfg`, and an import of its packages failed.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    tree.provider("providers/op.py", "\nimport vonly\n");
    let outside = tempfile::tempdir().unwrap();
    let venv = venv_with_a_module_of_its_own(outside.path());
    let python = venv.join("bin/python").display().to_string();
    let manifest = tree.manifest(".", &format!(r#"["{python}", "providers/op.py"]"#));
    let allowed = trust::allow(&manifest, &tree.vars()).unwrap();
    assert_eq!(allowed[0].1.link, python, "run by the link");
    tree.reads(&manifest);

    // Found on PATH, as in an activated environment.
    let manifest = tree.manifest(".", r#"["python3", "providers/op.py"]"#);
    let mut path = std::ffi::OsString::from(venv.join("bin"));
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    let vars = Variables::from_pairs(
        tree.vars()
            .iter()
            .filter(|(name, _)| *name != "PATH")
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .chain([("PATH".into(), path)]),
    );
    trust::allow(&manifest, &vars).unwrap();
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-1"));
    // Another environment's link to the same interpreter is another program.
    let report = run(&manifest, "production", &tree.vars());
    assert!(value(&report, "api_key").is_none());
}

#[test]
fn a_python_of_a_virtual_environment_inside_the_repository_is_refused() {
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    tree.provider("providers/op.py", "");
    let venv = venv_with_a_module_of_its_own(tree.root.path());
    let manifest = tree.manifest("app", r#"["../venv/bin/python", "../providers/op.py"]"#);
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(&error, TrustError::Environment { environment, .. } if environment == "../venv/"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("inside the repository"),
        "{error}"
    );
    assert!(
        error.hint().contains("outside the repository"),
        "{}",
        error.hint()
    );
    // Nor run on an earlier record: the environment was made after `allow`.
    fs::remove_file(venv.join("pyvenv.cfg")).unwrap();
    trust::allow(&manifest, &tree.vars()).unwrap();
    fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let refused = tree.refused(&manifest);
    assert!(
        matches!(refused, TrustError::Environment { .. }),
        "{refused:?}"
    );
}

/// A Node provider at `providers/p.js` that answers with what the module `helper` gives.
fn node_provider(tree: &Tree) {
    fs::create_dir_all(tree.path("providers")).unwrap();
    fs::write(
        tree.path("providers/p.js"),
        "const h = require('helper');\n\
         let d = ''; process.stdin.on('data', c => d += c).on('end', () => {\n\
           const r = JSON.parse(d); if (r.protocol !== 'secretary-provider/1') process.exit(3);\n\
           const a = {}; for (const s of r.secrets) a[s.key] = {value: h.v()};\n\
           process.stdout.write(JSON.stringify({protocol: 'secretary-provider/1', secrets: a}));\n\
         });\n",
    )
    .unwrap();
}

/// A module `helper` in `dir`'s `node_modules/`, whose `v()` answers `k-1`, running `tail`.
fn helper(tree: &Tree, dir: &str, tail: &str) {
    let path = tree.path(&format!("{dir}node_modules/helper"));
    fs::create_dir_all(&path).unwrap();
    fs::write(
        path.join("index.js"),
        format!("{tail}\nmodule.exports = {{ v: () => 'k-1' }};\n"),
    )
    .unwrap();
}

#[test]
fn what_node_looks_up_in_the_repository_above_the_script_is_pinned() {
    // An eighth adversarial pass: `require('helper')` walks `node_modules/` up to `/`,
    // and found the repository root's, which a pull request can change.
    assert!(
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok(),
        "this test needs `node` on PATH"
    );
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    node_provider(&tree);
    helper(&tree, "", "");
    let manifest = tree.manifest(".", r#"["node", "providers/p.js"]"#);
    let pins = pinned(&manifest, &tree.vars());
    for pin in [
        "providers/p.js",
        "providers/",
        "node_modules/",
        "package.json",
    ] {
        assert!(pins.iter().any(|p| p == pin), "{pin}: {pins:?}");
    }
    tree.reads(&manifest);
    let marker = format!("require('fs').writeFileSync({:?}, 'ran');", tree.marker());
    helper(&tree, "", &marker);
    assert_eq!(changed(&tree.refused(&manifest)), "node_modules/");
    helper(&tree, "", "");
    tree.reads(&manifest);

    // What is absent is pinned as absent: with `helper` beside the script, a
    // `package.json` added at the root that names its package `helper` would take
    // `require('helper')` to a file of its own (a package's self-reference).
    fs::remove_dir_all(tree.path("node_modules")).unwrap();
    helper(&tree, "providers/", "");
    trust::allow(&manifest, &tree.vars()).unwrap();
    tree.reads(&manifest);
    fs::write(
        tree.path("evil.js"),
        format!("{marker}\nmodule.exports = {{ v: () => 'x' }};\n"),
    )
    .unwrap();
    fs::write(
        tree.path("package.json"),
        r#"{"name": "helper", "exports": "./evil.js"}"#,
    )
    .unwrap();
    assert_eq!(changed(&tree.refused(&manifest)), "package.json");
    fs::remove_file(tree.path("package.json")).unwrap();
    helper(&tree, "", &marker);
    assert_eq!(changed(&tree.refused(&manifest)), "node_modules/");

    // A root `node_modules/` too large to pin: the provider cannot be allowed, and the
    // message names the directory.
    // Past the 2000 entries a pinned directory may hold (docs/provider-protocol.md).
    for n in 0..=2000 {
        fs::write(tree.path(&format!("node_modules/{n}.js")), "").unwrap();
    }
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(&error, TrustError::LookupTooLarge { path, .. } if path == "node_modules/"),
        "{error:?}"
    );
    assert!(
        error.hint().contains("outside the repository"),
        "{}",
        error.hint()
    );
}

#[test]
fn python_with_m_is_allowed_only_with_its_working_directory_off_its_path() {
    // `python3 -m provider` looks for `provider` in its working directory, the
    // manifest's, first: a `provider.py` added there would run.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let venv = venv_with_a_module_of_its_own(outside.path());
    let lib = fs::read_dir(venv.join("lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::copy(
        secretary_test_support::provider(),
        lib.join("site-packages/vprov.py"),
    )
    .unwrap();
    let python = venv.join("bin/python").display().to_string();
    let manifest = tree.manifest(".", &format!(r#"["{python}", "-m", "vprov"]"#));
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(error, TrustError::WorkingDirectory { .. }),
        "{error:?}"
    );
    assert!(error.hint().contains("-P"), "{}", error.hint());

    let manifest = tree.manifest(".", &format!(r#"["{python}", "-P", "-m", "vprov"]"#));
    trust::allow(&manifest, &tree.vars()).unwrap();
    tree.reads(&manifest);
    fs::write(tree.path("vprov.py"), tree.marker_code()).unwrap();
    tree.reads(&manifest);
    assert!(!Path::new(&tree.marker()).exists());
}

/// The fixture provider at `relative`, its `#!` line `line`, with `tail` added to it.
fn script_provider(tree: &Tree, relative: &str, line: &str, tail: &str) {
    tree.provider(relative, tail);
    let path = tree.path(relative);
    let text = fs::read_to_string(&path).unwrap();
    let body = text.split_once('\n').unwrap().1;
    fs::write(&path, format!("{line}\n{body}")).unwrap();
    chmod(&path, 0o755);
}

/// `tree`'s variables with `first` before the host's `PATH`.
fn with_path_first(tree: &Tree, first: &Path) -> Variables {
    let mut path = std::ffi::OsString::from(first);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    Variables::from_pairs(
        tree.vars()
            .iter()
            .filter(|(name, _)| *name != "PATH")
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .chain([("PATH".into(), path)]),
    )
}

#[test]
fn a_python3_added_to_a_bin_on_path_after_allow_is_not_the_interpreter_env_finds() {
    // A ninth adversarial pass: with `#!/usr/bin/env python3`, the kernel found
    // `python3` on PATH at every run: a repository `bin/` that direnv put first on PATH
    // got a `python3` of a pull request's after `allow`, and the next `check` ran it.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    fs::create_dir_all(tree.path("bin")).unwrap();
    script_provider(&tree, "providers/p.py", "#!/usr/bin/env python3", "");
    let manifest = tree.manifest(".", r#"["providers/p.py"]"#);
    let vars = with_path_first(&tree, &tree.path("bin"));
    trust::allow(&manifest, &vars).unwrap();
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-1"));

    let python = tree.path("bin/python3");
    fs::write(
        &python,
        format!(
            "#!/bin/sh\necho ran > {:?}\nexec /usr/bin/python3 \"$@\"\n",
            tree.marker()
        ),
    )
    .unwrap();
    chmod(&python, 0o755);
    let report = run(&manifest, "production", &vars);
    assert!(
        !Path::new(&tree.marker()).exists(),
        "a python3 the user never allowed ran"
    );
    let resolution = report.get("api_key").unwrap();
    let said = format!("{:?}", resolution.problems);
    assert!(
        said.contains("ProgramChanged") && said.contains("bin/python3"),
        "{said}"
    );
}

#[test]
fn a_scripts_interpreter_of_a_virtual_environment_inside_the_repository_is_refused() {
    // A ninth adversarial pass: with an activated `.venv` inside the repository first on
    // PATH, `#!/usr/bin/env python3` ran its Python, and a `.pth` file committed into its
    // `site-packages` ran at start.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    script_provider(&tree, "providers/p.py", "#!/usr/bin/env python3", "");
    let venv = venv_with_a_module_of_its_own(tree.root.path());
    let lib = fs::read_dir(venv.join("lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::write(
        lib.join("site-packages/evil.pth"),
        format!("import os; open({:?}, 'w').write('ran')\n", tree.marker()),
    )
    .unwrap();
    let manifest = tree.manifest(".", r#"["providers/p.py"]"#);
    let activated = with_path_first(&tree, &venv.join("bin"));
    let error = trust::allow(&manifest, &activated).unwrap_err();
    assert!(
        matches!(&error, TrustError::Environment { environment, .. } if environment == "venv/"),
        "{error:?}"
    );
    // Allowed without it, then run with it first on PATH: refused, and nothing ran.
    trust::allow(&manifest, &tree.vars()).unwrap();
    tree.reads(&manifest);
    let report = run(&manifest, "production", &activated);
    assert!(
        !Path::new(&tree.marker()).exists(),
        "the environment's .pth ran"
    );
    assert!(value(&report, "api_key").is_none());
    let said = format!("{:?}", report.get("api_key").unwrap().problems);
    assert!(said.contains("Environment"), "{said}");
}

#[test]
fn a_scripts_interpreter_is_run_directly_with_the_words_the_kernel_and_env_give_it() {
    // Run by the path `allow` pinned, not through `env`: the script still sees its own
    // path and arguments, and `env -S`'s options and variables are kept.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    let dump = tree.path("argv.json");
    let tail = format!(
        "\nimport os\njson.dump([sys.argv, sys.flags.optimize, os.environ.get('FROM_SHEBANG')], open({:?}, 'w'))\n",
        dump.display().to_string()
    );
    script_provider(
        &tree,
        "providers/p.py",
        "#!/usr/bin/env -S FROM_SHEBANG=yes python3 -O",
        &tail,
    );
    // The store in a directory of its own: an argument's directory is pinned.
    fs::create_dir_all(tree.path("stores")).unwrap();
    fs::copy(tree.path("store.json"), tree.path("stores/store.json")).unwrap();
    let store = "stores/store.json".to_owned();
    let manifest = tree.manifest(".", &format!(r#"["providers/p.py", "{store}"]"#));
    let allowed = trust::allow(&manifest, &tree.vars()).unwrap();
    let interpreters = allowed[0].1.interpreters.clone().unwrap();
    assert_eq!(interpreters.len(), 1, "{interpreters:?}");
    assert_eq!(
        interpreters[0].named_by,
        "`#!/usr/bin/env -S FROM_SHEBANG=yes python3 -O` of providers/p.py"
    );
    tree.reads(&manifest);
    let (argv, optimize, variable): (Vec<String>, u8, Option<String>) =
        serde_json::from_str(&fs::read_to_string(&dump).unwrap()).unwrap();
    assert_eq!(
        fs::canonicalize(&argv[0]).unwrap(),
        fs::canonicalize(tree.path("providers/p.py")).unwrap()
    );
    assert_eq!(argv[1..], [store]);
    assert_eq!(optimize, 1, "-O was passed");
    assert_eq!(variable.as_deref(), Some("yes"));
}

#[test]
fn an_interpreter_the_repository_holds_is_pinned_with_its_directory() {
    // `#!tools/py` names a program from the manifest's directory, as a command's
    // `tools/py` would: its file and its directory are pinned.
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    fs::create_dir_all(tree.path("tools")).unwrap();
    fs::write(
        tree.path("tools/py"),
        "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n",
    )
    .unwrap();
    chmod(&tree.path("tools/py"), 0o755);
    script_provider(&tree, "providers/p.py", "#!tools/py", "");
    let manifest = tree.manifest(".", r#"["providers/p.py"]"#);
    assert_eq!(
        pinned(&manifest, &tree.vars()),
        vec!["providers/", "tools/"]
    );
    tree.reads(&manifest);
    fs::write(tree.path("tools/other"), "").unwrap();
    assert_eq!(changed(&tree.refused(&manifest)), "tools/");
    fs::remove_file(tree.path("tools/other")).unwrap();
    tree.reads(&manifest);
    fs::write(
        tree.path("tools/py"),
        format!(
            "#!/bin/sh\necho ran > {:?}\nexec /usr/bin/python3 \"$@\"\n",
            tree.marker()
        ),
    )
    .unwrap();
    let changed = changed(&tree.refused(&manifest));
    assert!(changed.contains("tools/py"), "{changed}");
}

#[test]
fn a_record_made_before_interpreters_were_pinned_allows_no_script_until_allowed_again() {
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    script_provider(&tree, "providers/p.py", "#!/usr/bin/env python3", "");
    let strip = |manifest: &Manifest| {
        trust::allow(manifest, &tree.vars()).unwrap();
        let dir = tree.path("state/allowed");
        let record = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
        let mut json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&record).unwrap()).unwrap();
        for source in json["sources"].as_object_mut().unwrap().values_mut() {
            source
                .as_object_mut()
                .unwrap()
                .remove("interpreters")
                .unwrap();
        }
        fs::write(&record, json.to_string()).unwrap();
    };
    // A program that is not a script: the old record still allows it.
    let manifest = tree.manifest(".", r#"["python3", "providers/p.py"]"#);
    strip(&manifest);
    tree.reads(&manifest);
    // A script: allow again, says the message.
    let manifest = tree.manifest(".", r#"["providers/p.py"]"#);
    strip(&manifest);
    let error = tree.refused(&manifest);
    assert!(
        matches!(&error, TrustError::InterpreterUnrecorded { program, .. } if program == "providers/p.py"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("by an earlier secretary"),
        "{error}"
    );
    assert!(
        error.hint().contains("`secretary --manifest ") && error.hint().contains(" allow`"),
        "{}",
        error.hint()
    );
    trust::allow(&manifest, &tree.vars()).unwrap();
    tree.reads(&manifest);
}

#[test]
fn what_a_shebang_line_passes_is_held_to_the_commands_rules() {
    let tree = Tree::new();
    fs::create_dir_all(tree.path(".git")).unwrap();
    // Python's `-m` on a `#!` line: the manifest's directory first on its path.
    script_provider(
        &tree,
        "providers/m.py",
        "#!/usr/bin/env -S python3 -m x",
        "",
    );
    let manifest = tree.manifest(".", r#"["providers/m.py"]"#);
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(error, TrustError::WorkingDirectory { .. }),
        "{error:?}"
    );
    // A variable `env` sets that names a directory of the repository: pinned.
    fs::create_dir_all(tree.path("lib")).unwrap();
    script_provider(
        &tree,
        "providers/p.py",
        "#!/usr/bin/env -S LIB_DIR=lib python3",
        "",
    );
    let manifest = tree.manifest(".", r#"["providers/p.py"]"#);
    assert_eq!(pinned(&manifest, &tree.vars()), vec!["providers/", "lib/"]);
    tree.reads(&manifest);
    fs::write(tree.path("lib/json.py"), tree.marker_code()).unwrap();
    assert_eq!(changed(&tree.refused(&manifest)), "lib/");
    // One that makes programs run code or load files (`PYTHONPATH`, `PERL5OPT`):
    // refused, since a seventeenth adversarial pass hid code in `PERL5OPT`'s value.
    script_provider(
        &tree,
        "providers/p.py",
        "#!/usr/bin/env -S PYTHONPATH=lib python3",
        "",
    );
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(&error, TrustError::Variable { name, .. } if name == "PYTHONPATH"),
        "{error:?}"
    );
    // An `env` option that is not followed: refused, saying what to do.
    script_provider(
        &tree,
        "providers/p.py",
        "#!/usr/bin/env -C /tmp python3",
        "",
    );
    let error = trust::allow(&manifest, &tree.vars()).unwrap_err();
    assert!(
        matches!(&error, TrustError::Interpreter { reason, .. } if reason.contains("`env -C`")),
        "{error:?}"
    );
    assert!(
        error.hint().contains("#!/usr/bin/python3"),
        "{}",
        error.hint()
    );
}

#[test]
fn a_value_glued_to_an_option_and_a_path_that_names_nothing_yet_are_pinned() {
    // A thirteenth adversarial pass: `perl -Ilib providers/op.pl` loaded `lib/Foo.pm`,
    // and `node -r ./lib/hook` loaded `lib/hook.js`, neither pinned: `-Ilib` is no path
    // and `./lib/hook` names nothing until the interpreter adds `.js`.
    let tree = Tree::new();
    tree.provider("app/providers/op.py", "");
    // A Perl script for Perl: given a script whose `#!` line names another program, Perl
    // runs that program, which is refused (a twenty-first adversarial pass).
    fs::write(
        tree.path("app/providers/op.pl"),
        "#!/usr/bin/perl\nprint 1;\n",
    )
    .unwrap();
    fs::create_dir_all(tree.path("app/lib")).unwrap();
    fs::write(tree.path("app/lib/hook.js"), "").unwrap();
    for command in [
        r#"["/usr/bin/perl", "-Ilib", "providers/op.pl"]"#,
        r#"["python3", "providers/op.py", "./lib/hook"]"#,
    ] {
        let manifest = tree.manifest("app", command);
        let pinned = pinned(&manifest, &tree.vars());
        assert!(
            pinned
                .iter()
                .any(|pin| pin.trim_start_matches("./") == "lib/"),
            "{command}: {pinned:?}"
        );
    }
}

#[test]
fn a_program_that_runs_code_it_finds_by_itself_is_refused_whatever_it_is_called() {
    // A thirteenth adversarial pass: a link named `run` to `dash`, `rbash`, an option
    // value before `-c`: each ran code `allow` never pinned.
    let tree = Tree::new();
    fs::create_dir_all(tree.path("app/providers")).unwrap();
    std::os::unix::fs::symlink("/bin/dash", tree.path("app/providers/run")).unwrap();
    for command in [
        format!(r#"["providers/run", "-c", "touch {}"]"#, tree.marker()),
        format!(
            r#"["bash", "--rcfile", "/dev/null", "-c", "touch {}"]"#,
            tree.marker()
        ),
    ] {
        let manifest = tree.manifest("app", &command);
        match trust::allow(&manifest, &tree.vars()) {
            Err(TrustError::Wrapper { .. }) => {}
            other => panic!("{command}: {other:?}"),
        }
        assert!(!Path::new(&tree.marker()).exists(), "{command} ran");
    }
}
