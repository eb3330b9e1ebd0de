//! The console's pages (askama, escaped by default, extending `console_base.html`) and the
//! rows they show. Every page has a [`Frame`]: who is signed in, the session's CSRF token, the
//! realm and section of the navigation, and the message of the last change.

use askama::Template;

/// What every page shows around its content.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The signed-in admin (empty on the sign-in page).
    pub admin: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The realm in the navigation.
    pub realm: Option<String>,
    /// The current section: `realm`, `clients`, `users`, `groups`, `roles`, `events` or `""`.
    pub section: &'static str,
    /// What the last change did.
    pub done: Option<String>,
    /// Why the last change was refused.
    pub failed: Option<String>,
}

/// An option of a list, or a row with an action: the value a form sends, the text a person
/// reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What the form sends.
    pub value: String,
    /// What is shown.
    pub label: String,
}

/// The sign-in form.
#[derive(Template)]
#[template(path = "console_login.html")]
pub struct LoginPage {
    /// The frame (no admin yet).
    pub frame: Frame,
    /// The token of the sign-in form (also in a cookie).
    pub login_csrf: String,
}

/// A realm in the list.
#[derive(Debug, Clone)]
pub struct RealmRow {
    /// Name.
    pub name: String,
    /// Enabled.
    pub enabled: bool,
    /// Clients.
    pub clients: usize,
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
}

/// The realms.
#[derive(Template)]
#[template(path = "console_realms.html")]
pub struct RealmsPage {
    /// The frame.
    pub frame: Frame,
    /// Every realm.
    pub realms: Vec<RealmRow>,
}

/// A signing key.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub algorithm: String,
    /// `active` or `retired`.
    pub status: &'static str,
}

/// One realm: counts, keys, deletion.
#[derive(Template)]
#[template(path = "console_realm.html")]
pub struct RealmPage {
    /// The frame.
    pub frame: Frame,
    /// Name.
    pub name: String,
    /// Its issuer.
    pub issuer: String,
    /// Clients.
    pub clients: usize,
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Realm roles.
    pub roles: usize,
    /// Signing keys.
    pub keys: Vec<KeyRow>,
}

/// A client in the list.
#[derive(Debug, Clone)]
pub struct ClientRow {
    /// Internal id (the URL's).
    pub uuid: String,
    /// `client_id`.
    pub client_id: String,
    /// `public` or `confidential`.
    pub kind: &'static str,
    /// Enabled.
    pub enabled: bool,
    /// Its grants, comma-separated.
    pub grants: String,
}

/// The clients of a realm.
#[derive(Template)]
#[template(path = "console_clients.html")]
pub struct ClientsPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Its clients.
    pub clients: Vec<ClientRow>,
}

/// One client.
#[derive(Template)]
#[template(path = "console_client.html")]
pub struct ClientPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Internal id.
    pub uuid: String,
    /// `client_id`.
    pub client_id: String,
    /// Public client.
    pub public: bool,
    /// The secret of a confidential client.
    pub secret: Option<String>,
    /// Its grants.
    pub grants: String,
    /// Redirect URIs, one a line.
    pub redirect_uris: String,
    /// Its roles.
    pub roles: Vec<String>,
}

/// A user in the list.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id (the URL's).
    pub id: String,
    /// Username.
    pub username: String,
    /// Enabled.
    pub enabled: bool,
    /// Email.
    pub email: String,
    /// Group paths, comma-separated.
    pub groups: String,
}

/// The users of a realm.
#[derive(Template)]
#[template(path = "console_users.html")]
pub struct UsersPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Its users.
    pub users: Vec<UserRow>,
}

/// A sign-in session of a user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Its id.
    pub id: String,
    /// When it started (UTC).
    pub started: String,
    /// Its last refresh (UTC).
    pub last: String,
    /// The clients it holds tokens of.
    pub clients: String,
}

/// One user.
#[derive(Template)]
#[template(path = "console_user.html")]
pub struct UserPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Enabled.
    pub enabled: bool,
    /// An authenticator is enrolled.
    pub totp: bool,
    /// Required actions, comma-separated.
    pub required_actions: String,
    /// Its groups (value: group id).
    pub groups: Vec<Choice>,
    /// The groups it may join.
    pub other_groups: Vec<Choice>,
    /// Its direct role mappings (value: a role reference).
    pub roles: Vec<Choice>,
    /// The roles that may be given.
    pub assignable: Vec<Choice>,
    /// Its sessions.
    pub sessions: Vec<SessionRow>,
}

/// A group in the list.
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// Id.
    pub id: String,
    /// `/parent/name`.
    pub path: String,
    /// Direct members.
    pub members: usize,
}

/// The groups of a realm.
#[derive(Template)]
#[template(path = "console_groups.html")]
pub struct GroupsPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Its groups.
    pub groups: Vec<GroupRow>,
}

/// One group.
#[derive(Template)]
#[template(path = "console_group.html")]
pub struct GroupPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Id.
    pub id: String,
    /// Path.
    pub path: String,
    /// Usernames of its direct members.
    pub members: Vec<String>,
    /// Its role mappings.
    pub roles: Vec<Choice>,
    /// The roles that may be given.
    pub assignable: Vec<Choice>,
}

/// The realm roles (label: name, value: description).
#[derive(Template)]
#[template(path = "console_roles.html")]
pub struct RolesPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Its roles.
    pub roles: Vec<Choice>,
}

/// An admin event.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// When (UTC).
    pub time: String,
    /// Who.
    pub admin: String,
    /// `CREATE`, `UPDATE`, `DELETE`.
    pub operation: &'static str,
    /// What.
    pub resource: String,
}

/// The event log of a realm.
#[derive(Template)]
#[template(path = "console_events.html")]
pub struct EventsPage {
    /// The frame.
    pub frame: Frame,
    /// The realm.
    pub realm: String,
    /// Its events, newest first.
    pub events: Vec<EventRow>,
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests;
