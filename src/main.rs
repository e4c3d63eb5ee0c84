//! The `rollcall` command: parses the command line and dispatches.

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

// The server allocates and frees many small buffers per check-in (JSON,
// signatures, receipts) across threads; glibc's allocator spent about a
// sixth of its time on that under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => cmd::serve::run(args),
        cli::Command::User(c) => cmd::admin::user(c),
        cli::Command::Token(c) => cmd::admin::token(c),
        cli::Command::Export(args) => cmd::admin::export(args),
        cli::Command::Code(c) => cmd::admin::code(c),
        cli::Command::Backup(args) => cmd::admin::backup(args),
        cli::Command::CopyData(args) => cmd::admin::copy_data(args),
        cli::Command::Erase(args) => cmd::admin::erase(args),
        cli::Command::Keys(c) => cmd::keys::run(c),
        cli::Command::Verify(args) => cmd::verify::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rollcall: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
