//! What this build is: the crate version and the git revision it was built from.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const REVISION: &str = env!("MMOPS_GIT_REVISION");
pub const VERSION_WITH_REVISION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (rev ",
    env!("MMOPS_GIT_REVISION"),
    ")"
);
