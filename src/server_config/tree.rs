//! A server config as a flat list of rows in depth-first order, so that folding, filtering and
//! drawing a window of it cost only the rows involved.

use std::collections::HashSet;

use serde_json::Value;

use crate::redact::MASK;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `SqlSettings.DataSourceReplicas[0]`
    pub path: String,
    pub key: String,
    pub depth: u16,
    /// The value as shown (JSON for numbers, booleans, null and short arrays); `None` for a
    /// section.
    pub value: Option<String>,
    /// One past the last row of this row's subtree.
    pub end: usize,
    pub masked: bool,
    pub from_env: bool,
    /// Differs from the default; `None` when defaults are unknown.
    pub changed: Option<bool>,
    /// `path = value`, lower-cased, for search.
    haystack: String,
}

impl Row {
    pub fn is_section(&self) -> bool {
        self.value.is_none()
    }

    pub fn matches(&self, needle_lower: &str) -> bool {
        self.haystack.contains(needle_lower)
    }
}

/// What is known about the config besides its values.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Paths set by environment variables.
    pub env: HashSet<String>,
    /// Paths whose value differs from the default, when known.
    pub changed: Option<HashSet<String>>,
    /// When only some defaults are known (mmops' built-in table): the paths whose default is.
    /// `None` with `changed` known: every default is known (the server said).
    pub defaults_known: Option<HashSet<String>>,
    /// Paths the sanitizer masked.
    pub masked: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub rows: Vec<Row>,
}

/// Scalars and arrays of scalars are shown on one line.
fn inline(value: &Value) -> Option<String> {
    match value {
        Value::Object(_) => None,
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl Tree {
    pub fn build(config: &Value, marks: &Marks) -> Self {
        let mut tree = Tree::default();
        if let Value::Object(map) = config {
            for (key, value) in map {
                tree.push(key, key.clone(), value, 0, marks);
            }
        }
        tree
    }

    fn push(&mut self, key: &str, path: String, value: &Value, depth: u16, marks: &Marks) {
        let index = self.rows.len();
        let shown = inline(value);
        let masked =
            marks.masked.contains(&path) || shown.as_deref().is_some_and(|v| v.contains(MASK));
        let haystack = match &shown {
            Some(v) => format!("{path} = {v}").to_lowercase(),
            None => path.to_lowercase(),
        };
        self.rows.push(Row {
            key: key.to_string(),
            depth,
            value: shown.clone(),
            end: index + 1,
            masked,
            from_env: marks.env.contains(&path),
            changed: match (&marks.changed, &marks.defaults_known) {
                (None, _) => None,
                (Some(changed), None) => Some(changed.contains(&path)),
                (Some(changed), Some(known)) => {
                    known.contains(&path).then(|| changed.contains(&path))
                }
            },
            haystack,
            path: path.clone(),
        });
        if shown.is_none() {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        self.push(k, child_path(&path, k), v, depth + 1, marks);
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let k = format!("[{i}]");
                        self.push(&k, format!("{path}{k}"), v, depth + 1, marks);
                    }
                }
                _ => {}
            }
        }
        let end = self.rows.len();
        self.rows[index].end = end;
        // A section holding a changed, env or masked value says so too.
        if shown.is_none() {
            let (env, changed, known) =
                self.rows[index + 1..end]
                    .iter()
                    .fold((false, false, false), |(e, c, k), r| {
                        (
                            e || r.from_env,
                            c || r.changed == Some(true),
                            k || r.changed.is_some(),
                        )
                    });
            let row = &mut self.rows[index];
            row.from_env = env;
            if marks.changed.is_some() && (known || marks.defaults_known.is_none()) {
                row.changed = Some(changed);
            }
        }
    }

    /// Leaf paths and their values, for comparing two configs.
    pub fn leaves(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rows
            .iter()
            .filter_map(|r| r.value.as_deref().map(|v| (r.path.as_str(), v)))
    }

    /// The rows shown: sections in `folded` hide their subtree, and with `keep`, only leaves
    /// it accepts are shown, with the sections above them.
    pub fn visible(
        &self,
        folded: &HashSet<usize>,
        keep: Option<&dyn Fn(&Row) -> bool>,
    ) -> Vec<usize> {
        let included: Option<Vec<bool>> = keep.map(|keep| {
            let mut inc = vec![false; self.rows.len()];
            // Children come after their section: walk backwards so a section sees its subtree.
            for i in (0..self.rows.len()).rev() {
                let row = &self.rows[i];
                inc[i] = if row.is_section() {
                    (i + 1..row.end).any(|j| inc[j] && self.rows[j].depth == row.depth + 1)
                } else {
                    keep(row)
                };
            }
            inc
        });
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.rows.len() {
            if included.as_ref().is_some_and(|inc| !inc[i]) {
                i = self.rows[i].end;
                continue;
            }
            out.push(i);
            i = if folded.contains(&i) {
                self.rows[i].end
            } else {
                i + 1
            };
        }
        out
    }

    /// The sections that hold row `index`, outermost first.
    pub fn ancestors(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < index {
            let row = &self.rows[i];
            if row.end > index {
                out.push(i);
                i += 1;
            } else {
                i = row.end;
            }
        }
        out
    }

    /// Rows whose path or value contains `needle` (any case).
    pub fn search(&self, needle: &str) -> Vec<usize> {
        let needle = needle.to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(&needle))
            .map(|(i, _)| i)
            .collect()
    }
}

/// `"LogSettings": {"FileLevel": true}` (the shape of `GET /config/environment`) → the dotted
/// paths that are `true`.
pub fn true_paths(value: &Value) -> HashSet<String> {
    fn walk(value: &Value, path: &str, out: &mut HashSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(v, &child_path(path, k), out);
                }
            }
            Value::Bool(true) => {
                out.insert(path.to_string());
            }
            _ => {}
        }
    }
    let mut out = HashSet::new();
    walk(value, "", &mut out);
    out
}

/// The leaf paths of a config (`remove_defaults=true` leaves only the changed ones).
pub fn leaf_paths(value: &Value) -> HashSet<String> {
    Tree::build(value, &Marks::default())
        .leaves()
        .map(|(p, _)| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "ServiceSettings": {"SiteURL": "https://chat.example.com", "ListenAddress": ":8065"},
            "SqlSettings": {"DataSource": MASK, "DataSourceReplicas": ["a", "b"],
                            "ReplicaLagSettings": [{"DataSource": "x", "QueryAbsoluteLag": "q"}]},
            "LogSettings": {"FileLevel": "DEBUG"}
        })
    }

    #[test]
    fn rows_are_depth_first_with_subtree_ends() {
        let tree = Tree::build(&sample(), &Marks::default());
        let paths: Vec<&str> = tree.rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "ServiceSettings",
                "ServiceSettings.SiteURL",
                "ServiceSettings.ListenAddress",
                "SqlSettings",
                "SqlSettings.DataSource",
                "SqlSettings.DataSourceReplicas",
                "SqlSettings.ReplicaLagSettings",
                "SqlSettings.ReplicaLagSettings[0]",
                "SqlSettings.ReplicaLagSettings[0].DataSource",
                "SqlSettings.ReplicaLagSettings[0].QueryAbsoluteLag",
                "LogSettings",
                "LogSettings.FileLevel",
            ]
        );
        assert_eq!(tree.rows[3].end, 10);
        assert_eq!(tree.rows[5].value.as_deref(), Some(r#"["a","b"]"#));
        assert!(tree.rows[4].masked);
        assert_eq!(tree.ancestors(8), vec![3, 6, 7]);
    }

    #[test]
    fn folding_and_filtering() {
        let marks = Marks {
            env: true_paths(&json!({"LogSettings": {"FileLevel": true}})),
            changed: Some(leaf_paths(&json!({"ServiceSettings": {"SiteURL": "x"}}))),
            defaults_known: None,
            masked: HashSet::new(),
        };
        let tree = Tree::build(&sample(), &marks);
        let folded: HashSet<usize> = [3].into();
        assert_eq!(tree.visible(&folded, None), vec![0, 1, 2, 3, 10, 11]);
        let changed = |r: &Row| r.changed == Some(true);
        assert_eq!(tree.visible(&HashSet::new(), Some(&changed)), vec![0, 1]);
        assert!(tree.rows[10].from_env && tree.rows[11].from_env);
        assert_eq!(tree.rows[0].changed, Some(true));
        assert_eq!(tree.rows[3].changed, Some(false));
        assert_eq!(tree.search("debug"), vec![11]);
        assert_eq!(tree.search("replicalag").len(), 4);
    }

    #[test]
    fn a_partial_table_of_defaults_marks_only_what_it_knows() {
        let marks = Marks {
            changed: Some(["ServiceSettings.SiteURL".to_string()].into()),
            defaults_known: Some(
                [
                    "ServiceSettings.SiteURL".to_string(),
                    "ServiceSettings.ListenAddress".to_string(),
                ]
                .into(),
            ),
            ..Marks::default()
        };
        let tree = Tree::build(&sample(), &marks);
        let changed = |path: &str| tree.rows.iter().find(|r| r.path == path).unwrap().changed;
        assert_eq!(changed("ServiceSettings"), Some(true));
        assert_eq!(changed("ServiceSettings.SiteURL"), Some(true));
        assert_eq!(changed("ServiceSettings.ListenAddress"), Some(false));
        assert_eq!(changed("LogSettings.FileLevel"), None);
        assert_eq!(changed("LogSettings"), None);
    }
}
