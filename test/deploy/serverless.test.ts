import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../deploy/params.ts';
import { ServerlessError, loadServerless, parseServerless } from '../../deploy/serverless.ts';
import type { Params } from '../../deploy/params.ts';

const root = join(import.meta.dirname, '..', '..');
const repositoryYaml = readFileSync(join(root, 'serverless.yml'), 'utf8');

/** A small valid file; `edit` changes its text. */
const BASE = `
service: demo
provider:
  name: huawei
  runtime: Node.js20.15
functions:
  tag-new-keys:
    handler: index.handler
    timeout: 60
    events:
      - triggerTypeCode: TIMER
        eventData:
          name: sweep
          schedule: 1h
      - triggerTypeCode: APIG
        eventData:
          name: hook
          groupId: \${param:apigGroupId}
          path: /hook
`;

/** The problems serverless.yml `text` is refused with. */
function problems(text: string, params: Params = {}): string[] {
  try {
    parseServerless(text, 'serverless.yml', { params });
  } catch (error) {
    expect(error).toBeInstanceOf(ServerlessError);
    return [...(error as ServerlessError).problems];
  }
  throw new Error('expected serverless.yml to be refused');
}

describe("the repository's serverless.yml", () => {
  it('is read strictly without a problem, every function pointing at its build directory', () => {
    const service = loadServerless(join(root, 'serverless.yml'));
    expect(Object.keys(service.functions)).toEqual(['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable']);
    for (const [name, fn] of Object.entries(service.functions)) {
      expect(fn.handler, name).toBe('index.handler');
      expect(fn.code?.codeUri, name).toBe(`dist/${name}`);
      expect(fn.xrole, name).toBe(`hwc-warden-${name}`);
    }
    expect(service.provider).toMatchObject({ runtime: 'Node.js20.15', region: 'cn-north-4', memorySize: 256, timeout: 120 });
  });

  it('leaves ${param:apigGroupId} as written and lists where, until --param fills it', () => {
    const unresolved = loadServerless(join(root, 'serverless.yml'));
    expect(unresolved.unresolvedParams.map((p) => p.name)).toEqual(['apigGroupId', 'apigGroupId', 'apigGroupId', 'apigGroupId']);
    expect(unresolved.unresolvedParams[0]?.path).toBe('functions.tag-new-keys.events[1].eventData.groupId');

    const resolved = parseServerless(repositoryYaml, 'serverless.yml', { params: parseParams(['apigGroupId=0f5c1e4c8d2a4b7f9e3d6a1b2c3d4e5f']) });
    expect(resolved.unresolvedParams).toEqual([]);
    const apig = resolved.functions['tag-new-keys']?.events.find((e) => e.triggerTypeCode === 'APIG');
    expect(apig?.eventData).toMatchObject({ groupId: '0f5c1e4c8d2a4b7f9e3d6a1b2c3d4e5f', auth: 'None', timeout: 60_000, envName: 'RELEASE', protocol: 'HTTPS' });
  });
});

describe('unknown keys are refused at every level, naming them', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['a function key', '    timeout: 60\n', '    timout: 60\n', /^functions\.tag-new-keys\.timout: unknown key \(did you mean timeout\?\)$/],
    ['a top-level key', 'service: demo\n', 'service: demo\nservise: x\n', /^servise: unknown key \(did you mean service\?\)$/],
    ['a provider key', '  runtime: Node.js20.15\n', '  runtime: Node.js20.15\n  memorysize: 512\n', /^provider\.memorysize: unknown key \(did you mean memorySize\?\)$/],
    ['a trigger key', '      - triggerTypeCode: TIMER\n', '      - triggerTypeCode: TIMER\n        stauts: ACTIVE\n', /^functions\.tag-new-keys\.events\[0\]\.stauts: unknown key \(did you mean status\?\)$/],
    ['an eventData key', '          schedule: 1h\n', '          schedule: 1h\n          scheduletype: Rate\n', /^functions\.tag-new-keys\.events\[0\]\.eventData\.scheduletype: unknown key \(did you mean scheduleType\?\)$/],
    ['a key with no near neighbour', '    timeout: 60\n', '    colour: blue\n', /^functions\.tag-new-keys\.colour: unknown key \(known here: handler, description, runtime, /],
  ];
  for (const [what, from, to, expected] of cases) {
    it(what, () => {
      expect(BASE).toContain(from);
      const found = problems(BASE.replace(from, to), { apigGroupId: 'g' });
      expect(found.some((p) => expected.test(p)), found.join('\n')).toBe(true);
    });
  }

  it('lists every unknown key at once, each under its own path', () => {
    const found = problems(BASE.replace('    timeout: 60\n', '    timout: 60\n    memory: 512\n'), { apigGroupId: 'g' });
    expect(found).toEqual(['functions.tag-new-keys.timout: unknown key (did you mean timeout?)', 'functions.tag-new-keys.memory: unknown key (known here: handler, description, runtime, memorySize, timeout, xrole, userData, encryptedUserData, code, package, events)']);
  });

  it('refuses a duplicated key (YAML would keep the last one silently)', () => {
    expect(problems(BASE.replace('    timeout: 60\n', '    timeout: 60\n    timeout: 90\n')).join('\n')).toMatch(/Map keys must be unique/);
  });
});

describe('values FunctionGraph does not offer are refused, naming the field', () => {
  it('a runtime outside CreateFunction’s list', () => {
    expect(problems(BASE.replace('Node.js20.15', 'Node.js22.1')).join('\n')).toMatch(/^provider\.runtime: "Node\.js22\.1" is not a FunctionGraph runtime \(Java8, /);
  });

  it('a memory size and a timeout outside the documented ranges', () => {
    const found = problems(BASE.replace('    timeout: 60\n', '    timeout: 2\n    memorySize: 300\n'));
    expect(found).toContain('functions.tag-new-keys.memorySize: expected one of 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096 (MB)');
    expect(found.some((p) => p.startsWith('functions.tag-new-keys.timeout: '))).toBe(true);
  });

  it('a user data value that is not a string (FunctionGraph user data is strings)', () => {
    expect(problems(BASE.replace('    timeout: 60\n', '    userData:\n      WARDEN_MAX_DELETIONS: 20\n'))).toEqual([
      'functions.tag-new-keys.userData.WARDEN_MAX_DELETIONS: expected a string (quote numbers and booleans)',
    ]);
  });

  it('a handler not of the form <file>.<export>, and a codeUri that is not the build directory', () => {
    const found = problems(BASE.replace('    handler: index.handler\n', '    handler: index\n    code:\n      codeUri: src\n'));
    expect(found).toContain('functions.tag-new-keys.handler: expected <file>.<export>, e.g. index.handler');
    const other = problems(BASE.replace('    handler: index.handler\n', '    handler: index.handler\n    code:\n      codeUri: src\n'));
    expect(other).toContain('functions.tag-new-keys.code.codeUri: expected dist/tag-new-keys (where npm run build writes this function), got src');
  });
});

describe('triggers', () => {
  it('an unknown trigger type is refused, naming the function and the event', () => {
    const found = problems(BASE.replace('- triggerTypeCode: TIMER', '- triggerTypeCode: OBS'));
    expect(found).toEqual(['functions.tag-new-keys.events[0].triggerTypeCode: "OBS" is not a trigger type warden deploys (TIMER, APIG, CTS)']);
  });

  it('two triggers with one name are refused, across functions too', () => {
    const twice = BASE.replace('          name: hook\n', '          name: sweep\n');
    expect(problems(twice)).toEqual(['functions.tag-new-keys.events[1].eventData.name: sweep is also the name of functions.tag-new-keys.events[0]; trigger names must be unique']);
  });

  it('a Rate outside the documented bounds and a malformed cron are refused', () => {
    expect(problems(BASE.replace('schedule: 1h', 'schedule: 25h'))).toEqual(['functions.tag-new-keys.events[0].eventData.schedule: 25h: hours must be 1–24']);
    expect(problems(BASE.replace('schedule: 1h', 'schedule: 5 minutes'))).toEqual(['functions.tag-new-keys.events[0].eventData.schedule: expected <n>m, <n>h or <n>d (e.g. 30m), got "5 minutes"']);
    const cron = BASE.replace('          schedule: 1h\n', '          scheduleType: Cron\n          schedule: every day\n');
    expect(problems(cron)[0]).toMatch(/^functions\.tag-new-keys\.events\[0\]\.eventData\.schedule: expected "sec min hour/);
    expect(() => parseServerless(BASE.replace('          schedule: 1h\n', '          scheduleType: Cron\n          schedule: 0 30 3 * * ?\n'))).not.toThrow();
  });

  it('an APIG or CTS trigger cannot be DISABLED (only TIMER can, of these)', () => {
    const found = problems(BASE.replace('      - triggerTypeCode: APIG\n', '      - triggerTypeCode: APIG\n        status: DISABLED\n'));
    expect(found).toEqual(['functions.tag-new-keys.events[1].status: a APIG trigger cannot be DISABLED (FunctionGraph disables only TIMER of these)']);
  });

  it('serverless.yml’s APIG auth values are the plugin’s (App, IAM, None)', () => {
    expect(problems(BASE.replace('          path: /hook\n', '          path: /hook\n          auth: NONE\n'))[0]).toMatch(/^functions\.tag-new-keys\.events\[1\]\.eventData\.auth: Invalid option: expected one of "App"\|"IAM"\|"None"$/);
  });
});

describe('${…} variables', () => {
  it('fills ${param:name} from --param, also inside a longer string', () => {
    const text = BASE.replace('          path: /hook\n', '          path: /hook/${param:env}\n');
    const service = parseServerless(text, 'serverless.yml', { params: { apigGroupId: 'g1', env: 'blue' } });
    const apig = service.functions['tag-new-keys']?.events[1];
    expect(apig?.triggerTypeCode === 'APIG' && apig.eventData).toMatchObject({ groupId: 'g1', path: '/hook/blue' });
  });

  it('refuses any other variable, naming where it is', () => {
    for (const variable of ['${opt:stage}', '${self:service}', '${env:GROUP}', "${param:apigGroupId, 'x'}", '${sls:stage}']) {
      const found = problems(BASE.replace('${param:apigGroupId}', variable));
      expect(found, variable).toEqual([
        `functions.tag-new-keys.events[1].eventData.groupId: ${variable} is not supported: warden reads only \${param:<name>}, given with --param <name>=<value>`,
      ]);
    }
  });

  it('--param must be <name>=<value>, each name once; the value may be empty or contain =', () => {
    expect(parseParams(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseParams(['novalue'])).toThrow(/--param "novalue": expected <name>=<value>/);
    expect(() => parseParams(['a=1', 'a=2'])).toThrow('--param a is given twice');
    // An empty group is still no group.
    expect(problems(BASE, { apigGroupId: '' })[0]).toMatch(/^functions\.tag-new-keys\.events\[1\]\.eventData\.groupId: /);
  });
});
