/**
 * The events the pipeline benchmarks send. `small` (the default): a track event of about 300 bytes once stored,
 * as the benchmarks always sent. `browser` (`BENCH_EVENTS=browser`, or `--browser`): what analytics.js sends
 * from a web page (context.page, userAgent, userAgentData, campaign, a product's properties): about 1 kB stored,
 * the size most of a website's events have.
 */
export type BenchEventSize = 'small' | 'browser';

export function benchEventSize(argv: readonly string[] = process.argv): BenchEventSize {
  const wanted = argv.includes('--browser') ? 'browser' : (process.env.BENCH_EVENTS ?? 'small');
  if (wanted !== 'small' && wanted !== 'browser') throw new Error(`BENCH_EVENTS=${wanted}: choose small or browser`);
  return wanted;
}

const BROWSER_CONTEXT = {
  library: { name: 'analytics.js', version: 'next-1.84.3' },
  locale: 'en-US',
  page: {
    path: '/product/monopoly-3rd-edition',
    referrer: 'https://www.google.com/',
    search: '?utm_source=google&utm_medium=cpc',
    title: 'Monopoly: 3rd Edition - Example Store',
    url: 'https://www.example.com/product/monopoly-3rd-edition?utm_source=google&utm_medium=cpc',
  },
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  userAgentData: { brands: [{ brand: 'Chromium', version: '131' }, { brand: 'Not_A Brand', version: '24' }], mobile: false, platform: 'macOS' },
  campaign: { source: 'google', medium: 'cpc', name: 'winter-sale' },
  timezone: 'Europe/Berlin',
};

/** Event `n` of a benchmark: from one of 500 users, with the given messageId. */
export function benchEvent(size: BenchEventSize, n: number, messageId: string): { messageId: string } & Record<string, unknown> {
  const userId = `user-${n % 500}`;
  if (size === 'small') return { type: 'track', userId, event: 'Bench', messageId, properties: { i: n, plan: 'pro' } };
  return {
    type: 'track',
    userId,
    anonymousId: '5f0c9a2e-7b1d-4c3e-9f8a-2d6b1e4c7a90',
    event: 'Product Added',
    messageId,
    properties: { i: n, product_id: '507f1f77bcf86cd799439011', sku: 'G-32', category: 'Games', name: 'Monopoly: 3rd Edition', brand: 'Hasbro', price: 18.99, quantity: 1, coupon: 'MAYDEALS' },
    context: BROWSER_CONTEXT,
    integrations: {},
  };
}
