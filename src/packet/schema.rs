//! The database's shape for the packet's `database_schema.yaml`: the tables of the schemas on
//! the session's search_path with their columns, indexes, options, sizes and row estimates, and
//! the database's collation, encoding, version and size.
//!
//! It never reads a row: every query is of the catalogs (`pg_database`, `pg_class`,
//! `information_schema.columns`, `pg_indexes`), never a `SELECT` from a table of the server.
//! Four queries in all, however many tables there are, sent together.
//!
//! The shape is Mattermost's `SupportPacketDatabaseSchema` (11.x), so the tools that read a
//! server's own packet read this one, plus the version, the sizes and the row estimates.

use std::collections::BTreeMap;

use serde::Serialize;
use tokio_postgres::{Client, Row};

use crate::invites::db::DbSession;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseSchema {
    /// `pg_database.datcollate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_collation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_encoding: Option<String>,
    /// `SHOW server_version`, e.g. `16.4 (Debian 16.4-1.pgdg120+1)`.
    pub server_version: String,
    /// e.g. `160004`.
    pub server_version_num: i32,
    pub database_size_bytes: i64,
    /// Sorted by name.
    pub tables: Vec<DatabaseTable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseTable {
    /// The bare name in the first schema of the search_path (`current_schema()`, where
    /// Mattermost's tables are), `schema.name` in a later one.
    pub name: String,
    /// The first collation a column names, as Mattermost reports it; none when every column
    /// uses the database's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// `reloptions`, e.g. `fillfactor: "90"`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// `pg_total_relation_size`: the table, its TOAST and its indexes. A partitioned table has
    /// no storage of its own (0); its partitions are tables of the list.
    pub size_bytes: i64,
    /// The planner's row count as of the last VACUUM or ANALYZE; none when the server has none
    /// (see [`row_estimate`]). `0` is a table known to be empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_estimate: Option<i64>,
    /// In ordinal order.
    pub columns: Vec<DatabaseColumn>,
    /// Sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<DatabaseIndex>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseColumn {
    pub name: String,
    /// `information_schema.columns.data_type`: `character varying`, `bigint`, `USER-DEFINED`
    /// for an enum, `ARRAY`.
    pub data_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i64>,
    pub is_nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseIndex {
    pub name: String,
    /// `pg_indexes.indexdef`: the `CREATE INDEX` statement.
    pub definition: String,
}

impl DatabaseSchema {
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

/// The schema summary, in four catalog queries. Runs in the caller's transaction when there is
/// one (a read-only one is enough), otherwise each query in its own.
pub async fn read(session: &DbSession) -> Result<DatabaseSchema, String> {
    let client: &Client = session;
    let (database, tables, columns, indexes) = tokio::try_join!(
        query(
            client,
            DATABASE_QUERY,
            "the database's collation, encoding, version and size (pg_database)"
        ),
        query(client, TABLES_QUERY, "the tables (pg_class)"),
        query(
            client,
            COLUMNS_QUERY,
            "the columns (information_schema.columns)"
        ),
        query(client, INDEXES_QUERY, "the indexes (pg_indexes)"),
    )?;
    let database = database
        .first()
        .ok_or("reading the database (pg_database) found no row for current_database()")?;
    let server_version_num: i32 = database.get("server_version_num");
    let mut by_table: BTreeMap<TableKey, DatabaseTable> = tables
        .iter()
        .map(|row| (table_key(row), table(row, server_version_num)))
        .collect();
    add_columns(&mut by_table, &columns);
    add_indexes(&mut by_table, &indexes);

    // Sorted here rather than by ORDER BY, which follows the database's collation: the same
    // schema gives the same file on every server.
    let mut tables: Vec<DatabaseTable> = by_table.into_values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut tables {
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(DatabaseSchema {
        database_collation: non_empty(database.get("collation")),
        database_encoding: non_empty(database.get("encoding")),
        server_version: database.get("server_version"),
        server_version_num,
        database_size_bytes: database.get("size_bytes"),
        tables,
    })
}

// Every column is cast to the type read here, whatever the server's version makes of it: the
// information_schema columns are domains, datcollate was a `name` before 15, reltuples a `real`.

const DATABASE_QUERY: &str = "
    SELECT datcollate::text AS collation,
           pg_encoding_to_char(encoding)::text AS encoding,
           current_setting('server_version') AS server_version,
           current_setting('server_version_num')::int4 AS server_version_num,
           pg_database_size(current_database())::int8 AS size_bytes
    FROM pg_database
    WHERE datname = current_database()";

/// Ordinary (`r`) and partitioned (`p`) tables of the search_path's schemas. `current_schemas`
/// leaves out the implicit pg_catalog and pg_temp; the names tested keep the system's schemas
/// (`pg_` is reserved for them) out when a search_path names them.
const TABLES_QUERY: &str = "
    SELECT n.nspname::text AS schema,
           c.relname::text AS name,
           n.nspname IS NOT DISTINCT FROM current_schema() AS in_current_schema,
           c.reloptions::text[] AS options,
           pg_total_relation_size(c.oid)::int8 AS size_bytes,
           c.reltuples::float8 AS reltuples
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname = ANY (current_schemas(false))
      AND n.nspname <> 'information_schema'
      AND left(n.nspname, 3) <> 'pg_'";

const COLUMNS_QUERY: &str = "
    SELECT table_schema::text AS schema,
           table_name::text AS name,
           column_name::text AS column_name,
           data_type::text AS data_type,
           character_maximum_length::int8 AS max_length,
           is_nullable::text = 'YES' AS is_nullable,
           collation_name::text AS collation
    FROM information_schema.columns
    WHERE table_schema = ANY (current_schemas(false))
    ORDER BY table_schema, table_name, ordinal_position";

const INDEXES_QUERY: &str = "
    SELECT schemaname::text AS schema,
           tablename::text AS name,
           indexname::text AS index_name,
           indexdef AS definition
    FROM pg_indexes
    WHERE schemaname = ANY (current_schemas(false))";

async fn query(client: &Client, sql: &str, what: &str) -> Result<Vec<Row>, String> {
    client.query(sql, &[]).await.map_err(|err| {
        format!(
            "reading {what} failed: {}",
            crate::invites::db::describe(&err)
        )
    })
}

/// Schema and table name: the columns and indexes find their table by it.
type TableKey = (String, String);

fn table_key(row: &Row) -> TableKey {
    (row.get("schema"), row.get("name"))
}

fn table(row: &Row, server_version_num: i32) -> DatabaseTable {
    let (schema, name) = table_key(row);
    let in_current_schema: bool = row.get("in_current_schema");
    let options: Option<Vec<String>> = row.get("options");
    DatabaseTable {
        name: if in_current_schema {
            name
        } else {
            format!("{schema}.{name}")
        },
        collation: None,
        options: parse_options(options.unwrap_or_default()),
        size_bytes: row.get("size_bytes"),
        row_estimate: row_estimate(row.get("reltuples"), server_version_num),
        columns: Vec::new(),
        indexes: Vec::new(),
    }
}

/// `["fillfactor=90"]` as `{fillfactor: "90"}`.
fn parse_options(options: Vec<String>) -> BTreeMap<String, String> {
    options
        .iter()
        .filter_map(|option| option.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// `pg_class.reltuples` as a count, or `None` when the server does not know. From PostgreSQL 14
/// a table never vacuumed or analysed has -1; before 14 it has 0, as an empty table does, so
/// there 0 says nothing either way.
fn row_estimate(reltuples: f64, server_version_num: i32) -> Option<i64> {
    const NEVER_ANALYSED_IS_MINUS_ONE_FROM: i32 = 140_000;
    let unknown = reltuples < 0.0
        || (reltuples == 0.0 && server_version_num < NEVER_ANALYSED_IS_MINUS_ONE_FROM);
    (!unknown).then(|| reltuples.round() as i64)
}

fn add_columns(tables: &mut BTreeMap<TableKey, DatabaseTable>, rows: &[Row]) {
    for row in rows {
        // The columns of views and of tables left out have no table here.
        let Some(table) = tables.get_mut(&table_key(row)) else {
            continue;
        };
        if table.collation.is_none() {
            table.collation = row.get("collation");
        }
        table.columns.push(DatabaseColumn {
            name: row.get("column_name"),
            data_type: row.get("data_type"),
            max_length: row.get("max_length"),
            is_nullable: row.get("is_nullable"),
        });
    }
}

fn add_indexes(tables: &mut BTreeMap<TableKey, DatabaseTable>, rows: &[Row]) {
    for row in rows {
        // Materialized views have indexes too.
        let Some(table) = tables.get_mut(&table_key(row)) else {
            continue;
        };
        table.indexes.push(DatabaseIndex {
            name: row.get("index_name"),
            definition: row.get("definition"),
        });
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}
