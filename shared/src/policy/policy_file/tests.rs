use super::*;

/// The example policy the project ships.
const SHIPPED_POLICY: &str = include_str!("../../../../config/policy.toml");

#[test]
fn the_bot_says_it_is_automated_again_unless_the_brand_turns_it_off() {
    let p = Policy::from_toml("").unwrap();
    assert!(p
        .messages
        .on_resume
        .as_deref()
        .unwrap()
        .contains("automated assistant"));
    assert!(!p.warnings.iter().any(|w| w.contains("on_resume")));
    let off = Policy::from_toml("[messages]\non_resume = \"\"\n").unwrap();
    assert!(
        off.warnings
            .iter()
            .any(|w| w.contains("on_resume is empty")),
        "{:?}",
        off.warnings
    );
}

#[test]
fn ingest_reads_the_same_retention_as_the_full_policy_and_the_same_bounds() {
    let file = SHIPPED_POLICY;
    let full = Policy::from_toml(file).unwrap();
    assert_eq!(Policy::retention_from_toml(file).unwrap(), full.retention);
    let custom = "[retention]\nmessage_days = 7\n[answers]\nconfidence_threshold = 0.5\n";
    assert_eq!(Policy::retention_from_toml(custom).unwrap().message_days, 7);
    assert_eq!(
        Policy::retention_from_toml("").unwrap(),
        Retention::default()
    );
    let err = Policy::retention_from_toml("[retention]\nstate_days = 3\n").unwrap_err();
    assert!(err.to_string().contains("state_days 3"), "{err}");
    assert!(Policy::retention_from_toml("[retention\n").is_err());

    let storing = Policy::storing_only(Retention {
        message_days: 7,
        state_days: 40,
        escalation_days: 70,
    });
    assert_eq!(storing.retention.message_days, 7);
    assert!(storing.lexicon.complaint.is_empty(), "no phrases compiled");
}

#[test]
fn the_notices_policy_keeps_what_the_sweep_and_the_resume_page_read() {
    let file = SHIPPED_POLICY;
    let full = Policy::from_toml(file).unwrap();
    let notices = Policy::for_notices_from_toml(file).unwrap();
    assert_eq!(notices.messages.on_resume, full.messages.on_resume);
    assert_eq!(notices.remind_after, full.remind_after);
    assert_eq!(notices.routing, full.routing);
    assert_eq!(notices.link_days, full.link_days);
    assert_eq!(notices.retention, full.retention);
    assert!(!full.lexicon.complaint.is_empty());
    assert!(notices.lexicon.complaint.is_empty(), "no lexicon compiled");
    assert!(notices.rules.is_empty());
    // The file's own errors outside the triggers still stop it.
    let bad = "[links]\nvalid_days = 99\n";
    assert!(Policy::for_notices_from_toml(bad).is_err());
}
