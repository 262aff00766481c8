import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMPLEMENTATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_SERVICES } from './checks.js';
import { loadCompose, servicePorts } from './compose.js';
import { COMPOSE_FILE, OBSERVE_DIR } from './paths.js';
import { metricsIn } from './promql.js';

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}
interface Panel {
  title: string;
  datasource: { uid: string };
  targets: { expr: string; datasource: { uid: string } }[];
}

// Contract metric names (METRIC_NAMES and PROCESS_METRIC_NAMES in @rtip/contract).
const CONTRACT_METRICS = [
  'http_requests_total',
  'http_request_duration_seconds',
  'image_stage_duration_seconds',
  'image_inflight',
  'image_queued',
  'image_rejected_total',
  'image_bytes_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

const prometheus = parse(readFileSync(join(OBSERVE_DIR, 'prometheus.yml'), 'utf8')) as {
  scrape_configs: ScrapeConfig[];
};
const dashboard = JSON.parse(readFileSync(join(OBSERVE_DIR, 'grafana/dashboards/rtip.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const datasources = parse(
  readFileSync(join(OBSERVE_DIR, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
) as { datasources: { uid: string; url: string }[] };

describe('observe profile', () => {
  it('Prometheus scrapes /metrics of every service at its compose address', () => {
    const compose = loadCompose(COMPOSE_FILE);
    for (const [name, port] of Object.entries(APP_SERVICES)) {
      const job = prometheus.scrape_configs.find((c) => c.job_name === name);
      expect(job, name).toBeDefined();
      expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
      expect(job?.static_configs.flatMap((s) => s.targets)).toEqual([`${name}:${port}`]);
      expect(servicePorts(compose.services?.[name] ?? {}).map((p) => p.target)).toContain(String(port));
    }
    const labels = prometheus.scrape_configs.map((c) => c.static_configs[0]?.labels?.implementation);
    // The contract's IMPLEMENTATIONS, one label each.
    expect(labels).toEqual([...IMPLEMENTATIONS]);
    expect(labels).toEqual(['go', 'ts', 'go-vips', 'ts-bun', 'ts-deno']);
  });

  it('the dashboard compares the implementations, reading only contract metrics from the provisioned datasource', () => {
    const uid = datasources.datasources[0]?.uid;
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(uid);
      for (const target of panel.targets) {
        expect(target.expr, panel.title).toMatch(/by \(implementation/);
        const used = metricsIn(target.expr);
        expect(used.length, target.expr).toBeGreaterThan(0);
        for (const metric of used) expect(CONTRACT_METRICS, `${panel.title}: ${metric}`).toContain(metric);
      }
    }
  });

  it('the metric-name reader sees through PromQL', () => {
    expect(
      metricsIn('histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))'),
    ).toEqual(['http_request_duration_seconds']);
    expect(metricsIn('sum by (implementation) (image_inflight)')).toEqual(['image_inflight']);
    expect(metricsIn('rate(made_up_total{a="b"}[1m])')).toEqual(['made_up_total']);
  });
});
