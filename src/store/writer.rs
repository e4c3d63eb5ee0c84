//! The single log writer: every append to every meeting's log goes through
//! this task, which signs entries, commits them to SQLite in groups (one
//! transaction per group, `synchronous=FULL`) and only then answers.
//! It also publishes a fresh signed checkpoint every few seconds for each
//! open meeting whose log has grown.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rand_core::RngCore;
use rayon::prelude::*;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{ts, MeetingRow, Result as StoreResult, Store, StoreError};
use crate::metrics::Metrics;
use crate::trust::code::CodeDocument;
use crate::trust::encoding::b64url;
use crate::trust::keys::Signer;
use crate::trust::log::sign_statement;
use crate::trust::merkle::{leaf_hash, Hash, Tree};
use crate::trust::recorder::{check_in_statement, disclose, subject, CheckIn};
use crate::trust::statement::{
    ClosePredicate, MeetingPredicate, NotesPredicate, Predicate, Presence, RollcallStatement,
};

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

    fn insert(&self, meeting_id: &str, tree: Arc<RwLock<Tree>>) {
        if let Ok(mut map) = self.inner.write() {
            map.insert(meeting_id.to_owned(), tree);
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
    pub role: String,
    pub language: String,
    pub presence: Presence,
    /// Normalised email, to recognise the same person twice.
    pub email_key: Option<String>,
    /// The device cookie, to recognise the same device twice.
    pub device_key: Option<String>,
}

/// An accepted check-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInAccepted {
    pub receipt_id: String,
    pub index: u64,
    /// The person or device had already checked in: this is their receipt.
    pub existing: bool,
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
    #[error("storage is unavailable (disk full or read-only); nothing was recorded")]
    Unavailable,
    #[error("storage failed; nothing was recorded")]
    Storage,
    #[error("the server is shutting down")]
    ShuttingDown,
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
        reply: oneshot::Sender<Result<String, WriteError>>,
    },
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
        checkpoint_every: Duration,
    ) -> StoreResult<(Self, tokio::task::JoinHandle<()>)> {
        let mut state = State {
            store,
            signer,
            logs,
            metrics,
            open: HashMap::new(),
            codes: HashMap::new(),
        };
        state.load_open().await?;
        let (tx, rx) = mpsc::channel(16_384);
        let task = tokio::spawn(state.run(rx, checkpoint_every));
        Ok((Self { tx }, task))
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

    /// Closes the meeting; returns the final signed checkpoint.
    pub async fn close(&self, meeting_id: &str) -> Result<String, WriteError> {
        let meeting_id = meeting_id.to_owned();
        self.ask(|reply| Job::Close { meeting_id, reply }).await
    }
}

/// An open meeting's log, owned by the writer.
struct OpenLog {
    row: MeetingRow,
    code: Arc<CodeDocument>,
    tree: Arc<RwLock<Tree>>,
    size: u64,
    last_time: OffsetDateTime,
    by_email: HashMap<String, (String, u64)>,
    by_device: HashMap<String, (String, u64)>,
    check_ins: u64,
    checkpointed: u64,
}

struct State {
    store: Store,
    signer: Arc<Signer>,
    logs: Logs,
    metrics: Arc<Metrics>,
    open: HashMap<String, OpenLog>,
    codes: HashMap<String, Arc<CodeDocument>>,
}

/// A row to insert, built in a group.
struct NewEntry {
    meeting_id: String,
    idx: u64,
    kind: &'static str,
    statement: RollcallStatement,
    disclosures: Vec<String>,
    receipt_id: Option<String>,
    email_key: Option<String>,
    device_key: Option<String>,
}

/// What to do for a job once its group is committed.
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
        Result<String, WriteError>,
    ),
}

fn random_id() -> String {
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b64url(&b)
}

impl State {
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

    /// Loads every open meeting's log so check-ins can continue after a restart.
    async fn load_open(&mut self) -> StoreResult<()> {
        for row in self.store.open_meetings().await? {
            let id = row.meeting.id.clone();
            let code = self.code(&row.code_sha256).await?;
            let rows = sqlx::query(
                "SELECT idx, kind, receipt_id, email_key, device_key, created_at FROM entries WHERE meeting_id = ? ORDER BY idx",
            )
            .bind(&id)
            .fetch_all(self.store.pool())
            .await?;
            let mut log = OpenLog {
                row: row.clone(),
                code,
                tree: Arc::new(RwLock::new(Tree::new(&self.store.leaves(&id).await?))),
                size: rows.len() as u64,
                last_time: OffsetDateTime::UNIX_EPOCH,
                by_email: HashMap::new(),
                by_device: HashMap::new(),
                check_ins: 0,
                checkpointed: self.store.checkpoints(&id).await?.last().map_or(0, |c| c.0),
            };
            for r in &rows {
                let idx: i64 = r.try_get("idx")?;
                let kind: String = r.try_get("kind")?;
                let created: String = r.try_get("created_at")?;
                if let Ok(t) =
                    OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339)
                {
                    log.last_time = log.last_time.max(t);
                }
                if kind == "check-in" {
                    log.check_ins += 1;
                    let receipt: Option<String> = r.try_get("receipt_id")?;
                    let receipt = receipt.unwrap_or_default();
                    if let Some(e) = r.try_get::<Option<String>, _>("email_key")? {
                        log.by_email.insert(e, (receipt.clone(), idx as u64));
                    }
                    if let Some(d) = r.try_get::<Option<String>, _>("device_key")? {
                        log.by_device.insert(d, (receipt, idx as u64));
                    }
                }
            }
            self.logs.insert(&id, log.tree.clone());
            self.open.insert(id, log);
        }
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Job>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                job = rx.recv() => {
                    let Some(first) = job else { break };
                    let mut group = vec![first];
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(j) => group.push(j),
                            Err(_) => break,
                        }
                    }
                    self.commit_group(group).await;
                }
                _ = tick.tick() => self.publish_checkpoints().await,
            }
        }
        // Every handle is gone: sign a last checkpoint so receipts are provable.
        self.publish_checkpoints().await;
    }

    /// The meeting's open log, or why it cannot take entries.
    async fn open_log(&mut self, meeting_id: &str) -> Result<&mut OpenLog, WriteError> {
        if !self.open.contains_key(meeting_id) {
            return Err(match self.store.meeting(meeting_id).await {
                Ok(Some(m)) if m.state == "closed" => WriteError::Closed,
                Ok(Some(_)) => WriteError::NotOpen,
                Ok(None) => WriteError::UnknownMeeting,
                Err(e) => storage_error(&e),
            });
        }
        self.open
            .get_mut(meeting_id)
            .ok_or(WriteError::UnknownMeeting)
    }

    async fn commit_group(&mut self, group: Vec<Job>) {
        let mut new: Vec<NewEntry> = Vec::new();
        let mut done: Vec<Done> = Vec::new();
        let mut opened: Vec<OpenLog> = Vec::new();
        let mut closing: Vec<(String, u64)> = Vec::new();
        // Per meeting: entries reserved in this group (size after the group).
        let mut reserved: HashMap<String, u64> = HashMap::new();
        let now_utc = OffsetDateTime::now_utc();
        let closed_in_group =
            |closing: &Vec<(String, u64)>, id: &str| closing.iter().any(|c| c.0 == id);
        for job in group {
            match job {
                Job::CheckIn(req, reply) if closed_in_group(&closing, &req.meeting_id) => {
                    done.push(Done::CheckIn(reply, Err(WriteError::Closed)));
                }
                Job::Notes {
                    meeting_id, reply, ..
                } if closed_in_group(&closing, &meeting_id) => {
                    done.push(Done::Notes(reply, Err(WriteError::Closed)));
                }
                Job::Close { meeting_id, reply } if closed_in_group(&closing, &meeting_id) => {
                    done.push(Done::Close(meeting_id, reply, Err(WriteError::Closed)));
                }
                Job::CheckIn(req, reply) => {
                    let r = self
                        .plan_check_in(*req, now_utc, &mut new, &mut reserved)
                        .await;
                    done.push(Done::CheckIn(reply, r));
                }
                Job::Open(id, reply) => {
                    let r = self.plan_open(&id, now_utc, &mut new, &mut opened).await;
                    done.push(Done::Open(reply, r));
                }
                Job::Notes {
                    meeting_id,
                    by,
                    text,
                    reply,
                } => {
                    let r = self
                        .plan_notes(&meeting_id, &by, &text, now_utc, &mut new, &mut reserved)
                        .await;
                    done.push(Done::Notes(reply, r));
                }
                Job::Close { meeting_id, reply } => {
                    let r = self
                        .plan_close(&meeting_id, now_utc, &mut new, &mut reserved)
                        .await;
                    if let Ok(size) = r {
                        closing.push((meeting_id.clone(), size));
                    }
                    done.push(Done::Close(meeting_id, reply, r.map(|_| String::new())));
                }
            }
        }

        // Sign in parallel: the statements are final, only signatures remain.
        let signer = self.signer.clone();
        let signed: Vec<(String, Vec<u8>, Hash)> = tokio::task::block_in_place(|| {
            new.par_iter()
                .map(|e| {
                    let (env, payload) = sign_statement(&signer, &e.statement);
                    let leaf = leaf_hash(&payload);
                    (
                        serde_json::to_string(&env).unwrap_or_default(),
                        payload,
                        leaf,
                    )
                })
                .collect()
        });

        // Close: the final checkpoint covers everything up to the close entry.
        let mut final_notes: HashMap<String, (u64, String)> = HashMap::new();
        for (id, size) in &closing {
            let mut tree = self
                .open
                .get(id)
                .and_then(|l| l.tree.read().ok().map(|t| t.clone()))
                .unwrap_or_default();
            for (e, s) in new.iter().zip(&signed) {
                if &e.meeting_id == id {
                    tree.push(s.2);
                }
            }
            let origin = self
                .open
                .get(id)
                .map(|l| l.row.origin.clone())
                .unwrap_or_default();
            let cp = crate::trust::checkpoint::Checkpoint {
                origin,
                size: *size,
                root: tree.root(*size as usize).unwrap_or_default(),
            };
            final_notes.insert(id.clone(), (*size, cp.sign(&self.signer)));
        }

        let result = self
            .insert(&new, &signed, &opened, &final_notes, now_utc)
            .await;
        match result {
            Ok(()) => {
                self.metrics.group(new.len());
                for log in opened {
                    self.logs.insert(&log.row.meeting.id, log.tree.clone());
                    self.open.insert(log.row.meeting.id.clone(), log);
                }
                for (e, s) in new.iter().zip(&signed) {
                    if let Some(log) = self.open.get_mut(&e.meeting_id) {
                        if let Ok(mut t) = log.tree.write() {
                            t.push(s.2);
                        }
                        log.size = log.size.max(e.idx + 1);
                        if let Some(t) = e.statement_time() {
                            log.last_time = log.last_time.max(t);
                        }
                        if e.kind == "check-in" {
                            log.check_ins += 1;
                            let receipt = e.receipt_id.clone().unwrap_or_default();
                            if let Some(k) = &e.email_key {
                                log.by_email.insert(k.clone(), (receipt.clone(), e.idx));
                            }
                            if let Some(k) = &e.device_key {
                                log.by_device.insert(k.clone(), (receipt, e.idx));
                            }
                        }
                    }
                }
                for (id, (size, _)) in &final_notes {
                    if let Some(log) = self.open.remove(id) {
                        tracing::info!(meeting = %id, size, "meeting closed");
                        drop(log);
                    }
                }
                for d in done {
                    match d {
                        Done::CheckIn(reply, r) => {
                            self.metrics.check_in(r.as_ref().map(|a| a.existing));
                            let _ = reply.send(r);
                        }
                        Done::Open(reply, r) => {
                            let _ = reply.send(r);
                        }
                        Done::Notes(reply, r) => {
                            let _ = reply.send(r);
                        }
                        Done::Close(id, reply, r) => {
                            let _ = reply.send(r.and_then(|_| {
                                final_notes
                                    .get(&id)
                                    .map(|(_, n)| n.clone())
                                    .ok_or(WriteError::Storage)
                            }));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = new.len(), "group commit failed; nothing recorded");
                let err = storage_error(&e);
                for d in done {
                    match d {
                        Done::CheckIn(reply, r) => {
                            // Duplicates that needed no write still succeed.
                            let r = match r {
                                Ok(a) if a.existing => Ok(a),
                                Ok(_) => Err(err.clone()),
                                Err(x) => Err(x),
                            };
                            self.metrics.check_in(r.as_ref().map(|a| a.existing));
                            let _ = reply.send(r);
                        }
                        Done::Open(reply, r) => {
                            let _ = reply.send(r.and(Err(err.clone())));
                        }
                        Done::Notes(reply, r) => {
                            let _ = reply.send(r.and(Err(err.clone())));
                        }
                        Done::Close(_, reply, r) => {
                            let _ = reply.send(r.and(Err(err.clone())));
                        }
                    }
                }
            }
        }
    }

    async fn plan_check_in(
        &mut self,
        req: CheckInRequest,
        now_utc: OffsetDateTime,
        new: &mut Vec<NewEntry>,
        reserved: &mut HashMap<String, u64>,
    ) -> Result<CheckInAccepted, WriteError> {
        let log = self.open_log(&req.meeting_id).await?;
        // The same person (email) or device again: their receipt, not a duplicate.
        let existing = req
            .email_key
            .as_ref()
            .and_then(|k| log.by_email.get(k))
            .or_else(|| req.device_key.as_ref().and_then(|k| log.by_device.get(k)))
            .cloned();
        if let Some((receipt_id, index)) = existing {
            return Ok(CheckInAccepted {
                receipt_id,
                index,
                existing: true,
            });
        }
        // Also within this group.
        if let Some(e) = new.iter().find(|e| {
            e.meeting_id == req.meeting_id
                && ((e.email_key.is_some() && e.email_key == req.email_key)
                    || (e.device_key.is_some() && e.device_key == req.device_key))
        }) {
            return Ok(CheckInAccepted {
                receipt_id: e.receipt_id.clone().unwrap_or_default(),
                index: e.idx,
                existing: true,
            });
        }
        let now = now_utc.max(log.last_time);
        if let Presence::RotatingQr { not_after, .. } = &req.presence {
            if now > *not_after {
                return Err(WriteError::Expired);
            }
        }
        let idx = *reserved.entry(req.meeting_id.clone()).or_insert(log.size);
        reserved.insert(req.meeting_id.clone(), idx + 1);
        let c = CheckIn {
            name: &req.name,
            organization: &req.organization,
            country: &req.country,
            email: req.email.as_deref(),
            role: &req.role,
            presence: req.presence.clone(),
            language: &req.language,
        };
        let disclosures = disclose(&c);
        let statement = check_in_statement(&log.row.meeting, &log.code, &c, &disclosures, now);
        let receipt_id = random_id();
        new.push(NewEntry {
            meeting_id: req.meeting_id.clone(),
            idx,
            kind: "check-in",
            statement,
            disclosures: disclosures.into_iter().map(|d| d.encoded).collect(),
            receipt_id: Some(receipt_id.clone()),
            email_key: req.email_key,
            device_key: req.device_key,
        });
        Ok(CheckInAccepted {
            receipt_id,
            index: idx,
            existing: false,
        })
    }

    async fn plan_open(
        &mut self,
        id: &str,
        now: OffsetDateTime,
        new: &mut Vec<NewEntry>,
        opened: &mut Vec<OpenLog>,
    ) -> Result<(), WriteError> {
        let row = match self.store.meeting(id).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(WriteError::UnknownMeeting),
            Err(e) => return Err(storage_error(&e)),
        };
        if row.state != "draft" || opened.iter().any(|o| o.row.meeting.id == id) {
            return Err(WriteError::AlreadyOpened);
        }
        let code = self
            .code(&row.code_sha256)
            .await
            .map_err(|e| storage_error(&e))?;
        let statement = RollcallStatement {
            subject: subject(&code),
            predicate: Predicate::Meeting(MeetingPredicate {
                meeting: row.meeting.clone(),
                code_title: code.title().to_owned(),
                languages: row.languages.clone(),
                opened_at: now,
            }),
        };
        new.push(NewEntry {
            meeting_id: id.to_owned(),
            idx: 0,
            kind: "meeting",
            statement,
            disclosures: Vec::new(),
            receipt_id: None,
            email_key: None,
            device_key: None,
        });
        opened.push(OpenLog {
            row,
            code,
            tree: Arc::new(RwLock::new(Tree::default())),
            size: 0,
            last_time: now,
            by_email: HashMap::new(),
            by_device: HashMap::new(),
            check_ins: 0,
            checkpointed: 0,
        });
        Ok(())
    }

    async fn plan_notes(
        &mut self,
        id: &str,
        by: &str,
        text: &str,
        now_utc: OffsetDateTime,
        new: &mut Vec<NewEntry>,
        reserved: &mut HashMap<String, u64>,
    ) -> Result<u64, WriteError> {
        let log = self.open_log(id).await?;
        let idx = *reserved.entry(id.to_owned()).or_insert(log.size);
        reserved.insert(id.to_owned(), idx + 1);
        let statement = RollcallStatement {
            subject: subject(&log.code),
            predicate: Predicate::Notes(NotesPredicate {
                meeting_id: id.to_owned(),
                recorded_at: now_utc.max(log.last_time),
                recorded_by: by.to_owned(),
                text: text.to_owned(),
            }),
        };
        new.push(NewEntry {
            meeting_id: id.to_owned(),
            idx,
            kind: "notes",
            statement,
            disclosures: Vec::new(),
            receipt_id: None,
            email_key: None,
            device_key: None,
        });
        Ok(idx)
    }

    /// Plans the close entry; returns the final log size.
    async fn plan_close(
        &mut self,
        id: &str,
        now_utc: OffsetDateTime,
        new: &mut Vec<NewEntry>,
        reserved: &mut HashMap<String, u64>,
    ) -> Result<u64, WriteError> {
        let log = self.open_log(id).await?;
        let idx = *reserved.entry(id.to_owned()).or_insert(log.size);
        // Check-ins already planned in this group count too.
        let planned = new
            .iter()
            .filter(|e| e.meeting_id == id && e.kind == "check-in")
            .count() as u64;
        reserved.insert(id.to_owned(), idx + 1);
        let statement = RollcallStatement {
            subject: subject(&log.code),
            predicate: Predicate::Close(ClosePredicate {
                meeting_id: id.to_owned(),
                closed_at: now_utc.max(log.last_time),
                check_ins: log.check_ins + planned,
            }),
        };
        new.push(NewEntry {
            meeting_id: id.to_owned(),
            idx,
            kind: "close",
            statement,
            disclosures: Vec::new(),
            receipt_id: None,
            email_key: None,
            device_key: None,
        });
        Ok(idx + 1)
    }

    /// Writes a group in one transaction.
    async fn insert(
        &self,
        new: &[NewEntry],
        signed: &[(String, Vec<u8>, Hash)],
        opened: &[OpenLog],
        final_notes: &HashMap<String, (u64, String)>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        if new.is_empty() {
            return Ok(());
        }
        let created = ts(now);
        let mut tx = self.store.pool().begin().await?;
        for chunk in new.iter().zip(signed).collect::<Vec<_>>().chunks(512) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO entries (meeting_id, idx, kind, payload, envelope, disclosures, leaf, receipt_id, email_key, device_key, created_at) ",
            );
            q.push_values(chunk, |mut b, (e, (env, payload, leaf))| {
                b.push_bind(&e.meeting_id)
                    .push_bind(e.idx as i64)
                    .push_bind(e.kind)
                    .push_bind(payload.as_slice())
                    .push_bind(env.as_str())
                    .push_bind(
                        serde_json::to_string(&e.disclosures).unwrap_or_else(|_| "[]".into()),
                    )
                    .push_bind(leaf.as_slice())
                    .push_bind(e.receipt_id.as_deref())
                    .push_bind(e.email_key.as_deref())
                    .push_bind(e.device_key.as_deref())
                    .push_bind(&created);
            });
            q.build().execute(&mut *tx).await?;
        }
        for o in opened {
            sqlx::query("UPDATE meetings SET state = 'open', opened_at = ? WHERE id = ? AND state = 'draft'")
                .bind(&created)
                .bind(&o.row.meeting.id)
                .execute(&mut *tx)
                .await?;
        }
        for (id, (size, note)) in final_notes {
            sqlx::query("UPDATE meetings SET state = 'closed', closed_at = ? WHERE id = ?")
                .bind(&created)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO checkpoints (meeting_id, size, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(*size as i64)
                .bind(note)
                .bind(&created)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Signs and stores a checkpoint for every open log that has grown.
    async fn publish_checkpoints(&mut self) {
        let now = ts(OffsetDateTime::now_utc());
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
            let Some(root) = log.tree.read().ok().and_then(|t| t.root(log.size as usize)) else {
                continue;
            };
            let cp = crate::trust::checkpoint::Checkpoint {
                origin: log.row.origin.clone(),
                size: log.size,
                root,
            };
            let note = cp.sign(&self.signer);
            let r = sqlx::query("INSERT INTO checkpoints (meeting_id, size, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(&id)
                .bind(log.size as i64)
                .bind(&note)
                .bind(&now)
                .execute(self.store.pool())
                .await;
            match r {
                Ok(_) => {
                    if let Some(l) = self.open.get_mut(&id) {
                        l.checkpointed = l.size;
                    }
                }
                Err(e) => {
                    tracing::warn!(meeting = %id, error = %e, "could not store checkpoint; will retry")
                }
            }
        }
    }
}

impl NewEntry {
    fn statement_time(&self) -> Option<OffsetDateTime> {
        Some(self.statement.predicate.time())
    }
}

fn storage_error(e: &StoreError) -> WriteError {
    if e.is_unavailable() {
        WriteError::Unavailable
    } else {
        WriteError::Storage
    }
}
