//! Widgets shared by the tabs: the tab bar, the footer of key hints, the status bar, the help
//! overlay, the scrollable panel page, text inputs and pickers.

pub mod footer;
pub mod help;
pub mod input;
pub mod panels;
pub mod picker;
pub mod status_bar;
pub mod tab_bar;
