/// The window's commands, declared so that capabilities/default.json can
/// allow exactly these and nothing more.
const COMMANDS: &[&str] = &[
    "first_paint",
    "app_info",
    "list_connections",
    "classify_key",
    "test_key",
    "save_key_connection",
    "test_connection",
    "remove_connection",
    "set_active_connection",
    "rename_connection",
    "set_account_override",
    "get_oauth_settings",
    "save_oauth_settings",
    "start_oauth",
    "cancel_oauth",
    "oauth_state",
    "list_actions",
    "check_action",
    "run_action",
    "lookup_choices",
    "action_drafts",
    "save_action_draft",
    "understand_amount",
    "action_current_values",
    "action_availability",
    "open_in_dashboard",
    "balances_sync",
    "balances_cancel_sync",
    "balances_status",
    "balances_page",
    "balances_totals",
    "balances_chart",
    "balances_period_summary",
    "balances_payout",
    "balances_transaction",
    "balances_reconcile",
    "balances_export",
    "balances_cancel_export",
    "balances_delete_copy",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
