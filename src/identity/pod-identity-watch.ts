// --watch-container-credentials-config: reload the EKS Pod Identity file when
// it changes. An empty file clears the identities; a malformed one is logged
// and the previous identities are kept (a half-written file must not drop them).

import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { describeFsError } from '../io/documents.js';
import { watchFiles, type FileWatch } from '../util/watch-files.js';
import { parsePodIdentityText, type PodIdentitySet } from './pod-identity-file.js';
import type { SourceEvent } from './running.js';

export function watchPodIdentityFile(
  path: string,
  set: PodIdentitySet,
  logger: Logger,
  onEvent?: (e: SourceEvent) => void,
): FileWatch {
  let last = '';
  const reload = async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const reason = describeFsError(err);
      logger.warn({ file: path, reason }, 'cannot read EKS Pod Identity file; keeping the previous identities');
      onEvent?.({ type: 'reload-failed', what: path, reason });
      return;
    }
    if (text === last) return;
    const parsed = parsePodIdentityText(text);
    if (!parsed.ok) {
      logger.warn({ file: path, reason: parsed.error }, 'EKS Pod Identity file is malformed; keeping the previous identities');
      onEvent?.({ type: 'reload-failed', what: path, reason: parsed.error });
      return;
    }
    last = text;
    set.replace(parsed.value);
    logger.info({ file: path, identities: parsed.value.size }, 'EKS Pod Identity file reloaded');
    onEvent?.({ type: 'reloaded', what: path });
  };
  return watchFiles([path], () => void reload());
}
