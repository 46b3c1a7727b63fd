//! Fingerprints the assets, so their URLs change whenever their content does and browsers may
//! cache them for good.

use std::hash::Hasher;

fn main() {
    for (name, ext) in [
        ("app", "css"),
        ("order", "js"),
        ("time", "js"),
        ("icon", "svg"),
    ] {
        let path = format!("assets/{name}.{ext}");
        println!("cargo:rerun-if-changed={path}");
        let content = std::fs::read(&path).unwrap_or_else(|err| panic!("reading {path}: {err}"));
        // FNV-1a: stable across Rust versions, unlike DefaultHasher.
        let mut hash = Fnv1a::default();
        hash.write(&content);
        println!("cargo:rustc-env=ASSET_HASH_{name}={:016x}", hash.finish());
    }
}

struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
