//! A small seeded generator (SplitMix64). It lives here rather than in a crate so that a given
//! `--seed` produces the same demo server forever, whatever crate versions do.

#[derive(Debug, Clone)]
pub struct Rng(u64);

/// The alphabet of Mattermost ids: 26 lowercase characters of z-base-32.
const ID_ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x6d6d_6f70_735f_6465)
    }

    /// An independent stream for one purpose, so adding data of one kind does not shift the
    /// data of another.
    pub fn fork(&self, purpose: &str) -> Self {
        let mut hash = self.0;
        for byte in purpose.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
        Self(hash)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64;
        lo + (self.next_u64() % span) as i64
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= probability
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A 26-character Mattermost id.
    pub fn id(&mut self) -> String {
        (0..26)
            .map(|_| ID_ALPHABET[self.below(32)] as char)
            .collect()
    }

    pub fn hex(&mut self, len: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..len).map(|_| HEX[self.below(16)] as char).collect()
    }

    /// A random string of letters and digits, like the server's generated secrets.
    pub fn alnum(&mut self, len: usize) -> String {
        const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| ALNUM[self.below(62)] as char).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(a.id(), b.id());
        assert_ne!(Rng::new(7).id(), Rng::new(8).id());
        assert_ne!(
            Rng::new(7).fork("users").id(),
            Rng::new(7).fork("teams").id()
        );
    }

    #[test]
    fn ids_look_like_mattermost_ids() {
        let id = Rng::new(1).id();
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|b| ID_ALPHABET.contains(&b)));
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            let n = rng.range(5, 9);
            assert!((5..9).contains(&n));
        }
        assert_eq!(rng.range(4, 4), 4);
    }
}
