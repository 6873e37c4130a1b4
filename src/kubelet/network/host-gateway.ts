/**
 * Keeps this node's host-gateway routes (routes.ts) in the kernel: lists the routes it made —
 * marked with their own routing protocol number, so the node's other routes are never touched
 * — and replaces or removes what the plan says. A failed route (say, a gateway not on this
 * node's link) is logged and left for the next sync; the others still go in.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { RunCommand } from './commands.ts';
import { desiredRoutes, planRoutes, type GatewayRoute } from './routes.ts';

/** The `proto` number on every route Skiff makes (an unassigned number in rtnetlink's range). */
export const SKIFF_ROUTE_PROTOCOL = 213;

export interface HostGatewayRoutesOptions {
  run: RunCommand;
  /** This node: it needs no route to its own pods. */
  nodeName: string;
  /** Default {@link SKIFF_ROUTE_PROTOCOL}. */
  protocol?: number;
  log: (line: string) => void;
}

/** This node's routes to the other nodes' pod CIDRs. */
export class HostGatewayRoutes {
  private readonly protocol: string;

  constructor(private readonly o: HostGatewayRoutesOptions) {
    this.protocol = String(o.protocol ?? SKIFF_ROUTE_PROTOCOL);
  }

  /** Makes the kernel's routes match `nodes`; resolves to how many changes failed. */
  async sync(nodes: readonly Node[]): Promise<number> {
    const plan = planRoutes(await this.current(), desiredRoutes(nodes, this.o.nodeName));
    let failed = 0;
    const attempt = async (what: string, argv: string[]) => {
      try {
        await this.o.run(argv);
        this.o.log(`pod network: ${what}`);
      } catch (err) {
        failed++;
        this.o.log(`pod network: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    for (const r of plan.remove) await attempt(`removed the route to ${r.destination}`, ['ip', 'route', 'del', r.destination, 'proto', this.protocol]);
    for (const r of plan.replace) await attempt(`route to ${r.destination} via ${r.gateway}`, ['ip', 'route', 'replace', r.destination, 'via', r.gateway, 'proto', this.protocol]);
    return failed;
  }

  /** The routes this node made (its protocol number), from `ip -json route`. */
  async current(): Promise<GatewayRoute[]> {
    const out = await this.o.run(['ip', '-json', 'route', 'show', 'proto', this.protocol]);
    const routes = JSON.parse(out.trim() || '[]') as { dst?: string; gateway?: string }[];
    return routes.filter((r) => r.dst && r.gateway).map((r) => ({ destination: r.dst!, gateway: r.gateway! }));
  }
}
