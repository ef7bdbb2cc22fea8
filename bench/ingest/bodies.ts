/** A realistic e-commerce track event of about 440 bytes (no messageId: the server assigns one, so none dedupe). */
export function trackEvent(i: number): Record<string, unknown> {
  return {
    type: 'track',
    userId: `user-${100000 + (i % 50000)}`,
    anonymousId: '5f0c9a2e-7b1d-4c3e-9f8a-2d6b1e4c7a90',
    event: 'Product Added',
    properties: {
      product_id: '507f1f77bcf86cd799439011',
      sku: 'G-32',
      category: 'Games',
      name: 'Monopoly: 3rd Edition',
      brand: 'Hasbro',
      variant: '200 pieces',
      price: 18.99,
      quantity: 1,
      coupon: 'MAYDEALS',
      position: 3,
      url: 'https://www.example.com/product/path',
    },
    context: { locale: 'en-US' },
    timestamp: '2026-11-30T10:00:00.000Z',
  };
}

export const BATCH_EVENTS = 100;

export function batchBody(): string {
  return JSON.stringify({ batch: Array.from({ length: BATCH_EVENTS }, (_, i) => trackEvent(i)) });
}

export function trackBody(): string {
  return JSON.stringify(trackEvent(1));
}
