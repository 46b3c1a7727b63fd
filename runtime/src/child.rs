//! The services we run as child processes (the Temporal dev server, MailDev): started tied to
//! their parent, so that no orphan outlives us, and stopped as a service manager would: SIGTERM,
//! a grace period to finish, then SIGKILL.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A child process tied to its parent: the kernel sends it SIGTERM if the spawning thread dies
/// first, and it is stopped (see [`terminate`]) when dropped.
#[derive(Debug)]
pub struct TiedChild(Child);

impl TiedChild {
    /// Spawns `command` with no input and its output (stdout and stderr) appended to `log`, or
    /// discarded.
    pub fn spawn(command: &mut Command, log: Option<&Path>) -> std::io::Result<Self> {
        let (stdout, stderr) = match log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                (Stdio::from(file.try_clone()?), Stdio::from(file))
            }
            None => (Stdio::null(), Stdio::null()),
        };
        command.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        // SAFETY: prctl is async-signal-safe and touches nothing of the parent's.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        command.spawn().map(Self)
    }

    /// How it exited, once it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.0.try_wait().ok().flatten()
    }

    /// SIGTERM, then SIGKILL if it has not exited within five seconds.
    pub fn stop(&mut self) {
        terminate(&mut self.0, Duration::from_secs(5));
    }
}

impl Drop for TiedChild {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A command's executable: the path in the environment variable `env_var` when it is set, else
/// the first of `candidates` that is a file.
pub fn find_command(
    env_var: &str,
    candidates: impl IntoIterator<Item = PathBuf>,
) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        return Some(PathBuf::from(path));
    }
    candidates.into_iter().find(|candidate| candidate.is_file())
}

/// The executable `name` in each directory of `PATH`, in order.
pub fn on_path(name: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect()
        })
        .unwrap_or_default()
}

/// Sends `child` SIGTERM and waits up to `grace` for it to exit, then kills it; returns once it
/// has exited (at once if it already had).
pub fn terminate(child: &mut Child, grace: Duration) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: a plain syscall on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
