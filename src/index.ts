/**
 * Skiff as a library: start a control plane in-process (for an operator's test suite, say)
 * and get its kubeconfig back.
 */
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
export {
  defaultConfiguration,
  loadSchedulerConfiguration,
  parseSchedulerConfiguration,
  SchedulerConfigError,
  startScheduler,
  type RunningScheduler,
  type SchedulerConfiguration,
  type SchedulerOptions,
} from './scheduler/index.ts';
