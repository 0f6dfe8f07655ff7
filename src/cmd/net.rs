//! `rdx serve`, `rdx peer`, `rdx fetch`, `rdx push`: a home over HTTP (see `rdx-net`), and
//! the fallback that loads a CID from the peers when it is not in the local store.

use crate::frontend::{fail, usage_error};
use rdx_core::{Cid, CoreError, Home};
use rdx_net::peers::read_token;
use rdx_net::server::Config;
use rdx_net::{Client, NetError, Peer, Peers};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Serve this home over HTTP/1.1: blobs by CID, run records, remote runs
///
///   GET/HEAD /blobs/CID   a blob, verified (Range: bytes=a-b gives 206)
///   PUT /blobs/CID        store a blob whose bytes hash to CID (a write)
///   GET /runs?after=ID    run records with larger ids, oldest first (as `rdx log --json`)
///   POST /runs            run {program, entry, direction, input} here and record it (a write)
///   GET /health           {"ok":true,"version":…}
///
/// HEAD says 200 only for bytes that hash to the CID, as GET does. Every blob sent is a probe
/// in this home's ledger (what: serve, the client's address, bytes, time, outcome), written
/// in batches (at 256, every second, and on SIGINT/SIGTERM).
///
/// Writes need `Authorization: Bearer TOKEN` when --token-file is given. The first line of
/// stdout is `listening on http://ADDR`. SIGINT or SIGTERM stops it after the requests in
/// flight, or after --stop-ms milliseconds whatever still runs.
///
/// Limits: a request body over --max-body bytes is refused (413) before it is read; at most
/// --max-concurrency requests are served at once (the others wait their turn); a remote run
/// executes at most --run-steps instructions and is stopped after --run-ms milliseconds
/// (error R0119, recorded like any failed run). A client may ask for less, never more.
/// A request's body is read before it takes its turn; a client that sends its head or body
/// too slowly (--head-ms, --body-ms) or takes nothing of its answer (--send-ms) is dropped.
/// GET /health never waits for a turn.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// The address to bind, exactly: an IP address and a port 0..65535 (port 0: any free
    /// port).
    #[arg(long, default_value = "127.0.0.1:7370", value_parser = parse_addr)]
    addr: SocketAddr,
    /// A file whose first line is the token writes must carry.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The largest request body, in bytes (from 1).
    #[arg(long, value_name = "BYTES", default_value_t = rdx_net::MAX_BODY,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_body: usize,
    /// Requests served at once (1 to 4096).
    #[arg(long, value_name = "N", default_value_t = rdx_net::server::MAX_CONCURRENCY as u64,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_concurrency: u64,
    /// Instructions a remote run may execute (from 1).
    #[arg(long, value_name = "N", default_value_t = rdx_net::remote::Budget::default().max_steps,
          value_parser = clap::value_parser!(u64).range(1..))]
    run_steps: u64,
    /// Milliseconds a remote run may take before it is stopped (from 1).
    #[arg(long, value_name = "MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    run_ms: u64,
    /// Milliseconds a client may take to send a request's head (an idle connection is closed
    /// after as long).
    #[arg(long, value_name = "MS", default_value_t = ms(rdx_net::server::HEAD_TIMEOUT),
          value_parser = clap::value_parser!(u64).range(1..))]
    head_ms: u64,
    /// Milliseconds a request's body may go without a byte arriving (then 408).
    #[arg(long, value_name = "MS", default_value_t = ms(rdx_net::server::BODY_TIMEOUT),
          value_parser = clap::value_parser!(u64).range(1..))]
    body_ms: u64,
    /// Milliseconds an answer may go without the client taking a byte of it (then the
    /// connection is dropped).
    #[arg(long, value_name = "MS", default_value_t = ms(rdx_net::server::SEND_TIMEOUT),
          value_parser = clap::value_parser!(u64).range(1..))]
    send_ms: u64,
    /// Milliseconds the requests in flight may take after SIGINT or SIGTERM: then the server
    /// stops anyway.
    #[arg(long, value_name = "MS", default_value_t = ms(rdx_net::server::STOP_TIMEOUT))]
    stop_ms: u64,
    /// Sleep this many milliseconds before each answer: a slow peer on one machine, to try
    /// the planner (README "The planner") or a client's timeouts.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Test only: sleep this many milliseconds between the 1 MiB pieces of a streamed blob.
    #[arg(long, hide = true, default_value_t = 0)]
    pace_ms: u64,
}

/// `--addr`: an IP address and a port, said so when it is not (clap's own message names no
/// form).
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        "not an address to bind: give an IP address and a port 0..65535, e.g. 127.0.0.1:8080 \
         ([::1]:8080 for IPv6; a host name such as localhost will not do)"
            .to_string()
    })
}

/// A duration in whole milliseconds (for the defaults of options).
const fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

pub fn serve(args: ServeArgs, home: Option<&Path>) -> ExitCode {
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let mut config = Config::new(home.root().to_path_buf());
    drop(home);
    if let Some(path) = &args.token_file {
        match read_token(path) {
            Ok(t) => config.token = Some(t),
            Err(e) => return net_fail(e),
        }
    }
    config.delay = Duration::from_millis(args.delay_ms);
    config.pace = Duration::from_millis(args.pace_ms);
    config.max_body = args.max_body;
    config.max_concurrency = usize::try_from(args.max_concurrency).unwrap_or(1);
    config.budget =
        rdx_net::remote::Budget { max_steps: args.run_steps, wall: Duration::from_millis(args.run_ms) };
    config.head_timeout = Duration::from_millis(args.head_ms);
    config.body_timeout = Duration::from_millis(args.body_ms);
    config.send_timeout = Duration::from_millis(args.send_ms);
    config.stop_timeout = Duration::from_millis(args.stop_ms);
    let served = rdx_net::server::run(args.addr, config, |addr| println!("listening on http://{addr}"));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot serve on {}: {e}", args.addr);
            ExitCode::from(1)
        }
    }
}

/// The peers of this home: other homes served with `rdx serve`
///
/// A CID missing from the store is looked up on each peer in order (`rdx run`, `rdx store
/// get`, `rdx disasm`, `rdx fetch`); what a peer sends is stored only if it hashes to the CID.
/// Peers are kept in $RDX_HOME/peers.toml.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct PeerArgs {
    #[command(subcommand)]
    command: PeerCommand,
}

#[derive(clap::Subcommand)]
enum PeerCommand {
    /// Add a peer: a name and the URL of its server (http://HOST:PORT).
    Add {
        name: String,
        url: String,
        /// A file whose first line is the token for writes to this peer.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// List the peers, in the order they are asked.
    Ls,
    /// Remove a peer.
    Rm { name: String },
    /// Copy the peer's run records into this ledger, as records of kind `foreign_run`
    /// (idempotent: a rerun adds only what is new). The blobs they name are fetched when
    /// first needed, or now with --blobs.
    Sync {
        name: String,
        /// Fetch every blob the records name now (verified), not when first needed.
        #[arg(long)]
        blobs: bool,
    },
}

pub fn peer(args: PeerArgs, home: Option<&Path>) -> ExitCode {
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let root = home.root();
    let result = Peers::load(root).and_then(|peers| match args.command {
        PeerCommand::Add { name, url, token_file } => {
            let token_file = match token_file.map(|p| std::path::absolute(&p).map_err(|e| (p, e))) {
                Some(Err((p, e))) => return Err(NetError::Usage(format!("{}: {e}", p.display()))),
                Some(Ok(p)) => Some(p),
                None => None,
            };
            let peer = Peer { name, url, token_file };
            if let Some(path) = &peer.token_file {
                read_token(path)?;
            }
            // Read again under the lock: another `peer add` may have changed the file.
            Peers::update(root, |peers| peers.add(peer))
        }
        PeerCommand::Ls => {
            for p in &peers.list {
                match &p.token_file {
                    Some(t) => println!("{}  {}  token: {}", p.name, p.url, t.display()),
                    None => println!("{}  {}", p.name, p.url),
                }
            }
            Ok(())
        }
        PeerCommand::Rm { name } => Peers::update(root, |peers| peers.remove(&name).map(drop)),
        PeerCommand::Sync { name, blobs } => {
            let peer = peers.get(&name)?;
            let report = rdx_net::sync::sync(&Client::from_env()?, &home, peer, blobs)?;
            match (report.added.first(), report.added.last()) {
                (Some((first, _)), Some((last, _))) => println!(
                    "synced {} run{} from {name} (records {first}–{last}, kind {}); {} already here",
                    report.added.len(),
                    if report.added.len() == 1 { "" } else { "s" },
                    rdx_net::sync::FOREIGN_RUN,
                    report.skipped
                ),
                _ => println!("nothing new from {name}; {} already here", report.skipped),
            }
            if blobs {
                println!("fetched {} blob{}", report.blobs, if report.blobs == 1 { "" } else { "s" });
            }
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => net_fail(e),
    }
}

/// Copy a blob from the peers into the store (verified), and print its CID
#[derive(clap::Args)]
pub struct FetchArgs {
    /// The blob's whole CID (64 hex digits); a prefix of at least 8 names a blob this home
    /// already holds (with --from, fetched again from that peer and verified).
    #[arg(value_name = "CID")]
    cid: String,
    /// Ask only this peer (default: the store, then each peer in order).
    #[arg(long, value_name = "NAME")]
    from: Option<String>,
}

pub fn fetch(args: FetchArgs, home: Option<&Path>) -> ExitCode {
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let cid = match fetch_cid(&home, &args.cid) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = Peers::load(home.root()).and_then(|peers| match &args.from {
        Some(name) => {
            let peer = peers.get(name)?.clone();
            rdx_net::load::fetch_from(&Client::from_env()?, &home, &[peer], &cid)
        }
        None => rdx_net::load(&home, &peers.list, &cid),
    });
    match result {
        Ok(_) => {
            println!("{cid}");
            ExitCode::SUCCESS
        }
        Err(e) => net_fail(e),
    }
}

/// The CID `rdx fetch` asks for: all 64 digits as given, or a prefix of a blob this home
/// already holds (a prefix names only local blobs: a peer is asked by whole CIDs).
fn fetch_cid(home: &Home, text: &str) -> Result<Cid, ExitCode> {
    let prefix = Cid::check_prefix(text).map_err(fail)?;
    if prefix.len() == 64 {
        return Cid::parse(&prefix).map_err(fail);
    }
    match home.resolve(&prefix) {
        Ok(cid) => Ok(cid),
        Err(CoreError::Dropped { cid, .. }) => Cid::parse(&cid).map_err(fail),
        Err(CoreError::NotFound { .. }) => Err(usage_error(&format!(
            "no blob {prefix} in the store; a prefix works only locally: give all 64 hex digits \
             to fetch it from a peer"
        ))),
        Err(e) => Err(fail(e)),
    }
}

/// Copy a blob of the store to a peer
#[derive(clap::Args)]
pub struct PushArgs {
    /// The blob (a unique prefix of at least 8 hex digits will do).
    #[arg(value_name = "CID")]
    cid: String,
    /// The peer to copy it to.
    #[arg(long, value_name = "NAME")]
    to: String,
}

pub fn push(args: PushArgs, home: Option<&Path>) -> ExitCode {
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let result = Peers::load(home.root()).and_then(|peers| {
        let peer = peers.get(&args.to)?;
        let (cid, bytes) = rdx_core::replay::fetch(&home, &args.cid)?;
        Client::from_env()?.push(peer, &cid, &bytes)?;
        Ok(cid)
    });
    match result {
        Ok(cid) => {
            println!("{cid}");
            ExitCode::SUCCESS
        }
        Err(e) => net_fail(e),
    }
}

/// Prints a network error as `error: …` and gives its exit code.
pub fn net_fail(e: NetError) -> ExitCode {
    match e {
        NetError::Core(e) => fail(e),
        e => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// When `what` names a blob missing from `home`'s store (not an existing file), loads it from
/// the home's peers, so the command can go on as if it were local. A whole CID is needed for
/// that: a prefix names blobs only in the local store.
pub fn ensure_local(home: &Home, what: &str) -> Result<(), ExitCode> {
    if Path::new(what).exists() || Cid::check_prefix(what).is_err() {
        return Ok(());
    }
    match home.resolve(what) {
        Err(CoreError::NotFound { .. }) => {}
        _ => return Ok(()),
    }
    let peers = Peers::load(home.root()).map_err(net_fail)?;
    if peers.list.is_empty() {
        return Ok(());
    }
    match Cid::parse(what) {
        Ok(cid) => rdx_net::load(home, &peers.list, &cid).map(|_| ()).map_err(net_fail),
        Err(_) => Err(usage_error(&format!(
            "no blob {} in the store; a prefix works only locally: give all 64 hex digits \
             to look it up on the peers",
            what.trim()
        ))),
    }
}

/// `rdx run --on NAME`: a run on a peer.
pub struct Remote<'a> {
    pub home: &'a Home,
    pub peer: &'a str,
    pub program: &'a rdx_core::run::Program,
    pub gene: usize,
    pub values: Vec<rdx_vm::Value>,
    pub dir: rdx_vm::Direction,
    /// User kernels (`--kernel`), pushed to the peer and loaded there.
    pub kernels: &'a [rdx_core::kernels::UserKernel],
    /// Verify every kernel call there (`--checked`).
    pub checked: bool,
    /// The peer's engine: `Interp` or `Jit`.
    pub backend: rdx_core::run::Backend,
}

/// What a remote run gave back: the peer, its reply, and the time the caller waited.
pub struct RemoteRun {
    pub peer: rdx_net::peers::Peer,
    pub reply: rdx_net::remote::RunReply,
    /// Pushing what the peer lacked, the run and the answer, in nanoseconds.
    pub waited_ns: u64,
}

impl Remote<'_> {
    /// Pushes what the peer lacks and runs there.
    pub fn exec(&self) -> Result<RemoteRun, rdx_net::NetError> {
        let module = &self.program.module;
        let (program_cid, program_bytes) = self.program.encoded();
        let input = rdx_core::state::encode(module, self.gene, &self.values);
        let input_cid = Cid::of(&input);
        let client = Client::from_env()?;
        let started = std::time::Instant::now();
        let peers = Peers::load(self.home.root())?;
        let peer = peers.get(self.peer)?.clone();
        // The run may take as long as the peer's budget (`rdx serve --run-ms`) allows.
        let budget = client.run_budget(&peer)?;
        let kernel_cids: Vec<Cid> = self.kernels.iter().map(|k| Cid::of(&k.bytes)).collect();
        let mut blobs = vec![(*program_cid, &program_bytes[..]), (input_cid, &input[..])];
        blobs.extend(kernel_cids.iter().copied().zip(self.kernels.iter().map(|k| &k.bytes[..])));
        for (cid, bytes) in blobs {
            if !client.has(&peer, &cid)? {
                client.push(&peer, &cid, bytes)?;
            }
        }
        let request = rdx_net::remote::RunRequest {
            program: program_cid.to_hex(),
            entry: Some(module.genes[self.gene].name.clone()),
            direction: rdx_core::run::direction_name(self.dir).to_string(),
            input: input_cid.to_hex(),
            kernels: kernel_cids.iter().map(Cid::to_hex).collect(),
            checked: self.checked,
            max_steps: None,
            max_ms: None,
            engine: rdx_net::remote::RunRequest::engine_of(self.backend),
        };
        let reply = client.run(&peer, &request, budget.wall)?;
        let waited_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        Ok(RemoteRun { peer, reply, waited_ns })
    }

    /// Records `done` here: the run (flagged `--on=NAME`), and a one-sample probe of the time
    /// the caller waited, which the planner learns the peer's arm from. Gives the run's id.
    pub fn record(&self, done: &RemoteRun) -> Result<u64, rdx_net::NetError> {
        let module = &self.program.module;
        let (_, program_bytes) = self.program.encoded();
        let input = rdx_core::state::encode(module, self.gene, &self.values);
        let client = Client::from_env()?;
        let rec = rdx_net::remote::record_locally(
            &client,
            self.home,
            &done.peer,
            program_bytes,
            &input,
            &self.kernels.iter().map(|k| &k.bytes[..]).collect::<Vec<_>>(),
            &done.reply,
        )?;
        let run = &done.reply.record.run;
        let target = format!("{} {} {} {} {}", run.program, run.entry, run.direction, run.backend, run.input);
        let subject = rdx_core::probe::Subject { kind: "run", source: &done.peer.name, target: &target };
        let started = std::time::SystemTime::now() - std::time::Duration::from_nanos(done.waited_ns);
        let outcome = if run.outcome == "ok" { "ok" } else { "the run failed" };
        if let Some(probe) =
            rdx_core::probe::Probe::new(subject, 0, vec![done.waited_ns], None, outcome, started)
        {
            self.home.record_probe(&probe)?;
        }
        Ok(rec.id)
    }

    /// Prints what a remote run printed, then its result or its error; gives the exit code.
    pub fn print(&self, done: &RemoteRun, json: bool) -> ExitCode {
        let module = &self.program.module;
        let reply = &done.reply;
        use std::io::Write;
        crate::cmd::run::write_printed(reply.printed.as_bytes(), json);
        let mut out = std::io::stdout().lock();
        let run = &reply.record.run;
        let values = reply
            .output
            .as_deref()
            .filter(|_| run.outcome == "ok")
            .map(|o| rdx_core::state::decode(module, self.gene, o.as_bytes()));
        match values {
            Some(Ok(values)) => {
                let text = crate::cmd::run::result_text(self.program, self.gene, &values, json);
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                ExitCode::SUCCESS
            }
            Some(Err(e)) => fail(e),
            None => {
                let _ = out.flush();
                // As a local run renders it: with source spans when the source is at hand.
                let diagnostic = reply.error.as_ref().and_then(|w| w.to_diagnostic());
                match (diagnostic, &self.program.text) {
                    (Some(d), Some(text)) => crate::frontend::report(&[d], &self.program.name, text),
                    (Some(d), None) => eprintln!("error[{}]: {} ({})", d.code, d.message, self.program.name),
                    (None, _) => eprintln!(
                        "error[{}]: {} ({}, run {} on {})",
                        rdx_net::error::printable(run.code.as_deref().unwrap_or("?")),
                        rdx_net::error::printable(run.message.as_deref().unwrap_or("the run failed")),
                        self.program.name,
                        reply.record.id,
                        done.peer.name
                    ),
                }
                ExitCode::from(crate::cmd::run::EXIT_RUNTIME)
            }
        }
    }

    /// Pushes what the peer lacks, runs there, prints as a local run does, and records the
    /// same run here when `record`.
    pub fn run(self, json: bool, record: bool) -> ExitCode {
        let done = match self.exec() {
            Ok(r) => r,
            Err(e) => return net_fail(e),
        };
        if record && let Err(e) = self.record(&done) {
            eprintln!("warning: this run was not recorded here: {e}");
        }
        self.print(&done, json)
    }
}
