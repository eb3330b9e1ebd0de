//! The browser endpoints without a browser (they work without JavaScript): curl with a cookie
//! jar fills the login form. Codes are single-use, PKCE is checked, redirect URIs must match,
//! logout and revocation end what they should, and the device flow (RFC 8628) completes.

use super::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:43123/callback";

/// A browser: curl with a cookie jar.
struct Browser<'a> {
    idp: &'a Idp,
    jar: PathBuf,
}

impl<'a> Browser<'a> {
    fn new(idp: &'a Idp, name: &str) -> Self {
        Self {
            idp,
            jar: idp.dir.path().join(format!("{name}.cookies")),
        }
    }

    /// A request with the jar; returns (status, headers and body).
    fn request(&self, args: &[&str]) -> (u16, String) {
        let jar = self.jar.to_str().unwrap();
        let mut all = vec!["-i", "-b", jar, "-c", jar];
        all.extend_from_slice(args);
        self.idp.curl(&all)
    }

    fn authorize_url(&self, client: &str, redirect: &str, extra: &str) -> String {
        format!(
            "{}/realms/kubernetes/protocol/openid-connect/auth?client_id={client}&redirect_uri={}&response_type=code&scope=openid&state=st4te&nonce=n0nce&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
            self.idp.url,
            urlencode(redirect)
        )
    }

    /// Logs in with the form (or the SSO cookie) and returns the code.
    fn code(&self, password: &str) -> Result<String, String> {
        let (status, page) = self.request(&[&self.authorize_url("kubelogin", REDIRECT, "")]);
        if status == 302 {
            return Ok(code_of(&page));
        }
        assert_eq!(status, 200, "{page}");
        let action = attribute(&page, "action");
        let (status, answer) = self.request(&[
            &action,
            "--data-urlencode",
            "username=test",
            "--data-urlencode",
            &format!("password={password}"),
        ]);
        if status == 302 {
            Ok(code_of(&answer))
        } else {
            Err(answer)
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_string()
}

fn location(response: &str) -> String {
    response
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap_or_else(|| panic!("no Location in {response}"))
        .trim()
        .to_string()
}

fn code_of(response: &str) -> String {
    let location = location(response);
    assert!(location.starts_with(REDIRECT), "{location}");
    let query = location.split_once('?').unwrap().1;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("state").as_deref(), Some("st4te"));
    assert!(get("session_state").is_some());
    assert!(get("iss").unwrap().ends_with("/realms/kubernetes"));
    get("code").expect("a code")
}

fn attribute(page: &str, name: &str) -> String {
    let start = page
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("{name} in {page}"));
    let rest = &page[start + name.len() + 2..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The query of a page's form action (Keycloak's login state: `session_code`, `execution`,
/// `client_id`, `tab_id`).
fn action_state(page: &str) -> std::collections::HashMap<String, String> {
    let action = attribute(page, "action");
    let query = action.split_once('?').expect("a query").1;
    serde_urlencoded::from_str(query).unwrap()
}

fn exchange(idp: &Idp, code: &str, verifier: Option<&str>, redirect: &str) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", "kubelogin"),
        ("code", code),
        ("redirect_uri", redirect),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let (status, body) = idp.post_form("/realms/kubernetes/protocol/openid-connect/token", &form);
    (status, json(&body))
}

fn refresh(idp: &Idp, token: &str) -> (u16, Value) {
    let (status, body) = idp.post_form(
        "/realms/kubernetes/protocol/openid-connect/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "kubelogin"),
            ("refresh_token", token),
        ],
    );
    (status, json(&body))
}

#[test]
fn codes_are_single_use_and_pkce_bound() {
    let idp = Idp::start();
    let browser = Browser::new(&idp, "a");
    let wrong = browser.code("nope").unwrap_err();
    assert!(wrong.contains("Invalid username or password."), "{wrong}");
    // Good login; the cookie is Secure, HttpOnly, SameSite=Lax.
    let code = browser.code(PASSWORD).unwrap();
    let jar = std::fs::read_to_string(&browser.jar).unwrap();
    assert!(
        jar.contains("#HttpOnly_127.0.0.1\tFALSE\t/realms/kubernetes/\tTRUE"),
        "{jar}"
    );
    let (status, tokens) = exchange(&idp, &code, Some(VERIFIER), REDIRECT);
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["id_token"].as_str().unwrap())["nonce"],
        "n0nce"
    );
    // Replay: refused, and what the code gave is revoked.
    let (status, replay) = exchange(&idp, &code, Some(VERIFIER), REDIRECT);
    assert_eq!(
        (status, replay["error_description"].as_str()),
        (400, Some("Code not valid"))
    );
    let (status, _) = refresh(&idp, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(status, 400, "the replayed code's refresh token is revoked");
    // Missing and wrong verifiers; another redirect_uri. (The SSO cookie gives new codes.)
    let (status, e) = exchange(&idp, &browser.code(PASSWORD).unwrap(), None, REDIRECT);
    assert_eq!(
        (status, e["error_description"].as_str()),
        (400, Some("PKCE code verifier not specified"))
    );
    let wrong_verifier = "x".repeat(43);
    let (_, e) = exchange(
        &idp,
        &browser.code(PASSWORD).unwrap(),
        Some(&wrong_verifier),
        REDIRECT,
    );
    assert_eq!(e["error_description"], "PKCE verification failed");
    let (_, e) = exchange(
        &idp,
        &browser.code(PASSWORD).unwrap(),
        Some(VERIFIER),
        "http://127.0.0.1:43123/other",
    );
    assert_eq!(e["error_description"], "Incorrect redirect_uri");
}

#[test]
fn bad_authorization_requests_never_redirect_to_unknown_places() {
    let idp = Idp::start();
    let browser = Browser::new(&idp, "b");
    let (status, page) =
        browser.request(&[&browser.authorize_url("kubelogin", "https://evil.example/cb", "")]);
    assert_eq!(status, 400);
    assert!(page.contains("Invalid parameter: redirect_uri"), "{page}");
    assert!(!page.contains("location:"));
    let (status, page) = browser.request(&[&browser.authorize_url("ghost", REDIRECT, "")]);
    assert_eq!((status, page.contains("Client not found.")), (400, true));
    // A client error goes back to the (valid) redirect_uri.
    let url = browser
        .authorize_url("kubelogin", REDIRECT, "")
        .replace("&code_challenge_method=S256", "&code_challenge_method=S512");
    let (status, answer) = browser.request(&[&url]);
    assert_eq!(status, 302);
    assert!(
        location(&answer).contains("error=invalid_request"),
        "{answer}"
    );
    // A form post without the login's state: see
    // the_login_state_travels_in_the_form_action_and_guards_against_csrf.
}

#[test]
fn logout_and_revocation_end_sessions() {
    let idp = Idp::start();
    let browser = Browser::new(&idp, "c");
    let (_, tokens) = exchange(
        &idp,
        &browser.code(PASSWORD).unwrap(),
        Some(VERIFIER),
        REDIRECT,
    );
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    // RFC 7009 revocation of the refresh token.
    let (status, _) = idp.post_form(
        "/realms/kubernetes/protocol/openid-connect/revoke",
        &[("client_id", "kubelogin"), ("token", refresh_token)],
    );
    assert_eq!(status, 200);
    assert_eq!(refresh(&idp, refresh_token).0, 400);
    // RP-initiated logout with the id token and a registered post-logout URI.
    let (_, tokens) = exchange(
        &idp,
        &browser.code(PASSWORD).unwrap(),
        Some(VERIFIER),
        REDIRECT,
    );
    let url = format!(
        "{}/realms/kubernetes/protocol/openid-connect/logout?id_token_hint={}&post_logout_redirect_uri={}&state=bye",
        idp.url,
        tokens["id_token"].as_str().unwrap(),
        urlencode(REDIRECT)
    );
    let (status, answer) = browser.request(&[&url]);
    assert_eq!(status, 302, "{answer}");
    assert_eq!(location(&answer), format!("{REDIRECT}?state=bye"));
    let (status, e) = refresh(&idp, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(
        (status, e["error_description"].as_str()),
        (400, Some("Session not active"))
    );
    // The SSO cookie is gone: the next authorization shows the login page.
    let (status, page) = browser.request(&[&browser.authorize_url("kubelogin", REDIRECT, "")]);
    assert_eq!(status, 200);
    assert!(
        page.contains("<label for=\"password\">Password</label>"),
        "{page}"
    );
}

#[test]
fn the_device_flow_completes_in_the_browser() {
    let idp = Idp::start();
    let auth = format!("kubernetes-client:{SECRET}");
    let (status, body) = idp.curl(&[
        &format!(
            "{}/realms/kubernetes/protocol/openid-connect/auth/device",
            idp.url
        ),
        "-u",
        &auth,
        "-d",
        "scope=openid",
    ]);
    assert_eq!(status, 200, "{body}");
    let device = json(&body);
    let user_code = device["user_code"].as_str().unwrap().to_string();
    assert_eq!(
        device["verification_uri"],
        format!("{}/device", idp.issuer("kubernetes"))
    );
    let poll = || {
        let (status, body) = idp.curl(&[
            &format!(
                "{}/realms/kubernetes/protocol/openid-connect/token",
                idp.url
            ),
            "-u",
            &auth,
            "-d",
            "grant_type=urn:ietf:params:oauth:grant-type:device_code",
            "-d",
            &format!("device_code={}", device["device_code"].as_str().unwrap()),
        ]);
        (status, json(&body))
    };
    let (status, pending) = poll();
    assert_eq!(
        (status, pending["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    // The user opens the verification page, types the code, logs in.
    let browser = Browser::new(&idp, "d");
    let (status, page) = browser.request(&[device["verification_uri"].as_str().unwrap()]);
    assert_eq!(status, 200);
    assert!(
        page.contains("Enter the code provided by your device"),
        "{page}"
    );
    let (_, page) = browser.request(&[
        device["verification_uri"].as_str().unwrap(),
        "-d",
        &format!("user_code={}", user_code.to_lowercase().replace('-', "")),
    ]);
    let (status, done) = browser.request(&[
        &attribute(&page, "action"),
        "-d",
        "username=test",
        "--data-urlencode",
        &format!("password={PASSWORD}"),
    ]);
    assert_eq!(status, 200);
    assert!(done.contains("Device Login Successful"), "{done}");
    std::thread::sleep(std::time::Duration::from_secs(5));
    let (status, tokens) = poll();
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["id_token"].as_str().unwrap())["preferred_username"],
        "test"
    );
    // A device code works once.
    assert_eq!(poll().1["error_description"], "Device code not valid");
}

/// RFC 6238's TOTP computed by Python's standard library (not by the code under test).
fn totp_now(secret: &str) -> String {
    let program = "import base64,hmac,struct,sys,time\n\
        k=base64.b32decode(sys.argv[1]+'='*(-len(sys.argv[1])%8))\n\
        h=hmac.new(k,struct.pack('>Q',int(time.time())//30),'sha1').digest()\n\
        o=h[-1]&15\n\
        print('%06d'%((struct.unpack('>I',h[o:o+4])[0]&0x7fffffff)%1000000))";
    let out = std::process::Command::new("python3")
        .args(["-c", program, secret])
        .output()
        .expect("python3 runs");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn totp_enrolment_then_the_totp_step() {
    let idp = Idp::start();
    let browser = Browser::new(&idp, "totp");
    let (_, page) = browser.request(&[&browser.authorize_url("kubelogin", REDIRECT, "")]);
    let form = |page: &str, fields: &[(&str, &str)]| {
        let mut args = vec![attribute(page, "action")];
        for (k, v) in fields {
            args.push("--data-urlencode".into());
            args.push(format!("{k}={v}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        browser.request(&refs)
    };
    let (status, setup) = form(&page, &[("username", "otp"), ("password", "otp-password")]);
    assert_eq!(status, 200);
    assert!(setup.contains("Mobile Authenticator Setup"), "{setup}");
    assert!(setup.contains("<svg"), "the QR code is inline");
    assert!(
        setup.contains("otpauth://totp/kubernetes:otp?secret="),
        "{setup}"
    );
    let secret = {
        let at = setup.find("id=\"totp-secret\">").unwrap() + 17;
        setup[at..at + setup[at..].find('<').unwrap()].to_string()
    };
    let (status, again) = form(&setup, &[("otp", "000000")]);
    assert_eq!(status, 200);
    assert!(again.contains("Invalid authenticator code."), "{again}");
    let (status, done) = form(&again, &[("otp", &totp_now(&secret))]);
    assert_eq!(status, 302, "{done}");
    // The next login asks for the code after the password.
    let fresh = Browser::new(&idp, "totp2");
    let (_, page) = fresh.request(&[&fresh.authorize_url("kubelogin", REDIRECT, "")]);
    let mut args = vec![
        attribute(&page, "action"),
        "-d".into(),
        "username=otp".into(),
        "-d".into(),
        "password=otp-password".into(),
    ];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, step) = fresh.request(&refs);
    assert_eq!(status, 200);
    assert!(
        step.contains("<label for=\"otp\">One-time code</label>"),
        "{step}"
    );
    assert_eq!(action_state(&step)["execution"], "auth-otp-form");
    args = vec![
        attribute(&step, "action"),
        "-d".into(),
        format!("otp={}", totp_now(&secret)),
    ];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(fresh.request(&refs).0, 302);
}

#[test]
fn a_temporary_password_must_be_replaced_at_the_next_login() {
    let idp = Idp::start();
    let (_, users) = idp.admin("GET", "kubernetes/users?username=test&exact=true", None);
    let id = json(&users)[0]["id"].as_str().unwrap().to_string();
    let (status, _) = idp.admin(
        "PUT",
        &format!("kubernetes/users/{id}/reset-password"),
        Some(r#"{"type":"password","value":"temporary-one","temporary":true}"#),
    );
    assert_eq!(status, 204);
    // As Keycloak: the password grant refuses a user with a required action.
    let (status, body) = idp.password_grant("test", "temporary-one", SECRET);
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Account is not fully set up"))
    );
    let browser = Browser::new(&idp, "update");
    let (_, page) = browser.request(&[&browser.authorize_url("kubelogin", REDIRECT, "")]);
    let post = |page: &str, fields: &[(&str, &str)]| {
        let mut args = vec![attribute(page, "action")];
        for (k, v) in fields {
            args.push("--data-urlencode".into());
            args.push(format!("{k}={v}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        browser.request(&refs)
    };
    let (status, update) = post(
        &page,
        &[("username", "test"), ("password", "temporary-one")],
    );
    assert_eq!(status, 200);
    assert!(
        update.contains("<h1 id=\"kc-page-title\">Update password</h1>"),
        "{update}"
    );
    assert!(update.contains("<label for=\"password-new\">New Password</label>"));
    let (status, again) = post(
        &update,
        &[
            ("password-new", "chosen-one"),
            ("password-confirm", "chosen-0ne"),
        ],
    );
    assert_eq!(status, 200);
    // "Passwords don't match." with the apostrophe HTML-escaped.
    assert!(again.contains("Passwords don&#39;t match."), "{again}");
    let (status, again) = post(&again, &[("password-new", ""), ("password-confirm", "")]);
    assert_eq!(status, 200);
    assert!(again.contains("Please specify password."), "{again}");
    let (status, done) = post(
        &again,
        &[
            ("password-new", "chosen-one"),
            ("password-confirm", "chosen-one"),
        ],
    );
    assert_eq!(status, 302, "{done}");
    assert!(location(&done).starts_with(REDIRECT), "{done}");
    // The new password is the password now; the temporary one is gone.
    assert_eq!(idp.password_grant("test", "chosen-one", SECRET).0, 200);
    assert_eq!(idp.password_grant("test", "temporary-one", SECRET).0, 401);
}

#[test]
fn the_login_state_travels_in_the_form_action_and_guards_against_csrf() {
    let idp = Idp::start();
    let browser = Browser::new(&idp, "state");
    let (_, page) = browser.request(&[&browser.authorize_url("kubelogin", REDIRECT, "")]);
    assert!(!page.contains("type=\"hidden\""), "no hidden state field");
    let state = action_state(&page);
    assert_eq!(state["execution"], "auth-username-password-form");
    assert_eq!(state["client_id"], "kubelogin");
    assert!(!state["session_code"].is_empty() && !state["tab_id"].is_empty());
    let action = attribute(&page, "action");
    let base = action.split_once('?').unwrap().0;
    // A page that did not get the form (no session_code, or another one) cannot post it,
    // even with the browser's cookie.
    let forged = format!(
        "{base}?session_code=forged&execution=auth-username-password-form&client_id=kubelogin&tab_id={}",
        state["tab_id"]
    );
    for target in [base, forged.as_str()] {
        let (status, answer) = browser.request(&[
            target,
            "-d",
            "username=test",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
        ]);
        assert_eq!(status, 400, "{answer}");
        assert!(answer.contains("Your login attempt timed out"), "{answer}");
    }
    let (status, answer) = browser.request(&[
        &action,
        "-d",
        "username=test",
        "--data-urlencode",
        &format!("password={PASSWORD}"),
    ]);
    assert_eq!(status, 302, "{answer}");
    assert!(!code_of(&answer).is_empty());
}
