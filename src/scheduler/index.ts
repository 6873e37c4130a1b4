/**
 * The scheduler: assigns pending pods to nodes. A queue orders the pods, a framework runs the
 * profile's plugins (filter, score, preempt, bind) against a snapshot of the scheduler cache,
 * and bindings go through the pods/binding subresource. `startScheduler` runs it
 * leader-elected; `skiff scheduler` and `skiff server` call it.
 */
export { checkSchedulerConfiguration, loadSchedulerConfiguration, startScheduler, type RunningScheduler, type SchedulerOptions } from './scheduler.ts';
export {
  DEFAULT_SCHEDULER_NAME,
  defaultConfiguration,
  parseSchedulerConfiguration,
  SchedulerConfigError,
  type SchedulerConfiguration,
  type SchedulerProfile,
} from './config.ts';
export type { Registry } from './framework/framework.ts';
