//! `deploy/container`: the image builds with Debian's buildah from the binaries under test
//! (rootfs.sh, then the Containerfile; vfs storage and chroot isolation in a temporary folder,
//! no daemon), is set up for the non-root user the Deployment runs it as, and kubeward runs
//! inside it. (buildah's chroot isolation cannot switch to another user on these machines, so
//! the commands inside run as root; the Deployment's runAsUser is what a cluster uses.)

use std::path::Path;
use std::process::Command;

use crate::support::repo;

/// `buildah ARGS…` on storage inside `root`; its stdout, or a failure with what it said.
fn buildah(root: &Path, args: &[&str]) -> String {
    let output = Command::new("buildah")
        .arg("--root")
        .arg(root.join("storage"))
        .arg("--runroot")
        .arg(root.join("run"))
        .args(["--storage-driver", "vfs"])
        .args(args)
        .env("BUILDAH_ISOLATION", "chroot")
        .output()
        .expect("buildah is installed (.ci/run installs Debian's buildah)");
    assert!(
        output.status.success(),
        "buildah {args:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_image_builds_with_buildah_for_a_non_root_user_and_runs_kubeward() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::copy(
        repo().join("deploy/container/Containerfile"),
        context.join("Containerfile"),
    )
    .unwrap();
    let binaries = assert_cmd::cargo::cargo_bin("kubeward");
    let made = Command::new(repo().join("deploy/container/rootfs.sh"))
        .arg(binaries.parent().unwrap())
        .arg(context.join("rootfs"))
        .output()
        .expect("rootfs.sh runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let context = context.to_str().unwrap();
    buildah(
        dir.path(),
        &[
            "bud",
            "--quiet",
            "-t",
            "kubeward-test:latest",
            "-f",
            &format!("{context}/Containerfile"),
            context,
        ],
    );
    let config: serde_json::Value = serde_json::from_str(&buildah(
        dir.path(),
        &["inspect", "--type", "image", "kubeward-test:latest"],
    ))
    .unwrap();
    let image = &config["OCIv1"]["config"];
    assert_eq!(image["User"], "65532:65532");
    assert_eq!(
        image["Entrypoint"],
        serde_json::json!(["/usr/local/bin/kubeward"])
    );

    let container = buildah(dir.path(), &["from", "kubeward-test:latest"]);
    let container = container.trim();
    // The data directory belongs to the image's user and is private.
    let mounted = buildah(dir.path(), &["mount", container]);
    let data = std::path::Path::new(mounted.trim()).join("var/lib/kubeward");
    let meta = std::fs::metadata(&data).unwrap();
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        assert_eq!((meta.uid(), meta.gid()), (65532, 65532));
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    }
    buildah(dir.path(), &["umount", container]);
    let run = |args: &[&str]| {
        let mut all = vec!["run", "--user", "0:0", container, "--"];
        all.extend_from_slice(args);
        buildah(dir.path(), &all)
    };
    let version = run(&["/usr/local/bin/kubeward", "version"]);
    assert!(
        version.starts_with(&format!("kubeward {}\n", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let who = buildah(
        dir.path(),
        &[
            "run",
            container,
            "--",
            "/usr/local/bin/kubeward",
            "idp",
            "realm",
            "list",
            "--data-dir",
            "/var/lib/kubeward/data",
        ],
    );
    assert!(who.starts_with("NAME "), "{who}");
    buildah(dir.path(), &["rm", container]);
}
