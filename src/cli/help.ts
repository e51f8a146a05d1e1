// --help text and the README's flag table, both rendered from src/cli/flags.ts.

import {
  COMMANDS, EXIT_CODES, FLAGS, GROUP_TITLES, WEBHOOK_COMMANDS, commandGroup, flagsFor,
  type Command, type FlagGroup, type FlagSpec,
} from './flags.js';

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

function exitCodeLines(note?: string): string[] {
  return ['Exit codes:', ...EXIT_CODES.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`), ...(note ? [`  ${note}`] : []), ''];
}

export function renderTopHelp(): string {
  const webhook = COMMANDS.filter((c) => (WEBHOOK_COMMANDS as readonly string[]).includes(c.name));
  const setup = COMMANDS.filter((c) => !(WEBHOOK_COMMANDS as readonly string[]).includes(c.name));
  const usage = (c: (typeof COMMANDS)[number]) => `  ${c.usage.padEnd(48)} ${c.summary}`;
  const lines = [
    'pod-identity-webhook: IAM roles for Kubernetes pods (IRSA and EKS Pod Identity), a drop-in for the EKS Pod Identity Webhook.',
    '',
    'Usage:',
    ...webhook.map(usage),
    '  pod-identity-webhook --version',
    '  (a command line that starts with a flag runs serve, as upstream\'s /webhook does)',
    '',
    ...(setup.length > 0 ? ['Setting up IRSA on a self-managed cluster:', ...setup.map(usage), ''] : []),
    'Run "pod-identity-webhook COMMAND --help" for the flags of a command.',
    '',
    ...exitCodeLines(),
  ];
  return `${lines.join('\n')}`;
}

/** `pod-identity-webhook oidc` alone: its subcommands. */
export function renderGroupHelp(word: string): string {
  const lines = [`Usage: pod-identity-webhook ${word} SUBCOMMAND [flags]`, '', 'Subcommands:',
    ...commandGroup(word).map((c) => `  ${c.usage.padEnd(48)} ${c.summary}`), '',
    `Run "pod-identity-webhook ${word} SUBCOMMAND --help" for its flags.`, ''];
  return lines.join('\n');
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
  lines.push(...exitCodeLines(spec?.exitNote));
  return `${lines.join('\n')}`;
}

/** Markdown table for the README (scripts/generate-readme-flags.js; a test keeps it in sync). */
export function renderFlagTable(): string {
  const rows = ['| Flag | Default | Commands | Description |', '| --- | --- | --- | --- |'];
  for (const f of FLAGS) {
    if (f.group === 'compat' && f.help === 'klog flag.') continue;
    const def = renderDefault(f);
    const cmds = sameCommands(f.commands, WEBHOOK_COMMANDS) ? 'all'
      : sameCommands(f.commands, COMMANDS.map((c) => c.name)) ? 'every command' : f.commands.join(', ');
    const note = [f.since === 'new' ? '**New.**' : '', f.ignored ? `Accepted, no effect: ${f.ignored}.` : '']
      .filter(Boolean).join(' ');
    const name = f.short && f.short !== f.name ? `\`-${f.short}\`, \`--${f.name}\`` : `\`--${f.name}\``;
    rows.push(`| ${name} | ${def ? `\`${def.replace(/"/g, '')}\`` : ''} | ${cmds} | ${f.help.replace(/\|/g, '\\|')}${note ? ` ${note}` : ''} |`);
  }
  const klog = FLAGS.filter((f) => f.help === 'klog flag.').map((f) => `\`--${f.name}\``).join(', ');
  rows.push('', `Upstream's klog flags are accepted and have no effect (logs are pino JSON on stdout): ${klog}.`);
  return rows.join('\n');
}

function sameCommands(a: readonly Command[], b: readonly Command[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** The exit-code table for the README (kept in sync by the same test as the flag table). */
export function renderExitCodeTable(): string {
  const notes = COMMANDS.filter((c) => c.exitNote).map((c) => `- \`${c.name}\`: ${c.exitNote}.`);
  return ['| Exit code | Meaning |', '| --- | --- |', ...EXIT_CODES.map(([code, meaning]) => `| ${code} | ${meaning} |`), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
