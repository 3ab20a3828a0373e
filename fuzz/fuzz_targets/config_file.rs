fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::config_file(data));
}
