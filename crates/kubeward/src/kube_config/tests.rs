//! kubectl's choice of kubeconfig files, and the sentence when there is none.

use std::ffi::OsStr;

use super::*;

#[test]
fn kubeconfig_lists_its_files_and_otherwise_home_is_used() {
    assert_eq!(
        default_files(Some(OsStr::new("/a:/b::/c")), Some(OsStr::new("/home/u"))),
        vec![
            PathBuf::from("/a"),
            PathBuf::from("/b"),
            PathBuf::from("/c")
        ]
    );
    assert_eq!(
        default_files(Some(OsStr::new("")), Some(OsStr::new("/home/u"))),
        vec![PathBuf::from("/home/u/.kube/config")]
    );
    assert_eq!(default_files(None, None), Vec::<PathBuf>::new());
}

#[test]
fn the_missing_kubeconfig_is_one_sentence() {
    assert_eq!(
        missing(None, &[PathBuf::from("/home/u/.kube/config")]),
        "no kubeconfig: /home/u/.kube/config does not exist and KUBECONFIG is not set; give --kubeconfig, or point KUBECONFIG at a kubeconfig (kubeward up writes <data-dir>/admin.kubeconfig)"
    );
    assert_eq!(
        missing(Some(OsStr::new("/x")), &[PathBuf::from("/x")]),
        "no kubeconfig: none of the files in $KUBECONFIG exists (/x); give --kubeconfig, or point KUBECONFIG at a kubeconfig (kubeward up writes <data-dir>/admin.kubeconfig)"
    );
}
