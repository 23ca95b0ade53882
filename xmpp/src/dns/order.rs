//! The order in which SRV targets are tried (RFC 2782, "Usage rules").

use super::SrvRecord;

/// Orders SRV records for connection attempts, with OS randomness for the weights. See
/// [`order_srv_with`]. Each record carries a value of the caller's (XEP-0368 tags
/// whether the target speaks direct TLS); records of two services can be ordered
/// together, their priorities and weights mixed.
pub fn order_srv<T>(records: Vec<(SrvRecord, T)>) -> Vec<(SrvRecord, T)> {
    order_srv_with(records, random_up_to)
}

/// Orders SRV records as RFC 2782 says: by priority, lowest first; within one priority,
/// repeatedly picks a record at random with probability proportional to its weight
/// (records of weight 0 placed first, so that they have a small chance when others
/// have weight). `pick(n)` must return a number in `0..=n`; larger ones count as `n`.
///
/// Records are not filtered: a target `.` stays where it falls (see
/// [`SrvRecord::target`]).
pub fn order_srv_with<T>(
    mut records: Vec<(SrvRecord, T)>,
    mut pick: impl FnMut(u32) -> u32,
) -> Vec<(SrvRecord, T)> {
    // Stable sorts: the received order is kept among equals.
    records.sort_by_key(|(r, _)| r.priority);
    let mut out = Vec::with_capacity(records.len());
    let mut rest = records.into_iter().peekable();
    while let Some(first) = rest.next() {
        let priority = first.0.priority;
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|(r, _)| r.priority == priority) {
            group.push(next);
        }
        group.sort_by_key(|(r, _)| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|(r, _)| u32::from(r.weight)).sum();
            let chosen = pick(total).min(total);
            let mut running = 0u32;
            let index = group
                .iter()
                .position(|(r, _)| {
                    running += u32::from(r.weight);
                    running >= chosen
                })
                .unwrap_or(0);
            out.push(group.remove(index));
        }
    }
    out
}

/// A number in `0..=bound` from the OS (a clock-derived one if the OS has none: the
/// order of SRV targets is load spreading, not security).
fn random_up_to(bound: u32) -> u32 {
    let mut b = [0u8; 4];
    let r = match getrandom::getrandom(&mut b) {
        Ok(()) => u32::from_le_bytes(b),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos()),
    };
    match bound.checked_add(1) {
        Some(m) => r % m,
        None => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srv(priority: u16, weight: u16, target: &str) -> (SrvRecord, ()) {
        let r = SrvRecord {
            priority,
            weight,
            port: 5222,
            target: target.into(),
        };
        (r, ())
    }

    fn targets(v: &[(SrvRecord, ())]) -> Vec<&str> {
        v.iter().map(|(r, _)| r.target.as_str()).collect()
    }

    #[test]
    fn priority_first_then_weight() {
        let records = vec![srv(20, 0, "c"), srv(10, 1, "a"), srv(10, 9, "b")];
        // Picking 0 always takes the first record in running-sum order.
        assert_eq!(
            targets(&order_srv_with(records.clone(), |_| 0)),
            ["a", "b", "c"]
        );
        // Picking the top takes the last one: b (sum 10), then a.
        assert_eq!(targets(&order_srv_with(records, |n| n)), ["b", "a", "c"]);
    }

    #[test]
    fn zero_weights_first_and_in_order() {
        let records = vec![srv(1, 5, "w"), srv(1, 0, "z1"), srv(1, 0, "z2")];
        assert_eq!(targets(&order_srv_with(records, |_| 0)), ["z1", "z2", "w"]);
    }

    #[test]
    fn weights_spread_the_first_choice() {
        let records = vec![srv(1, 1, "light"), srv(1, 3, "heavy")];
        let mut heavy = 0;
        for n in 0..=4u32 {
            let order = order_srv_with(records.clone(), |_| n);
            if order[0].0.target == "heavy" {
                heavy += 1;
            }
        }
        // Numbers 0 and 1 land on "light" (running sum 1), 2..=4 on "heavy".
        assert_eq!(heavy, 3);
        // And the OS-random version keeps every record exactly once.
        let ordered = order_srv(records);
        let mut all = targets(&ordered);
        all.sort();
        assert_eq!(all, ["heavy", "light"]);
    }

    #[test]
    fn out_of_range_pick_is_clamped() {
        let records = vec![srv(1, 1, "a"), srv(1, 1, "b")];
        assert_eq!(targets(&order_srv_with(records, |_| u32::MAX)), ["b", "a"]);
    }
}
