// Just enough PromQL reading to list the metrics a dashboard query uses.

/** Metric names an expression reads: words followed by `{`, `[` or `)` that are not PromQL functions. */
export function metricsIn(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[{[]|\)\s*(?:$|[/)]))/g)) {
    if (m[1] !== undefined) names.add(m[1].replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names];
}
