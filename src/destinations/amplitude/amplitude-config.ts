import { Type, type Static } from '@sinclair/typebox';

export const AmplitudeConfigSchema = Type.Object(
  {
    apiKey: Type.String({ minLength: 1, description: 'Project API key (Settings > Projects).' }),
    secretKey: Type.Optional(Type.String({ minLength: 1, description: 'Project secret key; needed for user deletion.' })),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'Ingestion host: https://api2.amplitude.com (default) or https://api.eu.amplitude.com.' })),
    deletionBaseUrl: Type.Optional(Type.String({ format: 'uri', description: 'User Privacy API host: https://amplitude.com (default) or https://analytics.eu.amplitude.com. Without it: the EU host when baseUrl is https://api.eu.amplitude.com, baseUrl itself when that is another host (self-hosted, proxy).' })),
    minIdLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Shortest user_id/device_id Amplitude accepts (its default is 5).' })),
  },
  { additionalProperties: false },
);
export type AmplitudeConfig = Static<typeof AmplitudeConfigSchema>;
