//! S3 and S3-compatible servers (MinIO, SeaweedFS, …) through aws-sdk-s3, on the same rustls +
//! ring TLS stack as the rest of the tree. Uploads go in 8 MiB multipart parts, so memory
//! stays bounded whatever the object's size.

use aws_sdk_s3::{
    Client,
    config::{BehaviorVersion, Credentials, Region},
    primitives::ByteStream as S3Body,
    types::{CompletedMultipartUpload, CompletedPart},
};
use bytes::{Bytes, BytesMut};
use futures::{StreamExt, future::BoxFuture};
use settings::S3Settings;

use crate::{ByteRange, ByteStream, ObjectRead, ObjectStore, StoreError, range};

/// S3's minimum part size is 5 MiB; 8 MiB keeps the part count low for 200 MiB uploads.
const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

fn backend(err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(err.to_string())
}

impl S3Store {
    /// A client for the configured endpoint; creates the bucket when it does not exist.
    pub async fn open(settings: &S3Settings) -> Result<Self, StoreError> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let credentials = Credentials::new(
            &settings.access_key_id,
            &settings.secret_access_key,
            None,
            None,
            "gophertok-settings",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new(settings.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(settings.path_style);
        if !settings.endpoint.is_empty() {
            config = config.endpoint_url(&settings.endpoint);
        }
        let store = Self {
            client: Client::from_conf(config.build()),
            bucket: settings.bucket.clone(),
        };
        store.ensure_bucket().await?;
        Ok(store)
    }

    async fn ensure_bucket(&self) -> Result<(), StoreError> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Another instance created it first.
            Err(err)
                if self
                    .client
                    .head_bucket()
                    .bucket(&self.bucket)
                    .send()
                    .await
                    .is_ok() =>
            {
                tracing::debug!(error = %err, "bucket appeared concurrently");
                Ok(())
            }
            Err(err) => Err(backend(aws_sdk_s3::error::DisplayErrorContext(err))),
        }
    }

    async fn put_small(
        &self,
        key: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(S3Body::from(body))
            .send()
            .await
            .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        Ok(())
    }

    /// Streams the rest of `body` (after `first`, a full part) as a multipart upload.
    async fn put_multipart(
        &self,
        key: &str,
        content_type: &str,
        first: Bytes,
        body: &mut ByteStream<'_>,
    ) -> Result<u64, StoreError> {
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        let upload_id = upload.upload_id().unwrap_or_default().to_owned();
        let mut unfinished = Unfinished {
            store: Some(self.clone()),
            key: key.to_owned(),
            upload_id: upload_id.clone(),
        };
        let result = self.upload_parts(key, &upload_id, first, body).await;
        unfinished.store = None;
        if result.is_err() {
            self.abort(key, &upload_id).await;
        }
        result
    }

    /// Aborts a failed multipart upload, so the server frees its parts. The upload's own
    /// error is what the caller sees; a failed abort leaves parts that only a bucket
    /// lifecycle rule removes, so it is logged for the operator.
    async fn abort(&self, key: &str, upload_id: &str) {
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await;
        if let Err(err) = aborted {
            tracing::warn!(
                key,
                upload_id,
                error = %aws_sdk_s3::error::DisplayErrorContext(err),
                "aborting a failed multipart upload; its parts stay on the server"
            );
        }
    }

    /// Keys of multipart uploads started and neither completed nor aborted: each holds its
    /// parts' bytes on the server while `list` does not show it.
    pub async fn unfinished_uploads(&self) -> Result<Vec<String>, StoreError> {
        let listed = self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        Ok(listed
            .uploads()
            .iter()
            .filter_map(|upload| upload.key().map(str::to_owned))
            .collect())
    }

    async fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        first: Bytes,
        body: &mut ByteStream<'_>,
    ) -> Result<u64, StoreError> {
        let mut parts = Vec::new();
        let mut total = 0u64;
        let mut next = Some(first);
        while let Some(part) = next.take() {
            total += part.len() as u64;
            let number = parts.len() as i32 + 1;
            let uploaded = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .body(S3Body::from(part))
                .send()
                .await
                .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(uploaded.e_tag().map(str::to_owned))
                    .build(),
            );
            let (chunk, _) = fill(body).await?;
            next = (!chunk.is_empty()).then_some(chunk);
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
        Ok(total)
    }
}

/// A multipart upload in progress. One dropped half-way (its request cancelled) cannot
/// abort itself, so dropping this aborts it in the background.
struct Unfinished {
    store: Option<S3Store>,
    key: String,
    upload_id: String,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let (Some(store), Ok(runtime)) = (self.store.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let (key, upload_id) = (
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.upload_id),
        );
        runtime.spawn(async move { store.abort(&key, &upload_id).await });
    }
}

/// Reads up to one part from `body`; the flag says whether the body has more.
async fn fill(body: &mut ByteStream<'_>) -> Result<(Bytes, bool), StoreError> {
    let mut buffer = BytesMut::new();
    while buffer.len() < PART_SIZE {
        match body.next().await {
            Some(chunk) => buffer.extend_from_slice(&chunk.map_err(StoreError::Body)?),
            None => return Ok((buffer.freeze(), false)),
        }
    }
    Ok((buffer.freeze(), true))
}

impl ObjectStore for S3Store {
    fn put<'a>(
        &'a self,
        key: &'a str,
        content_type: &'a str,
        mut body: ByteStream<'a>,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let (first, more) = fill(&mut body).await?;
            if !more {
                let size = first.len() as u64;
                self.put_small(key, content_type, first).await?;
                return Ok(size);
            }
            self.put_multipart(key, content_type, first, &mut body)
                .await
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'a, Result<ObjectRead, StoreError>> {
        Box::pin(async move {
            let head = self
                .client
                .head_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|err| match err.as_service_error() {
                    Some(e) if e.is_not_found() => StoreError::NotFound(key.to_owned()),
                    _ => backend(aws_sdk_s3::error::DisplayErrorContext(err)),
                })?;
            let size = head.content_length().unwrap_or_default().max(0) as u64;
            let content_type = head
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let (start, end) = range::span(range, size)?;
            let mut request = self.client.get_object().bucket(&self.bucket).key(key);
            if size > 0 {
                request = request.range(format!("bytes={start}-{end}"));
            }
            let object = request
                .send()
                .await
                .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
            let body = tokio_util::io::ReaderStream::new(object.body.into_async_read());
            Ok(ObjectRead {
                size,
                start,
                end,
                content_type,
                body: Box::pin(body),
            })
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
            Ok(())
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let pages = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .into_paginator()
                .send();
            let pages: Vec<_> = pages
                .try_collect()
                .await
                .map_err(|err| backend(aws_sdk_s3::error::DisplayErrorContext(err)))?;
            Ok(pages
                .iter()
                .flat_map(|page| page.contents())
                .filter_map(|object| object.key().map(str::to_owned))
                .collect())
        })
    }
}
