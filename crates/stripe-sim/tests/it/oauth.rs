use crate::common::{raw, sim, Client, ACCOUNT, KEY};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use stripe_sim::{form, OAuthDecision, OAuthKind, Simulator};

const REDIRECT: &str = "http://127.0.0.1:4567/callback?from=desk";

/// Follows the authorize endpoint; returns the redirect's query parameters.
async fn authorize(
    sim: &Simulator,
    path: &str,
    params: &[(&str, &str)],
) -> HashMap<String, String> {
    let r = raw(
        sim,
        "GET",
        &format!("{path}?{}", form::encode(params)),
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 302, "{}", r.body);
    let loc = url::Url::parse(r.header("location").unwrap()).unwrap();
    assert!(loc
        .as_str()
        .starts_with("http://127.0.0.1:4567/callback?from=desk&"));
    loc.query_pairs().into_owned().collect()
}

async fn connect_code(sim: &Simulator) -> String {
    let q = authorize(
        sim,
        "/oauth/authorize",
        &[
            ("response_type", "code"),
            ("client_id", "ca_connect"),
            ("scope", "read_write"),
            ("state", "st4te"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["scope"], "read_write");
    q["code"].clone()
}

async fn token(sim: &Simulator, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| vec![("Authorization", b)])
        .unwrap_or_default();
    let r = raw(sim, "POST", path, &headers, body).await.unwrap();
    (r.status, r.json())
}

#[tokio::test]
async fn connect_flow_and_code_reuse_revokes() {
    let sim = sim().await;
    sim.add_oauth_client("ca_connect", KEY, OAuthKind::Connect);

    let r = raw(
        &sim,
        "GET",
        &format!(
            "/oauth/authorize?{}",
            form::encode(&[
                ("response_type", "code"),
                ("client_id", "ca_nope"),
                ("redirect_uri", REDIRECT)
            ])
        ),
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.body.contains("ca_nope"));

    let code = connect_code(&sim).await;
    assert!(code.starts_with("ac_"));
    let body = form::encode(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_secret", KEY),
    ]);
    let (status, tok) = token(&sim, "/oauth/token", None, &body).await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(tok["stripe_user_id"], "acct_1Connected");
    assert_eq!(tok["scope"], "read_write");
    assert_eq!(tok["livemode"], false);
    assert_eq!(tok["token_type"], "bearer");
    assert!(tok["stripe_publishable_key"]
        .as_str()
        .unwrap()
        .starts_with("pk_test_"));
    let access = tok["access_token"].as_str().unwrap().to_string();
    assert!(access.starts_with("sk_test_"));
    let refresh = tok["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(sim.issued_tokens(), [refresh.clone(), access.clone()]);

    // Platform key + Stripe-Account, and the access token itself, both work.
    let as_platform = Client::new(&sim, KEY).on_behalf_of("acct_1Connected");
    assert_eq!(
        as_platform
            .post("/v1/customers", "name=Connected")
            .await
            .status,
        200
    );
    let as_token = Client::new(&sim, &access);
    let acct = as_token.get("/v1/account").await.json();
    assert_eq!(acct["id"], "acct_1Connected");
    assert_eq!(
        as_token.get("/v1/customers").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(sim.count("acct_1Connected", "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);

    // Refresh (platform key via Authorization header this time).
    let (status, again) = token(
        &sim,
        "/oauth/token",
        Some(KEY),
        &form::encode(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_ne!(again["access_token"], tok["access_token"]);

    // Reusing the code fails and revokes the connection.
    let (status, err) = token(&sim, "/oauth/token", None, &body).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(
        err["error_description"],
        format!("Authorization code does not exist: {code}")
    );
    let r = as_platform.get("/v1/customers").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "account_invalid");
    assert_eq!(as_token.get("/v1/customers").await.status, 401);

    // Missing auth on the token endpoint.
    let (status, err) = token(
        &sim,
        "/oauth/token",
        None,
        "grant_type=authorization_code&code=ac_x",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(err["error"], "invalid_client");
}

#[tokio::test]
async fn connect_deny_expiry_and_deauthorize() {
    let sim = sim().await;
    sim.add_oauth_client("ca_connect", KEY, OAuthKind::Connect);

    sim.set_oauth_decision(OAuthDecision::Deny);
    let q = authorize(
        &sim,
        "/oauth/authorize",
        &[
            ("response_type", "code"),
            ("client_id", "ca_connect"),
            ("state", "abc"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["error_description"], "The user denied your request");
    assert_eq!(q["state"], "abc");
    assert!(!q.contains_key("code"));

    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Other".into(),
    });
    let stale = connect_code(&sim).await;
    sim.advance_clock(Duration::from_secs(301));
    let (status, err) = token(
        &sim,
        "/oauth/token",
        None,
        &form::encode(&[
            ("grant_type", "authorization_code"),
            ("code", &stale),
            ("client_secret", KEY),
        ]),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");

    let code = connect_code(&sim).await;
    let (status, tok) = token(
        &sim,
        "/oauth/token",
        None,
        &form::encode(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_secret", KEY),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(tok["stripe_user_id"], "acct_1Other");
    let as_platform = Client::new(&sim, KEY).on_behalf_of("acct_1Other");
    assert_eq!(as_platform.get("/v1/balance").await.status, 200);

    let (status, res) = token(
        &sim,
        "/oauth/deauthorize",
        Some(KEY),
        "client_id=ca_connect&stripe_user_id=acct_1Other",
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["stripe_user_id"], "acct_1Other");
    assert_eq!(
        sim.deauthorizations(),
        [("ca_connect".to_string(), "acct_1Other".to_string())]
    );
    assert_eq!(as_platform.get("/v1/balance").await.status, 403);
    let (status, _) = token(
        &sim,
        "/oauth/deauthorize",
        Some(KEY),
        "client_id=ca_connect&stripe_user_id=acct_1Other",
    )
    .await;
    assert_eq!(status, 401, "already disconnected");
}

#[tokio::test]
async fn apps_refresh_rotation_and_expiry() {
    let sim = sim().await;
    sim.add_oauth_client("ca_apps", KEY, OAuthKind::Apps);
    let q = authorize(
        &sim,
        "/oauth/v2/authorize",
        &[
            ("client_id", "ca_apps"),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(q["state"], "s1");
    let code = q["code"].clone();

    let (status, err) = token(
        &sim,
        "/v1/oauth/token",
        None,
        "grant_type=authorization_code",
    )
    .await;
    assert_eq!(status, 401, "{err}");

    let (status, t1) = token(
        &sim,
        "/v1/oauth/token",
        Some(KEY),
        &form::encode(&[("grant_type", "authorization_code"), ("code", &code)]),
    )
    .await;
    assert_eq!(status, 200, "{t1}");
    assert_eq!(t1["expires_in"], 3600);
    assert_eq!(t1["stripe_user_id"], "acct_1Connected");
    let access1 = t1["access_token"].as_str().unwrap().to_string();
    let rt1 = t1["refresh_token"].as_str().unwrap().to_string();
    let c1 = Client::new(&sim, &access1);
    assert_eq!(c1.get("/v1/account").await.json()["id"], "acct_1Connected");

    let refresh = |rt: String| {
        let sim = sim.clone();
        async move {
            token(
                &sim,
                "/v1/oauth/token",
                Some(KEY),
                &form::encode(&[("grant_type", "refresh_token"), ("refresh_token", &rt)]),
            )
            .await
        }
    };
    let (status, t2) = refresh(rt1.clone()).await;
    assert_eq!(status, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt2, rt1);
    let (status, err) = refresh(rt1).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");

    // Access tokens die after an hour; the latest refresh token still works.
    sim.advance_clock(Duration::from_secs(3601));
    let r = c1.get("/v1/customers").await;
    assert_eq!(r.status, 401);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Expired API Key provided"));
    let (status, t3) = refresh(rt2).await;
    assert_eq!(status, 200, "{t3}");
    let c3 = Client::new(&sim, t3["access_token"].as_str().unwrap());
    assert_eq!(c3.get("/v1/customers").await.status, 200);
}
