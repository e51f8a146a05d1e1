// The webhook configuration's objectSelector, as the API server applies it:
// a pod whose labels it excludes is never sent to the webhook, so `mutate`
// must leave its template alone too. The webhook itself never sees such pods
// and has no rule for them; this is the API server's side, mirrored for the
// offline command. The selector is the one in
// deploy/base/mutating-webhook-configuration.yaml (a test keeps them equal).

import { isObject } from '../util/json.js';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** The opt-out label upstream documents. Not under --annotation-prefix: the selector names it literally. */
export const SKIP_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook';

export const WEBHOOK_OBJECT_SELECTOR: LabelSelector = {
  matchExpressions: [
    { key: SKIP_LABEL, operator: 'DoesNotExist' },
    // The webhook's own pods: with failurePolicy Fail it must still start when no replica runs.
    { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['pod-identity-webhook'] },
  ],
};

/**
 * Why `selector` keeps the API server from calling the webhook for a pod with
 * these labels, or undefined when it matches (the webhook is called).
 */
export function excludedBy(labels: unknown, selector: LabelSelector = WEBHOOK_OBJECT_SELECTOR): string | undefined {
  const have = (key: string): string | undefined => {
    if (!isObject(labels)) return undefined;
    const v = labels[key];
    return v === undefined || v === null ? undefined : String(v);
  };
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have(key) !== value) return `it is not labelled ${key}=${value}`;
  }
  for (const r of selector.matchExpressions ?? []) {
    const v = have(r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'Exists':
        if (v === undefined) return `it has no label ${r.key}`;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return `it is labelled ${r.key}${v === '' ? '' : `=${v}`}`;
        break;
      case 'In':
        if (v === undefined || !values.includes(v)) return `its label ${r.key} is not ${values.join(' or ')}`;
        break;
      case 'NotIn':
        if (v !== undefined && values.includes(v)) return `it is labelled ${r.key}=${v}`;
        break;
    }
  }
  return undefined;
}
