#![deny(unsafe_code)]

fn main() {
    std::process::exit(memlab::run());
}
