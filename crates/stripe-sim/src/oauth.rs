//! Connect OAuth (`/oauth/authorize`, `/oauth/token`, `/oauth/deauthorize`)
//! and Stripe Apps OAuth (`/oauth/v2/authorize`, `/v1/oauth/token`).

use crate::api::{authenticate, mask_key, request_key};
use crate::state::{gen_id, CodeRec, Connection, KeyRec, RefreshRec, State};
use crate::{form, KeyAccess, OAuthDecision, OAuthKind, Out, Req};
use serde_json::{json, Value};

/// Authorization codes live five minutes.
const CODE_TTL: i64 = 300;
/// Stripe Apps access tokens live one hour.
const APPS_TOKEN_TTL: i64 = 3600;

pub fn handle(st: &mut State, req: &Req) -> Out {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/oauth/authorize") => authorize(st, req, OAuthKind::Connect),
        ("GET", "/oauth/v2/authorize") => authorize(st, req, OAuthKind::Apps),
        ("POST", "/oauth/token") => connect_token(st, req),
        ("POST", "/oauth/deauthorize") => deauthorize(st, req),
        ("POST", "/v1/oauth/token") => apps_token(st, req),
        _ => Out::json(
            404,
            &json!({"error": "invalid_request", "error_description": format!("Unrecognized request URL ({}: {}).", req.method, req.path)}),
        ),
    }
}

fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Out {
    Out::json(
        status,
        &json!({"error": error, "error_description": description.into()}),
    )
}

fn error_page(message: &str) -> Out {
    let mut o = Out::text(
        400,
        &format!(
            "<!DOCTYPE html><html><head><title>Stripe: Error</title></head><body><h1>Something went wrong</h1><p>{}</p></body></html>",
            message.replace('<', "&lt;")
        ),
    );
    o.content_type = "text/html; charset=utf-8";
    o
}

fn redirect(url: &url::Url) -> Out {
    let mut o = Out::text(302, "");
    o.headers.push(("location".into(), url.to_string()));
    o
}

fn authorize(st: &mut State, req: &Req, kind: OAuthKind) -> Out {
    let q = form::decode(&req.query);
    let get = |k: &str| q.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some(client_id) = get("client_id") else {
        return error_page("No client_id provided.");
    };
    let Some(client) = st.clients.get(client_id) else {
        return error_page(&format!("Invalid client_id: {client_id}"));
    };
    if client.kind != kind {
        return error_page(&format!("Invalid client_id: {client_id}"));
    }
    let livemode = client.platform_key.contains("_live_");
    let Some(redirect_uri) = get("redirect_uri") else {
        return error_page("No redirect_uri provided.");
    };
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page(&format!("Invalid redirect_uri: {redirect_uri}"));
    };
    // As Stripe: live mode sends answers only to HTTPS addresses.
    if livemode && url.scheme() != "https" {
        return error_page(&format!(
            "Live mode redirect URIs must use HTTPS: {redirect_uri}"
        ));
    }
    if kind == OAuthKind::Connect && get("response_type") != Some("code") {
        return error_page("Invalid response_type: must be 'code'.");
    }
    let state = get("state").map(str::to_string);
    let scope = get("scope").unwrap_or(match kind {
        OAuthKind::Connect => "read_only",
        OAuthKind::Apps => "stripe_apps",
    });
    let client_id = client_id.to_string();
    match st.decision.clone() {
        OAuthDecision::Deny => {
            {
                let mut qp = url.query_pairs_mut();
                qp.append_pair("error", "access_denied");
                qp.append_pair("error_description", "The user denied your request");
                if let Some(s) = &state {
                    qp.append_pair("state", s);
                }
            }
            redirect(&url)
        }
        OAuthDecision::Approve { account_id } => {
            st.ensure_account(&account_id, "Connected Account");
            let code = gen_id("ac_", 32);
            st.codes.insert(
                code.clone(),
                CodeRec {
                    client_id,
                    account_id,
                    scope: scope.to_string(),
                    issued_at: st.now(),
                    used: false,
                    livemode,
                    connection: None,
                },
            );
            {
                let mut qp = url.query_pairs_mut();
                qp.append_pair("code", &code);
                if let Some(s) = &state {
                    qp.append_pair("state", s);
                }
                if kind == OAuthKind::Connect {
                    qp.append_pair("scope", scope);
                }
            }
            redirect(&url)
        }
    }
}

/// The platform secret key: `client_secret` in the form, else the Authorization header.
fn platform_key(req: &Req, params: &Value) -> Option<String> {
    params
        .get("client_secret")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| request_key(req))
}

/// Checks the platform key; `Ok(account)` or the 401 to send.
fn platform_account(st: &State, key: Option<String>) -> Result<String, Out> {
    let Some(key) = key else {
        return Err(oauth_error(
            401,
            "invalid_client",
            "No authentication was provided. Send your secret API key using the Authorization header, or as a client_secret POST parameter.",
        ));
    };
    match st.keys.get(&key) {
        Some(k) if !k.revoked && k.connection.is_none() && !key.starts_with("pk_") => {
            Ok(k.account_id.clone())
        }
        _ => Err(oauth_error(
            401,
            "invalid_client",
            format!("Invalid API Key provided: {}", mask_key(&key)),
        )),
    }
}

fn client_platform(st: &State, client_id: &str) -> Option<String> {
    let c = st.clients.get(client_id)?;
    st.keys.get(&c.platform_key).map(|k| k.account_id.clone())
}

fn issue_access_token(st: &mut State, conn: usize, livemode: bool, kind: OAuthKind) -> String {
    let mode = if livemode { "live" } else { "test" };
    let (token, expires_at) = match kind {
        OAuthKind::Connect => (gen_id(&format!("sk_{mode}_"), 32), None),
        OAuthKind::Apps => (
            gen_id(&format!("ek_{mode}_"), 48),
            Some(st.now() + APPS_TOKEN_TTL),
        ),
    };
    let account_id = st.connections[conn].account_id.clone();
    st.issued.push(token.clone());
    st.keys.insert(
        token.clone(),
        KeyRec {
            account_id,
            access: KeyAccess::Full,
            livemode,
            revoked: false,
            expires_at,
            connection: Some(conn),
        },
    );
    token
}

/// Exchanges a code; shared by Connect and Apps. Returns (connection, scope, livemode).
fn redeem_code(
    st: &mut State,
    code: &str,
    platform: &str,
    kind: OAuthKind,
) -> Result<(usize, String, bool), Out> {
    let now = st.now();
    let Some(rec) = st.codes.get(code) else {
        return Err(oauth_error(
            400,
            "invalid_grant",
            format!("Authorization code does not exist: {code}"),
        ));
    };
    let client_kind = st.clients.get(&rec.client_id).map(|c| c.kind);
    if client_kind != Some(kind) || client_platform(st, &rec.client_id).as_deref() != Some(platform)
    {
        return Err(oauth_error(
            400,
            "invalid_grant",
            format!("Authorization code provided does not belong to you: {code}"),
        ));
    }
    if rec.used {
        // Reuse means the code may have leaked: Stripe revokes the connection.
        if let Some(conn) = rec.connection {
            st.revoke_connection(conn);
        }
        return Err(oauth_error(
            400,
            "invalid_grant",
            format!("Authorization code does not exist: {code}"),
        ));
    }
    if now - rec.issued_at > CODE_TTL {
        return Err(oauth_error(
            400,
            "invalid_grant",
            format!("Authorization code expired: {code}"),
        ));
    }
    let (client_id, account_id, scope, livemode) = (
        rec.client_id.clone(),
        rec.account_id.clone(),
        rec.scope.clone(),
        rec.livemode,
    );
    st.connections.push(Connection {
        client_id,
        platform_account: platform.to_string(),
        account_id,
        kind,
        active: true,
    });
    let conn = st.connections.len() - 1;
    let rec = st.codes.get_mut(code).expect("looked up above");
    rec.used = true;
    rec.connection = Some(conn);
    Ok((conn, scope, livemode))
}

fn grant_params(req: &Req) -> (Value, Option<String>) {
    let params = form::decode(&req.body);
    let grant = params
        .get("grant_type")
        .and_then(Value::as_str)
        .map(str::to_string);
    (params, grant)
}

fn param<'a>(params: &'a Value, k: &str) -> Option<&'a str> {
    params
        .get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn connect_token(st: &mut State, req: &Req) -> Out {
    let (params, grant) = grant_params(req);
    let platform = match platform_account(st, platform_key(req, &params)) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let (conn, scope, livemode, refresh) = match grant.as_deref() {
        Some("authorization_code") => {
            let Some(code) = param(&params, "code") else {
                return oauth_error(400, "invalid_request", "No authorization code provided");
            };
            let (conn, scope, livemode) = match redeem_code(st, code, &platform, OAuthKind::Connect)
            {
                Ok(x) => x,
                Err(out) => return out,
            };
            let refresh = issue_refresh_token(st, conn, &scope, livemode, 32);
            (conn, scope, livemode, refresh)
        }
        Some("refresh_token") => {
            let Some(token) = param(&params, "refresh_token") else {
                return oauth_error(400, "invalid_request", "No refresh token provided");
            };
            match st.refresh_tokens.get(token) {
                Some(r)
                    if r.valid
                        && st.connections[r.connection].active
                        && st.connections[r.connection].platform_account == platform =>
                {
                    // Connect refresh tokens are long-lived and not rotated.
                    (r.connection, r.scope.clone(), r.livemode, token.to_string())
                }
                _ => {
                    return oauth_error(
                        400,
                        "invalid_grant",
                        format!("Invalid refresh token: {token}"),
                    )
                }
            }
        }
        other => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                format!("Unsupported grant type: {}", other.unwrap_or("")),
            )
        }
    };
    let access = issue_access_token(st, conn, livemode, OAuthKind::Connect);
    let mode = if livemode { "live" } else { "test" };
    Out::json(
        200,
        &json!({
            "access_token": access,
            "livemode": livemode,
            "refresh_token": refresh,
            "scope": scope,
            "stripe_publishable_key": gen_id(&format!("pk_{mode}_"), 32),
            "stripe_user_id": st.connections[conn].account_id,
            "token_type": "bearer",
        }),
    )
}

fn deauthorize(st: &mut State, req: &Req) -> Out {
    let params = form::decode(&req.body);
    let platform = match platform_account(st, platform_key(req, &params)) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let (Some(client_id), Some(user)) = (
        param(&params, "client_id").map(str::to_string),
        param(&params, "stripe_user_id").map(str::to_string),
    ) else {
        return oauth_error(
            400,
            "invalid_request",
            "client_id and stripe_user_id are required",
        );
    };
    let found: Vec<usize> = st
        .connections
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.active
                && c.kind == OAuthKind::Connect
                && c.client_id == client_id
                && c.account_id == user
                && c.platform_account == platform
        })
        .map(|(i, _)| i)
        .collect();
    if found.is_empty() {
        return oauth_error(
            401,
            "invalid_client",
            format!("This application is not connected to stripe account {user}, or that account does not exist."),
        );
    }
    for i in found {
        st.revoke_connection(i);
    }
    st.deauths.push((client_id, user.clone()));
    Out::json(200, &json!({"stripe_user_id": user}))
}

fn apps_token(st: &mut State, req: &Req) -> Out {
    // The developer's secret key authenticates like any /v1 call.
    let principal = match authenticate(st, req) {
        Ok(p) => p,
        Err(e) => return Out::error(&e),
    };
    let platform = principal.account_id;
    let (params, grant) = grant_params(req);
    let (conn, scope, livemode) = match grant.as_deref() {
        Some("authorization_code") => {
            let Some(code) = param(&params, "code") else {
                return oauth_error(400, "invalid_request", "No authorization code provided");
            };
            match redeem_code(st, code, &platform, OAuthKind::Apps) {
                Ok(x) => x,
                Err(out) => return out,
            }
        }
        Some("refresh_token") => {
            let Some(token) = param(&params, "refresh_token") else {
                return oauth_error(400, "invalid_request", "No refresh token provided");
            };
            let ok = st.refresh_tokens.get(token).is_some_and(|r| {
                r.valid
                    && st.connections[r.connection].active
                    && st.connections[r.connection].platform_account == platform
            });
            if !ok {
                return oauth_error(
                    400,
                    "invalid_grant",
                    format!("Refresh token does not exist or has been used: {token}"),
                );
            }
            // Each refresh token works once: the new one replaces it.
            let r = st.refresh_tokens.get_mut(token).expect("checked");
            r.valid = false;
            (r.connection, r.scope.clone(), r.livemode)
        }
        other => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                format!("Unsupported grant type: {}", other.unwrap_or("")),
            )
        }
    };
    let refresh = issue_refresh_token(st, conn, &scope, livemode, 48);
    let access = issue_access_token(st, conn, livemode, OAuthKind::Apps);
    Out::json(
        200,
        &json!({
            "access_token": access,
            "expires_in": APPS_TOKEN_TTL,
            "livemode": livemode,
            "refresh_token": refresh,
            "scope": scope,
            "stripe_user_id": st.connections[conn].account_id,
            "token_type": "bearer",
        }),
    )
}

/// A new, valid refresh token for the connection, remembered as issued.
fn issue_refresh_token(
    st: &mut State,
    connection: usize,
    scope: &str,
    livemode: bool,
    len: usize,
) -> String {
    let refresh = gen_id("rt_", len);
    st.issued.push(refresh.clone());
    st.refresh_tokens.insert(
        refresh.clone(),
        RefreshRec {
            connection,
            valid: true,
            scope: scope.to_owned(),
            livemode,
        },
    );
    refresh
}
