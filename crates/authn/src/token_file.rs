//! Static tokens (`--token-auth-file`): kube-apiserver's `tokenfile` authenticator.
//!
//! The file is read as Go's `encoding/csv` with `FieldsPerRecord = -1`: quoted fields (which may
//! hold commas, `""` and newlines), `\r\n` line ends, blank lines skipped, no comment syntax.
//! Each record is `token,user,uid[,"group1,group2"]`; further columns are ignored. A record with
//! fewer than 3 columns makes the file invalid; an empty token is skipped with a warning; a
//! duplicate token is warned about and the last record wins.

use std::collections::HashMap;

use kubeward_core::UserInfo;

/// Why a token file cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFileError {
    /// A CSV syntax error (Go's `csv.ParseError` wording).
    #[error("{0}")]
    Parse(String),
    /// A record with fewer than 3 columns.
    #[error(
        "token file must have at least 3 columns (token, user name, user uid), found {found} (record on line {line})"
    )]
    TooFewColumns {
        /// The line the record starts on (1-based).
        line: usize,
        /// How many columns it had.
        found: usize,
    },
}

/// The tokens of a `--token-auth-file`, keyed by the SHA-256 of the token (never the token).
#[derive(Debug, Clone, Default)]
pub struct TokenFile {
    users: HashMap<[u8; 32], UserInfo>,
    warnings: Vec<String>,
}

impl TokenFile {
    /// Parses the file contents.
    pub fn parse(csv: &str) -> Result<Self, TokenFileError> {
        let mut file = Self::default();
        for (record_number, (line, record)) in read_csv(csv)?.into_iter().enumerate() {
            let record_number = record_number + 1;
            if record.len() < 3 {
                return Err(TokenFileError::TooFewColumns {
                    line,
                    found: record.len(),
                });
            }
            if record[0].is_empty() {
                file.warnings.push(format!(
                    "empty token has been found in token file, record number '{record_number}'"
                ));
                continue;
            }
            let mut user = UserInfo::new(record[1].clone(), Vec::<String>::new());
            user.uid = record[2].clone();
            if let Some(groups) = record.get(3) {
                // Go's strings.Split: an empty column is one empty group.
                user.groups = groups.split(',').map(str::to_string).collect();
            }
            if file.users.insert(hash(&record[0]), user).is_some() {
                file.warnings.push(format!(
                    "duplicate token has been found in token file, record number '{record_number}'"
                ));
            }
        }
        Ok(file)
    }

    /// The user of `token`, if the file has it.
    pub fn authenticate(&self, token: &str) -> Option<&UserInfo> {
        self.users.get(&hash(token))
    }

    /// How many tokens the file holds.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the file holds no token.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// What kube-apiserver would log as warnings while reading the file.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

fn hash(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

const ERR_BARE_QUOTE: &str = "bare \" in non-quoted-field";
const ERR_QUOTE: &str = "extraneous or missing \" in quoted-field";

/// Go's `csv.ParseError` text.
fn parse_error(start_line: usize, line: usize, column: usize, err: &str) -> TokenFileError {
    TokenFileError::Parse(if start_line == line {
        format!("parse error on line {line}, column {column}: {err}")
    } else {
        format!("record on line {start_line}; parse error on line {line}, column {column}: {err}")
    })
}

/// Lines as Go's csv `readLine` returns them: `\r\n` → `\n`, a final `\r` dropped.
fn lines(input: &str) -> Vec<String> {
    let mut out: Vec<String> = input
        .split_inclusive('\n')
        .map(|l| match l.strip_suffix("\r\n") {
            Some(rest) => format!("{rest}\n"),
            None => l.to_string(),
        })
        .collect();
    if let Some(last) = out.last_mut()
        && !last.ends_with('\n')
        && last.ends_with('\r')
    {
        last.pop();
    }
    out
}

/// Reads every record: `(line the record starts on, fields)`.
fn read_csv(input: &str) -> Result<Vec<(usize, Vec<String>)>, TokenFileError> {
    let lines = lines(input);
    let mut records = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if lines[index] == "\n" || lines[index].is_empty() {
            index += 1;
            continue;
        }
        let start_line = index + 1;
        let mut fields = Vec::new();
        let mut line: &str = &lines[index];
        let mut line_number = start_line;
        let mut line_start = 0usize; // byte offset of `line` within its physical line
        'fields: loop {
            if !line.starts_with('"') {
                // Non-quoted field.
                let end = line.find(',');
                let field = match end {
                    Some(i) => &line[..i],
                    None => line.strip_suffix('\n').unwrap_or(line),
                };
                if let Some(q) = field.find('"') {
                    return Err(parse_error(
                        start_line,
                        line_number,
                        line_start + q + 1,
                        ERR_BARE_QUOTE,
                    ));
                }
                fields.push(field.to_string());
                match end {
                    Some(i) => {
                        line = &line[i + 1..];
                        line_start += i + 1;
                        continue 'fields;
                    }
                    None => break 'fields,
                }
            }
            // Quoted field.
            let mut field = String::new();
            line = &line[1..];
            line_start += 1;
            loop {
                if let Some(i) = line.find('"') {
                    field.push_str(&line[..i]);
                    line = &line[i + 1..];
                    line_start += i + 1;
                    if line.starts_with('"') {
                        field.push('"');
                        line = &line[1..];
                        line_start += 1;
                    } else if line.starts_with(',') {
                        line = &line[1..];
                        line_start += 1;
                        fields.push(field);
                        continue 'fields;
                    } else if line.is_empty() || line == "\n" {
                        fields.push(field);
                        break 'fields;
                    } else {
                        return Err(parse_error(start_line, line_number, line_start, ERR_QUOTE));
                    }
                } else if !line.is_empty() && line_number < lines.len() {
                    // The field goes on on the next line.
                    field.push_str(line);
                    line_number += 1;
                    line = &lines[line_number - 1];
                    line_start = 0;
                } else {
                    // End of input inside a quoted field.
                    return Err(parse_error(
                        start_line,
                        line_number,
                        lines[line_number - 1].trim_end_matches('\n').len() + 1,
                        ERR_QUOTE,
                    ));
                }
            }
        }
        records.push((start_line, fields));
        index = line_number;
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
