// Go-compatible parsing of durations, booleans, integers and pflag-style arguments.

import t from 'tap';
import { parseArgs } from '../../src/cli/parse-args.js';
import { parseGoBool } from '../../src/util/go-bool.js';
import { formatGoDuration, parseGoDuration } from '../../src/util/go-duration.js';
import { parseGoInt } from '../../src/util/go-int.js';
import { partitionForRegion } from '../../src/aws/partition.js';
import { parseConfigMapData } from '../../src/identity/config-map.js';
import { parsePodIdentityText } from '../../src/identity/pod-identity-file.js';
import { parseDocuments } from '../../src/io/documents.js';

t.test('Go durations', (tt) => {
  const ok: Array<[string, number]> = [['0', 0], ['100ms', 100], ['2s', 2000], ['1m30s', 90000], ['1h', 3600000], ['1.5s', 1500], ['500us', 0.5], ['+3s', 3000], ['1h2m3s4ms', 3723004]];
  for (const [s, ms] of ok) tt.equal(parseGoDuration(s), ms, s);
  for (const s of ['', '10', 's', '1x', '1s ', '--1s', '1 s']) tt.equal(parseGoDuration(s), undefined, JSON.stringify(s));
  const fmt: Array<[number, string]> = [[0, '0s'], [100, '100ms'], [2000, '2s'], [90000, '1m30s'], [3600000, '1h0m0s'], [1500, '1.5s']];
  for (const [ms, s] of fmt) tt.equal(formatGoDuration(ms), s, s);
  tt.end();
});

t.test('strconv.ParseBool and ParseInt', (tt) => {
  tt.equal(parseGoBool('True'), true);
  tt.equal(parseGoBool('0'), false);
  tt.equal(parseGoBool('yes'), undefined);
  tt.equal(parseGoBool(' true'), undefined);
  tt.equal(parseGoInt('3600'), 3600);
  tt.equal(parseGoInt('+600'), 600);
  tt.equal(parseGoInt('-1'), -1);
  tt.equal(parseGoInt('9007199254740993'), 9007199254740992, 'beyond 2^53 but within int64: rounded, still an integer');
  tt.ok(Object.is(parseGoInt('-0'), 0), '"-0" is 0, not -0');
  tt.equal(parseGoInt('999999999999999'), 999999999999999, '15 digits (the exact fast path)');
  tt.equal(parseGoInt('-0000000000000001234'), -1234, 'leading zeros past 15 characters');
  tt.equal(parseGoInt('9223372036854775807'), 9223372036854775807, 'int64 max');
  tt.equal(parseGoInt('9223372036854775808'), undefined, 'int64 max + 1');
  for (const s of ['1e3', '3600s', ' 1', '1.5', '', '99999999999999999999']) tt.equal(parseGoInt(s), undefined, s);
  tt.end();
});

t.test('partitions from regions', (tt) => {
  const rows: Array<[string, string]> = [['us-west-2', 'aws'], ['cn-north-1', 'aws-cn'], ['us-gov-west-1', 'aws-us-gov'], ['us-iso-east-1', 'aws-iso'], ['us-isob-east-1', 'aws-iso-b'], ['eusc-de-east-1', 'aws-eusc'], ['', 'aws']];
  for (const [r, p] of rows) tt.equal(partitionForRegion(r), p, r);
  tt.end();
});

t.test('pflag-style arguments', (tt) => {
  const p = parseArgs('replay', ['--token-expiration=3600', '--aws-default-region', 'eu-west-1', '--sts-regional-endpoint', '--watch-config-map=false', '-v=4', '--logtostderr', '--alsologtostderr=true', '--log-dir=/tmp', 'a.json', '--', '--not-a-flag']);
  tt.ok(p.ok);
  if (p.ok) {
    tt.equal(p.value.values['token-expiration'], 3600);
    tt.equal(p.value.values['aws-default-region'], 'eu-west-1');
    tt.equal(p.value.values['sts-regional-endpoint'], true);
    tt.equal(p.value.values['watch-config-map'], false);
    tt.equal(p.value.values.v, 4);
    tt.same(p.value.positionals, ['a.json', '--not-a-flag']);
  }
  const m = parseArgs('mutate', ['-f', 'a.yaml', '-fb.yaml', '--file=c.yaml', '--service-accounts', 's1', '--service-accounts=s2']);
  tt.ok(m.ok && String(m.value.values.file) === 'a.yaml,b.yaml,c.yaml' && String(m.value.values['service-accounts']) === 's1,s2');
  const s = parseArgs('serve', ['--resync-period=1m30s', '-port=8443', '--shutdown-grace', '500ms']);
  tt.ok(s.ok && s.value.values['resync-period'] === 90000 && s.value.values.port === 8443 && s.value.values['shutdown-grace'] === 500);
  const bad: Array<[string[], string]> = [
    [['--nope'], 'E_UNKNOWN_FLAG'], [['--port=1'], 'E_UNKNOWN_FLAG'], [['--token-expiration=soon'], 'E_FLAG_BAD_VALUE'],
    [['--token-expiration'], 'E_FLAG_NEEDS_VALUE'], [['--sts-regional-endpoint=maybe'], 'E_FLAG_BAD_VALUE'],
  ];
  for (const [argv, code] of bad) {
    const r = parseArgs('replay', argv);
    tt.equal(r.ok ? 'ok' : r.error.code, code, argv.join(' '));
  }
  const d = parseArgs('serve', ['--resync-period=60']);
  tt.equal(d.ok ? 'ok' : d.error.code, 'E_FLAG_BAD_VALUE', 'a bare number is not a Go duration');
  tt.end();
});

t.test('ConfigMap data.config', (tt) => {
  const good = parseConfigMapData('{"ns/sa": {"RoleARN": "arn:aws:iam::111122223333:role/a", "UseRegionalSTS": true, "TokenExpiration": 3600}, "*/b": {"RoleARN": "r"}}');
  tt.ok(good.ok && good.value.size === 2);
  tt.ok(parseConfigMapData('').ok, 'empty config is an empty map');
  const chained = parseConfigMapData('{"ns/sa": {"RoleARN": "a", "TargetRoleARN": "b", "TargetRoleExternalID": "c", "RoleSessionName": "d"}}');
  tt.same(chained.ok && chained.value.get('ns/sa'), { RoleARN: 'a', TargetRoleARN: 'b', TargetRoleExternalID: 'c', RoleSessionName: 'd' }, 'the cross-account fields are kept');
  for (const field of ['TargetRoleARN', 'TargetRoleExternalID', 'RoleSessionName']) {
    const bad = parseConfigMapData(`{"ns/sa": {"RoleARN": "a", "${field}": 5}}`);
    tt.same(bad, { ok: false, error: `"ns/sa".${field} is not a string` }, `${field} must be a string`);
  }
  for (const bad of ['{', '[]', '{"nokey": {"RoleARN": "x"}}', '{"a/b": 1}', '{"a/b": {}}', '{"a/b": {"RoleARN": "x", "TokenExpiration": "1h"}}', '{"a/b": {"RoleARN": "x", "UseRegionalSTS": "true"}}']) {
    tt.notOk(parseConfigMapData(bad).ok, bad);
  }
  tt.end();
});

t.test('Pod Identity file', (tt) => {
  const good = parsePodIdentityText('{"identities":[{"namespace":"a","serviceAccount":"b"}]}');
  tt.ok(good.ok && good.value.has('a/b'));
  tt.ok(parsePodIdentityText('').ok, 'empty file clears');
  tt.ok(parsePodIdentityText('{}').ok, 'no identities key: none');
  for (const bad of ['{', '[]', '{"identities": {}}', '{"identities": [{"namespace": "a"}]}', '{"identities": [{"namespace": "", "serviceAccount": "b"}]}']) {
    tt.notOk(parsePodIdentityText(bad).ok, bad);
  }
  tt.end();
});

t.test('documents: JSON, multi-document YAML, errors with positions', (tt) => {
  const json = parseDocuments('{"a": 1}', 'f');
  tt.same(json.ok && json.value, [{ a: 1 }]);
  const yaml = parseDocuments('a: 1\n---\n---\nb: 2\n', 'f');
  tt.same(yaml.ok && yaml.value, [{ a: 1 }, { b: 2 }]);
  const bad = parseDocuments('a: [1,\n', 'f.yaml');
  tt.notOk(bad.ok);
  if (!bad.ok) tt.match(bad.error.message, /^f\.yaml: not valid JSON or YAML: .* at line \d+, column \d+$/);
  tt.end();
});
