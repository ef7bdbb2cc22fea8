import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { firstStartCredentials, startBanner } from './start-command.js';

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

  it('shows the port actually bound when PORT=0 let the system choose it, and the wildcard HOST as the bound address', () => {
    const ephemeral = startBanner(loadConfig({ PORT: '0' }), 'http://127.0.0.1:4000', boot);
    expect(ephemeral).toContain('Console and admin API: http://127.0.0.1:4000  (API under /api/v1');
    expect(ephemeral).toContain('Try it: curl -u wk_123: http://127.0.0.1:4000/v1/track');
    expect(ephemeral).not.toContain(':0');
    const wildcard = startBanner(loadConfig({ PORT: '4002', HOST: '0.0.0.0' }), 'http://127.0.0.1:4002', boot);
    expect(wildcard).toContain('Console and admin API: http://127.0.0.1:4002  (API');
    // Emails are written with no browser request to take an address from: the operator is told to set one.
    expect(wildcard).toContain('Set SLUICE_PUBLIC_URL to the address people open Sluice at: without it, links in emails (invitations, alerts, privacy requests) start http://0.0.0.0:4002');
    expect(startBanner(loadConfig({ PORT: '4002', HOST: '0.0.0.0', SLUICE_ROLES: 'ingest' }), 'http://127.0.0.1:4002', boot)).not.toContain('SLUICE_PUBLIC_URL');
    expect(startBanner(loadConfig({ PORT: '4002', HOST: '0.0.0.0', SLUICE_PUBLIC_URL: 'https://cdp.example.com' }), 'http://127.0.0.1:4002', boot)).not.toContain('Set SLUICE_PUBLIC_URL');
    expect(startBanner(loadConfig({ PORT: '4002' }), 'http://127.0.0.1:4002', boot)).not.toContain('Set SLUICE_PUBLIC_URL');
    expect(ephemeral).not.toContain('Set SLUICE_PUBLIC_URL');
    // SLUICE_PUBLIC_URL is the address people use (a proxy's): shown as set, whatever the port bound.
    const proxied = startBanner(loadConfig({ PORT: '0', SLUICE_PUBLIC_URL: 'https://cdp.example.com' }), 'http://127.0.0.1:4003', boot);
    expect(proxied).toContain('Console and admin API: https://cdp.example.com  (API');
  });
});

describe('the first start\'s credentials', () => {
  const first = { firstStart: true, generatedToken: 'sl_owner', setupToken: 'setup123', defaultWriteKey: 'wk_123', workspaceId: 'ws_default' } as Parameters<typeof firstStartCredentials>[1];

  it('gives the setup link at this process\'s address when it serves the console', () => {
    const text = firstStartCredentials(loadConfig({ PORT: '4000' }), first);
    expect(text).toContain('Console setup (one-time link, valid 7 days): http://127.0.0.1:4000/setup?token=setup123');
    expect(text).toContain('curl -X POST http://127.0.0.1:4000/api/v1/auth/setup');
  });

  it('does not send the owner to a process without the api role, which has no console', () => {
    // The first process of a split deployment may be an ingest one: its own address answers 404 to /setup.
    const text = firstStartCredentials(loadConfig({ PORT: '4001', SLUICE_ROLES: 'ingest' }), first);
    expect(text).not.toContain('http://127.0.0.1:4001/setup');
    expect(text).not.toContain('http://127.0.0.1:4001/api/v1/auth/setup');
    expect(text).toContain('/setup?token=setup123 on a process with the api role');
    expect(text).toContain('Owner API token (shown once, store it now): sl_owner');
  });

  it('with PORT=0 gives no link at port 0 (the port is chosen when the server listens; the banner below names it)', () => {
    const text = firstStartCredentials(loadConfig({ PORT: '0' }), first);
    expect(text).not.toContain(':0/');
    expect(text).toContain('Console setup (one-time link, valid 7 days): /setup?token=setup123 at the console address printed below');
    expect(text).toContain('curl -X POST <the console address printed below>/api/v1/auth/setup');
  });

  it('uses SLUICE_PUBLIC_URL (the load balancer in front of the api processes) when it is set', () => {
    const text = firstStartCredentials(loadConfig({ PORT: '4001', SLUICE_ROLES: 'ingest', SLUICE_PUBLIC_URL: 'https://cdp.example.com' }), first);
    expect(text).toContain('Console setup (one-time link, valid 7 days): https://cdp.example.com/setup?token=setup123');
  });
});
