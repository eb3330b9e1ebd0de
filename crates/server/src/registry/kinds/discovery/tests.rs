use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn slices_print_ports_and_addresses() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let slice = json!({"metadata": {"name": "s"}, "addressType": "IPv4",
        "ports": [{"port": 80}, {"name": "https"}],
        "endpoints": [{"addresses": ["10.0.0.1", "10.0.0.2"]}, {"addresses": ["10.0.0.3", "10.0.0.4"]}]});
    let cells = slice_cells(&slice, now);
    assert_eq!(
        cells[1..4],
        [
            json!("IPv4"),
            json!("80,https"),
            json!("10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...")
        ]
    );
    assert_eq!(slice_cells(&json!({}), now)[2], "<unset>");
}
