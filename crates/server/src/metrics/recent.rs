//! Each connection thread's handles of the request series it counted last. A request counts in
//! two families (`apiserver_request_total` by labels and code, `apiserver_request_duration_seconds`
//! by labels); finding a series in a family takes the family's lock, shared by every thread, and
//! hashes the eight labels with SipHash. The same kind of request from the same client finds its
//! series here instead, compared by the labels' addresses (`RequestLabels`' `==`).

use std::cell::RefCell;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;

use super::RequestLabels;

/// Series remembered per thread; past it the oldest is forgotten.
const REMEMBERED: usize = 32;

/// The handles of one request series (they share the family's values).
pub(super) struct Series {
    /// `apiserver_request_total` of the labels and the code.
    pub(super) total: Counter,
    /// `apiserver_request_duration_seconds` of the labels.
    pub(super) duration: Histogram,
}

struct Remembered {
    /// The [`super::Metrics`] the handles belong to (its number).
    owner: u64,
    labels: RequestLabels,
    code: u16,
    series: Series,
}

thread_local! {
    static RECENT: RefCell<Vec<Remembered>> = const { RefCell::new(Vec::new()) };
}

/// Runs `count` on the series of `labels` answered with `code` in the metrics numbered `owner`:
/// one this thread remembers, else the one `find` looks up in the families (then remembered).
pub(super) fn count_in(
    owner: u64,
    labels: &RequestLabels,
    code: u16,
    find: impl FnOnce() -> Series,
    count: impl FnOnce(&Series),
) {
    let mut pending = Some((find, count));
    let _ = RECENT.try_with(|recent| {
        let Some((find, count)) = pending.take() else {
            return;
        };
        let mut recent = recent.borrow_mut();
        let index = match recent
            .iter()
            .rposition(|r| r.owner == owner && r.code == code && r.labels == *labels)
        {
            Some(index) => index,
            None => {
                if recent.len() >= REMEMBERED {
                    recent.remove(0);
                }
                recent.push(Remembered {
                    owner,
                    labels: labels.clone(),
                    code,
                    series: find(),
                });
                recent.len() - 1
            }
        };
        count(&recent[index].series);
    });
    // A thread that is ending has no memory left: the families are asked.
    if let Some((find, count)) = pending {
        count(&find());
    }
}
