//! Helpers the migrations share. Frozen like the migrations themselves: a
//! released migration's SQL must never change, so these never change
//! either; a step that needs something else adds a new helper.

use sea_orm_migration::prelude::*;

/// Creates a unique index; its name must contain the column names, since
/// conflict errors report it.
pub(crate) async fn unique_index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: impl IntoIterator<Item = C>,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}
