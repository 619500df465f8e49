//! The test NATS server: it starts on a port of its own choosing and comes back on that same
//! port after a stop (clients reconnect to the URL they know), waiting out whoever holds the
//! port meanwhile.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::NatsServer;

#[tokio::test]
async fn a_restarted_server_comes_back_on_its_port_once_that_is_free_again() {
    let mut server = NatsServer::start().await.unwrap();
    let port = server.port();
    let url = server.url();
    server.stop().await;

    // Another process takes the port while the server is down, and lets it go a little later.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(squatter);
    });
    server.restart().await.unwrap();
    release.await.unwrap();

    assert_eq!(server.port(), port);
    assert_eq!(server.url(), url);
    let client = server.client().await.unwrap();
    client.flush().await.unwrap();
}
