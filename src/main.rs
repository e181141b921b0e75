fn main() -> std::process::ExitCode {
    orgcover::cli::main()
}
