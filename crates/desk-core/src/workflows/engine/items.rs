//! "For each": the Engine going through a list's items, one after another or
//! side by side, as a second `impl` block, so the Engine's file stays readable.

use super::history::{ItemLine, ItemLog};
use super::ledger::{loop_items, record_in, refused, Flowed, ItemLedger, Ledger, LoopItem};
use super::record::{
    ItemOutcome, ItemRun, ItemState, LoopRecord, Outcome, RunRecord, StepRecord, StepResult,
    StepState, ASK_ABOVE_ITEMS, SIDE_BY_SIDE_ITEMS,
};
use super::{Engine, GoAhead, StepExecutor};
use crate::error::Error;
use crate::workflows::flow::Resolver;
use crate::workflows::model::Step;
use crate::workflows::reference::resolve_value;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

impl<E: StepExecutor> Engine<'_, E> {
    /// "For each": the list, the go-ahead for a long one, then every item
    /// not done yet, one after another or side by side.
    pub(super) async fn for_each(
        &self,
        resolver: &Resolver<'_>,
        step: &Step,
        how: LoopHow<'_>,
        inputs: &BTreeMap<String, Value>,
        ledger: &mut (dyn Ledger + '_),
        go_ahead: GoAhead,
    ) -> Result<Flowed, Error> {
        let name = step.name.as_str();
        let index = resolver.position(name).unwrap_or_default();
        let workflow = resolver.workflow;
        let list = {
            let scope = ledger.scope(inputs);
            resolve_value(&Value::String(how.over.to_owned()), &scope)
        };
        let list = match list {
            Ok(Value::Array(items)) => items,
            // A result left out (nothing found) is an empty list.
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                let reason = format!(
                    "{} is {} in this run, not a list.",
                    crate::workflows::words::text_words(self.catalog, workflow, how.over),
                    match other {
                        Value::String(_) => "text",
                        Value::Number(_) => "a number",
                        Value::Bool(_) => "a yes/no value",
                        _ => "a group of fields",
                    }
                );
                return self.fail(
                    ledger,
                    name,
                    refused("not_a_list", reason, Some("flow.over")),
                );
            }
            Err(e) => {
                let reason = format!("{e}.");
                return self.fail(
                    ledger,
                    name,
                    refused("reference_unresolved", reason, Some("flow.over")),
                );
            }
        };
        if ledger.run().is_none() {
            let reason = "A “For each” cannot run inside another “For each”.".to_owned();
            return self.fail(ledger, name, refused("nested_for_each", reason, None));
        }
        let items = loop_items(&list);
        let total = items.len() as u32;
        let waits = {
            let run = ledger.run().expect("checked above");
            let record = record_in(&mut run.steps, name);
            let lp = record.items.get_or_insert_with(LoopRecord::default);
            lp.total = total;
            if go_ahead.many_items {
                lp.go_ahead = true;
            }
            let waits = items.len() > ASK_ABOVE_ITEMS && !lp.go_ahead;
            record.state = if waits {
                StepState::Waiting
            } else {
                StepState::Running
            };
            if waits {
                run.outcome = Outcome::WaitingForGoAhead {
                    step: name.to_owned(),
                    items: total,
                };
            }
            waits
        };
        ledger.keep(name)?;
        if waits {
            return Ok(Flowed::Stopped);
        }
        // The items not done yet, each with the steps it had begun.
        let body: Vec<&Step> = resolver
            .placed
            .iter()
            .filter(|p| p.in_loop == Some(index))
            .map(|p| p.step)
            .collect();
        let (todo, outer) = {
            let run = ledger.run().expect("checked above");
            let lp = record_in(&mut run.steps, name)
                .items
                .get_or_insert_with(LoopRecord::default);
            let done: HashSet<String> = lp
                .outcomes
                .iter()
                .filter(|o| matches!(o.state, ItemState::Done { .. }))
                .map(|o| o.key.clone())
                .collect();
            let mut todo = Vec::new();
            for item in items {
                if done.contains(&item.key) {
                    continue;
                }
                let begun = lp
                    .unfinished
                    .iter()
                    .position(|u| u.key == item.key)
                    .map(|i| lp.unfinished.swap_remove(i).steps)
                    .unwrap_or_default();
                let records = body
                    .iter()
                    .map(|s| {
                        begun
                            .iter()
                            .find(|r| r.name == s.name)
                            .cloned()
                            .unwrap_or_else(|| StepRecord::waiting(&s.name, &s.action))
                    })
                    .collect::<Vec<_>>();
                todo.push((item, records));
            }
            (todo, run.clone())
        };
        let log = self.history.item_log(&outer.workflow_id, &outer.run_id)?;
        let stop = AtomicBool::new(false);
        let width = if how.side_by_side {
            SIDE_BY_SIDE_ITEMS
        } else {
            1
        };
        let mut left_over: Vec<ItemRun> = Vec::new();
        {
            let cx = ItemCx {
                resolver,
                body: how.body,
                inputs,
                outer: &outer,
                log: &log,
                loop_step: name,
                stop: &stop,
                stop_first: how.stop_first,
                go_ahead,
            };
            let cx = &cx;
            let mut ended = futures_util::stream::iter(todo)
                .map(|(item, records)| self.run_item(cx, item, records))
                .buffer_unordered(width);
            while let Some(finished) = ended.next().await {
                let (item, outcome, records) = finished?;
                let begun = records
                    .iter()
                    .any(|r| !matches!(r.state, StepState::Waiting));
                let failed = outcome
                    .as_ref()
                    .is_some_and(|o| matches!(o.state, ItemState::Failed { .. }));
                if failed || (outcome.is_none() && begun) {
                    left_over.push(ItemRun {
                        key: item.key,
                        steps: records,
                    });
                }
                if let Some(outcome) = outcome {
                    let run = ledger.run().expect("checked above");
                    record_in(&mut run.steps, name)
                        .items
                        .get_or_insert_with(LoopRecord::default)
                        .record_outcome(outcome);
                    ledger.tell();
                }
            }
        }
        let failed = {
            let run = ledger.run().expect("checked above");
            let record = record_in(&mut run.steps, name);
            let lp = record.items.get_or_insert_with(LoopRecord::default);
            lp.unfinished.extend(left_over);
            let first_failure = lp.outcomes.iter().find_map(|o| match &o.state {
                ItemState::Failed { failure, .. } => {
                    Some((o.label.clone(), failure.reason.clone()))
                }
                _ => None,
            });
            let summary = format!(
                "{} of {} items done, {} failed, {} left",
                lp.done,
                lp.total,
                lp.failed,
                lp.left()
            );
            match first_failure {
                Some((label, reason)) => {
                    let stopped = if how.stop_first && lp.left() > 0 {
                        format!(
                            " It stopped at the first failure: {} were not run.",
                            lp.left()
                        )
                    } else {
                        String::new()
                    };
                    record.state = StepState::Failed {
                        failure: refused(
                            "items_failed",
                            format!("{summary}. The first that failed, {label}: {reason}{stopped}"),
                            None,
                        ),
                    };
                    run.outcome = Outcome::Failed {
                        step: name.to_owned(),
                    };
                    true
                }
                None => {
                    record.state = StepState::Done {
                        result: StepResult {
                            output: Value::Null,
                            summary,
                            shown: None,
                        },
                        found_existing: false,
                    };
                    false
                }
            }
        };
        ledger.keep(name)?;
        // The record now holds every item's outcome.
        log.clear();
        Ok(if failed { Flowed::Stopped } else { Flowed::On })
    }

    /// One item: its steps, as the run's own are run, kept in the item log.
    async fn run_item(
        &self,
        cx: &ItemCx<'_>,
        item: LoopItem,
        records: Vec<StepRecord>,
    ) -> Result<(LoopItem, Option<ItemOutcome>, Vec<StepRecord>), Error> {
        if cx.stop.load(Ordering::SeqCst) {
            return Ok((item, None, records));
        }
        let mut ledger = ItemLedger {
            outer: cx.outer,
            records,
            item: &item,
            loop_step: cx.loop_step,
            log: cx.log,
        };
        let flowed = self
            .run_steps(cx.resolver, cx.body, cx.inputs, &mut ledger, cx.go_ahead)
            .await?;
        let ItemLedger { records, .. } = ledger;
        let state = match flowed {
            Flowed::On => {
                let done: Vec<&str> = records
                    .iter()
                    .filter_map(|r| match &r.state {
                        StepState::Done { result, .. }
                            if r.items.is_none() && !r.action.is_empty() =>
                        {
                            Some(result.summary.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                let summary = match done.as_slice() {
                    [] => records
                        .iter()
                        .find_map(|r| r.skipped.clone())
                        .unwrap_or_else(|| "Nothing to do".into()),
                    said => said.join(" · "),
                };
                ItemState::Done { summary }
            }
            Flowed::Stopped => {
                let (step, failure) = records
                    .iter()
                    .find_map(|r| match &r.state {
                        StepState::Failed { failure } => Some((r.name.clone(), failure.clone())),
                        _ => None,
                    })
                    .unwrap_or_else(|| {
                        (
                            cx.loop_step.to_owned(),
                            refused("item_stopped", "It stopped.".into(), None),
                        )
                    });
                if cx.stop_first {
                    cx.stop.store(true, Ordering::SeqCst);
                }
                ItemState::Failed { step, failure }
            }
        };
        let outcome = ItemOutcome {
            number: item.number,
            key: item.key.clone(),
            label: item.label.clone(),
            state,
        };
        cx.log.append(&ItemLine {
            loop_step: cx.loop_step.to_owned(),
            key: item.key.clone(),
            record: None,
            outcome: Some(outcome.clone()),
        })?;
        Ok((item, Some(outcome), records))
    }
}

/// What a "For each" step says about its loop.
pub(super) struct LoopHow<'a> {
    pub(super) over: &'a str,
    pub(super) body: &'a [Step],
    pub(super) side_by_side: bool,
    pub(super) stop_first: bool,
}

/// What every item of one "For each" shares.
struct ItemCx<'a> {
    resolver: &'a Resolver<'a>,
    body: &'a [Step],
    inputs: &'a BTreeMap<String, Value>,
    outer: &'a RunRecord,
    log: &'a ItemLog,
    loop_step: &'a str,
    stop: &'a AtomicBool,
    stop_first: bool,
    go_ahead: GoAhead,
}
