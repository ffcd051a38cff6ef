//! The sanitizer's rules, one by one, and the findings of its fuzzer that stay fixed.

use serde_json::json;

use super::*;

fn paths(sanitized: &Sanitized) -> Vec<(String, Rule)> {
    sanitized
        .redactions
        .iter()
        .map(|r| (r.path.clone(), r.rule))
        .collect()
}

#[test]
fn server_secrets_are_masked_when_set_or_always() {
    let config = json!({
        "LdapSettings": {"BindPassword": "canary-ldap", "BindUsername": "cn=admin"},
        "EmailSettings": {"SMTPPassword": "", "SMTPUsername": "mailer"},
        "FileSettings": {"PublicLinkSalt": "", "AmazonS3SecretAccessKey": "canary-s3", "AmazonS3AccessKeyId": "AKIA123"},
        "ServiceSettings": {"SplitKey": "canary-split", "SiteURL": "https://chat.example.com"},
    });
    let out = sanitize_config(&config, &[]);
    assert_eq!(out.config["LdapSettings"]["BindPassword"], MASK);
    assert_eq!(out.config["LdapSettings"]["BindUsername"], "cn=admin");
    assert_eq!(
        out.config["EmailSettings"]["SMTPPassword"], "",
        "empty and only masked when set"
    );
    assert_eq!(
        out.config["FileSettings"]["PublicLinkSalt"], MASK,
        "always masked"
    );
    assert_eq!(out.config["FileSettings"]["AmazonS3SecretAccessKey"], MASK);
    assert_eq!(out.config["FileSettings"]["AmazonS3AccessKeyId"], "AKIA123");
    assert_eq!(out.config["ServiceSettings"]["SplitKey"], MASK);
    assert_eq!(
        out.config["ServiceSettings"]["SiteURL"],
        "https://chat.example.com"
    );
    assert!(paths(&out).contains(&("LdapSettings.BindPassword".into(), Rule::ServerSecret)));
}

#[test]
fn data_sources_keep_host_and_database() {
    let config = json!({"SqlSettings": {
        "DataSource": "postgres://mmuser:canary-pw@db.internal:5432/mattermost?sslmode=require",
        "DataSourceReplicas": ["postgres://ro:canary-r1@replica1:5432/mattermost", "garbage-canary-r2"],
        "DataSourceSearchReplicas": ["mmuser:canary-mysql@tcp(search:3306)/mm"],
        "ReplicaLagSettings": [{"DataSource": "host=lag user=u password=canary-lag dbname=mm", "QueryAbsoluteLag": "select 1"}],
    }});
    let out = sanitize_config(&config, &[]);
    let sql = &out.config["SqlSettings"];
    assert_eq!(
        sql["DataSource"],
        "postgres://****:****@db.internal:5432/mattermost?sslmode=require"
    );
    assert_eq!(
        sql["DataSourceReplicas"][0],
        "postgres://****:****@replica1:5432/mattermost"
    );
    assert_eq!(
        sql["DataSourceReplicas"][1], MASK,
        "unparseable: masked whole"
    );
    assert_eq!(
        sql["DataSourceSearchReplicas"][0],
        "****:****@tcp(search:3306)/mm"
    );
    assert_eq!(
        sql["ReplicaLagSettings"][0]["DataSource"],
        "host=lag user=**** password=**** dbname=mm"
    );
    assert_eq!(sql["ReplicaLagSettings"][0]["QueryAbsoluteLag"], "select 1");
    let text = out.config.to_string();
    assert!(!text.contains("canary"), "{text}");
    assert!(paths(&out).contains(&("SqlSettings.DataSourceReplicas[1]".into(), Rule::DataSource)));
}

#[test]
fn already_masked_values_stay_masked() {
    let config = json!({"SqlSettings": {"DataSource": MASK}, "Custom": {"Anything": MASK}});
    let out = sanitize_config(&config, &[]);
    assert_eq!(out.config["SqlSettings"]["DataSource"], MASK);
    assert_eq!(out.config["Custom"]["Anything"], MASK);
}

#[test]
fn plugin_secrets_at_top_level_and_in_sections() {
    let manifest = json!({
        "id": "com.example.jira",
        "settings_schema": {
            "settings": [{"key": "Secret", "type": "text", "secret": true}, {"key": "JiraURL", "type": "text"}],
            "sections": [{"key": "oauth", "settings": [{"key": "ClientSecret", "type": "text", "secret": true}, {"key": "ClientID", "type": "text"}]}]
        }
    });
    let config = json!({"PluginSettings": {"Plugins": {
        "com.example.jira": {"secret": "canary-top", "jiraurl": "https://jira.example.com", "clientsecret": 4242, "clientid": "abc"},
        "com.example.unknown": {"anything": "canary-unknown", "count": 3, "on": true},
    }}});
    let out = sanitize_config(&config, &[manifest]);
    let plugins = &out.config["PluginSettings"]["Plugins"];
    assert_eq!(plugins["com.example.jira"]["secret"], MASK);
    assert_eq!(plugins["com.example.jira"]["clientsecret"], MASK);
    assert_eq!(
        plugins["com.example.jira"]["jiraurl"],
        "https://jira.example.com"
    );
    assert_eq!(plugins["com.example.jira"]["clientid"], "abc");
    assert_eq!(plugins["com.example.unknown"]["anything"], MASK);
    assert_eq!(plugins["com.example.unknown"]["count"], MASK);
    assert!(!out.config.to_string().contains("canary"));
    assert!(!out.config.to_string().contains("4242"), "a numeric secret");
    assert!(paths(&out).contains(&(
        "PluginSettings.Plugins.com.example.jira.clientsecret".into(),
        Rule::PluginSecret
    )));
}

#[test]
fn keys_that_look_secret() {
    for key in [
        "SMTPPassword",
        "ClientSecret",
        "RedisPassword",
        "SigningKey",
        "AccessToken",
        "webhooksecret",
        "encryptionkey",
        "api_token",
        "BotPasswordHash",
        "PrivateKeyPassphrase",
        "Credentials",
        "HashSalt",
    ] {
        assert!(looks_secret(key), "{key}");
    }
    for key in [
        "TokenEndpoint",
        "TLSKeyFile",
        "PrivateKeyFile",
        "AmazonS3AccessKeyId",
        "KeyboardShortcuts",
        "EnableUserAccessTokens",
        "SiteURL",
        "MaxTokens",
    ] {
        assert!(!looks_secret(key), "{key}");
    }
    let config = json!({"NewSettings": {"WebhookSecret": "canary-new", "TokenEndpoint": "https://x/token", "Empty": ""}});
    let out = sanitize_config(&config, &[]);
    assert_eq!(out.config["NewSettings"]["WebhookSecret"], MASK);
    assert_eq!(
        out.config["NewSettings"]["TokenEndpoint"],
        "https://x/token"
    );
}

#[test]
fn credentials_inside_urls() {
    let config = json!({"ElasticsearchSettings": {"ConnectionURL": "https://elastic:canary-es@es.internal:9200/", "Username": "elastic"}});
    let out = sanitize_config(&config, &[]);
    assert_eq!(
        out.config["ElasticsearchSettings"]["ConnectionURL"],
        "https://****:****@es.internal:9200/"
    );
    assert!(paths(&out).contains(&(
        "ElasticsearchSettings.ConnectionURL".into(),
        Rule::UrlCredentials
    )));
}

#[test]
fn a_password_in_any_url_of_a_list_is_masked() {
    let config = json!({"ServiceSettings": {"AllowCorsFrom": "https://chat.example.com https://admin:hunter2@proxy.example.com"}});
    let out = sanitize_config(&config, &[]);
    assert_eq!(
        out.config["ServiceSettings"]["AllowCorsFrom"],
        "https://chat.example.com https://****:****@proxy.example.com"
    );
    assert_eq!(
        paths(&out),
        [("ServiceSettings.AllowCorsFrom".into(), Rule::UrlCredentials)]
    );
}

#[test]
fn a_key_that_looks_like_an_index_is_still_a_key() {
    let config = json!({"LdapSettings": {"[BindPassword]": "hunter2"}, "List": [{"Token": "t"}]});
    let out = sanitize_config(&config, &[]);
    assert_eq!(out.config["LdapSettings"]["[BindPassword]"], MASK);
    assert_eq!(
        paths(&out),
        [
            ("LdapSettings.[BindPassword]".into(), Rule::LooksSecret),
            ("List[0].Token".into(), Rule::LooksSecret)
        ]
    );
}

#[test]
fn a_data_source_holding_two_urls_is_masked_whole() {
    // Found by the fuzzer: the connection string reader redacts the first URL only.
    let text = "postgres://mmuser:pw@db:5432/mm?sslmode=require://mmuser:pw@db:5432/mm";
    let config = json!({"SqlSettings": {"DataSource": text}});
    let out = sanitize_config(&config, &[]);
    assert_eq!(out.config["SqlSettings"]["DataSource"], MASK);
    assert_eq!(
        paths(&out),
        [("SqlSettings.DataSource".into(), Rule::DataSource)]
    );
}

/// The fuzzer's reproducers for this sanitizer (fuzz/regressions) stay fixed in the plain
/// test suite too: no string of the output shows a URL credential or the planted canary.
#[test]
fn the_fuzzers_config_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut checked = 0;
    for target in ["sanitize_config"] {
        for file in std::fs::read_dir(dir.join(target)).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            let config = bytes.split(|b| *b == 0).next().unwrap();
            let Ok(config) = serde_json::from_slice::<Value>(config) else {
                continue;
            };
            let out = sanitize_config(&config, &[]);
            let mut strings = vec![&out.config];
            while let Some(value) = strings.pop() {
                match value {
                    Value::String(text) => {
                        assert!(!has_url_credentials(text), "{text}");
                        assert!(!text.contains("hunter2"), "{text}");
                    }
                    Value::Array(items) => strings.extend(items),
                    Value::Object(map) => strings.extend(map.values()),
                    _ => {}
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}

#[test]
fn a_data_source_is_judged_without_its_surrounding_spaces() {
    // Trimmed, `x ` would have looked redacted and been shown as `x`.
    for (text, rule) in [
        ("garbage-with-canary ", Rule::DataSource),
        (
            "  host=db user=mm password=pw ",
            Rule::DataSourceCredentials,
        ),
    ] {
        let config = json!({"SqlSettings": {"DataSource": text}});
        let out = sanitize_config(&config, &[]);
        assert_eq!(paths(&out), [("SqlSettings.DataSource".into(), rule)]);
        let shown = out.config["SqlSettings"]["DataSource"]
            .as_str()
            .unwrap_or("");
        assert!(
            !shown.contains("canary") && !shown.contains("pw"),
            "{shown}"
        );
    }
}

#[test]
fn words_split_like_go_names() {
    assert_eq!(
        words("AmazonS3SecretAccessKey"),
        ["amazon", "s3", "secret", "access", "key"]
    );
    assert_eq!(words("SMTPPassword"), ["smtp", "password"]);
    assert_eq!(words("client_secret"), ["client", "secret"]);
    assert_eq!(words("TLSKeyFile"), ["tls", "key", "file"]);
}

/// Found by the fuzzer: a document that is itself a string (or an array at the top) has no key
/// above its values, and their URLs kept their passwords.
#[test]
fn a_url_with_no_key_above_it_is_redacted() {
    for config in [
        json!("x postgres://mmuser:pw@db.in!ernal:5432/mattermost"),
        json!(["https://admin:hunter2@example.com/"]),
    ] {
        let out = sanitize_config(&config, &[]);
        let text = out.config.to_string();
        assert!(
            !text.contains(":pw@") && !text.contains("hunter2"),
            "{text}"
        );
        assert_eq!(out.redactions.len(), 1, "{:?}", out.redactions);
    }
}
