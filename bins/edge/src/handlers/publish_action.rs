//! `POST /douyin/publish/action/`: upload a video (multipart field `data`) with a `title`.
//! The edge streams the file into the object store; the video worker gets keys and metadata
//! only (NATS messages stay far below the 1 MiB limit), checks the title, makes the cover
//! and records the video — or deletes the upload when it refuses it.

use axum::{
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use contract::video::{Publish, UPLOAD_PREFIX};
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{
    AppState, client_ip::ClientIp, docs::ErrorBody, error::ApiError, params::Outside, upload,
    upload_gate::TokenCheck,
};

/// The upload form: the video file and its title.
// Only describes the form: `upload::receive` reads it as it streams.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PublishForm {
    /// The video file (MP4, MOV, WebM, MKV, AVI or FLV).
    #[schema(value_type = String, format = Binary)]
    data: Vec<u8>,
    title: Option<String>,
}

/// The publish route's reply fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    #[schema(minimum = 1)]
    video_id: i64,
}

#[utoipa::path(
    post,
    path = "/douyin/publish/action/",
    operation_id = "publish_action",
    tag = "video",
    params(super::SessionQuery),
    request_body(content = PublishForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "the video is published", body = Reply<Published>),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 503, description = "uploads are turned off (`features.uploads`)", body = ErrorBody),
        (status = 507, description = "the media store is full", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> Response {
    // Before a byte of the body is read.
    if let Err(off) = state.uploads_on() {
        return off.into_response();
    }
    let outside = match Outside::of(&req) {
        Ok(outside) => outside,
        Err(err) => return err.into_response(),
    };
    // A token outside the body is checked before a byte of the upload is stored.
    match TokenCheck::start(&state, ip, outside.token()).await {
        Ok(check) => publish(&state, check, req).await.into_response(),
        Err(refused) => refused,
    }
}

async fn publish(
    state: &AppState,
    mut check: TokenCheck<'_>,
    req: Request,
) -> Result<super::Answer<Published>, ApiError> {
    let store = state.store.as_ref();
    let received = upload::receive(
        req,
        &mut check,
        store,
        UPLOAD_PREFIX,
        state.max_upload_bytes,
    )
    .await?;
    let Some(file) = received.file else {
        return Err(ApiError::bad_request(
            "missing the video file (multipart field data)",
        ));
    };
    let author_id = match check.author(&received.params).await {
        Ok(id) => id,
        Err(refused) => {
            upload::delete_quietly(store, &file.key).await;
            return Err(refused);
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
        Ok(published) => Ok(super::ok(Published {
            video_id: published.video_id,
        })),
        Err(err) => {
            // Nobody took the request (or the worker's publish limit refused it unseen), so
            // nobody will adopt or delete the upload: we do. (After a timeout the worker may
            // still be using it, so it stays.)
            let unseen = match &err {
                mesh::CallError::NoResponders(_) | mesh::CallError::Disconnected => true,
                mesh::CallError::Service(err) => mesh::Limit::refused(err),
                _ => false,
            };
            if unseen {
                upload::delete_quietly(store, &file.key).await;
            }
            Err(err.into())
        }
    }
}
