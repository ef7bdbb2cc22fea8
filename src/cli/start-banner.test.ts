import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { startBanner } from './start-command.js';

const boot = { firstStart: false, defaultWriteKey: 'wk_123', workspaceId: 'ws_default' } as Parameters<typeof startBanner>[2];

describe('the start banner', () => {
  it('points at the console and a curl to try only on processes that serve them', () => {
    const everything = startBanner(loadConfig({ PORT: '0' }), 'http://127.0.0.1:4000', boot);
    expect(everything).toContain('Console and admin API:');
    expect(everything).toContain('Try it: curl -u wk_123:');
    const router = startBanner(loadConfig({ PORT: '0', SLUICE_ROLES: 'router' }), 'http://127.0.0.1:4001', boot);
    expect(router).not.toContain('Console and admin API:');
    expect(router).not.toContain('Try it');
    expect(router).toContain('No console or admin API in this process');
  });
});
