/**
 * Google Analytics 4 Measurement Protocol limits. The collection endpoint answers 2xx to everything, even
 * events it then discards, so Sluice validates against these rules itself before sending.
 */
export const GA4_LIMITS = {
  eventsPerRequest: 25,
  nameLength: 40,
  paramsPerEvent: 25,
  paramValueLength: 100,
  userPropertyNameLength: 24,
  userPropertyValueLength: 36,
  userPropertiesPerRequest: 25,
} as const;

const RESERVED_EVENTS = new Set([
  'ad_activeview', 'ad_click', 'ad_exposure', 'ad_impression', 'ad_query', 'ad_reward', 'adunit_exposure', 'app_background', 'app_clear_data',
  'app_exception', 'app_remove', 'app_store_refund', 'app_store_subscription_cancel', 'app_store_subscription_convert', 'app_store_subscription_renew',
  'app_update', 'app_upgrade', 'dynamic_link_app_open', 'dynamic_link_app_update', 'dynamic_link_first_open', 'error', 'first_open', 'first_visit',
  'in_app_purchase', 'notification_dismiss', 'notification_foreground', 'notification_open', 'notification_receive', 'os_update', 'session_start',
  'session_start_with_rollout', 'user_engagement',
]);
const RESERVED_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];

/** Segment spec event names with a GA4 recommended event. */
export const RECOMMENDED_EVENTS: Readonly<Record<string, string>> = {
  'Products Searched': 'search',
  'Product List Viewed': 'view_item_list',
  'Product Clicked': 'select_item',
  'Product Viewed': 'view_item',
  'Product Added': 'add_to_cart',
  'Product Removed': 'remove_from_cart',
  'Cart Viewed': 'view_cart',
  'Checkout Started': 'begin_checkout',
  'Payment Info Entered': 'add_payment_info',
  'Order Completed': 'purchase',
  'Order Refunded': 'refund',
  'Promotion Viewed': 'view_promotion',
  'Promotion Clicked': 'select_promotion',
  'Product Added to Wishlist': 'add_to_wishlist',
  'Product Shared': 'share',
  'Signed Up': 'sign_up',
  'Logged In': 'login',
};

/** `Order Completed` -> `order_completed`: GA4 names allow letters, digits and underscores. */
export function toGa4Name(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** Why a GA4 event or parameter name would be discarded, or undefined when it is fine. */
export function nameProblem(name: string, kind: 'event' | 'parameter'): string | undefined {
  if (name.length === 0) return `the ${kind} name is empty`;
  if (name.length > GA4_LIMITS.nameLength) return `the ${kind} name "${name}" is over ${GA4_LIMITS.nameLength} characters`;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return `the ${kind} name "${name}" must start with a letter and hold only letters, digits and underscores`;
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return `the ${kind} name "${name}" uses a prefix GA4 reserves`;
  if (kind === 'event' && RESERVED_EVENTS.has(name)) return `"${name}" is an event name GA4 reserves`;
  return undefined;
}
