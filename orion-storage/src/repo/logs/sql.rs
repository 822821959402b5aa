//! A tiny SQL text builder that numbers placeholders for the backend
//! (`?` on SQLite, `$1, $2, …` on PostgreSQL) as values are bound, so the
//! filter builder writes one text for both.

use sea_orm::{DbBackend, Statement, Value};

/// SQL text with its bound values.
#[derive(Debug)]
pub(super) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// An empty statement for `backend`.
    pub(super) fn new(backend: DbBackend) -> Self {
        Self { backend, text: String::with_capacity(512), values: Vec::new() }
    }

    /// Appends literal SQL.
    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `sep`-separated placeholders, one per value.
    pub(super) fn bind_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
        sep: &str,
    ) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            self.bind(value);
        }
        self
    }

    /// The statement so far, leaving the builder as it is.
    pub(super) fn build_ref(&mut self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text.clone(), self.values.clone())
    }

    /// The finished statement.
    pub(super) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1).push(" AND b IN (").bind_list([2, 3], ", ").push(")");
        assert_eq!(pg.build().sql, "a = $1 AND b IN ($2, $3)");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1).push(" AND b IN (").bind_list([2, 3], ", ").push(")");
        assert_eq!(lite.build().sql, "a = ? AND b IN (?, ?)");
    }
}
