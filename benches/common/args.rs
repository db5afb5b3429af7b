//! Command-line options of the benchmarks: `--name VALUE` pairs after `cargo bench --bench
//! NAME --`.

/// The value after `name` on the command line, or `default` when the option is absent; a
/// value that does not parse stops the benchmark with a message naming the option.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => default,
        Some(i) => match args.get(i + 1).map(|v| v.parse()) {
            Some(Ok(v)) => v,
            _ => {
                eprintln!("{name} needs a value such as {name} 1000");
                std::process::exit(2);
            }
        },
    }
}
