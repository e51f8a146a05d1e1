// --watch-config-map: the pod-identity-webhook ConfigMap in --namespace, watched
// by name. Every update replaces the whole entry map (removed keys disappear); a
// deleted ConfigMap clears it; a data.config that does not parse is reported and
// the previous entries are kept, so a bad edit cannot strip roles from new pods.

import type { Logger } from 'pino';
import { errors as E } from '../errors.js';
import { isObject } from '../util/json.js';
import { CONFIG_MAP_NAME, parseConfigMapData, type ConfigMapCache } from './config-map.js';
import type { SourceEvent } from './source.js';
import type { WatchEventType, WatchTarget } from '../kubernetes/list-watch.js';

export function configMapTarget(
  cache: ConfigMapCache,
  namespace: string,
  logger: Logger,
  onEvent?: (e: SourceEvent) => void,
): WatchTarget {
  const where = `ConfigMap ${namespace}/${CONFIG_MAP_NAME}`;
  let found = false;
  let lastText: string | undefined;
  const apply = (obj: unknown) => {
    if (!isObject(obj) || !isObject(obj.metadata) || obj.metadata.name !== CONFIG_MAP_NAME) return false;
    const data = isObject(obj.data) ? obj.data : {};
    const text = typeof data.config === 'string' ? data.config : undefined;
    if (text === lastText && text !== undefined) return true;
    const parsed = parseConfigMapData(text);
    if (!parsed.ok) {
      const problem = E.configMapBad(where, parsed.error);
      logger.warn({ code: problem.code }, `${problem.message}; keeping the previous entries`);
      onEvent?.({ type: 'reload-failed', what: where, reason: parsed.error });
      return true;
    }
    lastText = text;
    cache.replace(parsed.value);
    logger.debug({ configMap: where, entries: parsed.value.size }, 'ConfigMap loaded');
    onEvent?.({ type: 'reloaded', what: where });
    return true;
  };
  const clear = () => {
    lastText = undefined;
    if (cache.size > 0) logger.info({ configMap: where }, 'ConfigMap gone; its entries are cleared');
    cache.replace(new Map());
  };
  return {
    beginList() {
      found = false;
    },
    listItems(items) {
      for (const item of items) if (apply(item)) found = true;
    },
    endList() {
      if (!found) clear();
    },
    event(type: WatchEventType, object: unknown) {
      if (type === 'DELETED') clear();
      else apply(object);
    },
  };
}
