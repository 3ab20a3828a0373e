fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::rule_file(data));
}
