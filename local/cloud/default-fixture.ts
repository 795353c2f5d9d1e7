import type { Fixture } from './fixture.ts';

/** Ids of the default fixture, for tests and demos. */
export const DEFAULT_IDS = {
  projectId: '0b3e1f0c5a8d4f6e9c2a7d1b4e6f8a90',
  domainId: '7d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f',
  userId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  keys: {
    appData: '0d0466b0-e727-4d9c-b35d-f84bb474a37f',
    orders: '2e258389-bb1e-4568-a1d5-e1f50adf70ea',
    legacy: '5c4bd3f0-8f2e-4b1a-9d6c-3e7f1a2b4c5d',
    retiring: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    csmsDefault: 'bb6a3d22-dc93-47ac-b5bd-88df7ad35f1e',
  },
  secret: 'db-password',
  event: 'secret-rotation-alerts',
  server: '5aa119a8-d25b-45a7-8d1b-88e127885635',
  volumes: { system: '45baf976-c20a-4894-a7c3-c94b7376bf55', data: 'e7f48980-927c-48de-afd4-f0245d2e5100' },
  checkpointItem: '8986ce68-3da7-4d29-9cc2-1921e9504975',
  volumeBackups: { system: '7ea119a8-d25b-43a7-8d1b-88e12788513a', data: '8eb98e91-8924-4d4b-b6d6-28fb7b751e9c' },
  topic: 'warden-alerts',
} as const;

/** One user (plus an agency), a few keys in every state, one secret subscribed to one event, one backed-up server. */
export function defaultFixture(): Fixture {
  const ids = DEFAULT_IDS;
  const region = 'cn-north-4';
  const topicUrn = `urn:smn:${region}:${ids.projectId}:${ids.topic}`;
  const day = 86_400_000;
  const created = Date.UTC(2024, 0, 15, 8, 0, 0);
  return {
    region,
    users: [
      {
        userId: ids.userId,
        userName: 'warden-demo',
        password: 'Warden-Demo-Passw0rd',
        ak: 'WARDENDEMOAK00000001',
        sk: 'WardenDemoSecretKey000000000000000000001',
        domainId: ids.domainId,
        domainName: 'warden-demo-domain',
        projectId: ids.projectId,
      },
    ],
    agencies: [
      {
        agencyName: 'warden_functiongraph',
        agencyId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
        sessionName: 'warden-fn',
        ak: 'WARDENTEMPAK00000001',
        sk: 'WardenDemoTemporarySecretKey000000000001',
        securityToken: 'gQpjbi1ub3J0aC00WardenDemoSecurityToken0001',
        authToken: 'MIIWardenDemoAgencyToken0001',
        domainId: ids.domainId,
        domainName: 'warden-demo-domain',
        projectId: ids.projectId,
      },
    ],
    keys: [
      {
        key_id: ids.keys.appData,
        key_alias: 'warden/app-data',
        key_description: 'application data key',
        tags: { owner: 'alice', env: 'prod' },
        creation_date: String(created),
      },
      { key_id: ids.keys.orders, key_alias: 'warden/orders', creation_date: String(created + day) },
      {
        key_id: ids.keys.legacy,
        key_alias: 'warden/legacy',
        key_description: 'disabled legacy key',
        key_state: '3',
        creation_date: String(created + 2 * day),
      },
      {
        key_id: ids.keys.retiring,
        key_alias: 'warden/retiring',
        key_description: 'protected key someone scheduled for deletion',
        key_state: '4',
        tags: { 'deletion-protection': 'true' },
        creation_date: String(created + 3 * day),
        scheduled_deletion_date: String(created + 40 * day),
      },
      {
        key_id: ids.keys.csmsDefault,
        key_alias: 'csms/default',
        key_description: 'Default key for csms',
        default_key_flag: '1',
        creation_date: String(created - day),
      },
    ],
    secrets: [
      {
        name: ids.secret,
        id: '3f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
        kms_key_id: ids.keys.appData,
        description: 'database password',
        event_subscriptions: [ids.event],
        create_time: created + day,
        update_time: created + day,
      },
    ],
    events: [
      {
        name: ids.event,
        event_id: '120eeafd-eca5-4098-8733-c1b369f3a450',
        event_types: ['SECRET_VERSION_CREATED', 'SECRET_ROTATED'],
        notification: { target_type: 'SMN', target_id: topicUrn, target_name: ids.topic },
        create_time: created,
        update_time: created,
      },
    ],
    servers: [
      {
        id: ids.server,
        name: 'web-01',
        volumes: [
          { id: ids.volumes.system, name: 'web-01-system', size: 40, bootable: true },
          { id: ids.volumes.data, name: 'web-01-data', size: 100, bootable: false },
        ],
      },
    ],
    checkpointItems: [
      {
        id: ids.checkpointItem,
        checkpoint_id: 'f672a1bb-6912-446a-816c-72792c5263e0',
        name: 'backup-web-01',
        status: 'available',
        created_at: '2024-05-01T02:00:00.000000',
        updated_at: '2024-05-01T02:10:00.000000',
        resource_id: ids.server,
        resource_name: 'web-01',
        volume_backups: [
          { id: ids.volumeBackups.system, source_volume_id: ids.volumes.system, source_volume_size: 40, bootable: true },
          { id: ids.volumeBackups.data, source_volume_id: ids.volumes.data, source_volume_size: 100, bootable: false },
        ],
      },
    ],
    topics: [{ name: ids.topic, topic_urn: topicUrn }],
  };
}
