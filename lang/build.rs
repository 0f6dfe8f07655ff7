//! Generates the parser from `src/grammar.lalrpop` into `OUT_DIR` (included by `src/parser.rs`).
//! lalrpop emits `rerun-if-changed` for the grammar, so editing other sources does not rerun it.

fn main() {
    lalrpop::Configuration::new()
        .set_in_dir("src")
        .emit_rerun_directives(true)
        .process()
        .expect("the grammar in src/grammar.lalrpop builds");
}
