fn main() {
    afl::fuzz!(|data: &[u8]| nhiscan::fuzz::adapter("k8s_rbac", data));
}
