//! What the accept loop costs a request over HTTP/2 without TLS, the handler answering at once:
//! one connection with one request at a time (the wake-ups and polls of the connection's task
//! per request), and one connection with 16 streams at once. Client and server run in this
//! process over loopback TCP (HTTP/2 with prior knowledge), so what differs between two builds
//! of the listener shows without the TLS, kernel and upstream costs of a whole gateway.

use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use kubeward_net::{ConnectionInfo, Limits, serve};

/// Answers every request with a short body, at once.
async fn answer(_: Request<Incoming>, _: Arc<ConnectionInfo>) -> Response<Full<Bytes>> {
    Response::new(Full::new(Bytes::from_static(b"ok")))
}

/// One request and its whole answer.
async fn ask(sender: &mut SendRequest<Empty<Bytes>>) {
    let request = Request::get("/bench")
        .body(Empty::new())
        .expect("a request");
    let response = sender.send_request(request).await.expect("an answer");
    let body = response.into_body().collect().await.expect("a body");
    assert_eq!(body.to_bytes(), Bytes::from_static(b"ok"));
}

fn listener(c: &mut Criterion) {
    let server = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let tcp = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let address = tcp.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = std::thread::spawn(move || {
        server.block_on(serve(tcp, None, Limits::default(), answer, async {
            let _ = stopped.await;
        }));
    });

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut sender = client.block_on(async {
        let tcp = tokio::net::TcpStream::connect(address)
            .await
            .expect("connected");
        tcp.set_nodelay(true).expect("no delay");
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("an HTTP/2 handshake");
        tokio::spawn(connection);
        sender
    });

    let mut group = c.benchmark_group("listener");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one request at a time", |b| {
        b.iter(|| client.block_on(ask(&mut sender)));
    });
    group.throughput(Throughput::Elements(16));
    group.bench_function("16 streams at once", |b| {
        b.iter(|| {
            client.block_on(futures_util::future::join_all((0..16).map(|_| {
                let mut sender = sender.clone();
                async move { ask(&mut sender).await }
            })))
        });
    });
    group.finish();

    drop(sender);
    let _ = stop.send(());
    serving.join().expect("the server's thread");
}

criterion_group!(benches, listener);
criterion_main!(benches);
