//! `orion check`: verify every stored log block and report damaged ones.
//! Shows a progress bar on a terminal and stays quiet when piped.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::settings::{MigrateSettings, redacted_url};

/// Checks the store; fails (exit code 1) when a block is damaged.
pub async fn run(settings: MigrateSettings) -> anyhow::Result<()> {
    let url = settings.database_url.expose();
    let storage = orion_storage::Storage::open(url).await?;
    let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("checking log blocks {bar:40} {pos}/{len} ({eta})")?);
    let report = storage
        .check_logs(|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    storage.close().await;
    println!(
        "{}: {} blocks, {} entries verified, {} damaged",
        redacted_url(url),
        report.blocks,
        report.entries,
        report.damaged.len()
    );
    for (block, problem) in &report.damaged {
        println!("damaged block {block}: {problem}");
    }
    if report.damaged.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} damaged log block(s): queries that touch them fail until they are restored from a backup \
             (see docs/operations.md, \"Checking the log store\")",
            report.damaged.len()
        )
    }
}
