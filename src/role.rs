//! The roles an attendee may check in with. Parsed from the form or the
//! API at the edge; the signed check-in carries [`Role::as_str`].

use std::str::FromStr;

/// An attendee's role at the meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Delegate,
    HeadOfDelegation,
    Expert,
    Convenor,
    Chair,
    Secretary,
    CommitteeManager,
    ProjectLeader,
    Liaison,
    Observer,
    Staff,
}

impl Role {
    /// Every role, in the order the form offers them.
    pub const ALL: [Role; 11] = [
        Role::Delegate,
        Role::HeadOfDelegation,
        Role::Expert,
        Role::Convenor,
        Role::Chair,
        Role::Secretary,
        Role::CommitteeManager,
        Role::ProjectLeader,
        Role::Liaison,
        Role::Observer,
        Role::Staff,
    ];

    /// The word signed into the check-in and used by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Delegate => "delegate",
            Role::HeadOfDelegation => "head-of-delegation",
            Role::Expert => "expert",
            Role::Convenor => "convenor",
            Role::Chair => "chair",
            Role::Secretary => "secretary",
            Role::CommitteeManager => "committee-manager",
            Role::ProjectLeader => "project-leader",
            Role::Liaison => "liaison",
            Role::Observer => "observer",
            Role::Staff => "staff",
        }
    }

    /// Its English name (the interface translates `role.WORD`).
    pub fn label(self) -> &'static str {
        match self {
            Role::Delegate => "Delegate",
            Role::HeadOfDelegation => "Head of delegation",
            Role::Expert => "Expert",
            Role::Convenor => "Convenor",
            Role::Chair => "Chair",
            Role::Secretary => "Secretary",
            Role::CommitteeManager => "Committee manager",
            Role::ProjectLeader => "Project leader",
            Role::Liaison => "Liaison representative",
            Role::Observer => "Observer",
            Role::Staff => "ISO/CS or NSB staff",
        }
    }
}

/// A word that names no role.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_word() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!("king".parse::<Role>(), Err(UnknownRole("king".to_owned())));
    }
}
