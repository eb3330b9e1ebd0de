use std::sync::Arc;

use super::*;

#[test]
fn the_sum_counts_what_every_thread_added() {
    let tally = Arc::new(Tally::default());
    assert_eq!(tally.sum(), 0);
    let threads: Vec<_> = (0..40)
        .map(|i| {
            let tally = tally.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    tally.add(1);
                }
                tally.add(i);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(tally.sum(), 40 * 1000 + (0..40).sum::<u64>());
}
