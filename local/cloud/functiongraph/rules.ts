import { ApiError } from '../errors.ts';

/**
 * FunctionGraph's rules as the API reference states them (`openapi/FunctionGraph/*.json`), checked by the
 * embedded cloud on its own (not with the client's schemas, so a mistake in one shows against the other).
 * Error codes are FunctionGraph's (`FSS.xxxx`, from its error code table).
 */

export const RUNTIMES = new Set([
  'Java8', 'Java11', 'Java17', 'Python2.7', 'Python3.6', 'Python3.9', 'Python3.10', 'Go1.8', 'Go1.x',
  'Node.js6.10', 'Node.js8.10', 'Node.js10.16', 'Node.js12.13', 'Node.js14.18', 'Node.js16.17', 'Node.js18.15',
  // Not in the document's enum (which predates it), but offered by FunctionGraph and deployed by serverless.yml.
  'Node.js20.15',
  'C#(.NET Core 2.0)', 'C#(.NET Core 2.1)', 'C#(.NET Core 3.1)', 'C#(.NET Core 6.0)',
  'Custom', 'PHP7.3', 'PHP8.3', 'Cangjie1.0', 'http', 'Custom Image',
]);
export const MEMORY_SIZES = new Set([128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096]);
export const INSTANCE_MEMORY_SIZES = new Set([...MEMORY_SIZES, 8192, 10240]);
export const TRIGGER_TYPES = new Set([
  'TIMER', 'APIG', 'CTS', 'DDS', 'DMS', 'DIS', 'LTS', 'OBS', 'SMN', 'KAFKA', 'RABBITMQ', 'DEDICATEDGATEWAY',
  'OPENSOURCEKAFKA', 'APIC', 'GAUSSMONGO', 'EVENTGRID', 'IOTDA',
]);
/** Trigger types the embedded cloud creates and keeps; the others answer 501 "not emulated". */
export const EMULATED_TRIGGER_TYPES = new Set(['TIMER', 'APIG', 'DEDICATEDGATEWAY', 'CTS']);

const FUNCTION_NAME = /^[A-Za-z](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Largest zip/jar one call uploads (decoded): 50 MB. */
export const MAX_CODE_BYTES = 50 * 1024 * 1024;
/** Room for 50 MB of base64 and the rest of the body. */
export const MAX_CODE_BODY_BYTES = 70 * 1024 * 1024;

export const invalid = (code: string, message: string) => new ApiError(400, code, message);
export const badParameter = (message: string) => invalid('FSS.0400', `Invalid parameter: ${message}`);
export const functionNotFound = () => new ApiError(404, 'FSS.1051', 'Not found the function');
export const versionNotFound = () => new ApiError(404, 'FSS.1052', 'Not found the function version');
export const alreadyExists = (what: string) => new ApiError(409, 'FSS.0409', `The specified resource already exists: ${what}`);

export function isWhole(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function funcName(value: unknown): string {
  if (typeof value !== 'string' || !FUNCTION_NAME.test(value)) {
    throw invalid('FSS.1002', 'Invalid function name: 1–60 of letters, digits, _ and -, starting with a letter and ending with a letter or digit');
  }
  return value;
}

export function handler(value: unknown, field = 'handler'): string {
  if (typeof value !== 'string' || value === '' || (!value.includes('.') && value !== '-') || /\s/.test(value)) {
    throw invalid('FSS.1003', `Invalid function handler: ${field} must be file.function (with a ".")`);
  }
  return value;
}

export function runtime(value: unknown): string {
  if (typeof value !== 'string' || !RUNTIMES.has(value)) throw invalid('FSS.1005', `Invalid runtime: ${JSON.stringify(value)}`);
  return value;
}

export function memorySize(value: unknown): number {
  if (typeof value !== 'number' || !MEMORY_SIZES.has(value)) throw invalid('FSS.1007', `Invalid function memory: memory_size must be one of ${[...MEMORY_SIZES].join(', ')}`);
  return value;
}

export function timeout(value: unknown): number {
  if (!isWhole(value, 3, 259_200)) throw invalid('FSS.1008', 'Invalid function timeout: timeout must be 3–259200 seconds');
  return value;
}

/** `user_data` / `encrypted_user_data`: a JSON object of string variables, at most 20, 4 KB in all. */
export function userData(value: unknown, field: string): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string') throw invalid('FSS.1009', `Invalid function UserData: ${field} must be a string`);
  if (Buffer.byteLength(value) > 4096) throw invalid('FSS.1018', `The total size of environment variables exceeds the maximum allowed limit (4 KB): ${field}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('FSS.1009', `Invalid function UserData: ${field} must be a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('FSS.1009', `Invalid function UserData: ${field} must be a JSON object`);
  const entries = Object.entries(parsed);
  if (entries.length > 20) throw invalid('FSS.1017', `The number of environment variables exceeds the maximum allowed limit (20): ${field}`);
  if (entries.some(([, v]) => typeof v !== 'string')) throw invalid('FSS.1009', `Invalid function UserData: ${field} values must be strings`);
  return value;
}

/** The variable names with every value blanked, as FunctionGraph shows `encrypted_user_data` back. */
export function blankedValues(userDataText: string): string {
  if (userDataText === '') return '';
  const names = Object.keys(JSON.parse(userDataText) as Record<string, unknown>);
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, ''])));
}

export function optionalString(value: unknown, field: string, max = Infinity): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || [...value].length > max) {
    throw badParameter(max === Infinity ? `${field} must be a string` : `${field} must be a string of at most ${max} characters`);
  }
  return value;
}

/** The code a call uploads: `func_code.file` decoded (and checked to be a zip when it should be one). */
export function uploadedCode(codeType: string, funcCode: unknown): Buffer | undefined {
  if (funcCode === undefined || funcCode === null) return undefined;
  if (typeof funcCode !== 'object' || Array.isArray(funcCode)) throw badParameter('func_code must be an object');
  const file = (funcCode as Record<string, unknown>)['file'];
  if (file === undefined || file === null || file === '') return undefined;
  if (typeof file !== 'string' || !BASE64.test(file)) throw invalid('FSS.1011', 'Invalid function code: func_code.file must be base64');
  const bytes = Buffer.from(file, 'base64');
  if (bytes.length > MAX_CODE_BYTES) throw invalid('FSS.1011', 'Invalid function code: a code package is at most 50 MB');
  if ((codeType === 'zip' || codeType === 'jar') && !isZip(bytes)) throw invalid('FSS.1013', `Invalid file type: func_code.file is not a ${codeType} archive`);
  return bytes;
}

/** A zip (or jar) starts with a local file header, or is an empty archive (end of central directory only). */
function isZip(bytes: Buffer): boolean {
  const signature = bytes.length >= 4 ? bytes.readUInt32LE(0) : 0;
  return signature === 0x04034b50 || signature === 0x06054b50;
}
