//! Closed-loop referrals: from a case to a service of another organisation, through
//! sent → accepted / declined → in progress → completed (with an outcome) or withdrawn.
//! Who may move each state, and the response clock, are rules here; the store keeps the
//! state and the timeline.

use crate::access::Role;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

named!(
    ReferralState {
        Sent => "sent",
        Accepted => "accepted",
        Declined => "declined",
        InProgress => "in_progress",
        Completed => "completed",
        Withdrawn => "withdrawn",
    }
);

named!(
    /// What a directory service offers, for routing a referral to the right people.
    ServiceKind {
        Shelter => "shelter",
        Medical => "medical",
        Psychological => "psychological",
        Legal => "legal",
        CaseManagement => "case_management",
        Other => "other",
    }
);

named!(
    DeclineReason {
        NoCapacity => "no_capacity",
        NotEligible => "not_eligible",
        OutOfArea => "out_of_area",
        ServiceUnavailable => "service_unavailable",
        Other => "other",
    }
);

named!(
    /// Why a service was or was not delivered.
    Outcome {
        Delivered => "delivered",
        SurvivorDeclined => "survivor_declined",
        NotEligible => "not_eligible",
        LostContact => "lost_contact",
        NoCapacity => "no_capacity",
        Other => "other",
    }
);

impl Outcome {
    pub fn delivered(self) -> bool {
        self == Outcome::Delivered
    }
}

/// A requested move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Accept,
    Decline(DeclineReason),
    Start,
    Complete(Outcome),
    Withdraw,
}

/// Why a requested move could not be read: the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MoveInputError {
    pub field: &'static str,
    pub message: &'static str,
}

impl Move {
    /// The actions a move names, as forms and the API send them.
    pub const ACTIONS: [&'static str; 5] = ["accept", "decline", "start", "complete", "withdraw"];

    /// A move from its form or API fields: `action`, and the `reason` of a decline or the
    /// `outcome` of a completion.
    pub fn parse(
        action: &str,
        reason: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<Move, MoveInputError> {
        let err = |field, message| MoveInputError { field, message };
        Ok(match action {
            "accept" => Move::Accept,
            "start" => Move::Start,
            "withdraw" => Move::Withdraw,
            "decline" => Move::Decline(reason.unwrap_or_default().parse().map_err(|_| {
                err(
                    "reason",
                    "use no_capacity, not_eligible, out_of_area, service_unavailable or other",
                )
            })?),
            "complete" => Move::Complete(outcome.unwrap_or_default().parse().map_err(|_| {
                err(
                    "outcome",
                    "use delivered, survivor_declined, not_eligible, lost_contact, no_capacity or other",
                )
            })?),
            _ => {
                return Err(err(
                    "action",
                    "use accept, decline, start, complete or withdraw",
                ));
            }
        })
    }

    pub fn target(self) -> ReferralState {
        match self {
            Move::Accept => ReferralState::Accepted,
            Move::Decline(_) => ReferralState::Declined,
            Move::Start => ReferralState::InProgress,
            Move::Complete(_) => ReferralState::Completed,
            Move::Withdraw => ReferralState::Withdrawn,
        }
    }
    /// The timeline code of the move.
    pub fn code(self) -> &'static str {
        self.target().as_str()
    }
}

/// Which side of the referral someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A case manager on the sending case's team.
    Sender,
    /// Staff of the receiving organisation with a role that serves this kind of service.
    Receiver,
    Neither,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("a referral cannot move from {from} to {to}")]
    OutOfOrder {
        from: &'static str,
        to: &'static str,
    },
    #[error("this step belongs to the other organisation")]
    NotYours,
}

impl ReferralState {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReferralState::Sent | ReferralState::Accepted | ReferralState::InProgress
        )
    }

    /// The state after `m` by someone on `side`.
    pub fn apply(self, m: Move, side: Side) -> Result<ReferralState, MoveError> {
        use ReferralState::*;
        let allowed = match (self, m) {
            (Sent, Move::Accept | Move::Decline(_)) => Some(Side::Receiver),
            (Accepted, Move::Start) => Some(Side::Receiver),
            (InProgress, Move::Complete(_)) => Some(Side::Receiver),
            (Sent | Accepted | InProgress, Move::Withdraw) => Some(Side::Sender),
            _ => None,
        };
        match allowed {
            None => Err(MoveError::OutOfOrder {
                from: self.as_str(),
                to: m.target().as_str(),
            }),
            Some(s) if s == side => Ok(m.target()),
            Some(_) => Err(MoveError::NotYours),
        }
    }
}

impl ServiceKind {
    /// The roles of the receiving organisation that may answer a referral to this service.
    pub fn responders(self) -> BTreeSet<Role> {
        let specific = match self {
            ServiceKind::Shelter => Some(Role::ShelterCoordinator),
            ServiceKind::Medical | ServiceKind::Psychological => Some(Role::Clinician),
            ServiceKind::Legal => Some(Role::LegalAdvocate),
            ServiceKind::CaseManagement | ServiceKind::Other => None,
        };
        [Role::CaseManager].into_iter().chain(specific).collect()
    }

    /// How long the receiving organisation has to answer before the referral shows overdue.
    /// [U] organisation defaults, not from a source: emergency shelter within hours, the
    /// rest within two working days.
    pub fn response_time(self) -> Duration {
        match self {
            ServiceKind::Shelter => Duration::hours(4),
            ServiceKind::Medical | ServiceKind::Psychological => Duration::hours(24),
            _ => Duration::hours(48),
        }
    }
}

/// Whether a referral waits past its response clock.
pub fn is_overdue(state: ReferralState, respond_by: OffsetDateTime, now: OffsetDateTime) -> bool {
    state == ReferralState::Sent && now > respond_by
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralState::*;

    #[test]
    fn the_loop_closes_in_order() {
        let s = Sent.apply(Move::Accept, Side::Receiver);
        assert_eq!(s, Ok(Accepted));
        assert_eq!(Accepted.apply(Move::Start, Side::Receiver), Ok(InProgress));
        assert_eq!(
            InProgress.apply(Move::Complete(Outcome::Delivered), Side::Receiver),
            Ok(Completed)
        );
    }

    #[test]
    fn every_named_action_parses_and_a_refusal_names_every_choice() {
        for action in Move::ACTIONS {
            assert!(
                Move::parse(action, Some("other"), Some("other")).is_ok(),
                "{action}"
            );
        }
        let refused = |action, reason, outcome| {
            Move::parse(action, reason, outcome)
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        let unknown = refused("fly", None, None);
        assert!(
            Move::ACTIONS.iter().all(|a| unknown.contains(a)),
            "{unknown}"
        );
        let decline = refused("decline", Some("bored"), None);
        assert!(
            DeclineReason::ALL
                .iter()
                .all(|r| decline.contains(r.as_str())),
            "{decline}"
        );
        let complete = refused("complete", None, Some("shrug"));
        assert!(
            Outcome::ALL.iter().all(|o| complete.contains(o.as_str())),
            "{complete}"
        );
    }

    #[test]
    fn out_of_order_and_repeated_moves_are_refused() {
        assert!(matches!(
            Accepted.apply(Move::Accept, Side::Receiver),
            Err(MoveError::OutOfOrder { .. })
        ));
        assert!(matches!(
            Sent.apply(Move::Complete(Outcome::Delivered), Side::Receiver),
            Err(MoveError::OutOfOrder { .. })
        ));
        for closed in [Declined, Completed, Withdrawn] {
            assert!(closed.apply(Move::Withdraw, Side::Sender).is_err());
        }
    }

    #[test]
    fn each_side_moves_only_its_own_steps() {
        assert_eq!(
            Sent.apply(Move::Accept, Side::Sender),
            Err(MoveError::NotYours)
        );
        assert_eq!(
            Sent.apply(Move::Withdraw, Side::Receiver),
            Err(MoveError::NotYours)
        );
        assert_eq!(Sent.apply(Move::Withdraw, Side::Sender), Ok(Withdrawn));
        assert_eq!(
            Sent.apply(Move::Accept, Side::Neither),
            Err(MoveError::NotYours)
        );
    }

    #[test]
    fn shelter_referrals_go_to_shelter_coordinators() {
        assert!(
            ServiceKind::Shelter
                .responders()
                .contains(&Role::ShelterCoordinator)
        );
        assert!(!ServiceKind::Legal.responders().contains(&Role::Clinician));
    }
}
