//! Reading an HTTP/1.x request head: where it ends, and what it asks
//! for. Pure functions over bytes, so that any input a client sends maps
//! to an answer without a panic.

/// What the status endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Route {
    Metrics,
    Peers,
}

/// What a request head asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Request {
    /// A GET of a served path.
    Get(Route),
    /// A path that is not served (whatever the method).
    NotFound,
    /// A served path with a method other than GET.
    MethodNotAllowed,
    /// Not an HTTP/1.x request head.
    Bad,
}

/// Where the head ends: the length of `buf` up to and including the blank
/// line (`\r\n\r\n`, or `\n\n` from lenient clients), if it has one.
pub(super) fn head_len(buf: &[u8]) -> Option<usize> {
    // Empty lines before the request line are skipped (RFC 9112 2.2).
    let start = buf.iter().position(|b| !matches!(b, b'\r' | b'\n'))?;
    let buf = &buf[start..];
    buf.iter().enumerate().find_map(|(i, &b)| {
        if b != b'\n' {
            return None;
        }
        match &buf[i + 1..] {
            [b'\n', ..] => Some(start + i + 2),
            [b'\r', b'\n', ..] => Some(start + i + 3),
            _ => None,
        }
    })
}

/// Whether `buf` starts with what could be a request line; tells an
/// oversized head (431) from garbage (400).
pub(super) fn starts_like_request(buf: &[u8]) -> bool {
    let buf = trim_leading_blank(buf);
    buf.iter()
        .position(|&b| b == b'\n')
        .is_some_and(|end| request_line(&buf[..end]).is_some())
}

/// Parses a complete head (as [`head_len`] delimits it).
pub(super) fn parse(head: &[u8]) -> Request {
    let mut lines = trim_leading_blank(head).split(|&b| b == b'\n');
    let Some((method, path)) = lines.next().and_then(request_line) else {
        return Request::Bad;
    };
    // Header fields are not used, but a head whose lines are not fields
    // is not HTTP.
    let fields_ok = lines
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .all(is_field);
    if !fields_ok {
        return Request::Bad;
    }
    let route = match path {
        b"/metrics" => Route::Metrics,
        b"/peers" => Route::Peers,
        _ => return Request::NotFound,
    };
    if method == b"GET" {
        Request::Get(route)
    } else {
        Request::MethodNotAllowed
    }
}

fn trim_leading_blank(buf: &[u8]) -> &[u8] {
    let start = buf
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(buf.len());
    &buf[start..]
}

/// `METHOD SP target SP HTTP/1.x`: the method and the target's path.
fn request_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_token(method) {
        return None;
    }
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return None;
    }
    Some((method, path_of(target)?))
}

/// The path of an origin-form (`/peers?x`) or absolute-form
/// (`http://host/peers`) target.
fn path_of(target: &[u8]) -> Option<&[u8]> {
    if !target.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let target = match target.strip_prefix(b"http://") {
        Some(rest) => &rest[rest.iter().position(|&b| b == b'/')?..],
        None => target,
    };
    if !target.starts_with(b"/") {
        return None;
    }
    let end = target
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(target.len());
    Some(&target[..end])
}

/// A header field: `name: value`, the name a token.
fn is_field(line: &[u8]) -> bool {
    line.iter()
        .position(|&b| b == b':')
        .is_some_and(|colon| is_token(&line[..colon]))
}

/// An HTTP token (RFC 9110 5.6.2): methods and field names.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(request: &[u8]) -> Request {
        let len = head_len(request).expect("a complete head");
        parse(&request[..len])
    }

    #[test]
    fn heads_end_at_the_first_blank_line() {
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(27));
        assert_eq!(head_len(b"GET / HTTP/1.1\n\n"), Some(16));
        assert_eq!(head_len(b"\r\nGET / HTTP/1.1\r\n\r\n"), Some(20));
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(head_len(b"\r\n\r\n"), None, "only blank lines so far");
        assert_eq!(head_len(b""), None);
    }

    #[test]
    fn routes_and_methods() {
        let get = |path: &str| whole(format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        assert_eq!(get("/metrics"), Request::Get(Route::Metrics));
        assert_eq!(get("/peers"), Request::Get(Route::Peers));
        assert_eq!(get("/peers?format=json"), Request::Get(Route::Peers));
        assert_eq!(
            get("http://127.0.0.1:9/metrics"),
            Request::Get(Route::Metrics)
        );
        assert_eq!(get("/"), Request::NotFound);
        assert_eq!(get("/metrics/"), Request::NotFound);
        assert_eq!(get("/PEERS"), Request::NotFound);
        assert_eq!(
            whole(b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            Request::MethodNotAllowed
        );
        assert_eq!(
            whole(b"HEAD /peers HTTP/1.0\n\n"),
            Request::MethodNotAllowed
        );
        assert_eq!(whole(b"DELETE /nope HTTP/1.1\r\n\r\n"), Request::NotFound);
    }

    #[test]
    fn garbage_is_bad() {
        for head in [
            &b"hello\r\n\r\n"[..],
            b"GET /metrics\r\n\r\n",
            b"GET /metrics HTTP/2.0\r\n\r\n",
            b"GET  /metrics HTTP/1.1\r\n\r\n",
            b"GET /metrics HTTP/1.1 extra\r\n\r\n",
            b"G(T /metrics HTTP/1.1\r\n\r\n",
            b"GET metrics HTTP/1.1\r\n\r\n",
            b"GET http://host HTTP/1.1\r\n\r\n",
            b"GET /met\x01rics HTTP/1.1\r\n\r\n",
            b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
            b"GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
            b"\xff\xfe\r\n\r\n",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ] {
            assert_eq!(
                whole(head),
                Request::Bad,
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn oversized_heads_are_told_from_garbage() {
        assert!(starts_like_request(b"GET /metrics HTTP/1.1\r\nX: aaaa"));
        assert!(
            !starts_like_request(b"GET /metrics HTTP/1.1"),
            "no line yet"
        );
        assert!(!starts_like_request(&[b'x'; 100]));
        assert!(!starts_like_request(b"junk junk\r\nX: y"));
    }
}
