/**
 * HorizontalPodAutoscaler defaults: at least one replica; a v2 object without metrics targets
 * 80% average CPU utilization, as upstream.
 */
import { child, setDefault } from './set.ts';

const DEFAULT_CPU_UTILIZATION = 80;

export function defaultHorizontalPodAutoscaler(hpa: any): void {
  const spec = child(hpa, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (hpa.apiVersion === 'autoscaling/v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
}
