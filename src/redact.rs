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
        return format!(
            "{head}{authority}{}",
            mask_options(tail, '&', is_credential_key)
        );
    }
    if let Some(at) = dsn.rfind('@')
        && !dsn[..at].contains(char::is_whitespace)
    {
        // The Go MySQL driver's form: user:password@tcp(host:port)/db?options
        return format!(
            "****:****{}",
            mask_options(&dsn[at..], '&', is_credential_key)
        );
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

/// Masks the values of credential options in `key=value` pairs split by `separator`. The key is
/// what precedes the pair's first `=` (after any `?`, `&`, `;` or space), so a value holding
/// `?` or `=` is masked whole.
fn mask_options(text: &str, separator: char, is_secret: fn(&str) -> bool) -> String {
    text.split(separator)
        .map(|pair| {
            let Some((key_part, _)) = pair.split_once('=') else {
                return pair.to_string();
            };
            let key_start = key_part
                .rfind(['?', '&', ';', ' '])
                .map(|i| i + 1)
                .unwrap_or(0);
            let key = &key_part[key_start..];
            if is_secret(key) {
                format!("{}{key}=****", &pair[..key_start])
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(&separator.to_string())
}

/// Whether any URL in `text` still shows a credential: `scheme://user:password@host` (other
/// than the masked `****:****`), or a secret query option (`password=`, `token=`, `key=`…)
/// with a value other than `****`. A value may hold several URLs (a list of origins).
pub fn has_url_credentials(text: &str) -> bool {
    urls(text).any(|url| {
        url.userinfo
            .is_some_and(|info| text[info.clone()].contains(':') && &text[info] != "****:****")
            || url.query.is_some_and(|query| {
                text[query].split('&').any(|pair| {
                    pair.split_once('=').is_some_and(|(key, value)| {
                        !value.is_empty() && value != "****" && is_url_secret_key(key)
                    })
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
            out.push_str(&mask_options(&text[query.clone()], '&', |key| {
                is_credential_key(key) || is_url_secret_key(key)
            }));
            copied = query.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the parts of one URL that may hold credentials are, as byte ranges of the text.
struct UrlParts {
    /// Between `://` and the `@` before the host.
    userinfo: Option<std::ops::Range<usize>>,
    /// After the first `?` past the host, up to whitespace.
    query: Option<std::ops::Range<usize>>,
}

/// Every URL in `text`, found by its `://`, each ending where the next one's `://` is.
///
/// The user info ends at the authority's last `@`, the authority running to the first `/`, `?`
/// or `#` (spaces included, so that a password with a space in it is still caught). A password
/// with an unencoded `/`, `?` or `#` ends the authority early, so an `@` further on in the same
/// word, with a `:` before it, ends the user info too: a URL with a port and an `@` in its path
/// is masked more than it needs, never less.
fn urls(text: &str) -> impl Iterator<Item = UrlParts> + '_ {
    text.match_indices("://").map(move |(at, _)| {
        let start = at + 3;
        let rest = &text[start..];
        let rest = &rest[..rest.find("://").unwrap_or(rest.len())];
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let userinfo_len = rest[..authority_len].rfind('@').or_else(|| {
            let at = rest[..word_len.max(authority_len)].rfind('@')?;
            rest[..at].contains(':').then_some(at)
        });
        let host_start = userinfo_len.map_or(0, |len| len + 1);
        let tail = &rest[host_start..];
        let tail = &tail[..tail.find(char::is_whitespace).unwrap_or(tail.len())];
        let query = tail.find('?').map(|q| {
            let query_start = start + host_start + q + 1;
            query_start..start + host_start + tail.len()
        });
        UrlParts {
            userinfo: userinfo_len.map(|len| start..start + len),
            query,
        }
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

/// Query options that carry a secret in a URL (`?password=`, `?token=`, `?key=`…).
fn is_url_secret_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "password"
            | "pass"
            | "passwd"
            | "pwd"
            | "sslpassword"
            | "token"
            | "access_token"
            | "auth_token"
            | "secret"
            | "client_secret"
            | "api_key"
            | "apikey"
            | "key"
            | "sig"
            | "signature"
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
        // From review: a `?` or `#` inside a value, a password with an unencoded `#`, other
        // secret options.
        for (text, redacted) in [
            (
                "https://elastic:9200/?password=Xy?9secret",
                "https://elastic:9200/?password=****",
            ),
            (
                "https://a.example https://b.example/?user=u&password=Xy?9",
                "https://a.example https://b.example/?user=****&password=****",
            ),
            ("https://es/?password=ab#cd", "https://es/?password=****"),
            ("https://u:pa#ss@h/x", "https://****:****@h/x"),
            (
                "https://hooks.example.com/x?token=abc&channel=ops",
                "https://hooks.example.com/x?token=****&channel=ops",
            ),
        ] {
            assert!(has_url_credentials(text), "{text}");
            assert_eq!(redact_urls(text), redacted);
            assert!(!has_url_credentials(redacted), "{redacted}");
        }
        assert!(!has_url_credentials("https://chat.example.com https://u@h"));
        assert!(!has_url_credentials("mailto:ops@example.com ://"));
    }
}
