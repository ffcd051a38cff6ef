//! The demo server's responses against Mattermost's own OpenAPI schemas, read from
//! `$MMOPS_SPEC_DIR` when it is set, else from `../shared/reference/openapi` beside this
//! checkout.
//!
//! Without the spec files the tests are skipped, unless `MMOPS_REQUIRE_SPEC=1` (set by CI), in
//! which case their absence fails them; either way they say where they looked. The spec has a
//! few known errors where real servers disagree with it; the demo follows the servers, and each
//! correction is listed in [`apply_errata`] with its reason.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::{Map, Value, json};

/// The folder of the spec files, or `None` (after saying where it looked) to skip.
fn spec_dir() -> Option<PathBuf> {
    let (dir, from) = match std::env::var_os("MMOPS_SPEC_DIR") {
        Some(dir) => (PathBuf::from(dir), "$MMOPS_SPEC_DIR"),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/openapi"),
            "beside the checkout; set $MMOPS_SPEC_DIR to look elsewhere",
        ),
    };
    let marker = dir.join("definitions.yaml");
    if marker.is_file() {
        return Some(dir);
    }
    let looked = format!(
        "the OpenAPI files are not in {} ({from}): {} is not a file",
        dir.display(),
        marker.display()
    );
    assert!(
        std::env::var("MMOPS_REQUIRE_SPEC").as_deref() != Ok("1"),
        "MMOPS_REQUIRE_SPEC=1, and {looked}"
    );
    eprintln!("skipped: {looked}");
    None
}

struct Spec {
    paths: Map<String, Value>,
    components: Value,
}

fn load_spec(dir: &PathBuf) -> Spec {
    let mut paths = Map::new();
    let mut components = Value::Null;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
        if path.file_name().is_some_and(|n| n == "definitions.yaml") {
            components = doc["components"].clone();
        } else if let Value::Object(map) = doc {
            paths.extend(map);
        }
    }
    let mut components = to_json_schema(components);
    apply_errata(&mut components);
    Spec { paths, components }
}

/// OpenAPI 3.0 schemas are JSON Schema with `nullable` instead of a "null" type.
fn to_json_schema(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            let nullable = map.remove("nullable").and_then(|v| v.as_bool()) == Some(true);
            let mut map: Map<String, Value> = map
                .into_iter()
                .map(|(k, v)| (k, to_json_schema(v)))
                .collect();
            if nullable && let Some(Value::String(t)) = map.get("type").cloned() {
                map.insert("type".into(), json!([t, "null"]));
            }
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_json_schema).collect()),
        other => other,
    }
}

/// Corrections where the spec contradicts what servers send.
fn apply_errata(components: &mut Value) {
    let schemas = &mut components["schemas"];
    // `state` is declared a number with an enum of state *names*, which no number can match;
    // servers send the number (model/plugin_status.go: 0 NotRunning .. 5 Stopping).
    schemas["PluginStatus"]["properties"]["state"] =
        json!({"type": "integer", "minimum": 0, "maximum": 5});
    // `policy_id` is null for teams without a retention policy (the spec's own description
    // says so, and recorded 9.5 responses carry `"policy_id":null`), but it is not nullable.
    schemas["Team"]["properties"]["policy_id"] = json!({"type": ["string", "null"]});
    // ClusterInfo is declared `type: array` with its item schema under `properties.items`;
    // the endpoint returns an array of those items.
    let item = schemas["ClusterInfo"]["properties"]["items"].clone();
    schemas["ClusterInfo"] = json!({"type": "array", "items": item});
}

impl Spec {
    /// The JSON schema of `method path` answering `status`. A 2xx status the spec does not list
    /// uses the spec's only 2xx schema (servers answer login with 200 where the spec says 201).
    fn response_schema(&self, template: &str, method: &str, status: u16) -> Option<Value> {
        let responses = self
            .paths
            .get(template)?
            .get(method)?
            .get("responses")?
            .as_object()?;
        let code = status.to_string();
        let response = match responses.get(&code) {
            Some(r) => r.clone(),
            None if (200..300).contains(&status) => responses
                .iter()
                .find(|(c, _)| c.starts_with('2'))
                .map(|(_, r)| r.clone())?,
            None => return None,
        };
        let response = match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.rsplit('/').next()?;
                self.components["responses"][name].clone()
            }
            None => response,
        };
        let schema = response
            .pointer("/content/application~1json/schema")?
            .clone();
        Some(to_json_schema(schema))
    }

    fn validate(&self, schema: Value, body: &Value) -> Vec<String> {
        let mut root = match schema {
            Value::Object(map) => map,
            other => panic!("schema is not an object: {other}"),
        };
        root.insert("components".into(), self.components.clone());
        let validator =
            jsonschema::validator_for(&Value::Object(root)).expect("the schema compiles");
        validator
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }
}

struct Check {
    method: &'static str,
    template: &'static str,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    status: u16,
}

#[tokio::test]
async fn demo_responses_match_the_openapi_schemas() {
    let Some(dir) = spec_dir() else {
        return;
    };
    let spec = load_spec(&dir);
    let server = demo().await;
    let (team_id, plugin_id) = {
        let world = server.shared().world.read().unwrap();
        (world.teams[0].id.clone(), world.plugins[0].id().to_string())
    };
    let admin = Some(server.token.clone());
    let viewer = Some(server.viewer_token.clone());
    let check = |method, template, path: &str, token: &Option<String>, status| Check {
        method,
        template,
        path: path.to_string(),
        token: token.clone(),
        body: None,
        status,
    };
    let mut checks = vec![
        check(
            "get",
            "/api/v4/system/ping",
            "/api/v4/system/ping?get_server_status=true",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/users",
            "/api/v4/users?per_page=200",
            &admin,
            200,
        ),
        check("get", "/api/v4/users", "/api/v4/users", &viewer, 200),
        check(
            "get",
            "/api/v4/users/{user_id}",
            "/api/v4/users/me",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/users/{user_id}",
            "/api/v4/users/me",
            &None,
            401,
        ),
        check(
            "get",
            "/api/v4/users/email/{email}",
            "/api/v4/users/email/sysadmin@example.com",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/users/email/{email}",
            "/api/v4/users/email/nobody@example.com",
            &admin,
            404,
        ),
        check("get", "/api/v4/teams", "/api/v4/teams", &admin, 200),
        check("get", "/api/v4/teams", "/api/v4/teams", &viewer, 200),
        check(
            "get",
            "/api/v4/teams/{team_id}",
            &format!("/api/v4/teams/{team_id}"),
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/teams/{team_id}",
            "/api/v4/teams/nosuchteam",
            &admin,
            404,
        ),
        check(
            "get",
            "/api/v4/teams/{team_id}/members",
            &format!("/api/v4/teams/{team_id}/members"),
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/teams/name/{name}",
            "/api/v4/teams/name/engineering",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/teams/name/{name}",
            "/api/v4/teams/name/no-such-team",
            &admin,
            404,
        ),
        check("get", "/api/v4/plugins", "/api/v4/plugins", &admin, 200),
        check("get", "/api/v4/plugins", "/api/v4/plugins", &viewer, 403),
        check(
            "get",
            "/api/v4/plugins/statuses",
            "/api/v4/plugins/statuses",
            &admin,
            200,
        ),
        check("get", "/api/v4/config", "/api/v4/config", &admin, 200),
        check("get", "/api/v4/config", "/api/v4/config", &viewer, 403),
        check(
            "get",
            "/api/v4/config/environment",
            "/api/v4/config/environment",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/logs",
            "/api/v4/logs?page=0&logs_per_page=50",
            &admin,
            200,
        ),
        check(
            "get",
            "/api/v4/analytics/old",
            "/api/v4/analytics/old?name=standard",
            &viewer,
            403,
        ),
        check(
            "get",
            "/api/v4/analytics/old",
            "/api/v4/analytics/old?name=nonsense",
            &admin,
            400,
        ),
        check(
            "get",
            "/api/v4/license/client",
            "/api/v4/license/client",
            &admin,
            501,
        ),
        check(
            "get",
            "/api/v4/license/client",
            "/api/v4/license/client?format=new",
            &admin,
            400,
        ),
        check(
            "post",
            "/api/v4/plugins/{plugin_id}/enable",
            &format!("/api/v4/plugins/{plugin_id}/enable"),
            &admin,
            200,
        ),
    ];
    checks.push(check(
        "delete",
        "/api/v4/teams/invites/email",
        "/api/v4/teams/invites/email",
        &viewer,
        403,
    ));
    checks.push(check(
        "delete",
        "/api/v4/teams/invites/email",
        "/api/v4/teams/invites/email",
        &admin,
        200,
    ));
    checks.push(Check {
        method: "post",
        template: "/api/v4/users/login",
        path: "/api/v4/users/login".into(),
        token: None,
        body: Some(json!({"login_id": "sysadmin", "password": "Demo-Admin-1"})),
        status: 200,
    });
    // A capture's patch, as an admin and as a user without manage_system.
    for (token, status) in [(&admin, 200), (&viewer, 403)] {
        checks.push(Check {
            method: "put",
            template: "/api/v4/config/patch",
            path: "/api/v4/config/patch".into(),
            token: token.clone(),
            body: Some(json!({"LogSettings": {"FileLevel": "INFO"}})),
            status,
        });
    }

    mmops::mm::client::install_crypto_provider();
    let http = reqwest::Client::new();
    let mut validated = 0;
    let mut failures = Vec::new();
    for c in &checks {
        let url = format!("{}{}", server.url, c.path);
        let mut request = match c.method {
            "post" => http.post(&url),
            "put" => http.put(&url),
            "delete" => http.delete(&url),
            _ => http.get(&url),
        };
        if let Some(token) = &c.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &c.body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let label = format!(
            "{} {} as {}",
            c.method.to_uppercase(),
            c.path,
            if c.token.is_none() {
                "anonymous"
            } else {
                "user"
            }
        );
        if status != c.status {
            failures.push(format!(
                "{label}: expected HTTP {}, got {status}: {body}",
                c.status
            ));
            continue;
        }
        let Some(schema) = spec.response_schema(c.template, c.method, status) else {
            failures.push(format!(
                "{label}: the spec has no JSON schema for HTTP {status}"
            ));
            continue;
        };
        let errors = spec.validate(schema, &body);
        if !errors.is_empty() {
            failures.push(format!("{label}:\n    {}", errors.join("\n    ")));
        }
        validated += 1;
    }

    // Responses the spec describes in prose only, checked against the shapes the API
    // reference documents (map<string,string>, name/value rows, applied migrations).
    let string_map =
        json!({"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1});
    let shapes = [
        ("/api/v4/config/client?format=old", string_map.clone()),
        ("/api/v4/license/client?format=old", string_map),
        (
            "/api/v4/analytics/old?name=standard",
            json!({"type": "array", "minItems": 11, "items": {"type": "object", "required": ["name", "value"],
                "properties": {"name": {"type": "string"}, "value": {"type": "number"}}}}),
        ),
        (
            "/api/v4/system/schema/version",
            json!({"type": "array", "minItems": 1, "items": {"type": "object", "required": ["version", "name"],
                "properties": {"version": {"type": "integer"}, "name": {"type": "string"}}}}),
        ),
    ];
    for (path, shape) in shapes {
        let body: Value = http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let errors = spec.validate(shape, &body);
        if !errors.is_empty() {
            failures.push(format!("GET {path}:\n    {}", errors.join("\n    ")));
        }
    }

    // Routes the spec files leave out, validated against the component schemas they return.
    let town_square = {
        let world = server.shared().world.read().unwrap();
        world
            .channels
            .iter()
            .find(|c| c.team_id == team_id && c.name == "town-square")
            .map(|c| c.id.clone())
            .unwrap()
    };
    let components = [
        ("/api/v4/cluster/status".to_string(), "ClusterInfo"),
        (
            format!("/api/v4/teams/{team_id}/channels/name/town-square"),
            "Channel",
        ),
        (
            format!("/api/v4/channels/{town_square}/posts?per_page=200"),
            "PostList",
        ),
        (
            format!("/api/v4/channels/{town_square}/posts?since=0"),
            "PostList",
        ),
    ];
    for (path, schema) in &components {
        let response = http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status != 200 {
            failures.push(format!(
                "GET {path}: expected HTTP 200, got {status}: {body}"
            ));
            continue;
        }
        let reference = format!("#/components/schemas/{schema}");
        let errors = spec.validate(json!({"$ref": reference}), &body);
        if !errors.is_empty() {
            failures.push(format!("GET {path}:\n    {}", errors.join("\n    ")));
        }
        validated += 1;
    }

    // GET /jobs is not in the spec files given (there is no jobs.yaml); its items are the
    // definitions' Job, which the doctor reads.
    let jobs: Value = http
        .get(format!("{}/api/v4/jobs?page=0&per_page=200", server.url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_list =
        json!({"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Job"}});
    let errors = spec.validate(job_list, &jobs);
    if !errors.is_empty() {
        failures.push(format!("GET /api/v4/jobs:\n    {}", errors.join("\n    ")));
    }
    // GET /roles and /schemes (mmops' permissions.yaml) are not in the spec files given either:
    // lists of the definitions' Role and Scheme.
    for (path, schema, min) in [
        ("/api/v4/roles", "Role", 1),
        ("/api/v4/schemes?page=0&per_page=200", "Scheme", 0),
    ] {
        let body: Value = http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let reference = format!("#/components/schemas/{schema}");
        let list = json!({"type": "array", "minItems": min, "items": {"$ref": reference}});
        let errors = spec.validate(list, &body);
        if !errors.is_empty() {
            failures.push(format!("GET {path}:\n    {}", errors.join("\n    ")));
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} responses break the spec:\n{}",
        failures.len(),
        checks.len() + components.len(),
        failures.join("\n")
    );
    assert_eq!(validated, checks.len() + components.len());
}

/// The validation itself must be able to fail: wrong shapes are rejected.
#[test]
fn the_schemas_reject_wrong_shapes() {
    let Some(dir) = spec_dir() else {
        return;
    };
    let spec = load_spec(&dir);
    let user = spec
        .response_schema("/api/v4/users/{user_id}", "get", 200)
        .unwrap();
    assert!(
        spec.validate(user.clone(), &json!({"id": "abc", "create_at": 1}))
            .is_empty()
    );
    assert!(!spec.validate(user, &json!({"id": 42})).is_empty());
    let statuses = spec
        .response_schema("/api/v4/plugins/statuses", "get", 200)
        .unwrap();
    assert!(
        !spec
            .validate(statuses, &json!([{"plugin_id": "x", "state": "Running"}]))
            .is_empty()
    );
    let config = spec.response_schema("/api/v4/config", "get", 200).unwrap();
    assert!(
        !spec
            .validate(config, &json!({"ServiceSettings": {"SiteURL": 5}}))
            .is_empty()
    );
    let error = spec.response_schema("/api/v4/plugins", "get", 403).unwrap();
    assert!(
        !spec
            .validate(error, &json!({"status_code": "403"}))
            .is_empty()
    );
}
