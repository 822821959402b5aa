//! [`IncidentRepository`] over the `incidents` table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::{Incident, ProjectId, ServerId};
use orion_core::repo::IncidentRepository;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, PaginatorTrait, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::{instant, micros, micros_bound, parse_id};
use crate::entity::incidents::{self, Column, Entity};
use crate::error::{CorruptRow, parent_err, repo_err};

const TABLE: &str = "incidents";

/// Incidents stored through SeaORM.
#[derive(Debug)]
pub(crate) struct IncidentRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl IncidentRepository for IncidentRepo {
    async fn insert(&self, incident: &Incident) -> RepoResult<()> {
        let row = incidents::ActiveModel {
            seq: NotSet,
            id: Set(incident.id.get()),
            project_id: Set(incident.project_id.get()),
            server_id: Set(incident.server_id.as_ref().map(|s| s.as_str().to_owned())),
            event: Set(incident.event.clone()),
            message: Set(incident.message.clone()),
            script_name: Set(incident.script_name.clone()),
            timestamp: Set(micros(incident.timestamp)),
            received_at: Set(micros(incident.received_at)),
        };
        let txn = self.0.begin().await.map_err(repo_err)?;
        Entity::insert(row).exec_without_returning(&txn).await.map_err(parent_err)?;
        let pointer =
            crate::live::Pointer::Incident { project: incident.project_id.get(), id: incident.id.get() };
        crate::live::announce(&txn, &[pointer]).await?;
        txn.commit().await.map_err(repo_err)
    }

    async fn count(
        &self,
        project: ProjectId,
        server: Option<&ServerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RepoResult<u64> {
        // The (project_id, timestamp) index bounds the scan; a server is
        // checked on the rows in range (incidents are few).
        let mut query = Entity::find()
            .filter(Column::ProjectId.eq(project.get()))
            .filter(Column::Timestamp.gte(micros_bound(from)))
            .filter(Column::Timestamp.lt(micros_bound(to)));
        if let Some(server) = server {
            query = query.filter(Column::ServerId.eq(server.as_str()));
        }
        query.count(&self.0).await.map_err(repo_err)
    }

    async fn list(
        &self,
        project: ProjectId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> RepoResult<Vec<Incident>> {
        let mut query = Entity::find().filter(Column::ProjectId.eq(project.get()));
        if let Some(from) = from {
            query = query.filter(Column::Timestamp.gte(micros_bound(from)));
        }
        if let Some(to) = to {
            query = query.filter(Column::Timestamp.lt(micros_bound(to)));
        }
        let rows = query
            .order_by_desc(Column::Timestamp)
            .order_by_desc(Column::Seq)
            .limit(u64::from(limit))
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        // As for logs: `project_id IN (projects)` lets the
        // (project_id, timestamp) index find expired rows.
        let expired = Condition::all()
            .add(Column::ProjectId.in_subquery(super::all_projects()))
            .add(Column::Timestamp.lt(micros_bound(cutoff)));
        super::delete_batch::<Entity>(&self.0, Column::Seq, expired, batch).await
    }
}

fn to_domain(row: incidents::Model) -> RepoResult<Incident> {
    let bad = |what: String| CorruptRow::in_table(TABLE, what);
    Ok(Incident {
        id: parse_id(TABLE, row.id)?,
        project_id: parse_id(TABLE, row.project_id)?,
        server_id: row.server_id.as_deref().map(ServerId::parse).transpose().map_err(|e| bad(e.message))?,
        event: row.event,
        message: row.message,
        script_name: row.script_name,
        timestamp: instant(TABLE, row.timestamp)?,
        received_at: instant(TABLE, row.received_at)?,
    })
}

/// The incident with this id, if it is still there (live events read back
/// on another instance).
pub(crate) async fn by_id(db: &DatabaseConnection, id: i64) -> RepoResult<Option<Incident>> {
    Entity::find().filter(Column::Id.eq(id)).one(db).await.map_err(repo_err)?.map(to_domain).transpose()
}
