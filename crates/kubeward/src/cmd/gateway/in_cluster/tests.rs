use super::url;

#[test]
fn the_service_address_is_joined_as_go_joins_it() {
    assert_eq!(url("10.96.0.1", "443"), "https://10.96.0.1:443");
    assert_eq!(url("fd00::1", "443"), "https://[fd00::1]:443");
    assert_eq!(
        url("kubernetes.default.svc", "6443"),
        "https://kubernetes.default.svc:6443"
    );
}
