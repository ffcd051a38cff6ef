//! `mmops invites sync` against a local PostgreSQL shaped like Mattermost's, at the issue's
//! size: 10,000 invitations (2,000 pending tokens and 8,000 addresses in resend jobs),
//! 100,000 users, 1,000 teams, 100,000 memberships and 10,000 join posts.
//!
//! - full: a first sync into an empty ledger (target: 2 s or less);
//! - incremental: a sync with nothing new (target: 100 ms or less).
//!
//! Needs PostgreSQL's server binaries (the test harness starts one in a temp dir); without
//! them it says so and measures nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/common/pg.rs"]
mod pg;

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mmops::invites::ledger::Ledger;
use mmops::invites::sync::{SyncPlan, run};
use mmops::secret::Secret;

const NOW: i64 = 1_795_339_800_000;
const HOUR: i64 = 3_600_000;

/// Fills the database with generate_series: ids are 26 characters, times in ms.
fn populate(url: &str) {
    pg::load_schema(url);
    pg::mark_migrations(url, 175);
    pg::batch(
        url,
        &format!(
            "INSERT INTO teams (id, createat, updateat, deleteat, displayname, name, description,
                 email, type, companyname, alloweddomains, inviteid, allowopeninvite,
                 schemeid, groupconstrained, lastteamiconupdate, cloudlimitsarchived)
             SELECT lpad('t' || g, 26, '0'), {created}, {created}, 0, 'Team ' || g, 'team-' || g,
                 '', '', CASE WHEN g % 2 = 0 THEN 'I' ELSE 'O' END::team_type, '', '',
                 lpad('i' || g, 26, '0'), g % 2 = 1, NULL, false, 0, false
             FROM generate_series(1, 1000) g;
             INSERT INTO channels (id, createat, updateat, deleteat, teamid, type, displayname,
                 name, header, purpose, lastpostat, totalmsgcount, extraupdateat, creatorid,
                 defaultcategoryname, autotranslation)
             SELECT lpad('c' || g, 26, '0'), {created}, {created}, 0, lpad('t' || g, 26, '0'),
                 'O'::channel_type, 'Town Square', 'town-square', '', '', 0, 0, 0, '', '', false
             FROM generate_series(1, 1000) g;
             INSERT INTO users (id, createat, updateat, deleteat, username, email, roles,
                 authservice, password)
             SELECT lpad('u' || g, 26, '0'), {created} + g, {created} + g, 0, 'user' || g,
                 'user' || g || '@example.com', 'system_user', '', '$2a$10$hash'
             FROM generate_series(1, 100000) g;
             INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeadmin,
                 schemeguest, createat)
             SELECT lpad('t' || (g % 1000 + 1), 26, '0'), lpad('u' || g, 26, '0'), '', 0,
                 true, false, false, {recent} + g
             FROM generate_series(1, 100000) g;
             INSERT INTO posts (id, createat, updateat, deleteat, userid, channelid, rootid,
                 originalid, message, type, props, hashtags, filenames, fileids, hasreactions,
                 editat, ispinned, remoteid)
             SELECT lpad('p' || g, 26, '0'), {recent} + g, {recent} + g, 0,
                 lpad('u' || g, 26, '0'), lpad('c' || (g % 1000 + 1), 26, '0'), '', '',
                 'joined the team.', 'system_join_team',
                 jsonb_build_object('username', 'user' || g), '', '[]', '[]', false, 0, false, NULL
             FROM generate_series(1, 10000) g;
             INSERT INTO tokens (token, createat, type, extra)
             SELECT md5(g::text) || md5((g + 1)::text), {pending} + g, 'team_invitation',
                 '{{\"channels\":\"\",\"email\":\"new' || g || '@example.org\",\"senderId\":\"'
                 || lpad('u1', 26, '0') || '\",\"teamId\":\"' || lpad('t' || (g % 1000 + 1), 26, '0')
                 || '\"}}'
             FROM generate_series(1, 2000) g;
             INSERT INTO jobs (id, type, priority, createat, startat, lastactivityat, status,
                 progress, data)
             SELECT lpad('j' || g, 26, '0'), 'resend_invitation_email', 0, {older} + g * 1000, 0,
                 {older} + g * 1000, 'success', 0,
                 jsonb_build_object('teamID', lpad('t' || (g % 1000 + 1), 26, '0'),
                     'senderID', lpad('u1', 26, '0'),
                     'emailList', '[\"user' || (g * 10) || '@example.com\",\"other' || g
                         || '@example.net\",\"third' || g || '@example.net\",\"fourth' || g
                         || '@example.net\"]',
                     'scheduledAt', ({older} + g * 1000)::text)
             FROM generate_series(1, 2000) g;
             ANALYZE;",
            created = NOW - 2000 * HOUR,
            recent = NOW - 300 * HOUR,
            pending = NOW - 10 * HOUR,
            older = NOW - 200 * HOUR,
        ),
    );
}

fn plan(url: &str) -> SyncPlan {
    SyncPlan {
        client: None,
        db_url: Ok(Secret::new(url)),
        audit_log: Err("not measured".into()),
        server_log: Err("not measured".into()),
        rest_off: Some("not measured".into()),
    }
}

fn sync(c: &mut Criterion) {
    let Some(server) = pg::TestPg::start() else {
        eprintln!("invites_sync: PostgreSQL is not installed; nothing measured");
        return;
    };
    let url = server.create_database("bench");
    populate(&url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plan = plan(&url);

    let mut group = c.benchmark_group("invites_sync");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("full_10k_invites_100k_users_1k_teams", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
                (dir, ledger)
            },
            |(dir, mut ledger)| {
                let report = runtime.block_on(run(&mut ledger, &plan, NOW)).unwrap();
                assert!(!report.failed(), "{:?}", report.lines);
                assert_eq!(report.invitations, 10_000);
                (dir, ledger)
            },
            BatchSize::PerIteration,
        );
    });

    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
    runtime.block_on(run(&mut ledger, &plan, NOW)).unwrap();
    let mut now = NOW;
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("incremental_nothing_new", |b| {
        b.iter(|| {
            now += 1000;
            let report = runtime.block_on(run(&mut ledger, &plan, now)).unwrap();
            assert_eq!(report.changed, 0);
        });
    });
    group.finish();
}

criterion_group!(benches, sync);
criterion_main!(benches);
