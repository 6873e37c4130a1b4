/**
 * Pod volumes on a node: set up (emptyDir, hostPath, configMap, secret, downwardAPI,
 * projected), refreshed, torn down, and turned into a container's mounts.
 */
export { containerMounts, type ContainerMountOptions } from './container-mounts.ts';
export { VolumeSetupError } from './errors.ts';
export { type TokenIssuer } from './payloads.ts';
export { refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes, volumeDir, type PodVolume, type PodVolumeOptions } from './pod-volumes.ts';
