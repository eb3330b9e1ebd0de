use super::*;
use crate::parse_csr_pem;

#[test]
fn the_request_verifies_and_names_the_user_and_every_group() {
    let groups = vec!["dev-team".to_string(), "qa".to_string()];
    let request = new_client_request("minjun", &groups).unwrap();
    let parsed = parse_csr_pem(request.csr_pem.as_bytes()).expect("a valid, self-signed request");
    assert_eq!(parsed.common_name(), "minjun");
    assert_eq!(parsed.organizations(), groups.as_slice());
    assert!(parsed.has_no_sans());
    assert!(request.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(!format!("{request:?}").contains("PRIVATE KEY"));
}

#[test]
fn openssl_reads_the_request() {
    let request = new_client_request("seoyeon", &["dev-team".to_string()]).unwrap();
    let dir = std::env::temp_dir().join(format!("kubeward-pki-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seoyeon.csr");
    std::fs::write(&path, &request.csr_pem).unwrap();
    let output = std::process::Command::new("openssl")
        .args(["req", "-in"])
        .arg(&path)
        .args(["-noout", "-verify", "-subject"])
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "subject=O = dev-team, CN = seoyeon\n"
    );
}
