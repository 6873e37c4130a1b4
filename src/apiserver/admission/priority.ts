/**
 * Upstream's Priority admission for new pods: spec.priorityClassName is resolved to the
 * PriorityClass's value (and its preemptionPolicy) and written to spec.priority; a pod naming
 * no class gets the globalDefault class (the lowest-valued one if several claim it), or
 * priority 0 when none does. A class that does not exist, or a pod that states a priority or
 * policy other than its class's, is refused with 403 Forbidden. The two system classes resolve
 * to their fixed values even when no object for them is stored.
 */
import { SYSTEM_PRIORITY_CLASSES } from '../../api/validation/priorityclass.ts';
import { forbidden } from '../errors.ts';

/** The PriorityClass fields admission reads. */
export interface PriorityClassLike {
  metadata?: { name?: string };
  value: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

/** Where admission finds PriorityClasses (the registry's store). */
export interface PriorityClassSource {
  get(name: string): Promise<PriorityClassLike | undefined>;
  list(): Promise<PriorityClassLike[]>;
}

async function resolve(name: string, classes: PriorityClassSource): Promise<PriorityClassLike | undefined> {
  const stored = await classes.get(name);
  if (stored) return stored;
  const system = SYSTEM_PRIORITY_CLASSES[name];
  return system === undefined ? undefined : { metadata: { name }, value: system, preemptionPolicy: 'PreemptLowerPriority' };
}

/** The globalDefault class with the lowest value, if any class is one. */
async function globalDefault(classes: PriorityClassSource): Promise<PriorityClassLike | undefined> {
  let chosen: PriorityClassLike | undefined;
  for (const pc of await classes.list()) if (pc.globalDefault && (!chosen || pc.value < chosen.value)) chosen = pc;
  return chosen;
}

/**
 * Fills in `pod.spec.priority`, `priorityClassName` (from the global default) and
 * `preemptionPolicy` on create (mutates `pod`). Runs before defaulting, so what the pod
 * states is what the user sent.
 * @throws {StatusError} 403 Forbidden, worded as upstream.
 */
export async function admitPodPriority(pod: any, classes: PriorityClassSource): Promise<void> {
  const spec = pod?.spec;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return;
  const refuse = (why: string) => forbidden(`pods "${pod.metadata?.name ?? ''}" is forbidden: ${why}`, { group: '', resource: 'pods', name: pod.metadata?.name ?? '' });
  let pc: PriorityClassLike | undefined;
  if (spec.priorityClassName) {
    pc = await resolve(String(spec.priorityClassName), classes);
    if (!pc) throw refuse(`no PriorityClass with name ${spec.priorityClassName} was found`);
  } else {
    pc = await globalDefault(classes);
    if (pc) spec.priorityClassName = pc.metadata?.name;
  }
  const priority = pc?.value ?? 0;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw refuse(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  const policy = pc?.preemptionPolicy;
  if (!policy) return;
  if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
    throw refuse(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  spec.preemptionPolicy = policy;
}
