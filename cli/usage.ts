/** `warden <command> --help`: each command's own usage. */

export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  start: `usage: warden start [--port N] [--cloud-port N] [--seed fixture.json] [--time-scale X] [--verbose]

Runs serverless.yml's functions with their triggers against the embedded cloud, seeded with demo data (what
npm start runs). Status page on :3000 (--port, PORT), the cloud on :4000 (--cloud-port, WARDEN_CLOUD_PORT).
  --seed fixture.json   your own data instead of the demo's (format: local/cloud/fixture.example.json)
  --time-scale X        run schedules X times faster
  --verbose             log every run, not only changes
`,
  invoke: `usage: warden invoke <function> (--event <file|-> | --data '<json>') [--dry-run] [--raw]
                      [--local [--seed fixture.json]] [--user-data-from-serverless]

Runs one handler once; its report JSON on stdout, logs on stderr; exit 1 when the run failed or the event
matches none of the function's triggers.
  --event <file|->      the event, from a file or standard input (samples: npx warden events <function> <trigger>)
  --data '<json>'       the event inline
  --dry-run             plan and report, change nothing
  --raw                 an APIG answer as the gateway gets it (statusCode, headers, body), not just its report
  --local               a fresh embedded cloud with npm start's demo data, instead of the real cloud
  --seed fixture.json   with --local: your own data
  --user-data-from-serverless
                        against the real cloud, also apply serverless.yml's environment and userData
                        (with --local they always apply)
The real cloud is read from HUAWEICLOUD_REGION, HUAWEICLOUD_SDK_PROJECT_ID and credentials (README).
`,
  api: `usage: warden api <service> <operation> [json | @file | -] [--local | --from-env] [--cloud-port N]
       warden api --list [service]

Calls one operation of the Huawei Cloud API module (shared/hwc), signed, and prints its answer as JSON (a
listing as one array of every page). A failure prints the error's fields on stderr and exits 1.
Input: a JSON object inline, @file to read it from a file, - from standard input; none is {}.
Which cloud (printed on stderr):
  (default)       the embedded cloud npm start runs, on 127.0.0.1:4000 (--cloud-port N, WARDEN_CLOUD_PORT)
  --local         a fresh embedded cloud with the demo data, for this call only
  --from-env      the cloud HUAWEICLOUD_* names: region, project, credentials, endpoints (a real project)
  --list          the services and operations, with the fields each requires
example: npx warden api kms createKey '{"key_alias":"demo/new"}'
`,
  events: `usage: warden events <function> <trigger> [--out file]

Writes a sample event for a function's trigger (timer, apig, cts) to standard output or --out, ready for
warden invoke --event. Without <trigger>, lists the function's triggers; without arguments, every function's.
`,
  cloud: `usage: warden cloud [--port N] [--seed fixture.json] [--host H]

Runs the embedded Huawei Cloud alone (port 4000 or WARDEN_CLOUD_PORT). Its state, GET /__admin/state, is a
fixture that --seed takes back (format: local/cloud/fixture.example.json).
`,
  build: `usage: warden build [--code-cache]

Bundles each function into dist/<function>/ (index.js, bundle.js) and a zip; --code-cache adds V8's code
cache, used only by this exact Node.
`,
};
