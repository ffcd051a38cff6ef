//! The Invites tab's background work: finding and reading the ledger, syncing it, one
//! invitation's evidence, a team's members, the teams to invite to, invalidating, exporting.
//! Each reports back as the tab's [`Msg`]; the tab keeps the state. The send form starts its
//! own two (`send.rs`).

use std::path::{Path, PathBuf};

use super::Msg;
use crate::cli::SyncSource;
use crate::error::Error;
use crate::invites::actions;
use crate::invites::ledger::Invitation;
use crate::invites::rest;
use crate::invites::sync::SyncPlan;
use crate::tui::env::Env;
use crate::tui::jobs::blocking;
use crate::tui::view::Ctx;

/// The sources of a sync, as `mmops invites sync` would read them. Reads the install's
/// config: call it inside a job.
fn plan_inputs(env: &Env) -> impl FnOnce() -> SyncPlan + Send + 'static {
    let db_url = env.invites.db_url.clone();
    let no_database = env.invites.no_database.clone();
    let home = env.mm_home.clone();
    let client = env.client.clone();
    move || {
        let mut plan = SyncPlan::for_install(db_url.as_ref(), home.as_ref(), client);
        if let Some(why) = no_database {
            plan.skip(SyncSource::Database, &why);
        }
        plan
    }
}

/// Finds the ledger (unless `known`) and reads it.
pub fn read_ledger(known: Option<PathBuf>, ctx: &mut Ctx<'_, Msg>) {
    let env = ctx.env;
    let given = env.invites.ledger.clone();
    let plan = plan_inputs(env);
    let data_dir = env.invites.data_dir.clone();
    ctx.spawn(Msg::Opened, async move {
        let plan = tokio::task::spawn_blocking(plan).await?;
        let path = match known.or(given) {
            Some(path) => path,
            None => actions::locate(None, data_dir.as_deref(), &plan).await?,
        };
        let planned = actions::planned_sources(&plan);
        let view = blocking(move || actions::load(&path)).await?;
        Ok::<_, Error>((view, planned))
    });
}

pub fn sync(path: &Path, ctx: &mut Ctx<'_, Msg>) {
    let plan = plan_inputs(ctx.env);
    let now_ms = ctx.now_ms();
    let path = path.to_path_buf();
    ctx.spawn(Msg::Synced, async move {
        let handle = tokio::runtime::Handle::current();
        blocking(move || actions::sync_blocking(&handle, &path, &plan(), now_ms)).await
    });
}

pub fn evidence(path: &Path, invitation_id: i64, ctx: &mut Ctx<'_, Msg>) {
    let path = path.to_path_buf();
    ctx.spawn(
        Msg::Evidence,
        blocking(move || actions::evidence(&path, invitation_id)),
    );
}

pub fn members(path: &Path, team_id: String, ctx: &mut Ctx<'_, Msg>) {
    let path = path.to_path_buf();
    let id = team_id.clone();
    ctx.spawn(
        move |result| Msg::Members { team_id, result },
        blocking(move || actions::members(&path, &id)),
    );
}

/// The teams the send form offers.
pub fn teams(ctx: &mut Ctx<'_, Msg>) {
    let Some(client) = ctx.env.client.clone() else {
        return;
    };
    ctx.spawn(Msg::Teams, async move { rest::teams(&client).await });
}

pub fn invalidate(path: &Path, ctx: &mut Ctx<'_, Msg>) {
    let Some(client) = ctx.env.client.clone() else {
        return;
    };
    let (path, now_ms) = (path.to_path_buf(), ctx.now_ms());
    ctx.spawn_each(Msg::Invalidated, async move {
        actions::invalidate_and_record(&client, &path, now_ms).await
    });
}

pub fn export(path: PathBuf, rows: Vec<Invitation>, ctx: &mut Ctx<'_, Msg>) {
    let file = path.clone();
    ctx.spawn_each(
        move |result| Msg::Exported { path, result },
        blocking(move || actions::export(&file, &rows)),
    );
}
