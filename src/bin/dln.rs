//! The native command line on the same simulation core as the page.

fn main() {
    eprintln!("usage: dln (commands arrive with the theory engine)");
    std::process::exit(2);
}
