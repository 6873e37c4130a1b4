/**
 * The scheduler's configuration file, a KubeSchedulerConfiguration
 * (kubescheduler.config.k8s.io/v1) in YAML: profiles, each a schedulerName with plugins
 * enabled, disabled and weighted per extension point (or at every point they implement, with
 * multiPoint), plugin arguments, and percentageOfNodesToScore. A bad file is refused with one
 * {@link SchedulerConfigError} whose message names the field.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** The extension points a profile can list plugins for. */
export const EXTENSION_POINTS = [
  'multiPoint',
  'queueSort',
  'preEnqueue',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPointName = (typeof EXTENSION_POINTS)[number];

export interface PluginRef {
  name: string;
  /** Score weight; 0 or missing means the default (the multiPoint weight, else 1). */
  weight?: number;
}
export interface PluginSet {
  enabled?: PluginRef[];
  /** `{name: '*'}` disables every default plugin of the point. */
  disabled?: PluginRef[];
}
export type Plugins = Partial<Record<ExtensionPointName, PluginSet>>;

export interface SchedulerProfile {
  schedulerName: string;
  plugins?: Plugins;
  /** Arguments by plugin name. */
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
  /** Overrides the configuration-wide percentage for this profile. */
  percentageOfNodesToScore?: number;
}

export interface SchedulerConfiguration {
  profiles: SchedulerProfile[];
  /** 0 (the default) means adaptive: 50% minus 1% per 125 nodes, at least 5%. */
  percentageOfNodesToScore?: number;
  /** Default 1. */
  podInitialBackoffSeconds?: number;
  /** Default 10. */
  podMaxBackoffSeconds?: number;
}

/**
 * Upstream's default plugins, enabled at every extension point each implements, with the
 * default score weights. PrioritySort and SchedulingGates are the queue's own behaviour here.
 */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

/** Plugins the scheduler core implements itself rather than through the registry. */
export const BUILT_IN_PLUGINS = new Set(['PrioritySort', 'SchedulingGates']);

/** The configuration used without a file: one default profile. */
export function defaultConfiguration(): SchedulerConfiguration {
  return { profiles: [{ schedulerName: DEFAULT_SCHEDULER_NAME }] };
}

export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
}

/** Top-level fields of upstream's type that have no effect here but are not errors. */
const IGNORED_FIELDS = new Set([
  'parallelism',
  'leaderElection',
  'clientConnection',
  'healthzBindAddress',
  'metricsBindAddress',
  'enableProfiling',
  'enableContentionProfiling',
  'extenders',
  'delayCacheUntilActive',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(field: string, detail: string): never {
  throw new SchedulerConfigError(`${field}: ${detail}`);
}

function onlyFields(o: Obj, path: string, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, 'unknown field');
}

function intIn(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function pluginRefs(v: unknown, field: string, weighted: boolean): PluginRef[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(field, 'must be a list of {name, weight}');
  return v.map((item, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(item)) fail(f, 'must be an object with a name');
    onlyFields(item, f, ['name', 'weight']);
    if (typeof item.name !== 'string' || !item.name) fail(`${f}.name`, 'required');
    const weight = intIn(item.weight, `${f}.weight`, 0, 100);
    if (weight && !weighted) fail(`${f}.weight`, 'only score plugins have a weight');
    return { name: item.name, ...(weight ? { weight } : {}) };
  });
}

function parsePlugins(v: unknown, field: string): Plugins | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(field, 'must be an object keyed by extension point');
  onlyFields(v, field, [...EXTENSION_POINTS]);
  const out: Plugins = {};
  for (const point of EXTENSION_POINTS) {
    const set = v[point];
    if (set === undefined || set === null) continue;
    const f = `${field}.${point}`;
    if (!isObj(set)) fail(f, 'must be an object with enabled and/or disabled');
    onlyFields(set, f, ['enabled', 'disabled']);
    const weighted = point === 'score' || point === 'multiPoint';
    out[point] = { enabled: pluginRefs(set.enabled, `${f}.enabled`, weighted), disabled: pluginRefs(set.disabled, `${f}.disabled`, false) };
  }
  return out;
}

function parseProfile(v: unknown, field: string): SchedulerProfile {
  if (!isObj(v)) fail(field, 'must be an object');
  onlyFields(v, field, ['schedulerName', 'plugins', 'pluginConfig', 'percentageOfNodesToScore']);
  const schedulerName = v.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  if (typeof schedulerName !== 'string' || !schedulerName) fail(`${field}.schedulerName`, 'must be a non-empty string');
  let pluginConfig: SchedulerProfile['pluginConfig'];
  if (v.pluginConfig !== undefined && v.pluginConfig !== null) {
    if (!Array.isArray(v.pluginConfig)) fail(`${field}.pluginConfig`, 'must be a list of {name, args}');
    const seen = new Set<string>();
    pluginConfig = v.pluginConfig.map((c, i) => {
      const f = `${field}.pluginConfig[${i}]`;
      if (!isObj(c)) fail(f, 'must be an object with name and args');
      onlyFields(c, f, ['name', 'args']);
      if (typeof c.name !== 'string' || !c.name) fail(`${f}.name`, 'required');
      if (seen.has(c.name)) fail(`${f}.name`, `duplicate configuration for plugin ${c.name}`);
      seen.add(c.name);
      if (c.args !== undefined && c.args !== null && !isObj(c.args)) fail(`${f}.args`, 'must be an object');
      return { name: c.name, args: (c.args ?? undefined) as Obj | undefined };
    });
  }
  return {
    schedulerName,
    plugins: parsePlugins(v.plugins, `${field}.plugins`),
    pluginConfig,
    percentageOfNodesToScore: intIn(v.percentageOfNodesToScore, `${field}.percentageOfNodesToScore`, 0, 100),
  };
}

/** Checks a parsed document and returns the configuration it describes. */
export function parseSchedulerConfiguration(doc: unknown): SchedulerConfiguration {
  if (!isObj(doc)) fail('(root)', 'must be a KubeSchedulerConfiguration object');
  if (doc.apiVersion !== 'kubescheduler.config.k8s.io/v1') fail('apiVersion', `must be kubescheduler.config.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== 'KubeSchedulerConfiguration') fail('kind', `must be KubeSchedulerConfiguration, got ${JSON.stringify(doc.kind)}`);
  for (const k of Object.keys(doc)) {
    if (!['apiVersion', 'kind', 'profiles', 'percentageOfNodesToScore', 'podInitialBackoffSeconds', 'podMaxBackoffSeconds'].includes(k) && !IGNORED_FIELDS.has(k)) fail(k, 'unknown field');
  }
  let profiles = defaultConfiguration().profiles;
  if (doc.profiles !== undefined && doc.profiles !== null) {
    if (!Array.isArray(doc.profiles)) fail('profiles', 'must be a list');
    if (doc.profiles.length > 0) profiles = doc.profiles.map((p, i) => parseProfile(p, `profiles[${i}]`));
  }
  const names = new Set<string>();
  profiles.forEach((p, i) => {
    if (names.has(p.schedulerName)) fail(`profiles[${i}].schedulerName`, `duplicate profile ${JSON.stringify(p.schedulerName)}`);
    names.add(p.schedulerName);
  });
  const initial = intIn(doc.podInitialBackoffSeconds, 'podInitialBackoffSeconds', 1, 3600);
  const max = intIn(doc.podMaxBackoffSeconds, 'podMaxBackoffSeconds', 1, 3600);
  if ((max ?? 10) < (initial ?? 1)) fail('podMaxBackoffSeconds', 'must be at least podInitialBackoffSeconds');
  return {
    profiles,
    percentageOfNodesToScore: intIn(doc.percentageOfNodesToScore, 'percentageOfNodesToScore', 0, 100),
    podInitialBackoffSeconds: initial,
    podMaxBackoffSeconds: max,
  };
}

/**
 * Checks that every plugin a profile names is one `known` has (or the core's own), with the
 * field that names it in the error.
 */
export function checkPluginNames(config: SchedulerConfiguration, known: (name: string) => boolean): void {
  config.profiles.forEach((profile, i) => {
    for (const point of EXTENSION_POINTS) {
      const set = profile.plugins?.[point];
      for (const list of ['enabled', 'disabled'] as const) {
        (set?.[list] ?? []).forEach((ref, j) => {
          if (ref.name === '*' && list === 'disabled') return;
          if (!known(ref.name) && !BUILT_IN_PLUGINS.has(ref.name)) fail(`profiles[${i}].plugins.${point}.${list}[${j}].name`, `plugin ${JSON.stringify(ref.name)} does not exist`);
        });
      }
    }
    (profile.pluginConfig ?? []).forEach((c, j) => {
      if (!known(c.name) && !BUILT_IN_PLUGINS.has(c.name)) fail(`profiles[${i}].pluginConfig[${j}].name`, `plugin ${JSON.stringify(c.name)} does not exist`);
    });
  });
}

/** Reads and parses a configuration file; every failure is a SchedulerConfigError naming the file. */
export async function readSchedulerConfiguration(path: string): Promise<SchedulerConfiguration> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SchedulerConfigError(`scheduler config ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SchedulerConfigError(`scheduler config ${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return parseSchedulerConfiguration(doc);
  } catch (err) {
    if (err instanceof SchedulerConfigError) throw new SchedulerConfigError(`scheduler config ${path}: ${err.message}`);
    throw err;
  }
}
