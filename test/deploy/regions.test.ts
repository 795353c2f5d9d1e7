import { describe, expect, it } from 'vitest';
import { chooseRegions, projectIdsFor, projectSources } from '../../deploy/regions.ts';

describe('which regions', () => {
  it('--region, then HUAWEICLOUD_REGION, then provider.region', () => {
    expect(chooseRegions('ap-southeast-1,cn-north-4', { HUAWEICLOUD_REGION: 'cn-east-3' }, 'cn-north-1')).toEqual({ regions: ['ap-southeast-1', 'cn-north-4'], from: '--region' });
    expect(chooseRegions(undefined, { HUAWEICLOUD_REGION: 'cn-east-3' }, 'cn-north-1')).toEqual({ regions: ['cn-east-3'], from: 'HUAWEICLOUD_REGION' });
    expect(chooseRegions('', {}, 'cn-north-1')).toEqual({ regions: ['cn-north-1'], from: 'provider.region' });
  });

  it('refuses a malformed region, a repeated one, or none at all', () => {
    expect(() => chooseRegions('cn-north-4,,', {}, undefined)).toThrow('--region: "" is not a region name (e.g. cn-north-4)');
    expect(() => chooseRegions('cn-north-4, cn-north-4', {}, undefined)).toThrow('--region: cn-north-4 is given twice');
    expect(() => chooseRegions(undefined, { HUAWEICLOUD_REGION: 'CN_NORTH_4' }, undefined)).toThrow('HUAWEICLOUD_REGION: "CN_NORTH_4" is not a region name');
    expect(() => chooseRegions(undefined, {}, undefined)).toThrow('no region: pass --region, set HUAWEICLOUD_REGION, or set provider.region in serverless.yml');
  });
});

describe('which projects', () => {
  it('one region: HUAWEICLOUD_SDK_PROJECT_ID when set; several: looked up through IAM', () => {
    expect(projectSources(['cn-north-4'], { HUAWEICLOUD_SDK_PROJECT_ID: 'p1' })).toEqual({ known: { 'cn-north-4': 'p1' }, lookUp: [] });
    expect(projectSources(['cn-north-4'], {})).toEqual({ known: {}, lookUp: ['cn-north-4'] });
    expect(projectSources(['cn-north-4', 'ap-southeast-1'], { HUAWEICLOUD_SDK_PROJECT_ID: 'p1' })).toEqual({ known: {}, lookUp: ['cn-north-4', 'ap-southeast-1'] });
  });

  const projects = [
    { id: 'p-north', name: 'cn-north-4', enabled: true },
    { id: 'p-sub', name: 'cn-north-4_payments', enabled: true },
    { id: 'p-ap', name: 'ap-southeast-1', enabled: true },
    { id: 'p-off', name: 'cn-east-3', enabled: false },
    { id: 'p-mos', name: 'MOS', enabled: true },
  ];

  it('picks the project named exactly after each region (not a sub-project)', () => {
    expect(projectIdsFor(['cn-north-4', 'ap-southeast-1'], projects)).toEqual({ 'cn-north-4': 'p-north', 'ap-southeast-1': 'p-ap' });
  });

  it('refuses a region without a project, a disabled one, or one named twice, naming the region', () => {
    expect(() => projectIdsFor(['la-south-2'], projects)).toThrow('la-south-2: IAM lists no project of that name for these credentials (it lists: MOS, ap-southeast-1, cn-east-3, cn-north-4, cn-north-4_payments)');
    expect(() => projectIdsFor(['cn-east-3'], projects)).toThrow('cn-east-3: project p-off is disabled');
    expect(() => projectIdsFor(['ap-southeast-1'], [...projects, { id: 'p-ap2', name: 'ap-southeast-1', enabled: true }])).toThrow('ap-southeast-1: IAM lists 2 projects of that name (p-ap, p-ap2)');
  });
});
