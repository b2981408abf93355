//! A minimal HTTP/1.1 client over loopback for tests and the bounded load test (one request per
//! connection, `Connection: close`), so they need no extra HTTP stack.
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Send one request; returns (status, body).
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    let status = std::str::from_utf8(&buf[..split.min(buf.len())])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut body = buf[(split + 4).min(buf.len())..].to_vec();
    // Undo chunked transfer encoding when present.
    let head_text = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    if head_text.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(p) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..p]).unwrap_or("0").trim(), 16)
                    .unwrap_or(0);
            if n == 0 || rest.len() < p + 2 + n {
                break;
            }
            out.extend_from_slice(&rest[p + 2..p + 2 + n]);
            rest = &rest[p + 2 + n + 2.min(rest.len() - p - 2 - n)..];
        }
        body = out;
    }
    Ok((status, body))
}
