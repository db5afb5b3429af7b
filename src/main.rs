//! The `roundup` binary: a thin face over the library.

fn main() -> std::process::ExitCode {
    roundup::cli::main()
}
