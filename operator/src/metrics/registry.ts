/**
 * A small Prometheus registry: counters, gauges read at scrape time, and histograms, rendered in
 * the text exposition format (version 0.0.4). Enough for one process's `/metrics`; no dependency.
 *
 * @module
 */

export type Labels = Readonly<Record<string, string>>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** A metric family: its `# HELP`/`# TYPE` header and its samples at this moment. */
export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  samples(): Sample[];
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  readonly type = "counter";
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  samples(): Sample[] {
    return [...this.#values.values()].map(({ labels, value }) => ({ name: this.name, labels, value }));
  }
}

/** A value per label set, read from `read` at each scrape (derived from caches, never stored). */
export class Gauge implements Metric {
  readonly type = "gauge";
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => Array<{ labels: Labels; value: number }>,
  ) {}

  samples(): Sample[] {
    return this.read().map(({ labels, value }) => ({ name: this.name, labels, value }));
  }
}

/**
 * A histogram per label set. Observations are either recorded ({@link Histogram.observe}) or, when
 * `read` is given, taken afresh at each scrape from `read` (e.g. durations of finished members).
 */
export class Histogram implements Metric {
  readonly type = "histogram";
  readonly #observed = new Map<string, { labels: Labels; values: number[] }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly read?: () => Array<{ labels: Labels; values: number[] }>,
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    const entry = this.#observed.get(key) ?? { labels, values: [] };
    entry.values.push(value);
    this.#observed.set(key, entry);
  }

  samples(): Sample[] {
    const series = this.read ? this.read() : [...this.#observed.values()];
    return series.flatMap(({ labels, values }) => [
      ...[...this.buckets, Number.POSITIVE_INFINITY].map((le) => ({
        name: `${this.name}_bucket`,
        labels: { ...labels, le: le === Number.POSITIVE_INFINITY ? "+Inf" : String(le) },
        value: values.filter((v) => v <= le).length,
      })),
      { name: `${this.name}_sum`, labels, value: values.reduce((a, b) => a + b, 0) },
      { name: `${this.name}_count`, labels, value: values.length },
    ]);
  }
}

/** The metrics of one process, rendered together. */
export class Registry {
  readonly #metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  /** The text exposition of every registered metric. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.#metrics) {
      lines.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      lines.push(`# TYPE ${metric.name} ${metric.type}`);
      for (const s of metric.samples()) lines.push(`${s.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const escaped = entries.map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return `{${escaped.join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
