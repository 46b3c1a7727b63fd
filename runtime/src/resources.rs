//! What this process may use, as its cgroup says (in a container, the pod's limits, not the node's
//! size): CPUs and memory. Password hashing is sized from them.

use std::path::Path;

/// The CPUs the process may use: its cgroup's CPU quota, rounded up, if it has one and it is
/// smaller than the machine; else the machine's.
pub fn cpus() -> usize {
    let machine = std::thread::available_parallelism().map_or(1, usize::from);
    quota_cpus(Path::new("/sys/fs/cgroup")).map_or(machine, |quota| quota.min(machine))
}

/// The process's memory limit in bytes, if its cgroup has one.
pub fn memory_limit() -> Option<usize> {
    memory_limit_under(Path::new("/sys/fs/cgroup"))
}

/// cgroup v2's `cpu.max` (`"max 100000"` or `"150000 100000"`), else v1's CFS quota and period.
fn quota_cpus(root: &Path) -> Option<usize> {
    let (quota, period) = match std::fs::read_to_string(root.join("cpu.max")) {
        Ok(text) => {
            let mut parts = text.split_whitespace();
            (
                parts.next()?.parse::<u64>().ok()?,
                parts.next()?.parse::<u64>().ok()?,
            )
        }
        Err(_) => (
            read_number(&root.join("cpu/cpu.cfs_quota_us"))?,
            read_number(&root.join("cpu/cpu.cfs_period_us"))?,
        ),
    };
    (quota > 0 && period > 0).then(|| usize::try_from(quota.div_ceil(period)).unwrap_or(1).max(1))
}

/// cgroup v2's `memory.max` (`"max"`: none), else v1's limit (a huge number: none).
fn memory_limit_under(root: &Path) -> Option<usize> {
    let limit = match std::fs::read_to_string(root.join("memory.max")) {
        Ok(text) => text.trim().parse::<u64>().ok()?,
        Err(_) => read_number(&root.join("memory/memory.limit_in_bytes"))?,
    };
    // v1 says "no limit" with a number near i64::MAX.
    (limit < 1 << 50)
        .then(|| usize::try_from(limit).ok())
        .flatten()
}

fn read_number(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cgroup(files: &[(&str, &str)]) -> tempdir::TempDir {
        let dir = tempdir::TempDir::new();
        for (name, text) in files {
            let path = dir.0.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    mod tempdir {
        pub struct TempDir(pub std::path::PathBuf);

        impl TempDir {
            pub fn new() -> Self {
                let path = std::env::temp_dir().join(format!("cgroup-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&path).unwrap();
                Self(path)
            }
        }

        impl Drop for TempDir {
            fn drop(&mut self) {
                std::fs::remove_dir_all(&self.0).ok();
            }
        }
    }

    #[test]
    fn a_cgroup_v2_quota_and_limit_are_read() {
        let dir = cgroup(&[
            ("cpu.max", "150000 100000\n"),
            ("memory.max", "536870912\n"),
        ]);
        assert_eq!(quota_cpus(&dir.0), Some(2));
        assert_eq!(memory_limit_under(&dir.0), Some(512 << 20));
    }

    #[test]
    fn no_quota_and_no_limit_read_as_none() {
        let dir = cgroup(&[("cpu.max", "max 100000\n"), ("memory.max", "max\n")]);
        assert_eq!(quota_cpus(&dir.0), None);
        assert_eq!(memory_limit_under(&dir.0), None);
    }

    #[test]
    fn a_cgroup_v1_quota_and_limit_are_read() {
        let dir = cgroup(&[
            ("cpu/cpu.cfs_quota_us", "400000\n"),
            ("cpu/cpu.cfs_period_us", "100000\n"),
            ("memory/memory.limit_in_bytes", "9223372036854771712\n"),
        ]);
        assert_eq!(quota_cpus(&dir.0), Some(4));
        assert_eq!(memory_limit_under(&dir.0), None);
    }
}
