//! A server with 100,000 users and 1,000 teams: the console against it keeps frames under
//! 16 ms at p99 and its memory bounded while the Invites tab syncs everything over REST (no
//! database: users, teams, every team's members and town-square posts), then draws the
//! invitation table, a team's members and the Server tab in well under a frame.
//!
//! The demo server is grown to that size in place: 100,000 users, 1,000 teams each with a
//! town-square, every user a member of one team (100,000 memberships), on top of the demo's
//! own story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::demo::{NOW_MS, client, demo, launch};
use common::rss_of;
use criterion::{Criterion, criterion_group, criterion_main};
use mmops::demo::DemoServer;
use mmops::demo::world::{DemoChannel, DemoMember, DemoTeam};
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;

const USERS: usize = 100_000;
const TEAMS: usize = 1_000;

fn id(kind: char, n: usize) -> String {
    format!("{kind}{n:025}")
}

fn grow(server: &DemoServer) {
    let mut world = server.shared().world.write().unwrap();
    let template = world.users[3].clone();
    for t in 0..TEAMS {
        let team = DemoTeam {
            id: id('t', t),
            name: format!("load-team-{t}"),
            display_name: format!("Load team {t}"),
            team_type: if t % 3 == 0 { "I" } else { "O" }.to_string(),
            allow_open_invite: t % 3 != 0,
            invite_id: id('i', t),
            email: "sysadmin@example.com".to_string(),
            create_at: NOW_MS - 400 * 86_400_000,
            allowed_domains: String::new(),
        };
        world.channels.push(DemoChannel {
            id: id('c', t),
            team_id: team.id.clone(),
            name: "town-square".to_string(),
            display_name: "Town Square".to_string(),
            channel_type: "O".to_string(),
        });
        world.teams.push(team);
    }
    for u in 0..USERS {
        let mut user = template.clone();
        user.id = id('u', u);
        user.username = format!("load.user{u}");
        user.email = format!("load.user{u}@example.com");
        user.create_at = NOW_MS - (u as i64 % 500) * 86_400_000;
        user.password = None;
        user.mfa_code = None;
        world.members.push(DemoMember {
            team_id: id('t', u % TEAMS),
            user_id: user.id.clone(),
            roles: "team_user".to_string(),
            join_at: user.create_at + 60_000,
        });
        world.users.push(user);
    }
}

fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort_unstable();
    samples
        .get(((samples.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn large_server(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Keys start jobs, which need the runtime's context.
    let _guard = runtime.enter();
    let server = demo(&runtime);
    grow(&server);
    let ledger = tempfile::tempdir().unwrap();
    let mut launch = launch(Some(client(&server)));
    launch.invites = InvitesLaunch {
        ledger: Some(ledger.path().join("ledger.sqlite")),
        data_dir: None,
        db_url: None,
        no_database: Some("the demo server has no database".into()),
    };
    let rss_start = rss_of("/proc/self/status");
    let mut h = Harness::start(launch);
    runtime.block_on(h.settle());
    // The first showing of the Invites tab starts the sync; frames go on meanwhile, one every
    // 33 ms, each timed with the messages taken between them.
    h.press(&["5"]).unwrap();
    let started = Instant::now();
    let mut frames = Vec::new();
    let mut steps = Vec::new();
    let mut rss_peak = rss_of("/proc/self/status");
    while h.app.pending_jobs() > 0 && started.elapsed() < Duration::from_secs(600) {
        steps.push(runtime.block_on(h.pump_for(Duration::from_millis(33))));
        let frame = Instant::now();
        h.render(120, 40);
        frames.push(frame.elapsed());
        rss_peak = rss_peak.max(rss_of("/proc/self/status"));
    }
    let synced = started.elapsed();
    runtime.block_on(h.settle());
    let text = h.render_text(120, 40);
    assert!(text.contains("synced"), "{text}");
    let frame_p99 = percentile(&mut frames, 0.99);
    let step_p99 = percentile(&mut steps, 0.99);
    println!(
        "large_server: REST sync of {USERS} users and {TEAMS} teams in {:.1} s; {} frames meanwhile, \
         draw p99 {:.2} ms (max {:.2} ms), longest step between frames p99 {:.2} ms (max {:.2} ms); \
         resident {:.1} MB at start, peak {:.1} MB",
        synced.as_secs_f64(),
        frames.len(),
        frame_p99.as_secs_f64() * 1e3,
        frames.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        step_p99.as_secs_f64() * 1e3,
        steps.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        rss_start as f64 / 1e6,
        rss_peak as f64 / 1e6,
    );
    println!("{}", text.lines().take(6).collect::<Vec<_>>().join("\n"));
    assert!(
        frame_p99 + step_p99 < Duration::from_millis(16),
        "frame p99 {frame_p99:?} + step p99 {step_p99:?} is 16 ms or more"
    );

    let mut group = c.benchmark_group("large_server");
    group.bench_function("invites_frame_120x40", |b| {
        b.iter(|| h.render(120, 40));
    });
    h.press(&["m"]).unwrap();
    runtime.block_on(h.settle());
    group.bench_function("members_frame_120x40", |b| {
        b.iter(|| h.render(120, 40));
    });
    h.press(&["esc", "1"]).unwrap();
    runtime.block_on(h.settle());
    group.bench_function("server_frame_120x40", |b| {
        b.iter(|| h.render(120, 40));
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, large_server);
criterion_main!(benches);
