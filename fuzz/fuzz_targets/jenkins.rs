fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::adapter("jenkins", data));
}
