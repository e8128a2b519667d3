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
    "understand_amount",
    "action_current_values",
    "action_availability",
    "open_in_dashboard",
    "list_workflows",
    "new_workflow",
    "workflow_templates",
    "save_workflow",
    "check_workflow",
    "rename_workflow",
    "rename_workflow_step",
    "duplicate_workflow",
    "delete_workflow",
    "export_workflow",
    "import_workflow",
    "workflow_menu",
    "workflow_runs",
    "workflow_plan",
    "run_workflow",
    "resume_workflow",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
