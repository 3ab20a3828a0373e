fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::adapter("gitlab_ci", data));
}
