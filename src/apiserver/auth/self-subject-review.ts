/**
 * The authentication.k8s.io/v1 SelfSubjectReview answer: the server telling a client who it
 * thinks the client is (`kubectl auth whoami`). Nothing is stored; the review is the request's
 * own user echoed back.
 */
import { formatTime } from '../../api/time.ts';
import type { UserInfo } from './authenticate.ts';

/**
 * The response body for POST /apis/authentication.k8s.io/v1/selfsubjectreviews (sent with
 * 201 Created, as upstream does).
 * @param now the review's creationTimestamp (default: the current time)
 */
export function selfSubjectReview(user: UserInfo, now = new Date()): object {
  const userInfo: UserInfo = { username: user.username, groups: [...user.groups] };
  if (user.uid) userInfo.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length > 0) userInfo.extra = structuredClone(user.extra);
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: formatTime(now) },
    status: { userInfo },
  };
}
