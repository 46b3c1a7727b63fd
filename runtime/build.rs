//! Points `replay` at the Temporal API's protobuf descriptors, which temporalio-protos' build
//! writes and announces to crates that depend on it directly.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH");
    let path = std::env::var("DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH")
        .expect("temporalio-protos announces its descriptor set");
    println!("cargo:rustc-env=TEMPORAL_DESCRIPTORS={path}");
}
