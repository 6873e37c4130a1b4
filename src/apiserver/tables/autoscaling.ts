/** Tables of HorizontalPodAutoscalers, at either version. */
import { AGE, NAME } from './columns.ts';
import { age } from './format.ts';
import { column, type TablePrinter } from './types.ts';

function current(value: unknown): string {
  return value === undefined || value === null ? '<unknown>' : String(value);
}

/** `cpu: 40%/80%` for each metric, as upstream prints targets (v1 has only the CPU one). */
function targets(hpa: any): string {
  const spec = hpa?.spec ?? {};
  if (hpa?.apiVersion === 'autoscaling/v1') {
    if (spec.targetCPUUtilizationPercentage === undefined) return '<none>';
    return `cpu: ${current(hpa?.status?.currentCPUUtilizationPercentage)}${hpa?.status?.currentCPUUtilizationPercentage === undefined ? '' : '%'}/${spec.targetCPUUtilizationPercentage}%`;
  }
  const metrics: any[] = spec.metrics ?? [];
  if (metrics.length === 0) return '<none>';
  return metrics
    .map((m) => {
      if (m?.type === 'Resource' && m.resource) {
        const t = m.resource.target ?? {};
        const now = (hpa?.status?.currentMetrics ?? []).find((c: any) => c?.type === 'Resource' && c.resource?.name === m.resource.name)?.resource?.current;
        if (t.type === 'Utilization') return `${m.resource.name}: ${now?.averageUtilization === undefined ? '<unknown>' : `${now.averageUtilization}%`}/${t.averageUtilization}%`;
        return `${m.resource.name}: ${current(now?.averageValue ?? now?.value)}/${t.averageValue ?? t.value}`;
      }
      return `<${String(m?.type ?? 'unknown').toLowerCase()} metric>`;
    })
    .join(', ');
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Reference', 'string', 'The object being scaled.'),
    column('Targets', 'string', 'Current and target value of each metric.'),
    column('MinPods', 'string', 'Lower bound of replicas.'),
    column('MaxPods', 'integer', 'Upper bound of replicas.'),
    column('Replicas', 'integer', 'Current replicas.'),
    AGE,
  ],
  cells(hpa, now) {
    const ref = hpa?.spec?.scaleTargetRef ?? {};
    return [
      hpa?.metadata?.name ?? '',
      `${ref.kind ?? ''}/${ref.name ?? ''}`,
      targets(hpa),
      String(hpa?.spec?.minReplicas ?? '<unset>'),
      hpa?.spec?.maxReplicas ?? 0,
      hpa?.status?.currentReplicas ?? 0,
      age(hpa, now),
    ];
  },
};
