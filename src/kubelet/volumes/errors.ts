/** Why a pod's volume could not be set up: the kubelet records it as a FailedMount event. */
export class VolumeSetupError extends Error {
  constructor(
    readonly volumeName: string,
    /** The cause in upstream's words, e.g. `configmap "app-config" not found`. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`MountVolume.SetUp failed for volume "${volumeName}" : ${detail}`, options);
    this.name = 'VolumeSetupError';
  }
}

/** A reason that belongs to one volume, before the volume's name is attached. */
export class VolumeSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeSourceError';
  }
}
