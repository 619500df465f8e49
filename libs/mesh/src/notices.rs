//! Notices: core-NATS messages (no stream) that tell other instances something happened so
//! they can act early — load state, push to a client. A notice is never the record (the
//! store is): a lost one only costs the work it would have saved, so a failed publish is a
//! WARN, never an error of the request that caused it.

use futures::{StreamExt, future::BoxFuture};
use serde::{Serialize, de::DeserializeOwned};
use tokio::task::JoinHandle;

/// Sends `notice` as JSON on `subject`; failures are logged, not returned.
pub async fn send<N: Serialize>(nats: &async_nats::Client, subject: String, notice: &N) {
    let payload = match serde_json::to_vec(notice) {
        Ok(payload) => payload,
        Err(err) => {
            tracing::error!(error = %err, subject, "a notice did not serialise");
            return;
        }
    };
    if let Err(err) = nats.publish(subject.clone(), payload.into()).await {
        tracing::warn!(error = %err, subject, "notice not sent");
    }
}

/// The task that hears `subject` in queue group `queue` (one instance of the group gets each
/// notice) and runs `act` on each, one at a time; it ends when the subscription does, and
/// is aborted when the returned [`Listener`] is dropped.
pub async fn listen<N, F>(
    nats: &async_nats::Client,
    subject: &'static str,
    queue: &'static str,
    act: F,
) -> Result<Listener, async_nats::SubscribeError>
where
    N: DeserializeOwned + Send + 'static,
    F: Fn(N) -> BoxFuture<'static, ()> + Send + 'static,
{
    let mut notices = nats.queue_subscribe(subject, queue.to_owned()).await?;
    let task = tokio::spawn(async move {
        while let Some(message) = notices.next().await {
            match serde_json::from_slice::<N>(&message.payload) {
                Ok(notice) => act(notice).await,
                Err(err) => tracing::warn!(error = %err, subject, "not a notice of this subject"),
            }
        }
    });
    Ok(Listener(task))
}

/// Runs `load` for each account created (`contract::user::REGISTERED_SUBJECT`), on one
/// instance of queue group `queue`: a domain loads a new user's (empty) hot state while
/// MySQL is surely up. A failure is a WARN: the first read rebuilds instead.
pub async fn on_new_user<F, Fut, E>(
    nats: &async_nats::Client,
    queue: &'static str,
    load: F,
) -> Result<Listener, async_nats::SubscribeError>
where
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display,
{
    let load = std::sync::Arc::new(load);
    let subject = contract::user::REGISTERED_SUBJECT;
    listen(nats, subject, queue, move |new: contract::user::UserRegistered| {
        let load = std::sync::Arc::clone(&load);
        Box::pin(async move {
            if let Err(err) = load(new.user_id).await {
                tracing::warn!(error = %err, user_id = new.user_id, queue, "loading a new user's state");
            }
        })
    })
    .await
}

/// A running [`listen`] task; dropping it stops the task.
pub struct Listener(JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}
