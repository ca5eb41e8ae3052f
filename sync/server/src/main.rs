//! `dvc-sync` — the sync server. The sync-server issue fills this in; until then it only reports
//! its protocol version so the workspace builds and the binary exists.
#![allow(clippy::print_stdout)]

fn main() {
    println!(
        "dvc-sync {} (protocol {}) — server not implemented yet",
        env!("CARGO_PKG_VERSION"),
        dvc_protocol::PROTOCOL_VERSION
    );
}
