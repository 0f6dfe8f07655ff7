//! `rdx store put|get|ls|pin|unpin|gc|verify`: the content-addressed store of a home.

use crate::frontend::{fail, usage_error};
use rdx_core::Home;
use rdx_core::store::GcOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The content-addressed store: put, get, ls, pin, unpin, gc and verify blobs
///
/// Blobs are named by the blake3 hash of their bytes (their CID) and verified on every read.
/// Runs put their programs, states and tapes here.
///
/// A CID can be abbreviated to a unique prefix of at least 8 hex digits, as in git.
///
///   rdx store put prog.rdxb notes.txt   one line per file: CID, then the file name
///   rdx store get 1a2b3c4d              the blob's bytes on stdout (-o FILE to write a file)
///   rdx store ls --json                 every blob: CID, size, where it lives, pinned
///   rdx store gc --dry-run              what gc would delete
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Store files (`-`: stdin); prints one line per file: its CID, then its name.
    Put {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write a blob's bytes to stdout, or to a file with -o. A state that `gc
    /// --drop-recoverable` deleted is recovered by rewinding its run; a whole CID missing
    /// from the store is fetched from the peers (`rdx peer`).
    Get {
        #[arg(value_name = "CID")]
        cid: String,
        /// Write the blob's bytes to FILE (created or overwritten) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the blobs: CID, size in bytes, inline (in the ledger database) or file, pinned.
    Ls {
        /// One JSON array of objects {cid, size, inline, pinned}.
        #[arg(long)]
        json: bool,
    },
    /// Keep a blob through every gc.
    Pin {
        #[arg(value_name = "CID")]
        cid: String,
    },
    /// Let gc delete a blob again (when no run refers to it); a pin whose blob is gone is
    /// removed too.
    Unpin {
        #[arg(value_name = "CID")]
        cid: String,
    },
    /// Delete the blobs nothing needs: kept are pinned blobs and every blob a recorded run
    /// refers to (program, input, output, tape, kernels). Temp files that crashed writers left
    /// in store/tmp go too.
    Gc {
        /// Print what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also delete the inputs of lossless runs: `rdx replay` and `rdx rewind` recover
        /// them from the run's output by running it backward.
        #[arg(long)]
        drop_recoverable: bool,
    },
    /// Re-hash every blob; exit 1 naming the blobs whose bytes no longer match their CID.
    Verify,
}

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let result = match args.command {
        Command::Put { files } => put(&home, &files),
        Command::Get { cid, output } => get(&home, &cid, output.as_deref()),
        Command::Ls { json } => ls(&home, json),
        Command::Pin { cid } => home.resolve(&cid).and_then(|c| home.pin(&c)).map(|()| ExitCode::SUCCESS),
        Command::Unpin { cid } => {
            home.resolve_pinned(&cid).and_then(|c| home.unpin(&c)).map(|()| ExitCode::SUCCESS)
        }
        Command::Gc { dry_run, drop_recoverable } => gc(&home, dry_run, drop_recoverable),
        Command::Verify => verify(&home),
    };
    result.unwrap_or_else(fail)
}

fn put(home: &Home, files: &[PathBuf]) -> Result<ExitCode, rdx_core::CoreError> {
    for f in files {
        let read = if f.as_os_str() == "-" {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut b).map(|_| b)
        } else {
            std::fs::read(f)
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => return Ok(usage_error(&format!("cannot read {}: {e}", f.display()))),
        };
        let cid = home.put(&bytes)?;
        println!("{cid}  {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn get(home: &Home, cid: &str, output: Option<&Path>) -> Result<ExitCode, rdx_core::CoreError> {
    if let Err(code) = crate::cmd::net::ensure_local(home, cid) {
        return Ok(code);
    }
    let (_, bytes) = rdx_core::replay::fetch(home, cid)?;
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &bytes) {
                return Ok(usage_error(&format!("cannot write {}: {e}", path.display())));
            }
        }
        None => {
            crate::frontend::write_stdout(&bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ls(home: &Home, json: bool) -> Result<ExitCode, rdx_core::CoreError> {
    let blobs = home.list()?;
    let mut out = String::new();
    if json {
        let items: Vec<String> = blobs
            .iter()
            .map(|b| {
                format!(
                    r#"{{"cid":"{}","size":{},"inline":{},"pinned":{}}}"#,
                    b.cid, b.size, b.inline, b.pinned
                )
            })
            .collect();
        out = format!("[{}]\n", items.join(","));
    } else {
        for b in &blobs {
            let place = if b.inline { "inline" } else { "file" };
            let pin = if b.pinned { "  pinned" } else { "" };
            out.push_str(&format!("{}  {:>10}  {place}{pin}\n", b.cid, b.size));
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn gc(home: &Home, dry_run: bool, drop_recoverable: bool) -> Result<ExitCode, rdx_core::CoreError> {
    let report = home.gc(&GcOptions { dry_run, drop_recoverable })?;
    let verb = if dry_run { "would delete" } else { "deleted" };
    for (cid, size) in &report.removed {
        println!("{verb} {cid}  {size}");
    }
    // Temp files crashed writers left in `store/tmp/` (spec/ledger.md §2.2), when there are any.
    let temps = match report.stale_temp {
        0 => String::new(),
        1 => format!(" and 1 stale temp file ({} bytes)", report.stale_temp_bytes),
        n => format!(" and {n} stale temp files ({} bytes)", report.stale_temp_bytes),
    };
    eprintln!(
        "{verb} {} blobs ({} bytes){temps}; {} kept",
        report.removed.len(),
        report.freed_bytes,
        report.kept
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(home: &Home) -> Result<ExitCode, rdx_core::CoreError> {
    let corrupt = home.verify_entries()?;
    if corrupt.is_empty() {
        let n = home.list()?.len();
        println!("ok: {n} blobs, every one hashes to its CID");
        return Ok(ExitCode::SUCCESS);
    }
    for bad in &corrupt {
        match bad.cid {
            Some(cid) => println!("corrupt {cid}: {}", bad.why),
            // Its name is no CID: nothing to put in front of what was found.
            None => println!("corrupt: {}", bad.why),
        }
    }
    eprintln!("error: {} corrupt blobs", corrupt.len());
    Ok(ExitCode::from(1))
}

/// Parses a run id (`rdx show 12`); a CID given instead is a usage error that says so.
pub fn run_id(text: &str) -> Result<u64, rdx_core::CoreError> {
    text.trim().parse::<u64>().map_err(|_| {
        rdx_core::CoreError::Usage(format!("`{text}` is not a run id: runs are numbered (see `rdx log`)"))
    })
}
