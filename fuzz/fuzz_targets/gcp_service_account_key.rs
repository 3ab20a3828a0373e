fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::adapter("gcp_service_account_key", data));
}
