//! [`SmtpSink`]: a small SMTP receiver on `127.0.0.1:0` that speaks enough
//! of RFC 5321 for `lettre` (greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA
//! with dot-unstuffing, RSET, NOOP, QUIT) and records every message with
//! its envelope, raw data and parsed `Subject`/body.
//!
//! Plain text only (no STARTTLS, no AUTH): point the server at it with
//! `--smtp-url smtp://127.0.0.1:<port>`. Dropping the sink stops it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Longest line accepted (RFC 5321 says 1000 for text lines; be lenient).
const MAX_LINE: usize = 64 * 1024;
/// Largest message accepted.
const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// One message the sink received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM:<…>`, without the brackets).
    pub from: String,
    /// The envelope recipients (`RCPT TO:<…>`), in order.
    pub recipients: Vec<String>,
    /// The message as sent after DATA (headers and body, CRLF line
    /// endings, dot-unstuffed, without the terminating `.`).
    pub raw: String,
    /// The unfolded `Subject` header (RFC 2047 words are left as sent).
    pub subject: Option<String>,
    /// The body, decoded from quoted-printable or base64 when the message
    /// says so, with `\n` line endings.
    pub body: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.raw, name)
    }
}

#[derive(Debug, Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    arrived: Notify,
}

/// A recording SMTP server for email notifier tests.
#[derive(Debug)]
pub struct SmtpSink {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    acceptor: JoinHandle<()>,
}

impl SmtpSink {
    /// Binds `127.0.0.1:0` and starts accepting.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    // A client that misbehaves or hangs up only ends its session.
                    let _ = session(stream, &shared).await;
                });
            }
        });
        Self { addr, shared, acceptor }
    }

    /// `smtp://127.0.0.1:<port>`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared.mails.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived and returns all received;
    /// panics with what did arrive after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before the check so an arrival in between still wakes us.
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let received = self.received();
                assert!(
                    received.len() >= n,
                    "SMTP sink: expected {n} message(s) within {timeout:?}, got {}: {:#?}",
                    received.len(),
                    received.iter().map(|m| (&m.recipients, &m.subject)).collect::<Vec<_>>()
                );
                return received;
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

/// The envelope being built between MAIL FROM and the end of DATA.
#[derive(Debug, Default)]
struct Envelope {
    from: Option<String>,
    recipients: Vec<String>,
}

/// One SMTP conversation.
async fn session(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 orion-testkit SMTP sink ready\r\n").await?;
    let mut envelope = Envelope::default();
    let mut line = String::new();
    loop {
        line.clear();
        if read_line(&mut reader, &mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-orion-testkit greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 orion-testkit\r\n",
            "MAIL" => match address_after(command, "FROM:") {
                Some(from) => {
                    envelope = Envelope { from: Some(from), recipients: Vec::new() };
                    b"250 OK\r\n"
                }
                None => b"501 Syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (envelope.from.is_some(), address_after(command, "TO:")) {
                (false, _) => b"503 MAIL first\r\n",
                (true, Some(to)) => {
                    envelope.recipients.push(to);
                    b"250 OK\r\n"
                }
                (true, None) => b"501 Syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if envelope.from.is_none() || envelope.recipients.is_empty() => {
                b"503 MAIL and RCPT first\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let raw = read_data(&mut reader).await?;
                let envelope = std::mem::take(&mut envelope);
                shared.store(parse_mail(envelope.from.unwrap_or_default(), envelope.recipients, raw));
                b"250 OK: queued\r\n"
            }
            "RSET" => {
                envelope = Envelope::default();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

impl Shared {
    fn store(&self, mail: ReceivedMail) {
        self.mails.lock().unwrap().push(mail);
        self.arrived.notify_waiters();
    }
}

/// Reads one line, refusing absurdly long ones.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R, line: &mut String) -> std::io::Result<usize> {
    let mut bytes = Vec::new();
    let n = (&mut *reader).take(MAX_LINE as u64).read_until(b'\n', &mut bytes).await?;
    line.push_str(&String::from_utf8_lossy(&bytes));
    Ok(n)
}

/// Reads DATA up to the lone `.`, undoing dot-stuffing (RFC 5321 4.5.2).
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<String> {
    let mut raw = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read_line(reader, &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Ok(raw);
        }
        let content = content.strip_prefix('.').unwrap_or(content);
        if raw.len() + content.len() > MAX_MESSAGE {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        raw.push_str(content);
        raw.push_str("\r\n");
    }
}

/// `MAIL FROM:<a@b> SIZE=…` → `a@b` (case-insensitive keyword, optional space).
fn address_after(command: &str, keyword: &str) -> Option<String> {
    let upper = command.to_ascii_uppercase();
    let start = upper.find(keyword)? + keyword.len();
    let rest = command[start..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

fn parse_mail(from: String, recipients: Vec<String>, raw: String) -> ReceivedMail {
    let (_, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    let encoding = header(&raw, "Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_else(|_| body.to_owned())
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_owned(),
    };
    ReceivedMail { from, recipients, subject: header(&raw, "Subject"), body: body.replace("\r\n", "\n"), raw }
}

/// The first header `name` of a message, unfolded (RFC 5322 2.2.3).
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split_once("\r\n\r\n").map_or(raw, |(head, _)| head);
    let mut lines = head.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else { continue };
        if !key.eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = value.trim_start().to_owned();
        while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
            value.push_str(next);
            lines.next();
        }
        return Some(value.trim_end().to_owned());
    }
    None
}

/// Decodes quoted-printable text (soft line breaks and `=XX` escapes).
fn decode_quoted_printable(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.replace("=\r\n", "").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = [bytes[i + 1], bytes[i + 2]];
            let hex = std::str::from_utf8(&hex).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_headers_are_unfolded() {
        let raw = "Subject: [Orion] FIRING\r\n a long one\r\nTo: x@y\r\n\r\nbody\r\n";
        assert_eq!(header(raw, "subject").as_deref(), Some("[Orion] FIRING a long one"));
        assert_eq!(header(raw, "To").as_deref(), Some("x@y"));
    }

    #[test]
    fn quoted_printable_is_decoded() {
        assert_eq!(decode_quoted_printable("a=3Db soft=\r\nbreak"), "a=b softbreak");
    }

    #[tokio::test]
    async fn data_ends_at_the_lone_dot_and_is_dot_unstuffed() {
        let mut wire: &[u8] = b"Subject: x\r\n\r\n..leading dot\r\n.\r\nNOOP\r\n";
        let raw = read_data(&mut wire).await.unwrap();
        assert_eq!(raw, "Subject: x\r\n\r\n.leading dot\r\n");
        assert_eq!(wire, b"NOOP\r\n");
    }

    #[test]
    fn addresses_are_taken_from_between_brackets() {
        assert_eq!(address_after("MAIL FROM:<a@b.c> SIZE=12", "FROM:").as_deref(), Some("a@b.c"));
        assert_eq!(address_after("rcpt to: <x@y>", "TO:").as_deref(), Some("x@y"));
        assert_eq!(address_after("MAIL FROM:a@b", "FROM:"), None);
    }
}
