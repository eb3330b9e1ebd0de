//! The distributed store: etcd v3, used as kube-apiserver uses it, so that several replicas
//! share one state.
//!
//! - Keys are kube-apiserver's (`layout`), values the objects' JSON without their
//!   resourceVersion, which is etcd's mod revision: etcd's global revision is the store's.
//! - Writes are transactions: a creation compares the key's mod revision with 0, an update or a
//!   deletion with a precondition compares it with the resourceVersion (409 Conflict
//!   otherwise); a deletion returns the previous value with the deleting revision.
//! - Reads are served by an in-process cache that one etcd watch keeps current (`cache`,
//!   `reflector`), as kube-apiserver's watch cache. Before answering, a read waits until the
//!   cache has reached every revision this store wrote or saw in a conflict (read-your-writes);
//!   when it does not within [`FRESHNESS_WAIT`], the read goes to etcd. Writes of other replicas
//!   appear once their event has come through the watch.
//! - Lists at an older revision (`Exact`, continue tokens of a revision the cache has moved
//!   past) and watches from before the cache's window read etcd's history (`history`), and
//!   answer `Gone` once it is compacted; a compactor (`compactor`) runs kube-apiserver's
//!   algorithm at its interval.
//!
//! Every etcd call runs on the store's own runtime (`bridge`) with a deadline, so the
//! synchronous methods may be called from any thread without a runtime's `block_on`.

mod bridge;
mod cache;
mod compactor;
mod convert;
mod history;
mod layout;
mod paging;
mod reflector;
mod retry;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, DeleteOptions, Txn, TxnOp, TxnOpResponse,
};
use serde_json::Value;

use self::bridge::Bridge;
use self::cache::Cache;
use self::convert::{
    decode_kv, decode_value, encode_value, etcd_error, etcd_revision, is_future, revision_of,
};
use self::history::{Entries, Reader};
use self::layout::Layout;
use self::retry::{Kind, retrying};
use crate::keys::check_key;
use crate::metadata::{resource_version, set_resource_version};
use crate::model::{ListOptions, ListScope, Listing, ObjectKey, ReadRevision, Step, StoreError};
use crate::redb_store::{DEFAULT_EVENT_LOG_LENGTH, DEFAULT_WATCH_BUFFER};
use crate::store::Store;
use crate::watch::Watch;

pub use compactor::DEFAULT_INTERVAL as DEFAULT_COMPACTION_INTERVAL;

/// kube-apiserver's default `--etcd-prefix`.
pub const DEFAULT_PREFIX: &str = "/registry";
/// How long a read waits for the cache to reach this store's own writes before it asks etcd.
pub const FRESHNESS_WAIT: Duration = Duration::from_secs(1);
/// How long connecting waits before trying again.
const CONNECT_RETRY: Duration = Duration::from_millis(200);
/// The default deadline of one etcd call.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The client certificate and CA of a TLS connection to etcd (`--etcd-cafile`,
/// `--etcd-certfile`, `--etcd-keyfile`), as PEM.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EtcdTls {
    /// The CA bundle that signs etcd's serving certificates (default: the system's roots).
    pub ca_pem: Option<String>,
    /// The client certificate and its private key.
    pub identity: Option<(String, String)>,
}

impl std::fmt::Debug for EtcdTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdTls")
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "…"))
            .field("identity", &self.identity.as_ref().map(|_| "…"))
            .finish()
    }
}

/// How to reach etcd and keep objects there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdOptions {
    /// The members' client URLs (`--etcd-servers`): `http://…` or, with [`EtcdOptions::tls`],
    /// `https://…`.
    pub servers: Vec<String>,
    /// The prefix of every key (`--etcd-prefix`).
    pub prefix: String,
    /// TLS to etcd (required by `https://` servers).
    pub tls: Option<EtcdTls>,
    /// How often history is compacted (`--etcd-compaction-interval`); zero: never (another
    /// program compacts).
    pub compaction_interval: Duration,
    /// The deadline of one etcd call (connecting included).
    pub request_timeout: Duration,
    /// How many of the latest events the cache keeps for watches that resume.
    pub event_window: usize,
    /// How many live events a watcher may fall behind before its watch ends.
    pub watch_buffer: usize,
}

impl EtcdOptions {
    /// The defaults of kube-apiserver for `servers`.
    pub fn new(servers: Vec<String>) -> Self {
        Self {
            servers,
            prefix: DEFAULT_PREFIX.to_string(),
            tls: None,
            compaction_interval: DEFAULT_COMPACTION_INTERVAL,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            event_window: usize::try_from(DEFAULT_EVENT_LOG_LENGTH).unwrap_or(usize::MAX),
            watch_buffer: DEFAULT_WATCH_BUFFER,
        }
    }
}

/// The store on etcd. `Send + Sync`: share it as `Arc<dyn Store>`.
pub struct EtcdStore {
    client: Client,
    layout: Layout,
    cache: Arc<Cache>,
    /// The newest revision this store wrote or saw in a refused write: reads wait for the cache
    /// to reach it.
    seen: AtomicU64,
    timeout: Duration,
    watch_buffer: usize,
    /// Declared last: dropped after everything its tasks use.
    bridge: Bridge,
}

impl EtcdStore {
    /// Connects, lists everything under the prefix into the cache and starts following etcd.
    /// [`StoreError::Backend`] when etcd cannot be reached within the request timeout.
    pub fn connect(options: EtcdOptions) -> Result<Self, StoreError> {
        let bridge = Bridge::new()?;
        let layout = Layout::new(&options.prefix);
        let servers = options.servers.clone();
        if servers.is_empty() {
            return Err(StoreError::Backend("etcd: no servers given".to_string()));
        }
        let connect = connect_options(&options)?;
        let timeout = options.request_timeout;
        let unreachable = |error: StoreError| {
            StoreError::Backend(format!(
                "cannot reach etcd at {}: {}",
                servers.join(","),
                error.to_string().trim_start_matches("storage error: ")
            ))
        };
        let (client, objects, revision) = {
            let layout = layout.clone();
            let servers = servers.clone();
            bridge
                .run(timeout + CONNECT_RETRY, async move {
                    // A cluster that is starting (no leader yet) answers errors for a moment:
                    // try again until the deadline, then report the last error.
                    let deadline = tokio::time::Instant::now() + timeout;
                    loop {
                        let attempt = async {
                            let client = Client::connect(&servers, Some(connect.clone())).await?;
                            let listed = history::list_everything(&client, &layout).await?;
                            Ok::<_, etcd_client::Error>((client, listed))
                        };
                        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                        let error = match tokio::time::timeout(left, attempt).await {
                            Ok(Ok((client, (objects, revision)))) => {
                                return Ok((client, objects, revision));
                            }
                            Ok(Err(error)) => etcd_error(&error),
                            Err(_) => StoreError::Backend(format!(
                                "etcd: no answer within {} s",
                                timeout.as_secs_f64()
                            )),
                        };
                        if tokio::time::Instant::now() + CONNECT_RETRY >= deadline {
                            return Err(error);
                        }
                        tracing::debug!(%error, "etcd: connecting");
                        tokio::time::sleep(CONNECT_RETRY).await;
                    }
                })
                .map_err(unreachable)?
        };
        let cache = Arc::new(Cache::new(options.event_window, options.watch_buffer));
        cache.reset(objects, revision);
        bridge.handle().spawn(reflector::run(
            client.clone(),
            layout.clone(),
            cache.clone(),
        ));
        if !options.compaction_interval.is_zero() {
            let compacted = cache.clone();
            bridge.handle().spawn(compactor::run(
                client.clone(),
                options.compaction_interval,
                move |revision| compacted.forget_before(revision),
            ));
        }
        Ok(Self {
            client,
            layout,
            cache,
            seen: AtomicU64::new(revision),
            timeout,
            watch_buffer: options.watch_buffer,
            bridge,
        })
    }

    /// Compacts etcd's history up to `revision` now (the compactor does it every interval):
    /// reads and watches at older revisions answer [`StoreError::Gone`] afterwards.
    pub fn compact(&self, revision: u64) -> Result<(), StoreError> {
        let client = self.client.clone();
        let outcome = self.bridge.run(self.timeout, async move {
            match client
                .kv_client()
                .compact(etcd_revision(revision), None)
                .await
            {
                Ok(_) => Ok(()),
                Err(error) if convert::is_compacted(&error) => Ok(()),
                Err(error) if is_future(&error) => Err(StoreError::TooLargeRevision {
                    requested: revision,
                    current: 0,
                }),
                Err(error) => Err(etcd_error(&error)),
            }
        });
        match outcome {
            Err(StoreError::TooLargeRevision { requested, .. }) => {
                Err(StoreError::TooLargeRevision {
                    requested,
                    current: self.current_revision()?,
                })
            }
            other => {
                other?;
                self.cache.forget_before(revision);
                Ok(())
            }
        }
    }

    /// What the reads of etcd's history need.
    fn reader(&self) -> Reader<'_> {
        Reader {
            bridge: &self.bridge,
            client: &self.client,
            layout: &self.layout,
            timeout: self.timeout,
        }
    }

    /// Runs one etcd call on the store's runtime with the request deadline, sending it again
    /// while the cluster cannot take it (`retry`).
    fn call<T, F>(
        &self,
        kind: Kind,
        call: impl Fn(Client) -> F + Send + 'static,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, etcd_client::Error>> + Send + 'static,
    {
        let client = self.client.clone();
        let deadline = tokio::time::Instant::now() + self.timeout;
        self.bridge.run(self.timeout, async move {
            retrying(&client, kind, deadline, call)
                .await
                .map_err(|e| etcd_error(&e))
        })
    }

    /// Notes a revision this store wrote or saw: later reads wait for the cache to reach it.
    fn saw(&self, revision: u64) {
        self.seen.fetch_max(revision, Ordering::AcqRel);
    }

    /// Waits until the cache has every write this store made or saw; whether it has.
    fn fresh(&self) -> bool {
        self.cache
            .wait_for(self.seen.load(Ordering::Acquire), FRESHNESS_WAIT)
    }

    /// etcd's current revision (one round trip).
    fn current_revision(&self) -> Result<u64, StoreError> {
        let root = self.layout.root().to_string();
        let response = self.call(Kind::Read, move |client| {
            let root = root.clone();
            async move {
                let options = etcd_client::GetOptions::new().with_count_only();
                client.kv_client().get(root, Some(options)).await
            }
        })?;
        Ok(response.header().map_or(0, |h| revision_of(h.revision())))
    }

    /// One transaction: `compare` then `then`, else read the key.
    fn txn(
        &self,
        etcd_key: &str,
        compare: Compare,
        then: TxnOp,
    ) -> Result<etcd_client::TxnResponse, StoreError> {
        let txn = Txn::new()
            .when([compare])
            .and_then([then])
            .or_else([TxnOp::get(etcd_key, None)]);
        self.call(Kind::Write, move |client| {
            let txn = txn.clone();
            async move { client.kv_client().txn(txn).await }
        })
    }

    /// After a refused transaction: the key's current pair (from the else branch), noted as
    /// seen so that the next read shows it.
    fn refused(&self, response: &etcd_client::TxnResponse) -> Option<etcd_client::KeyValue> {
        let current = response.op_responses().into_iter().find_map(|op| match op {
            TxnOpResponse::Get(get) => get.kvs().first().cloned(),
            _ => None,
        });
        if let Some(kv) = &current {
            self.saw(revision_of(kv.mod_revision()));
        }
        current
    }

    /// The new object as written at the transaction's revision.
    fn written(
        &self,
        response: &etcd_client::TxnResponse,
        mut object: Value,
    ) -> Result<Value, StoreError> {
        let revision = response.header().map_or(0, |h| revision_of(h.revision()));
        self.saw(revision);
        set_resource_version(&mut object, revision)?;
        Ok(object)
    }

    /// The etcd key of a key to write; refuses what neither backend stores.
    fn write_key(&self, key: &ObjectKey) -> Result<String, StoreError> {
        check_key(key)?;
        self.layout.object_key(key)
    }

    /// A page read from etcd at `revision` (older than the cache's).
    fn list_from_etcd(
        &self,
        scope: &ListScope,
        prefix: &str,
        start: &str,
        revision: u64,
        options: &ListOptions<'_>,
    ) -> Result<Listing, StoreError> {
        let mut entries = Entries::new(self.reader(), scope, prefix, start, revision);
        let page = paging::fill(&mut entries, options).and_then(|filled| {
            paging::listing(filled, revision, options.predicate.is_some(), || {
                Ok(entries.untaken())
            })
        });
        match page {
            Err(StoreError::Gone { requested, .. }) => Err(StoreError::Gone {
                requested,
                oldest: self.compacted()?,
            }),
            other => other,
        }
    }

    /// The revision etcd has compacted up to.
    fn compacted(&self) -> Result<u64, StoreError> {
        let client = self.client.clone();
        let root = self.layout.root().to_string();
        self.bridge.run(self.timeout, async move {
            history::compacted_revision(&client, &root).await
        })
    }

    /// Refuses a revision etcd has not reached; etcd's current revision otherwise.
    fn not_too_large(&self, requested: u64) -> Result<u64, StoreError> {
        let current = self.current_revision()?;
        if requested > current {
            return Err(StoreError::TooLargeRevision { requested, current });
        }
        Ok(current)
    }

    /// [`Store::watch`] of one scope, or of everything.
    fn watch_scope(&self, scope: Option<&ListScope>, since: u64) -> Result<Watch, StoreError> {
        if !self.fresh() {
            return Err(StoreError::Backend(format!(
                "etcd: the watch cache has not reached revision {} (it is at {})",
                self.seen.load(Ordering::Acquire),
                self.cache.revision()
            )));
        }
        if let Some(watch) = self.cache.watch(scope, since) {
            return Ok(watch);
        }
        // Older than the cache's window: etcd's history, if it still has it.
        let prefix = scope
            .and_then(|scope| self.layout.scope_prefix(scope).ok())
            .unwrap_or_else(|| self.layout.root().to_string());
        let probe = prefix.clone();
        let from = etcd_revision(since + 1);
        let readable = self.call(Kind::Read, move |client| {
            let probe = probe.clone();
            async move {
                let options = etcd_client::GetOptions::new()
                    .with_prefix()
                    .with_count_only()
                    .with_revision(from);
                match client.kv_client().get(probe, Some(options)).await {
                    Ok(_) => Ok(true),
                    Err(error) if convert::is_compacted(&error) => Ok(false),
                    Err(error) => Err(error),
                }
            }
        })?;
        if !readable {
            return Err(StoreError::Gone {
                requested: since,
                oldest: self.compacted()?,
            });
        }
        history::watch(self.reader(), &prefix, scope, since, self.watch_buffer)
    }
}

/// A mod revision to compare with: `0` (none) is never one a precondition names.
fn compared(revision: u64) -> i64 {
    i64::try_from(revision)
        .ok()
        .filter(|r| *r > 0)
        .unwrap_or(-1)
}

impl EtcdStore {
    /// [`Store::transact`]: one etcd transaction, its compares the steps' conditions, its
    /// failure branch a read of every key, which tells which step was refused.
    fn transact_all(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        let mut compares = Vec::with_capacity(steps.len());
        let mut writes = Vec::with_capacity(steps.len());
        let mut reads = Vec::with_capacity(steps.len());
        let mut keys = Vec::with_capacity(steps.len());
        for step in &steps {
            let etcd_key = self.write_key(step.key())?;
            let compare = |op, revision| Compare::mod_revision(etcd_key.as_str(), op, revision);
            match step {
                Step::Create(_, object) => {
                    compares.push(compare(CompareOp::Equal, 0));
                    writes.push(TxnOp::put(etcd_key.as_str(), encode_value(object)?, None));
                }
                Step::Update(_, object) => {
                    let wanted = resource_version(object);
                    compares.push(if wanted.is_empty() {
                        compare(CompareOp::Greater, 0)
                    } else {
                        compare(CompareOp::Equal, wanted.parse::<u64>().map_or(-1, compared))
                    });
                    writes.push(TxnOp::put(etcd_key.as_str(), encode_value(object)?, None));
                }
                Step::Delete(_, precondition) => {
                    compares.push(match precondition {
                        Some(revision) => compare(CompareOp::Equal, compared(*revision)),
                        None => compare(CompareOp::Greater, 0),
                    });
                    writes.push(TxnOp::delete(
                        etcd_key.as_str(),
                        Some(DeleteOptions::new().with_prev_key()),
                    ));
                }
                Step::Expect(_, revision) => {
                    compares.push(compare(CompareOp::Equal, revision.map_or(0, compared)));
                }
            }
            reads.push(TxnOp::get(etcd_key.as_str(), None));
            keys.push(etcd_key);
        }
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        let txn = Txn::new().when(compares).and_then(writes).or_else(reads);
        let response = self.call(Kind::Write, move |client| {
            let txn = txn.clone();
            async move { client.kv_client().txn(txn).await }
        })?;
        if !response.succeeded() {
            return Err(self.refused_step(&steps, &keys, &response));
        }
        let revision = response.header().map_or(0, |h| h.revision());
        self.saw(revision_of(revision));
        let mut deleted = response
            .op_responses()
            .into_iter()
            .filter_map(|op| match op {
                TxnOpResponse::Delete(delete) => Some(delete.prev_kvs().first().cloned()),
                _ => None,
            });
        steps
            .into_iter()
            .map(|step| match step {
                Step::Create(_, mut object) | Step::Update(_, mut object) => {
                    set_resource_version(&mut object, revision_of(revision))?;
                    Ok(object)
                }
                Step::Delete(..) => {
                    let previous = deleted.next().flatten().ok_or_else(|| {
                        StoreError::Backend(
                            "etcd: a deletion returned no previous value".to_string(),
                        )
                    })?;
                    decode_value(previous.value(), revision)
                }
                Step::Expect(..) => Ok(Value::Null),
            })
            .collect()
    }

    /// Why a transaction was refused: the first step whose condition the keys as read in the
    /// failure branch do not meet (each noted as seen, so that the next read shows it).
    fn refused_step(
        &self,
        steps: &[Step],
        keys: &[String],
        response: &etcd_client::TxnResponse,
    ) -> StoreError {
        let mut current = std::collections::HashMap::new();
        for op in response.op_responses() {
            if let TxnOpResponse::Get(get) = op
                && let Some(kv) = get.kvs().first()
            {
                self.saw(revision_of(kv.mod_revision()));
                current.insert(kv.key().to_vec(), revision_of(kv.mod_revision()));
            }
        }
        for (step, etcd_key) in steps.iter().zip(keys) {
            let at = current.get(etcd_key.as_bytes()).copied();
            let refusal = match (step, at) {
                (Step::Create(..), Some(_)) => Some(StoreError::AlreadyExists),
                (Step::Update(..) | Step::Delete(..), None) => Some(StoreError::NotFound),
                (Step::Update(_, object), Some(at)) => {
                    let wanted = resource_version(object);
                    (!wanted.is_empty() && wanted != at.to_string()).then_some(StoreError::Conflict)
                }
                (Step::Delete(_, Some(wanted)), Some(at)) => {
                    (*wanted != at).then_some(StoreError::Conflict)
                }
                (Step::Expect(_, wanted), at) => (*wanted != at).then_some(StoreError::Conflict),
                _ => None,
            };
            if let Some(refusal) = refusal {
                return refusal;
            }
        }
        // Changed and changed back between the transaction and its reads.
        StoreError::Conflict
    }
}

/// The client options: keep-alives as kube-apiserver sets them, a leader required (a member cut
/// off from the others answers with an error, not with stale data), TLS.
fn connect_options(options: &EtcdOptions) -> Result<ConnectOptions, StoreError> {
    let mut connect = ConnectOptions::new()
        .with_connect_timeout(options.request_timeout)
        .with_keep_alive(Duration::from_secs(30), Duration::from_secs(10))
        .with_require_leader(true);
    if let Some(tls) = &options.tls {
        let mut config = etcd_client::TlsOptions::new();
        if let Some(ca) = &tls.ca_pem {
            config = config.ca_certificate(etcd_client::Certificate::from_pem(ca));
        }
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(etcd_client::Identity::from_pem(cert, key));
        }
        connect = connect.with_tls(config);
    }
    Ok(connect)
}

impl Store for EtcdStore {
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError> {
        let Ok(etcd_key) = self.layout.object_key(key) else {
            return Ok(None);
        };
        if self.fresh()
            && let Some(object) = self.cache.get(&etcd_key)
        {
            return Ok(Some(object));
        }
        // A miss (or a cache behind this store's writes) is confirmed by etcd: an object just
        // created through another replica is never reported missing.
        let response = self.call(Kind::Read, move |client| {
            let etcd_key = etcd_key.clone();
            async move { client.kv_client().get(etcd_key, None).await }
        })?;
        let Some(kv) = response.kvs().first() else {
            return Ok(None);
        };
        self.saw(revision_of(kv.mod_revision()));
        decode_kv(kv).map(Some)
    }

    fn list(&self, scope: &ListScope, options: &ListOptions<'_>) -> Result<Listing, StoreError> {
        let prefix = match self.layout.scope_prefix(scope) {
            Ok(prefix) => prefix,
            Err(_) => {
                // Nothing can be stored in a scope without a key prefix.
                self.fresh();
                return Ok(Listing {
                    items: Vec::new(),
                    revision: self.cache.revision(),
                    continue_from: None,
                    remaining: None,
                });
            }
        };
        let start = options
            .continue_from
            .as_ref()
            .map_or("", |token| token.start.as_str());
        let wanted = match &options.continue_from {
            Some(token) => token
                .revision
                .map_or(ReadRevision::Latest, ReadRevision::Exact),
            None => options.revision,
        };
        let fresh = self.fresh();
        let cached_at = self.cache.revision();
        let at = match wanted {
            ReadRevision::Latest if fresh => None,
            ReadRevision::NotOlderThan(requested) if fresh && requested <= cached_at => None,
            ReadRevision::Exact(requested) if requested == cached_at => Some(requested),
            ReadRevision::Latest | ReadRevision::NotOlderThan(_) => {
                // The cache is behind: a consistent read of etcd's newest state.
                let requested = match wanted {
                    ReadRevision::NotOlderThan(requested) => requested,
                    _ => 0,
                };
                let current = self.not_too_large(requested)?;
                return self.list_from_etcd(scope, &prefix, start, current, options);
            }
            ReadRevision::Exact(0) => {
                // Revision 0 is the empty store before its first write; etcd reads 0 as "now".
                return Err(StoreError::Gone {
                    requested: 0,
                    oldest: self.compacted()?.max(1),
                });
            }
            ReadRevision::Exact(requested) => {
                if requested > cached_at {
                    self.not_too_large(requested)?;
                }
                return self.list_from_etcd(scope, &prefix, start, requested, options);
            }
        };
        match self.cache.list(scope, &prefix, Some(start), at, options) {
            Some(listing) => listing,
            // The cache moved on since it was looked at.
            None => self.list_from_etcd(scope, &prefix, start, cached_at, options),
        }
    }

    fn create(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        let etcd_key = self.write_key(key)?;
        let value = encode_value(&object)?;
        let response = self.txn(
            &etcd_key,
            Compare::mod_revision(etcd_key.as_str(), CompareOp::Equal, 0),
            TxnOp::put(etcd_key.as_str(), value, None),
        )?;
        if !response.succeeded() {
            self.refused(&response);
            return Err(StoreError::AlreadyExists);
        }
        self.written(&response, object)
    }

    fn update(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        let etcd_key = self.write_key(key)?;
        let value = encode_value(&object)?;
        let wanted = resource_version(&object);
        let compare = if wanted.is_empty() {
            Compare::mod_revision(etcd_key.as_str(), CompareOp::Greater, 0)
        } else {
            // A resourceVersion that is no revision never matches (0 would match a missing key).
            let revision = wanted.parse::<i64>().ok().filter(|r| *r > 0).unwrap_or(-1);
            Compare::mod_revision(etcd_key.as_str(), CompareOp::Equal, revision)
        };
        let response = self.txn(
            &etcd_key,
            compare,
            TxnOp::put(etcd_key.as_str(), value, None),
        )?;
        if !response.succeeded() {
            return Err(match self.refused(&response) {
                Some(_) => StoreError::Conflict,
                None => StoreError::NotFound,
            });
        }
        self.written(&response, object)
    }

    fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError> {
        let etcd_key = self.write_key(key)?;
        let compare = match precondition {
            Some(revision) => Compare::mod_revision(
                etcd_key.as_str(),
                CompareOp::Equal,
                i64::try_from(revision)
                    .ok()
                    .filter(|r| *r > 0)
                    .unwrap_or(-1),
            ),
            None => Compare::mod_revision(etcd_key.as_str(), CompareOp::Greater, 0),
        };
        let delete = TxnOp::delete(
            etcd_key.as_str(),
            Some(DeleteOptions::new().with_prev_key()),
        );
        let response = self.txn(&etcd_key, compare, delete)?;
        if !response.succeeded() {
            return Err(match self.refused(&response) {
                Some(_) => StoreError::Conflict,
                None => StoreError::NotFound,
            });
        }
        let revision = response.header().map_or(0, |h| h.revision());
        let previous = response.op_responses().into_iter().find_map(|op| match op {
            TxnOpResponse::Delete(delete) => delete.prev_kvs().first().cloned(),
            _ => None,
        });
        let previous = previous.ok_or_else(|| {
            StoreError::Backend("etcd: a deletion returned no previous value".to_string())
        })?;
        self.saw(revision_of(revision));
        decode_value(previous.value(), revision)
    }

    fn transact(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        self.transact_all(steps)
    }

    fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError> {
        self.watch_scope(Some(scope), since)
    }

    fn watch_all(&self, since: u64) -> Result<Watch, StoreError> {
        self.watch_scope(None, since)
    }

    fn revision(&self) -> Result<u64, StoreError> {
        if !self.fresh() {
            return self.current_revision();
        }
        Ok(self.cache.revision())
    }
}
