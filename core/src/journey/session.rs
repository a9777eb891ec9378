//! Sessions: when a visit starts and ends. The shell stores the state where
//! every tab of the site sees it; the rules here decide.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::num::{parse_u64, push_u64};

/// The current session, as shared by all tabs of a site.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionState {
    pub id: String,
    pub started_at: u64,
    pub last_activity_at: u64,
    /// 1 for the visitor's first session, 2 for the second, …
    pub index: u32,
    pub previous_id: Option<String>,
}

/// Why a new session began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStart {
    FirstVisit,
    Inactivity,
    MaxLength,
    /// The visitor came back through a different campaign.
    NewCampaign,
}

impl SessionStart {
    /// Why the previous session ended, as written in its journey summary.
    pub fn end_reason(self) -> &'static str {
        match self {
            SessionStart::FirstVisit => "first_visit",
            SessionStart::Inactivity => "timeout",
            SessionStart::MaxLength => "max_length",
            SessionStart::NewCampaign => "new_campaign",
        }
    }
}

/// Session timing rules, from the config.
#[derive(Clone, Copy, Debug)]
pub struct SessionRules {
    pub timeout_ms: u64,
    pub max_length_ms: u64,
}

impl SessionRules {
    /// Why activity at `now` cannot continue `state`, if it cannot.
    pub fn must_restart(&self, state: Option<&SessionState>, now: u64) -> Option<SessionStart> {
        let Some(s) = state else {
            return Some(SessionStart::FirstVisit);
        };
        // An event stamped before the last activity (another tab's clock, a
        // call queued before load) continues the session: time never runs back.
        if now > s.last_activity_at && now - s.last_activity_at >= self.timeout_ms {
            return Some(SessionStart::Inactivity);
        }
        if now > s.started_at && now - s.started_at >= self.max_length_ms {
            return Some(SessionStart::MaxLength);
        }
        None
    }

    /// Records activity at `now`: continues the session or begins the next one
    /// with `new_id`. Returns why a session began, if one did.
    pub fn touch(
        &self,
        state: &mut Option<SessionState>,
        now: u64,
        new_id: impl FnOnce() -> String,
    ) -> Option<SessionStart> {
        let start = self.must_restart(state.as_ref(), now);
        if start.is_some() {
            begin_next(state, now, new_id);
        } else if let Some(s) = state {
            s.last_activity_at = s.last_activity_at.max(now);
        }
        start
    }
}

/// Replaces `state` with the visitor's next session, starting at `now`.
pub fn begin_next(state: &mut Option<SessionState>, now: u64, new_id: impl FnOnce() -> String) {
    let previous = state.take();
    *state = Some(SessionState {
        id: new_id(),
        started_at: now,
        last_activity_at: now,
        index: previous.as_ref().map_or(1, |p| p.index + 1),
        previous_id: previous.map(|p| p.id),
    });
}

impl SessionRules {}

impl SessionState {
    /// Compact text for storage: `1|id|started|last|index|previous`.
    pub fn to_storage(&self) -> String {
        let mut out = String::from("1|");
        out.push_str(&self.id);
        out.push('|');
        push_u64(&mut out, self.started_at);
        out.push('|');
        push_u64(&mut out, self.last_activity_at);
        out.push('|');
        push_u64(&mut out, self.index as u64);
        out.push('|');
        out.push_str(self.previous_id.as_deref().unwrap_or(""));
        out
    }

    /// Reads what `to_storage` wrote; `None` for anything else (a corrupt or
    /// foreign value starts a fresh session rather than failing).
    pub fn from_storage(text: &str) -> Option<SessionState> {
        // Byte-slice split: str's pattern searcher is large in the wasm.
        let mut parts = text
            .as_bytes()
            .split(|&b| b == b'|')
            .map(|part| core::str::from_utf8(part).unwrap_or(""));
        if parts.next()? != "1" {
            return None;
        }
        let id = parts.next()?;
        let started_at = parse_u64(parts.next()?)?;
        let last_activity_at = parse_u64(parts.next()?)?;
        let index = parse_u64(parts.next()?)?;
        let previous = parts.next()?;
        if !crate::base::id::is_valid_client_id(id) || parts.next().is_some() || index == 0 || index > u32::MAX as u64 {
            return None;
        }
        Some(SessionState {
            id: id.into(),
            started_at,
            last_activity_at,
            index: index as u32,
            previous_id: (!previous.is_empty()).then(|| previous.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: SessionRules = SessionRules {
        timeout_ms: 30 * 60_000,
        max_length_ms: 24 * 3_600_000,
    };
    const MIN: u64 = 60_000;

    #[test]
    fn first_activity_starts_session_one() {
        let mut state = None;
        assert_eq!(
            RULES.touch(&mut state, 1_000, || "a".into()),
            Some(SessionStart::FirstVisit)
        );
        let s = state.unwrap();
        assert_eq!((s.id.as_str(), s.index, s.previous_id), ("a", 1, None));
    }

    #[test]
    fn activity_within_the_timeout_continues_and_after_it_restarts() {
        let mut state = None;
        RULES.touch(&mut state, 0, || "a".into());
        assert_eq!(RULES.touch(&mut state, 29 * MIN, || "b".into()), None);
        assert_eq!(RULES.touch(&mut state, 58 * MIN, || "b".into()), None);
        assert_eq!(
            RULES.touch(&mut state, 88 * MIN, || "b".into()),
            Some(SessionStart::Inactivity)
        );
        let s = state.unwrap();
        assert_eq!((s.id.as_str(), s.index, s.previous_id.as_deref()), ("b", 2, Some("a")));
    }

    #[test]
    fn a_session_never_outlasts_the_maximum_length() {
        let mut state = None;
        RULES.touch(&mut state, 0, || "a".into());
        let mut t = 0;
        while t < 24 * 60 * MIN - 10 * MIN {
            t += 10 * MIN;
            assert_eq!(RULES.touch(&mut state, t, || "b".into()), None);
        }
        t += 10 * MIN;
        assert_eq!(RULES.touch(&mut state, t, || "b".into()), Some(SessionStart::MaxLength));
    }

    #[test]
    fn an_event_stamped_in_the_past_does_not_rewind_activity() {
        let mut state = None;
        RULES.touch(&mut state, 10 * MIN, || "a".into());
        RULES.touch(&mut state, 5 * MIN, || "b".into());
        assert_eq!(state.unwrap().last_activity_at, 10 * MIN);
    }

    #[test]
    fn storage_text_round_trips_and_garbage_is_ignored() {
        let s = SessionState {
            id: "abc".into(),
            started_at: 5,
            last_activity_at: 9,
            index: 3,
            previous_id: Some("p".into()),
        };
        assert_eq!(SessionState::from_storage(&s.to_storage()), Some(s.clone()));
        let first = SessionState { previous_id: None, ..s };
        assert_eq!(SessionState::from_storage(&first.to_storage()), Some(first));
        for bad in [
            "",
            "2|a|1|1|1|",
            "1|a|x|1|1|",
            "1|a|1|1|0|",
            "1|a b|1|1|1|",
            "1|a|1|1|1||extra",
        ] {
            assert_eq!(SessionState::from_storage(bad), None, "{bad}");
        }
    }
}
