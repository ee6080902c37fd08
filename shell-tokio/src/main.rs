//! The `veil` command.

fn main() {
    println!("veil");
}
