//! The app's side of the Invites tab: the jobs that read and sync the ledger, send and
//! invalidate invitations, and export rows, and what their results change.

use super::{App, Job, Msg, blocking};
use crate::cli::SyncSource;
use crate::invites::actions;
use crate::invites::rest;
use crate::invites::sync::SyncPlan;
use crate::tui::tabs::invites::{InvitesEffect, InvitesJob, InvitesMsg};

impl App {
    /// The sources of a sync, as `mmops invites sync` would read them. Reads the install's
    /// config: call it inside a job.
    fn invites_plan_inputs(&self) -> impl FnOnce() -> SyncPlan + Send + 'static {
        let db_url = self.launch.invites.db_url.clone();
        let no_database = self.launch.invites.no_database.clone();
        let home = self.launch.mm_home.clone();
        let client = self.launch.client.clone();
        move || {
            let mut plan = SyncPlan::for_install(db_url.as_ref(), home.as_ref(), client);
            if let Some(why) = no_database {
                plan.skip(SyncSource::Database, &why);
            }
            plan
        }
    }

    /// Finds and reads the ledger (again).
    pub(super) fn open_invites(&mut self) {
        let given = self.launch.invites.ledger.clone();
        let data_dir = self.launch.invites.data_dir.clone();
        if given.is_none()
            && (self.launch.client.is_none() && self.launch.invites.db_url.is_none())
            && self.launch.mm_home.is_none()
        {
            self.invites.unavailable(
                "give a server (--url, --local, a profile), a database (--db-url) or --ledger PATH"
                    .to_string(),
            );
            return;
        }
        let generation = self.invites.begin_open();
        let plan = self.invites_plan_inputs();
        let known = self.invites.ledger_path().cloned();
        self.spawn_job(Job::Invites(InvitesJob::Open { generation }), async move {
            let result = async {
                let plan = blocking(move || Ok(plan())).await?;
                let path = match known.or(given) {
                    Some(path) => path,
                    None => actions::locate(None, data_dir.as_deref(), &plan).await?,
                };
                let planned = actions::planned_sources(&plan);
                blocking(move || actions::load(&path).map_err(|e| e.to_string()))
                    .await
                    .map(|view| (view, planned))
            }
            .await;
            Msg::Invites(InvitesMsg::Opened { generation, result })
        });
    }

    fn sync_invites(&mut self) {
        let Some(path) = self.invites.ledger_path().cloned() else {
            return;
        };
        if !self.invites.begin_sync() {
            return;
        }
        let plan = self.invites_plan_inputs();
        let now_ms = self.launch.clock.now_ms();
        self.spawn_job(Job::Invites(InvitesJob::Sync), async move {
            let handle = tokio::runtime::Handle::current();
            let result = blocking(move || {
                actions::sync_blocking(&handle, &path, &plan(), now_ms).map_err(|e| e.to_string())
            })
            .await;
            Msg::Invites(InvitesMsg::Synced(result))
        });
    }

    /// The tab came into view: the first time, the ledger is synced.
    pub(super) fn invites_shown(&mut self) {
        if self.invites.on_show() {
            self.sync_invites();
        }
    }

    pub(super) fn on_invites_msg(&mut self, msg: InvitesMsg) {
        match msg {
            InvitesMsg::Opened { generation, result } => {
                if self.invites.opened(generation, result) {
                    self.sync_invites();
                }
            }
            InvitesMsg::Synced(result) => {
                self.invites.synced(result);
                self.open_invites();
            }
            InvitesMsg::Evidence {
                invitation_id,
                result,
            } => self.invites.evidence_loaded(invitation_id, result),
            InvitesMsg::Members { team_id, result } => {
                self.invites.members_loaded(&team_id, result)
            }
            InvitesMsg::Teams(result) => self.invites.teams_loaded(result),
            InvitesMsg::ChannelsChecked(result) => self.invites.channels_checked(result),
            InvitesMsg::Sent(result) => {
                self.invites.sent(result);
                self.open_invites();
            }
            InvitesMsg::Invalidated(result) => {
                let ok = result.is_ok();
                self.invites.invalidated(result);
                if ok {
                    self.sync_invites();
                }
            }
            InvitesMsg::Exported { path, result } => self.invites.exported(&path, result),
        }
        self.dirty = true;
    }

    pub(super) fn invites_job_failed(&mut self, job: InvitesJob, reason: &str) {
        let failed = format!("failed: {reason}");
        match job {
            InvitesJob::Open { generation } => {
                self.invites.opened(generation, Err(failed));
            }
            InvitesJob::Sync => self.invites.synced(Err(failed)),
            InvitesJob::Teams => self.invites.teams_loaded(Err(failed)),
            InvitesJob::Channels => self.invites.channels_checked(Err(failed)),
            InvitesJob::Send => self.invites.sent(Err(format!(
                "sending {failed}; check the ledger before sending again"
            ))),
            InvitesJob::Invalidate => self.invites.invalidated(Err(failed)),
            InvitesJob::Evidence | InvitesJob::Members | InvitesJob::Export => {
                self.invites.notice = Some((failed, true))
            }
        }
    }

    pub(super) fn apply_invites(&mut self, effect: InvitesEffect) {
        let path = self.invites.ledger_path().cloned();
        let client = self.launch.client.clone();
        let now_ms = self.launch.clock.now_ms();
        match effect {
            InvitesEffect::None => {}
            InvitesEffect::Reload => self.open_invites(),
            InvitesEffect::Sync => self.sync_invites(),
            InvitesEffect::Evidence(invitation_id) => {
                let Some(path) = path else { return };
                self.spawn_job(Job::Invites(InvitesJob::Evidence), async move {
                    let result = blocking(move || {
                        actions::evidence(&path, invitation_id).map_err(|e| e.to_string())
                    })
                    .await;
                    Msg::Invites(InvitesMsg::Evidence {
                        invitation_id,
                        result,
                    })
                });
            }
            InvitesEffect::Members(team_id) => {
                let Some(path) = path else { return };
                self.spawn_job(Job::Invites(InvitesJob::Members), async move {
                    let id = team_id.clone();
                    let result =
                        blocking(move || actions::members(&path, &id).map_err(|e| e.to_string()))
                            .await;
                    Msg::Invites(InvitesMsg::Members { team_id, result })
                });
            }
            InvitesEffect::LoadTeams => {
                let Some(client) = client else { return };
                self.spawn_job(Job::Invites(InvitesJob::Teams), async move {
                    let result = rest::teams(&client).await.map_err(|e| e.to_string());
                    Msg::Invites(InvitesMsg::Teams(result))
                });
            }
            InvitesEffect::CheckChannels { team_id, channels } => {
                let Some(client) = client else { return };
                self.spawn_job(Job::Invites(InvitesJob::Channels), async move {
                    let result = rest::channel_ids(&client, &team_id, &channels)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string());
                    Msg::Invites(InvitesMsg::ChannelsChecked(result))
                });
            }
            InvitesEffect::Send {
                team,
                emails,
                channels,
            } => {
                let (Some(client), Some(path)) = (client, path) else {
                    return;
                };
                self.spawn_job(Job::Invites(InvitesJob::Send), async move {
                    let result =
                        actions::send_and_record(&client, &path, &team, &emails, &channels, now_ms)
                            .await;
                    Msg::Invites(InvitesMsg::Sent(result))
                });
            }
            InvitesEffect::Invalidate => {
                let (Some(client), Some(path)) = (client, path) else {
                    return;
                };
                self.spawn_job(Job::Invites(InvitesJob::Invalidate), async move {
                    let result = actions::invalidate_and_record(&client, &path, now_ms).await;
                    Msg::Invites(InvitesMsg::Invalidated(result))
                });
            }
            InvitesEffect::Export { path: target, rows } => {
                self.spawn_job(Job::Invites(InvitesJob::Export), async move {
                    let file = target.clone();
                    let result = blocking(move || actions::export(&file, &rows)).await;
                    Msg::Invites(InvitesMsg::Exported {
                        path: target,
                        result,
                    })
                });
            }
        }
    }
}
