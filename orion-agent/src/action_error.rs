//! Why a command's action on a script could not be carried out
//! ([`ActionError`]). Its message becomes the command's output, which the
//! dashboard shows next to the failed command.

/// What stopped an action (start, stop, restart) on a script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The command names a script this agent does not supervise.
    #[error("no script named `{0}` on this agent")]
    NoSuchScript(String),
    /// The script's task is gone (the agent is stopping).
    #[error("the script's supervisor has ended")]
    SupervisorEnded,
    /// The script's process could not be spawned.
    #[error("script `{script}` could not be started: {reason}")]
    CannotStart {
        /// The script's name.
        script: String,
        /// The operating system's reason (no such file, permission denied).
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_script_and_the_reason() {
        assert_eq!(
            ActionError::NoSuchScript("web".into()).to_string(),
            "no script named `web` on this agent"
        );
        assert_eq!(ActionError::SupervisorEnded.to_string(), "the script's supervisor has ended");
        let cannot =
            ActionError::CannotStart { script: "web".into(), reason: "No such file or directory".into() };
        assert_eq!(cannot.to_string(), "script `web` could not be started: No such file or directory");
    }
}
