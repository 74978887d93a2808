//! `sigil keygen --out PREFIX`: an ed25519 key pair for signing evidence.
//!
//! Writes `PREFIX.key` (mode 0600) and `PREFIX.pub`, each one line of text:
//! `sigil-ed25519-secret-key <64 hex>` (the 32-byte secret seed) and
//! `sigil-ed25519-public-key <64 hex>` (the public key). Existing files are
//! never replaced.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use sigil_engine::evidence::{hex, sign};

/// `sigil keygen`
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path prefix of the key files: writes PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

/// Generates and writes the key pair.
pub fn keygen(args: KeygenArgs) -> Result<ExitCode> {
    let (key, public, vk) = sign::write_keypair(&args.out)?;
    println!(
        "secret key: {} (keep private; sign with `sigil run --sign-key`)",
        key.display()
    );
    println!(
        "public key: {} (check with `sigil verify --pubkey`)",
        public.display()
    );
    println!("public key hex: {}", hex(vk.as_bytes()));
    Ok(ExitCode::SUCCESS)
}
