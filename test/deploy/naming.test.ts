import { describe, expect, it } from 'vitest';
import { chooseStage, formatMarker, functionNameOf, latestUrn, ownedFunctionKey, parseMarker, parseUserData, predictedUrn, unversionedUrn } from '../../deploy/naming.ts';
import { nameProblem } from '../../deploy/functiongraph-rules.ts';

const owner = { service: 'hwc-warden', stage: 'dev' };
const marked = (marker: Parameters<typeof formatMarker>[0], extra: Record<string, string> = {}) => JSON.stringify({ ...extra, WARDEN_DEPLOY: formatMarker(marker) });

describe('names', () => {
  it('the stage: --stage, else provider.stage, else dev; one word, since it goes into every name', () => {
    expect(chooseStage('prod', 'staging')).toBe('prod');
    expect(chooseStage(undefined, 'staging')).toBe('staging');
    expect(chooseStage(undefined, undefined)).toBe('dev');
    expect(() => chooseStage('pr-1', undefined)).toThrow('--stage "pr-1": expected letters and digits, starting with a letter');
  });

  it('<service>-<stage>-<function>, checked against FunctionGraph’s rule', () => {
    expect(functionNameOf('hwc-warden', 'dev', 'tag-new-keys')).toBe('hwc-warden-dev-tag-new-keys');
    expect(nameProblem('hwc-warden-dev-tag-new-keys')).toBeUndefined();
    expect(nameProblem('a'.repeat(61))).toMatch(/is 61 characters long; FunctionGraph allows 60/);
    expect(nameProblem('9lives')).toMatch(/start with a letter/);
    expect(nameProblem('ends-with-')).toMatch(/end with a letter or a digit/);
    expect(nameProblem('has.dot')).toMatch(/letters, digits, "-" and "_"/);
  });

  it('URNs: unversioned for DeleteFunction, :latest for the rest, whichever form the API answered', () => {
    const listed = 'urn:fss:cn-north-4:46b6f338fc3445b8846c71dfb1fbd9e8:function:hwc-warden:hwc-warden-dev-tag-new-keys';
    expect(unversionedUrn(listed)).toBe(listed);
    expect(unversionedUrn(`${listed}:latest`)).toBe(listed);
    expect(latestUrn(listed)).toBe(`${listed}:latest`);
    expect(latestUrn(`${listed}:latest`)).toBe(`${listed}:latest`);
    expect(predictedUrn('cn-north-4', '46b6f338fc3445b8846c71dfb1fbd9e8', 'hwc-warden', 'hwc-warden-dev-tag-new-keys')).toBe(`${listed}:latest`);
    expect(() => unversionedUrn('hwc-warden-dev-tag-new-keys')).toThrow('not a FunctionGraph function URN');
  });
});

describe('user data and the marker', () => {
  it('reads user_data as FunctionGraph returns it; anything but an object of strings is unreadable', () => {
    expect(parseUserData(undefined)).toEqual({});
    expect(parseUserData('')).toEqual({});
    expect(parseUserData('{"host":"192.168.0.1"}')).toEqual({ host: '192.168.0.1' });
    expect(parseUserData('{"n":1}')).toBeUndefined();
    expect(parseUserData('[1]')).toBeUndefined();
    expect(parseUserData('{not json')).toBeUndefined();
  });

  it('round-trips the marker, and reads nothing else as one', () => {
    const marker = { service: 'hwc-warden', stage: 'dev', function: 'tag-new-keys', encrypted: 'scrypt:1:2:3:a:b' };
    expect(parseMarker({ WARDEN_DEPLOY: formatMarker(marker) })).toEqual(marker);
    expect(parseMarker({})).toBeUndefined();
    expect(parseMarker({ WARDEN_DEPLOY: 'yes' })).toBeUndefined();
    expect(parseMarker({ WARDEN_DEPLOY: JSON.stringify({ service: 'hwc-warden', stage: 'dev', function: 'x' }) })).toBeUndefined(); // no "by"
    expect(parseMarker({ WARDEN_DEPLOY: JSON.stringify({ by: 'warden deploy', service: 'hwc-warden', stage: 1, function: 'x' }) })).toBeUndefined();
  });
});

describe('ownership: package, marker and name must all say so', () => {
  const fn = (overrides: Partial<{ func_name: string; package: string; user_data: string }>) => ({
    func_name: 'hwc-warden-dev-tag-new-keys',
    package: 'hwc-warden',
    user_data: marked({ service: 'hwc-warden', stage: 'dev', function: 'tag-new-keys' }, { WARDEN_DRY_RUN: 'false' }),
    ...overrides,
  });

  it('is ours when all three agree', () => {
    expect(ownedFunctionKey(fn({}), owner)).toBe('tag-new-keys');
  });

  it('is not ours with our name but no marker, another stage’s or service’s marker, another package, or a marker for another name', () => {
    expect(ownedFunctionKey(fn({ user_data: '{"WARDEN_DRY_RUN":"false"}' }), owner)).toBeUndefined();
    expect(ownedFunctionKey(fn({ user_data: marked({ service: 'hwc-warden', stage: 'prod', function: 'tag-new-keys' }) }), owner)).toBeUndefined();
    expect(ownedFunctionKey(fn({ user_data: marked({ service: 'other', stage: 'dev', function: 'tag-new-keys' }) }), owner)).toBeUndefined();
    expect(ownedFunctionKey(fn({ package: 'default' }), owner)).toBeUndefined();
    expect(ownedFunctionKey(fn({ func_name: 'hwc-warden-dev-tag-new-keys-copy' }), owner)).toBeUndefined();
    expect(ownedFunctionKey(fn({ user_data: 'not json' }), owner)).toBeUndefined();
  });
});
