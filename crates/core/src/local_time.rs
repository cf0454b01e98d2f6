//! Staff read times in their own time zone: an IANA name (`America/Los_Angeles`) chosen on
//! the account page, looked up in the time-zone database compiled into the binary, so a
//! laptop without `/usr/share/zoneinfo` and a server show the same. Until someone chooses,
//! times are UTC and the pages say so. "Today" — what is overdue on the dashboard — is the
//! reader's today, not the server's.

use crate::CoreError;
use crate::problem::Reason;
use jiff::Timestamp;
use jiff::tz::{self, TimeZone};
use time::{Date, OffsetDateTime, UtcOffset};

/// The zone a reader's times are shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// `None`: no choice made, so UTC, said out loud.
    zone: Option<TimeZone>,
}

impl LocalTime {
    /// The zone of this name; UTC for none, and for a name this build no longer knows (the
    /// database is the binary's own, so only an older build's choice can be missing).
    pub fn named(name: Option<&str>) -> Self {
        Self {
            zone: name.and_then(|n| tz::db().get(n).ok()),
        }
    }

    /// The zone's IANA name, if one was chosen.
    pub fn name(&self) -> Option<&str> {
        self.zone.as_ref().and_then(TimeZone::iana_name)
    }

    /// Whether the reader chose a zone (if not, times are UTC and labelled so).
    pub fn is_chosen(&self) -> bool {
        self.zone.is_some()
    }

    /// The same instant, at the reader's offset then.
    pub fn at(&self, at: OffsetDateTime) -> OffsetDateTime {
        let Some(zone) = &self.zone else {
            return at.to_offset(UtcOffset::UTC);
        };
        let offset = Timestamp::from_second(at.unix_timestamp())
            .map(|ts| zone.to_offset(ts).seconds())
            .ok()
            .and_then(|s| UtcOffset::from_whole_seconds(s).ok())
            .unwrap_or(UtcOffset::UTC);
        at.to_offset(offset)
    }

    /// The reader's date at `now`.
    pub fn today(&self, now: OffsetDateTime) -> Date {
        self.at(now).date()
    }
}

/// The canonical spelling of a zone name (`america/bogota` → `America/Bogota`), or a refusal
/// naming the field.
pub fn canonical_zone(name: &str) -> Result<String, CoreError> {
    tz::db()
        .get(name.trim())
        .ok()
        .and_then(|z| z.iana_name().map(str::to_owned))
        .ok_or_else(|| CoreError::invalid("time_zone", Reason::TimeZoneUnknown))
}

/// The areas of the database's own names (`Area/Location`). The other names are old
/// spellings kept for compatibility (`US/Eastern`, `EST5EDT`, `Japan`) and the `Etc/GMT±N`
/// zones, whose sign is the reverse of what it seems (`Etc/GMT+5` is five hours behind UTC).
const AREAS: [&str; 10] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// The zones a person is offered, by area: the database's `Area/Location` names, sorted.
/// Any other name the database knows is still accepted (`canonical_zone`).
pub fn zones_by_area() -> Vec<(&'static str, Vec<String>)> {
    let names = zone_names();
    AREAS
        .iter()
        .map(|area| {
            let prefix = format!("{area}/");
            let zones = names
                .iter()
                .filter(|n| n.starts_with(&prefix))
                .cloned()
                .collect();
            (*area, zones)
        })
        .collect()
}

/// Every zone name the database knows, sorted.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_chosen_zone_shifts_the_instant_and_follows_daylight_saving() {
        let la = LocalTime::named(Some("America/Los_Angeles"));
        assert!(la.is_chosen());
        let winter = la.at(datetime!(2026-12-01 03:30 UTC));
        assert_eq!(winter, datetime!(2026-11-30 19:30 -8));
        assert_eq!(winter.offset().whole_hours(), -8);
        let summer = la.at(datetime!(2026-07-01 03:30 UTC));
        assert_eq!(summer.offset().whole_hours(), -7);
        assert_eq!(
            la.today(datetime!(2026-12-01 03:30 UTC)),
            date!(2026 - 11 - 30)
        );
    }

    #[test]
    fn no_choice_or_an_unknown_name_is_utc() {
        for zone in [
            LocalTime::named(None),
            LocalTime::named(Some("Mars/Olympus")),
        ] {
            assert!(!zone.is_chosen());
            let at = zone.at(datetime!(2026-12-01 03:30 +2));
            assert_eq!(at.offset(), UtcOffset::UTC);
            assert_eq!(at, datetime!(2026-12-01 01:30 UTC));
        }
    }

    #[test]
    fn names_are_checked_and_spelt_as_the_database_spells_them() {
        assert_eq!(
            canonical_zone(" america/bogota ").unwrap(),
            "America/Bogota"
        );
        assert!(canonical_zone("Mars/Olympus").is_err());
        assert!(canonical_zone("").is_err());
        let names = zone_names();
        assert!(names.len() > 300, "{}", names.len());
        assert!(names.iter().any(|n| n == "Africa/Lagos"));
    }

    #[test]
    fn the_offered_zones_are_grouped_by_area_without_old_or_reversed_names() {
        let areas = zones_by_area();
        assert_eq!(areas.len(), 10);
        let offered: Vec<&String> = areas.iter().flat_map(|(_, zones)| zones).collect();
        assert!(offered.len() > 300, "{}", offered.len());
        for (area, zones) in &areas {
            assert!(!zones.is_empty(), "{area}");
            assert!(zones.iter().all(|z| z.starts_with(&format!("{area}/"))));
            assert!(zones.is_sorted());
        }
        let america = &areas[1].1;
        assert!(
            america
                .iter()
                .any(|z| z == "America/Argentina/Buenos_Aires")
        );
        for old in ["US/Eastern", "Etc/GMT+5", "EST5EDT", "Japan", "UTC"] {
            assert!(!offered.iter().any(|z| *z == old), "{old} is not offered");
            assert!(canonical_zone(old).is_ok(), "{old} is still accepted");
        }
    }
}
