//! Cleaning log lines before they go into a packet, line by line as they stream through.
//!
//! Always: credentials and tokens that servers and proxies write into logs (user and password
//! in URLs and MySQL connection strings, `?t=`/`?token=` query values such as the token in a
//! guest-invite link, `Bearer` headers, and JSON or `key=value` members whose key ends in
//! `password`, `secret`, `token`...).
//!
//! In privacy mode, also: email addresses, IP addresses, usernames and user ids, each replaced
//! by a stable pseudonym (the same value always gets the same one within a packet). User ids
//! are recognized in user-id fields and, once seen there, wherever they appear later.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::bytes::{Captures, Regex};

/// What the scrubber replaced, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogCounts {
    pub credentials: u64,
    pub emails: u64,
    pub ip_addresses: u64,
    pub usernames: u64,
    pub user_ids: u64,
}

impl LogCounts {
    pub fn total(&self) -> u64 {
        self.credentials + self.emails + self.ip_addresses + self.usernames + self.user_ids
    }

    pub fn by_kind(&self) -> [(&'static str, u64); 5] {
        [
            ("credentials, tokens and secrets", self.credentials),
            ("email addresses", self.emails),
            ("IP addresses", self.ip_addresses),
            ("usernames", self.usernames),
            ("user ids", self.user_ids),
        ]
    }

    pub fn add(&mut self, other: &LogCounts) {
        self.credentials += other.credentials;
        self.emails += other.emails;
        self.ip_addresses += other.ip_addresses;
        self.usernames += other.usernames;
        self.user_ids += other.user_ids;
    }
}

const HIDDEN: &[u8] = b"****";

/// Secrets in log lines; each alternative names the part to keep, and what follows it is hidden.
/// Word boundaries are ASCII (`(?-u:\b)`), which keeps the regex on its fast automaton.
const SECRETS: &str = concat!(
    // scheme://user:password@
    r#"(?P<url>(?-u:\b)[A-Za-z][A-Za-z0-9+.\-]*://)[^\s/@:"'<>]+:[^\s/@"'<>]+@"#,
    // ?token=… &t=…
    r#"|(?P<query>[?&](?i:t|token|access_token|refresh_token|id_token|code|password|pwd|passwd|secret|client_secret|api_key|apikey|key|sig|signature)=)[^&\s"'\\#<>]+"#,
    // Authorization: Bearer …, "Authorization":"Basic …", Authorization:[Token …]; only after
    // the header's name, so "basic" in a sentence is left alone.
    r#"|(?P<auth>(?i:authorization)["']?\s*[:=]\s*\[?\s*["']?\s*(?i:bearer|basic|token)\s+)[A-Za-z0-9._~+/=\-]{8,}"#,
    // A bare "Bearer" with something long enough to be a token after it.
    r#"|(?P<bearer>(?-u:\b)(?i:bearer)\s+)[A-Za-z0-9._~+/=\-]{20,}"#,
    // "smtp_password":"…", "webhookSecret": "…"
    r#"|(?P<json>"[A-Za-z0-9_.\-]*(?i:password|passwd|pwd|secret|token|salt|credentials?|passphrase|api_?key|private_?key|secret_?key|access_?key)"\s*:\s*")(?:[^"\\]|\\.)+"#,
    // The same inside JSON logged as a string: \"password\":\"…\"
    r#"|(?P<ejson>\\"[A-Za-z0-9_.\-]*(?i:password|passwd|pwd|secret|token|salt|credentials?|passphrase|api_?key|private_?key|secret_?key|access_?key)\\"\s*:\s*\\")(?:[^"\\]|\\\\\\"|\\\\|\\[^"\\])+"#,
    // password='a quoted value' (libpq's form)
    r#"|(?P<qpair>(?-u:\b)[A-Za-z0-9_\-]*(?i:password|passwd|secret|token|passphrase)\s*=\s*)'(?:[^'\\]|\\.)*'?"#,
    // password=… secret=…
    r#"|(?P<pair>(?-u:\b)[A-Za-z0-9_\-]*(?i:password|passwd|secret|token|passphrase)=)[^\s&"',;]+"#,
    // user:password@tcp(host)
    r#"|(?P<mysql>)[A-Za-z0-9_.\-]+:[^\s@"/]+@tcp\("#,
);

/// Personal data, in privacy mode.
const PERSONAL: &str = concat!(
    r#"(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"#,
    r#"|(?P<ip4>(?-u:\b)(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}(?-u:\b))"#,
    r#"|(?P<ip6>(?-u:\b)(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?-u:\b)|(?-u:\b)(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?-u:\b))"#,
    r#"|(?P<uidkey>"(?:user_id|userId|UserId|creator_id|actor_id|sender_id|target_user_id)"\s*:\s*")(?P<uid>[a-z0-9]{26})""#,
    r#"|(?P<namekey>"(?:username|user_name|userName|Username|login_id|loginId|sender_name)"\s*:\s*")(?P<name>(?:[^"\\]|\\.)+)""#,
    r#"|(?P<uidpair>(?-u:\b)(?:user_id|userId)=)(?P<uidv>[a-z0-9]{26})(?-u:\b)"#,
    r#"|(?P<namepair>(?-u:\b)(?:username|login_id)=)(?P<namev>[^\s&"',;]+)"#,
    r#"|(?P<id>(?-u:\b)[a-z0-9]{26}(?-u:\b))"#,
);

/// Distinct values of one kind that get a number (`user-0001`); later ones get a pseudonym
/// from a keyed hash instead, so memory stays bounded whatever the log holds.
const NUMBERED: usize = 100_000;
/// User ids beyond the numbered ones still remembered, so their bare mentions are replaced.
const MORE_USER_IDS: usize = 400_000;

/// Stable pseudonyms of one kind: numbered in order of first appearance, then hashed. Values
/// are kept only as a keyed hash (the key is random per packet), never as text.
#[derive(Debug, Default)]
struct Numbering {
    numbers: HashMap<u64, u32>,
}

#[derive(Debug)]
enum Pseudonym {
    Number(u32),
    Hash(u64),
}

impl Numbering {
    fn get(&mut self, hash: u64) -> Pseudonym {
        if let Some(n) = self.numbers.get(&hash) {
            return Pseudonym::Number(*n);
        }
        if self.numbers.len() < NUMBERED {
            let n = self.numbers.len() as u32 + 1;
            self.numbers.insert(hash, n);
            return Pseudonym::Number(n);
        }
        Pseudonym::Hash(hash)
    }
}

#[derive(Debug, Default)]
struct Pseudonyms {
    key: std::hash::RandomState,
    emails: Numbering,
    ips: Numbering,
    names: Numbering,
    user_ids: Numbering,
    /// User ids past the numbered ones, for the bare-id rule.
    more_user_ids: std::collections::HashSet<u64>,
}

impl Pseudonyms {
    fn hash(&self, value: &[u8]) -> u64 {
        std::hash::BuildHasher::hash_one(&self.key, value)
    }
}

fn pseudonym(
    numbering: &mut Numbering,
    hash: u64,
    numbered: impl FnOnce(u32) -> String,
    hashed: impl FnOnce(u64) -> String,
) -> Vec<u8> {
    match numbering.get(hash) {
        Pseudonym::Number(n) => numbered(n).into_bytes(),
        Pseudonym::Hash(h) => hashed(h).into_bytes(),
    }
}

pub struct Scrubber {
    secrets: Regex,
    personal: Option<Regex>,
    pseudonyms: Pseudonyms,
    counts: LogCounts,
}

impl Default for Scrubber {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Scrubber {
    pub fn new(privacy: bool) -> Self {
        static SECRET_PATTERN: LazyLock<Regex> = LazyLock::new(|| constant(SECRETS));
        static PERSONAL_PATTERN: LazyLock<Regex> = LazyLock::new(|| constant(PERSONAL));
        Self {
            secrets: SECRET_PATTERN.clone(),
            personal: privacy.then(|| PERSONAL_PATTERN.clone()),
            pseudonyms: Pseudonyms::default(),
            counts: LogCounts::default(),
        }
    }

    pub fn counts(&self) -> LogCounts {
        self.counts
    }

    pub fn privacy(&self) -> bool {
        self.personal.is_some()
    }

    /// The line with secrets hidden (and, in privacy mode, personal data pseudonymized).
    pub fn scrub<'a>(&mut self, line: &'a [u8]) -> Cow<'a, [u8]> {
        let counts = &mut self.counts;
        let cleaned = self.secrets.replace_all(line, |caps: &Captures| {
            counts.credentials += 1;
            let keep = [
                "url", "query", "auth", "bearer", "json", "ejson", "qpair", "pair", "mysql",
            ]
            .iter()
            .find_map(|name| caps.name(name))
            .map(|m| m.as_bytes())
            .unwrap_or_default();
            let mut out = keep.to_vec();
            if caps.name("url").is_some() || caps.name("mysql").is_some() {
                out.extend_from_slice(b"****:****@");
                if caps.name("mysql").is_some() {
                    out.extend_from_slice(b"tcp(");
                }
            } else {
                out.extend_from_slice(HIDDEN);
            }
            out
        });
        let Some(personal) = &self.personal else {
            return cleaned;
        };
        let pseudonyms = &mut self.pseudonyms;
        let counts = &mut self.counts;
        let replaced = personal.replace_all(&cleaned, |caps: &Captures| -> Vec<u8> {
            if let Some(m) = caps.name("email") {
                counts.emails += 1;
                let hash = pseudonyms.hash(m.as_bytes());
                return pseudonym(
                    &mut pseudonyms.emails,
                    hash,
                    |n| format!("email-{n:04}@example.invalid"),
                    |h| format!("email-h{:010x}@example.invalid", h & 0xff_ffff_ffff),
                );
            }
            if let Some(m) = caps.name("ip4").or_else(|| caps.name("ip6")) {
                counts.ip_addresses += 1;
                let hash = pseudonyms.hash(m.as_bytes());
                return pseudonym(
                    &mut pseudonyms.ips,
                    hash,
                    |n| format!("ip-{n:04}"),
                    |h| format!("ip-h{:010x}", h & 0xff_ffff_ffff),
                );
            }
            if let Some(field) = Field::of(caps, ["uidkey", "uid", "uidpair", "uidv"]) {
                counts.user_ids += 1;
                return field.with_value(&user_id_pseudonym(pseudonyms, field.value));
            }
            if let Some(field) = Field::of(caps, ["namekey", "name", "namepair", "namev"]) {
                counts.usernames += 1;
                let hash = pseudonyms.hash(field.value);
                return field.with_value(&pseudonym(
                    &mut pseudonyms.names,
                    hash,
                    |n| format!("user-{n:04}"),
                    |h| format!("user-h{:010x}", h & 0xff_ffff_ffff),
                ));
            }
            if let Some(m) = caps.name("id") {
                // Any other 26-character id: replaced only if it is a user id seen before.
                let hash = pseudonyms.hash(m.as_bytes());
                if pseudonyms.user_ids.numbers.contains_key(&hash)
                    || pseudonyms.more_user_ids.contains(&hash)
                {
                    counts.user_ids += 1;
                    return user_id_pseudonym(pseudonyms, m.as_bytes());
                }
                return m.as_bytes().to_vec();
            }
            caps.get(0)
                .map(|m| m.as_bytes().to_vec())
                .unwrap_or_default()
        });
        match replaced {
            Cow::Borrowed(_) => cleaned,
            Cow::Owned(owned) => Cow::Owned(owned),
        }
    }
}

/// A personal value found as a JSON member (`"user_id":"…"`) or a `key=value` pair.
struct Field<'h> {
    /// Everything before the value: the key and its separator.
    keep: &'h [u8],
    value: &'h [u8],
    /// A JSON member: its closing quote was matched too and must be put back.
    quoted: bool,
}

impl<'h> Field<'h> {
    /// `groups`: the JSON member's key and value groups, then the pair's.
    fn of(caps: &Captures<'h>, groups: [&str; 4]) -> Option<Self> {
        let [json_key, json_value, pair_key, pair_value] = groups.map(|g| caps.name(g));
        let (keep, value, quoted) = match (json_key, json_value, pair_key, pair_value) {
            (Some(k), Some(v), _, _) => (k, v, true),
            (_, _, Some(k), Some(v)) => (k, v, false),
            _ => return None,
        };
        Some(Self {
            keep: keep.as_bytes(),
            value: value.as_bytes(),
            quoted,
        })
    }

    /// The match with the value replaced.
    fn with_value(&self, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.keep.len() + value.len() + 1);
        out.extend_from_slice(self.keep);
        out.extend_from_slice(value);
        if self.quoted {
            out.push(b'"');
        }
        out
    }
}

/// A user id's pseudonym keeps the shape of an id (26 lower-case letters and digits).
fn user_id_pseudonym(pseudonyms: &mut Pseudonyms, id: &[u8]) -> Vec<u8> {
    let hash = pseudonyms.hash(id);
    let name = pseudonym(
        &mut pseudonyms.user_ids,
        hash,
        |n| format!("pseudonymuser{n:013}"),
        |h| format!("pseudonymhash{:013x}", h & 0xf_ffff_ffff_ffff),
    );
    if !pseudonyms.user_ids.numbers.contains_key(&hash)
        && pseudonyms.more_user_ids.len() < MORE_USER_IDS
    {
        pseudonyms.more_user_ids.insert(hash);
    }
    name
}

/// Compiles one of this module's patterns: constants, covered by the tests below, so a
/// failure is a bug in this file and never a matter of input.
#[allow(clippy::expect_used)]
fn constant(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a constant pattern compiles")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(scrubber: &mut Scrubber, line: &str) -> String {
        String::from_utf8(scrubber.scrub(line.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn credentials_are_hidden_and_the_rest_kept() {
        let mut s = Scrubber::new(false);
        let cases = [
            (
                r#"{"level":"error","msg":"db","error":"dial postgres://mmuser:canary1@db:5432/mm failed"}"#,
                r#"{"level":"error","msg":"db","error":"dial postgres://****:****@db:5432/mm failed"}"#,
            ),
            (
                r#"{"level":"info","msg":"sending invitation ","to":"ana@example.org","link":"https://chat.example.com/signup_user_complete/?t=canary2canary2canary2&extra=1"}"#,
                r#"{"level":"info","msg":"sending invitation ","to":"ana@example.org","link":"https://chat.example.com/signup_user_complete/?t=****&extra=1"}"#,
            ),
            (
                "Authorization: Bearer canary3abcdefghijkl",
                "Authorization: Bearer ****",
            ),
            (
                r#"{"msg":"x","smtp_password":"canary4","webhookSecret": "canary5","token_type":"team_invitation"}"#,
                r#"{"msg":"x","smtp_password":"****","webhookSecret": "****","token_type":"team_invitation"}"#,
            ),
            (
                "connect password=canary6 host=db",
                "connect password=**** host=db",
            ),
            (
                "mmuser:canary7@tcp(db:3306)/mattermost",
                "****:****@tcp(db:3306)/mattermost",
            ),
            (
                r#"{"msg":"Received HTTP request","url":"/api/v4/posts?page=0&per_page=30"}"#,
                r#"{"msg":"Received HTTP request","url":"/api/v4/posts?page=0&per_page=30"}"#,
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(clean(&mut s, line), expected);
        }
        assert_eq!(s.counts().credentials, 7);
        // Headers logged as JSON arrays, quoted libpq values, and JSON logged as a string
        // with an escaped quote inside the secret.
        let more = [
            (
                r#"{"headers":{"Authorization":["Basic dXNlcjpjYW5hcnk4cGFzcw=="]}}"#,
                r#"{"headers":{"Authorization":["Basic ****"]}}"#,
            ),
            (
                r#"{"headers":{"authorization":["Token canary9abcdefgh"]}}"#,
                r#"{"headers":{"authorization":["Token ****"]}}"#,
            ),
            (
                "dsn host=db password='correct horse canary10' dbname=mm",
                "dsn host=db password=**** dbname=mm",
            ),
            (
                r#"{"payload":"{"password":"ab\"canary11 tail","x":1}"}"#,
                r#"{"payload":"{"password":"****","x":1}"}"#,
            ),
            (
                "Using basic authentication for the proxy",
                "Using basic authentication for the proxy",
            ),
        ];
        for (line, expected) in more {
            assert_eq!(clean(&mut s, line), expected, "{line}");
        }
        assert_eq!(s.counts().emails, 0, "privacy mode is off");
    }

    #[test]
    fn clean_lines_are_not_copied() {
        let mut s = Scrubber::new(false);
        let line = br#"{"level":"debug","msg":"Received HTTP request","user_id":"abc"}"#;
        assert!(matches!(s.scrub(line), Cow::Borrowed(_)));
    }

    #[test]
    fn privacy_mode_gives_each_value_one_pseudonym() {
        let mut s = Scrubber::new(true);
        let uid = "ywjghghwxxea8dgfznz7wrdzdo";
        let a = clean(
            &mut s,
            &format!(
                r#"{{"msg":"login","user_id":"{uid}","username":"ana.lopez","ip_addr":"10.20.7.9","email":"ana@example.org"}}"#
            ),
        );
        assert_eq!(
            a,
            r#"{"msg":"login","user_id":"pseudonymuser0000000000001","username":"user-0001","ip_addr":"ip-0001","email":"email-0001@example.invalid"}"#
        );
        let b = clean(
            &mut s,
            &format!(
                r#"{{"msg":"x","url":"/api/v4/users/{uid}/teams","ip":"10.20.7.9","other":"10.20.7.10","peer":"fe80::1ff:fe23:4567:890a","email":"li@example.org"}}"#
            ),
        );
        assert_eq!(
            b,
            r#"{"msg":"x","url":"/api/v4/users/pseudonymuser0000000000001/teams","ip":"ip-0001","other":"ip-0002","peer":"ip-0003","email":"email-0002@example.invalid"}"#
        );
        // Times, versions and other ids are left alone.
        let c = clean(
            &mut s,
            r#"{"timestamp":"2026-11-22 09:30:00.000 Z","version":"11.4.4","request_id":"kxa4zyzayyysfogi585aw7k89o"}"#,
        );
        assert_eq!(
            c,
            r#"{"timestamp":"2026-11-22 09:30:00.000 Z","version":"11.4.4","request_id":"kxa4zyzayyysfogi585aw7k89o"}"#
        );
        let counts = s.counts();
        assert_eq!(
            (
                counts.user_ids,
                counts.usernames,
                counts.emails,
                counts.ip_addresses
            ),
            (2, 1, 2, 4)
        );
        assert_eq!(
            clean(&mut s, "user_id=ywjghghwxxea8dgfznz7wrdzdo"),
            "user_id=pseudonymuser0000000000001"
        );
    }

    #[test]
    fn past_the_numbered_ones_pseudonyms_are_hashed_and_still_stable() {
        let mut s = Scrubber::new(true);
        for i in 0..NUMBERED {
            clean(&mut s, &format!("from a{i}@example.org"));
        }
        let first = clean(&mut s, "from late@example.org");
        assert!(first.starts_with("from email-h"), "{first}");
        assert!(!first.contains("late@"), "{first}");
        assert_eq!(clean(&mut s, "from late@example.org"), first);
        assert_ne!(clean(&mut s, "from later@example.org"), first);
        assert_eq!(
            clean(&mut s, "from a7@example.org"),
            "from email-0008@example.invalid"
        );
        // A user id seen in a field past the numbered ones: its bare mentions go too.
        for i in 0..NUMBERED {
            clean(&mut s, &format!(r#"{{"user_id":"{:0>26}"}}"#, i));
        }
        let id = "zzzzzzzzzzzzzzzzzzzzzzzzzz";
        let field = clean(&mut s, &format!(r#"{{"user_id":"{id}"}}"#));
        let bare = clean(&mut s, &format!("joined {id}"));
        assert!(!field.contains(id) && !bare.contains(id), "{field} {bare}");
        assert!(
            bare.ends_with(&field[12..field.len() - 2]),
            "{field} {bare}"
        );
    }
}
