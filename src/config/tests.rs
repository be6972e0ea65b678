//! Config validation: defaults, every problem with its file and key, overrides.

use super::*;

const MINIMAL: &str = "[upstream]\nurl = \"http://127.0.0.1:9200\"\n";

#[test]
fn minimal_config_gets_defaults() {
    let c = Config::parse(MINIMAL, None, &Overrides::default()).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.admin_listen.ip().to_string(), "127.0.0.1");
    assert_eq!(c.upstream_host, "127.0.0.1:9200");
    assert_eq!(c.limits.max_request_body, 1024 * 1024);
}

#[test]
fn client_addressing_is_validated_with_the_rest() {
    let ok = format!(
        "{MINIMAL}[limits]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nclient_address_header = \"Forwarded\"\n"
    );
    let c = Config::parse(&ok, None, &Overrides::default()).unwrap();
    assert!(c.clients.is_trusted("10.9.8.7".parse().unwrap()));
    assert!(c.clients.is_trusted("::1".parse().unwrap()));
    assert!(!c.clients.is_trusted("11.0.0.1".parse().unwrap()));
    let bad = format!(
        "{MINIMAL}[limits]\ntrusted_proxies = [\"10.0.0.0/40\", \"lb.example\"]\nclient_address_header = \"x-real-ip\"\nper_client_in_flight = 0\n"
    );
    let all = Config::parse(&bad, Some(Path::new("c.toml")), &Overrides::default())
        .unwrap_err()
        .to_string();
    for key in [
        "c.toml: limits.trusted_proxies[0]",
        "c.toml: limits.trusted_proxies[1]",
        "c.toml: limits.client_address_header",
        "c.toml: limits.per_client_in_flight",
    ] {
        assert!(all.contains(key), "{key} missing from {all}");
    }
}

#[test]
fn every_problem_is_reported_with_its_key() {
    let text = "[server]\nlisten = \"nope\"\nbogus = 1\n[upstream]\nurl = \"ftp://x\"\n[limits]\nmax_connections = 0\n[[routes]]\nname = \"s\"\npath = \"/s\"\nkind = \"search\"\n";
    let err = Config::parse(text, Some(Path::new("c.toml")), &Overrides::default()).unwrap_err();
    let all = err.to_string();
    assert!(
        all.contains("c.toml: server: unknown field `bogus`"),
        "{all}"
    );
    assert!(all.contains("upstream.url"), "{all}");
    assert!(all.contains("limits.max_connections"), "{all}");
    assert!(all.contains("routes[0].engine"), "{all}");
}

#[test]
fn unknown_top_level_section_is_named() {
    let err = Config::parse("[surprise]\na = 1\n", None, &Overrides::default()).unwrap_err();
    assert!(err.to_string().contains("surprise"), "{err}");
}

#[test]
fn overrides_win() {
    let o = Overrides {
        listen: Some("127.0.0.1:0".into()),
        upstream: Some("http://localhost:7700".into()),
        ..Overrides::default()
    };
    let c = Config::parse("[upstream]\nurl = \"http://a:1\"\n", None, &o).unwrap();
    assert_eq!(c.listen.port(), 0);
    assert_eq!(c.upstream_host, "localhost:7700");
}

#[test]
fn routes_and_lists_are_parsed_into_types_once() {
    let text = format!(
        "{MINIMAL}[server]\nlog_format = \"json\"\n[[routes]]\nname = \"s\"\npath = \"/{{index}}/_search\"\nmethods = [\"get\", \"POST\"]\nkind = \"search\"\nengine = \"opensearch\"\n[[lists]]\nname = \"t\"\nkind = \"terms\"\npath = \"t.txt\"\nmax_age = \"12h\"\n"
    );
    let c = Config::parse(&text, None, &Overrides::default()).unwrap();
    assert_eq!(c.log_format, LogFormat::Json);
    let r = &c.routes[0];
    assert_eq!(
        r.pattern,
        Pattern::Segments(vec![None, Some("_search".into())])
    );
    assert_eq!(r.methods, [http::Method::GET, http::Method::POST]);
    assert_eq!(
        r.engine.as_ref().map(|e| e.name),
        Some(crate::engines::EngineName::OpenSearch)
    );
    assert_eq!(
        c.lists[0].max_age,
        Some(std::time::Duration::from_secs(12 * 3600))
    );
}

#[test]
fn every_bad_route_value_and_list_entry_is_reported_with_its_key() {
    let text = format!(
        "{MINIMAL}[[routes]]\nname = \"s\"\npath = \"nope\"\nmethods = [\"G E T\"]\nkind = \"search\"\nengine = \"bogus\"\n[[lists]]\nname = \"a\"\nkind = \"terms\"\npath = \"a.txt\"\nmax_age = \"soon\"\n[[lists]]\nname = \"b\"\nkind = \"hashes\"\npath = \"b.txt\"\n"
    );
    let all = Config::parse(&text, Some(Path::new("c.toml")), &Overrides::default())
        .unwrap_err()
        .to_string();
    for key in [
        "c.toml: routes[0].path",
        "c.toml: routes[0].methods",
        "c.toml: routes[0].engine",
        "c.toml: lists[0]: `max_age` \"soon\"",
        "c.toml: lists[1] (b): a hashes list needs `algorithm`",
    ] {
        assert!(all.contains(key), "{key} missing from {all}");
    }
}

#[test]
fn forwarded_proto_is_a_header_value_checked_at_load() {
    let c = Config::parse(MINIMAL, None, &Overrides::default()).unwrap();
    assert_eq!(c.forwarded_proto, "http");
    let bad = format!("{MINIMAL}[server]\nforwarded_proto = \"ht\\ntp\"\n");
    let all = Config::parse(&bad, Some(Path::new("c.toml")), &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(all.contains("c.toml: server.forwarded_proto"), "{all}");
}
