//! The stdlib kernels, assembled from `kernels/wat/*.wat` by `build.rs` and embedded here.

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        /// Every stdlib kernel module: (file stem, WebAssembly binary).
        pub const MODULES: &[(&str, &[u8])] =
            &[$(($name, include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".wasm")))),*];
    };
}

embed!("fft", "bitrev", "wht", "kravchuk", "haar", "gray");
