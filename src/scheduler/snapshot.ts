/**
 * The cluster as one scheduling cycle sees it: a copy of the cache's NodeInfos that stays put
 * while the cycle runs. The cache refreshes it incrementally (only nodes whose generation is
 * newer than the snapshot's), overwriting NodeInfos in place so the node list is rebuilt only
 * when nodes come or go.
 */
import type { SharedLister } from './framework/interface.ts';
import type { MutableNodeInfo } from './framework/node-info.ts';

export class Snapshot implements SharedLister {
  readonly nodeInfoMap = new Map<string, MutableNodeInfo>();
  nodeInfoList: MutableNodeInfo[] = [];
  podsWithAffinityList: MutableNodeInfo[] = [];
  podsWithRequiredAntiAffinityList: MutableNodeInfo[] = [];
  /** The newest cache generation copied in. */
  generation = 0;
  /** The cache's node-set version the list was built from. */
  nodeSetVersion = -1;

  list(): MutableNodeInfo[] {
    return this.nodeInfoList;
  }

  get(nodeName: string): MutableNodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinity(): MutableNodeInfo[] {
    return this.podsWithAffinityList;
  }

  havePodsWithRequiredAntiAffinity(): MutableNodeInfo[] {
    return this.podsWithRequiredAntiAffinityList;
  }

  /** Rebuilds the affinity lists from the node list. */
  refreshAffinityLists(): void {
    this.podsWithAffinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.podsWithRequiredAntiAffinityList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }
}
