// --help text and the README's flag table, both rendered from src/cli/flags.ts.

import { COMMANDS, FLAGS, GROUP_TITLES, flagsFor, type Command, type FlagGroup, type FlagSpec } from './flags.js';

export function renderDefault(f: FlagSpec): string {
  if (f.type === 'stringArray') return '';
  if (f.type === 'string') return f.default === '' ? '' : `"${String(f.default)}"`;
  return String(f.default);
}

function flagUsage(f: FlagSpec): string {
  const short = f.short && f.short !== f.name ? `-${f.short}, ` : '';
  const value = f.type === 'bool' ? '' : ` ${f.metavar ?? (f.type === 'duration' ? 'DURATION' : f.type === 'int' ? 'INT' : 'STRING')}`;
  return `${short}--${f.name}${value}`;
}

export function renderTopHelp(): string {
  const lines = [
    'pod-identity-webhook: IAM roles for Kubernetes pods (IRSA and EKS Pod Identity), a drop-in for the EKS Pod Identity Webhook.',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(48)} ${c.summary}`),
    '  pod-identity-webhook --version',
    '',
    'Run "pod-identity-webhook COMMAND --help" for the flags of a command.',
  ];
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(command: Command): string {
  const spec = COMMANDS.find((c) => c.name === command);
  const lines = [`Usage: ${spec?.usage ?? command}`, '', spec?.summary ?? '', ''];
  const flags = flagsFor(command).filter((f) => f.group !== 'compat');
  for (const group of Object.keys(GROUP_TITLES) as FlagGroup[]) {
    const inGroup = flags.filter((f) => f.group === group);
    if (inGroup.length === 0) continue;
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const f of inGroup) {
      const def = renderDefault(f);
      lines.push(`  ${flagUsage(f)}`);
      lines.push(`      ${f.help}${def ? ` (default ${def})` : ''}`);
    }
    lines.push('');
  }
  const compat = flagsFor(command).filter((f) => f.group === 'compat').map((f) => `--${f.name}`);
  if (compat.length > 0) lines.push(`Accepted for upstream compatibility, no effect: ${compat.join(', ')}`, '');
  return `${lines.join('\n')}`;
}

/** Markdown table for the README (scripts/generate-readme-flags.js; a test keeps it in sync). */
export function renderFlagTable(): string {
  const rows = ['| Flag | Default | Commands | Description |', '| --- | --- | --- | --- |'];
  for (const f of FLAGS) {
    if (f.group === 'compat' && f.help === 'klog flag.') continue;
    const def = renderDefault(f);
    const cmds = f.commands.length === 3 ? 'all' : f.commands.join(', ');
    const note = [f.since === 'new' ? '**New.**' : '', f.ignored ? `Accepted, no effect: ${f.ignored}.` : '']
      .filter(Boolean).join(' ');
    const name = f.short && f.short !== f.name ? `\`-${f.short}\`, \`--${f.name}\`` : `\`--${f.name}\``;
    rows.push(`| ${name} | ${def ? `\`${def.replace(/"/g, '')}\`` : ''} | ${cmds} | ${f.help.replace(/\|/g, '\\|')}${note ? ` ${note}` : ''} |`);
  }
  const klog = FLAGS.filter((f) => f.help === 'klog flag.').map((f) => `\`--${f.name}\``).join(', ');
  rows.push('', `Upstream's klog flags are accepted and have no effect (logs are pino JSON on stdout): ${klog}.`);
  return rows.join('\n');
}
