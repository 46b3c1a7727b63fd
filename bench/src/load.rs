//! A lean closed-loop HTTP/1.1 load generator, in the manner of `wrk`: N keep-alive connections,
//! each sending the next GET as soon as the last answer is read. Kept this small so that the
//! client's share of the machine's two cores stays small.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::report::Samples;

pub struct LoadResult {
    pub latencies: Samples,
    pub errors: usize,
    pub elapsed: Duration,
    pub bytes_per_answer: usize,
}

/// GETs `path` on `addr` over `connections` connections for `duration`.
pub async fn hammer(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let path = path.to_owned();
    hammer_paths(addr, Arc::new(move || path.clone()), connections, duration).await
}

/// What each request asks for: a path made afresh for every request.
pub type Paths = Arc<dyn Fn() -> String + Send + Sync>;

/// As [`hammer`], each request for the path `paths` makes for it.
pub async fn hammer_paths(
    addr: SocketAddr,
    paths: Paths,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let deadline = Instant::now() + duration;
    hammer_while(
        addr,
        paths,
        connections,
        Arc::new(move || Instant::now() < deadline),
    )
    .await
}

/// As [`hammer`], until `stop` is set.
pub async fn hammer_until(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<LoadResult> {
    let stop = stop.clone();
    let path = path.to_owned();
    hammer_while(
        addr,
        Arc::new(move || path.clone()),
        connections,
        Arc::new(move || !stop.load(Ordering::Acquire)),
    )
    .await
}

async fn hammer_while(
    addr: SocketAddr,
    paths: Paths,
    connections: usize,
    keep_going: Arc<dyn Fn() -> bool + Send + Sync>,
) -> anyhow::Result<LoadResult> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let paths = paths.clone();
        let keep_going = keep_going.clone();
        tasks.spawn(async move { one_connection(addr, &*paths, &*keep_going).await });
    }
    let mut result = LoadResult {
        latencies: Samples::default(),
        errors: 0,
        elapsed: Duration::ZERO,
        bytes_per_answer: 0,
    };
    while let Some(joined) = tasks.join_next().await {
        let (latencies, errors, bytes) = joined??;
        result.latencies.extend(latencies);
        result.errors += errors;
        result.bytes_per_answer = result.bytes_per_answer.max(bytes);
    }
    result.elapsed = started.elapsed();
    Ok(result)
}

async fn one_connection(
    addr: SocketAddr,
    paths: &(dyn Fn() -> String + Send + Sync),
    keep_going: &(dyn Fn() -> bool + Send + Sync),
) -> anyhow::Result<(Samples, usize, usize)> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    let mut latencies = Samples::default();
    let mut errors = 0;
    let mut body_len = 0;
    let mut line = String::new();
    let mut body = Vec::new();
    while keep_going() {
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n",
            paths()
        );
        let sent = Instant::now();
        stream.get_mut().write_all(request.as_bytes()).await?;
        line.clear();
        stream.read_line(&mut line).await?;
        let ok = line.split_whitespace().nth(1) == Some("200");
        let mut content_length = None;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                bail!("the server closed the connection");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    bail!("chunked answers are not supported by this load generator");
                }
            }
        }
        let length = content_length.context("an answer without Content-Length")?;
        body.resize(length, 0);
        stream.read_exact(&mut body).await?;
        latencies.push(sent.elapsed());
        body_len = length;
        if !ok {
            errors += 1;
        }
    }
    Ok((latencies, errors, body_len))
}
