//! Business hours: a weekly schedule with several ranges a day, an IANA time zone and holidays.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

use super::PolicyError;

/// `[hours]` as written in the policy file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub timezone: String,
    #[serde(default)]
    pub monday: Vec<String>,
    #[serde(default)]
    pub tuesday: Vec<String>,
    #[serde(default)]
    pub wednesday: Vec<String>,
    #[serde(default)]
    pub thursday: Vec<String>,
    #[serde(default)]
    pub friday: Vec<String>,
    #[serde(default)]
    pub saturday: Vec<String>,
    #[serde(default)]
    pub sunday: Vec<String>,
    /// Dates (YYYY-MM-DD, in the shop's zone) when the shop is closed all day.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    #[serde(default)]
    pub next_step: Option<String>,
    /// What closed hours do: `answer_first` (default: confident answers still go out, and any
    /// escalation tells the customer the next opening time) or `escalate` (every message is
    /// escalated with `outside_hours`).
    #[serde(default)]
    pub when_closed: WhenClosed,
}

/// See `HoursSpec::when_closed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenClosed {
    #[default]
    AnswerFirst,
    Escalate,
}

fn yes() -> bool {
    true
}

/// The compiled schedule.
#[derive(Clone, Debug)]
pub struct BusinessHours {
    pub zone: Tz,
    pub when_closed: WhenClosed,
    /// Monday first; each range is [open, close).
    week: [Vec<(NaiveTime, NaiveTime)>; 7],
    holidays: Vec<NaiveDate>,
}

impl BusinessHours {
    pub fn compile(spec: &HoursSpec) -> Result<Self, PolicyError> {
        let zone: Tz = spec.timezone.parse().map_err(|_| {
            PolicyError::Invalid(format!(
                "[hours] timezone {:?} is not an IANA time zone (like \"Europe/Paris\")",
                spec.timezone
            ))
        })?;
        let days = [
            ("monday", &spec.monday),
            ("tuesday", &spec.tuesday),
            ("wednesday", &spec.wednesday),
            ("thursday", &spec.thursday),
            ("friday", &spec.friday),
            ("saturday", &spec.saturday),
            ("sunday", &spec.sunday),
        ];
        let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for (i, (name, ranges)) in days.iter().enumerate() {
            for r in ranges.iter() {
                week[i].push(parse_range(r).ok_or_else(|| {
                    PolicyError::Invalid(format!(
                        "[hours] {name} range {r:?} is not like \"09:00-18:00\" (opening before closing; \"24:00\" allowed as a closing time)"
                    ))
                })?);
            }
            week[i].sort();
        }
        Ok(Self {
            zone,
            when_closed: spec.when_closed,
            week,
            holidays: spec.holidays.clone(),
        })
    }

    /// Whether the shop is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let date = local.date_naive();
        if self.holidays.contains(&date) {
            return false;
        }
        let t = local.time();
        self.week[date.weekday().num_days_from_monday() as usize]
            .iter()
            .any(|&(open, close)| t >= open && (t < close || close == end_of_day()))
    }

    /// The next time the shop opens after `at`, in the shop's zone (searching up to 60 days).
    pub fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Tz>> {
        let local = at.with_timezone(&self.zone);
        for day in 0..60 {
            let date = local.date_naive() + Duration::days(day);
            if self.holidays.contains(&date) {
                continue;
            }
            for &(open, _) in &self.week[date.weekday().num_days_from_monday() as usize] {
                // A DST gap can skip the opening minute: take the earliest valid instant after it.
                let candidate = self
                    .zone
                    .from_local_datetime(&date.and_time(open))
                    .earliest()
                    .or_else(|| {
                        self.zone
                            .from_local_datetime(&(date.and_time(open) + Duration::hours(1)))
                            .earliest()
                    });
                if let Some(c) = candidate {
                    if c > local {
                        return Some(c);
                    }
                }
            }
        }
        None
    }
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).expect("valid time")
}

fn parse_range(r: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (a, b) = r.split_once('-')?;
    let open = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let close = match b.trim() {
        "24:00" => end_of_day(),
        other => NaiveTime::parse_from_str(other, "%H:%M").ok()?,
    };
    (open < close).then_some((open, close))
}

/// "Monday 09:00" style label used in customer messages.
pub fn describe_opening(at: &DateTime<Tz>) -> String {
    let day = match at.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    };
    format!("{day} {} ({})", at.format("%H:%M"), at.timezone().name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> BusinessHours {
        BusinessHours::compile(&HoursSpec {
            enabled: true,
            timezone: "Europe/Paris".into(),
            monday: vec!["09:00-12:30".into(), "14:00-18:00".into()],
            tuesday: vec!["09:00-18:00".into()],
            wednesday: vec!["09:00-18:00".into()],
            thursday: vec!["09:00-18:00".into()],
            friday: vec!["09:00-18:00".into()],
            saturday: vec!["10:00-16:00".into()],
            sunday: vec![],
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
            next_step: None,
            when_closed: WhenClosed::AnswerFirst,
        })
        .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn open_in_local_time_with_a_lunch_break() {
        let h = paris();
        // Monday 2026-11-23, Paris is UTC+1.
        assert!(h.is_open(utc("2026-11-23T08:30:00Z")));
        assert!(!h.is_open(utc("2026-11-23T12:00:00Z"))); // 13:00 local, lunch
        assert!(!h.is_open(utc("2026-11-22T12:00:00Z"))); // Sunday
    }

    #[test]
    fn dst_change_moves_the_utc_opening() {
        let h = paris();
        // Saturday 2026-03-28 is UTC+1; Monday 2026-03-30 is UTC+2 (DST began Sunday 29th).
        assert!(h.is_open(utc("2026-03-28T09:30:00Z"))); // 10:30 local
        assert!(!h.is_open(utc("2026-03-30T06:30:00Z"))); // 08:30 local
        assert!(h.is_open(utc("2026-03-30T07:30:00Z"))); // 09:30 local
        let next = h.next_opening(utc("2026-03-28T16:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-03-30T09:00:00+02:00");
    }

    #[test]
    fn holidays_are_closed_and_skipped() {
        let h = paris();
        assert!(!h.is_open(utc("2026-12-25T10:00:00Z"))); // a Friday
        let next = h.next_opening(utc("2026-12-24T18:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-12-26T10:00:00+01:00");
        assert_eq!(describe_opening(&next), "Saturday 10:00 (Europe/Paris)");
    }

    #[test]
    fn bad_ranges_say_what_to_fix() {
        let mut spec = HoursSpec {
            timezone: "Europe/Paris".into(),
            ..Default::default()
        };
        spec.monday = vec!["18:00-09:00".into()];
        let err = BusinessHours::compile(&spec).unwrap_err().to_string();
        assert!(
            err.contains("monday") && err.contains("09:00-18:00"),
            "{err}"
        );
        spec.monday.clear();
        spec.timezone = "Paris".into();
        assert!(BusinessHours::compile(&spec).is_err());
    }
}
