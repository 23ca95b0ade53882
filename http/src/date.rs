//! The `Date` header value (IMF-fixdate, RFC 9110 §5.6.7), cached per second.
//!
//! Formatting a date for every response would cost more than the rest of a small
//! response; [`DateCache`] formats once a second into a fixed array and hands out the
//! same bytes until the second changes. No allocation, no date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub const DATE_LEN: usize = 29;

/// A formatted `Date` value, refreshed at most once per second.
#[derive(Clone, Debug)]
pub struct DateCache {
    secs: u64,
    buf: [u8; DATE_LEN],
}

impl Default for DateCache {
    fn default() -> Self {
        Self::new()
    }
}

impl DateCache {
    /// A cache holding the current time.
    pub fn new() -> Self {
        let secs = unix_now();
        DateCache {
            secs,
            buf: format_imf_fixdate(secs),
        }
    }

    /// The value for the current second, reading the clock (a cheap vDSO call on
    /// Linux) and reformatting only if the second changed.
    pub fn now(&mut self) -> &[u8; DATE_LEN] {
        self.at(unix_now())
    }

    /// The value for `secs` seconds since the Unix epoch, reformatting only when it
    /// differs from the cached second.
    pub fn at(&mut self, secs: u64) -> &[u8; DATE_LEN] {
        if secs != self.secs {
            self.secs = secs;
            self.buf = format_imf_fixdate(secs);
        }
        &self.buf
    }

    /// The cached value, without reading the clock.
    pub fn cached(&self) -> &[u8; DATE_LEN] {
        &self.buf
    }
}

/// Seconds since the Unix epoch; 0 if the clock is before it.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// (year, month 1..=12, day 1..=31) for a count of days since 1970-01-01.
///
/// Howard Hinnant's `civil_from_days`: shift to eras of 400 years starting on
/// March 1st so that leap days fall at the end of a year.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn two_digits(out: &mut [u8], n: u64) {
    if let [a, b, ..] = out {
        *a = b'0' + (n / 10 % 10) as u8;
        *b = b'0' + (n % 10) as u8;
    }
}

/// Format `secs` since the Unix epoch as an IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`. Years past 9999 are written modulo 10000
/// (the format has four digits); that is beyond any real clock.
pub fn format_imf_fixdate(secs: u64) -> [u8; DATE_LEN] {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday (index 4 with Sunday = 0).
    let weekday = ((days + 4).rem_euclid(7)) as usize;
    let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    if let (Some(w), Some(slot)) = (WEEKDAYS.get(weekday), out.get_mut(0..3)) {
        slot.copy_from_slice(*w);
    }
    two_digits(&mut out[5..7], u64::from(day));
    if let (Some(m), Some(slot)) = (MONTHS.get(month as usize - 1), out.get_mut(8..11)) {
        slot.copy_from_slice(*m);
    }
    let year = year.rem_euclid(10_000) as u64;
    two_digits(&mut out[12..14], year / 100);
    two_digits(&mut out[14..16], year % 100);
    two_digits(&mut out[17..19], rem / 3600);
    two_digits(&mut out[20..22], rem / 60 % 60);
    two_digits(&mut out[23..25], rem % 60);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(secs: u64) -> String {
        String::from_utf8(format_imf_fixdate(secs).to_vec()).unwrap()
    }

    #[test]
    fn known_dates() {
        assert_eq!(fmt(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 9110's example.
        assert_eq!(fmt(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(fmt(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(fmt(1_234_567_890), "Fri, 13 Feb 2009 23:31:30 GMT");
        assert_eq!(fmt(2_147_483_647), "Tue, 19 Jan 2038 03:14:07 GMT");
        assert_eq!(fmt(4_107_542_399), "Sun, 28 Feb 2100 23:59:59 GMT");
        assert_eq!(fmt(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
        assert_eq!(fmt(253_402_300_799), "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        // Every day of 1970..2400 follows the previous one.
        let mut prev = civil_from_days(0);
        for d in 1..157_000 {
            let cur = civil_from_days(d);
            let next_day = (prev.0, prev.1, prev.2 + 1) == cur;
            let next_month = cur.2 == 1
                && ((prev.0, prev.1 + 1) == (cur.0, cur.1)
                    || (prev.1 == 12 && cur == (prev.0 + 1, 1, 1)));
            assert!(next_day || next_month, "{prev:?} -> {cur:?}");
            prev = cur;
        }
    }

    #[test]
    fn cache_refreshes_on_second_change() {
        let mut c = DateCache::new();
        assert_eq!(c.at(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(c.at(1), b"Thu, 01 Jan 1970 00:00:01 GMT");
        assert_eq!(c.cached(), b"Thu, 01 Jan 1970 00:00:01 GMT");
        assert_eq!(c.now().len(), DATE_LEN);
    }
}
