//! Request and response bodies as an audit event holds them: Go's `encoding/json` compacts the raw
//! JSON of a `runtime.Unknown` (insignificant whitespace removed, `<`, `>`, `&`, U+2028 and U+2029
//! escaped, key order kept), and with `omitManagedFields` kube-apiserver drops
//! `metadata.managedFields` from the object, from each item of a list and from each row's object
//! of a Table.

/// Why a body could not be recorded (it is not JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RawJsonError {
    /// The text is not one JSON value.
    #[error("invalid JSON at byte {0}")]
    Invalid(usize),
}

/// `raw` compacted as Go's `json.Compact` with HTML escaping; with `omit_managed_fields`,
/// without `metadata.managedFields`.
pub fn compact(raw: &str, omit_managed_fields: bool) -> Result<String, RawJsonError> {
    let mut compactor = Compactor {
        input: raw.as_bytes(),
        text: raw,
        pos: 0,
        out: String::with_capacity(raw.len()),
        strip: omit_managed_fields,
    };
    compactor.value(Role::Root)?;
    compactor.whitespace();
    if compactor.pos != compactor.input.len() {
        return Err(RawJsonError::Invalid(compactor.pos));
    }
    Ok(compactor.out)
}

/// Where a value sits, for finding the `metadata` objects whose managed fields are dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The body: an object with `metadata`, a list with `items`, or a Table with `rows`.
    Root,
    /// An object with `metadata` (a list item, a row's object).
    Object,
    /// A `metadata` object.
    Metadata,
    /// The `items` of a list.
    Items,
    /// The `rows` of a Table.
    Rows,
    /// One row of a Table (its `object`).
    Row,
    /// Anything else.
    Other,
}

struct Compactor<'a> {
    input: &'a [u8],
    text: &'a str,
    pos: usize,
    out: String,
    strip: bool,
}

impl Compactor<'_> {
    fn error<T>(&self) -> Result<T, RawJsonError> {
        Err(RawJsonError::Invalid(self.pos))
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, role: Role) -> Result<(), RawJsonError> {
        self.whitespace();
        match self.input.get(self.pos) {
            Some(b'{') => self.object(role),
            Some(b'[') => self.array(role),
            Some(b'"') => self.string(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.error(),
        }
    }

    fn child_role(&self, role: Role, key: &str) -> Role {
        if !self.strip {
            return Role::Other;
        }
        match (role, key) {
            (Role::Root | Role::Object, "metadata") => Role::Metadata,
            (Role::Root, "items") => Role::Items,
            (Role::Root, "rows") => Role::Rows,
            (Role::Row, "object") => Role::Object,
            _ => Role::Other,
        }
    }

    fn object(&mut self, role: Role) -> Result<(), RawJsonError> {
        self.pos += 1;
        self.out.push('{');
        let mut written = false;
        self.whitespace();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.out.push('}');
            return Ok(());
        }
        loop {
            self.whitespace();
            let mark = self.out.len();
            if written {
                self.out.push(',');
            }
            let key_start = self.out.len();
            if self.input.get(self.pos) != Some(&b'"') {
                return self.error();
            }
            self.string()?;
            // The key as written (quotes stripped); keys of interest have no escapes.
            let key = &self.out[key_start + 1..self.out.len() - 1];
            let child = self.child_role(role, key);
            let managed_fields = self.strip && role == Role::Metadata && key == "managedFields";
            self.whitespace();
            if self.input.get(self.pos) != Some(&b':') {
                return self.error();
            }
            self.pos += 1;
            self.out.push(':');
            self.value(child)?;
            if managed_fields {
                self.out.truncate(mark);
            } else {
                written = true;
            }
            self.whitespace();
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.out.push('}');
                    return Ok(());
                }
                _ => return self.error(),
            }
        }
    }

    fn array(&mut self, role: Role) -> Result<(), RawJsonError> {
        self.pos += 1;
        self.out.push('[');
        let element = match role {
            Role::Items => Role::Object,
            Role::Rows => Role::Row,
            _ => Role::Other,
        };
        self.whitespace();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.out.push(']');
            return Ok(());
        }
        loop {
            self.value(element)?;
            self.whitespace();
            match self.input.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(',');
                }
                Some(b']') => {
                    self.pos += 1;
                    self.out.push(']');
                    return Ok(());
                }
                _ => return self.error(),
            }
        }
    }

    fn string(&mut self) -> Result<(), RawJsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut copied = start;
        loop {
            let Some(&b) = self.input.get(self.pos) else {
                return self.error();
            };
            let escape = match b {
                b'"' => {
                    self.pos += 1;
                    self.out.push_str(&self.text[copied..self.pos]);
                    return Ok(());
                }
                b'\\' => {
                    // An escape is copied as written; skip the escaped character.
                    if self.pos + 1 >= self.input.len() {
                        return self.error();
                    }
                    self.pos += 2;
                    continue;
                }
                b if b < 0x20 => return self.error(),
                b'<' => "\\u003c",
                b'>' => "\\u003e",
                b'&' => "\\u0026",
                0xe2 if self.input.get(self.pos + 1) == Some(&0x80)
                    && matches!(self.input.get(self.pos + 2), Some(0xa8 | 0xa9)) =>
                {
                    if self.input[self.pos + 2] == 0xa8 {
                        "\\u2028"
                    } else {
                        "\\u2029"
                    }
                }
                _ => {
                    self.pos += 1;
                    continue;
                }
            };
            self.out.push_str(&self.text[copied..self.pos]);
            self.out.push_str(escape);
            self.pos += if b == 0xe2 { 3 } else { 1 };
            copied = self.pos;
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), RawJsonError> {
        if self.input[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.out.push_str(word);
            Ok(())
        } else {
            self.error()
        }
    }

    fn number(&mut self) -> Result<(), RawJsonError> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.input.get(self.pos) {
            self.pos += 1;
        }
        let number = &self.text[start..self.pos];
        if number.parse::<f64>().is_err() {
            self.pos = start;
            return self.error();
        }
        self.out.push_str(number);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
