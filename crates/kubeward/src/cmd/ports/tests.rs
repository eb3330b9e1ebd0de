//! A busy port is named with the flag that moves it; port 0 is never checked.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use super::*;

#[test]
fn a_busy_port_is_an_error_naming_the_flag() {
    let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds");
    let address = busy.local_addr().expect("address");
    let error = check_free(&[Wanted {
        what: "the API server",
        address,
        flag: "--secure-port",
    }])
    .expect_err("the port is taken");
    assert_eq!(
        error.to_string(),
        format!(
            "{address} is already in use, so the API server cannot listen there (is another kubeward running?): stop it, or choose another port with --secure-port"
        )
    );
}

#[test]
fn free_ports_pass_and_are_released() {
    let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds");
    let address = probe.local_addr().expect("address");
    drop(probe);
    let wanted = [Wanted {
        what: "the identity provider",
        address,
        flag: "--idp-port",
    }];
    check_free(&wanted).expect("free");
    // Released: the server can bind it next.
    TcpListener::bind(address).expect("still free after the check");
}

#[test]
fn the_same_port_twice_is_a_conflict() {
    let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds");
    let address = probe.local_addr().expect("address");
    drop(probe);
    let wanted = [
        Wanted {
            what: "the API server",
            address,
            flag: "--secure-port",
        },
        Wanted {
            what: "the identity provider",
            address,
            flag: "--idp-port",
        },
    ];
    assert!(check_free(&wanted).is_err());
    let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    check_free(&[Wanted {
        what: "x",
        address: any,
        flag: "--x",
    }])
    .expect("port 0 is not checked");
}
