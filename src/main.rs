//! The `hirevet` command line: parse arguments, load configuration, call
//! into the library. Scriptable output goes to stdout (ids, keys, JSON);
//! messages for people go to stderr.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use uuid::Uuid;

use hirevet::app::Application;
use hirevet::config::{Config, Settings};
use hirevet::domain::access::{Role, Scope};
use hirevet::domain::values::Email;
use hirevet::domain::values::PartialDate;
use hirevet::jobs::list_refresh::{ListService, RefreshOutcome};
use hirevet::observability;
use hirevet::screening::lists::LiveLists;
use hirevet::screening::names::AnalyzedName;
use hirevet::screening::score::{compare, DefaultRarity};
use hirevet::screening::screen::{screen, Subject, SubjectDate, SubjectKind, Thresholds};
use hirevet::store::{format_micros, Store};

/// glibc's allocator spent an eighth of the server's CPU under load
/// (many small, short-lived strings and JSON values per request, freed on
/// other threads); mimalloc's per-thread heaps cost less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "hirevet",
    version,
    about = "Vets remote hires for DPRK IT-worker indicators"
)]
struct Cli {
    /// TOML configuration file; HIREVET_* variables override it.
    #[arg(long, global = true, env = "HIREVET_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL (sqlite://FILE or postgres://…); overrides the config.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (applies migrations first).
    Serve {
        /// Address to listen on, host:port.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants.
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage analyst accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Sanctions lists: import files, show status, fetch now.
    #[command(subcommand)]
    Lists(ListsCommand),
    /// Score name pairs: CSV `name1,name2[,kind]` on stdin, CSV out with
    /// the score and band (and, with --explain, the token alignment).
    MatchPairs {
        #[arg(long)]
        explain: bool,
    },
    /// Screen one name against the loaded lists and print the result.
    Screen {
        #[arg(long)]
        name: String,
        /// YYYY-MM-DD, YYYY-MM or YYYY.
        #[arg(long)]
        dob: Option<String>,
        /// Screen as an organisation instead of a person.
        #[arg(long)]
        organization: bool,
        /// ISO country code; repeat for several.
        #[arg(long = "nationality")]
        nationalities: Vec<String>,
    },
    /// Check that the index retrieves every list name that scoring all
    /// names would find: names on stdin (one per line), against the loaded
    /// lists at the review threshold. Exits 1 on any miss.
    RecallParity,
    /// Exit 0 if the service at the configured listen address answers
    /// /healthz (for container HEALTHCHECKs, which have no curl).
    Healthcheck,
}

#[derive(Subcommand)]
enum TenantsCommand {
    /// Create a tenant; prints only its id.
    Create { name: String },
    /// List tenants.
    List(ListArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create an API key; prints only the key, which is shown this once.
    Create {
        #[arg(long)]
        tenant: Uuid,
        /// Scope to grant; repeat for several.
        #[arg(long = "scope", required = true, value_parser = parse_scope)]
        scopes: Vec<Scope>,
        /// A label to recognise the key by.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List a tenant's keys (never the secrets).
    List {
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Revoke a key at once.
    Revoke {
        #[arg(long)]
        tenant: Uuid,
        id: Uuid,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an analyst account; prints only its id.
    Create {
        #[arg(long)]
        tenant: Uuid,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read a console password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a tenant's analyst accounts.
    List {
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Load a list version from files (OFAC: the sdn/add/alt/comments set).
    Import {
        /// The configured source id, e.g. us_ofac_sdn or un_sc.
        #[arg(long)]
        source: String,
        #[arg(long = "path", required = true, num_args = 1..)]
        paths: Vec<PathBuf>,
        /// Skip the sanity gates (a deliberate large change).
        #[arg(long)]
        force: bool,
    },
    /// Show each list's live version, age and last error.
    Status(ListArgs),
    /// Fetch sources now (all enabled ones, or one).
    Refresh {
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Args)]
struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn load_config(cli: &Cli, listen: Option<&str>) -> anyhow::Result<Config> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database_url {
        settings.database_url = url.clone();
    }
    if let Some(listen) = listen {
        settings.listen = listen.to_string();
    }
    Ok(settings.validate()?)
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url, 2)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

fn print_listing(json_out: bool, rows: Vec<serde_json::Value>, columns: &[&str]) {
    if json_out {
        println!("{}", serde_json::Value::Array(rows));
        return;
    }
    println!("{}", columns.join("\t"));
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match &row[*c] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            })
            .collect();
        println!("{}", cells.join("\t"));
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } => listen.as_deref(),
        _ => None,
    };
    let config = load_config(&cli, listen)?;
    match cli.command {
        Command::Serve { .. } => {
            observability::init_logging(&config);
            let app = Application::build(config).await?;
            tracing::info!(address = %app.local_addr(), "hirevet listening");
            eprintln!("hirevet listening on http://{}", app.local_addr());
            app.run().await?;
        }
        Command::Healthcheck => healthcheck(config.listen)?,
        Command::Lists(cmd) => run_lists(cmd, config).await?,
        Command::RecallParity => {
            let store = open_store(&config).await?;
            let service = ListService::new(store, Arc::new(LiveLists::default()), config.lists)
                .map_err(anyhow::Error::msg)?;
            if service.load_live().await? == 0 {
                bail!("no sanctions list is loaded");
            }
            let live = service.live().current();
            let (mut queries, mut expected, mut missed) = (0, 0, 0);
            for line in std::io::stdin().lines() {
                let name = line?;
                let query = AnalyzedName::new(name.trim(), false);
                if query.tokens.is_empty() {
                    continue;
                }
                queries += 1;
                let threshold = config.screening.review;
                let found: std::collections::HashSet<&str> = live
                    .index
                    .search(&query, threshold)
                    .iter()
                    .map(|c| c.name.name.as_str())
                    .collect();
                for reference in live.index.search_exhaustive(&query, threshold) {
                    expected += 1;
                    if !found.contains(reference.name.name.as_str()) {
                        missed += 1;
                        println!(
                            "missed: {} ~ {} ({:.3})",
                            name.trim(),
                            reference.name.name,
                            reference.score.score
                        );
                    }
                }
            }
            println!("{queries} queries; {expected} names at or above {} by scoring all names; {missed} of them not retrieved by the index", config.screening.review);
            if missed > 0 {
                bail!("the index missed {missed} names");
            }
        }
        Command::MatchPairs { explain } => match_pairs(config.screening, explain)?,
        Command::Screen {
            name,
            dob,
            organization,
            nationalities,
        } => {
            let store = open_store(&config).await?;
            let service = ListService::new(store, Arc::new(LiveLists::default()), config.lists)
                .map_err(anyhow::Error::msg)?;
            if service.load_live().await? == 0 {
                bail!("no sanctions list is loaded; use `hirevet lists import` or `lists refresh`");
            }
            let date = dob
                .map(|d| PartialDate::parse(&d).map_err(|m| anyhow::anyhow!("--dob {m}")))
                .transpose()?;
            let subject = Subject {
                kind: if organization {
                    SubjectKind::Organization
                } else {
                    SubjectKind::Person
                },
                names: vec![name],
                date_of_birth: date.map(|d| SubjectDate {
                    year: d.year(),
                    month: d.month(),
                    day: d.day(),
                }),
                nationalities: nationalities.iter().map(|n| n.to_uppercase()).collect(),
                identifiers: Vec::new(),
                crypto_addresses: Vec::new(),
            };
            let live = service.live().current();
            let hits = screen(&live.index, &subject, None, config.screening);
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "hits": hits }))?
            );
        }
        Command::Migrate => {
            open_store(&config).await?;
            eprintln!("migrations applied");
        }
        Command::Tenants(cmd) => {
            let store = open_store(&config).await?;
            match cmd {
                TenantsCommand::Create { name } => {
                    let name = name.trim();
                    if name.is_empty() || name.chars().count() > 200 {
                        bail!("tenant name must be 1 to 200 characters");
                    }
                    let tenant = store.create_tenant(name).await?;
                    println!("{}", tenant.id);
                }
                TenantsCommand::List(args) => {
                    let rows = store
                        .list_tenants()
                        .await?
                        .into_iter()
                        .map(|t| {
                            json!({"id": t.id, "name": t.name, "created_at": format_micros(t.created_at)})
                        })
                        .collect();
                    print_listing(args.json, rows, &["id", "name", "created_at"]);
                }
            }
        }
        Command::Keys(cmd) => {
            let store = open_store(&config).await?;
            match cmd {
                KeysCommand::Create {
                    tenant,
                    scopes,
                    name,
                } => {
                    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
                    let key = store.create_api_key(tenant, &name, &scopes).await?;
                    eprintln!(
                        "created key {} with scopes {}; store it now, it is not shown again",
                        key.record.id,
                        scopes.join(" ")
                    );
                    println!("{}", key.secret);
                }
                KeysCommand::List { tenant, list } => {
                    let rows = store
                        .list_api_keys(tenant)
                        .await?
                        .into_iter()
                        .map(|k| {
                            json!({
                                "id": k.id, "name": k.name, "prefix": k.prefix,
                                "scopes": k.scopes.join(" "),
                                "created_at": format_micros(k.created_at),
                                "revoked_at": k.revoked_at.map(format_micros),
                            })
                        })
                        .collect();
                    print_listing(
                        list.json,
                        rows,
                        &["id", "name", "prefix", "scopes", "created_at", "revoked_at"],
                    );
                }
                KeysCommand::Revoke { tenant, id } => {
                    store.revoke_api_key(tenant, id).await?;
                    eprintln!("revoked key {id}");
                }
            }
        }
        Command::Users(cmd) => {
            let store = open_store(&config).await?;
            match cmd {
                UsersCommand::Create {
                    tenant,
                    email,
                    role,
                    password_stdin,
                } => {
                    let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("email {m}"))?;
                    let password = if password_stdin {
                        let mut buf = String::new();
                        std::io::stdin().read_to_string(&mut buf)?;
                        let p = buf.trim_end_matches(['\r', '\n']).to_string();
                        if p.chars().count() < 12 {
                            bail!("password must be at least 12 characters");
                        }
                        Some(p)
                    } else {
                        None
                    };
                    let user = store
                        .create_user(tenant, email.as_str(), role.as_str(), password.as_deref())
                        .await?;
                    println!("{}", user.id);
                }
                UsersCommand::List { tenant, list } => {
                    let rows = store
                        .list_users(tenant)
                        .await?
                        .into_iter()
                        .map(|u| {
                            json!({
                                "id": u.id, "email": u.email, "role": u.role,
                                "has_password": u.has_password,
                                "created_at": format_micros(u.created_at),
                            })
                        })
                        .collect();
                    print_listing(
                        list.json,
                        rows,
                        &["id", "email", "role", "has_password", "created_at"],
                    );
                }
            }
        }
    }
    Ok(())
}

async fn run_lists(cmd: ListsCommand, config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let service = ListService::new(store, Arc::new(LiveLists::default()), config.lists)
        .map_err(anyhow::Error::msg)?;
    service.load_live().await?;
    let report = |id: &str, outcome: &RefreshOutcome| -> bool {
        let text = serde_json::to_string(outcome).unwrap_or_default();
        eprintln!("{id}: {text}");
        matches!(
            outcome,
            RefreshOutcome::Updated { .. } | RefreshOutcome::Unchanged { .. }
        )
    };
    match cmd {
        ListsCommand::Import {
            source,
            paths,
            force,
        } => {
            let mut files = Vec::new();
            for path in &paths {
                let bytes =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((name, bytes));
            }
            let outcome = service.import(&source, files, force).await?;
            if !report(&source, &outcome) {
                bail!("{source}: the import was not loaded");
            }
            if let RefreshOutcome::Updated { version, .. } | RefreshOutcome::Unchanged { version } =
                outcome
            {
                println!("{version}");
            }
        }
        ListsCommand::Status(args) => {
            let statuses = service.status().await?;
            let rows = statuses
                .iter()
                .map(|s| {
                    let mut row = serde_json::to_value(s).unwrap_or_default();
                    if !args.json {
                        row["entries"] = json!(s.entries.as_ref().map(|e| e.total));
                        row["last_error"] = json!(s.last_error.as_ref().map(|e| &e.message));
                    }
                    row
                })
                .collect();
            print_listing(
                args.json,
                rows,
                &[
                    "id",
                    "state",
                    "version",
                    "loaded_at",
                    "age_seconds",
                    "entries",
                    "last_error",
                ],
            );
        }
        ListsCommand::Refresh { source } => {
            let outcomes = match source {
                Some(id) => vec![(id.clone(), service.refresh(&id).await?)],
                None => service.refresh_all(false).await?,
            };
            let mut all_ok = true;
            for (id, outcome) in &outcomes {
                all_ok &= report(id, outcome);
            }
            if !all_ok {
                bail!("some lists were not refreshed");
            }
        }
    }
    Ok(())
}

/// Pairwise scoring for benchmarks and for analysts asking "why".
fn match_pairs(thresholds: Thresholds, explain: bool) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::stdin().lock());
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let mut header = vec!["name1", "name2", "score", "band"];
    if explain {
        header.push("explanation");
    }
    writer.write_record(&header)?;
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("reading line {}", line + 1))?;
        let (Some(a), Some(b)) = (record.get(0), record.get(1)) else {
            bail!("line {}: expected name1,name2[,kind]", line + 1);
        };
        let organization = record
            .get(2)
            .map(|k| !matches!(k.trim().to_ascii_lowercase().as_str(), "" | "person"))
            .unwrap_or(false);
        let result = compare(
            &AnalyzedName::new(a, organization),
            &AnalyzedName::new(b, organization),
            &DefaultRarity,
        );
        let band = if result.score >= thresholds.strong {
            "strong"
        } else if result.score >= thresholds.review {
            "review"
        } else {
            "none"
        };
        let score = format!("{:.4}", result.score);
        let mut row = vec![a, b, score.as_str(), band];
        let explanation = serde_json::to_string(&result)?;
        if explain {
            row.push(&explanation);
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// A plain HTTP/1.0 GET, so the runtime image needs no HTTP client.
fn healthcheck(listen: std::net::SocketAddr) -> anyhow::Result<()> {
    use std::io::Write;
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        bail!(
            "unhealthy: {}",
            response.lines().next().unwrap_or("no answer")
        )
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
