//! The support packet: the zip a support team asks for, built by mmops from every source it
//! can reach (the API, the install directory), with the config sanitized and the logs cleaned.

pub mod archive;
pub mod contents;
pub mod scrub;
