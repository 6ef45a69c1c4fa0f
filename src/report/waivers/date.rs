//! Calendar dates for waiver expiry: `YYYY-MM-DD`, compared day by day.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A day of the proleptic Gregorian calendar, without a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Returns the date, or `None` when the month or the day does not exist (`2027-02-29`).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD`: a four-digit year and two-digit month and day.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10)
        {
            return None;
        }
        let year = text[0..4].parse().ok()?;
        let month = text[5..7].parse().ok()?;
        let day = text[8..10].parse().ok()?;
        Date::new(year, month, day)
    }

    /// Returns the current date in UTC from the system clock. UTC rather than local time makes
    /// a waiver expire at the same moment on every CI runner and laptop.
    pub fn today() -> Date {
        let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => elapsed.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        Date::from_days_since_epoch(seconds.div_euclid(86_400))
    }

    /// Converts a count of days since 1970-01-01 to a date. This is the usual civil-from-days
    /// conversion: shift to eras of 400 years that start on 1 March, so leap days fall at
    /// the end of each year.
    fn from_days_since_epoch(days: i64) -> Date {
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
        let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date { year: year as i32, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_valid_dates() {
        assert_eq!(Date::parse("2027-06-30"), Date::new(2027, 6, 30));
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse("2000-02-29").map(|date| date.to_string()).as_deref(), Some("2000-02-29"));
    }

    #[test]
    fn parse_rejects_impossible_dates() {
        for text in ["2027-02-29", "1900-02-29", "2027-13-01", "2027-00-10", "2027-04-31", "2027-06-00"] {
            assert_eq!(Date::parse(text), None, "{text}");
        }
    }

    #[test]
    fn parse_rejects_other_shapes() {
        for text in ["2027-6-30", "27-06-30", "2027/06/30", "2027-06-30T00:00", " 2027-06-30", "", "२०२७-०६-३०"]
        {
            assert_eq!(Date::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn dates_order_by_day() {
        assert!(Date::parse("2026-12-31") < Date::parse("2027-01-01"));
        assert!(Date::parse("2027-01-31") < Date::parse("2027-02-01"));
    }

    #[test]
    fn days_since_epoch_convert() {
        let cases = [
            (0, "1970-01-01"),
            (59, "1970-03-01"),
            (11_016, "2000-02-29"),
            (19_782, "2024-02-29"),
            (20_268, "2025-06-29"),
            (-1, "1969-12-31"),
            (-719_468, "0000-03-01"),
        ];
        for (days, expected) in cases {
            assert_eq!(Date::from_days_since_epoch(days).to_string(), expected, "{days}");
        }
    }
}
