//! Hiding secrets in values that are shown or written: the server's mask, and credentials in
//! database connection strings. The config sanitizer builds on these.

/// The server's stand-in for a secret value: 32 asterisks (`model.FakeSetting`).
pub const MASK: &str = "********************************";

/// A database connection string with its user and password hidden, keeping host, port,
/// database and options readable:
/// `postgres://mmuser:pw@db:5432/mm?sslmode=require` → `postgres://****:****@db:5432/mm?sslmode=require`,
/// `mmuser:pw@tcp(db:3306)/mm` → `****:****@tcp(db:3306)/mm`,
/// `host=db user=mm password=pw` → `host=db user=**** password=****`.
/// A `password=` option in a URL's query is masked too.
pub fn redact_dsn(dsn: &str) -> String {
    let dsn = dsn.trim();
    if let Some(scheme_end) = dsn.find("://") {
        let (head, rest) = dsn.split_at(scheme_end + 3);
        let (authority_end, tail) = match rest.find(['/', '?']) {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        let authority = match authority_end.rfind('@') {
            Some(at) => format!("****:****{}", &authority_end[at..]),
            None => authority_end.to_string(),
        };
        return format!("{head}{authority}{}", mask_options(tail, '&'));
    }
    if let Some(at) = dsn.rfind('@')
        && !dsn[..at].contains(char::is_whitespace)
    {
        // The Go MySQL driver's form: user:password@tcp(host:port)/db?options
        return format!("****:****{}", mask_options(&dsn[at..], '&'));
    }
    mask_keyword_options(dsn)
}

/// libpq's `key=value` form, where a value may be single-quoted with backslash escapes
/// (`password='correct horse'`): credential values are masked whole, quotes and all.
fn mask_keyword_options(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let spaces = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
        if rest.is_empty() {
            break;
        }
        // libpq allows spaces around the `=`.
        let word_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let after_word = &rest[word_end..];
        let (key, after_key) = match after_word.trim_start().strip_prefix('=') {
            Some(after) => (&rest[..rest.len() - after.len() - 1], after),
            // A word without a value: keep it as it is.
            None => {
                out.push_str(&rest[..word_end]);
                rest = after_word;
                continue;
            }
        };
        let value_len = value_length(after_key.trim_start());
        let skipped = after_key.len() - after_key.trim_start().len();
        let value = &after_key[..skipped + value_len];
        out.push_str(key);
        out.push('=');
        if is_credential_key(key.trim()) {
            out.push_str("****");
        } else {
            out.push_str(value);
        }
        rest = &after_key[skipped + value_len..];
    }
    out
}

/// The length of a keyword value: up to the next space, or a whole quoted string.
fn value_length(text: &str) -> usize {
    if !text.starts_with('\'') {
        // libpq separates pairs with any whitespace: tabs and newlines too.
        return text.find(char::is_whitespace).unwrap_or(text.len());
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => return i + 1,
            _ => {}
        }
    }
    // An unterminated quote runs to the end.
    text.len()
}

/// Masks the values of credential options in `key=value` pairs split by `separator`.
fn mask_options(text: &str, separator: char) -> String {
    text.split(separator)
        .map(|pair| {
            let key_start = pair.rfind(['?', '&', ' ']).map(|i| i + 1).unwrap_or(0);
            match pair[key_start..].split_once('=') {
                Some((key, _)) if is_credential_key(key) => {
                    format!("{}{key}=****", &pair[..key_start])
                }
                _ => pair.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(&separator.to_string())
}

/// Whether any URL in `text` carries a password: `scheme://user:password@host`, or a
/// `password=` option in its query. A value may hold several URLs (a list of origins).
pub fn has_url_credentials(text: &str) -> bool {
    urls(text).any(|url| {
        url.userinfo.is_some_and(|info| text[info].contains(':'))
            || url.query.is_some_and(|query| {
                text[query].split('&').any(|pair| {
                    pair.split_once('=')
                        .is_some_and(|(key, value)| !value.is_empty() && is_password_key(key))
                })
            })
    })
}

/// `text` with the user info and the credential query options of every URL in it masked:
/// `https://a.example https://u:p@b.example` → `https://a.example https://****:****@b.example`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for url in urls(text) {
        if let Some(info) = url.userinfo {
            out.push_str(&text[copied..info.start]);
            out.push_str("****:****");
            copied = info.end;
        }
        if let Some(query) = url.query {
            out.push_str(&text[copied..query.start]);
            out.push_str(&mask_options(&text[query.clone()], '&'));
            copied = query.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the parts of one URL that may hold credentials are, as byte ranges of the text.
struct UrlParts {
    /// Between `://` and the authority's last `@`.
    userinfo: Option<std::ops::Range<usize>>,
    /// After `?`, up to a `#` or whitespace.
    query: Option<std::ops::Range<usize>>,
}

/// Every URL in `text`, found by its `://`, each ending where the next one's `://` is. The
/// authority runs to the first `/`, `?` or `#` (spaces included, so that a password with a
/// space in it is still caught); the path and query end at whitespace too.
fn urls(text: &str) -> impl Iterator<Item = UrlParts> + '_ {
    text.match_indices("://").map(move |(at, _)| {
        let start = at + 3;
        let rest = &text[start..];
        let rest = &rest[..rest.find("://").unwrap_or(rest.len())];
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let userinfo = rest[..authority_len]
            .rfind('@')
            .map(|end| start..start + end);
        let after_authority = &rest[authority_len..];
        // The path runs to the query; neither crosses whitespace or the next URL.
        let path_len = after_authority
            .find(|c: char| c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after_authority.len());
        let query = after_authority[path_len..].strip_prefix('?').map(|query| {
            let query_start = start + authority_len + path_len + 1;
            let len = query
                .find(|c: char| c == '#' || c.is_whitespace())
                .unwrap_or(query.len());
            query_start..query_start + len
        });
        UrlParts { userinfo, query }
    })
}

/// Whether a redacted keyword DSN still shows a credential value (a form the parser did not
/// understand): then it must be masked whole.
pub fn shows_credentials(redacted: &str) -> bool {
    let lower = redacted.to_ascii_lowercase();
    ["password", "pass", "pwd", "user", "username", "sslpassword"]
        .iter()
        .any(|key| {
            lower.match_indices(key).any(|(at, _)| {
                let before_ok = at == 0
                    || !lower.as_bytes()[at - 1].is_ascii_alphanumeric()
                        && lower.as_bytes()[at - 1] != b'_';
                let after = lower[at + key.len()..].trim_start();
                before_ok
                    && after
                        .strip_prefix('=')
                        .is_some_and(|v| !v.trim_start().starts_with("****"))
            })
        })
}

fn is_password_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "password" | "pass" | "pwd" | "sslpassword"
    )
}

fn is_credential_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(
        key.as_str(),
        "password" | "pass" | "pwd" | "user" | "username" | "sslpassword"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_dsns_keep_host_and_database() {
        assert_eq!(
            redact_dsn(
                "postgres://mmuser:s3cr@t@db.internal:5432/mattermost?sslmode=require&connect_timeout=10"
            ),
            "postgres://****:****@db.internal:5432/mattermost?sslmode=require&connect_timeout=10"
        );
        assert_eq!(
            redact_dsn("postgres://mm@db/mm?password=hunter2&sslmode=disable"),
            "postgres://****:****@db/mm?password=****&sslmode=disable"
        );
        assert_eq!(redact_dsn("postgres://db/mm"), "postgres://db/mm");
    }

    #[test]
    fn mysql_and_keyword_dsns() {
        assert_eq!(
            redact_dsn("mmuser:mostest@tcp(localhost:3306)/mattermost_test?charset=utf8mb4"),
            "****:****@tcp(localhost:3306)/mattermost_test?charset=utf8mb4"
        );
        assert_eq!(
            redact_dsn("host=db port=5432 user=mm password=secret dbname=mm"),
            "host=db port=5432 user=**** password=**** dbname=mm"
        );
    }

    #[test]
    fn quoted_keyword_values_are_masked_whole() {
        assert_eq!(
            redact_dsn(r"host=db user='mm user' password='correct horse \' battery' dbname=mm"),
            "host=db user=**** password=**** dbname=mm"
        );
        assert_eq!(
            redact_dsn("host=db password = 'open quote runs on dbname=mm"),
            "host=db password =****"
        );
        assert_eq!(
            redact_dsn("host=db  sslmode=require"),
            "host=db  sslmode=require"
        );
        assert_eq!(
            redact_dsn("host=db\tuser=mm\npassword=CANARY dbname=mm"),
            "host=db\tuser=****\npassword=**** dbname=mm"
        );
    }

    #[test]
    fn every_url_in_a_value_loses_its_credentials() {
        let list = "https://chat.example.com https://admin:hunter2@proxy.example.com";
        assert!(has_url_credentials(list));
        assert_eq!(
            redact_urls(list),
            "https://chat.example.com https://****:****@proxy.example.com"
        );
        assert_eq!(
            redact_urls("see https://a:b@one/x?pwd=c&sslmode=on, then ftp://d@two#frag"),
            "see https://****:****@one/x?pwd=****&sslmode=on, then ftp://****:****@two#frag"
        );
        // A URL inside another one's query is a URL of its own.
        assert_eq!(
            redact_urls("https://h/?next=https://u:p@e/"),
            "https://h/?next=https://****:****@e/"
        );
        assert!(has_url_credentials("https://es:9200/?password=x"));
        assert!(!has_url_credentials("https://chat.example.com https://u@h"));
        assert!(!has_url_credentials("mailto:ops@example.com ://"));
    }
}
