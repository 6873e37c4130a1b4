/**
 * Tables of the controllers that own pods: Deployment, ReplicaSet, ReplicationController,
 * DaemonSet, StatefulSet. Counts come from the status the controllers write; the wide columns
 * show the pod template's containers and images and the selector.
 */
import { AGE, CONTAINERS, IMAGES, NAME, SELECTOR } from './columns.ts';
import { age, containerCells, formatLabels, formatLabelSelector } from './format.ts';
import { column, type TablePrinter } from './types.ts';

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Replicas default to 1 when the spec leaves them out (defaulting does the same). */
const desired = (obj: any): number => (typeof obj?.spec?.replicas === 'number' ? obj.spec.replicas : 1);

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Ready', 'string', 'Ready pods out of desired pods.'),
    column('Up-to-date', 'string', 'Pods running the latest pod template.'),
    column('Available', 'string', 'Pods available to serve.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(d, now) {
    const [names, images] = containerCells(d?.spec?.template?.spec);
    return [
      d?.metadata?.name ?? '',
      `${n(d?.status?.readyReplicas)}/${desired(d)}`,
      n(d?.status?.updatedReplicas),
      n(d?.status?.availableReplicas),
      age(d, now),
      names,
      images,
      formatLabelSelector(d?.spec?.selector),
    ];
  },
};

const replicaColumns = [
  NAME,
  column('Desired', 'integer', 'Number of pods wanted.'),
  column('Current', 'integer', 'Number of pods that exist.'),
  column('Ready', 'integer', 'Number of pods ready.'),
  AGE,
  CONTAINERS,
  IMAGES,
  SELECTOR,
];

export const replicaSetPrinter: TablePrinter = {
  columns: replicaColumns,
  cells(rs, now) {
    const [names, images] = containerCells(rs?.spec?.template?.spec);
    return [
      rs?.metadata?.name ?? '',
      desired(rs),
      n(rs?.status?.replicas),
      n(rs?.status?.readyReplicas),
      age(rs, now),
      names,
      images,
      formatLabelSelector(rs?.spec?.selector),
    ];
  },
};

/** Same columns as ReplicaSet; a ReplicationController's selector is a plain label map. */
export const replicationControllerPrinter: TablePrinter = {
  columns: replicaColumns,
  cells(rc, now) {
    const [names, images] = containerCells(rc?.spec?.template?.spec);
    return [
      rc?.metadata?.name ?? '',
      desired(rc),
      n(rc?.status?.replicas),
      n(rc?.status?.readyReplicas),
      age(rc, now),
      names,
      images,
      formatLabels(rc?.spec?.selector),
    ];
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Nodes running at least one daemon pod.'),
    column('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Nodes running the latest daemon pod template.'),
    column('Available', 'integer', 'Nodes whose daemon pod is available.'),
    column('Node Selector', 'string', 'Labels a node must have to run the daemon pod.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(ds, now) {
    const s = ds?.status ?? {};
    const [names, images] = containerCells(ds?.spec?.template?.spec);
    return [
      ds?.metadata?.name ?? '',
      n(s.desiredNumberScheduled),
      n(s.currentNumberScheduled),
      n(s.numberReady),
      n(s.updatedNumberScheduled),
      n(s.numberAvailable),
      formatLabels(ds?.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      names,
      images,
      formatLabelSelector(ds?.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [NAME, column('Ready', 'string', 'Ready pods out of desired pods.'), AGE, CONTAINERS, IMAGES],
  cells(sts, now) {
    const [names, images] = containerCells(sts?.spec?.template?.spec);
    return [sts?.metadata?.name ?? '', `${n(sts?.status?.readyReplicas)}/${desired(sts)}`, age(sts, now), names, images];
  },
};
