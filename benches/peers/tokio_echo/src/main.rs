//! tokio_echo: the echo server most tokio users would write.
//!
//! One `current_thread` runtime, one task per connection, an 8 KiB read buffer per
//! connection, `read` then `write_all` the same bytes.
//!
//! Usage: `tokio_echo [ADDR]` (default 127.0.0.1:7100).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo(mut sock: TcpStream) {
    let mut buf = vec![0u8; 8 * 1024];
    loop {
        let n = match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if sock.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7100".to_string());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        eprintln!("tokio_echo listening on {}", listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((sock, _)) => {
                    let _ = sock.set_nodelay(true);
                    tokio::spawn(echo(sock));
                }
                Err(e) => {
                    // EMFILE and friends: let the other tasks run, then try again.
                    eprintln!("accept: {e}");
                    tokio::task::yield_now().await;
                }
            }
        }
    })
}
