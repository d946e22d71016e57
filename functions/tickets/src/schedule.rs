//! Ticket dates: start now and end after N business days, as WispHub wants them written
//! (`DD/MM/YYYY HH:MM`, tenant wall-clock time).

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

/// The only date format WispHub's ticket form accepts.
pub const WISPHUB_DATE_FORMAT: &str = "%d/%m/%Y %H:%M";

/// Monday to Friday, and not a configured holiday.
pub fn is_business_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The same time of day `days` business days after `start` (a weekend or holiday start counts
/// from the next business day, as a person would).
pub fn add_business_days(start: NaiveDateTime, days: u32, holidays: &[NaiveDate]) -> NaiveDateTime {
    let mut date = start.date();
    let mut left = days;
    while left > 0 {
        date = date.checked_add_days(Days::new(1)).unwrap_or(date);
        if is_business_day(date, holidays) {
            left -= 1;
        }
    }
    date.and_time(start.time())
}

/// `instant` on the tenant's wall clock.
pub fn wall_clock(instant: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

pub fn format_wisphub(time: NaiveDateTime) -> String {
    time.format(WISPHUB_DATE_FORMAT).to_string()
}

/// `fecha_inicio` and `fecha_final` of a ticket opened at `now`.
pub fn ticket_window(now: DateTime<Utc>, zone: Tz, business_days: u32, holidays: &[NaiveDate]) -> (String, String) {
    let start = wall_clock(now, zone);
    (format_wisphub(start), format_wisphub(add_business_days(start, business_days, holidays)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|day| day.and_hms_opt(h, min, 0)).expect("valid date")
    }

    #[test]
    fn friday_afternoon_plus_three_business_days_is_wednesday_afternoon() {
        let friday = at(2026, 5, 8, 16, 0);
        assert_eq!(friday.weekday(), Weekday::Fri);
        assert_eq!(add_business_days(friday, 3, &[]), at(2026, 5, 13, 16, 0));
    }

    #[test]
    fn a_holiday_is_skipped() {
        let monday_holiday = NaiveDate::from_ymd_opt(2026, 5, 11).expect("valid date");
        assert_eq!(add_business_days(at(2026, 5, 8, 16, 0), 3, &[monday_holiday]), at(2026, 5, 14, 16, 0));
    }

    #[test]
    fn a_weekend_start_counts_from_monday() {
        assert_eq!(add_business_days(at(2026, 5, 9, 10, 30), 1, &[]), at(2026, 5, 11, 10, 30));
    }

    #[test]
    fn zero_business_days_is_the_start() {
        assert_eq!(add_business_days(at(2026, 5, 9, 10, 30), 0, &[]), at(2026, 5, 9, 10, 30));
    }

    #[test]
    fn dates_are_written_in_bogota_time_from_a_utc_instant() {
        // 02:30 UTC on Saturday is still Friday 21:30 in Bogotá (UTC-5).
        let instant = Utc.with_ymd_and_hms(2026, 5, 9, 2, 30, 0).single().expect("valid instant");
        let (start, end) = ticket_window(instant, Tz::America__Bogota, 3, &[]);
        assert_eq!(start, "08/05/2026 21:30");
        assert_eq!(end, "13/05/2026 21:30");
    }
}
