//! A fault-injecting TCP proxy for sync tests and the bandwidth bench.
//!
//! Sits between the client and a server on loopback. Every accepted connection draws its fault
//! from a seeded [`Schedule`] (so a failing seed replays): cut after N bytes in either direction,
//! close on accept, a stall that keeps the socket open but forwards nothing (half-open), a slow
//! accept. The link itself has one-way latency and a bandwidth cap, applied per direction with
//! pipelining (bytes in flight are delayed, not serialised behind each other's latency).
//! Counts bytes on the client side of the proxy: what went over the simulated link.
//!
//! A client keeps one keep-alive connection for a whole sync pass, so a fault drawn once per
//! connection may never fire. [`Schedule::per_request`] draws again at the start of every HTTP
//! request on a connection, places cuts and stalls inside that request (its head and body, by its
//! `Content-Length`), and [`Stats`] counts each fault that really fired, by kind, and the cuts that
//! landed inside an upload body (a `PATCH` of an upload or a `POST /v1/push` stream).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Closed right after accept.
    CloseOnAccept,
    /// Both directions closed once this many bytes went client → server.
    CutUp(u64),
    /// Both directions closed once this many bytes went server → client.
    CutDown(u64),
    /// After this many bytes client → server nothing more is forwarded, the sockets stay open.
    Stall(u64),
    /// The connection to the server is made only after this delay.
    SlowAccept(Duration),
}

/// The simulated link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Link {
    /// One-way latency.
    pub latency: Duration,
    /// Bytes per second per direction (`None` = unlimited).
    pub bytes_per_s: Option<u64>,
}

impl Link {
    /// A weak 3G link: 400 kbit/s, 200 ms.
    pub fn three_g() -> Self {
        Link {
            latency: Duration::from_millis(200),
            bytes_per_s: Some(400_000 / 8),
        }
    }
}

/// Seeded choice of faults.
#[derive(Debug)]
pub struct Schedule {
    rng: StdRng,
    /// Probability that a connection gets a fault.
    pub fault_rate: f64,
    /// Cuts and stalls happen within this many bytes.
    pub max_cut_bytes: u64,
    /// Which faults may be drawn.
    pub kinds: Vec<FaultKind>,
    pub link: Link,
    /// Faults are drawn only while this is true.
    pub enabled: bool,
    /// Cuts by bytes rather than by connection: when set, an upward cut point is drawn from an
    /// exponential distribution with this mean, so cuts come at a steady rate per byte sent
    /// (memoryless), wherever connections start and end: always mid-stream.
    pub cut_mean_bytes: Option<u64>,
    /// Draw a fault at the start of every HTTP request, not once per connection.
    pub per_request: bool,
    /// The range of a slow accept (or, per request, of the delay before the request is passed on).
    pub slow: std::ops::Range<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    CloseOnAccept,
    CutUp,
    CutDown,
    Stall,
    SlowAccept,
}

impl FaultKind {
    pub const ALL: &'static [FaultKind] = &[
        FaultKind::CloseOnAccept,
        FaultKind::CutUp,
        FaultKind::CutDown,
        FaultKind::Stall,
        FaultKind::SlowAccept,
    ];
}

impl Schedule {
    /// No faults, no delays.
    pub fn clean() -> Self {
        Schedule::new(0, 0.0, 1, FaultKind::ALL.to_vec(), Link::default())
    }

    pub fn new(
        seed: u64,
        fault_rate: f64,
        max_cut_bytes: u64,
        kinds: Vec<FaultKind>,
        link: Link,
    ) -> Self {
        Schedule {
            rng: StdRng::seed_from_u64(seed),
            fault_rate,
            max_cut_bytes: max_cut_bytes.max(1),
            kinds,
            link,
            enabled: true,
            cut_mean_bytes: None,
            per_request: false,
            slow: Duration::from_millis(50)..Duration::from_millis(400),
        }
    }

    /// Cuts by bytes: every connection is cut once it has carried a number of upward bytes drawn
    /// from an exponential distribution of mean `mean_bytes` (on average one cut per `mean_bytes`
    /// sent, mid-stream).
    pub fn cuts_by_bytes(seed: u64, mean_bytes: u64, link: Link) -> Self {
        let mut s = Schedule::new(seed, 1.0, mean_bytes, vec![FaultKind::CutUp], link);
        s.cut_mean_bytes = Some(mean_bytes.max(1));
        s
    }

    /// A random schedule for `seed`: fault rate 30–80 % per request, every kind, maybe some
    /// latency; slow requests of 0.1–3 s, so some outlast a 1.5 s request timeout.
    pub fn random(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5EED_F00D);
        let rate = rng.random_range(0.3..0.8);
        let latency = Duration::from_millis(rng.random_range(0..20));
        let max_cut = rng.random_range(1_000..200_000);
        Schedule::new(
            seed,
            rate,
            max_cut,
            FaultKind::ALL.to_vec(),
            Link {
                latency,
                bytes_per_s: None,
            },
        )
        .per_request(Duration::from_millis(100)..Duration::from_millis(3000))
    }

    /// Draws per request (see [`Schedule::per_request`]), slow requests within `slow`.
    pub fn per_request(mut self, slow: std::ops::Range<Duration>) -> Self {
        self.per_request = true;
        self.slow = slow;
        self
    }

    /// The fault for the next request on a connection, whose head and body together are
    /// `request_len` bytes if known: cuts and stalls fall inside the request. With `force` (the
    /// proxy passes it while no fault has fired since its stats were reset) a fault is drawn
    /// whatever the rate: every schedule fires at least one.
    pub fn draw_request(&mut self, request_len: Option<u64>, force: bool) -> Fault {
        if !self.enabled
            || self.kinds.is_empty()
            || !(force || self.rng.random_bool(self.fault_rate.clamp(0.0, 1.0)))
        {
            return Fault::None;
        }
        let kind = self.kinds[self.rng.random_range(0..self.kinds.len())];
        let within = request_len.unwrap_or(self.max_cut_bytes).max(1);
        let n = self.rng.random_range(0..within);
        match kind {
            FaultKind::CloseOnAccept => Fault::CloseOnAccept,
            FaultKind::CutUp => Fault::CutUp(n),
            // Within the answer's status line and first headers: every answer is that long.
            FaultKind::CutDown => Fault::CutDown(n % 120),
            FaultKind::Stall => Fault::Stall(n),
            FaultKind::SlowAccept => Fault::SlowAccept(self.slow_delay()),
        }
    }

    fn slow_delay(&mut self) -> Duration {
        if self.slow.is_empty() {
            return self.slow.start;
        }
        self.rng.random_range(self.slow.clone())
    }

    /// The fault for the next connection.
    pub fn draw(&mut self) -> Fault {
        if !self.enabled
            || self.kinds.is_empty()
            || !self.rng.random_bool(self.fault_rate.clamp(0.0, 1.0))
        {
            return Fault::None;
        }
        let kind = self.kinds[self.rng.random_range(0..self.kinds.len())];
        if let (Some(mean), FaultKind::CutUp) = (self.cut_mean_bytes, kind) {
            let u: f64 = self.rng.random_range(0.0..1.0);
            return Fault::CutUp((-(1.0 - u).ln() * mean as f64) as u64);
        }
        let n = self.rng.random_range(0..self.max_cut_bytes);
        match kind {
            FaultKind::CloseOnAccept => Fault::CloseOnAccept,
            FaultKind::CutUp => Fault::CutUp(n),
            // Answers are small: cut them within their first few kilobytes.
            FaultKind::CutDown => Fault::CutDown(n % 4_000),
            FaultKind::Stall => Fault::Stall(n),
            FaultKind::SlowAccept => Fault::SlowAccept(self.slow_delay()),
        }
    }
}

/// Byte and connection counters.
#[derive(Debug, Default)]
pub struct Stats {
    pub up_bytes: AtomicU64,
    pub down_bytes: AtomicU64,
    pub connections: AtomicU64,
    /// Connections that drew a fault.
    pub faulted: AtomicU64,
    /// Cuts that really happened (the connection carried enough bytes to reach its cut point).
    pub cuts: AtomicU64,
    /// Faults that fired, by kind: a connection or request closed before it was passed on …
    pub fired_close: AtomicU64,
    /// … cut on the way up …
    pub fired_cut_up: AtomicU64,
    /// … cut on the way down …
    pub fired_cut_down: AtomicU64,
    /// … stalled (its stall point reached) …
    pub fired_stall: AtomicU64,
    /// … or delayed before it was passed on.
    pub fired_slow: AtomicU64,
    /// Upward cuts that landed after the head of an upload request (`PATCH` or `POST /v1/push`),
    /// inside its body.
    pub body_cuts: AtomicU64,
    /// HTTP requests seen (per-request schedules only).
    pub requests: AtomicU64,
}

/// What fired, read from [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    pub close: u64,
    pub cut_up: u64,
    pub cut_down: u64,
    pub stall: u64,
    pub slow: u64,
    pub body_cuts: u64,
    pub requests: u64,
}

impl Fired {
    /// Faults of every kind that fired.
    pub fn total(&self) -> u64 {
        self.close + self.cut_up + self.cut_down + self.stall + self.slow
    }

    pub fn add(&mut self, o: &Fired) {
        self.close += o.close;
        self.cut_up += o.cut_up;
        self.cut_down += o.cut_down;
        self.stall += o.stall;
        self.slow += o.slow;
        self.body_cuts += o.body_cuts;
        self.requests += o.requests;
    }
}

impl Stats {
    pub fn up(&self) -> u64 {
        self.up_bytes.load(Ordering::Relaxed)
    }
    pub fn down(&self) -> u64 {
        self.down_bytes.load(Ordering::Relaxed)
    }
    pub fn reset(&self) {
        self.up_bytes.store(0, Ordering::Relaxed);
        self.down_bytes.store(0, Ordering::Relaxed);
        self.connections.store(0, Ordering::Relaxed);
        self.faulted.store(0, Ordering::Relaxed);
        self.cuts.store(0, Ordering::Relaxed);
        for c in [
            &self.fired_close,
            &self.fired_cut_up,
            &self.fired_cut_down,
            &self.fired_stall,
            &self.fired_slow,
            &self.body_cuts,
            &self.requests,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The faults that fired since the last reset.
    pub fn fired(&self) -> Fired {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Fired {
            close: l(&self.fired_close),
            cut_up: l(&self.fired_cut_up),
            cut_down: l(&self.fired_cut_down),
            stall: l(&self.fired_stall),
            slow: l(&self.fired_slow),
            body_cuts: l(&self.body_cuts),
            requests: l(&self.requests),
        }
    }
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::Relaxed)
    }
}

/// A running proxy.
pub struct Proxy {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    target: Arc<Mutex<SocketAddr>>,
    schedule: Arc<Mutex<Schedule>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Proxy {
    /// Listens on 127.0.0.1:0 and forwards to `target`.
    pub async fn start(target: SocketAddr, schedule: Schedule) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let target = Arc::new(Mutex::new(target));
        let schedule = Arc::new(Mutex::new(schedule));
        let (st, tg, sc) = (stats.clone(), target.clone(), schedule.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let (fault, link, per_request) = {
                    let mut s = lock(&sc);
                    if s.per_request {
                        (Fault::None, s.link, Some(sc.clone()))
                    } else {
                        (s.draw(), s.link, None)
                    }
                };
                let to = *lock(&tg);
                st.connections.fetch_add(1, Ordering::Relaxed);
                if fault != Fault::None {
                    st.faulted.fetch_add(1, Ordering::Relaxed);
                }
                tokio::spawn(handle(client, to, fault, link, st.clone(), per_request));
            }
        });
        Ok(Proxy {
            addr,
            stats,
            target,
            schedule,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the proxy at another server address (a restarted server).
    pub fn set_target(&self, t: SocketAddr) {
        *lock(&self.target) = t;
    }

    pub fn set_schedule(&self, s: Schedule) {
        *lock(&self.schedule) = s;
    }

    /// Turns fault drawing on or off (the link stays).
    pub fn set_faults(&self, on: bool) {
        lock(&self.schedule).enabled = on;
    }
}

/// What the two directions of one connection share for per-request faults.
#[derive(Default)]
struct Conn {
    /// Bytes passed on server → client.
    down_seen: AtomicU64,
    /// Down bytes were passed on since the last upward read: the next request may start.
    answered: std::sync::atomic::AtomicBool,
    /// Cut the connection once `down_seen` reaches this.
    down_cut: Mutex<Option<u64>>,
}

/// The head of an HTTP request at the start of `buf`: (head length, body length if it has a
/// `Content-Length`, whether it uploads blob data).
fn request_head(buf: &[u8]) -> Option<(u64, Option<u64>, bool)> {
    const METHODS: [&[u8]; 5] = [b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE "];
    if !METHODS.iter().any(|m| buf.starts_with(m)) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let first = head.lines().next()?;
    let upload = first.starts_with("PATCH /v1/uploads/") || first.starts_with("POST /v1/push ");
    let len = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k.eq_ignore_ascii_case("content-length") {
            v.trim().parse::<u64>().ok()
        } else {
            None
        }
    });
    Some((end as u64, len, upload))
}

async fn handle(
    client: TcpStream,
    to: SocketAddr,
    fault: Fault,
    link: Link,
    stats: Arc<Stats>,
    per_request: Option<Arc<Mutex<Schedule>>>,
) {
    match fault {
        Fault::CloseOnAccept => {
            stats.fired_close.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Fault::SlowAccept(d) => {
            stats.fired_slow.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(d).await
        }
        _ => {}
    }
    let Ok(server) = TcpStream::connect(to).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let (cut_up, cut_down, stall) = match fault {
        Fault::CutUp(n) => (Some(n), None, None),
        Fault::CutDown(n) => (None, Some(n), None),
        Fault::Stall(n) => (None, None, Some(n)),
        _ => (None, None, None),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let conn = Arc::new(Conn::default());
    let up = pump(
        cr,
        sw,
        link,
        cut_up,
        stall,
        stats.clone(),
        true,
        stop_tx.clone(),
        stop_rx.clone(),
        conn.clone(),
        per_request,
    );
    let down = pump(
        sr, cw, link, cut_down, None, stats, false, stop_tx, stop_rx, conn, None,
    );
    tokio::join!(up, down);
}

/// Copies one direction through the simulated link. `cut`: stop both directions after that many
/// bytes; `stall`: after that many bytes forward nothing more but keep reading (half-open).
#[allow(clippy::too_many_arguments)]
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    link: Link,
    cut: Option<u64>,
    stall: Option<u64>,
    stats: Arc<Stats>,
    upward: bool,
    stop_tx: tokio::sync::watch::Sender<bool>,
    mut stop_rx: tokio::sync::watch::Receiver<bool>,
    conn: Arc<Conn>,
    per_request: Option<Arc<Mutex<Schedule>>>,
) {
    let (mut cut, mut stall) = (cut, stall);
    // Per request (upward only): where the current request started and its head's length, if it
    // uploads blob data.
    let mut upload_head: Option<(u64, u64)> = None;
    // The current request is to be closed before it is passed on (counted as a close).
    let mut closing = false;
    // Reader → delayed writer, so latency pipelines.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let mut writer_stop = stop_rx.clone();
    let writer = tokio::spawn(async move {
        let mut free_at = Instant::now();
        loop {
            let item = tokio::select! {
                i = rx.recv() => i,
                _ = writer_stop.changed() => None,
            };
            let Some((ready, data)) = item else { break };
            tokio::time::sleep_until(ready).await;
            if let Some(bps) = link.bytes_per_s {
                let now = Instant::now();
                if free_at < now {
                    free_at = now;
                }
                free_at += Duration::from_secs_f64(data.len() as f64 / bps.max(1) as f64);
                tokio::time::sleep_until(free_at).await;
            }
            if to.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut seen: u64 = 0;
    let mut first = true;
    // Under a bandwidth cap, read in small pieces so pacing is smooth.
    let mut buf = vec![
        0u8;
        if link.bytes_per_s.is_some() {
            4096
        } else {
            64 * 1024
        }
    ];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r { Ok(0) | Err(_) => break, Ok(n) => n },
            _ = stop_rx.changed() => break,
        };
        if upward {
            let new_request = conn.answered.swap(false, Ordering::Relaxed) || first;
            first = false;
            if let (true, Some(sc), Some((head, body, upload))) =
                (new_request, &per_request, request_head(&buf[..n]))
            {
                stats.requests.fetch_add(1, Ordering::Relaxed);
                let force = stats.fired().total() == 0;
                let fault = lock(sc).draw_request(body.map(|b| head + b), force);
                if fault != Fault::None {
                    stats.faulted.fetch_add(1, Ordering::Relaxed);
                }
                upload_head = upload.then_some((seen, head));
                (cut, stall, closing) = (None, None, false);
                match fault {
                    Fault::None => {}
                    Fault::CloseOnAccept => {
                        stats.fired_close.fetch_add(1, Ordering::Relaxed);
                        cut = Some(seen);
                        closing = true;
                    }
                    Fault::SlowAccept(d) => {
                        stats.fired_slow.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(d).await;
                    }
                    Fault::CutUp(k) => cut = Some(seen + k),
                    Fault::Stall(k) => stall = Some(seen + k),
                    Fault::CutDown(k) => {
                        *lock(&conn.down_cut) = Some(conn.down_seen.load(Ordering::Relaxed) + k)
                    }
                }
            }
        } else if let Some(c) = *lock(&conn.down_cut) {
            cut = Some(c);
        }
        let mut n = n as u64;
        let mut end = false;
        if let Some(c) = cut {
            if seen + n >= c {
                n = c.saturating_sub(seen);
                end = true;
            }
        }
        let stalled = stall.is_some_and(|s| seen + n > s);
        if stalled {
            stats.fired_stall.fetch_add(1, Ordering::Relaxed);
            // Forward up to the stall point, then swallow everything until the client gives up.
            let keep = stall.unwrap_or(0).saturating_sub(seen);
            if keep > 0 {
                count(&stats, upward, keep);
                let _ = tx.send((Instant::now() + link.latency, buf[..keep as usize].to_vec()));
            }
            loop {
                tokio::select! {
                    r = from.read(&mut buf) => match r { Ok(0) | Err(_) => break, Ok(_) => {} },
                    _ = stop_rx.changed() => break,
                }
            }
            break;
        }
        if n > 0 {
            count(&stats, upward, n);
            let _ = tx.send((Instant::now() + link.latency, buf[..n as usize].to_vec()));
            if !upward {
                conn.down_seen.fetch_add(n, Ordering::Relaxed);
                conn.answered.store(true, Ordering::Relaxed);
            }
        }
        seen += n;
        if end {
            stats.cuts.fetch_add(1, Ordering::Relaxed);
            let kind = if upward {
                &stats.fired_cut_up
            } else {
                &stats.fired_cut_down
            };
            if !closing {
                kind.fetch_add(1, Ordering::Relaxed);
            }
            if let Some((start, head)) = upload_head {
                if upward && seen > start + head {
                    stats.body_cuts.fetch_add(1, Ordering::Relaxed);
                }
            }
            break;
        }
    }
    if cut.is_some() || stall.is_some() {
        // A cut or an abandoned stall ends both directions.
        let _ = stop_tx.send(true);
    }
    drop(tx);
    let _ = writer.await;
}

fn count(stats: &Stats, upward: bool, n: u64) {
    if upward {
        stats.up_bytes.fetch_add(n, Ordering::Relaxed);
    } else {
        stats.down_bytes.fetch_add(n, Ordering::Relaxed);
    }
}
