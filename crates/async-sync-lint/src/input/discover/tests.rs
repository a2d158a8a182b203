use super::*;
use tempfile::TempDir;

use super::metadata::summarize_cargo_error;
use crate::input::workspace::Target;

/// Writes `path => contents` pairs under `root`, creating directories.
fn tree(root: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}

fn tempdir() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    (dir, root)
}

fn opts(cwd: &Path) -> DiscoverOptions {
    DiscoverOptions { cwd: cwd.to_path_buf(), ..DiscoverOptions::default() }
}

fn run(opts: &DiscoverOptions) -> Workspace {
    discover(opts).unwrap()
}

fn displays(ws: &Workspace) -> Vec<&str> {
    ws.files.iter().map(|f| f.display.as_str()).collect()
}

fn file<'w>(ws: &'w Workspace, display: &str) -> &'w SourceFile {
    ws.files
        .iter()
        .find(|f| f.display == display)
        .unwrap_or_else(|| panic!("{display} not found in {:?}", displays(ws)))
}

fn package_of<'w>(ws: &'w Workspace, display: &str) -> Option<&'w str> {
    file(ws, display).package.map(|i| ws.packages[i].name.as_str())
}

fn target_of<'w>(ws: &'w Workspace, display: &str) -> &'w str {
    let f = file(ws, display);
    &ws.packages[f.package.unwrap()].targets[f.target.unwrap()].name
}

const TWO_MEMBERS: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        r#"
[workspace]
members = ["a", "b"]
resolver = "2"

[workspace.package]
edition = "2024"
version = "0.2.0"

[workspace.metadata.async-sync-lint]
level = "deny"
"#,
    ),
    (
        "a/Cargo.toml",
        r#"
[package]
name = "a"
version.workspace = true
edition.workspace = true

[package.metadata.async-sync-lint]
skip = true
"#,
    ),
    ("a/src/lib.rs", "mod m;"),
    ("a/src/m.rs", ""),
    ("a/tests/t.rs", ""),
    ("a/build.rs", "fn main() {}"),
    ("b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2018\"\n"),
    ("b/src/main.rs", "fn main() {}"),
];

#[test]
fn virtual_workspace_lints_all_members_with_their_editions() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    let ws = run(&opts(&root));
    assert_eq!(ws.errors, vec![]);
    assert_eq!(ws.root, root);
    assert_eq!(displays(&ws), ["a/build.rs", "a/src/lib.rs", "a/src/m.rs", "a/tests/t.rs", "b/src/main.rs"]);
    assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
    assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
    assert_eq!(target_of(&ws, "a/src/m.rs"), "a");
    assert_eq!(target_of(&ws, "a/tests/t.rs"), "t");
    assert_eq!(target_of(&ws, "a/build.rs"), "build-script-build");
    assert_eq!(package_of(&ws, "b/src/main.rs"), Some("b"));
    assert_eq!(ws.lint_metadata, Some(serde_json::json!({"level": "deny"})));
    let a = ws.packages.iter().find(|p| p.name == "a").unwrap();
    assert_eq!(a.version, "0.2.0");
    assert_eq!(a.lint_metadata, Some(serde_json::json!({"skip": true})));
    assert!(a.id.starts_with("path+file://"), "{}", a.id);
}

#[test]
fn package_selection_follows_cargo() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    let names = |o: &DiscoverOptions| -> Vec<String> { run(o).packages.iter().map(|p| p.name.clone()).collect() };

    // At a member's root, only that member.
    assert_eq!(names(&opts(&root.join("b/src"))), ["b"]);
    // Unless --workspace.
    let all = DiscoverOptions { workspace: true, ..opts(&root.join("b")) };
    assert_eq!(names(&all), ["a", "b"]);
    let with_p =
        |specs: &[&str]| DiscoverOptions { packages: specs.iter().map(|s| s.to_string()).collect(), ..opts(&root) };
    assert_eq!(names(&with_p(&["a"])), ["a"]);
    assert_eq!(names(&with_p(&["b@0.1.0"])), ["b"]);
    assert_eq!(names(&with_p(&["b@0.1"])), ["b"]);
    let url = format!("path+file://{}#0.1.0", root.join("b").display());
    assert_eq!(names(&with_p(&[&url])), ["b"]);
    let url = format!("file://{}", root.join("a").display());
    assert_eq!(names(&with_p(&[&url])), ["a"]);
    assert!(names(&with_p(&["a", "b"])).len() == 2);

    let err = discover(&with_p(&["nope"])).unwrap_err();
    assert!(err.message.contains("`nope`"), "{err}");
    assert!(discover(&with_p(&["b@9"])).is_err());

    let excluded = DiscoverOptions { workspace: true, exclude_packages: vec!["a".into()], ..opts(&root) };
    let ws = run(&excluded);
    assert_eq!(displays(&ws), ["b/src/main.rs"]);
}

#[test]
fn manifest_path_selects_and_must_exist() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    let elsewhere = TempDir::new().unwrap();
    let o = DiscoverOptions { manifest_path: Some(root.join("a/Cargo.toml")), ..opts(elsewhere.path()) };
    let ws = run(&o);
    assert_eq!(ws.root, root);
    assert_eq!(displays(&ws), ["a/build.rs", "a/src/lib.rs", "a/src/m.rs", "a/tests/t.rs"]);

    let missing = DiscoverOptions { manifest_path: Some(root.join("x/Cargo.toml")), ..opts(&root) };
    assert!(discover(&missing).unwrap_err().message.contains("does not exist"));
    let not_manifest = DiscoverOptions { manifest_path: Some(root.join("a")), ..opts(&root) };
    assert!(discover(&not_manifest).is_err());
}

#[test]
fn paths_with_workspace_flags_narrow_the_selection() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    let o = DiscoverOptions { workspace: true, paths: vec!["a/src".into()], ..opts(&root) };
    let ws = run(&o);
    assert_eq!(displays(&ws), ["a/src/lib.rs", "a/src/m.rs"]);
    assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
}

const SINGLE: &str = "[package]\nname = \"single\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

#[test]
fn gitignore_is_honoured_without_git() {
    let (_tmp, root) = tempdir();
    tree(
        &root,
        &[
            ("Cargo.toml", SINGLE),
            (".gitignore", "/src/generated/\nskip_*.rs\n"),
            ("src/lib.rs", ""),
            ("src/generated/out.rs", ""),
            ("src/skip_me.rs", ""),
            ("src/keep.rs", ""),
            ("src/.ignore", "local.rs\n"),
            ("src/local.rs", ""),
        ],
    );
    assert!(!root.join(".git").exists());
    let ws = run(&opts(&root));
    assert_eq!(displays(&ws), ["src/keep.rs", "src/lib.rs"]);

    // An ignored file named explicitly is still linted.
    let explicit = DiscoverOptions { paths: vec!["src/skip_me.rs".into()], ..opts(&root) };
    let ws = run(&explicit);
    assert_eq!(displays(&ws), ["src/skip_me.rs"]);
    assert_eq!(package_of(&ws, "src/skip_me.rs"), Some("single"));
}

#[test]
fn target_hidden_and_non_rust_files_are_skipped() {
    let (_tmp, root) = tempdir();
    tree(
        &root,
        &[
            ("Cargo.toml", SINGLE),
            ("src/main.rs", ""),
            ("src/target/mod.rs", ""),
            ("src/notes.md", ""),
            ("target/debug/build/out.rs", ""),
            ("custom-out/CACHEDIR.TAG", ""),
            ("custom-out/x.rs", ""),
            (".hidden/y.rs", ""),
            ("src/.cache/z.rs", ""),
        ],
    );
    let ws = run(&opts(&root));
    // `src/target/` is a module, not cargo's output.
    assert_eq!(displays(&ws), ["src/main.rs", "src/target/mod.rs"]);
}

#[test]
fn exclude_paths_from_config() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("fixtures/bad/case.rs", ""), ("src/gen_out.rs", "")]);
    let o = DiscoverOptions { exclude_paths: vec!["fixtures/".into(), "src/gen_*.rs".into()], ..opts(&root) };
    assert_eq!(displays(&run(&o)), ["src/lib.rs"]);
}

#[test]
fn nested_package_is_counted_once() {
    let (_tmp, root) = tempdir();
    tree(
        &root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"outer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 [workspace]\nmembers = [\"crates/inner\"]\nexclude = [\"examples/demo\"]\n",
            ),
            ("src/lib.rs", ""),
            ("crates/cli/main.rs", ""),
            ("crates/inner/Cargo.toml", "[package]\nname = \"inner\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
            ("crates/inner/src/lib.rs", ""),
            ("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
            ("examples/demo/src/main.rs", ""),
        ],
    );
    // The root package alone leaves out both nested packages.
    let ws = run(&opts(&root));
    assert_eq!(displays(&ws), ["crates/cli/main.rs", "src/lib.rs"]);

    let all = run(&DiscoverOptions { workspace: true, ..opts(&root) });
    assert_eq!(displays(&all), ["crates/cli/main.rs", "crates/inner/src/lib.rs", "src/lib.rs"]);
    assert_eq!(package_of(&all, "crates/inner/src/lib.rs"), Some("inner"));
    assert_eq!(file(&all, "crates/inner/src/lib.rs").edition, Edition::E2024);
    assert_eq!(package_of(&all, "crates/cli/main.rs"), Some("outer"));
}

#[test]
fn explicit_paths_outside_any_package() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("loose/a.rs", ""), ("loose/dir/b.rs", ""), ("loose/dir/c.txt", ""), ("script", "")]);
    let o = DiscoverOptions {
        paths: vec!["loose/a.rs".into(), "loose/dir".into(), "script".into(), "loose/a.rs".into()],
        ..opts(&root)
    };
    let ws = run(&o);
    assert_eq!(ws.errors, vec![]);
    assert_eq!(ws.root, root);
    // Deduplicated, sorted; a non-`.rs` file named explicitly is kept.
    assert_eq!(displays(&ws), ["loose/a.rs", "loose/dir/b.rs", "script"]);
    assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));

    let o = DiscoverOptions { edition_override: Some(Edition::E2024), ..o };
    assert!(run(&o).files.iter().all(|f| f.edition == Edition::E2024));

    // From another directory, the display is absolute when outside it.
    let other = TempDir::new().unwrap();
    let o = DiscoverOptions { paths: vec![root.join("loose/a.rs")], ..opts(other.path()) };
    let ws = run(&o);
    assert_eq!(displays(&ws), [root.join("loose/a.rs").to_string_lossy()]);
}

#[test]
fn explicit_paths_inside_packages_read_manifests() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    tree(&root, &[("a/src/bin/tool.rs", ""), ("a/examples/ex/main.rs", "")]);
    let o = DiscoverOptions { paths: vec!["a".into(), "b/src/main.rs".into()], ..opts(&root) };
    let ws = run(&o);
    assert_eq!(ws.errors, vec![]);
    assert_eq!(
        displays(&ws),
        [
            "a/build.rs",
            "a/examples/ex/main.rs",
            "a/src/bin/tool.rs",
            "a/src/lib.rs",
            "a/src/m.rs",
            "a/tests/t.rs",
            "b/src/main.rs"
        ]
    );
    assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
    assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
    assert_eq!(target_of(&ws, "a/src/m.rs"), "a");
    assert_eq!(target_of(&ws, "a/src/bin/tool.rs"), "tool");
    assert_eq!(target_of(&ws, "a/examples/ex/main.rs"), "ex");
    assert_eq!(target_of(&ws, "a/build.rs"), "build-script-build");
    let a = ws.packages.iter().find(|p| p.name == "a").unwrap();
    assert_eq!(a.id, format!("path+file://{}#a@0.2.0", root.join("a").display()));
    assert_eq!(a.lint_metadata, Some(serde_json::json!({"skip": true})));
    assert_eq!(ws.lint_metadata, Some(serde_json::json!({"level": "deny"})));
}

#[test]
fn manifest_without_edition_means_2015() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("p/Cargo.toml", "[package]\nname = \"p\"\n"), ("p/src/lib.rs", "")]);
    let ws = run(&DiscoverOptions { paths: vec!["p".into()], ..opts(&root) });
    assert_eq!(file(&ws, "p/src/lib.rs").edition, Edition::E2015);
    assert_eq!(ws.packages[0].version, "0.0.0");
}

#[test]
fn invalid_manifest_in_path_mode_is_reported_once() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("p/Cargo.toml", "[package]\nname = 1 2\n"), ("p/a.rs", ""), ("p/b.rs", "")]);
    let ws = run(&DiscoverOptions { paths: vec!["p".into()], ..opts(&root) });
    assert_eq!(displays(&ws), ["p/a.rs", "p/b.rs"]);
    assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));
    assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
    assert!(ws.errors[0].message.starts_with("invalid manifest: TOML parse error at line 2"), "{:?}", ws.errors);
}

#[test]
fn missing_path_is_reported_and_others_found() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("a.rs", "")]);
    let o = DiscoverOptions { paths: vec!["nope.rs".into(), "a.rs".into()], ..opts(&root) };
    let ws = run(&o);
    assert_eq!(displays(&ws), ["a.rs"]);
    assert_eq!(ws.errors, vec![PathProblem { path: "nope.rs".into(), message: "no such file or directory".into() }]);
}

#[test]
fn broken_manifest_is_reported_and_files_still_found() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("Cargo.toml", "[package\nname = "), ("src/lib.rs", ""), ("src/m.rs", "")]);
    let ws = run(&opts(&root));
    assert_eq!(displays(&ws), ["src/lib.rs", "src/m.rs"]);
    assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));
    assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
    assert_eq!(ws.errors[0].path, root.join("Cargo.toml"));
    assert!(ws.errors[0].message.starts_with("cargo metadata failed: "), "{:?}", ws.errors);
    assert!(!ws.errors[0].message.contains('\n'));
}

#[test]
fn missing_member_falls_back_to_reading_manifests() {
    let (_tmp, root) = tempdir();
    tree(&root, TWO_MEMBERS);
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    fs::write(root.join("Cargo.toml"), manifest.replace("\"b\"]", "\"b\", \"gone\"]")).unwrap();
    let ws = run(&opts(&root));
    assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
    assert!(ws.errors[0].message.contains("gone"), "{:?}", ws.errors);
    assert_eq!(package_of(&ws, "a/src/m.rs"), Some("a"));
    assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
    assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, root) = tempdir();
    tree(&root, &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("src/secret/m.rs", "")]);
    let secret = root.join("src/secret");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let denied = fs::read_dir(&secret).is_err();
    let ws = run(&opts(&root));
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o755)).unwrap();
    if denied {
        assert_eq!(displays(&ws), ["src/lib.rs"]);
        assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
        assert_eq!(ws.errors[0].path, secret);
        assert!(ws.errors[0].message.contains("ermission denied"), "{:?}", ws.errors);
    } else {
        // Running as root: permission bits do not bite.
        assert_eq!(displays(&ws), ["src/lib.rs", "src/secret/m.rs"]);
        assert_eq!(ws.errors, vec![]);
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_broken_links_are_warnings() {
    use std::os::unix::fs::symlink;
    let (_tmp, root) = tempdir();
    tree(&root, &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("shared/util.rs", "")]);
    symlink(&root, root.join("src/up")).unwrap();
    symlink(root.join("nowhere"), root.join("src/gone.rs")).unwrap();
    symlink(root.join("nowhere.txt"), root.join("src/notes.txt")).unwrap();
    symlink(root.join("shared"), root.join("src/shared")).unwrap();
    let ws = run(&opts(&root));
    // `shared/util.rs` is reached twice (directly and through the link):
    // listed once.
    assert_eq!(displays(&ws), ["shared/util.rs", "src/lib.rs"]);
    // They hide no source: warnings, and the run is complete.
    assert_eq!(ws.errors, vec![]);
    let errors: Vec<_> = ws.warnings.iter().map(|e| (e.path.clone(), e.message.clone())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, root.join("src/gone.rs"));
    assert_eq!(errors[0].1, "broken symbolic link");
    assert_eq!(errors[1].0, root.join("src/up"));
    assert!(errors[1].1.starts_with("symbolic link loop"), "{errors:?}");
}

#[test]
fn no_manifest_lints_the_current_directory() {
    let (_tmp, root) = tempdir();
    tree(&root, &[("x.rs", ""), ("sub/y.rs", "")]);
    let ws = run(&opts(&root));
    assert_eq!(displays(&ws), ["sub/y.rs", "x.rs"]);
    assert_eq!(ws.root, root);
}

#[test]
fn cargo_errors_are_summarized() {
    let stderr = "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n  \
                  TOML parse error at line 1, column 9\n    |\n  1 | [package\n    |         ^\n  \
                  invalid table header\n";
    assert_eq!(
        summarize_cargo_error(stderr),
        "failed to parse manifest at `/x/Cargo.toml`: TOML parse error at line 1, column 9: \
         invalid table header"
    );
}

#[test]
fn cargo_error_location_is_kept() {
    let stderr = "error: unclosed table, expected `]`\n --> Cargo.toml:1:9\n  |\n1 | [package\n  |         ^\n";
    assert_eq!(summarize_cargo_error(stderr), "unclosed table, expected `]` (Cargo.toml:1:9)");
}

#[test]
fn walk_errors_name_the_path() {
    let denied = ignore::Error::WithPath {
        path: "/p/secret".into(),
        err: Box::new(ignore::Error::Io(io::Error::from(io::ErrorKind::PermissionDenied))),
    };
    let denied = ignore::Error::WithDepth { depth: 2, err: Box::new(denied) };
    assert_eq!(
        describe_walk_error(&denied),
        (Some(PathBuf::from("/p/secret")), "cannot read: permission denied".to_string())
    );
    let looped = ignore::Error::Loop { ancestor: "/p".into(), child: "/p/src/up".into() };
    let (path, message) = describe_walk_error(&looped);
    assert_eq!(path, Some(PathBuf::from("/p/src/up")));
    assert_eq!(message, "symbolic link loop: points back to `/p`, not followed");
}

#[test]
fn target_assignment_prefers_the_deepest_directory_then_lib() {
    let target = |name: &str, kind: &str, path: &str, edition| Target {
        name: name.into(),
        kind: vec![kind.into()],
        crate_types: vec![],
        src_path: path.into(),
        edition,
        doc: false,
        doctest: false,
        test: false,
    };
    let pkg = Package {
        name: "p".into(),
        version: "0.1.0".into(),
        id: String::new(),
        manifest_path: "/p/Cargo.toml".into(),
        edition: Edition::E2021,
        targets: vec![
            target("p", "bin", "/p/src/main.rs", Edition::E2021),
            target("p", "lib", "/p/src/lib.rs", Edition::E2018),
            target("tool", "bin", "/p/src/bin/tool/main.rs", Edition::E2024),
            target("build-script-build", "custom-build", "/p/build.rs", Edition::E2015),
        ],
        lint_metadata: None,
    };
    let at = |f: &str| assign_target(Path::new(f), &pkg);
    assert_eq!(at("/p/src/main.rs"), (Some(0), Some(Edition::E2021)));
    assert_eq!(at("/p/src/m.rs"), (Some(1), Some(Edition::E2018)));
    assert_eq!(at("/p/src/bin/tool/util.rs"), (Some(2), Some(Edition::E2024)));
    assert_eq!(at("/p/build.rs"), (Some(3), Some(Edition::E2015)));
    // Not under any target: first target, package edition.
    assert_eq!(at("/p/stray.rs"), (Some(0), None));
}
