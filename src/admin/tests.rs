//! The admin service driven in-process: authentication failures and list-push validation.

use bytes::Bytes;
use http::{Request, StatusCode};

use crate::config::{Config, Overrides};
use crate::server::testing::Harness;

const TOKEN: &str = "unit-test-admin-token";

/// A harness whose config declares one terms list, `held` (one entry), and, with `token`, the
/// admin token.
async fn harness(dir: &std::path::Path, token: bool) -> Harness {
    let list = dir.join("held.txt");
    std::fs::write(&list, "zorvexil\n").unwrap();
    let mut text = format!(
        "[upstream]\nurl = \"http://127.0.0.1:1\"\n[[lists]]\nname = \"held\"\nkind = \"terms\"\npath = \"{}\"\n[admin]\nmax_body = 4096\n",
        list.display()
    );
    if token {
        let file = dir.join("token");
        std::fs::write(&file, TOKEN).unwrap();
        text.push_str(&format!("token_file = \"{}\"\n", file.display()));
    }
    let config = Config::parse(&text, None, &Overrides::default()).unwrap();
    let h = Harness::new(config).unwrap();
    h.load_lists().await;
    assert!(h.state().proxy.snapshot.is_ready(), "list did not load");
    h
}

fn client() -> std::net::SocketAddr {
    "192.0.2.7:5000".parse().unwrap()
}

async fn send(
    h: &Harness,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(target);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = h
        .admin(req.body(Bytes::copy_from_slice(body)).unwrap(), client())
        .await
        .unwrap();
    let json = serde_json::from_slice(resp.body()).unwrap_or(serde_json::Value::Null);
    (resp.status(), json)
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

fn entries(h: &Harness) -> usize {
    let s = h.state().proxy.snapshot.load().unwrap();
    s.lists.iter().map(|l| l.entries).sum()
}

#[tokio::test]
async fn list_endpoints_without_a_configured_token_are_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), false).await;
    let (k, v) = bearer(TOKEN);
    let (status, body) = send(&h, "GET", "/admin/lists", &[(k, &v)], b"").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "admin_api_disabled");
}

#[tokio::test]
async fn authentication_failures_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), true).await;
    let good = format!("Bearer {TOKEN}");
    // Headers, target, expected status and error code.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, StatusCode, &'a str);
    let cases: [Case<'_>; 5] = [
        (
            &[],
            "/admin/lists/held",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            &[("authorization", "Bearer wrong")],
            "/admin/lists/held",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            &[("authorization", "Basic unit-test-admin-token")],
            "/admin/lists/held",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            &[
                ("authorization", &good),
                ("origin", "http://elsewhere.example"),
            ],
            "/admin/lists/held",
            StatusCode::FORBIDDEN,
            "cross_origin",
        ),
        (
            &[("authorization", &good)],
            "/admin/lists/held?token=unit-test-admin-token",
            StatusCode::BAD_REQUEST,
            "no_query_strings",
        ),
    ];
    for (i, (headers, target, want, code)) in cases.iter().enumerate() {
        let (status, body) = send(&h, "PUT", target, headers, b"zorvexil\nquandrith\n").await;
        assert_eq!(status, *want, "case {i}");
        assert_eq!(body["error"], *code, "case {i}");
    }
    assert_eq!(entries(&h), 1, "a refused push changed the list");
}

#[tokio::test]
async fn repeated_failures_from_one_client_are_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), true).await;
    let mut throttled = false;
    for _ in 0..1000 {
        let (status, _) = send(
            &h,
            "GET",
            "/admin/lists",
            &[("authorization", "Bearer wrong")],
            b"",
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(throttled, "1000 failures were never throttled");
    // Even the right token is refused while the client is throttled.
    let (k, v) = bearer(TOKEN);
    let (status, _) = send(&h, "GET", "/admin/lists", &[(k, &v)], b"").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn list_push_validation_errors() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), true).await;
    let (k, v) = bearer(TOKEN);
    let auth = [(k, v.as_str())];
    // Not UTF-8: refused as unparseable, the list stays as it was.
    let (status, body) = send(&h, "PUT", "/admin/lists/held", &auth, b"ok\n\xff\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "refused");
    assert_eq!(entries(&h), 1);
    // A list that is not declared.
    let (status, body) = send(&h, "PUT", "/admin/lists/nope", &auth, b"zorvexil\n").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "refused");
    // A name outside the safe character set is no list endpoint at all.
    let (status, body) = send(&h, "PUT", "/admin/lists/a%22b", &auth, b"zorvexil\n").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    // Over `admin.max_body`.
    let big = vec![b'a'; h.state().proxy.config.admin.max_body + 1];
    let (status, body) = send(&h, "PUT", "/admin/lists/held", &auth, &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "too_large");
    assert_eq!(entries(&h), 1);
    // A valid push applies.
    let (status, body) = send(
        &h,
        "PUT",
        "/admin/lists/held",
        &auth,
        b"zorvexil\nquandrith\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entries"], 2);
    assert_eq!(entries(&h), 2);
}

#[tokio::test]
async fn health_readiness_and_unknown_paths() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), true).await;
    assert_eq!(
        send(&h, "GET", "/healthz", &[], b"").await.0,
        StatusCode::OK
    );
    assert_eq!(send(&h, "GET", "/readyz", &[], b"").await.0, StatusCode::OK);
    h.state()
        .proxy
        .draining
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        send(&h, "GET", "/readyz", &[], b"").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        send(&h, "GET", "/nope", &[], b"").await.0,
        StatusCode::NOT_FOUND
    );
}
