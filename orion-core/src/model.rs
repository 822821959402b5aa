//! Domain entities and value types. Value types validate on construction,
//! so a value that exists is valid.

pub mod alert;
pub mod ids;
pub mod log;
pub mod names;
pub mod project;
pub mod search;
pub mod server;
pub mod source;
pub mod text;
pub mod token;
pub mod user;
pub mod window;

pub use ids::{
    AlertEventId, CommandId, Id, IdKind, IncidentId, InvalidId, MAX_ID, ProjectId, RuleId, SearchId,
    ServerRowId, SilenceId, SourceId, TokenId, UserId,
};
pub use log::{Level, LogEntry, LogFilter, LogQuery, NewLogEntry};
pub use names::{Email, Label, Password, PersonName, ProjectName, Pseudo, SourceName};
pub use project::{ArchivedFilter, Project};
pub use search::SavedSearch;
pub use server::{
    Command, CommandKind, CommandStatus, ContextLine, ContextMetrics, CrashContext, Heartbeat,
    HeartbeatAverages, HeartbeatBucket, Incident, IncidentChange, IncidentStatus, Metrics, OutputStream,
    ScriptState, ScriptStatus, Server, ServerId, Usage,
};
pub use source::Source;
pub use token::{ApiToken, Permission, PermissionSet, TokenKind};
pub use user::{LoginChallenge, User};
pub use window::Window;
