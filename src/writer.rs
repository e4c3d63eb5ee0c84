//! The single log writer: every append to every meeting's log goes through
//! this thread, which plans and signs entries (through the trust crate's
//! `log_core`), commits them in groups through a [`LogStore`] (one
//! transaction per group; on SQLite `synchronous=FULL`) and only then
//! answers. It holds no SQL itself.
//!
//! Check-ins are pipelined: while one group is being committed, the next is
//! signed. Entries are planned (given their index, time and salts) in
//! arrival order; if a commit fails, that group and every group planned
//! after it are refused and the writer reloads its state from the database,
//! so nothing half-written is ever acknowledged.
//!
//! It also publishes a fresh signed checkpoint every few seconds for each
//! open meeting whose log has grown.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::meeting_state::MeetingState;
use crate::metrics::{CheckInOutcome, Metrics};
use crate::receipt_id::ReceiptIds;
use crate::role::Role;
use crate::store::log::{
    Closed, GroupCommit, LockedLog, LogStore, LoggedEntry, NewRow, PgLog, SqliteLog, StoredLog,
};
use crate::store::{MeetingRow, Result as StoreResult, Store, StoreError};
use crate::trust::code::CodeDocument;
use crate::trust::keys::Signer;
use crate::trust::log_core::{
    self, seal, CheckIn, CheckInPlan, Planned, Planner, Recognition, Refused, Signed,
};
use crate::trust::merkle::Tree;
use crate::trust::statement::{Presence, RosterCounts};

/// The most jobs committed in one transaction.
const MAX_GROUP: usize = 1024;

/// Merkle trees of meeting logs, shared with readers for proofs.
#[derive(Clone, Default)]
pub struct Logs {
    inner: Arc<RwLock<HashMap<String, Arc<RwLock<Tree>>>>>,
}

impl Logs {
    /// The tree of a meeting, if loaded.
    pub fn get(&self, meeting_id: &str) -> Option<Arc<RwLock<Tree>>> {
        self.inner.read().ok()?.get(meeting_id).cloned()
    }

    /// Loads (or returns the loaded) tree of a meeting.
    pub async fn load(&self, store: &Store, meeting_id: &str) -> StoreResult<Arc<RwLock<Tree>>> {
        if let Some(t) = self.get(meeting_id) {
            return Ok(t);
        }
        let tree = Arc::new(RwLock::new(Tree::new(&store.leaves(meeting_id).await?)));
        if let Ok(mut map) = self.inner.write() {
            return Ok(map.entry(meeting_id.to_owned()).or_insert(tree).clone());
        }
        Ok(tree)
    }

    /// The tree of a meeting holding at least its first `size` leaves:
    /// with several instances on one database, others append too, and
    /// what they appended is read from the database.
    pub async fn covering(
        &self,
        store: &Store,
        meeting_id: &str,
        size: u64,
    ) -> StoreResult<Arc<RwLock<Tree>>> {
        let tree = self.load(store, meeting_id).await?;
        let have = tree.read().map(|t| t.len() as u64).unwrap_or(0);
        if have < size {
            let leaves = store.leaves_from(meeting_id, have).await?;
            if let Ok(mut t) = tree.write() {
                extend_at(&mut t, have, &leaves);
            }
        }
        Ok(tree)
    }

    fn insert(&self, meeting_id: &str, tree: Arc<RwLock<Tree>>) {
        if let Ok(mut map) = self.inner.write() {
            map.insert(meeting_id.to_owned(), tree);
        }
    }
}

/// Appends `leaves`, the first being leaf `from`, skipping those the tree
/// already holds (another reader or the writer may have added them).
fn extend_at(tree: &mut Tree, from: u64, leaves: &[crate::trust::merkle::Hash]) {
    for (i, leaf) in leaves.iter().enumerate() {
        if tree.len() as u64 == from + i as u64 {
            tree.push(*leaf);
        }
    }
}

/// A validated check-in to append.
#[derive(Clone, Debug)]
pub struct CheckInRequest {
    pub meeting_id: String,
    pub name: String,
    pub organization: String,
    pub country: String,
    pub email: Option<String>,
    pub role: Role,
    pub language: String,
    /// SHA-256 of the version of the Code the attendee was shown (one the
    /// meeting offers, in `language`).
    pub code_sha256: String,
    pub presence: Presence,
    /// Normalised email, to recognise the same person twice.
    pub email_key: Option<String>,
    /// The device cookie, to recognise the same device twice.
    pub device_key: Option<String>,
    /// The name, lower-cased: an email recognises a repeat only for the same name.
    pub name_key: String,
    /// The attendee agrees to their email being shown on circulated lists.
    pub share_email: bool,
}

/// An accepted check-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInAccepted {
    pub receipt_id: String,
    pub index: u64,
    /// The person or device had already checked in: this is their receipt.
    pub existing: bool,
    /// The signed entry, for a new check-in (its receipt, before any proof).
    pub entry: Option<crate::trust::bundle::Entry>,
}

/// Why the writer refused or failed.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum WriteError {
    #[error("there is no meeting with this id")]
    UnknownMeeting,
    #[error("the meeting has not been opened yet")]
    NotOpen,
    #[error("the meeting is closed; check-ins are no longer accepted")]
    Closed,
    #[error("the meeting is already open or closed")]
    AlreadyOpened,
    #[error("the QR code has expired")]
    Expired,
    #[error("this email address has already checked in to this meeting under another name; if that was you, use the same name, otherwise ask the secretary")]
    EmailTaken,
    #[error("storage is unavailable (the database is unreachable, or its disk is full or read-only), so nothing was recorded; try again in a minute, and tell the secretary if it persists")]
    Unavailable,
    #[error("storage failed; nothing was recorded")]
    Storage,
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    Amendment(log_core::AmendRefused),
    #[error("{0}")]
    Session(log_core::SessionRefused),
    #[error("no session is open: check-in resumes when the secretary opens the next session")]
    BetweenSessions,
    #[error("{0}")]
    Delegations(log_core::DelegationsRefused),
    #[error("entries were added to the log while the counts were being taken; take them again")]
    Moved,
}

enum Job {
    CheckIn(
        Box<CheckInRequest>,
        oneshot::Sender<Result<CheckInAccepted, WriteError>>,
    ),
    Open(String, oneshot::Sender<Result<(), WriteError>>),
    Notes {
        meeting_id: String,
        by: String,
        text: String,
        reply: oneshot::Sender<Result<u64, WriteError>>,
    },
    Close {
        meeting_id: String,
        /// A close/v2's counts, taken over a log of this size.
        roster: Option<(RosterCounts, u64)>,
        reply: oneshot::Sender<Result<String, WriteError>>,
    },
    /// A roster or delegations entry.
    Secretary {
        meeting_id: String,
        entry: SecretaryEntry,
        reply: oneshot::Sender<Result<u64, WriteError>>,
    },
    Amend {
        meeting_id: String,
        amendment: AmendmentRequest,
        reply: oneshot::Sender<Result<u64, WriteError>>,
    },
    /// Open `session` (`Some`), or close the open session `number`.
    Session {
        meeting_id: String,
        open: Option<crate::trust::statement::Session>,
        number: u32,
        by: String,
        reply: oneshot::Sender<Result<u64, WriteError>>,
    },
    /// Personal data of these check-ins were erased: drop what recognised
    /// them (email, device) from memory.
    Forget {
        meeting_id: String,
        indices: Vec<u64>,
        reply: oneshot::Sender<Result<(), WriteError>>,
    },
}

impl Job {
    /// The meeting whose log the job appends to.
    fn meeting_id(&self) -> Option<&str> {
        match self {
            Job::CheckIn(req, _) => Some(&req.meeting_id),
            Job::Open(id, _) => Some(id),
            Job::Notes { meeting_id, .. }
            | Job::Close { meeting_id, .. }
            | Job::Amend { meeting_id, .. }
            | Job::Session { meeting_id, .. }
            | Job::Secretary { meeting_id, .. } => Some(meeting_id),
            Job::Forget { .. } => None,
        }
    }

    /// Answers the job with `err`, nothing of it done.
    fn refuse(self, err: WriteError, metrics: &Metrics) {
        match self {
            Job::CheckIn(_, reply) => {
                metrics.check_in(CheckInOutcome::Failed);
                let _ = reply.send(Err(err));
            }
            Job::Open(_, reply) => {
                let _ = reply.send(Err(err));
            }
            Job::Notes { reply, .. } => {
                let _ = reply.send(Err(err));
            }
            Job::Close { reply, .. } => {
                let _ = reply.send(Err(err));
            }
            Job::Amend { reply, .. }
            | Job::Session { reply, .. }
            | Job::Secretary { reply, .. } => {
                let _ = reply.send(Err(err));
            }
            Job::Forget { reply, .. } => {
                let _ = reply.send(Err(err));
            }
        }
    }
}

/// The handle request handlers use.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task. It stops when every handle is dropped, after
    /// finishing the jobs already queued.
    pub async fn start(
        store: Store,
        signer: Arc<Signer>,
        logs: Logs,
        metrics: Arc<Metrics>,
        receipts: ReceiptIds,
        checkpoint_every: Duration,
    ) -> StoreResult<(Self, std::thread::JoinHandle<()>)> {
        if store.is_shared() {
            let store = PgLog::new(&store)?;
            return Self::start_on(store, signer, logs, metrics, receipts, checkpoint_every).await;
        }
        let store = SqliteLog::new(&store).await?;
        Self::start_on(store, signer, logs, metrics, receipts, checkpoint_every).await
    }

    /// Starts the writer task on any [`LogStore`].
    pub async fn start_on<S: LogStore + Send + 'static>(
        store: S,
        signer: Arc<Signer>,
        logs: Logs,
        metrics: Arc<Metrics>,
        receipts: ReceiptIds,
        checkpoint_every: Duration,
    ) -> StoreResult<(Self, std::thread::JoinHandle<()>)> {
        let mut state = State {
            rng: rand_core::SeedableRng::from_rng(rand_core::OsRng)
                .map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?,
            receipts,
            store,
            signer,
            logs,
            metrics,
            open: HashMap::new(),
            codes: HashMap::new(),
            last_checkpoints: std::time::Instant::now(),
        };
        state.load_open().await?;
        let (tx, rx) = mpsc::channel(16_384);
        // Its own thread and runtime, so signing and committing never wait
        // behind request handlers, nor block them.
        let thread = std::thread::Builder::new()
            .name("rollcall-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(state.run(rx, checkpoint_every)),
                    Err(e) => tracing::error!(error = %e, "the log writer could not start"),
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the log writer: {e}")))?;
        Ok((Self { tx }, thread))
    }

    async fn ask<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, WriteError>>) -> Job,
    ) -> Result<T, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(job(reply))
            .await
            .map_err(|_| WriteError::ShuttingDown)?;
        rx.await.map_err(|_| WriteError::ShuttingDown)?
    }

    /// Appends a check-in; answers once it is durably committed.
    pub async fn check_in(&self, req: CheckInRequest) -> Result<CheckInAccepted, WriteError> {
        self.ask(|r| Job::CheckIn(Box::new(req), r)).await
    }

    /// Opens a draft meeting: appends the signed meeting statement.
    pub async fn open(&self, meeting_id: &str) -> Result<(), WriteError> {
        let id = meeting_id.to_owned();
        self.ask(|r| Job::Open(id, r)).await
    }

    /// Appends notes on discussion of the Code.
    pub async fn notes(&self, meeting_id: &str, by: &str, text: &str) -> Result<u64, WriteError> {
        let (meeting_id, by, text) = (meeting_id.to_owned(), by.to_owned(), text.to_owned());
        self.ask(|reply| Job::Notes {
            meeting_id,
            by,
            text,
            reply,
        })
        .await
    }

    /// Appends a secretary's amendment of a check-in; returns its index.
    pub async fn amend(
        &self,
        meeting_id: &str,
        amendment: AmendmentRequest,
    ) -> Result<u64, WriteError> {
        let meeting_id = meeting_id.to_owned();
        self.ask(|reply| Job::Amend {
            meeting_id,
            amendment,
            reply,
        })
        .await
    }

    /// Opens `session` of the meeting for check-in; returns the entry's index.
    pub async fn open_session(
        &self,
        meeting_id: &str,
        session: crate::trust::statement::Session,
        by: &str,
    ) -> Result<u64, WriteError> {
        let (meeting_id, by, number) = (meeting_id.to_owned(), by.to_owned(), session.number);
        self.ask(|reply| Job::Session {
            meeting_id,
            open: Some(session),
            number,
            by,
            reply,
        })
        .await
    }

    /// Closes the open session `number`; returns the entry's index.
    pub async fn close_session(
        &self,
        meeting_id: &str,
        number: u32,
        by: &str,
    ) -> Result<u64, WriteError> {
        let (meeting_id, by) = (meeting_id.to_owned(), by.to_owned());
        self.ask(|reply| Job::Session {
            meeting_id,
            open: None,
            number,
            by,
            reply,
        })
        .await
    }

    /// Closes the meeting; returns the final signed checkpoint.
    pub async fn close(&self, meeting_id: &str) -> Result<String, WriteError> {
        let meeting_id = meeting_id.to_owned();
        self.ask(|reply| Job::Close {
            meeting_id,
            roster: None,
            reply,
        })
        .await
    }

    /// Closes a meeting with a roster (a close/v2) with `counts` taken over
    /// its log at `size` entries; [`WriteError::Moved`] if it has more.
    pub async fn close_counting(
        &self,
        meeting_id: &str,
        counts: RosterCounts,
        size: u64,
    ) -> Result<String, WriteError> {
        let meeting_id = meeting_id.to_owned();
        self.ask(|reply| Job::Close {
            meeting_id,
            roster: Some((counts, size)),
            reply,
        })
        .await
    }

    /// Appends a roster or delegations entry; returns its index.
    pub async fn secretary_entry(
        &self,
        meeting_id: &str,
        entry: SecretaryEntry,
    ) -> Result<u64, WriteError> {
        let meeting_id = meeting_id.to_owned();
        self.ask(|reply| Job::Secretary {
            meeting_id,
            entry,
            reply,
        })
        .await
    }

    /// Forgets what recognised these check-ins again (their email and
    /// device keys), after their personal data were erased.
    pub async fn forget(&self, meeting_id: &str, indices: &[u64]) -> Result<(), WriteError> {
        let (meeting_id, indices) = (meeting_id.to_owned(), indices.to_vec());
        self.ask(|reply| Job::Forget {
            meeting_id,
            indices,
            reply,
        })
        .await
    }
}

/// An entry a secretary asks for about the roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretaryEntry {
    /// The commitment to the roster: its rows and canonical digest.
    Roster {
        by: String,
        size: u64,
        sha256: crate::trust::digest::Sha256Digest,
    },
    /// A snapshot of the delegations, taken over the log at `size` entries.
    Delegations {
        by: String,
        delegations: Vec<crate::trust::statement::Delegation>,
        size: u64,
    },
}

/// A secretary's amendment of the check-in at `amends`, with the values
/// it corrects (`None`: unchanged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendmentRequest {
    pub amends: u64,
    pub action: crate::trust::statement::AmendAction,
    pub reason: String,
    pub by: String,
    pub role: Option<String>,
    pub name: Option<String>,
    pub organization: Option<String>,
    pub country: Option<String>,
}

/// An open meeting's log, owned by the writer.
struct OpenLog {
    row: MeetingRow,
    /// Plans entries (committed and in flight): index, time, salts, and
    /// who has already checked in.
    planner: Planner,
    /// Committed leaves (shared with readers for proofs).
    tree: Arc<RwLock<Tree>>,
    /// Committed entries.
    size: u64,
    checkpointed: u64,
    /// Erasures recorded for the meeting when its recognitions were read
    /// (shared stores; `None`: not known yet).
    erasures: Option<u64>,
}

struct State<S> {
    /// Salts: ChaCha20 seeded from the operating system.
    rng: rand_chacha::ChaCha20Rng,
    receipts: ReceiptIds,
    /// Where the logs are stored: every log append goes through it.
    store: S,
    signer: Arc<Signer>,
    logs: Logs,
    metrics: Arc<Metrics>,
    open: HashMap<String, OpenLog>,
    codes: HashMap<String, Arc<CodeDocument>>,
    last_checkpoints: std::time::Instant,
}

/// A planned entry to sign and insert.
struct NewEntry {
    meeting_id: String,
    planned: Planned,
    email_key: Option<String>,
    device_key: Option<String>,
    /// For an amendment: the check-in it amends.
    amends: Option<u64>,
    /// For a check-in or a session entry: the session.
    session: Option<u32>,
}

impl NewEntry {
    /// An entry that recognises no attendee: the meeting statement, notes,
    /// an amendment, a session's opening or close, the close.
    fn secretarys(meeting_id: &str, planned: Planned) -> Self {
        Self {
            meeting_id: meeting_id.to_owned(),
            planned,
            email_key: None,
            device_key: None,
            amends: None,
            session: None,
        }
    }
}

/// What to answer for a job once its group is committed.
enum Done {
    CheckIn(
        oneshot::Sender<Result<CheckInAccepted, WriteError>>,
        Result<CheckInAccepted, WriteError>,
    ),
    Open(
        oneshot::Sender<Result<(), WriteError>>,
        Result<(), WriteError>,
    ),
    Notes(
        oneshot::Sender<Result<u64, WriteError>>,
        Result<u64, WriteError>,
    ),
    Close(
        String,
        oneshot::Sender<Result<String, WriteError>>,
        Result<(), WriteError>,
    ),
}

/// A planned group, then signed, then committed.
#[derive(Default)]
struct Group {
    new: Vec<NewEntry>,
    /// Each new entry, once signed.
    signed: Vec<Signed>,
    done: Vec<Done>,
    /// Meetings opened by this group.
    opened: Vec<String>,
    /// Meetings closed by this group, with their final log size.
    closing: Vec<(String, u64)>,
    /// Final signed checkpoints of the meetings closed.
    final_notes: HashMap<String, (u64, String)>,
    planned_at: Option<OffsetDateTime>,
}

/// A check-in's result, as the metrics count it.
fn outcome_of(r: &Result<CheckInAccepted, WriteError>) -> CheckInOutcome {
    match r {
        Ok(a) if a.existing => CheckInOutcome::Existing,
        Ok(_) => CheckInOutcome::New,
        Err(WriteError::Storage | WriteError::Unavailable | WriteError::ShuttingDown) => {
            CheckInOutcome::Failed
        }
        Err(_) => CheckInOutcome::Refused,
    }
}

/// Signs every planned entry of a group.
fn sign_all(signer: &Signer, mut g: Group) -> Group {
    g.signed = g
        .new
        .iter()
        .map(|e| Signed::sign(signer, &e.planned.statement))
        .collect();
    g
}

impl<S: LogStore> State<S> {
    async fn code(&mut self, sha256: &str) -> StoreResult<Arc<CodeDocument>> {
        if let Some(c) = self.codes.get(sha256) {
            return Ok(c.clone());
        }
        let code = self
            .store
            .code(sha256)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("Code {sha256} is missing")))?;
        let code = Arc::new(code);
        self.codes.insert(sha256.to_owned(), code.clone());
        Ok(code)
    }

    /// Loads every open meeting's log from the database (at start-up, and
    /// after a failed commit), so check-ins continue where they stopped.
    async fn load_open(&mut self) -> StoreResult<()> {
        self.open.clear();
        for row in self.store.open_meetings().await? {
            let stored = self.store.load_log(&row.meeting.id).await?;
            self.resume(row, stored).await?;
        }
        Ok(())
    }

    /// Takes up an open meeting's log as stored.
    async fn resume(&mut self, row: MeetingRow, stored: StoredLog) -> StoreResult<()> {
        let id = row.meeting.id.clone();
        let code = self.code(&row.code_sha256).await?;
        let tree = Arc::new(RwLock::new(Tree::new(&stored.leaves)));
        let mut planner = Planner::resume(
            row.meeting.clone(),
            (*code).clone(),
            0,
            OffsetDateTime::UNIX_EPOCH,
        );
        let size = stored.leaves.len() as u64;
        for e in stored.entries {
            take_up(&mut planner, e);
        }
        let log = OpenLog {
            row,
            planner,
            tree,
            size,
            checkpointed: stored.checkpointed,
            erasures: None,
        };
        self.logs.insert(&id, log.tree.clone());
        self.open.insert(id, log);
        Ok(())
    }

    /// With several instances on one database: takes the locks of the
    /// jobs' meetings, catches up with what other instances appended, and
    /// only then plans, signs and commits the group, so that the database
    /// decides the order of each log.
    async fn append_shared(&mut self, jobs: Vec<Job>) {
        let ids: Vec<String> = jobs
            .iter()
            .filter_map(Job::meeting_id)
            .map(str::to_owned)
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let caught_up = match self.store.lock_logs(&refs).await {
            Ok(locked) => self.catch_up(locked).await,
            Err(e) => Err(e),
        };
        if let Err(e) = caught_up {
            self.store.abort().await;
            let err = storage_error(&e);
            tracing::error!(error = %e, jobs = jobs.len(), "could not lock the logs to append; nothing was recorded");
            for job in jobs {
                job.refuse(err.clone(), &self.metrics);
            }
            self.reload().await;
            return;
        }
        let g = self.plan(jobs).await;
        let mut g = sign_all(&self.signer, g);
        self.seal_closing(&mut g);
        let _ = self.commit(g).await;
    }

    /// Brings the memory of each locked log up to the database's: what
    /// other instances appended, and, once personal data were erased
    /// anywhere, the whole log again (an erased attendee is no longer
    /// recognised).
    async fn catch_up(&mut self, locked: Vec<LockedLog>) -> StoreResult<()> {
        for l in locked {
            let known = self
                .open
                .get(&l.meeting_id)
                .map(|log| (log.size, log.erasures));
            match (l.state, known) {
                (MeetingState::Open, Some((size, erasures)))
                    if l.size > size && erasures == Some(l.erasures) =>
                {
                    let new = self.store.load_log_from(&l.meeting_id, size).await?;
                    if let Some(log) = self.open.get_mut(&l.meeting_id) {
                        if let Ok(mut t) = log.tree.write() {
                            extend_at(&mut t, size, &new.leaves);
                        }
                        log.size = size + new.leaves.len() as u64;
                        for e in new.entries {
                            take_up(&mut log.planner, e);
                        }
                    }
                }
                (MeetingState::Open, Some((size, erasures)))
                    if l.size == size && erasures == Some(l.erasures) => {}
                (MeetingState::Open, _) => {
                    // Not known, behind on erasures, or ahead of the
                    // database: read it all again.
                    self.open.remove(&l.meeting_id);
                    if let Some(row) = self.store.meeting(&l.meeting_id).await? {
                        let stored = self.store.load_log(&l.meeting_id).await?;
                        self.resume(row, stored).await?;
                        if let Some(log) = self.open.get_mut(&l.meeting_id) {
                            log.erasures = Some(l.erasures);
                        }
                    }
                }
                (MeetingState::Closed, Some(_)) => {
                    self.open.remove(&l.meeting_id);
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Job>, every: Duration) {
        let mut pending: Option<Group> = None;
        let mut disconnected = false;
        loop {
            if self.last_checkpoints.elapsed() >= every {
                self.publish_checkpoints().await;
            }
            // 1. Gather a group. With a commit pending, do not wait for more.
            let mut jobs = Vec::new();
            if pending.is_none() && !disconnected {
                let wait = every.saturating_sub(self.last_checkpoints.elapsed());
                match tokio::time::timeout(wait, rx.recv()).await {
                    Ok(Some(j)) => jobs.push(j),
                    Ok(None) => disconnected = true,
                    Err(_) => continue,
                }
            }
            while jobs.len() < MAX_GROUP && !disconnected {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => disconnected = true,
                }
            }
            if jobs.is_empty() {
                if let Some(g) = pending.take() {
                    let _ = self.commit(g).await;
                }
                if disconnected {
                    break;
                }
                continue;
            }
            // 2. Opening, notes and closing go on their own, after all before them.
            if self.store.shared() {
                self.append_shared(jobs).await;
                continue;
            }
            if jobs.iter().any(|j| !matches!(j, Job::CheckIn(..))) {
                if let Some(g) = pending.take() {
                    let _ = self.commit(g).await;
                }
                let g = self.plan(jobs).await;
                let mut g = sign_all(&self.signer, g);
                self.seal_closing(&mut g);
                let _ = self.commit(g).await;
                continue;
            }
            // 3. Check-ins: sign this group while the previous one commits.
            let g = self.plan(jobs).await;
            let signer = self.signer.clone();
            let signing = tokio::task::spawn_blocking(move || sign_all(&signer, g));
            let outcome = match pending.take() {
                Some(p) => self.commit(p).await,
                None => Ok(()),
            };
            let signed = match signing.await {
                Ok(g) => g,
                Err(e) => {
                    tracing::error!(error = %e, "signing failed");
                    self.reload().await;
                    continue;
                }
            };
            match outcome {
                Ok(()) => pending = Some(signed),
                // Planned on top of a group that was not recorded: refuse
                // it too, for the same reason.
                Err(e) => self.answer(signed, Err(e)),
            }
        }
        self.publish_checkpoints().await;
    }

    /// Forgets planned state and reloads what is committed.
    async fn reload(&mut self) {
        if let Err(e) = self.load_open().await {
            tracing::error!(error = %e, "could not reload the open logs");
        }
    }

    /// Commits a signed group and answers its jobs. An error if it failed
    /// (then nothing of it is recorded, and planned state is reloaded).
    async fn commit(&mut self, g: Group) -> Result<(), WriteError> {
        match self.insert(&g).await {
            Ok(()) => {
                self.metrics.group(g.new.len());
                for id in &g.opened {
                    if let Some(log) = self.open.get(id) {
                        self.logs.insert(id, log.tree.clone());
                    }
                }
                for (e, s) in g.new.iter().zip(&g.signed) {
                    if let Some(log) = self.open.get_mut(&e.meeting_id) {
                        if let Ok(mut t) = log.tree.write() {
                            extend_at(&mut t, e.planned.index, &[s.leaf]);
                        }
                        log.size = log.size.max(e.planned.index + 1);
                    }
                }
                for id in g.final_notes.keys() {
                    self.open.remove(id);
                    tracing::info!(meeting = %id, "meeting closed");
                }
                self.answer(g, Ok(()));
                Ok(())
            }
            Err(e) => {
                let err = storage_error(&e);
                if err == WriteError::Unavailable {
                    tracing::error!(error = %e, entries = g.new.len(), "group commit failed: the disk is full or the database is read-only; nothing of it was recorded. Free space on the data directory's disk or make it writable; check-ins resume by themselves");
                } else {
                    tracing::error!(error = %e, entries = g.new.len(), "group commit failed; nothing of it was recorded");
                }
                self.answer(g, Err(err.clone()));
                self.reload().await;
                Err(err)
            }
        }
    }

    /// Sends every job of a group its answer.
    fn answer(&self, g: Group, outcome: Result<(), WriteError>) {
        let final_notes = g.final_notes;
        let keyid = self.signer.public().keyid();
        let position: HashMap<(&str, u64), usize> = g
            .new
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.meeting_id.as_str(), e.planned.index), i))
            .collect();
        let entry = |a: &CheckInAccepted| {
            let (meeting, idx) = self.receipts.parse(&a.receipt_id)?;
            let i = *position.get(&(meeting.as_str(), idx))?;
            let signed = g.signed.get(i)?;
            Some(signed.entry(&keyid, g.new.get(i)?.planned.disclosures.clone()))
        };
        for d in g.done {
            match d {
                Done::CheckIn(reply, r) => {
                    let r = match (&outcome, r) {
                        (Ok(()), Ok(mut a)) => {
                            if !a.existing {
                                a.entry = entry(&a);
                            }
                            Ok(a)
                        }
                        (Ok(()), r) => r,
                        // An earlier, committed check-in is still valid.
                        (Err(_), Ok(a)) if a.existing && self.is_committed(&a) => Ok(a),
                        (Err(e), Ok(_)) => Err(e.clone()),
                        (Err(_), Err(x)) => Err(x),
                    };
                    self.metrics.check_in(outcome_of(&r));
                    let _ = reply.send(r);
                }
                Done::Open(reply, r) => {
                    let _ = reply.send(outcome.clone().and(r));
                }
                Done::Notes(reply, r) => {
                    let _ = reply.send(outcome.clone().and(r));
                }
                Done::Close(id, reply, r) => {
                    let r = outcome.clone().and(r).and_then(|()| {
                        final_notes
                            .get(&id)
                            .map(|(_, n)| n.clone())
                            .ok_or(WriteError::Storage)
                    });
                    let _ = reply.send(r);
                }
            }
        }
    }

    fn is_committed(&self, a: &CheckInAccepted) -> bool {
        // After a failure the state is reloaded, so a receipt still known
        // to an open log is committed.
        self.receipts
            .parse(&a.receipt_id)
            .and_then(|(meeting, idx)| {
                let l = self.open.get(&meeting)?;
                Some(idx < l.size && l.planner.recognises(idx))
            })
            .unwrap_or(false)
    }

    /// The meeting's open log, or why it cannot take entries.
    async fn open_log(&mut self, meeting_id: &str) -> Result<&mut OpenLog, WriteError> {
        if !self.open.contains_key(meeting_id) {
            return Err(match self.store.meeting(meeting_id).await {
                Ok(Some(m)) if m.state == MeetingState::Closed => WriteError::Closed,
                Ok(Some(_)) => WriteError::NotOpen,
                Ok(None) => WriteError::UnknownMeeting,
                Err(e) => storage_error(&e),
            });
        }
        self.open
            .get_mut(meeting_id)
            .ok_or(WriteError::UnknownMeeting)
    }

    /// Plans every job of a group in arrival order.
    async fn plan(&mut self, jobs: Vec<Job>) -> Group {
        let now = OffsetDateTime::now_utc();
        let mut g = Group {
            planned_at: Some(now),
            ..Group::default()
        };
        for job in jobs {
            let closing = |g: &Group, id: &str| g.closing.iter().any(|c| c.0 == id);
            match job {
                Job::CheckIn(req, reply) if closing(&g, &req.meeting_id) => {
                    g.done.push(Done::CheckIn(reply, Err(WriteError::Closed)))
                }
                Job::Notes {
                    meeting_id, reply, ..
                } if closing(&g, &meeting_id) => {
                    g.done.push(Done::Notes(reply, Err(WriteError::Closed)))
                }
                Job::Amend {
                    meeting_id, reply, ..
                }
                | Job::Session {
                    meeting_id, reply, ..
                } if closing(&g, &meeting_id) => {
                    g.done.push(Done::Notes(reply, Err(WriteError::Closed)))
                }
                Job::Secretary {
                    meeting_id, reply, ..
                } if closing(&g, &meeting_id) => {
                    g.done.push(Done::Notes(reply, Err(WriteError::Closed)))
                }
                Job::Close {
                    meeting_id, reply, ..
                } if closing(&g, &meeting_id) => {
                    g.done
                        .push(Done::Close(meeting_id, reply, Err(WriteError::Closed)))
                }
                Job::CheckIn(req, reply) => {
                    let r = self.plan_check_in(*req, now, &mut g).await;
                    g.done.push(Done::CheckIn(reply, r));
                }
                Job::Open(id, reply) => {
                    let r = self.plan_open(&id, now, &mut g).await;
                    g.done.push(Done::Open(reply, r));
                }
                Job::Notes {
                    meeting_id,
                    by,
                    text,
                    reply,
                } => {
                    let r = self.plan_notes(&meeting_id, &by, &text, now, &mut g).await;
                    g.done.push(Done::Notes(reply, r));
                }
                Job::Amend {
                    meeting_id,
                    amendment,
                    reply,
                } => {
                    let r = self
                        .plan_amendment(&meeting_id, &amendment, now, &mut g)
                        .await;
                    g.done.push(Done::Notes(reply, r));
                }
                Job::Session {
                    meeting_id,
                    open,
                    number,
                    by,
                    reply,
                } => {
                    let r = self
                        .plan_session(&meeting_id, open, number, &by, now, &mut g)
                        .await;
                    g.done.push(Done::Notes(reply, r));
                }
                Job::Secretary {
                    meeting_id,
                    entry,
                    reply,
                } => {
                    let r = self.plan_secretary(&meeting_id, entry, now, &mut g).await;
                    g.done.push(Done::Notes(reply, r));
                }
                Job::Close {
                    meeting_id,
                    roster,
                    reply,
                } => {
                    let r = self.plan_close(&meeting_id, roster, now, &mut g).await;
                    g.done.push(Done::Close(meeting_id, reply, r));
                }
                Job::Forget {
                    meeting_id,
                    indices,
                    reply,
                } => {
                    if let Some(log) = self.open.get_mut(&meeting_id) {
                        log.planner.forget(&indices);
                    }
                    let _ = reply.send(Ok(()));
                }
            }
        }
        g
    }

    async fn plan_check_in(
        &mut self,
        req: CheckInRequest,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<CheckInAccepted, WriteError> {
        // A translation of the Code the meeting offers, if that is what the
        // attendee was shown.
        let translated = self.open.get(&req.meeting_id).is_some_and(|l| {
            l.row.code_sha256 != req.code_sha256 && l.row.version(&req.code_sha256).is_some()
        });
        let shown = if translated {
            Some(
                self.code(&req.code_sha256)
                    .await
                    .map_err(|e| storage_error(&e))?,
            )
        } else {
            None
        };
        self.open_log(&req.meeting_id).await?;
        let log = self
            .open
            .get_mut(&req.meeting_id)
            .ok_or(WriteError::UnknownMeeting)?;
        let c = CheckIn {
            name: &req.name,
            organization: &req.organization,
            country: &req.country,
            email: req.email.as_deref(),
            role: req.role.as_str(),
            presence: req.presence.clone(),
            language: &req.language,
            share_email: req.share_email,
        };
        let who = Recognition {
            email_key: req.email_key.clone(),
            device_key: req.device_key.clone(),
            name_key: req.name_key.clone(),
        };
        let plan = log
            .planner
            .check_in(&c, shown.as_deref(), who, now, &mut self.rng)
            .map_err(|r| match r {
                Refused::EmailTaken => WriteError::EmailTaken,
                Refused::Expired => WriteError::Expired,
                Refused::BetweenSessions => WriteError::BetweenSessions,
            })?;
        let planned = match plan {
            CheckInPlan::New(p) => *p,
            // The same person (email) or device again: their receipt, not a duplicate.
            CheckInPlan::Existing(index) => {
                return Ok(CheckInAccepted {
                    receipt_id: self.receipts.make(&req.meeting_id, index),
                    index,
                    existing: true,
                    entry: None,
                })
            }
        };
        let index = planned.index;
        let receipt_id = self.receipts.make(&req.meeting_id, index);
        let session = log.planner.session_open_now();
        g.new.push(NewEntry {
            meeting_id: req.meeting_id,
            planned,
            email_key: req.email_key,
            device_key: req.device_key,
            session,
            amends: None,
        });
        Ok(CheckInAccepted {
            receipt_id,
            index,
            existing: false,
            entry: None,
        })
    }

    async fn plan_open(
        &mut self,
        id: &str,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<(), WriteError> {
        let row = match self.store.meeting(id).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(WriteError::UnknownMeeting),
            Err(e) => return Err(storage_error(&e)),
        };
        if row.state != MeetingState::Draft || self.open.contains_key(id) {
            return Err(WriteError::AlreadyOpened);
        }
        let code = self
            .code(&row.code_sha256)
            .await
            .map_err(|e| storage_error(&e))?;
        let mut versions = Vec::new();
        for v in &row.versions {
            let doc = self.code(&v.sha256).await.map_err(|e| storage_error(&e))?;
            versions.push(log_core::version(&doc));
        }
        let (planner, planned) = Planner::open(
            row.meeting.clone(),
            (*code).clone(),
            row.languages.clone(),
            versions,
            now,
        );
        g.new.push(NewEntry::secretarys(id, planned));
        g.opened.push(id.to_owned());
        self.open.insert(
            id.to_owned(),
            OpenLog {
                row,
                planner,
                tree: Arc::new(RwLock::new(Tree::default())),
                size: 0,
                checkpointed: 0,
                erasures: Some(0),
            },
        );
        Ok(())
    }

    async fn plan_notes(
        &mut self,
        id: &str,
        by: &str,
        text: &str,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<u64, WriteError> {
        let planned = self.open_log(id).await?.planner.notes(by, text, now);
        let idx = planned.index;
        g.new.push(NewEntry::secretarys(id, planned));
        Ok(idx)
    }

    async fn plan_amendment(
        &mut self,
        id: &str,
        a: &AmendmentRequest,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<u64, WriteError> {
        self.open_log(id).await?;
        let log = self.open.get_mut(id).ok_or(WriteError::UnknownMeeting)?;
        // The check-in's leaf, once committed (an amendment never follows
        // the check-in it names in the same group).
        let leaf = log.tree.read().ok().and_then(|t| {
            usize::try_from(a.amends)
                .ok()
                .and_then(|i| t.leaves().get(i).copied())
        });
        let Some(leaf) = leaf else {
            return Err(WriteError::Amendment(if a.amends < log.planner.next() {
                log_core::AmendRefused::NotYetRecorded(a.amends)
            } else {
                log_core::AmendRefused::NotACheckIn(a.amends)
            }));
        };
        let amendment = log_core::Amendment {
            amends: a.amends,
            action: a.action,
            reason: &a.reason,
            role: a.role.as_deref(),
            name: a.name.as_deref(),
            organization: a.organization.as_deref(),
            country: a.country.as_deref(),
        };
        let planned = log
            .planner
            .amend(&amendment, &a.by, &leaf, now, &mut self.rng)
            .map_err(WriteError::Amendment)?;
        let idx = planned.index;
        g.new.push(NewEntry {
            amends: Some(a.amends),
            ..NewEntry::secretarys(id, planned)
        });
        Ok(idx)
    }

    async fn plan_session(
        &mut self,
        id: &str,
        open: Option<crate::trust::statement::Session>,
        number: u32,
        by: &str,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<u64, WriteError> {
        let planner = &mut self.open_log(id).await?.planner;
        let planned = match open {
            Some(session) => planner.open_session(session, by, now),
            None => planner.close_session(number, by, now),
        }
        .map_err(WriteError::Session)?;
        let idx = planned.index;
        g.new.push(NewEntry {
            session: Some(number),
            ..NewEntry::secretarys(id, planned)
        });
        Ok(idx)
    }

    async fn plan_secretary(
        &mut self,
        id: &str,
        entry: SecretaryEntry,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<u64, WriteError> {
        let planner = &mut self.open_log(id).await?.planner;
        let planned = match entry {
            SecretaryEntry::Roster { by, size, sha256 } => planner.roster(&by, size, sha256, now),
            SecretaryEntry::Delegations {
                by,
                delegations,
                size,
            } => {
                if planner.next() != size {
                    return Err(WriteError::Moved);
                }
                planner
                    .delegations(&by, delegations, now)
                    .map_err(WriteError::Delegations)?
            }
        };
        let idx = planned.index;
        g.new.push(NewEntry::secretarys(id, planned));
        Ok(idx)
    }

    async fn plan_close(
        &mut self,
        id: &str,
        roster: Option<(RosterCounts, u64)>,
        now: OffsetDateTime,
        g: &mut Group,
    ) -> Result<(), WriteError> {
        let planner = &mut self.open_log(id).await?.planner;
        if let Some((_, size)) = roster {
            if planner.next() != size {
                return Err(WriteError::Moved);
            }
        }
        let planned = planner.close_counting(now, roster.map(|r| r.0));
        g.closing.push((id.to_owned(), planned.index + 1));
        g.new.push(NewEntry::secretarys(id, planned));
        Ok(())
    }

    /// Signs the final checkpoint of each meeting a (signed) group closes:
    /// the committed tree plus this group's leaves.
    fn seal_closing(&self, g: &mut Group) {
        for (id, size) in &g.closing {
            let Some(log) = self.open.get(id) else {
                continue;
            };
            let mut tree = log.tree.read().map(|t| t.clone()).unwrap_or_default();
            for (e, s) in g.new.iter().zip(&g.signed) {
                if &e.meeting_id == id {
                    tree.push(s.leaf);
                }
            }
            if let Some(note) = seal(&self.signer, &log.row.origin, &tree, *size) {
                g.final_notes.insert(id.clone(), (*size, note));
            }
        }
    }

    /// Writes a group in one transaction.
    async fn insert(&mut self, g: &Group) -> StoreResult<()> {
        let keyid = self.signer.public().keyid();
        let commit = GroupCommit {
            entries: g
                .new
                .iter()
                .zip(&g.signed)
                .map(|(e, s)| NewRow {
                    meeting_id: &e.meeting_id,
                    idx: e.planned.index,
                    kind: e.planned.kind.as_str(),
                    payload: &s.payload,
                    signature: &s.signature,
                    disclosures: &e.planned.disclosures,
                    leaf: &s.leaf,
                    email_key: e.email_key.as_deref(),
                    device_key: e.device_key.as_deref(),
                    amends: e.amends,
                    session: e.session,
                })
                .collect(),
            keyid: &keyid,
            opened: g.opened.iter().map(String::as_str).collect(),
            closed: g
                .final_notes
                .iter()
                .map(|(id, (size, note))| Closed {
                    meeting_id: id,
                    size: *size,
                    note,
                })
                .collect(),
            at: g.planned_at.unwrap_or_else(OffsetDateTime::now_utc),
        };
        self.store.commit_group(&commit).await
    }

    /// Signs and stores a checkpoint for every open log whose committed
    /// part has grown.
    async fn publish_checkpoints(&mut self) {
        self.last_checkpoints = std::time::Instant::now();
        let now = OffsetDateTime::now_utc();
        let ids: Vec<String> = self
            .open
            .iter()
            .filter(|(_, l)| l.size > l.checkpointed)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let Some(log) = self.open.get(&id) else {
                continue;
            };
            let size = log.size;
            let Some(note) = log
                .tree
                .read()
                .ok()
                .and_then(|t| seal(&self.signer, &log.row.origin, &t, size))
            else {
                continue;
            };
            let r = self.store.save_checkpoint(&id, size, &note, now).await;
            match r {
                Ok(_) => {
                    if let Some(l) = self.open.get_mut(&id) {
                        l.checkpointed = size;
                    }
                }
                Err(e) => {
                    tracing::warn!(meeting = %id, error = %e, "could not store checkpoint; will retry")
                }
            }
        }
    }
}

/// Counts an entry already in a log (appended by this writer before, or
/// by another instance) into the planner: its index and time, and for a
/// check-in what recognises its attendee.
fn take_up(planner: &mut Planner, e: LoggedEntry) {
    planner.recorded(e.idx, e.created_at);
    if let Some(number) = e.session {
        if e.kind == log_core::EntryKind::SessionOpen.as_str() {
            planner.recorded_session(number, true);
        } else if e.kind == log_core::EntryKind::SessionClose.as_str() {
            planner.recorded_session(number, false);
        }
    }
    if let Some(amends) = e.amends {
        use crate::trust::statement::AmendAction;
        if e.kind == log_core::EntryKind::Strike.as_str() {
            planner.recorded_amendment(amends, AmendAction::Strike);
        } else {
            planner.recorded_amendment(amends, AmendAction::Correct);
        }
    }
    if e.kind != log_core::EntryKind::CheckIn.as_str() {
        return;
    }
    let name_key = if e.email_key.is_some() {
        e.disclosures
            .iter()
            .filter_map(|d| crate::trust::disclosure::Disclosure::parse(d).ok())
            .find(|d| d.field == "name")
            .map(|d| d.value.to_lowercase())
            .unwrap_or_default()
    } else {
        String::new()
    };
    planner.recorded_session_check_in(
        e.idx,
        Recognition {
            email_key: e.email_key,
            device_key: e.device_key,
            name_key,
        },
        e.session,
    );
}

fn storage_error(e: &StoreError) -> WriteError {
    if e.is_unavailable() {
        WriteError::Unavailable
    } else {
        WriteError::Storage
    }
}
