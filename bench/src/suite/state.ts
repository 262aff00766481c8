// The suite folder, and how an interrupted suite resumes: suite-plan.json says what the suite is; each scenario's
// folder holds its results.json when it finished, or failed.json with the reason when it could not.
//
//   DIR/suite-plan.json                the plan: targets, settings, scenarios in order
//   DIR/profile.json                   the implementation profile, measured once at the start
//   DIR/scenarios/<id>/results.json    a finished scenario (with report.md, report.html, raw/, logs/)
//   DIR/scenarios/<id>/failed.json     a scenario that failed, and why
//   DIR/suite.json, suite.md, suite.html

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PlanSettings } from '../plan.js';
import type { PhasePreset } from '../scenario.js';
import type { SuiteKind, SuiteScenario } from './matrix.js';

export const PLAN_FILE = 'suite-plan.json';
export const PROFILE_FILE = 'profile.json';

export interface SuitePlan {
  schema: 'rtip-bench/suite-plan';
  schemaVersion: 1;
  kind: SuiteKind;
  createdAt: string;
  command: string;
  /** As --targets spells them. */
  targets: string[];
  mode: 'native' | 'docker' | 'auto';
  driver: 'k6' | 'vegeta' | 'auto';
  preset: PhasePreset;
  durationS: number;
  trials: number;
  sloP99Ms: number;
  plan: PlanSettings;
  scenarios: SuiteScenario[];
}

export type ScenarioStatus =
  | { status: 'done'; results: string }
  | { status: 'failed'; reason: string }
  | { status: 'pending' };

export const scenarioDir = (dir: string, id: string) => path.join(dir, 'scenarios', id);

export function writePlan(dir: string, plan: SuitePlan): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
}

export function readPlan(dir: string): SuitePlan {
  const file = path.join(dir, PLAN_FILE);
  if (!existsSync(file)) throw new Error(`--resume ${dir}: no ${PLAN_FILE} there (not a suite folder)`);
  const plan = JSON.parse(readFileSync(file, 'utf8')) as SuitePlan;
  if (plan.schema !== 'rtip-bench/suite-plan' || plan.schemaVersion !== 1)
    throw new Error(`--resume ${dir}: ${PLAN_FILE} has an unknown schema`);
  return plan;
}

export function scenarioStatus(dir: string, id: string): ScenarioStatus {
  const d = scenarioDir(dir, id);
  const results = path.join(d, 'results.json');
  if (existsSync(results)) return { status: 'done', results: path.relative(dir, results) };
  const failed = path.join(d, 'failed.json');
  if (existsSync(failed)) {
    const f = JSON.parse(readFileSync(failed, 'utf8')) as { reason?: string };
    return { status: 'failed', reason: f.reason ?? 'unknown' };
  }
  return { status: 'pending' };
}

/** What a resumed suite still has to run: every scenario with neither results nor a recorded failure. */
export function pendingScenarios(dir: string, plan: SuitePlan): SuiteScenario[] {
  return plan.scenarios.filter((s) => scenarioStatus(dir, s.id).status === 'pending');
}

export function markFailed(dir: string, id: string, reason: string): void {
  const d = scenarioDir(dir, id);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    path.join(d, 'failed.json'),
    `${JSON.stringify({ reason, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
