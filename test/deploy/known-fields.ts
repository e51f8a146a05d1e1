// The compiled schemas accept unknown fields (Kubernetes objects allow
// them), so a misspelt `readinesProbe` would pass validate() and be dropped
// by the API server without a word. TypeScript's excess-property check on
// object literals, typed with the same package's declarations, catches every
// field name that is not in the API.

import ts from 'typescript';
import { join } from 'node:path';
import type { K8sObject } from '../helpers/kustomize.js';
import { repoPath } from '../helpers/kustomize.js';

function typeImport(apiVersion: string, kind: string): { module: string; type: string } {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (group.endsWith('cert-manager.io')) return { module: `@kubernetes-models/cert-manager/${group}/${version}`, type: `I${kind}` };
  return { module: group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`, type: `I${kind}` };
}

/** One message per object whose field names (at any depth) are not all known to the API. */
export function unknownFieldErrors(objects: readonly K8sObject[]): string[] {
  const lines: string[] = [];
  const imports = new Map<string, string>();
  objects.forEach((o, i) => {
    const { module, type } = typeImport(o.apiVersion, o.kind);
    const alias = `T${imports.size}`;
    const key = `${module}#${type}`;
    if (!imports.has(key)) imports.set(key, alias);
    lines.push(`// object ${i}\nexport const o${i}: ${imports.get(key)} = ${JSON.stringify(o)};`);
  });
  const header = [...imports].map(([key, alias]) => {
    const [module, type] = key.split('#') as [string, string];
    return `import type { ${type} as ${alias} } from '${module}';`;
  });
  const text = [...header, ...lines].join('\n');
  // The virtual file sits in the repository so node_modules resolves as for a test.
  const fileName = join(repoPath('test', 'deploy'), '__manifests__.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => name === fileName ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => name === fileName ? text : readFile(name);
  const program = ts.createProgram([fileName], options, host);
  const source = program.getSourceFile(fileName);
  const diagnostics = ts.getPreEmitDiagnostics(program, source);
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file && d.start !== undefined) {
      const before = text.slice(0, d.start);
      const objectLine = before.lastIndexOf('// object ');
      const index = objectLine >= 0 ? Number(/\/\/ object (\d+)/.exec(before.slice(objectLine))?.[1]) : -1;
      const obj = objects[index];
      const who = obj ? `${obj.kind} ${obj.metadata.name}` : 'header';
      return `${who}: ${message.split('\n')[0]} (near ${text.slice(d.start, d.start + 60)})`;
    }
    return message;
  });
}
