//! Settings and host facts that expose the server or its users.

use super::{flag_is, flag_is_while, items, shown};
use crate::doctor::facts::SaltState;
use crate::doctor::rule::{Category::Security, Evidence, FactKind, Fix, Outcome, Rule, Severity};

const CONFIG: &[FactKind] = &[FactKind::Config];
const HOST: &[FactKind] = &[FactKind::Host];

pub const RULES: &[Rule] = &[
    Rule {
        id: "developer-mode",
        title: "Developer mode is on",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "Developer mode shows JavaScript errors to every user and loosens checks meant for production.",
        fix: Fix {
            console: "Environment > Developer > Enable Developer Mode: false",
            command: "mmctl config set ServiceSettings.EnableDeveloper false",
        },
        advice: "Mattermost docs: configuration settings (developer)",
        check: |f| flag_is(f, "ServiceSettings.EnableDeveloper", true),
    },
    Rule {
        id: "testing-mode",
        title: "Testing commands are on",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "/test commands let any user load test accounts, channels and posts into production.",
        fix: Fix {
            console: "Environment > Developer > Enable Testing Commands: false",
            command: "mmctl config set ServiceSettings.EnableTesting false",
        },
        advice: "Mattermost docs: configuration settings (developer)",
        check: |f| flag_is(f, "ServiceSettings.EnableTesting", true),
    },
    Rule {
        id: "insecure-outgoing-connections",
        title: "Outgoing TLS connections are not verified",
        severity: Severity::Critical,
        category: Security,
        reads: CONFIG,
        why: "Webhooks, link previews, OAuth and plugins accept any certificate: a man in the middle can read and change what the server fetches and sends.",
        fix: Fix {
            console: "Environment > Web Server > Enable Insecure Outgoing Connections: false",
            command: "mmctl config set ServiceSettings.EnableInsecureOutgoingConnections false",
        },
        advice: "Mattermost docs: configuration settings (web server)",
        check: |f| flag_is(f, "ServiceSettings.EnableInsecureOutgoingConnections", true),
    },
    Rule {
        id: "smtp-certificate-not-verified",
        title: "The SMTP server's certificate is not verified",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "Mail (password resets, invitations, notifications) goes to whoever answers on the SMTP address.",
        fix: Fix {
            console: "Environment > SMTP > Skip Server Certificate Verification: false",
            command: "mmctl config set EmailSettings.SkipServerCertificateVerification false",
        },
        advice: "Mattermost docs: configuration settings (SMTP)",
        check: |f| flag_is(f, "EmailSettings.SkipServerCertificateVerification", true),
    },
    Rule {
        id: "ldap-certificate-not-verified",
        title: "The LDAP server's certificate is not verified",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "Logins and the bind password go to whoever answers on the LDAP address.",
        fix: Fix {
            console: "Authentication > AD/LDAP > Skip Certificate Verification: false",
            command: "mmctl config set LdapSettings.SkipCertificateVerification false",
        },
        advice: "Mattermost docs: AD/LDAP configuration settings",
        check: |f| {
            flag_is_while(
                f,
                "LdapSettings.Enable",
                "LdapSettings.SkipCertificateVerification",
                true,
            )
        },
    },
    Rule {
        id: "cors-any-origin",
        title: "Cross-origin requests are allowed from any site",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "With AllowCorsFrom set to *, any web page a user visits can call the API with their session.",
        fix: Fix {
            console: "Integrations > CORS > Enable cross-origin requests from: the sites that need it",
            command: "mmctl config set ServiceSettings.AllowCorsFrom \"https://app.example.com\"",
        },
        advice: "Mattermost docs: configuration settings (CORS)",
        check: |f| {
            let origins = f.text("ServiceSettings.AllowCorsFrom")?;
            Ok(Outcome::when(
                origins.split_whitespace().any(|o| o == "*"),
                || vec![shown(f, "ServiceSettings.AllowCorsFrom")],
            ))
        },
    },
    Rule {
        id: "open-signup-any-domain",
        title: "Anyone can sign up, from any email domain",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "An open server with no domain restriction lets anyone on the internet create an account and join open teams.",
        fix: Fix {
            console: "Authentication > Signup > Restrict new system and team members to specified email domains",
            command: "mmctl config set TeamSettings.RestrictCreationToDomains \"example.com\"",
        },
        advice: "Mattermost docs: authentication configuration settings (signup)",
        check: |f| {
            let open = f.flag_or("TeamSettings.EnableOpenServer", false)?
                && f.flag_or("TeamSettings.EnableUserCreation", true)?;
            let domains = f.text("TeamSettings.RestrictCreationToDomains")?;
            Ok(Outcome::when(open && domains.is_empty(), || {
                vec![
                    Evidence::setting("TeamSettings.EnableOpenServer", true),
                    Evidence::setting("TeamSettings.RestrictCreationToDomains", "(empty)"),
                ]
            }))
        },
    },
    Rule {
        id: "mfa-not-enforced",
        title: "Multi-factor authentication is offered but not required",
        severity: Severity::Info,
        category: Security,
        reads: CONFIG,
        why: "Users may set up MFA, but accounts without it are one leaked password from compromise.",
        fix: Fix {
            console: "Authentication > MFA > Enforce Multi-factor Authentication: true",
            command: "mmctl config set ServiceSettings.EnforceMultifactorAuthentication true",
        },
        advice: "Mattermost docs: multi-factor authentication",
        check: |f| {
            flag_is_while(
                f,
                "ServiceSettings.EnableMultifactorAuthentication",
                "ServiceSettings.EnforceMultifactorAuthentication",
                false,
            )
        },
    },
    Rule {
        id: "weak-password-rules",
        title: "Passwords may be shorter than 8 characters",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "Short passwords fall to guessing; NIST asks for at least 8 characters.",
        fix: Fix {
            console: "Authentication > Password > Minimum Password Length: 8 or more",
            command: "mmctl config set PasswordSettings.MinimumLength 10",
        },
        advice: "NIST SP 800-63B; Mattermost docs: password settings",
        check: |f| {
            let length = f.number("PasswordSettings.MinimumLength")?;
            Ok(Outcome::when(length < 8, || {
                vec![Evidence::setting("PasswordSettings.MinimumLength", length)]
            }))
        },
    },
    Rule {
        id: "rate-limiter-off",
        title: "The API rate limiter is off",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "Without it one client (a script, a runaway integration, an attacker guessing passwords) can take the whole server's capacity.",
        fix: Fix {
            console: "Environment > Rate Limiting > Enable Rate Limiting: true",
            command: "mmctl config set RateLimitSettings.Enable true",
        },
        advice: "Mattermost docs: rate limiting configuration settings",
        check: |f| flag_is(f, "RateLimitSettings.Enable", false),
    },
    Rule {
        id: "public-link-salt-published",
        title: "Public links are signed with a published salt",
        severity: Severity::Critical,
        category: Security,
        reads: CONFIG,
        why: "The salt signs public file links. This one is in Mattermost's published sample configs, so anyone can forge a link to any file.",
        fix: Fix {
            console: "Site Configuration > Public Links > Public Link Salt: Regenerate",
            command: "mmctl config set FileSettings.PublicLinkSalt \"$(openssl rand -hex 16)\"",
        },
        advice: "Mattermost docs: file storage settings (public link salt)",
        check: |f| {
            let config = f.config()?;
            if !f.flag_or("FileSettings.EnablePublicLink", false)? {
                return Ok(Outcome::Pass);
            }
            Ok(match config.public_link_salt {
                SaltState::Published => Outcome::Fire(vec![Evidence::fact(
                    "FileSettings.PublicLinkSalt",
                    "a value from Mattermost's sample configs (not shown)",
                )]),
                SaltState::Empty => {
                    Outcome::Fire(vec![Evidence::fact("FileSettings.PublicLinkSalt", "empty")])
                }
                SaltState::Own => Outcome::Pass,
                SaltState::Unknown => {
                    return Err(crate::doctor::rule::Missing {
                        fact: FactKind::Config,
                        reason: "the salt was masked before mmops read it".into(),
                    });
                }
            })
        },
    },
    Rule {
        id: "untrusted-internal-connections-broad",
        title: "Integrations may reach whole private networks",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "AllowedUntrustedInternalConnections lets webhooks, link previews and plugins reach internal addresses; a whole private range opens every internal service to anyone who can post a link.",
        fix: Fix {
            console: "Environment > Developer > Allow untrusted internal connections to: only the hosts that need it",
            command: "mmctl config set ServiceSettings.AllowedUntrustedInternalConnections \"jira.internal\"",
        },
        advice: "Mattermost docs: configuration settings (untrusted internal connections)",
        check: |f| {
            let value = f.setting_or(
                "ServiceSettings.AllowedUntrustedInternalConnections",
                &serde_json::Value::Null,
            )?;
            let broad: Vec<String> = items(value)
                .into_iter()
                .filter(|i| is_broad_range(i))
                .collect();
            Ok(Outcome::when(!broad.is_empty(), || {
                vec![Evidence::setting(
                    "ServiceSettings.AllowedUntrustedInternalConnections",
                    broad.join(" "),
                )]
            }))
        },
    },
    Rule {
        id: "security-alerts-off",
        title: "Security alerts are off",
        severity: Severity::Warning,
        category: Security,
        reads: CONFIG,
        why: "The server no longer tells its admins about security fixes for its version.",
        fix: Fix {
            console: "Environment > SMTP > Enable Security Alerts: true",
            command: "mmctl config set ServiceSettings.EnableSecurityFixAlert true",
        },
        advice: "Mattermost telemetry page (security update check)",
        check: |f| flag_is(f, "ServiceSettings.EnableSecurityFixAlert", false),
    },
    Rule {
        id: "local-mode-on",
        title: "Local mode is on",
        severity: Severity::Info,
        category: Security,
        reads: CONFIG,
        why: "Anyone who can write to the local-mode socket on the host is a system admin without a password. Keep it on only while it is used, and the socket's directory closed.",
        fix: Fix {
            console: "(config.json only) ServiceSettings.EnableLocalMode: false",
            command: "mmctl config set ServiceSettings.EnableLocalMode false",
        },
        advice: "Mattermost docs: mmctl local mode",
        check: |f| flag_is(f, "ServiceSettings.EnableLocalMode", true),
    },
    Rule {
        id: "runs-as-root",
        title: "The server runs as root",
        severity: Severity::Warning,
        category: Security,
        reads: HOST,
        why: "A flaw in the server or a plugin would own the whole host. Mattermost runs as its own user.",
        fix: Fix {
            console: "(host) run the service as the mattermost user",
            command: "systemctl edit mattermost: [Service] User=mattermost Group=mattermost",
        },
        advice: "Mattermost docs: installing on Linux",
        check: |f| {
            let process = f
                .host()?
                .process
                .as_ref()
                .map_err(|why| missing_host(why))?;
            Ok(Outcome::when(process.uid == 0, || {
                vec![Evidence::fact(
                    "mattermost process",
                    format!("pid {} runs as uid 0", process.pid),
                )]
            }))
        },
    },
    Rule {
        id: "config-readable-by-others",
        title: "config.json can be read by every user of the host",
        severity: Severity::Critical,
        category: Security,
        reads: HOST,
        why: "config.json holds the database password, the SMTP password and the signing salts.",
        fix: Fix {
            console: "(host) chmod 600 config/config.json",
            command: "chmod 600 /opt/mattermost/config/config.json",
        },
        advice: "Mattermost docs: installing on Linux (file permissions)",
        check: |f| {
            let file = f
                .host()?
                .config_file
                .as_ref()
                .map_err(|why| missing_host(why))?;
            Ok(Outcome::when(file.others_can_read(), || {
                vec![Evidence::File {
                    path: file.path.display().to_string(),
                    detail: format!("mode {:o}", file.mode),
                }]
            }))
        },
    },
    Rule {
        id: "plugin-uploads-on",
        title: "Plugins can be uploaded",
        severity: Severity::Info,
        category: Security,
        reads: CONFIG,
        why: "An uploaded plugin runs code inside the server. Turn uploads on only to install one.",
        fix: Fix {
            console: "Plugins > Plugin Management > Enable Plugin Uploads: false",
            command: "mmctl config set PluginSettings.EnableUploads false",
        },
        advice: "Mattermost docs: plugin settings",
        check: |f| flag_is(f, "PluginSettings.EnableUploads", true),
    },
    Rule {
        id: "push-contents-not-id-only",
        title: "Push notifications carry more than an id",
        severity: Severity::Info,
        category: Security,
        reads: CONFIG,
        why: "Full contents put message text, generic contents the sender and channel names, through Apple's and Google's push services and on locked screens; id-only contents fetch them from the server once the app has the notification.",
        fix: Fix {
            console: "Site Configuration > Notifications > Push Notification Contents: Full message content fetched from the server on receipt",
            command: "mmctl config set EmailSettings.PushNotificationContents id_loaded",
        },
        advice: "mmhealth; Mattermost docs: push notification contents",
        check: |f| {
            if !f.flag_or("EmailSettings.SendPushNotifications", false)? {
                return Ok(Outcome::Pass);
            }
            let contents = f.text("EmailSettings.PushNotificationContents")?;
            Ok(Outcome::when(
                !contents.is_empty() && contents != "id_loaded",
                || {
                    vec![Evidence::setting(
                        "EmailSettings.PushNotificationContents",
                        contents.clone(),
                    )]
                },
            ))
        },
    },
];

fn missing_host(why: &str) -> crate::doctor::rule::Missing {
    crate::doctor::rule::Missing {
        fact: FactKind::Host,
        reason: why.to_string(),
    }
}

/// A CIDR range of a private network as a whole or wider (`10.0.0.0/8`, `0.0.0.0/0`,
/// `192.168.0.0/16`), as opposed to one host or a small subnet.
fn is_broad_range(item: &str) -> bool {
    let Some((_, bits)) = item.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u32>() else {
        return false;
    };
    if item.contains(':') {
        bits <= 48
    } else {
        bits <= 16
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doctor::rules::testing::{fires, healthy, quiet, set};

    #[test]
    fn each_setting_rule_fires_on_its_setting() {
        for (id, path, bad) in [
            (
                "developer-mode",
                "ServiceSettings.EnableDeveloper",
                json!(true),
            ),
            ("testing-mode", "ServiceSettings.EnableTesting", json!(true)),
            (
                "insecure-outgoing-connections",
                "ServiceSettings.EnableInsecureOutgoingConnections",
                json!(true),
            ),
            (
                "smtp-certificate-not-verified",
                "EmailSettings.SkipServerCertificateVerification",
                json!(true),
            ),
            (
                "cors-any-origin",
                "ServiceSettings.AllowCorsFrom",
                json!("https://a.example *"),
            ),
            (
                "weak-password-rules",
                "PasswordSettings.MinimumLength",
                json!(5),
            ),
            ("rate-limiter-off", "RateLimitSettings.Enable", json!(false)),
            (
                "untrusted-internal-connections-broad",
                "ServiceSettings.AllowedUntrustedInternalConnections",
                json!("jira.internal 10.0.0.0/8"),
            ),
            (
                "security-alerts-off",
                "ServiceSettings.EnableSecurityFixAlert",
                json!(false),
            ),
            (
                "local-mode-on",
                "ServiceSettings.EnableLocalMode",
                json!(true),
            ),
            (
                "plugin-uploads-on",
                "PluginSettings.EnableUploads",
                json!(true),
            ),
            (
                "mfa-not-enforced",
                "ServiceSettings.EnforceMultifactorAuthentication",
                json!(false),
            ),
        ] {
            let facts = set(healthy(), path, bad);
            let evidence = fires(id, &facts);
            assert!(
                evidence.iter().any(|e| e.summary().contains(path)),
                "{id}: {evidence:?}"
            );
        }
    }

    #[test]
    fn ldap_certificates_matter_only_with_ldap_on() {
        let facts = set(
            healthy(),
            "LdapSettings.SkipCertificateVerification",
            json!(true),
        );
        quiet("ldap-certificate-not-verified", &facts);
        let facts = set(facts, "LdapSettings.Enable", json!(true));
        fires("ldap-certificate-not-verified", &facts);
    }

    #[test]
    fn open_signup_needs_no_domain_restriction_to_fire() {
        let facts = set(healthy(), "TeamSettings.EnableOpenServer", json!(true));
        quiet("open-signup-any-domain", &facts);
        let facts = set(facts, "TeamSettings.RestrictCreationToDomains", json!(""));
        fires("open-signup-any-domain", &facts);
    }

    #[test]
    fn a_published_salt_fires_only_with_public_links_on() {
        let mut facts = healthy();
        if let crate::doctor::facts::Fact::Known(config) = &mut facts.config {
            config.public_link_salt = SaltState::Published;
        }
        let facts = set(facts, "FileSettings.EnablePublicLink", json!(false));
        quiet("public-link-salt-published", &facts);
        let facts = set(facts, "FileSettings.EnablePublicLink", json!(true));
        let evidence = fires("public-link-salt-published", &facts);
        assert!(evidence[0].summary().contains("not shown"));
    }

    #[test]
    fn host_rules_read_the_process_and_the_file_mode() {
        let mut facts = healthy();
        if let crate::doctor::facts::Fact::Known(host) = &mut facts.host {
            host.process = Ok(crate::doctor::host::Process { pid: 7, uid: 0 });
            if let Ok(file) = &mut host.config_file {
                file.mode = 0o644;
            }
        }
        fires("runs-as-root", &facts);
        let evidence = fires("config-readable-by-others", &facts);
        assert!(evidence[0].summary().contains("mode 644"));
    }

    #[test]
    fn broad_ranges_are_told_from_hosts() {
        assert!(is_broad_range("10.0.0.0/8") && is_broad_range("0.0.0.0/0"));
        assert!(!is_broad_range("10.1.2.0/24") && !is_broad_range("jira.internal"));
        assert!(is_broad_range("fd00::/8") && !is_broad_range("fd00::1/128"));
    }
    #[test]
    fn full_push_contents_fire_only_with_push_on() {
        let facts = set(
            healthy(),
            "EmailSettings.PushNotificationContents",
            json!("full"),
        );
        fires("push-contents-not-id-only", &facts);
        let facts = set(facts, "EmailSettings.SendPushNotifications", json!(false));
        quiet("push-contents-not-id-only", &facts);
    }
}
