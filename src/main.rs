// The figures of a past day and the start-up allocate and free hundreds of megabytes in
// large blocks: the system allocator hands them back to the kernel and faults them in
// again (a fifth of a past day's time was page clearing); mimalloc keeps them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    orgcover::cli::main()
}
