//! The TCP and UDP listeners and the writer that stores what they read
//! (see the parent module for the bounds and the back-pressure).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use orion_core::model::Permission;
use orion_core::service::LogInput;
use orion_core::{Orion, ServiceError};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use super::{BATCH, IDLE_TIMEOUT, LINGER, MAX_CONNECTIONS, MAX_FRAME, QUEUE, parse};

/// Where to listen and as whom (`Debug` hides the token).
#[derive(Clone)]
pub struct SyslogConfig {
    /// TCP listen address, if any.
    pub tcp: Option<SocketAddr>,
    /// UDP listen address, if any.
    pub udp: Option<SocketAddr>,
    /// The API token entries are written with (needs `logs:write`).
    pub token: String,
}

impl std::fmt::Debug for SyslogConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyslogConfig").field("tcp", &self.tcp).field("udp", &self.udp).finish_non_exhaustive()
    }
}

/// The running listeners; [`Syslog::join`] waits for the queue to be
/// stored after `stop` turned true.
#[derive(Debug)]
pub struct Syslog {
    tasks: Vec<JoinHandle<()>>,
    writer: JoinHandle<()>,
}

impl Syslog {
    /// Waits for the listeners to stop and the writer to store what was
    /// queued.
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
        let _ = self.writer.await;
    }
}

/// Checks the token (it must exist and carry `logs:write`), binds the
/// listeners and starts them; they stop when `stop` turns true.
pub async fn start(
    orion: Orion,
    config: SyslogConfig,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Syslog> {
    let principal = orion
        .accounts()
        .authenticate(&config.token)
        .await
        .map_err(|e| anyhow::anyhow!("--syslog-token: {e}"))?;
    principal
        .token_with(Permission::LogsWrite)
        .map_err(|_| anyhow::anyhow!("--syslog-token must be an API token with logs:write"))?;
    let (tx, rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let mut tasks = Vec::new();
    if let Some(addr) = config.tcp {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for syslog on tcp {addr}"))?;
        tracing::info!(addr = %listener.local_addr()?, "syslog over TCP");
        tasks.push(tokio::spawn(tcp(listener, tx.clone(), stop.clone())));
    }
    if let Some(addr) = config.udp {
        let socket =
            UdpSocket::bind(addr).await.with_context(|| format!("cannot listen for syslog on udp {addr}"))?;
        tracing::info!(addr = %socket.local_addr()?, "syslog over UDP");
        tasks.push(tokio::spawn(udp(socket, tx.clone(), stop.clone())));
    }
    drop(tx);
    let writer = tokio::spawn(write(orion, config.token, rx, stop));
    Ok(Syslog { tasks, writer })
}

async fn tcp(listener: TcpListener, tx: mpsc::Sender<Vec<u8>>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => return,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                tracing::warn!(error = %err, "syslog: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, max = MAX_CONNECTIONS, "syslog: too many TCP connections, closing this one");
            continue;
        };
        let (tx, mut stop) = (tx.clone(), stop.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let mut reader = BufReader::new(stream);
            loop {
                let frame = tokio::select! {
                    frame = tokio::time::timeout(IDLE_TIMEOUT, next_frame(&mut reader, MAX_FRAME)) => frame,
                    _ = stop.wait_for(|s| *s) => return,
                };
                match frame {
                    Ok(Ok(Some(frame))) => {
                        if tx.send(frame).await.is_err() {
                            return;
                        }
                    }
                    Ok(Ok(None)) => return,
                    Ok(Err(err)) => {
                        tracing::debug!(%peer, error = %err, "syslog: connection failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "syslog: idle connection closed");
                        return;
                    }
                }
            }
        });
    }
}

/// The next frame of a TCP stream: octet counting (`LEN SP MSG`) when it
/// starts with digits, a space and `<`, else up to the next `\n` (a trailing `\r` and NULs
/// are the parser's to trim). A frame longer than `max` is cut at `max`
/// and the rest of it skipped. `None` at the end of the stream.
pub async fn next_frame<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    // Skip blank lines between frames.
    loop {
        let buf = reader.fill_buf().await?;
        match buf.first() {
            None => return Ok(None),
            Some(b'\n' | b'\r' | b'\0' | b' ') => reader.consume(1),
            Some(_) => break,
        }
    }
    let starts_with_digit = reader.fill_buf().await?.first().is_some_and(u8::is_ascii_digit);
    if starts_with_digit {
        let mut digits = Vec::new();
        loop {
            let mut byte = [0u8];
            if reader.read(&mut byte).await? == 0 {
                // A number and nothing else: keep it as a (newline-framed) message.
                return Ok(Some(digits));
            }
            match byte[0] {
                b' ' if !digits.is_empty() => break,
                b if b.is_ascii_digit() && digits.len() < 9 => digits.push(b),
                other => {
                    // Not octet counting after all: a newline-framed line
                    // that starts with digits.
                    let mut line = digits;
                    line.push(other);
                    if other != b'\n' {
                        read_line(reader, &mut line, max).await?;
                    }
                    return Ok(Some(line));
                }
            }
        }
        // A syslog message starts with `<`: `2024 started` is a line.
        if reader.fill_buf().await?.first() != Some(&b'<') {
            let mut line = digits;
            line.push(b' ');
            read_line(reader, &mut line, max).await?;
            return Ok(Some(line));
        }
        let len: usize = std::str::from_utf8(&digits).ok().and_then(|d| d.parse().ok()).unwrap_or(0);
        let keep = len.min(max);
        let mut frame = Vec::with_capacity(keep);
        // A frame cut by the end of the stream keeps what arrived.
        (&mut *reader).take(keep as u64).read_to_end(&mut frame).await?;
        let mut skip = (len - keep) as u64;
        while skip > 0 {
            let n = tokio::io::copy(&mut (&mut *reader).take(skip), &mut tokio::io::sink()).await?;
            if n == 0 {
                break;
            }
            skip -= n;
        }
        return Ok(Some(frame));
    }
    let mut line = Vec::new();
    read_line(reader, &mut line, max).await?;
    Ok(Some(line))
}

/// Appends up to the next `\n` (excluded) to `line`, keeping at most `max`
/// bytes and skipping the rest of the line.
async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(());
        }
        let (chunk, done) = match memchr(buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        if done.is_some() {
            return Ok(());
        }
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|b| *b == b'\n')
}

async fn udp(socket: UdpSocket, tx: mpsc::Sender<Vec<u8>>, mut stop: watch::Receiver<bool>) {
    let dropped = AtomicU64::new(0);
    let mut buf = vec![0u8; 65_536];
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buf) => received,
            _ = stop.wait_for(|s| *s) => break,
        };
        match received {
            Ok((n, _)) => {
                let frame = buf[..n.min(MAX_FRAME)].to_vec();
                if tx.try_send(frame).is_err() {
                    let total = dropped.fetch_add(1, Ordering::Relaxed) + 1;
                    if total.is_power_of_two() {
                        tracing::warn!(dropped = total, "syslog: the queue is full, UDP messages dropped");
                    }
                }
            }
            Err(err) => tracing::debug!(error = %err, "syslog: UDP receive failed"),
        }
    }
    let total = dropped.load(Ordering::Relaxed);
    if total > 0 {
        tracing::warn!(dropped = total, "syslog: UDP messages dropped in all (queue full)");
    }
}

/// Stores what the readers queue, in batches, until every reader is gone
/// (after `stop`) and the queue is empty.
async fn write(orion: Orion, token: String, mut rx: mpsc::Receiver<Vec<u8>>, stop: watch::Receiver<bool>) {
    let mut frames = Vec::with_capacity(BATCH);
    loop {
        if rx.recv_many(&mut frames, BATCH).await == 0 {
            return;
        }
        let deadline = tokio::time::Instant::now() + LINGER;
        while frames.len() < BATCH {
            let room = BATCH - frames.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut frames, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let now = chrono::Utc::now();
        let inputs: Vec<LogInput> = frames.drain(..).map(|f| parse::parse(&f, now)).collect();
        store(&orion, &token, inputs, &stop).await;
    }
}

/// One batch, retried with a growing delay while storage pushes back or
/// fails (the readers wait meanwhile), and given up only at shutdown or
/// when the token stopped being valid.
async fn store(orion: &Orion, token: &str, inputs: Vec<LogInput>, stop: &watch::Receiver<bool>) {
    let mut delay = Duration::from_millis(100);
    let count = inputs.len();
    loop {
        let principal = match orion.accounts().authenticate(token).await {
            Ok(p) => p,
            Err(ServiceError::Unauthorized(_)) => {
                tracing::error!(count, "syslog: --syslog-token is no longer valid; messages dropped");
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "syslog: cannot check the token, retrying");
                if !wait(&mut delay, stop).await {
                    tracing::error!(count, "syslog: shutting down with messages not stored");
                    return;
                }
                continue;
            }
        };
        match orion.logs().ingest(&principal, inputs.clone()).await {
            Ok(_) => return,
            Err(ServiceError::Validation(errors)) => {
                // Only sizes can be refused (metadata over 16 KiB): store the
                // others, name the refused ones.
                let bad: std::collections::HashSet<usize> = errors.iter().filter_map(|e| e.index).collect();
                tracing::warn!(count = bad.len(), first = ?errors.first(), "syslog: messages refused by validation");
                let rest: Vec<LogInput> = inputs
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| !bad.contains(i))
                    .map(|(_, e)| e)
                    .collect();
                if rest.is_empty() || bad.is_empty() {
                    return;
                }
                Box::pin(store(orion, token, rest, stop)).await;
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, count, "syslog: storing failed, retrying");
                if !wait(&mut delay, stop).await {
                    tracing::error!(count, "syslog: shutting down with messages not stored");
                    return;
                }
            }
        }
    }
}

/// Sleeps `delay` (doubling it up to 5 s); `false` when shutting down
/// (after one last try has had its chance).
async fn wait(delay: &mut Duration, stop: &watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return false;
    }
    tokio::time::sleep(*delay).await;
    *delay = (*delay * 2).min(Duration::from_secs(5));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = next_frame(&mut reader, max).await.unwrap() {
            out.push(frame);
        }
        out
    }

    #[tokio::test]
    async fn octet_counting_and_newlines_mix_per_frame() {
        let got = frames(b"5 <13>a11 <13>1 - - - -\n<14>newline\r\n\n2024 started\n7 <1>", 100).await;
        assert_eq!(got, [&b"<13>a"[..], b"<13>1 - - -", b"-", b"<14>newline\r", b"2024 started", b"<1>"]);
    }

    #[tokio::test]
    async fn long_frames_are_cut_and_their_rest_skipped() {
        let mut input = b"12 <bcdefghijkl".to_vec();
        input.extend_from_slice(b"xyzxyzxyz\nnext\n");
        assert_eq!(frames(&input, 4).await, [&b"<bcd"[..], b"xyzx", b"next"]);
    }
}
