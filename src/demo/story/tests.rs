//! The generated history holds together: every use has its member and its evidence, and an
//! invite-only team keeps members whose way in is unknown.

use super::*;

const NOW: i64 = 1_795_339_800_000;

#[test]
fn every_use_has_its_member_and_evidence() {
    for seed in [1, 5, 42] {
        let world = World::generate(seed, NOW);
        let used: Vec<&DemoInvite> = world
            .invites
            .iter()
            .filter(|i| matches!(i.outcome, InviteOutcome::Used { .. }))
            .collect();
        assert!(used.len() >= 7, "seed {seed}: {}", used.len());
        for invite in used {
            let InviteOutcome::Used { user_id, at, .. } = &invite.outcome else {
                continue;
            };
            assert!(*at > invite.sent_at && at - invite.sent_at < INVITE_EXPIRY_MS);
            let member = world
                .members
                .iter()
                .find(|m| m.team_id == invite.team_id && &m.user_id == user_id)
                .unwrap();
            assert_eq!(member.join_at, *at);
            let posted = world
                .posts
                .iter()
                .any(|p| &p.user_id == user_id && p.post_type == "system_join_team");
            assert_eq!(posted, !invite.guest, "seed {seed}");
        }
        let by_other = world
            .invites
            .iter()
            .filter(|i| match &i.outcome {
                InviteOutcome::Used { user_id, .. } => {
                    world.user(user_id).is_some_and(|u| u.email != i.email)
                }
                _ => false,
            })
            .count();
        assert_eq!(by_other, 1, "seed {seed}");
        let revoked = world
            .invites
            .iter()
            .filter(|i| matches!(i.outcome, InviteOutcome::Revoked { .. }))
            .count();
        assert!(revoked >= 2, "seed {seed}");
        assert!(world.invites.iter().any(|i| i.is_open(NOW)));
        assert!(
            world
                .invites
                .iter()
                .any(|i| i.outcome == InviteOutcome::Open && !i.is_open(NOW))
        );
        assert!(world.events.windows(2).all(|w| w[0].at() <= w[1].at()));
    }
}

#[test]
fn an_invite_only_team_keeps_members_of_unknown_provenance() {
    let world = World::generate(1, NOW);
    let evidenced: HashSet<&str> = world
        .posts
        .iter()
        .filter(|p| !p.post_type.is_empty())
        .map(|p| p.user_id.as_str())
        .collect();
    assert!(
        world
            .teams
            .iter()
            .filter(|t| !t.allow_open_invite)
            .any(|t| {
                world
                    .members
                    .iter()
                    .any(|m| m.team_id == t.id && !evidenced.contains(m.user_id.as_str()))
            })
    );
}
