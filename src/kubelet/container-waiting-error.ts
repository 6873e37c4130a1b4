/**
 * Why a container could not be started this time: the waiting reason its status shows
 * (ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull,
 * CreateContainerConfigError, CreateContainerError, RunContainerError) and, when retrying
 * later may help, when to try again.
 */
export class ContainerWaitingError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'ContainerWaitingError';
    this.retryAfterMs = options?.retryAfterMs;
  }

  readonly retryAfterMs?: number;
}
