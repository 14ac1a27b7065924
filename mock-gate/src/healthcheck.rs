//! `latchgate-mock healthcheck --url URL`: one plain HTTP/1.1 GET, exit 0 on a 200 and 1 otherwise.
//! It exists for container HEALTHCHECKs: the image is `FROM scratch`, so there is no curl.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the whole check may take; a HEALTHCHECK has its own timeout on top.
const TIMEOUT: Duration = Duration::from_secs(2);

/// GETs `url` (http only) and returns `Ok(())` when the status is 200, else what went wrong.
pub fn check(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("--url {url}: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("--url {url}: only http:// URLs are supported"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("--url {url}: no host"))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut target = parsed.path().to_string();
    if let Some(q) = parsed.query() {
        target.push('?');
        target.push_str(q);
    }
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut head = [0u8; 64];
    let mut n = 0;
    while n < 12 {
        match stream.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(format!("{addr}: {e}")),
        }
    }
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status = status_line.split(' ').nth(1).unwrap_or("");
    if status == "200" {
        Ok(())
    } else {
        Err(format!(
            "{url}: status {}",
            if status.is_empty() { "missing" } else { status }
        ))
    }
}
