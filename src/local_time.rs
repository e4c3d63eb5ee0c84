//! Meeting times as a secretary types them: a date and a time on the
//! wall clock of the meeting's place (what a browser's date-and-time field
//! sends, `2026-12-01T09:00`) and an IANA time zone. The server works out
//! the UTC offset from the time zone database (the system's copy, else the
//! one built in), so nobody types an offset.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::fields::FieldError;

/// Every time zone name the database knows, sorted.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .collect();
    names.sort();
    names
}

/// The time zone named `name` (empty: UTC).
pub fn zone(name: &str) -> Result<TimeZone, FieldError> {
    let name = name.trim();
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    jiff::tz::db().get(name).map_err(|_| FieldError {
        field: "timezone",
        message: format!(
            "{name:?} is not a time zone rollcall knows; choose one from the list, e.g. Europe/Zurich"
        ),
    })
}

/// `value` as RFC 3339: unchanged if it already carries an offset, else
/// read as a wall-clock time in `zone`. A time that does not exist there
/// (skipped when the clocks go forward) is refused; one that happens twice
/// (when they go back) is the first.
pub fn to_rfc3339(
    field: &'static str,
    label: &str,
    value: &str,
    zone: &TimeZone,
    zone_name: &str,
) -> Result<String, FieldError> {
    let value = value.trim();
    if OffsetDateTime::parse(value, &Rfc3339).is_ok() {
        return Ok(value.to_owned());
    }
    let err = |message: String| FieldError { field, message };
    let dt: DateTime = value.parse().map_err(|_| {
        err(format!(
            "{label} must be a date and a time, e.g. 2026-12-01T09:00"
        ))
    })?;
    let offset = match zone.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Fold { before, .. } => before,
        AmbiguousOffset::Gap { .. } => {
            return Err(err(format!(
                "{label}: {value} does not exist in {zone_name} (the clocks go forward then); choose another time"
            )))
        }
    };
    let offset = UtcOffset::from_whole_seconds(offset.seconds()).map_err(|_| {
        err(format!(
            "{label}: the offset of {zone_name} is out of range"
        ))
    })?;
    let date = time::Date::from_calendar_date(
        i32::from(dt.year()),
        time::Month::try_from(dt.month() as u8).map_err(|_| err(format!("{label}: bad month")))?,
        dt.day() as u8,
    )
    .map_err(|_| err(format!("{label}: no such date")))?;
    let clock = time::Time::from_hms(dt.hour() as u8, dt.minute() as u8, dt.second() as u8)
        .map_err(|_| err(format!("{label}: no such time")))?;
    OffsetDateTime::new_in_offset(date, clock, offset)
        .format(&Rfc3339)
        .map_err(|_| err(format!("{label}: the time cannot be written")))
}

/// The wall-clock part of an RFC 3339 time, as a date-and-time field shows
/// it (`2026-12-01T09:00`); other text unchanged.
pub fn wall_clock(value: &str) -> String {
    match OffsetDateTime::parse(value.trim(), &Rfc3339) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zurich() -> TimeZone {
        zone("Europe/Zurich").unwrap()
    }

    #[test]
    fn a_wall_clock_time_gets_the_zones_offset_for_that_day() {
        let z = zurich();
        let winter = to_rfc3339(
            "starts_at",
            "Start",
            "2026-12-01T09:00",
            &z,
            "Europe/Zurich",
        );
        assert_eq!(winter.unwrap(), "2026-12-01T09:00:00+01:00");
        let summer = to_rfc3339(
            "starts_at",
            "Start",
            "2026-07-01T09:00",
            &z,
            "Europe/Zurich",
        );
        assert_eq!(summer.unwrap(), "2026-07-01T09:00:00+02:00");
        let utc = to_rfc3339(
            "starts_at",
            "Start",
            "2026-07-01T09:00",
            &zone("").unwrap(),
            "UTC",
        );
        assert_eq!(utc.unwrap(), "2026-07-01T09:00:00Z");
        // RFC 3339 as the API sends it is kept as it is.
        let given = "2026-12-01T09:00:00-05:00";
        assert_eq!(
            to_rfc3339("starts_at", "Start", given, &z, "Europe/Zurich").unwrap(),
            given
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first() {
        let z = zurich();
        let gap = to_rfc3339(
            "starts_at",
            "Start",
            "2026-03-29T02:30",
            &z,
            "Europe/Zurich",
        );
        assert!(gap
            .unwrap_err()
            .message
            .contains("does not exist in Europe/Zurich"));
        let fold = to_rfc3339(
            "starts_at",
            "Start",
            "2026-10-25T02:30",
            &z,
            "Europe/Zurich",
        );
        assert_eq!(fold.unwrap(), "2026-10-25T02:30:00+02:00");
    }

    #[test]
    fn unknown_zones_and_bad_times_are_named() {
        assert_eq!(zone("Mars/Olympus_Mons").unwrap_err().field, "timezone");
        let bad = to_rfc3339("ends_at", "End", "tomorrow", &zurich(), "Europe/Zurich");
        assert_eq!(bad.unwrap_err().field, "ends_at");
        assert!(zone_names().iter().any(|n| n == "America/New_York"));
        assert_eq!(wall_clock("2026-12-01T09:00:00+01:00"), "2026-12-01T09:00");
    }
}
