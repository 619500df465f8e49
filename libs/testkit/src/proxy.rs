//! A TCP forwarder on a free loopback port in front of a real server (MariaDB, Redis), that a
//! test can cut and restore: a dependency "going down" for one test's clients only, without
//! stopping the server that every other test shares.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// Forwards `127.0.0.1:<port>` to `upstream` while up. [`Proxy::cut`] drops every open
/// connection and refuses new ones (they are accepted and closed at once, like a server
/// that has gone away), until [`Proxy::restore`].
pub struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0u64);
        let task = tokio::spawn(accept_loop(
            listener,
            upstream.to_owned(),
            Arc::clone(&up),
            generation.clone(),
        ));
        Ok(Self {
            addr,
            up,
            generation,
            task,
        })
    }

    /// Starts a proxy in front of the server named by `url` (`scheme://[user@]host:port/...`)
    /// and returns it with the same URL pointing at the proxy instead.
    pub async fn for_url(url: &str) -> anyhow::Result<(Self, String)> {
        let (_, host_port, _) = split_url(url)?;
        let proxy = Self::start(host_port).await?;
        let proxied = proxy.rehost(url)?;
        Ok((proxy, proxied))
    }

    /// `url` (`scheme://[user@]host:port/...`) with its host and port replaced by the proxy's:
    /// e.g. a test database's URL, when the proxy was started in front of its server.
    pub fn rehost(&self, url: &str) -> anyhow::Result<String> {
        let (head, _, path) = split_url(url)?;
        Ok(format!("{head}127.0.0.1:{}{path}", self.addr.port()))
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The dependency goes down: open connections are dropped, new ones closed at once.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|generation| *generation += 1);
    }

    /// The dependency is back: new connections are forwarded again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

/// `scheme://[user@]`, `host:port` and the rest (`/path?query`) of a URL.
fn split_url(url: &str) -> anyhow::Result<(&str, &str, &str)> {
    let scheme_end = url
        .find("://")
        .ok_or_else(|| anyhow::anyhow!("not a URL: {url}"))?
        + 3;
    let host_start = url[scheme_end..]
        .find('@')
        .map_or(scheme_end, |at| scheme_end + at + 1);
    let host_end = url[host_start..]
        .find(['/', '?'])
        .map_or(url.len(), |end| host_start + end);
    Ok((
        &url[..host_start],
        &url[host_start..host_end],
        &url[host_end..],
    ))
}

async fn accept_loop(
    listener: TcpListener,
    upstream: String,
    up: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if !up.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        let cuts = generation.subscribe();
        tokio::spawn(forward(client, upstream.clone(), cuts));
    }
}

/// Copies both ways until either side closes or the proxy is cut.
async fn forward(mut client: TcpStream, upstream: String, mut cuts: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        _ = cuts.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn forwards_until_cut_and_again_after_restore() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_addr = echo.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    while let Ok(n @ 1..) = socket.read(&mut buf).await {
                        let _ = socket.write_all(&buf[..n]).await;
                    }
                });
            }
        });
        let proxy = Proxy::start(&echo_addr.to_string()).await.unwrap();
        let target = format!("127.0.0.1:{}", proxy.port());
        let mut open = TcpStream::connect(&target).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        open.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");

        proxy.cut();
        let mut rest = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            open.read_to_end(&mut rest),
        )
        .await
        .expect("a cut connection is closed, not left hanging");
        assert!(
            read.is_err() || rest.is_empty(),
            "nothing arrives after the cut"
        );
        let mut refused = TcpStream::connect(&target).await.unwrap();
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), refused.read(&mut buf))
            .await
            .expect("a connection while cut is closed at once");
        assert!(matches!(n, Ok(0) | Err(_)));

        proxy.restore();
        let mut again = TcpStream::connect(&target).await.unwrap();
        again.write_all(b"pong").await.unwrap();
        again.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    }

    #[tokio::test]
    async fn for_url_keeps_scheme_user_and_path() {
        let (proxy, url) = Proxy::for_url("mysql://root@127.0.0.1:3306/gt_test_x")
            .await
            .unwrap();
        assert_eq!(
            url,
            format!("mysql://root@127.0.0.1:{}/gt_test_x", proxy.port())
        );
        let (proxy, url) = Proxy::for_url("redis://127.0.0.1:6379").await.unwrap();
        assert_eq!(url, format!("redis://127.0.0.1:{}", proxy.port()));
        assert_eq!(
            proxy.rehost("mysql://u:p@db:3306/gt_test_y").unwrap(),
            format!("mysql://u:p@127.0.0.1:{}/gt_test_y", proxy.port())
        );
    }
}
