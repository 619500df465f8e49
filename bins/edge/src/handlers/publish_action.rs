//! `POST /douyin/publish/action/`: upload a video (multipart field `data`) with a `title`.
//! The edge streams the file into the object store; the video worker gets keys and metadata
//! only (NATS messages stay far below the 1 MiB limit), checks the title, makes the cover
//! and records the video — or deletes the upload when it refuses it.

use axum::extract::{Request, State};
use contract::video::{Publish, UPLOAD_PREFIX};
use serde_json::json;

use crate::{AppState, error::ApiError, params::Outside, upload};

pub async fn handle(
    State(state): State<AppState>,
    req: Request,
) -> Result<super::Answer, ApiError> {
    // A token outside the body is checked (and the upload counted) before a byte of it
    // is stored.
    let counted = match Outside::of(&req)?.token() {
        Some(token) => {
            state.limits.write(state.verify(token).await?)?;
            true
        }
        None => false,
    };
    let store = state.store.as_ref();
    let received = upload::receive(req, store, UPLOAD_PREFIX, state.max_upload_bytes).await?;
    let Some(file) = received.file else {
        return Err(ApiError::bad_request(
            "missing the video file (multipart field data)",
        ));
    };
    let author = state
        .viewer(&received.params)
        .await
        .and_then(|viewer| match viewer {
            Some(id) if !counted => state.limits.write(id).map(|()| Some(id)),
            known => Ok(known),
        });
    let author_id = match author {
        Ok(Some(id)) => id,
        refused => {
            upload::delete_quietly(store, &file.key).await;
            return Err(refused
                .err()
                .unwrap_or_else(|| ApiError::unauthorized("log in to publish")));
        }
    };
    let request = Publish {
        author_id,
        title: received.params.get("title").unwrap_or_default().to_owned(),
        upload_key: file.key.clone(),
        sha256: file.sha256,
        size: file.size,
    };
    match state.caller.call(&request).await {
        Ok(published) => Ok(super::ok(json!({ "video_id": published.video_id }))),
        Err(err) => {
            // Nobody took the request, so nobody will adopt or delete the upload: we do.
            // (After a timeout the worker may still be using it, so it stays.)
            if matches!(
                err,
                mesh::CallError::NoResponders(_) | mesh::CallError::Disconnected
            ) {
                upload::delete_quietly(store, &file.key).await;
            }
            Err(err.into())
        }
    }
}
