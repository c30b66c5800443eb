fn main() {
    std::process::exit(memlab::run());
}
