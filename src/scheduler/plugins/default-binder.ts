/**
 * DefaultBinder: binds the pod to the chosen node through the pods/binding subresource. The
 * binding carries the pod's uid, so a pod deleted and recreated under the same name in the
 * meantime is not bound by mistake.
 */
import { status, SUCCESS, type BindPlugin, type PluginFactory } from '../framework/interface.ts';
import { NAMES } from './names.ts';

export const newDefaultBinder: PluginFactory = (_args, handle) => {
  const plugin: BindPlugin = {
    name: NAMES.DefaultBinder,
    async bind(_state, pod, nodeName) {
      const client = handle.client;
      if (!client) return status('Error', 'DefaultBinder: the scheduler gave no API client');
      const { namespace = 'default', name = '', uid } = pod.metadata ?? {};
      try {
        await client.bind(namespace, name, nodeName, uid ? { uid } : {});
        return SUCCESS;
      } catch (err) {
        return status('Error', err instanceof Error ? err.message : String(err));
      }
    },
  };
  return plugin;
};
