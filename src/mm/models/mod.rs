//! Typed serde models of the server's JSON. Unknown fields are ignored; numbers sent as strings
//! (and the reverse) are accepted.

pub mod lenient;
pub mod system;
pub mod users;

pub use system::{AppliedMigration, ClientConfig, ClientLicense, ClusterNode, Ping, SiteStats};
pub use users::{Team, TeamMember, User};
