//! Stopping a child process we started (the Temporal dev server, the bench's shop) as a service
//! manager would: SIGTERM, a grace period to finish, then SIGKILL.

use std::process::Child;
use std::time::{Duration, Instant};

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
