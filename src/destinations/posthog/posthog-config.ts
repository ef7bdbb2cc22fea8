import { Type, type Static } from '@sinclair/typebox';

export const PostHogConfigSchema = Type.Object(
  {
    apiKey: Type.String({ minLength: 1, description: 'Project API key (phc_...).' }),
    baseUrl: Type.Optional(Type.String({ format: 'uri', description: 'https://us.i.posthog.com (default), https://eu.i.posthog.com, or your self-hosted PostHog.' })),
    personalApiKey: Type.Optional(Type.String({ minLength: 1, description: 'Personal API key with person:write, needed for deletion.' })),
    projectId: Type.Optional(Type.String({ minLength: 1, description: 'Project id, needed for deletion.' })),
    apiBaseUrl: Type.Optional(Type.String({ format: 'uri', description: 'Private API host for deletion (https://us.posthog.com by default). Without it: https://eu.posthog.com when baseUrl is https://eu.i.posthog.com, baseUrl itself for a self-hosted PostHog.' })),
  },
  { additionalProperties: false },
);
export type PostHogConfig = Static<typeof PostHogConfigSchema>;
