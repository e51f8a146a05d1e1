// AWS partition from a region name, for --compose-role-arn.
const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['us-isob-', 'aws-iso-b'],
  ['us-iso-', 'aws-iso'],
  ['us-gov-', 'aws-us-gov'],
  ['cn-', 'aws-cn'],
  ['eusc-', 'aws-eusc'],
];

export function partitionForRegion(region: string): string {
  for (const [prefix, partition] of PREFIXES) if (region.startsWith(prefix)) return partition;
  return 'aws';
}
