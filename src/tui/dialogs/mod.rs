//! Dialogs drawn over any tab, and the global keys that open them.

pub mod capture;
pub mod fleet;
pub mod fleet_view;
pub mod help;
pub mod packet;
pub mod packet_compare;
pub mod packet_picker;
pub mod packet_view;

use super::env::Env;
use super::keys::Action;
use super::status::{Message, Status};
use super::view::AnyView;

/// The dialog a global action opens, if it opens one; when it cannot open, the status bar
/// says why.
pub fn for_action(action: Action, env: &Env, status: &mut Status) -> Option<Box<dyn AnyView>> {
    use packet_picker::{PacketPicker, Purpose};
    let purpose = match action {
        Action::OpenPacket => Some(Purpose::Open),
        Action::ComparePacket => Some(Purpose::Compare),
        _ => None,
    };
    if action == Action::Fleet {
        return match &env.fleet {
            Some(launch) => match (launch.members)() {
                Ok(members) => Some(Box::new(fleet::FleetView::new(launch.clone(), members))),
                Err(err) => {
                    status.message = Message::Failed(err);
                    None
                }
            },
            None => {
                status.message = Message::Problem(
                    "no fleet here: mmops fleet (or mmops demo --fleet N) lists the config file's profiles".into(),
                );
                None
            }
        };
    }
    if action == Action::Capture {
        return match capture::CaptureDialog::for_key(env, status) {
            Ok(dialog) => Some(Box::new(dialog)),
            Err(why) => {
                status.message = Message::Problem(why);
                None
            }
        };
    }
    if let Some(purpose) = purpose {
        let folders = PacketPicker::folders(&env.packet_dir);
        return Some(Box::new(PacketPicker::new(purpose, folders)));
    }
    match packet::PacketDialog::for_action(action, env) {
        Ok(dialog) => dialog.map(|d| Box::new(d) as Box<dyn AnyView>),
        Err(why) => {
            status.message = Message::Problem(why.to_string());
            None
        }
    }
}
