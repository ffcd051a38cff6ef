//! Dialogs drawn over any tab.

pub mod packet;
pub mod packet_view;
