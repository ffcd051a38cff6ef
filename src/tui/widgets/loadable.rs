//! Data a view loads in the background: not configured, loading, loaded or failed, and
//! whether a newer load is on its way while the last one stays shown.

use crate::error::Error;

pub enum Load<T> {
    /// Nothing to load from (no server configured).
    NotConfigured,
    Loading,
    Loaded(T),
    Failed(Error),
}

pub struct Loadable<T> {
    pub state: Load<T>,
    /// A newer load is on its way (what was loaded before stays shown).
    pub refreshing: bool,
}

impl<T> Loadable<T> {
    pub fn new(configured: bool) -> Self {
        Self {
            state: if configured {
                Load::Loading
            } else {
                Load::NotConfigured
            },
            refreshing: false,
        }
    }

    pub fn begin(&mut self) {
        self.refreshing = true;
        if matches!(self.state, Load::NotConfigured) {
            self.state = Load::Loading;
        }
    }

    /// Takes a load's result. A failed refresh keeps what was shown and gives the error back
    /// for the view to say.
    pub fn finish(&mut self, result: Result<T, Error>) -> Option<Error> {
        self.refreshing = false;
        match result {
            Ok(value) => {
                self.state = Load::Loaded(value);
                None
            }
            Err(err) if self.get().is_some() => Some(err),
            Err(err) => {
                self.state = Load::Failed(err);
                None
            }
        }
    }

    pub fn get(&self) -> Option<&T> {
        match &self.state {
            Load::Loaded(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_loaded(&self) -> bool {
        self.get().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_refresh_keeps_what_was_shown() {
        let mut load = Loadable::new(true);
        assert!(matches!(load.state, Load::Loading));
        load.begin();
        assert!(load.finish(Ok(1)).is_none());
        load.begin();
        assert!(load.refreshing);
        let kept = load.finish(Err(Error::Words("down".into())));
        assert_eq!(kept.map(|e| e.to_string()), Some("down".into()));
        assert_eq!(load.get(), Some(&1));
        assert!(!load.refreshing);
    }

    #[test]
    fn a_failed_first_load_says_so() {
        let mut load = Loadable::<u8>::new(true);
        assert!(load.finish(Err(Error::Words("down".into()))).is_none());
        assert!(matches!(load.state, Load::Failed(_)));
    }
}
