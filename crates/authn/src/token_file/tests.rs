//! Tests of `token_file`.

use super::*;

#[test]
fn plain_and_quoted_records() {
    let file = TokenFile::parse(
        "tok1,alice,uid-1\n\"tok2\",bob,uid-2,\"system:masters,dev\"\r\n\ntok3,carol,uid-3,ops,ignored\n",
    )
    .unwrap();
    assert_eq!(file.len(), 3);
    let alice = file.authenticate("tok1").unwrap();
    assert_eq!(
        (alice.name.as_str(), alice.uid.as_str()),
        ("alice", "uid-1")
    );
    assert!(alice.groups.is_empty());
    let bob = file.authenticate("tok2").unwrap();
    assert_eq!(bob.groups, vec!["system:masters", "dev"]);
    assert_eq!(file.authenticate("tok3").unwrap().groups, vec!["ops"]);
    assert!(file.authenticate("tok4").is_none());
    assert!(file.authenticate("").is_none());
}

#[test]
fn empty_group_column_is_one_empty_group() {
    let file = TokenFile::parse("t,u,1,\n").unwrap();
    assert_eq!(file.authenticate("t").unwrap().groups, vec![""]);
}

#[test]
fn quoted_fields_with_escaped_quotes_and_newlines() {
    let file = TokenFile::parse("t,\"a \"\"b\"\"\",\"1\n2\",g\nu,v,w").unwrap();
    let user = file.authenticate("t").unwrap();
    assert_eq!(user.name, "a \"b\"");
    assert_eq!(user.uid, "1\n2");
    assert_eq!(file.authenticate("u").unwrap().name, "v");
}

#[test]
fn too_few_columns_names_the_line() {
    let err = TokenFile::parse("a,b,c\n\nx,y\n").unwrap_err();
    assert_eq!(err, TokenFileError::TooFewColumns { line: 3, found: 2 });
    assert!(err.to_string().contains("line 3"));
}

#[test]
fn comment_lines_are_records_as_in_go() {
    // Go's csv reader has no comment syntax: "# comment" is a one-column record.
    assert!(TokenFile::parse("# comment\na,b,c\n").is_err());
}

#[test]
fn bare_and_unterminated_quotes_are_errors() {
    assert_eq!(
        TokenFile::parse("a,b\"c,d\n").unwrap_err(),
        TokenFileError::Parse(
            "parse error on line 1, column 4: bare \" in non-quoted-field".into()
        )
    );
    let err = TokenFile::parse("ok,u,1\n\"a\"x,b,c\n").unwrap_err();
    assert!(
        err.to_string().starts_with("parse error on line 2"),
        "{err}"
    );
    let err = TokenFile::parse("\"abc,u,1\nmore\n").unwrap_err();
    assert!(err.to_string().contains("record on line 1"), "{err}");
}

#[test]
fn empty_tokens_are_skipped_and_duplicates_warned_last_wins() {
    let file = TokenFile::parse(",nobody,0\nt,first,1\nt,second,2\n").unwrap();
    assert_eq!(file.len(), 1);
    assert_eq!(file.authenticate("t").unwrap().name, "second");
    assert_eq!(file.warnings().len(), 2);
    assert!(file.warnings()[0].contains("empty token"));
    assert!(file.warnings()[1].contains("duplicate token"));
}

#[test]
fn empty_file_and_trailing_carriage_return() {
    assert!(TokenFile::parse("").unwrap().is_empty());
    assert!(TokenFile::parse("\n\r\n").unwrap().is_empty());
    assert_eq!(
        TokenFile::parse("t,u,1\r")
            .unwrap()
            .authenticate("t")
            .unwrap()
            .uid,
        "1"
    );
}
