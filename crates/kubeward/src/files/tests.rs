//! Files land whole, with the mode their access asks for.

use std::os::unix::fs::PermissionsExt as _;

use super::*;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn secrets_are_0600_and_public_files_0644() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("ca.key");
    let cert = dir.path().join("ca.crt");
    write_atomic(&key, b"KEY", Access::Secret).expect("writes the key");
    write_atomic(&cert, b"CERT", Access::Public).expect("writes the cert");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&cert), 0o644);
    assert_eq!(fs::read(&key).expect("reads"), b"KEY");
}

#[test]
fn replaces_an_existing_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("admin.kubeconfig");
    write_atomic(&path, b"old", Access::Secret).expect("first write");
    write_atomic(&path, b"new", Access::Secret).expect("second write");
    assert_eq!(fs::read(&path).expect("reads"), b"new");
    let names: Vec<_> = fs::read_dir(dir.path())
        .expect("lists")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("admin.kubeconfig")]);
}

#[test]
fn a_directory_path_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(write_atomic(Path::new("/"), b"x", Access::Public).is_err());
    assert!(write_atomic(dir.path(), b"x", Access::Public).is_err());
}

#[test]
fn a_bare_file_name_lives_in_the_current_directory() {
    assert_eq!(directory_of(Path::new("minjun.kubeconfig")), Path::new("."));
    assert_eq!(directory_of(Path::new("a/b.kubeconfig")), Path::new("a"));
    assert_eq!(directory_of(Path::new("/b.kubeconfig")), Path::new("/"));
}

#[test]
fn a_new_private_directory_and_its_parents_are_0700() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data/nested");
    private_dir(&data).expect("creates");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    assert_eq!(shared(&data), None);
    // An existing directory is left alone, and reported when others may read it.
    fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).expect("loosens");
    private_dir(&data).expect("exists");
    assert_eq!(mode(&data), 0o755);
    assert_eq!(shared(&data), Some(0o755));
}
