/**
 * autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler. v2 is stored; v1 expresses one
 * target, average CPU utilization, which is one Resource metric of v2. Metrics v1 cannot
 * express are not shown through v1.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KObject = Record<string, any>;

function isCpuUtilization(m: KObject): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';
}

/** A v1 HorizontalPodAutoscaler as v2. */
export function hpaV1ToV2(obj: KObject): KObject {
  const { spec, status, ...rest } = obj;
  const out: KObject = { ...rest, apiVersion: 'autoscaling/v2' };
  if (spec) {
    const { targetCPUUtilizationPercentage, ...common } = spec;
    out.spec = { ...common };
    if (targetCPUUtilizationPercentage !== undefined) {
      out.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }];
    }
  }
  if (status) {
    const { currentCPUUtilizationPercentage, ...common } = status;
    out.status = { ...common };
    if (currentCPUUtilizationPercentage !== undefined) {
      out.status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } }];
    }
  }
  return out;
}

/** A v2 HorizontalPodAutoscaler as v1. */
export function hpaV2ToV1(obj: KObject): KObject {
  const { spec, status, ...rest } = obj;
  const out: KObject = { ...rest, apiVersion: 'autoscaling/v1' };
  if (spec) {
    const { metrics, behavior: _behavior, ...common } = spec;
    out.spec = { ...common };
    const cpu = (metrics ?? []).find(isCpuUtilization);
    if (cpu) out.spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  }
  if (status) {
    const { currentMetrics, conditions: _conditions, ...common } = status;
    out.status = { ...common };
    const cpu = (currentMetrics ?? []).find((m: KObject) => m?.type === 'Resource' && m.resource?.name === 'cpu');
    const utilization = cpu?.resource?.current?.averageUtilization;
    if (utilization !== undefined) out.status.currentCPUUtilizationPercentage = utilization;
  }
  return out;
}
