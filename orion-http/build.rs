//! Rebuild when the dashboard's files change: rust-embed embeds them at
//! compile time, and a file *added* to a folder is not something the
//! compiler tracks on its own.

fn main() {
    for path in ["web/index.html", "web/assets", "web/vendor"] {
        println!("cargo::rerun-if-changed={path}");
    }
}
