import { Type, type Static } from '@sinclair/typebox';

export const MixpanelConfigSchema = Type.Object(
  {
    projectToken: Type.String({ minLength: 1, description: 'Project token (used for /engage, for /import when no service account is set, and for deletions).' }),
    serviceAccountUsername: Type.Optional(Type.String({ minLength: 1 })),
    serviceAccountSecret: Type.Optional(Type.String({ minLength: 1 })),
    projectId: Type.Optional(Type.String({ minLength: 1, description: 'Needed with a service account.' })),
    gdprToken: Type.Optional(Type.String({ minLength: 1, description: 'OAuth token for the GDPR API (deletions).' })),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'Ingestion host: https://api.mixpanel.com (default), https://api-eu.mixpanel.com, https://api-in.mixpanel.com.' })),
    deletionBaseUrl: Type.Optional(Type.String({ format: 'uri', description: 'GDPR API host: https://mixpanel.com (default), https://eu.mixpanel.com or https://in.mixpanel.com. Without it: the GDPR host of the region of baseUrl when that is a Mixpanel ingestion host, baseUrl itself otherwise (proxy).' })),
  },
  { additionalProperties: false },
);
export type MixpanelConfig = Static<typeof MixpanelConfigSchema>;
