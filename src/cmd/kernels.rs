//! `rdx kernels [--kernel FILE.wasm]…`: list every kernel that `kernel NAME(buf)` can call.

use crate::kernels::{KernelArgs, host};
use std::process::ExitCode;

/// List the available kernels: name, mirror, element type, exact/unitary, order, accepted
/// lengths and where each came from (stdlib or a --kernel file).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    kernels: KernelArgs,
}

pub fn run(args: Args) -> ExitCode {
    let host = match host(&args.kernels) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let header = ["name", "mirror", "elem", "kind", "order", "length", "origin"];
    let rows: Vec<[String; 7]> = host
        .kernels()
        .iter()
        .map(|k| {
            let length = match k.max_len {
                Some(m) => format!("{}, <= {m}", k.length),
                None => k.length.to_string(),
            };
            let order = if k.order == 0 { "none".to_string() } else { k.order.to_string() };
            [
                k.name.clone(),
                k.mirror.clone(),
                k.elem.to_string(),
                k.kind.to_string(),
                order,
                length,
                k.origin.to_string(),
            ]
        })
        .collect();
    print!("{}", super::ledger::table(&header, &rows));
    ExitCode::SUCCESS
}
