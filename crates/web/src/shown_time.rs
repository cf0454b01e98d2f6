//! Dates and times as a page shows them: in the reader's time zone, to the minute, with
//! "UTC" written after a time when the reader has not chosen a zone, so no time is ever
//! ambiguous. The API answers instants as they are and is not affected.

use haven_core::local_time::LocalTime;
use time::OffsetDateTime;
use time::macros::format_description;

/// The reader's date of an instant (`2026-11-30`).
pub(crate) fn date(zone: &LocalTime, at: OffsetDateTime) -> String {
    zone.at(at).date().to_string()
}

/// The reader's date and time of an instant, to the minute (`2026-11-30 19:30`, or
/// `2026-12-01 03:30 UTC` without a chosen zone).
pub(crate) fn minute(zone: &LocalTime, at: OffsetDateTime) -> String {
    marked(
        zone,
        zone.at(at)
            .format(format_description!("[year]-[month]-[day] [hour]:[minute]")),
    )
}

/// The reader's time of day of an instant, to the minute (`19:30`, or `03:30 UTC` without a
/// chosen zone), for an instant within minutes of now.
pub(crate) fn time_of_day(zone: &LocalTime, at: OffsetDateTime) -> String {
    marked(
        zone,
        zone.at(at).format(format_description!("[hour]:[minute]")),
    )
}

/// A formatted time, with "UTC" after it where the reader has not chosen a zone.
fn marked(zone: &LocalTime, shown: Result<String, time::error::Format>) -> String {
    let shown = shown.unwrap_or_default();
    if zone.is_chosen() {
        shown
    } else {
        shown + " UTC"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_the_readers_and_utc_says_so() {
        let at = datetime!(2026-12-01 03:30:59 UTC);
        let la = LocalTime::named(Some("America/Los_Angeles"));
        assert_eq!(minute(&la, at), "2026-11-30 19:30");
        assert_eq!(date(&la, at), "2026-11-30");
        assert_eq!(time_of_day(&la, at), "19:30");
        let utc = LocalTime::named(None);
        assert_eq!(minute(&utc, at), "2026-12-01 03:30 UTC");
        assert_eq!(date(&utc, at), "2026-12-01");
        assert_eq!(time_of_day(&utc, at), "03:30 UTC");
    }
}
