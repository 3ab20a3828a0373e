fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::adapter("aws_access_keys", data));
}
