//! The `roundup` binary: all the work is in the library; see [`roundup::cli`].

/// mimalloc: extraction and clustering allocate many small short-lived objects, which it
/// serves faster than the system allocator (`bench/extract-speed.sh`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    roundup::cli::main()
}
