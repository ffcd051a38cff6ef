//! Widgets shared by the tabs: the tab bar, the footer of key hints, the status bar, the help
//! overlay and the scrollable panel page.

pub mod footer;
pub mod help;
pub mod input;
pub mod panels;
pub mod status_bar;
pub mod tab_bar;
