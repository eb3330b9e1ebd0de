use super::*;

#[test]
fn parses_what_go_parses() {
    let ms = Duration::from_millis;
    assert_eq!(parse("0"), Ok(Duration::ZERO));
    assert_eq!(parse("300ms"), Ok(ms(300)));
    assert_eq!(parse("5m0s"), Ok(ms(300_000)));
    assert_eq!(parse("1.5h"), Ok(ms(5_400_000)));
    assert_eq!(parse("2h45m"), Ok(ms(9_900_000)));
    assert_eq!(parse(".5s"), Ok(ms(500)));
    assert_eq!(parse("1µs"), Ok(Duration::from_micros(1)));
    assert_eq!(parse("+3s"), Ok(ms(3_000)));
}

#[test]
fn refuses_what_go_refuses() {
    assert_eq!(
        parse("30").unwrap_err().to_string(),
        "time: missing unit in duration \"30\""
    );
    assert_eq!(
        parse("3d").unwrap_err().to_string(),
        "time: unknown unit \"d\" in duration \"3d\""
    );
    assert_eq!(
        parse("").unwrap_err().to_string(),
        "time: invalid duration \"\""
    );
    assert!(parse("-1s").is_err());
    assert!(parse("s").is_err());
    assert!(parse(".s").is_err());
}

#[test]
fn prints_as_go_prints() {
    let ms = Duration::from_millis;
    assert_eq!(format(Duration::ZERO), "0s");
    assert_eq!(format(ms(500)), "500ms");
    assert_eq!(format(ms(1_500)), "1.5s");
    assert_eq!(format(ms(30_000)), "30s");
    assert_eq!(format(ms(300_000)), "5m0s");
    assert_eq!(format(ms(3_600_000)), "1h0m0s");
    assert_eq!(format(ms(45_000)), "45s");
    assert_eq!(format(Duration::from_micros(1)), "1µs");
}
