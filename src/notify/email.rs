//! Email delivery over SMTP, used to alert a tenant's security team when a
//! candidate is flagged.
//!
//! One [`EmailSender`] per SMTP configuration; it opens a fresh connection
//! for each [`EmailSender::send`] (alerts are rare, so a pool would only hold
//! idle connections that relays drop anyway). Failures come back as an
//! [`EmailError`] that says whether a later retry can help, so the caller's
//! retry queue can keep transient failures and drop the rest.
//!
//! Personal data stays out of logs and errors: this module logs nothing,
//! `Debug` of [`Email`] shows counts rather than recipients or text, `Debug`
//! of [`SmtpConfig`] hides the password, and error messages blank out
//! anything that looks like an address (relays echo recipients in replies).

use std::fmt;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::{self, AsyncSmtpTransport};
use lettre::{AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain TCP, no TLS at all: only for a relay on the same host or
    /// network, and for tests.
    None,
    /// Plain TCP upgraded with STARTTLS, which the server must offer: no
    /// credentials or mail are sent before the upgrade (usually port 587).
    // `rename_all` would spell this "start_tls"; configs say "starttls".
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Tls,
}

/// Where and how to send mail.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Username and password go together: both or neither.
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` mailbox and envelope sender, e.g. `HireVet <alerts@example.com>`.
    pub from: String,
    /// Upper bound for one whole [`EmailSender::send`]: connecting, TLS,
    /// AUTH and the transfer together.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One plain-text message, sent as a single transaction to all recipients.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

impl fmt::Debug for Email {
    // Recipients, subject and text may name the candidate or the security
    // team: show only their sizes so that `?email` in a log is harmless.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email")
            .field("to", &format_args!("<{} recipients>", self.to.len()))
            .field("subject", &format_args!("<{} bytes>", self.subject.len()))
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .finish()
    }
}

/// Why a message was not sent, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// A bad address or configuration, or a server that lacks what the
    /// configuration requires (STARTTLS, AUTH): retrying won't help.
    #[error("invalid email or SMTP configuration: {0}")]
    Invalid(String),
    /// Connection refused or reset, timeout, TLS failure, or a 4xx reply:
    /// retry later.
    #[error("transient SMTP failure: {0}")]
    Transient(String),
    /// The server rejected the message, recipients or credentials with a
    /// 5xx reply.
    #[error("SMTP server rejected the message: {0}")]
    Permanent(String),
}

impl EmailError {
    /// Whether sending the same message later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, EmailError::Transient(_))
    }
}

/// Sends [`Email`]s through one SMTP server.
#[derive(Clone)]
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
    // Kept for `Debug` only: lettre's own `Debug` of the transport would
    // print the credentials.
    host: String,
    port: u16,
    security: SmtpSecurity,
}

impl fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailSender")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.email.to_string())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl EmailSender {
    /// Checks the configuration and prepares the transport; connects to
    /// nothing, so a server that is down now is no reason to fail here.
    pub fn new(config: SmtpConfig) -> Result<Self, EmailError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(EmailError::Invalid("SMTP host is empty".into()));
        }
        if config.port == 0 {
            return Err(EmailError::Invalid("SMTP port is 0".into()));
        }
        if config.timeout.is_zero() {
            return Err(EmailError::Invalid("SMTP timeout is zero".into()));
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| EmailError::Invalid(format!("sender address: {e}")))?;

        let builder = match config.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| EmailError::Invalid(format!("TLS setup for {host}: {e}")))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| EmailError::Invalid(format!("TLS setup for {host}: {e}")))?,
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        match (config.username, config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password));
            }
            (None, None) => {}
            _ => {
                return Err(EmailError::Invalid(
                    "SMTP username and password must be set together".into(),
                ))
            }
        }

        Ok(Self {
            transport: builder.build(),
            from,
            timeout: config.timeout,
            host: host.to_owned(),
            port: config.port,
            security: config.security,
        })
    }

    /// Sends `email` as one plain-text UTF-8 message to all its recipients.
    /// The delivered text always ends with exactly one line break.
    ///
    /// Succeeds once the server has accepted the message for every
    /// recipient; a rejected recipient fails the whole send, so that a retry
    /// never mails the others twice.
    pub async fn send(&self, email: &Email) -> Result<(), EmailError> {
        let message = self.build(email)?;
        let raw = message.formatted();
        let envelope = message.envelope();
        match tokio::time::timeout(self.timeout, self.send_raw(envelope, &raw)).await {
            Ok(result) => result,
            Err(_) => Err(EmailError::Transient(format!(
                "no answer from {}:{} within {:?}",
                self.host, self.port, self.timeout
            ))),
        }
    }

    async fn send_raw(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), EmailError> {
        self.transport
            .send_raw(envelope, raw)
            .await
            .map(drop)
            .map_err(classify)
    }

    fn build(&self, email: &Email) -> Result<Message, EmailError> {
        if email.to.is_empty() {
            return Err(EmailError::Invalid("no recipients".into()));
        }
        let mut builder = Message::builder()
            // lettre adds `Date` itself but `Message-ID` only when asked;
            // relays and spam filters look for both.
            .message_id(None)
            .from(self.from.clone())
            // Collapsing line breaks keeps a subject built from candidate
            // data from folding into extra header lines.
            .subject(single_line(&email.subject))
            .header(ContentType::TEXT_PLAIN);
        for (i, to) in email.to.iter().enumerate() {
            // The address itself stays out of the error: it is personal data.
            let mailbox: Mailbox = to.trim().parse().map_err(|_| {
                EmailError::Invalid(format!("recipient {} is not a valid address", i + 1))
            })?;
            builder = builder.to(mailbox);
        }
        // lettre ends DATA with CRLF.CRLF even when the body already ends
        // with a line break, which would deliver one blank line too many.
        let text = email.text.trim_end_matches(['\r', '\n']).to_owned();
        builder
            .body(text)
            .map_err(|e| EmailError::Invalid(format!("message: {}", redact(&e.to_string()))))
    }
}

/// Sorts a lettre SMTP error by whether a retry can help.
fn classify(error: smtp::Error) -> EmailError {
    let text = redact(&error.to_string());
    if error.is_permanent() {
        EmailError::Permanent(text)
    } else if error.is_transient() || error.is_timeout() {
        EmailError::Transient(text)
    } else if error.is_client() {
        // lettre's client errors are capability mismatches: STARTTLS
        // required but not offered, no AUTH mechanism in common, and so on.
        // They last until someone changes the server or the configuration.
        EmailError::Invalid(text)
    } else {
        // Connection refused or reset, DNS, TLS handshake, a garbled reply:
        // all may clear up (a relay restarting, a certificate being
        // renewed), and losing a security alert costs more than retrying
        // within the caller's bounded retry policy.
        EmailError::Transient(text)
    }
}

fn single_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Blanks out every word with an `@`: servers quote recipients in replies
/// (`550 <jane@example.com>: unknown user`), and errors end up in logs.
fn redact(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security: SmtpSecurity::None,
            username: Some("alerts".into()),
            password: Some("hunter2-secret".into()),
            from: "HireVet <alerts@example.com>".into(),
            timeout: Duration::from_secs(5),
        }
    }

    fn email() -> Email {
        Email {
            to: vec!["soc@example.com".into()],
            subject: "Candidate flagged".into(),
            text: "Details".into(),
        }
    }

    #[test]
    fn security_uses_config_spelling() {
        #[derive(Deserialize)]
        struct Wrap {
            s: SmtpSecurity,
        }
        for (text, want) in [
            ("none", SmtpSecurity::None),
            ("starttls", SmtpSecurity::StartTls),
            ("tls", SmtpSecurity::Tls),
        ] {
            let got: Wrap = toml_like(text);
            assert_eq!(got.s, want);
        }

        fn toml_like(value: &str) -> Wrap {
            use serde::de::value::{Error, MapDeserializer};
            let map = MapDeserializer::<_, Error>::new(std::iter::once(("s", value)));
            Wrap::deserialize(map).expect("known spelling")
        }
    }

    #[test]
    fn debug_hides_password_and_personal_data() {
        let shown = format!("{:?}", config());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");

        let sender = EmailSender::new(config()).expect("valid config");
        let shown = format!("{sender:?}");
        assert!(!shown.contains("hunter2"), "{shown}");

        let shown = format!("{:?}", email());
        assert!(!shown.contains("soc@"), "{shown}");
        assert!(!shown.contains("Details"), "{shown}");
        assert!(!shown.contains("flagged"), "{shown}");
    }

    #[test]
    fn bad_configs_are_invalid() {
        let cases: [fn(&mut SmtpConfig); 6] = [
            |c| c.host = " ".into(),
            |c| c.port = 0,
            |c| c.timeout = Duration::ZERO,
            |c| c.from = "not an address".into(),
            |c| c.password = None,
            |c| c.username = None,
        ];
        for tweak in cases {
            let mut c = config();
            tweak(&mut c);
            let err = EmailSender::new(c.clone()).expect_err(&format!("{c:?}"));
            assert!(matches!(err, EmailError::Invalid(_)), "{err:?}");
            assert!(!err.is_retryable());
        }
    }

    #[test]
    fn tls_modes_build_without_connecting() {
        for security in [SmtpSecurity::StartTls, SmtpSecurity::Tls] {
            let c = SmtpConfig {
                host: "smtp.example.com".into(),
                security,
                ..config()
            };
            EmailSender::new(c).expect("TLS config builds");
        }
    }

    #[test]
    fn bad_recipients_are_invalid_and_not_echoed() {
        let sender = EmailSender::new(config()).expect("valid config");
        let no_one = Email {
            to: vec![],
            ..email()
        };
        assert!(matches!(sender.build(&no_one), Err(EmailError::Invalid(_))));

        let bad = Email {
            to: vec!["soc@example.com".into(), "jane.doe at example".into()],
            ..email()
        };
        let err = sender.build(&bad).expect_err("bad address");
        assert_eq!(
            err,
            EmailError::Invalid("recipient 2 is not a valid address".into())
        );
    }

    #[test]
    fn message_is_plain_utf8_to_all_recipients() {
        let sender = EmailSender::new(config()).expect("valid config");
        let message = sender
            .build(&Email {
                to: vec!["a@example.com".into(), "b@example.org".into()],
                subject: "Flagged:\r\nBcc: evil@example.net".into(),
                text: "Kim Chŏl-su — 김철수".into(),
            })
            .expect("valid email");
        let envelope = message.envelope();
        assert_eq!(
            envelope.from().map(ToString::to_string).as_deref(),
            Some("alerts@example.com")
        );
        let to: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
        assert_eq!(to, ["a@example.com", "b@example.org"]);

        let raw = String::from_utf8(message.formatted()).expect("ASCII on the wire");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Subject: Flagged: Bcc: evil@example.net\r\n"),
            "{raw}"
        );
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        assert!(EmailError::Transient("x".into()).is_retryable());
        assert!(!EmailError::Permanent("x".into()).is_retryable());
        assert!(!EmailError::Invalid("x".into()).is_retryable());
    }

    #[test]
    fn redact_blanks_addresses() {
        assert_eq!(
            redact("permanent error (550): <jane@example.com>: unknown user"),
            "permanent error (550): <address> unknown user"
        );
        assert_eq!(single_line("a\r\nb\n\nc"), "a b c");
    }
}
