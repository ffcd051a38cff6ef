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
        && !dsn[..at].contains(' ')
    {
        // The Go MySQL driver's form: user:password@tcp(host:port)/db?options
        return format!("****:****{}", mask_options(&dsn[at..], '&'));
    }
    mask_options(dsn, ' ')
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
}
