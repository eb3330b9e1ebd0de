use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;

/// 2024-01-02T03:04:05.678Z
fn at(extra_secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_704_164_645_678) + Duration::from_secs(extra_secs)
}

#[test]
fn backups_carry_the_rotation_time_between_stem_and_extension() {
    assert_eq!(
        backup_name(Path::new("/var/log/audit.log"), at(0)),
        Path::new("/var/log/audit-2024-01-02T03-04-05.678.log")
    );
    assert_eq!(
        backup_name(Path::new("logs/audit"), at(0)),
        Path::new("logs/audit-2024-01-02T03-04-05.678")
    );
    let path = Path::new("/var/log/audit.log");
    assert_eq!(
        backup_time(path, "audit-2024-01-02T03-04-05.678.log"),
        Some(at(0))
    );
    for other in [
        "audit.log",
        "audit-2024-01-02T03:04:05.678.log",
        "other-2024-01-02T03-04-05.678.log",
        "audit-2024-01-02T03-04-05.678.log.gz",
        "audit-yesterday.log",
    ] {
        assert_eq!(backup_time(path, other), None, "{other}");
    }
}

#[test]
fn the_newest_backups_are_kept_and_old_ones_removed() {
    let backups: Vec<(String, SystemTime)> = (0..4)
        .map(|day| (format!("b{day}"), at(day * 24 * 3600)))
        .collect();
    let keep_two = Rotation {
        max_backups: 2,
        ..Rotation::default()
    };
    assert_eq!(
        to_remove(&backups, &keep_two, at(4 * 24 * 3600)),
        ["b1", "b0"]
    );
    let two_days = Rotation {
        max_age_days: 2,
        ..Rotation::default()
    };
    let mut removed = to_remove(&backups, &two_days, at(4 * 24 * 3600 + 1));
    removed.sort();
    assert_eq!(removed, ["b0", "b1", "b2"]);
    assert!(to_remove(&backups, &Rotation::default(), at(400 * 24 * 3600)).is_empty());
}

#[test]
fn a_write_past_the_size_rotates_and_old_backups_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("logs/audit.log");
    let rotation = Rotation {
        max_size_mb: 1,
        max_backups: 1,
        max_age_days: 0,
    };
    let mut file = RotatingFile::create(&path, rotation).expect("created");
    let mode = |p: &Path| fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("dir")), 0o700);
    let chunk = |c: u8| vec![c; 600 * 1024];
    file.write(&chunk(b'a'), at(0)).expect("written");
    file.write(&chunk(b'b'), at(1)).expect("written");
    let first = backup_name(&path, at(1));
    assert_eq!(fs::read(&first).expect("backup"), chunk(b'a'));
    assert_eq!(mode(&first), 0o600);
    assert_eq!(fs::read(&path).expect("current"), chunk(b'b'));
    file.write(&chunk(b'c'), at(2)).expect("written");
    assert!(!first.exists(), "only the newest backup is kept");
    assert_eq!(
        fs::read(backup_name(&path, at(2))).expect("backup"),
        chunk(b'b')
    );
    let error = file.write(&vec![b'x'; 2 * 1024 * 1024], at(3)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "write length 2097152 exceeds maximum file size 1048576"
    );
}

#[test]
fn an_existing_file_is_appended_to_unless_the_write_would_fill_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("audit.log");
    fs::write(&path, b"before\n").expect("written");
    let rotation = Rotation {
        max_size_mb: 1,
        ..Rotation::default()
    };
    let mut file = RotatingFile::create(&path, rotation).expect("opened");
    file.write(b"after\n", at(0)).expect("written");
    assert_eq!(fs::read(&path).expect("read"), b"before\nafter\n");

    let mut reopened = RotatingFile::create(&path, rotation).expect("opened");
    let fill = vec![b'x'; 1024 * 1024 - 13];
    reopened.write(&fill, at(1)).expect("written");
    assert_eq!(
        fs::read(backup_name(&path, at(1))).expect("backup"),
        b"before\nafter\n"
    );
    assert_eq!(fs::read(&path).expect("read"), fill);
}

#[test]
fn a_device_is_written_to_and_never_rotated() {
    // A link to /dev/null: were it rotated, the link (not the device) would be renamed aside
    // and a regular file made in its place.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("audit.log");
    std::os::unix::fs::symlink("/dev/null", &path).expect("link");
    let rotation = Rotation {
        max_size_mb: 1,
        max_backups: 1,
        max_age_days: 1,
    };
    let mut file = RotatingFile::create(&path, rotation).expect("opened");
    for (i, c) in [b'a', b'b', b'c'].into_iter().enumerate() {
        assert!(i == 0 || file.fits(600 * 1024));
        file.write(&vec![c; 600 * 1024], at(i as u64))
            .expect("written");
    }
    file.write(&vec![b'x'; 2 * 1024 * 1024], at(3))
        .expect("no size limit for a device");
    assert_eq!(
        fs::read_link(&path).expect("still the link"),
        Path::new("/dev/null")
    );
    let names: Vec<_> = fs::read_dir(dir.path())
        .expect("listed")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["audit.log"]);
}
