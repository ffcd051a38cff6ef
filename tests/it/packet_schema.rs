//! The packet's database schema summary against a real PostgreSQL shaped like Mattermost's: the
//! tables of the search_path with their columns and indexes, the database's facts, sizes and row
//! estimates; a value planted in a row never reaches the YAML and a role that may not select a
//! row gets the same summary; it runs in a read-only transaction; a failed query is said.

use mmops::invites::db::{DbSession, connect};
use mmops::packet::schema::{self, DatabaseColumn, DatabaseSchema, DatabaseTable};
use serde_yaml::Value;

use crate::common::pg::{self, TestPg};

const CANARY: &str = "CANARY-ROW-DATA-7f3a";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// A fresh database with the Mattermost-shaped tables.
fn mattermost_database(pg: &TestPg, name: &str) -> String {
    let url = pg.create_database(name);
    pg::load_schema(&url);
    url
}

fn read_schema(url: &str) -> DatabaseSchema {
    runtime().block_on(async {
        let session = connect(url).await.unwrap();
        schema::read(&session).await.unwrap()
    })
}

fn table<'a>(schema: &'a DatabaseSchema, name: &str) -> &'a DatabaseTable {
    schema
        .tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name} in {:?}", names(schema)))
}

fn column<'a>(table: &'a DatabaseTable, name: &str) -> &'a DatabaseColumn {
    table
        .columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", table.name))
}

fn names(schema: &DatabaseSchema) -> Vec<&str> {
    schema.tables.iter().map(|t| t.name.as_str()).collect()
}

fn insert_posts(url: &str, count: i32, message: &str) {
    pg::run_sql(
        url,
        &format!(
            "INSERT INTO posts (id, createat, message)
             SELECT lpad(i::text, 26, '0'), i, '{message}' || repeat(md5(i::text), 16)
             FROM generate_series(1, {count}) AS i"
        ),
    );
}

#[test]
fn the_loaded_tables_are_listed_with_their_columns_and_indexes() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_tables");
    let schema = read_schema(&url);

    let listed = names(&schema);
    for expected in [
        "audits",
        "bots",
        "channels",
        "db_migrations",
        "jobs",
        "posts",
        "sessions",
        "systems",
        "teammembers",
        "teams",
        "tokens",
        "users",
    ] {
        assert!(listed.contains(&expected), "{expected} in {listed:?}");
    }
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(listed, sorted);
    assert!(
        !listed
            .iter()
            .any(|n| n.starts_with("pg_") || n.contains("information_schema") || *n == "columns"),
        "no catalog: {listed:?}"
    );

    let posts = table(&schema, "posts");
    let column_names: Vec<&str> = posts.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        column_names[..4],
        ["id", "createat", "updateat", "editat"],
        "ordinal order"
    );
    assert_eq!(
        column(posts, "id"),
        &DatabaseColumn {
            name: "id".into(),
            data_type: "character varying".into(),
            max_length: Some(26),
            is_nullable: false,
        }
    );
    assert_eq!(column(posts, "message").max_length, Some(65535));
    assert!(column(posts, "message").is_nullable);
    let createat = column(posts, "createat");
    assert_eq!(
        (createat.data_type.as_str(), createat.max_length),
        ("bigint", None)
    );
    assert_eq!(column(posts, "props").data_type, "jsonb");
    assert_eq!(
        column(table(&schema, "teams"), "type").data_type,
        "USER-DEFINED"
    );
    assert_eq!(
        column(table(&schema, "db_migrations"), "name").max_length,
        None
    );

    let pkey = posts
        .indexes
        .iter()
        .find(|i| i.name == "posts_pkey")
        .unwrap();
    assert_eq!(
        pkey.definition,
        "CREATE UNIQUE INDEX posts_pkey ON public.posts USING btree (id)"
    );
    let index_names: Vec<&str> = posts.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        index_names,
        [
            "idx_posts_channel_id_delete_at_create_at",
            "idx_posts_create_at",
            "idx_posts_user_id",
            "posts_pkey",
        ]
    );
    // The database's default collation everywhere, no reloptions.
    assert_eq!((&posts.collation, posts.options.len()), (&None, 0));
}

#[test]
fn the_database_collation_encoding_version_and_size_are_filled() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_database");
    let schema = read_schema(&url);
    // The harness runs initdb with -E UTF8 --locale=C.
    assert_eq!(schema.database_collation.as_deref(), Some("C"));
    assert_eq!(schema.database_encoding.as_deref(), Some("UTF8"));
    let major = schema.server_version_num / 10_000;
    assert!(major >= 10, "{}", schema.server_version_num);
    assert!(
        schema.server_version.starts_with(&format!("{major}.")),
        "{} and {}",
        schema.server_version,
        schema.server_version_num
    );
    let shown = pg::run_sql(&url, "SHOW server_version");
    assert_eq!(schema.server_version, shown[0].get::<_, String>(0));
    // An empty database still has its catalogs: several megabytes.
    assert!(
        schema.database_size_bytes > 1_000_000,
        "{}",
        schema.database_size_bytes
    );
}

#[test]
fn a_table_with_rows_has_a_size_and_after_analyze_a_row_estimate() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_sizes");
    insert_posts(&url, 400, "hello");

    let before = read_schema(&url);
    let posts = table(&before, "posts");
    // 400 messages of 517 bytes, plus the row headers and four indexes.
    assert!(
        posts.size_bytes > 400 * 517 && posts.size_bytes < before.database_size_bytes,
        "posts {} of {}",
        posts.size_bytes,
        before.database_size_bytes
    );
    assert!(posts.size_bytes > table(&before, "bots").size_bytes);
    assert_eq!(posts.row_estimate, None, "never analysed: not known");
    assert_eq!(table(&before, "bots").row_estimate, None);

    pg::run_sql(&url, "ANALYZE posts");
    pg::run_sql(&url, "ANALYZE bots");
    let after = read_schema(&url);
    assert_eq!(table(&after, "posts").row_estimate, Some(400));
    assert_eq!(table(&after, "bots").row_estimate, Some(0), "known empty");
    assert_eq!(table(&after, "audits").row_estimate, None);
}

#[test]
fn a_value_planted_in_rows_never_reaches_the_yaml() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_canary");
    insert_posts(&url, 50, CANARY);
    pg::run_sql(
        &url,
        &format!("INSERT INTO systems (name, value) VALUES ('CanaryName', '{CANARY}')"),
    );
    pg::run_sql(
        &url,
        &format!("INSERT INTO tokens (token, type, extra) VALUES ('{CANARY}', 'x', '{CANARY}')"),
    );
    // The planner's statistics hold sample values: still not read.
    pg::run_sql(&url, "ANALYZE");

    let schema = read_schema(&url);
    let yaml = schema.to_yaml();
    assert!(yaml.contains("posts_pkey"), "{yaml}");
    assert!(!yaml.contains(CANARY), "{yaml}");
    assert!(!yaml.contains("CanaryName"), "{yaml}");
}

#[test]
fn a_role_that_may_not_select_a_row_gets_the_same_summary() {
    let Some(pg) = pg::shared() else { return };
    let database = "packet_schema_no_select";
    let url = mattermost_database(pg, database);
    insert_posts(&url, 20, CANARY);
    pg::run_sql(&url, "ANALYZE");
    // REFERENCES shows the columns in information_schema and lets no row be read.
    pg.admin(database).batch(
        "CREATE ROLE packet_schema_reader LOGIN PASSWORD 'reader-pw';
         GRANT REFERENCES ON ALL TABLES IN SCHEMA public TO packet_schema_reader;",
    );
    let reader_url = format!(
        "postgres://packet_schema_reader:reader-pw@127.0.0.1:{}/{database}?sslmode=disable",
        pg.port()
    );

    let refused = pg::Conn::connect(&reader_url)
        .try_query("SELECT message FROM posts", &[])
        .unwrap_err();
    assert_eq!(
        refused.as_db_error().map(|e| e.code().code()),
        Some("42501"),
        "{refused}"
    );
    let by_reader = read_schema(&reader_url);
    let by_owner = read_schema(&url);
    assert_eq!(by_reader.tables, by_owner.tables);
    assert_eq!(table(&by_reader, "posts").row_estimate, Some(20));
}

#[test]
fn it_runs_inside_a_read_only_transaction() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_read_only");
    runtime().block_on(async {
        let session: DbSession = connect(&url).await.unwrap();
        let write = session
            .batch_execute("CREATE TABLE packet_schema_written (id int)")
            .await
            .unwrap_err();
        assert_eq!(
            write.as_db_error().map(|e| e.code().code()),
            Some("25006"),
            "{write}"
        );

        session.batch_execute("BEGIN READ ONLY").await.unwrap();
        let schema = schema::read(&session).await.unwrap();
        assert!(schema.tables.iter().any(|t| t.name == "posts"));
        // Nothing it did aborted the transaction.
        let row = session
            .query_one("SHOW transaction_read_only", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "on");
        session.batch_execute("COMMIT").await.unwrap();
    });
}

#[test]
fn reloptions_are_the_tables_options() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_options");
    pg::run_sql(
        &url,
        "ALTER TABLE posts SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.05)",
    );
    let schema = read_schema(&url);
    let options = &table(&schema, "posts").options;
    assert_eq!(options.get("fillfactor").map(String::as_str), Some("90"));
    assert_eq!(
        options
            .get("autovacuum_vacuum_scale_factor")
            .map(String::as_str),
        Some("0.05")
    );
    assert_eq!(options.len(), 2);
    assert!(table(&schema, "users").options.is_empty());

    let yaml: Value = serde_yaml::from_str(&schema.to_yaml()).unwrap();
    let posts = yaml_table(&yaml, "posts");
    assert_eq!(posts["options"]["fillfactor"], Value::from("90"));
    assert!(yaml_table(&yaml, "users").get("options").is_none());
}

#[test]
fn only_tables_of_the_search_path_schemas_are_listed() {
    let Some(pg) = pg::shared() else { return };
    let database = "packet_schema_search_path";
    let url = mattermost_database(pg, database);
    pg::batch(
        &url,
        &format!(
            r#"CREATE SCHEMA packet_extra;
            CREATE TABLE packet_extra.extra_things (id int PRIMARY KEY, label text COLLATE "C");
            CREATE TABLE packet_extra.posts (id int);
            CREATE SCHEMA packet_hidden;
            CREATE TABLE packet_hidden.hidden_things (id int);
            CREATE VIEW post_view AS SELECT id FROM posts;
            CREATE MATERIALIZED VIEW post_counts AS SELECT count(*) AS n FROM posts;
            CREATE UNIQUE INDEX post_counts_n ON post_counts (n);
            CREATE TABLE events (id bigint, at bigint) PARTITION BY RANGE (at);
            CREATE TABLE events_early PARTITION OF events FOR VALUES FROM (0) TO (100);
            ALTER DATABASE {database} SET search_path = "$user", public, packet_extra;"#
        ),
    );
    let schema = read_schema(&url);
    let listed = names(&schema);

    for absent in ["post_view", "post_counts", "hidden_things"] {
        assert!(!listed.iter().any(|n| n.ends_with(absent)), "{listed:?}");
    }
    // The partitioned table and its partition; a later schema's tables by their full name,
    // so its posts is not taken for Mattermost's.
    for present in [
        "events",
        "events_early",
        "packet_extra.extra_things",
        "packet_extra.posts",
    ] {
        assert!(listed.contains(&present), "{present} in {listed:?}");
    }
    assert_eq!(table(&schema, "posts").columns.len(), 18);
    assert_eq!(table(&schema, "packet_extra.posts").columns.len(), 1);
    let extra = table(&schema, "packet_extra.extra_things");
    assert_eq!(extra.collation.as_deref(), Some("C"));
    assert_eq!(
        extra.indexes[0].definition,
        "CREATE UNIQUE INDEX extra_things_pkey ON packet_extra.extra_things USING btree (id)"
    );
    let events = table(&schema, "events");
    assert_eq!(events.columns.len(), 2);
    assert_eq!(events.size_bytes, 0, "a partitioned table has no storage");
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(listed, sorted);
}

fn yaml_table<'a>(yaml: &'a Value, name: &str) -> &'a Value {
    yaml["tables"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect()
}

#[test]
fn the_yaml_has_mattermosts_shape_and_omits_what_is_not_there() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_yaml");
    pg::run_sql(&url, "CREATE TABLE packet_bare (note text)");
    pg::run_sql(&url, "ANALYZE bots");
    let text = read_schema(&url).to_yaml();
    let yaml: Value = serde_yaml::from_str(&text).unwrap();

    assert_eq!(
        keys(&yaml),
        [
            "database_collation",
            "database_encoding",
            "server_version",
            "server_version_num",
            "database_size_bytes",
            "tables",
        ]
    );
    let posts = yaml_table(&yaml, "posts");
    assert_eq!(keys(posts), ["name", "size_bytes", "columns", "indexes"]);
    assert_eq!(
        keys(yaml_table(&yaml, "bots")),
        ["name", "size_bytes", "row_estimate", "columns", "indexes"]
    );
    assert_eq!(yaml_table(&yaml, "bots")["row_estimate"], Value::from(0));
    assert_eq!(
        keys(yaml_table(&yaml, "packet_bare")),
        ["name", "size_bytes", "columns"],
        "no indexes: no key"
    );
    let columns = posts["columns"].as_sequence().unwrap();
    assert_eq!(
        keys(&columns[0]),
        ["name", "data_type", "max_length", "is_nullable"]
    );
    assert_eq!(columns[0]["max_length"], Value::from(26));
    assert_eq!(columns[0]["is_nullable"], Value::from(false));
    let props = columns.iter().find(|c| c["name"] == "props").unwrap();
    assert_eq!(keys(props), ["name", "data_type", "is_nullable"]);
    let pkey = &posts["indexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "posts_pkey")
        .unwrap();
    assert_eq!(keys(pkey), ["name", "definition"]);
}

#[test]
fn a_failed_query_is_said_in_words() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_failure");
    let err = runtime().block_on(async {
        let session = connect(&url).await.unwrap();
        session.batch_execute("BEGIN").await.unwrap();
        session.batch_execute("SELECT 1 / 0").await.unwrap_err();
        schema::read(&session).await.unwrap_err()
    });
    assert!(err.starts_with("reading the "), "{err}");
    assert!(
        err.contains(" failed: current transaction is aborted"),
        "{err}"
    );
    assert!(err.contains("(SQLSTATE 25P02)"), "{err}");
}

/// `mmops packet --db-url`: `database_schema.yaml` goes in beside the other files, and neither
/// the database's password nor a row does; a database that cannot be reached is a line of
/// warning.txt and the rest of the packet.
#[test]
fn the_packet_carries_the_schema_and_never_the_password_or_a_row() {
    let Some(pg) = pg::shared() else { return };
    let url = mattermost_database(pg, "packet_schema_cli");
    insert_posts(&url, 20, CANARY);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("install");
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::create_dir_all(home.join("logs")).unwrap();
    std::fs::write(home.join("config/config.json"), "{}").unwrap();
    std::fs::write(home.join("logs/mattermost.log"), "").unwrap();
    let write = |db_url: &str, out: &str| {
        let out = dir.path().join(out);
        std::fs::create_dir_all(&out).unwrap();
        let output = crate::common::binary::mmops(dir.path())
            .args(["packet", "--mm-home"])
            .arg(&home)
            .args(["--db-url", db_url, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let zip_path = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let bytes = std::fs::read(&zip_path).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut read = |name: &str| -> Option<String> {
            let mut entry = zip.by_name(name).ok()?;
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            Some(text)
        };
        let schema = read("database_schema.yaml");
        let warning = read("warning.txt").unwrap_or_default();
        for text in [schema.as_deref().unwrap_or(""), warning.as_str()] {
            assert!(!text.contains(pg::PASSWORD) && !text.contains(CANARY));
        }
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(!stdout.contains(pg::PASSWORD));
        (schema, warning)
    };

    let (schema, warning) = write(&url, "out");
    let schema: Value = serde_yaml::from_str(&schema.expect("database_schema.yaml")).unwrap();
    let tables: Vec<&str> = schema["tables"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tables.contains(&"posts") && tables.contains(&"users"),
        "{tables:?}"
    );
    assert!(!warning.contains("database_schema.yaml"), "{warning}");

    let unreachable = url.replace(&format!("127.0.0.1:{}", pg.port()), "127.0.0.1:1");
    assert_ne!(unreachable, url);
    let (schema, warning) = write(&unreachable, "out-unreachable");
    assert!(schema.is_none());
    assert!(
        warning.contains("database_schema.yaml is missing:"),
        "{warning}"
    );
}
