//! Password hashing with bounded memory. argon2id with OWASP's minimum parameters (m = 19 MiB,
//! t = 2, p = 1) needs 19 MiB of working memory per hash. Hashing on tokio's blocking pool let a
//! sign-in burst run hundreds at once, and the allocator kept what they took (3 GB after 500).
//!
//! So hashes run on a small pool of threads of their own, and each thread keeps one block buffer
//! that every hash it computes reuses: memory is the threads' buffers, however many sign in at
//! once. The pool is sized for the process, not the machine ([`HashingBudget`]): no more threads
//! than the CPUs its cgroup lets it use, and no more buffers than a share of its memory limit
//! holds — a pod on a 64-core node with a 512 MiB limit gets 6 threads, not 64. A burst waits its
//! turn (a waiting request costs a few hundred bytes) for up to a deadline, so a surge the CPUs
//! can clear in that time is served; only what would wait longer is told the shop is busy (503 +
//! `Retry-After`).
//!
//! Sign-in of an unknown email verifies against a decoy hash through the same pool, so it takes
//! as long as a wrong password.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::{self, try_generate_salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Hashes handed to the threads at once, per thread; the rest wait for one of these slots.
const QUEUE_PER_THREAD: usize = 16;

/// How long a hash may wait for a slot before the request is shed. At ~20–40 ms a hash on one
/// core, 15 s clears a surge of several hundred sign-ins per core.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(15);

/// Requests waiting for a slot at most, per thread; beyond this nobody could be served within the
/// wait anyway, so they are refused at once.
const WAITING_PER_THREAD: usize = 2048;

/// The memory one hash works in: argon2id's default (OWASP's minimum), 19 MiB. A stored hash that
/// asks for more is refused rather than allocated for: the budget counts on this.
const HASH_MEMORY_KIB: u32 = Params::DEFAULT_M_COST;

/// The bytes of one thread's block buffer.
pub const BYTES_PER_THREAD: usize = HASH_MEMORY_KIB as usize * 1024;

/// What the pool may use: CPUs and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingBudget {
    /// CPUs the process may use (its cgroup's quota, else the machine's cores).
    pub cpus: usize,
    /// Bytes the threads' buffers may take together.
    pub memory_bytes: usize,
}

impl HashingBudget {
    /// Without a memory limit, the buffers take at most this.
    pub const DEFAULT_MEMORY_BYTES: usize = 256 << 20;

    /// The share of a memory limit the buffers may take: the rest is the shop's.
    pub const SHARE_OF_LIMIT: usize = 4;

    /// For `cpus` CPUs and, if there is one, a memory limit of `memory_limit` bytes.
    pub fn for_process(cpus: usize, memory_limit: Option<usize>) -> Self {
        Self {
            cpus,
            memory_bytes: memory_limit.map_or(Self::DEFAULT_MEMORY_BYTES, |limit| {
                limit / Self::SHARE_OF_LIMIT
            }),
        }
    }

    /// Threads the pool runs: one per CPU, as many as the memory holds, at least one.
    pub fn threads(&self) -> usize {
        self.cpus.min(self.memory_bytes / BYTES_PER_THREAD).max(1)
    }
}

/// What the pool's buffers hold now and held at most, in bytes.
#[derive(Debug, Default)]
pub struct HashingMemory {
    now: AtomicUsize,
    peak: AtomicUsize,
    /// What it may take (`0`: not sized by a budget).
    budget: AtomicUsize,
    threads: AtomicUsize,
}

impl HashingMemory {
    pub fn bytes(&self) -> usize {
        self.now.load(Ordering::Acquire)
    }

    pub fn peak_bytes(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }

    fn grew(&self, by: usize) {
        if by == 0 {
            return;
        }
        let now = self.now.fetch_add(by, Ordering::AcqRel) + by;
        self.peak.fetch_max(now, Ordering::AcqRel);
        self.report(self.threads.load(Ordering::Acquire));
    }

    /// Into `/metrics`.
    fn report(&self, threads: usize) {
        self.threads.store(threads, Ordering::Release);
        crate::metrics::password_hashing(
            threads,
            self.budget.load(Ordering::Acquire),
            self.bytes(),
            self.peak_bytes(),
        );
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// No thread was free within the wait: try again in a moment.
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, PasswordError>>,
    },
    Verify {
        password: String,
        hash: String,
        reply: oneshot::Sender<Result<bool, PasswordError>>,
    },
}

/// A handle on the hashing pool; cheap to clone. The threads stop when the last handle is dropped.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: Sender<(Job, OwnedSemaphorePermit)>,
    /// Slots for jobs handed to the threads: the queue the threads read stays short.
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    queue_wait: Duration,
    memory: Arc<HashingMemory>,
    threads: usize,
}

impl PasswordHasher {
    /// A pool of `threads` hashing threads (at least one); a hash waits up to `queue_wait` for one.
    pub fn new(threads: usize, queue_wait: Duration) -> Self {
        let threads = threads.max(1);
        let memory = Arc::new(HashingMemory::default());
        let (jobs, queue) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let (queue, memory) = (Arc::clone(&queue), Arc::clone(&memory));
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&queue, &memory))
                .expect("spawn a password hashing thread");
        }
        Self {
            jobs,
            slots: Arc::new(Semaphore::new(threads * QUEUE_PER_THREAD)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: threads * WAITING_PER_THREAD,
            queue_wait,
            memory,
            threads,
        }
    }

    /// A pool sized for `budget`, waiting up to [`DEFAULT_QUEUE_WAIT`].
    pub fn within(budget: HashingBudget) -> Self {
        let pool = Self::new(budget.threads(), DEFAULT_QUEUE_WAIT);
        pool.memory
            .budget
            .store(budget.memory_bytes, Ordering::Release);
        pool.memory.report(pool.threads);
        pool
    }

    /// The threads' buffers, now and at most.
    pub fn memory(&self) -> &HashingMemory {
        &self.memory
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply }).await?;
        answer.await.map_err(|_| lost())?
    }

    /// Whether `password` matches the stored PHC string `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, PasswordError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password,
            hash,
            reply,
        })
        .await?;
        answer.await.map_err(|_| lost())?
    }

    /// Hands `job` to the threads once a slot is free; the slot is given back when the job is done.
    async fn submit(&self, job: Job) -> Result<(), PasswordError> {
        let slot = {
            let _waiting = Waiting::enter(&self.waiting, self.max_waiting)?;
            tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned())
                .await
                .map_err(|_| PasswordError::Busy)?
                .map_err(|_| lost())?
        };
        self.jobs.send((job, slot)).map_err(|_| lost())
    }
}

/// One request counted among those waiting for a slot, for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Result<Self, PasswordError> {
        if count.fetch_add(1, Ordering::AcqRel) >= max {
            count.fetch_sub(1, Ordering::AcqRel);
            return Err(PasswordError::Busy);
        }
        Ok(Self(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn lost() -> PasswordError {
    PasswordError::Failed("the hashing thread is gone".to_owned())
}

/// One hashing thread: takes jobs until every handle is dropped, reusing one block buffer.
fn work(queue: &Mutex<Receiver<(Job, OwnedSemaphorePermit)>>, memory: &HashingMemory) {
    let mut blocks = Vec::new();
    loop {
        let job = {
            let queue = queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            queue.recv()
        };
        // The slot is given back when this iteration ends.
        let Ok((job, _slot)) = job else { return };
        let before = blocks.capacity();
        // A reply nobody waits for any more (the request was dropped) is simply not delivered.
        // Grown (once) before anyone hears back, so the pool's memory is never under-reported.
        let grown = |blocks: &Vec<Block>| {
            let by = blocks.capacity().saturating_sub(before);
            memory.grew(by * std::mem::size_of::<Block>());
        };
        match job {
            Job::Hash { password, reply } => {
                let hashed = hash(password.as_bytes(), &mut blocks).map_err(failed);
                grown(&blocks);
                let _ = reply.send(hashed);
            }
            Job::Verify {
                password,
                hash,
                reply,
            } => {
                let matched = verify(password.as_bytes(), &hash, &mut blocks).map_err(failed);
                grown(&blocks);
                let _ = reply.send(matched);
            }
        }
    }
}

fn failed(err: password_hash::Error) -> PasswordError {
    PasswordError::Failed(err.to_string())
}

/// argon2id with the crate's defaults, which are OWASP's minimum: m = 19456 KiB, t = 2, p = 1.
fn hash(password: &[u8], blocks: &mut Vec<Block>) -> password_hash::Result<String> {
    let params = Params::default();
    let salt = Salt::new(&try_generate_salt()?)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2.hash_password_into_with_memory(
        password,
        &salt,
        &mut out,
        memory_for(&params, blocks),
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Recomputes the hash with the stored parameters and salt; compares in constant time.
fn verify(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> password_hash::Result<bool> {
    let stored = PasswordHash::new(stored)?;
    let algorithm = Algorithm::try_from(stored.algorithm.as_str())?;
    let version = match stored.version {
        Some(version) => Version::try_from(version)?,
        None => Version::default(),
    };
    let params = Params::try_from(&stored)?;
    if params.m_cost() > HASH_MEMORY_KIB {
        return Err(password_hash::Error::ParamInvalid { name: "m" });
    }
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(password_hash::Error::PasswordInvalid);
    };
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let out = &mut buffer[..expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    argon2.hash_password_into_with_memory(password, &salt, out, memory_for(&params, blocks))?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(out)? == expected)
}

/// The thread's buffer, grown to what `params` needs. Every pass overwrites it before reading, so
/// it is never cleared between hashes.
fn memory_for<'a>(params: &Params, blocks: &'a mut Vec<Block>) -> &'a mut [Block] {
    let needed = params.block_count();
    if blocks.len() < needed {
        blocks.reserve_exact(needed - blocks.len());
        blocks.resize(needed, Block::new());
    }
    &mut blocks[..needed]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hasher = PasswordHasher::new(1, DEFAULT_QUEUE_WAIT);
        let hash = hasher.hash("correct horse".to_owned()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse".to_owned(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!hasher.verify("wrong horse".to_owned(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::PasswordHasher as _;
        let made_before = Argon2::default()
            .hash_password(b"password123")
            .unwrap()
            .to_string();
        let hasher = PasswordHasher::new(1, DEFAULT_QUEUE_WAIT);
        assert!(
            hasher
                .verify("password123".to_owned(), made_before)
                .await
                .unwrap()
        );
    }

    /// `n` hashes at once on one thread waiting up to `queue_wait`: how many were refused.
    async fn refused_of_a_burst(n: usize, queue_wait: Duration) -> usize {
        let hasher = PasswordHasher::new(1, queue_wait);
        let pending: Vec<_> = (0..n)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash("password123".to_owned()).await })
            })
            .collect();
        let mut busy = 0;
        for task in pending {
            match task.await.unwrap() {
                Ok(_) => {}
                Err(PasswordError::Busy) => busy += 1,
                Err(other) => panic!("{other}"),
            }
        }
        busy
    }

    #[test]
    fn a_pool_on_a_64_core_node_with_512_mib_is_sized_by_its_memory_not_its_cores() {
        let budget = HashingBudget::for_process(64, Some(512 << 20));
        assert_eq!(budget.memory_bytes, 128 << 20);
        assert_eq!(budget.threads(), 6);
        assert_eq!(HashingBudget::for_process(2, Some(512 << 20)).threads(), 2);
        assert_eq!(HashingBudget::for_process(64, Some(16 << 20)).threads(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_on_a_pool_sized_for_64_cores_and_512_mib_stays_within_its_memory_budget() {
        let budget = HashingBudget::for_process(64, Some(512 << 20));
        let hasher = PasswordHasher::within(budget);
        let burst: Vec<_> = (0..48)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash("password123".to_owned()).await })
            })
            .collect();
        for hashed in burst {
            hashed.await.unwrap().unwrap();
        }
        let peak = hasher.memory().peak_bytes();
        assert!(peak > 0, "the buffers are counted");
        assert!(
            peak <= budget.memory_bytes,
            "{peak} bytes against a budget of {}",
            budget.memory_bytes
        );
    }

    #[tokio::test]
    async fn a_burst_beyond_the_queue_waits_its_turn_within_the_deadline() {
        assert_eq!(
            refused_of_a_burst(QUEUE_PER_THREAD * 3, DEFAULT_QUEUE_WAIT).await,
            0
        );
    }

    #[tokio::test]
    async fn what_cannot_get_a_thread_within_the_deadline_is_refused_as_busy() {
        let refused = refused_of_a_burst(QUEUE_PER_THREAD * 3, Duration::from_millis(1)).await;
        assert!(refused > 0, "hashes beyond the queue were refused");
    }
}
