//! The `rollcall` command: parses the command line and dispatches.

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => cmd::serve::run(args),
        cli::Command::User(c) => cmd::admin::user(c),
        cli::Command::Token(c) => cmd::admin::token(c),
        cli::Command::Export(args) => cmd::admin::export(args),
        cli::Command::Code(c) => cmd::admin::code(c),
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
