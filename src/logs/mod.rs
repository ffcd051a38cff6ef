//! The server log: parsing lines of every format into compact entries, a bounded buffer,
//! filters and search, and the sources that feed it (followed files, the REST log API).

pub mod feed;
pub mod filter;
pub mod follow;
pub mod histogram;
pub mod history;
pub mod matcher;
pub mod merge;
pub mod output;
pub mod parse;
pub mod pattern;
pub mod patterns;
pub mod poll;
pub mod scan;
pub mod select;
pub mod source;
pub mod store;
