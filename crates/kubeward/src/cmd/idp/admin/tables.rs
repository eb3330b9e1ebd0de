//! What the administration commands print: the rows of realms, clients, users, groups, roles and
//! role mappings, the same whether they were read from a data directory or from a running
//! provider's admin REST API, as tables with kubectl's layout.

/// A realm and how much it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmRow {
    /// Its name.
    pub name: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// How many clients, users and groups it has.
    pub clients: usize,
    /// Users.
    pub users: usize,
    /// Groups (at every level).
    pub groups: usize,
}

/// A client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRow {
    /// `client_id`.
    pub client_id: String,
    /// Public (no secret) or confidential.
    pub public: bool,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The grants it may use, by OAuth name.
    pub grants: Vec<&'static str>,
    /// Its redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Username.
    pub username: String,
    /// Whether the user may sign in.
    pub enabled: bool,
    /// E-mail address.
    pub email: String,
    /// The paths of the user's groups.
    pub groups: Vec<String>,
    /// The user's id.
    pub id: String,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// `/parent/name`.
    pub path: String,
    /// How many users are direct members.
    pub members: usize,
    /// The realm roles it gives.
    pub realm_roles: Vec<String>,
    /// The client roles it gives, `client:role`.
    pub client_roles: Vec<String>,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
}

/// A role given directly to a user or group: the role, and its client (empty: a realm role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingRow {
    /// The role.
    pub role: String,
    /// The client whose role it is, or empty.
    pub client: String,
}

/// Rows under upper-case headers, columns padded with three spaces as kubectl does.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 3;
                out.push_str(&" ".repeat(pad));
            }
        }
        format!("{}\n", out.trim_end())
    };
    let mut text = line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        text.push_str(&line(row));
    }
    text
}

/// `realm list`.
pub fn realms(rows: &[RealmRow]) -> String {
    table(
        &["NAME", "ENABLED", "CLIENTS", "USERS", "GROUPS"],
        rows.iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.enabled.to_string(),
                    r.clients.to_string(),
                    r.users.to_string(),
                    r.groups.to_string(),
                ]
            })
            .collect(),
    )
}

/// `client list`.
pub fn clients(rows: &[ClientRow]) -> String {
    table(
        &["CLIENT ID", "TYPE", "ENABLED", "GRANTS", "REDIRECT URIS"],
        rows.iter()
            .map(|c| {
                vec![
                    c.client_id.clone(),
                    if c.public { "public" } else { "confidential" }.to_string(),
                    c.enabled.to_string(),
                    c.grants.join(","),
                    c.redirect_uris.join(","),
                ]
            })
            .collect(),
    )
}

/// `user list`.
pub fn users(rows: &[UserRow]) -> String {
    table(
        &["USERNAME", "ENABLED", "EMAIL", "GROUPS", "ID"],
        rows.iter()
            .map(|u| {
                vec![
                    u.username.clone(),
                    u.enabled.to_string(),
                    u.email.clone(),
                    u.groups.join(","),
                    u.id.clone(),
                ]
            })
            .collect(),
    )
}

/// `group list`.
pub fn groups(rows: &[GroupRow]) -> String {
    table(
        &["PATH", "MEMBERS", "REALM ROLES", "CLIENT ROLES"],
        rows.iter()
            .map(|g| {
                vec![
                    g.path.clone(),
                    g.members.to_string(),
                    g.realm_roles.join(","),
                    g.client_roles.join(","),
                ]
            })
            .collect(),
    )
}

/// `role list`.
pub fn roles(rows: &[RoleRow]) -> String {
    table(
        &["NAME", "DESCRIPTION"],
        rows.iter()
            .map(|r| vec![r.name.clone(), r.description.clone()])
            .collect(),
    )
}

/// `user roles`, `group roles`.
pub fn mappings(rows: &[MappingRow]) -> String {
    table(
        &["ROLE", "CLIENT"],
        rows.iter()
            .map(|m| vec![m.role.clone(), m.client.clone()])
            .collect(),
    )
}

#[cfg(test)]
mod tests;
