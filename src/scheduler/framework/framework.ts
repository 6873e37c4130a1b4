/**
 * The framework of one scheduling profile: builds the profile's plugins from the registry
 * (upstream's defaults, changed by the configuration's enabled/disabled lists and weights) and
 * runs them per extension point. It is also the {@link Handle} plugins get: the cycle's
 * snapshot, nominated pods, and the Filter and PreFilter-extension runners preemption uses.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { BUILT_IN_PLUGINS, DEFAULT_PLUGINS, SchedulerConfigError, type ExtensionPointName, type PluginRef, type SchedulerProfile } from '../config.ts';
import {
  CycleState,
  isRejected,
  isSuccess,
  MAX_NODE_SCORE,
  status,
  SUCCESS,
  type BindPlugin,
  type ClusterEvent,
  type FilterPlugin,
  type Handle,
  type NodeScore,
  type NodeToStatus,
  type PermitPlugin,
  type Plugin,
  type PluginFactory,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
  type SharedLister,
  type Status,
} from './interface.ts';
import type { MutableNodeInfo, NodeInfo } from './node-info.ts';

/** Plugin name → factory. */
export type Registry = Record<string, PluginFactory>;

/** The method that marks an object as implementing each extension point. */
const POINT_METHOD: Partial<Record<ExtensionPointName, string>> = {
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
};

const SKIP_FILTER = 'skiff.io/framework/skipFilter';
const ACTIVE_FILTERS = 'skiff.io/framework/activeFilters';
const SKIP_SCORE = 'skiff.io/framework/skipScore';

export interface FrameworkOptions {
  profile: SchedulerProfile;
  registry: Registry;
  /** The snapshot the current cycle schedules against. */
  snapshot: () => SharedLister;
  nominatedPodsForNode: (nodeName: string) => readonly Pod[];
  /** The API client plugins write through (DefaultBinder, DefaultPreemption). */
  client?: Handle['client'];
  /** The PodDisruptionBudgets the scheduler watches, for preemption. */
  podDisruptionBudgets?: () => PodDisruptionBudget[];
  /** Told about default plugins the registry does not have (they are left out). */
  log?: (line: string) => void;
}

function withPlugin(s: Status, plugin: string): Status {
  return { code: s.code, reasons: s.reasons, plugin };
}

function asError(err: unknown, plugin: string): Status {
  return { code: 'Error', reasons: [err instanceof Error ? err.message : String(err)], plugin };
}

function invalidScore(plugin: string, score: number): Status {
  return { code: 'Error', reasons: [`plugin ${plugin} returns an invalid score ${score}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`], plugin };
}

/** Every plugin enabled at one extension point, in order, with weights (score only). */
function pluginsFor(point: ExtensionPointName, profile: SchedulerProfile, multiPoint: PluginRef[]): PluginRef[] {
  const set = profile.plugins?.[point];
  const disabled = new Set((set?.disabled ?? []).map((p) => p.name));
  const out: PluginRef[] = [];
  const seen = new Set<string>();
  // Upstream: plugins named at the point itself come first, then multiPoint ones; a weight
  // given at the point wins over the multiPoint weight.
  for (const ref of set?.enabled ?? []) {
    if (seen.has(ref.name)) continue;
    seen.add(ref.name);
    out.push({ name: ref.name, weight: ref.weight || multiPoint.find((m) => m.name === ref.name)?.weight });
  }
  for (const ref of multiPoint) {
    if (seen.has(ref.name) || disabled.has('*') || disabled.has(ref.name)) continue;
    seen.add(ref.name);
    out.push(ref);
  }
  return out;
}

/** Deduplicated multiPoint list: the defaults unless disabled, then the profile's own. */
function multiPointPlugins(profile: SchedulerProfile): { refs: PluginRef[]; explicit: Set<string> } {
  const set = profile.plugins?.multiPoint;
  const disabled = new Set((set?.disabled ?? []).map((p) => p.name));
  const explicit = new Set<string>();
  const byName = new Map<string, PluginRef>();
  if (!disabled.has('*')) for (const ref of DEFAULT_PLUGINS) if (!disabled.has(ref.name)) byName.set(ref.name, ref);
  for (const ref of set?.enabled ?? []) {
    explicit.add(ref.name);
    byName.set(ref.name, { name: ref.name, weight: ref.weight || byName.get(ref.name)?.weight });
  }
  return { refs: [...byName.values()], explicit };
}

export class Framework implements Handle {
  readonly profileName: string;
  readonly percentageOfNodesToScore?: number;
  /** Every plugin instance, by name. */
  readonly plugins = new Map<string, Plugin>();
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: { plugin: ScorePlugin; weight: number }[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly client?: Handle['client'];
  readonly podDisruptionBudgets?: () => PodDisruptionBudget[];
  private readonly snapshotFn: () => SharedLister;
  private readonly nominated: (nodeName: string) => readonly Pod[];
  private readonly scoreList: NodeScore[] = [];

  /** @throws {SchedulerConfigError} when the profile names a plugin the registry lacks, or one at a point it does not implement. */
  constructor(options: FrameworkOptions) {
    const { profile, registry } = options;
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    this.snapshotFn = options.snapshot;
    this.nominated = options.nominatedPodsForNode;
    this.client = options.client;
    this.podDisruptionBudgets = options.podDisruptionBudgets;
    const args = new Map((profile.pluginConfig ?? []).map((c) => [c.name, c.args]));
    const { refs: multiPoint, explicit } = multiPointPlugins(profile);
    const missingDefaults: string[] = [];

    const instance = (name: string, named: boolean): Plugin | undefined => {
      const existing = this.plugins.get(name);
      if (existing) return existing;
      const factory = registry[name];
      if (!factory) {
        if (named) throw new SchedulerConfigError(`profile ${profile.schedulerName}: plugin ${JSON.stringify(name)} does not exist`);
        missingDefaults.push(name);
        return undefined;
      }
      const plugin = factory(args.get(name), this);
      this.plugins.set(name, plugin);
      return plugin;
    };

    for (const point of Object.keys(POINT_METHOD) as ExtensionPointName[]) {
      const method = POINT_METHOD[point]!;
      const namedHere = new Set((profile.plugins?.[point]?.enabled ?? []).map((p) => p.name));
      for (const ref of pluginsFor(point, profile, multiPoint)) {
        if (BUILT_IN_PLUGINS.has(ref.name)) continue;
        const named = namedHere.has(ref.name) || explicit.has(ref.name);
        const plugin = instance(ref.name, named);
        if (!plugin) continue;
        if (typeof (plugin as unknown as Record<string, unknown>)[method] !== 'function') {
          if (namedHere.has(ref.name)) throw new SchedulerConfigError(`profile ${profile.schedulerName}: plugin ${ref.name} does not implement ${point}`);
          continue;
        }
        this.addAt(point, plugin, ref.weight || 1);
      }
    }
    for (const name of args.keys()) {
      if (!this.plugins.has(name) && !BUILT_IN_PLUGINS.has(name) && !registry[name]) {
        throw new SchedulerConfigError(`profile ${profile.schedulerName}: pluginConfig names plugin ${JSON.stringify(name)}, which does not exist`);
      }
    }
    if (missingDefaults.length) options.log?.(`scheduler: profile ${profile.schedulerName}: default plugins not available, left out: ${[...new Set(missingDefaults)].join(', ')}`);
  }

  private addAt(point: ExtensionPointName, plugin: Plugin, weight: number): void {
    switch (point) {
      case 'preFilter':
        return void this.preFilterPlugins.push(plugin as PreFilterPlugin);
      case 'filter':
        return void this.filterPlugins.push(plugin as FilterPlugin);
      case 'postFilter':
        return void this.postFilterPlugins.push(plugin as PostFilterPlugin);
      case 'preScore':
        return void this.preScorePlugins.push(plugin as PreScorePlugin);
      case 'score':
        return void this.scorePlugins.push({ plugin: plugin as ScorePlugin, weight });
      case 'reserve':
        return void this.reservePlugins.push(plugin as ReservePlugin);
      case 'permit':
        return void this.permitPlugins.push(plugin as PermitPlugin);
      case 'preBind':
        return void this.preBindPlugins.push(plugin as PreBindPlugin);
      case 'bind':
        return void this.bindPlugins.push(plugin as BindPlugin);
    }
  }

  /** Plugin name → the cluster events that may undo its rejections (for the queue). */
  clusterEvents(): Map<string, ClusterEvent[]> {
    const out = new Map<string, ClusterEvent[]>();
    for (const [name, plugin] of this.plugins) if (plugin.eventsToRegister) out.set(name, plugin.eventsToRegister());
    return out;
  }

  // ---- Handle ----

  snapshot(): SharedLister {
    return this.snapshotFn();
  }

  nominatedPodsForNode(nodeName: string): Pod[] {
    return [...this.nominated(nodeName)];
  }

  /** Every Filter plugin not skipped by its PreFilter; the first rejection wins. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // PreFilter leaves the list of Filter plugins that apply, so the per-node loop (run for
    // hundreds of nodes per pod) does no lookups.
    const plugins = state.read<FilterPlugin[]>(ACTIVE_FILTERS) ?? this.filterPlugins;
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i];
      let s: Status;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        return asError(err, p.name);
      }
      if (s.code !== 'Success') return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  runPreFilterAddPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    return this.runPreFilterExtension('addPod', state, podToSchedule, podToAdd, nodeInfo);
  }

  runPreFilterRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    return this.runPreFilterExtension('removePod', state, podToSchedule, podToRemove, nodeInfo);
  }

  private runPreFilterExtension(which: 'addPod' | 'removePod', state: CycleState, pod: Pod, other: Pod, nodeInfo: NodeInfo): Status {
    const skip = state.read<Set<string>>(SKIP_FILTER);
    for (const p of this.preFilterPlugins) {
      const fn = p[which];
      if (!fn || skip?.has(p.name)) continue;
      try {
        const s = fn.call(p, state, pod, other, nodeInfo);
        if (!isSuccess(s)) return withPlugin({ ...s, code: 'Error' }, p.name);
      } catch (err) {
        return asError(err, p.name);
      }
    }
    return SUCCESS;
  }

  // ---- the scheduling cycle's extension points ----

  /**
   * PreFilter: every plugin, in order. A rejection or error stops the cycle; node names the
   * plugins limit the pod to are intersected; plugins answering Skip have their Filter skipped.
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status; narrowedBy: string[] } {
    const skip = new Set<string>();
    const narrowedBy: string[] = [];
    let nodeNames: Set<string> | undefined;
    for (const p of this.preFilterPlugins) {
      let r: { result?: PreFilterResult; status: Status };
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: asError(err, p.name), narrowedBy };
      }
      if (r.status.code === 'Skip') {
        skip.add(p.name);
        continue;
      }
      if (!isSuccess(r.status)) return { status: withPlugin(r.status, p.name), narrowedBy };
      const names = r.result?.nodeNames;
      if (names) {
        narrowedBy.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => names.has(n))) : names;
        if (nodeNames.size === 0) {
          const reason = `node(s) didn't satisfy plugin(s) [${[...narrowedBy].sort().join(' ')}] simultaneously`;
          return { status: withPlugin(status('UnschedulableAndUnresolvable', reason), p.name), narrowedBy };
        }
      }
    }
    state.write(SKIP_FILTER, skip);
    state.write(ACTIVE_FILTERS, skip.size ? this.filterPlugins.filter((p) => !skip.has(p.name)) : this.filterPlugins);
    return { result: nodeNames ? { nodeNames } : undefined, status: SUCCESS, narrowedBy };
  }

  /**
   * Filter with nominated pods, as upstream: when pods of equal or higher priority are
   * nominated to the node, the pod must fit both with them (added to a copy of the node and
   * the cycle state) and without them.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: MutableNodeInfo): Status {
    const candidates = this.nominated(nodeInfo.node.metadata?.name ?? '');
    if (candidates.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const priority = pod.spec?.priority ?? 0;
    const uid = pod.metadata?.uid;
    const nominated = candidates.filter((p) => (p.spec?.priority ?? 0) >= priority && p.metadata?.uid !== uid);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const withNominated = nodeInfo.clone();
    const stateWithNominated = state.clone();
    for (const p of nominated) {
      withNominated.addPod(p);
      const s = this.runPreFilterAddPod(stateWithNominated, pod, p, withNominated);
      if (!isSuccess(s)) return s;
    }
    const s = this.runFilterPlugins(stateWithNominated, pod, withNominated);
    if (!isSuccess(s)) return s;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /** PostFilter (preemption): the first plugin that succeeds wins; otherwise the rejections, merged. */
  async runPostFilterPlugins(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }> {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector: string | undefined;
    for (const p of this.postFilterPlugins) {
      let r: { result?: PostFilterResult; status: Status };
      try {
        r = await p.postFilter(state, pod, filtered);
      } catch (err) {
        return { status: asError(err, p.name) };
      }
      if (isSuccess(r.status)) return r;
      if (r.status.code === 'UnschedulableAndUnresolvable') return { result: r.result, status: withPlugin(r.status, p.name) };
      if (!isRejected(r.status)) return { status: withPlugin({ ...r.status, code: 'Error' }, p.name) };
      if (r.result?.nominatedNodeName !== undefined) result = r.result;
      reasons.push(...r.status.reasons);
      rejector ??= p.name;
    }
    return { result, status: { code: 'Unschedulable', reasons, plugin: rejector } };
  }

  /** PreScore; plugins answering Skip have their Score skipped. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    const skip = new Set<string>();
    for (const p of this.preScorePlugins) {
      let s: Status;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (err) {
        return asError(err, p.name);
      }
      if (s.code === 'Skip') skip.add(p.name);
      else if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    state.write(SKIP_SCORE, skip);
    return SUCCESS;
  }

  /**
   * Score, NormalizeScore and weights: the total of each node, in `nodes`' order. A score
   * outside 0..MAX_NODE_SCORE after normalisation is a plugin bug and an Error.
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): { totals: number[]; status: Status } {
    const skip = state.read<Set<string>>(SKIP_SCORE);
    const n = nodes.length;
    const totals = new Array<number>(n).fill(0);
    let scores: NodeScore[] | undefined;
    for (const { plugin: p, weight } of this.scorePlugins) {
      if (skip?.has(p.name)) continue;
      // Raw scores go straight into the totals unless the plugin normalises them.
      const normalizes = p.normalizeScore !== undefined;
      if (normalizes && !scores) scores = this.nodeScores(nodes);
      try {
        for (let i = 0; i < n; i++) {
          const r = p.score(state, pod, nodes[i]);
          if (typeof r !== 'number') return { totals, status: withPlugin(r.code === 'Success' ? status('Error', 'Score returned a status instead of a score') : r, p.name) };
          if (normalizes) scores![i].score = r;
          else if (!(r >= 0 && r <= MAX_NODE_SCORE)) return { totals, status: invalidScore(p.name, r) };
          else totals[i] += r * weight;
        }
        if (normalizes) {
          const s = p.normalizeScore!(state, pod, scores!);
          if (!isSuccess(s)) return { totals, status: withPlugin(s, p.name) };
          for (let i = 0; i < n; i++) {
            const score = scores![i].score;
            if (!(score >= 0 && score <= MAX_NODE_SCORE)) return { totals, status: invalidScore(p.name, score) };
            totals[i] += score * weight;
          }
        }
      } catch (err) {
        return { totals, status: asError(err, p.name) };
      }
    }
    return { totals, status: SUCCESS };
  }

  /**
   * The list of node scores the normalising plugins fill in turn, one entry per node of
   * `nodes`. The same entries serve every plugin and every pod (each plugin is done with the
   * list before the next starts, and none keeps it): hundreds of nodes times several plugins
   * per pod otherwise.
   */
  private nodeScores(nodes: NodeInfo[]): NodeScore[] {
    const list = this.scoreList;
    if (list.length > nodes.length) list.length = nodes.length;
    while (list.length < nodes.length) list.push({ name: '', score: 0 });
    for (let i = 0; i < nodes.length; i++) {
      // The NodeInfo's own copy of the name: the Node object and its metadata are two more
      // objects per node to fetch from memory, hundreds of nodes per pod.
      list[i].name = nodes[i].name;
      list[i].score = 0;
    }
    return list;
  }

  /** Reserve, in order; on a failure the caller runs {@link runReservePluginsUnreserve}. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const p of this.reservePlugins) {
      try {
        const s = p.reserve(state, pod, nodeName);
        if (!isSuccess(s)) return withPlugin(s, p.name);
      } catch (err) {
        return asError(err, p.name);
      }
    }
    return SUCCESS;
  }

  /** Unreserve, in reverse order; never fails. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i].unreserve(state, pod, nodeName);
      } catch {
        // Unreserve is best effort: a failing plugin must not stop the others from releasing.
      }
    }
  }

  /**
   * Permit: a rejection stops; Wait answers combine into the shortest timeout. Nothing here
   * allows a waiting pod early (no in-tree plugin waits), so the binding cycle rejects a pod
   * still waiting when that timeout ends, as upstream does.
   */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): { status: Status; waitMs: number } {
    let waitMs = -1;
    let waiter: string | undefined;
    for (const p of this.permitPlugins) {
      try {
        const r = p.permit(state, pod, nodeName);
        if (r.status.code === 'Wait') {
          const t = r.timeoutMs ?? 0;
          if (waitMs < 0 || t < waitMs) {
            waitMs = t;
            waiter = p.name;
          }
        } else if (!isSuccess(r.status)) return { status: withPlugin(r.status, p.name), waitMs: 0 };
      } catch (err) {
        return { status: asError(err, p.name), waitMs: 0 };
      }
    }
    if (waitMs < 0) return { status: SUCCESS, waitMs: 0 };
    return { status: { code: 'Wait', reasons: [], plugin: waiter }, waitMs };
  }

  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.preBindPlugins) {
      try {
        const s = await p.preBind(state, pod, nodeName);
        if (!isSuccess(s)) return withPlugin(s, p.name);
      } catch (err) {
        return asError(err, p.name);
      }
    }
    return SUCCESS;
  }

  /** Bind: the first plugin that does not Skip decides. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.bindPlugins) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        return asError(err, p.name);
      }
      if (s.code !== 'Skip') return isSuccess(s) ? SUCCESS : withPlugin(s, p.name);
    }
    return { code: 'Error', reasons: ['no bind plugin bound the pod'] };
  }
}

export { CycleState };
