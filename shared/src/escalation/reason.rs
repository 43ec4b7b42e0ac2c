//! Why the bot stopped.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A reason code (DESIGN.md): the built-in ones, or the name of a brand's own rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ReasonCode {
    Complaint,
    Money,
    HumanRequest,
    Frustration,
    LowConfidence,
    OutsideHours,
    UnsupportedMedia,
    ConfirmDeclined,
    RepeatedFallback,
    /// The best entry is one the team approves before it is sent (`approve = "team"`).
    Approval,
    /// More messages within a minute than a person types: the bot stops answering the sender.
    Flood,
    /// A custom rule's name.
    Rule(String),
}

impl ReasonCode {
    pub fn as_str(&self) -> &str {
        match self {
            ReasonCode::Complaint => "complaint",
            ReasonCode::Money => "money",
            ReasonCode::HumanRequest => "human_request",
            ReasonCode::Frustration => "frustration",
            ReasonCode::LowConfidence => "low_confidence",
            ReasonCode::OutsideHours => "outside_hours",
            ReasonCode::UnsupportedMedia => "unsupported_media",
            ReasonCode::ConfirmDeclined => "confirm_declined",
            ReasonCode::RepeatedFallback => "repeated_fallback",
            ReasonCode::Approval => "approval",
            ReasonCode::Flood => "flood",
            ReasonCode::Rule(name) => name,
        }
    }

    /// A few words for a person: "asked for a person", "a complaint".
    pub fn describe(&self) -> String {
        match self {
            ReasonCode::Complaint => "complaint".into(),
            ReasonCode::Money => "money (refund, charge or payment)".into(),
            ReasonCode::HumanRequest => "asked for a person".into(),
            ReasonCode::Frustration => "customer is frustrated".into(),
            ReasonCode::LowConfidence => "the bot was not sure of the answer".into(),
            ReasonCode::OutsideHours => "outside business hours".into(),
            ReasonCode::UnsupportedMedia => "sent something the bot cannot read".into(),
            ReasonCode::ConfirmDeclined => "declined the bot's proposal".into(),
            ReasonCode::RepeatedFallback => "the bot failed to answer several times".into(),
            ReasonCode::Approval => "the answer waits for the team's approval".into(),
            ReasonCode::Flood => "sent many messages within a minute".into(),
            ReasonCode::Rule(name) => format!("rule \"{name}\""),
        }
    }
}

impl From<String> for ReasonCode {
    fn from(s: String) -> Self {
        match s.as_str() {
            "complaint" => ReasonCode::Complaint,
            "money" => ReasonCode::Money,
            "human_request" => ReasonCode::HumanRequest,
            "frustration" => ReasonCode::Frustration,
            "low_confidence" => ReasonCode::LowConfidence,
            "outside_hours" => ReasonCode::OutsideHours,
            "unsupported_media" => ReasonCode::UnsupportedMedia,
            "confirm_declined" => ReasonCode::ConfirmDeclined,
            "repeated_fallback" => ReasonCode::RepeatedFallback,
            "approval" => ReasonCode::Approval,
            "flood" => ReasonCode::Flood,
            _ => ReasonCode::Rule(s),
        }
    }
}

impl From<ReasonCode> for String {
    fn from(r: ReasonCode) -> Self {
        r.as_str().to_string()
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
