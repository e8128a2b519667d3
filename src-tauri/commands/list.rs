//! Every command the window may call, once: named `<capability>_<verb>`,
//! arguments named by what they are. One entry a command, its name first
//! on its own line: `build.rs` reads the names from this file's text.
//! Adding a command is adding an entry here and its permission in
//! `capabilities/default.json` (a test holds the two, `build.rs` and
//! `Commands.ts` together).

use super::app;
use super::commands;
use desk_core::actions::desk::ActionAvailability;
use desk_core::actions::drafts::ConnectionDrafts;
use desk_core::actions::lookup::{LookupAnswer, LookupChoice};
use desk_core::actions::{Action, ActionResult, FieldError, FieldValue, FilledForm, Submission};
use desk_core::activity::{
    ActivitySettings, ActivitySettingsView, EventDetail, FeedPage, FeedQuery, NotificationChoices,
    UnreadCounts,
};
use desk_core::balances::{
    Bucket, ChartSeries, CurrencyTotals, ExportProgress, Filter, FilterChoices, Page, PageRequest,
    PayoutDetail, PeriodSummary, Reconciliation, Sort, StoreStats, SyncOutcome, SyncProgress,
};
use desk_core::bulk::{
    BulkJobSummary, BulkOptions, BulkPlan, BulkProgress, BulkTarget, DryRunSummary, Mapping,
    MappingProposal, MatchProgress, ResultsFormat, RowView, RowsPage, RowsQuery, SheetView,
    TriggerKind, TriggerPlan, TriggerSpec, TriggerView,
};
use desk_core::connections::key_guide::{
    self, KeyGoal, KeyGoalOption, KeyGuideCheck, PermissionToSet,
};
use desk_core::connections::ExpectedConnection;
use desk_core::money::{self, NumberFormat, ParsedAmount};
use desk_core::saved_file::SavedFile;
use desk_core::settings::place::Place;
use desk_core::settings::AppSettings;
use desk_core::views::{
    AppInfo, ConnectionTest, ConnectionsView, KeyCheck, OAuthFlowState, OAuthSettingsForm,
    OAuthSettingsView, SaveKeyOutcome, StripeObject, WhenAlreadySaved,
};
use desk_core::workflows::desk::{EditorWords, RunPlan};
use desk_core::workflows::menu::MenuEntry;
use desk_core::workflows::progress::throttled;
use desk_core::workflows::review::WorkflowReview;
use desk_core::workflows::settings::WorkflowSettings;
use desk_core::workflows::store::Listing;
use desk_core::workflows::{Problem, RunRecord, Workflow};
use desk_core::{Code, Error};
use std::collections::BTreeMap;

commands! {
    // ---- The app ----

    /// The page reports its first painted frame (start-up waits for it).
    app_first_paint() -> ()
        => |app| {
            app::first_paint(app);
            Ok(())
        };

    app_info() -> AppInfo
        => |desk| Ok(desk.app_info());

    /// Opens a page of the Stripe Dashboard in the system browser.
    dashboard_open(url: String) -> ()
        => |app| app::open_in_dashboard(app, url);

    /// The amount as understood ("12.50 EUR"), shown next to the field as the user types.
    money_understand_amount(amount: String, currency: String, number_format: NumberFormat) -> ParsedAmount
        => | | money::parse_amount(&amount, &currency, number_format).map_err(|e| {
            Error::invalid(Code::InvalidAmount, e.message(&currency), Some("amount"))
        });

    // ---- Settings and help ----

    // The person's own, also while the sample account is shown.

    settings_get() -> AppSettings
        => |person| person.app_settings();

    /// Saves every setting at once, atomically.
    settings_save(settings: AppSettings) -> AppSettings
        => |person| person.save_app_settings(settings);

    /// What a person can paste to support, with no secret or email address in it.
    app_diagnostics() -> String
        => |person, app| app::diagnostics(person, app);

    /// Where the person left the app (the screen, the Balances sort), read after the first paint.
    app_place() -> Place
        => |person| Ok(person.place());

    /// Keeps the screen shown or the Balances sort for the next start.
    app_remember(route: Option<String>, balances_sort: Option<Sort>) -> Place
        => |person| person.remember(route, balances_sort);

    // ---- The sample account ----

    /// "Explore with sample data": the demo shop, inside the app, instead of
    /// the person's own accounts (opened the first time).
    sample_enter() -> ConnectionsView
        [emit "connections-changed"]
        => |app| app::enter_sample(app).await;

    /// "Leave the sample account": back to the person's own accounts.
    sample_leave() -> ConnectionsView
        [emit "connections-changed"]
        => |person, app| {
            app::leave_sample(app);
            Ok(person.list_connections())
        };

    app_open_log_folder() -> ()
        => |app| app::open_log_folder(app);

    // ---- Connections ----

    connection_list() -> ConnectionsView
        => |desk| Ok(desk.list_connections());

    connection_classify_key(key: String) -> KeyCheck
        => |desk| Ok(desk.classify_key(&key));

    connection_test_key(key: String) -> ConnectionTest
        => |desk| desk.test_key(&key).await;

    /// "Create a key for Stripe Desk": what a person may want to do.
    connection_key_goals() -> Vec<KeyGoalOption>
        => | | Ok(key_guide::goal_options());

    /// The permissions to set for the chosen goals, as the Dashboard names them.
    connection_key_permissions(goals: Vec<KeyGoal>) -> Vec<PermissionToSet>
        => | | Ok(key_guide::permissions_for(&goals));

    /// Checks a pasted key for the chosen goals: what is still missing.
    connection_check_key_for(key: String, goals: Vec<KeyGoal>) -> KeyGuideCheck
        => |desk| desk.connections().check_key_for(&key, &goals).await;

    connection_save_key(key: String, session_only: bool, when_saved: WhenAlreadySaved) -> SaveKeyOutcome
        [broadcast_connections when |r: &Result<SaveKeyOutcome, Error>| matches!(r, Ok(SaveKeyOutcome::Saved { .. }))]
        => |desk| desk.save_key_as(&key, session_only, when_saved).await;

    /// The test may find the connection revoked (or working again): the list is told either way.
    connection_test(connection_id: String) -> ConnectionTest
        [broadcast_connections when |_: &Result<ConnectionTest, Error>| true]
        => |desk| desk.test_connection(&connection_id).await;

    connection_remove(connection_id: String) -> ConnectionsView
        [broadcast_connections when Result::is_ok]
        => |desk| desk.remove_connection(&connection_id).await;

    connection_activate(connection_id: String) -> ConnectionsView
        [broadcast_connections when Result::is_ok]
        => |desk| desk.set_active(&connection_id);

    connection_rename(connection_id: String, name: String) -> ConnectionsView
        [broadcast_connections when Result::is_ok]
        => |desk| desk.rename(&connection_id, &name);

    /// Works in a connected account of the connection (`Stripe-Account`), or, with `None`, in its own.
    connection_override_account(connection_id: String, account_id: Option<String>) -> ConnectionsView
        [broadcast_connections when Result::is_ok]
        => |desk| desk.set_account_override(&connection_id, account_id.as_deref()).await;

    // ---- Connect with Stripe (OAuth) ----

    oauth_settings() -> Option<OAuthSettingsView>
        => |desk| desk.oauth_settings().await;

    oauth_save_settings(form: OAuthSettingsForm) -> OAuthSettingsView
        => |desk| desk.save_oauth_settings(form).await;

    /// Opens Stripe's authorize page in the system browser.
    oauth_start() -> OAuthFlowState
        [emit "oauth-state"]
        => |desk, app| app::start_oauth(desk, app).await;

    oauth_cancel() -> OAuthFlowState
        [emit "oauth-state"]
        => |desk| desk.cancel_oauth();

    oauth_state() -> OAuthFlowState
        => |desk| Ok(desk.oauth_state());

    // ---- Actions ----

    /// Every action's description, for the window's one form renderer.
    action_list() -> Vec<Action>
        => |desk| Ok(desk.actions().to_vec());

    /// The form's mistakes, each at its field; nothing is sent.
    action_check(action_id: String, form: FilledForm) -> Vec<FieldError>
        => |desk| desk.check_action(&action_id, &form);

    /// Runs an action on the connection the person saw (`expected`); one
    /// submission per form sent, passed again on "Try again". Only a revoked
    /// connection changes the list: any broadcast redraws the screen, which
    /// would wipe the refusal shown at its field.
    action_run(action_id: String, form: FilledForm, submission: Submission, expected: ExpectedConnection) -> ActionResult
        [broadcast_connections when |r: &Result<ActionResult, Error>| r.as_ref().is_err_and(Error::is_revoked)]
        => |desk| desk.run_action(&action_id, &form, &submission, &expected).await;

    /// A field's picker: customers by name or email, a product's recurring prices.
    action_lookup(action_id: String, field_id: String, query: String, parent: Option<String>) -> LookupAnswer
        => |desk| desk.lookup_choices(&action_id, &field_id, &query, parent.as_deref()).await;

    /// The current connection's half-filled forms, kept across restarts.
    action_drafts() -> ConnectionDrafts
        => |desk| Ok(desk.action_drafts());

    /// Keeps one action's half-filled form for the current connection.
    action_save_draft(action_id: String, form: FilledForm) -> ()
        => |desk| desk.save_action_draft(&action_id, &form);

    /// An update form's starting values: the object as it is now in Stripe.
    action_current_values(action_id: String, object_id: String) -> BTreeMap<String, FieldValue>
        => |desk| desk.action_current_values(&action_id, &object_id).await;

    /// Whether the current connection may run the action, before the form is filled.
    action_availability(action_id: String) -> ActionAvailability
        => |desk| desk.action_availability(&action_id).await;

    /// Before a create: an existing object with the same email, to offer instead.
    action_duplicate(action_id: String, form: FilledForm) -> Option<LookupChoice>
        => |desk| desk.action_duplicate(&action_id, &form).await;

    // ---- Balances: the connection's local copy ----

    /// Syncs the connection's copy; progress goes to the window as it goes.
    balances_sync(connection_id: String) -> SyncOutcome
        [progress on_progress: SyncProgress]
        => |desk| desk.balances_sync(&connection_id, move |p| { let _ = on_progress.send(p); }).await;

    balances_cancel_sync(connection_id: String) -> ()
        => |desk| {
            desk.balances_cancel_sync(&connection_id);
            Ok(())
        };

    balances_has_copy(connection_id: String) -> bool
        => |desk| desk.balances_has_copy(&connection_id);

    balances_status(connection_id: String) -> StoreStats
        => |desk| desk.balances_status(&connection_id).await;

    balances_page(connection_id: String, request: PageRequest) -> Page
        => |desk| desk.balances_page(&connection_id, request).await;

    balances_totals(connection_id: String, filter: Filter) -> Vec<CurrencyTotals>
        => |desk| desk.balances_totals(&connection_id, filter).await;

    balances_chart(connection_id: String, filter: Filter, bucket: Bucket) -> Vec<ChartSeries>
        => |desk| desk.balances_chart(&connection_id, filter, bucket).await;

    balances_period_summary(connection_id: String, filter: Filter) -> Vec<PeriodSummary>
        => |desk| desk.balances_period_summary(&connection_id, filter).await;

    balances_filter_choices(connection_id: String) -> FilterChoices
        => |desk| desk.balances_filter_choices(&connection_id).await;

    balances_payout(connection_id: String, payout_id: String) -> PayoutDetail
        => |desk| desk.balances_payout(&connection_id, payout_id).await;

    balances_transaction(connection_id: String, transaction_id: String) -> StripeObject
        => |desk| desk.balances_transaction(&connection_id, transaction_id).await.map(StripeObject);

    /// Reading the balance may find the connection revoked: the list is told either way.
    balances_reconcile(connection_id: String) -> Reconciliation
        [broadcast_connections when |_: &Result<Reconciliation, Error>| true]
        => |desk| desk.balances_reconcile(&connection_id).await;

    /// Asks where to save in the system's save dialog, then writes the CSV
    /// there. `None`: the dialog was cancelled; `rows: None`: the export was.
    balances_export(connection_id: String, filter: Filter, sort: Sort) -> Option<SavedFile>
        [progress on_progress: ExportProgress]
        => |desk, app| app::export_balances(desk, app, &connection_id, filter, sort, move |p| { let _ = on_progress.send(p); }).await;

    balances_cancel_export(connection_id: String) -> ()
        => |desk| {
            desk.balances_cancel_export(&connection_id);
            Ok(())
        };

    balances_delete_copy(connection_id: String) -> ()
        => |desk| desk.balances_delete_copy(&connection_id);

    // ---- Workflows ----

    workflow_list() -> Listing
        => |desk| desk.list_workflows();

    workflow_new() -> Workflow
        => |desk| desk.new_workflow();

    workflow_templates() -> Vec<Workflow>
        => |desk| Ok(desk.workflow_templates());

    /// Saves the workflow as edited and returns what would stop it from running.
    workflow_save(workflow: Workflow) -> Vec<Problem>
        => |desk| desk.save_workflow(&workflow);

    workflow_check(workflow: Workflow) -> Vec<Problem>
        => |desk| Ok(desk.check_workflow(&workflow));

    workflow_rename(workflow_id: String, name: String) -> Workflow
        => |desk| desk.rename_workflow(&workflow_id, &name);

    /// Renames a step; references to it follow.
    workflow_rename_step(workflow: Workflow, old_name: String, new_name: String) -> Workflow
        => |desk| desk.rename_workflow_step(workflow, &old_name, &new_name);

    /// Renames an input; `{{input.<old>}}` references follow.
    workflow_rename_input(workflow: Workflow, old_name: String, new_name: String) -> Workflow
        => |desk| desk.rename_workflow_input(workflow, &old_name, &new_name);

    workflow_duplicate(workflow_id: String) -> Workflow
        => |desk| desk.duplicate_workflow(&workflow_id);

    /// Returns the deleted workflow: Undo saves it again.
    workflow_delete(workflow_id: String) -> Workflow
        => |desk| desk.delete_workflow(&workflow_id);

    /// Asks where to save in the system's save dialog, then writes the
    /// workflow there; `None` when the person cancelled.
    workflow_export(workflow_id: String) -> Option<SavedFile>
        => |desk, app| app::export_workflow(desk, app, &workflow_id).await;

    /// Asks for a workflow file in the system's open dialog, adds it not yet
    /// reviewed, and says what it will do; `None` when the person cancelled.
    workflow_import() -> Option<WorkflowReview>
        => |desk, app| app::import_workflow(desk, app).await;

    /// What a saved workflow will do, step by step, in words.
    workflow_review(workflow_id: String) -> WorkflowReview
        => |desk| desk.workflow_review(&workflow_id);

    /// The person accepts an imported workflow after reading what it does.
    workflow_accept(workflow_id: String) -> Workflow
        => |desk| desk.accept_workflow(&workflow_id);

    /// The workflow's references in words and notes on its steps.
    workflow_words(workflow: Workflow) -> EditorWords
        => |desk| Ok(desk.workflow_words(&workflow));

    /// How long run history is kept.
    workflow_settings() -> WorkflowSettings
        => |desk| Ok(desk.workflow_settings());

    workflow_save_settings(settings: WorkflowSettings) -> WorkflowSettings
        => |desk| desk.set_workflow_settings(settings);

    /// What the `{{` menu offers in one field, filtered by what follows `{{`.
    workflow_menu(workflow: Workflow, step_name: String, field_id: String, typed: String) -> Vec<MenuEntry>
        => |desk| Ok(desk.workflow_menu(&workflow, &step_name, &field_id, &typed));

    workflow_runs(workflow_id: String) -> Vec<RunRecord>
        => |desk| desk.workflow_runs(&workflow_id);

    /// What a run (or, with `run_id`, a Resume) with these inputs will do on
    /// the connection the person sees, with the confirmation to pass back
    /// when it must be confirmed.
    workflow_plan(workflow_id: String, expected: ExpectedConnection, inputs: BTreeMap<String, String>, run_id: Option<String>, number_format: NumberFormat) -> RunPlan
        => |desk| desk.workflow_plan(&workflow_id, &expected, inputs, run_id.as_deref(), number_format).await;

    /// Runs the saved workflow on the connection the person saw; its changes
    /// go to the window as they happen (a "For each"'s counts a few times a second).
    workflow_run(workflow_id: String, expected: ExpectedConnection, inputs: BTreeMap<String, String>, number_format: NumberFormat, confirmation: Option<String>) -> RunRecord
        [progress on_progress: RunRecord]
        => |desk| desk.run_workflow(&workflow_id, &expected, inputs, number_format, confirmation.as_deref(), &mut throttled(|run: &RunRecord| { let _ = on_progress.send(run.clone()); })).await.map_err(Error::from);

    /// Resumes a failed or interrupted run with the saved workflow's fixes.
    workflow_resume(workflow_id: String, run_id: String, expected: ExpectedConnection, inputs: Option<BTreeMap<String, String>>, number_format: NumberFormat, confirmation: Option<String>) -> RunRecord
        [progress on_progress: RunRecord]
        => |desk| desk.resume_workflow(&workflow_id, &run_id, &expected, inputs, number_format, confirmation.as_deref(), &mut throttled(|run: &RunRecord| { let _ = on_progress.send(run.clone()); })).await.map_err(Error::from);

    // ---- Activity: what happened in every connected account ----

    /// A page of the feed, newest first: one account's, or every account's.
    activity_feed(query: FeedQuery) -> FeedPage
        => |desk| desk.activity_feed(query).await;

    /// How many lines the query selects (the virtual list's height).
    activity_count(query: FeedQuery) -> u32
        => |desk| desk.activity_count(query).await.map(|n| u32::try_from(n).unwrap_or(u32::MAX));

    /// An event's details, for the toggle under its line.
    activity_event(connection_id: String, event_id: String) -> EventDetail
        => |desk| desk.activity_event(&connection_id, &event_id).await;

    /// Unread events, in all and per account (the sidebar's count).
    activity_unread() -> UnreadCounts
        => |desk| desk.activity_unread().await;

    /// Marks what was heard so far as read: one account's, or with `None` every one's.
    activity_mark_read(connection_id: Option<String>) -> UnreadCounts
        => |desk| desk.activity_mark_read(connection_id.as_deref()).await;

    /// The person read that more than 30 days went unseen: the notice goes.
    activity_dismiss_gap(connection_id: String) -> ()
        => |desk| desk.activity_dismiss_gap(&connection_id).await;

    /// The poll interval, the retention and each account's notification choices.
    activity_settings() -> ActivitySettingsView
        => |desk| Ok(desk.activity_settings());

    activity_save_settings(settings: ActivitySettings) -> ActivitySettingsView
        => |desk| desk.activity_save_settings(settings);

    activity_set_notifications(connection_id: String, choices: NotificationChoices) -> ActivitySettingsView
        => |desk| desk.activity_set_notifications(&connection_id, choices);

    /// Asks an account again at once (its key was given permission to read events).
    activity_retry(connection_id: String) -> ()
        => |desk| {
            desk.activity_retry(&connection_id);
            Ok(())
        };

    // ---- Many at once: a spreadsheet's rows ----

    /// Opens a spreadsheet the person picks in the system's open dialog; `None` when they cancelled.
    bulk_open() -> Option<SheetView>
        => |desk, app| app::open_spreadsheet(desk, app).await;

    bulk_choose_sheet(file_id: String, sheet: String) -> SheetView
        => |desk| desk.bulk_choose_sheet(&file_id, &sheet).await;

    /// The row with the column names, or `None` for a sheet without one.
    bulk_set_header_row(file_id: String, row: Option<u32>) -> SheetView
        => |desk| desk.bulk_set_header_row(&file_id, row);

    /// What the workflow or action takes, and the columns matched to it by name.
    bulk_propose_mapping(file_id: String, target: BulkTarget) -> MappingProposal
        => |desk| desk.bulk_propose_mapping(&file_id, &target);

    /// Every row through the forms' checks; nothing is sent.
    bulk_dry_run(file_id: String, expected: ExpectedConnection, target: BulkTarget, mapping: Mapping, options: BulkOptions) -> DryRunSummary
        => |desk| desk.bulk_dry_run(&file_id, &expected, &target, mapping, options).await;

    bulk_summary(file_id: String) -> DryRunSummary
        => |desk| desk.bulk_summary(&file_id);

    /// A page of the checked rows (the virtual table).
    bulk_rows(query: RowsQuery) -> RowsPage
        => |desk| desk.bulk_rows(&query);

    /// A cell fixed in place (the file is not changed), its row checked again.
    bulk_fix_cell(file_id: String, row: u32, column: u32, value: String) -> RowView
        => |desk| desk.bulk_fix_cell(&file_id, row, column, value);

    bulk_leave_out(file_id: String, rows: Vec<u32>, left_out: bool) -> DryRunSummary
        => |desk| desk.bulk_leave_out(&file_id, &rows, left_out);

    /// "Skip the rows that need fixing".
    bulk_leave_out_rows_to_fix(file_id: String) -> DryRunSummary
        => |desk| desk.bulk_leave_out_rows_to_fix(&file_id);

    /// Asks Stripe which ready rows match a customer that exists.
    bulk_find_existing(file_id: String, expected: ExpectedConnection) -> MatchProgress
        [progress on_progress: MatchProgress]
        => |desk| desk.bulk_find_existing(&file_id, &expected, &mut |p: &MatchProgress| { let _ = on_progress.send(p.clone()); }).await;

    /// What Run will do, with the confirmation live mode needs.
    bulk_plan(file_id: String, expected: ExpectedConnection, retry_failed: bool) -> BulkPlan
        => |desk| desk.bulk_plan(&file_id, &expected, retry_failed).await;

    /// Runs the ready rows (or the failed ones again); progress a few times a second.
    bulk_run(file_id: String, expected: ExpectedConnection, retry_failed: bool, confirmation: Option<String>) -> BulkProgress
        [progress on_progress: BulkProgress]
        => |desk| desk.bulk_run(&file_id, &expected, retry_failed, confirmation.as_deref(), &mut |p: &BulkProgress| { let _ = on_progress.send(p.clone()); }).await;

    bulk_pause(file_id: String) -> ()
        => |desk| desk.bulk_pause(&file_id);

    bulk_resume(file_id: String) -> ()
        => |desk| desk.bulk_resume(&file_id);

    bulk_cancel(file_id: String) -> ()
        => |desk| desk.bulk_cancel(&file_id);

    /// Saves a copy of the file with each row's outcome where the person picks; `None` when they cancelled.
    bulk_save_results(file_id: String, format: ResultsFormat) -> Option<SavedFile>
        => |desk, app| app::save_spreadsheet_results(desk, app, &file_id, format).await;

    bulk_close(file_id: String) -> ()
        => |desk| {
            desk.bulk_close(&file_id);
            Ok(())
        };

    /// Earlier runs over files on this computer, newest first.
    bulk_jobs() -> Vec<BulkJobSummary>
        => |desk| desk.bulk_jobs();

    // ---- Workflows that start by themselves on an event ----

    trigger_kinds() -> Vec<TriggerKind>
        => |desk| Ok(desk.trigger_kinds());

    /// The workflow's problems when `event_type` events start it (`{{event.…}}` checked).
    trigger_check_workflow(workflow: Workflow, event_type: String) -> Vec<Problem>
        => |desk| Ok(desk.trigger_check_workflow(&workflow, &event_type));

    /// The `{{` menu of a field in a workflow started by events: the event's fields first.
    trigger_menu(workflow: Workflow, event_type: String, step_name: String, field_id: String, typed: String) -> Vec<MenuEntry>
        => |desk| Ok(desk.trigger_menu(&workflow, &event_type, &step_name, &field_id, &typed));

    trigger_get(workflow_id: String) -> Option<TriggerView>
        => |desk| desk.workflow_trigger(&workflow_id);

    /// What switching the trigger on does, with the confirmation live mode needs.
    trigger_plan(workflow_id: String, expected: ExpectedConnection, spec: TriggerSpec) -> TriggerPlan
        => |desk| desk.trigger_plan(&workflow_id, &expected, &spec).await;

    trigger_set(workflow_id: String, expected: ExpectedConnection, spec: TriggerSpec, confirmation: Option<String>) -> TriggerView
        => |desk| desk.set_workflow_trigger(&workflow_id, &expected, spec, confirmation.as_deref()).await;

    trigger_pause(workflow_id: String, paused: bool, confirmation: Option<String>) -> TriggerView
        => |desk| desk.pause_workflow_trigger(&workflow_id, paused, confirmation.as_deref()).await;

    trigger_remove(workflow_id: String) -> ()
        => |desk| desk.remove_workflow_trigger(&workflow_id);

    /// More events than run without asking were waiting: run them all, or let them go.
    trigger_backlog(workflow_id: String, run: bool) -> TriggerView
        => |desk| desk.trigger_backlog(&workflow_id, run).await;
}
