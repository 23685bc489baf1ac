/**
 * Prometheus metrics of one server: requests and their latency per route, the store's
 * revision, and how long agents took to wire ports (they say so in their status reports). Each server has its own registry so several can run in one process (tests).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MeteringCounter } from '../model/resources.js';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'quark_api_requests_total',
    help: 'API requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'quark_api_request_duration_seconds',
    help: 'Time from request to response, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly portWiring = new Histogram({
    name: 'quark_port_wiring_seconds',
    help: "Time from an instance's VIF appearing in its host's OVSDB to the agent reporting the port ACTIVE, by host.",
    labelNames: ['host'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly revision = new Gauge({
    name: 'quark_store_revision',
    help: 'Global revision of the last committed write.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'quark_' });
  }

  /**
   * Metering (docs/metering.md): the traffic each label counted on each router, as the L3 agents
   * reported it, read from the store at every scrape, so every server sharing a database shows
   * the same totals.
   */
  watchMetering(counters: () => Iterable<MeteringCounter>): void {
    const labelNames = ['label_id', 'router_id', 'project_id'] as const;
    const total = (name: string, help: string, field: 'pkts' | 'bytes') =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const c of counters())
            this.inc({ label_id: c.label_id, router_id: c.router_id, project_id: c.project_id }, c[field]);
        },
      });
    total(
      'quark_metering_label_packets_total',
      'Packets a metering label counted on a router, as its L3 agent reported them.',
      'pkts',
    );
    total(
      'quark_metering_label_bytes_total',
      'Bytes (IP packets as iptables counts them) a metering label counted on a router.',
      'bytes',
    );
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}
