//! Receiving a video upload: the multipart `data` field is streamed straight into the object
//! store while its SHA-256 and size are computed, so memory use does not grow with the file.
//! The file's own signature decides whether it is a video (not its Content-Type), and the
//! size cap is enforced as bytes arrive. Whatever fails leaves nothing stored. The other
//! fields are small and known (`title`, `token`); each is capped at [`MAX_TEXT_BYTES`], and
//! a `token` sent before `data` is checked before the file streams.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request, multipart::Field},
};
use bytes::BytesMut;
use futures::StreamExt;
use objects::{ObjectStore, StoreError};
use sha2::{Digest, Sha256};

use crate::{
    error::ApiError,
    params::{self, Outside, Params},
    upload_gate::TokenCheck,
};

/// Enough of the file's start for every signature we recognise.
const HEAD_BYTES: usize = 8 * 1024;
/// Longest text field: far above any title or token, small enough to hold in memory.
const MAX_TEXT_BYTES: usize = 4 * 1024;
/// The fields besides `data` that a publish takes.
const TEXT_FIELDS: [&str; 2] = ["title", "token"];

/// A file now in the object store.
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

/// The parameters of an upload request and, if it had one, its stored `data` file.
pub struct Upload {
    pub params: Params,
    pub file: Option<StoredFile>,
}

/// Reads the multipart body of `req`, storing the `data` field under `key_prefix`.
pub async fn receive(
    req: Request,
    check: &mut TokenCheck<'_>,
    store: &dyn ObjectStore,
    key_prefix: &str,
    max_bytes: u64,
) -> Result<Upload, ApiError> {
    let outside = Outside::of(&req)?;
    if !params::content_type(&req).starts_with("multipart/form-data") {
        return Err(ApiError::bad_request(
            "publish takes a multipart/form-data body with the video in field data",
        ));
    }
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|_| ApiError::bad_request("malformed multipart body"))?;
    let mut fields = HashMap::new();
    let mut file = None;
    let target = Target {
        store,
        key_prefix,
        max_bytes,
    };
    let result = read_fields(&mut multipart, &mut fields, &mut file, check, &target).await;
    if let Err(err) = result {
        if let Some(stored) = file {
            delete_quietly(store, &stored.key).await;
        }
        return Err(err);
    }
    Ok(Upload {
        params: outside.merge(fields),
        file,
    })
}

/// Where the `data` field goes.
struct Target<'a> {
    store: &'a dyn ObjectStore,
    key_prefix: &'a str,
    max_bytes: u64,
}

async fn read_fields(
    multipart: &mut Multipart,
    fields: &mut HashMap<String, String>,
    file: &mut Option<StoredFile>,
    check: &mut TokenCheck<'_>,
    target: &Target<'_>,
) -> Result<(), ApiError> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| params::multipart_error(err.status()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "data" {
            if file.is_some() {
                return Err(ApiError::bad_request("only one data file per publish"));
            }
            *file = Some(store_field(field, target).await?);
        } else if TEXT_FIELDS.contains(&name.as_str()) {
            let text = read_text(field, &name).await?;
            // Before the file, a bad token ends the upload before a byte is stored.
            if name == "token" && file.is_none() && !check.is_checked() && !text.is_empty() {
                check.verify(&text).await?;
            }
            fields.insert(name, text);
        } else {
            return Err(ApiError::bad_request(format!(
                "unknown field {name:?}: publish takes data, title and token"
            )));
        }
    }
    Ok(())
}

/// A text field, refused once it passes [`MAX_TEXT_BYTES`].
async fn read_text(mut field: Field<'_>, name: &str) -> Result<String, ApiError> {
    let mut text = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|err| params::multipart_error(err.status()))?
    {
        if text.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(ApiError::too_large(format!(
                "field {name} is longer than {MAX_TEXT_BYTES} bytes"
            )));
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text)
        .map_err(|_| ApiError::bad_request(format!("field {name} is not UTF-8 text")))
}

/// Running totals of a body in flight, shared between the stream and its reader.
#[derive(Default)]
struct Progress {
    hasher: Sha256,
    size: u64,
    too_large: bool,
}

async fn store_field(mut field: Field<'_>, target: &Target<'_>) -> Result<StoredFile, ApiError> {
    let max_bytes = target.max_bytes;
    let head = read_head(&mut field).await?;
    let kind = video_kind(&head)?;
    let progress = Arc::new(Mutex::new(Progress::default()));
    let body = counted(head, field, Arc::clone(&progress), max_bytes);
    let key = format!("{}{:032x}", target.key_prefix, rand::random::<u128>());
    let stored = target.store.put(&key, kind.mime_type(), body).await;
    let progress = std::mem::take(&mut *progress.lock().unwrap_or_else(|p| p.into_inner()));
    match stored {
        Ok(_) => Ok(StoredFile {
            key,
            sha256: format!("{:x}", progress.hasher.finalize()),
            size: progress.size,
        }),
        Err(_) if progress.too_large => Err(too_large(max_bytes)),
        Err(StoreError::Body(_)) => Err(ApiError::bad_request("the upload was interrupted")),
        Err(StoreError::Full(_)) => Err(ApiError::new(
            axum::http::StatusCode::INSUFFICIENT_STORAGE,
            "the media store is full; try again later",
        )),
        Err(err) => Err(ApiError::from(contract::ServiceError::internal(
            err.to_string(),
        ))),
    }
}

/// The first bytes of the field (up to [`HEAD_BYTES`], fewer if the file is shorter).
async fn read_head(field: &mut Field<'_>) -> Result<Bytes, ApiError> {
    let mut head = BytesMut::new();
    while head.len() < HEAD_BYTES {
        match field.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(err) => return Err(params::multipart_error(err.status())),
        }
    }
    if head.is_empty() {
        return Err(ApiError::bad_request("the video file is empty"));
    }
    Ok(head.freeze())
}

/// The file's format from its signature; anything but a video is refused.
fn video_kind(head: &[u8]) -> Result<infer::Type, ApiError> {
    infer::get(head)
        .filter(|kind| kind.matcher_type() == infer::MatcherType::Video)
        .ok_or_else(|| {
            ApiError::bad_request("data is not a video file (MP4, MOV, WebM, MKV, AVI, FLV, …)")
        })
}

/// `head` then the rest of `field`, hashed and counted as it passes; ends in an error once
/// more than `max_bytes` went by, which makes the store drop what it wrote.
fn counted<'a>(
    head: Bytes,
    field: Field<'a>,
    progress: Arc<Mutex<Progress>>,
    max_bytes: u64,
) -> objects::ByteStream<'a> {
    let rest = field.map(|chunk| chunk.map_err(std::io::Error::other));
    let all = futures::stream::once(async { Ok(head) }).chain(rest);
    Box::pin(all.map(move |chunk| {
        let chunk = chunk?;
        let mut progress = progress.lock().unwrap_or_else(|p| p.into_inner());
        progress.size += chunk.len() as u64;
        if progress.size > max_bytes {
            progress.too_large = true;
            return Err(std::io::Error::other("upload over the size cap"));
        }
        progress.hasher.update(&chunk);
        Ok(chunk)
    }))
}

fn too_large(max_bytes: u64) -> ApiError {
    ApiError::too_large(format!(
        "the video is larger than the {} MiB limit",
        max_bytes / (1024 * 1024)
    ))
}

pub async fn delete_quietly(store: &dyn ObjectStore, key: &str) {
    if let Err(err) = store.delete(key).await {
        tracing::warn!(key, error = %err, "could not delete an upload");
    }
}
