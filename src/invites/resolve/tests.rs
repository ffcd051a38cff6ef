//! Statuses decided from the evidence: joins by the invited address or with another's token,
//! invalidation, expiry, pending and failed invitations, and what the tokens tell.

use super::*;

const T0: i64 = 1_795_000_000_000;
const HOUR: i64 = 3_600_000;

fn invite(id: i64, email: &str, sent_at: i64) -> Invitation {
    Invitation {
        id,
        sent_at,
        email: email.into(),
        team_id: Some("t1".into()),
        team_name: Some("eng".into()),
        sender_id: Some("admin".into()),
        sender_username: Some("sysadmin".into()),
        kind: "member".into(),
        token_fingerprint: None,
        status: "unknown".into(),
        status_at: sent_at,
        status_reason: String::new(),
        used_by_user_id: None,
        used_by_email: None,
        user_created: None,
        sources: vec!["audit".into()],
        channels: vec![],
        used_by_username: None,
        sender_unknown_reason: None,
    }
}

fn user(id: &str, email: &str, created_at: i64) -> UserFact {
    UserFact {
        id: id.into(),
        username: Some(id.into()),
        email: Some(email.into()),
        created_at: Some(created_at),
        ..Default::default()
    }
}

fn event(kind: EventKind, at: i64, user: Option<&str>) -> TeamEvent {
    TeamEvent {
        at,
        kind,
        team_id: (kind != EventKind::InvalidatedAll && kind != EventKind::CreatedByInvite)
            .then(|| "t1".into()),
        user_id: user.map(str::to_string),
        actor_id: None,
        detail: String::new(),
        source: "audit".into(),
    }
}

fn case() -> TeamCase {
    TeamCase {
        team_name: "eng".into(),
        audit_read: true,
        ..Default::default()
    }
}

fn add_user(case: &mut TeamCase, user: UserFact) {
    case.users.insert(user.id.clone(), user);
}

fn status_of(resolved: &[(i64, Resolution)], id: i64) -> &Resolution {
    &resolved.iter().find(|(i, _)| *i == id).unwrap().1
}

#[test]
fn a_join_by_the_invited_address_accepts_and_tells_a_new_account_from_an_old_one() {
    let mut c = case();
    c.invitations = vec![invite(1, "ana@x.org", T0), invite(2, "ben@x.org", T0)];
    add_user(&mut c, user("ana", "ana@x.org", T0 + HOUR));
    add_user(&mut c, user("ben", "ben@x.org", T0 - 100 * HOUR));
    c.members = vec![
        MemberFact {
            team_id: "t1".into(),
            user_id: "ana".into(),
            joined_at: Some(T0 + HOUR),
            left_at: None,
        },
        MemberFact {
            team_id: "t1".into(),
            user_id: "ben".into(),
            joined_at: Some(T0 + 2 * HOUR),
            left_at: None,
        },
    ];
    let r = resolve_team(&c, T0 + 3 * HOUR);
    let ana = status_of(&r, 1);
    assert_eq!(ana.status, Status::Accepted);
    assert_eq!(ana.user_created, Some(true));
    assert!(
        ana.reason.contains("created by this invite"),
        "{}",
        ana.reason
    );
    let ben = status_of(&r, 2);
    assert_eq!(ben.status, Status::Accepted);
    assert_eq!(ben.user_created, Some(false));
    assert_eq!(ben.at, T0 + 2 * HOUR);
}

#[test]
fn a_token_join_by_another_account_flags_the_only_open_invite() {
    let mut c = case();
    c.invitations = vec![invite(1, "carol@x.org", T0)];
    add_user(&mut c, user("dave", "dave@y.org", T0 - 500 * HOUR));
    c.events = vec![event(EventKind::JoinedByToken, T0 + HOUR, Some("dave"))];
    let r = resolve_team(&c, T0 + 3 * HOUR);
    let carol = status_of(&r, 1);
    assert_eq!(carol.status, Status::AcceptedByOther);
    assert_eq!(carol.used_by.as_ref().unwrap().id, "dave");
    assert_eq!(carol.user_created, Some(false));
    assert!(carol.reason.contains("not carol@x.org"), "{}", carol.reason);
}

#[test]
fn a_token_join_with_several_open_invites_is_not_pinned_on_one() {
    let mut c = case();
    c.invitations = vec![
        invite(1, "a@x.org", T0),
        invite(2, "b@x.org", T0 + 60_000 * 5),
    ];
    add_user(&mut c, user("dave", "dave@y.org", T0 - 500 * HOUR));
    c.events = vec![event(EventKind::JoinedByToken, T0 + HOUR, Some("dave"))];
    let r = resolve_team(&c, T0 + 3 * HOUR);
    for id in [1, 2] {
        let s = status_of(&r, id);
        assert_eq!(s.status, Status::Unknown);
        assert!(
            s.reason.contains("one of 2 open invitations"),
            "{}",
            s.reason
        );
    }
}

#[test]
fn invalidation_expiry_pending_and_failure() {
    let mut c = case();
    let mut failed = invite(4, "bad@x.org", T0);
    failed.status = "failed".into();
    c.invitations = vec![
        invite(1, "old@x.org", T0 - 100 * HOUR),
        invite(2, "rev@x.org", T0),
        invite(3, "new@x.org", T0 + 10 * HOUR),
        failed,
    ];
    c.events = vec![event(EventKind::InvalidatedAll, T0 + 5 * HOUR, None)];
    let r = resolve_team(&c, T0 + 12 * HOUR);
    assert_eq!(status_of(&r, 1).status, Status::Expired);
    assert_eq!(status_of(&r, 1).at, T0 - 100 * HOUR + VALIDITY_MS);
    assert_eq!(status_of(&r, 2).status, Status::Revoked);
    assert_eq!(status_of(&r, 2).at, T0 + 5 * HOUR);
    assert_eq!(status_of(&r, 3).status, Status::Pending);
    assert!(
        r.iter().all(|(id, _)| *id != 4),
        "a refusal is not re-decided"
    );
    // A join after an invalidation does not accept the revoked invite.
    add_user(&mut c, user("rev", "rev@x.org", T0 - 500 * HOUR));
    c.events
        .push(event(EventKind::Joined, T0 + 6 * HOUR, Some("rev")));
    let r = resolve_team(&c, T0 + 12 * HOUR);
    assert_eq!(status_of(&r, 2).status, Status::Revoked);
    // Without the audit log or a database, an unused recent invite is unknown.
    c.audit_read = false;
    c.events.clear();
    let r = resolve_team(&c, T0 + 12 * HOUR);
    assert_eq!(status_of(&r, 3).status, Status::Unknown);
}

#[test]
fn tokens_decide_pending_revocation_and_use_by_another() {
    let seen = |last_seen, gone_at| TokenSeen {
        created_at: T0,
        first_seen: T0 + 60_000,
        last_seen,
        gone_at,
    };
    let mut c = case();
    c.audit_read = false;
    c.tokens_read_at = Some(T0 + 2 * HOUR);
    let mut a = invite(1, "a@x.org", T0);
    a.token_fingerprint = Some("fa".into());
    let mut b = invite(2, "b@x.org", T0);
    b.token_fingerprint = Some("fb".into());
    let mut d = invite(3, "d@x.org", T0);
    d.token_fingerprint = Some("fd".into());
    c.invitations = vec![a, b, d];
    c.tokens.insert("fa".into(), (seen(T0 + 2 * HOUR, None), 0));
    c.tokens
        .insert("fb".into(), (seen(T0 + HOUR, Some(T0 + 2 * HOUR)), 3));
    c.tokens
        .insert("fd".into(), (seen(T0 + HOUR, Some(T0 + 2 * HOUR)), 1));
    add_user(&mut c, user("eve", "eve@y.org", T0 - 500 * HOUR));
    c.members.push(MemberFact {
        team_id: "t1".into(),
        user_id: "eve".into(),
        joined_at: Some(T0 + HOUR + 30 * 60_000),
        left_at: None,
    });
    let r = resolve_team(&c, T0 + 3 * HOUR);
    // a's token is still there: pending, and not a candidate for eve's join.
    assert_eq!(status_of(&r, 1).status, Status::Pending);
    // b and d vanished at the same read and eve joined between the reads: one of them
    // was hers, the database cannot tell which.
    for id in [2, 3] {
        let s = status_of(&r, id);
        assert_eq!(s.status, Status::Unknown, "{}", s.reason);
        assert!(s.reason.contains("one of 2"), "{}", s.reason);
    }
    // With d's token still present, eve's join is pinned on b.
    c.tokens.insert("fd".into(), (seen(T0 + 2 * HOUR, None), 0));
    let r = resolve_team(&c, T0 + 3 * HOUR);
    let b = status_of(&r, 2);
    assert_eq!(b.status, Status::AcceptedByOther, "{}", b.reason);
    assert_eq!(b.decided_by, "database");
    assert_eq!(status_of(&r, 3).status, Status::Pending);
    // Vanished together with others and no join to explain it: revoked.
    c.members.clear();
    let r = resolve_team(&c, T0 + 3 * HOUR);
    assert_eq!(status_of(&r, 2).status, Status::Revoked);
}
