/**
 * Segment's standard analytics.js snippet (v5.2.0) with only its CDN host changed to this Sluice, and the
 * analytics-node setup: what a newcomer copies from a source's page.
 */
export function analyticsJsSnippet(publicUrl: string, writeKey: string): string {
  const cdn = JSON.stringify(`${publicUrl}/analytics.js/v1/`);
  return `<script>
  !function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src=${cdn}+key+"/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey=${JSON.stringify(writeKey)};analytics.SNIPPET_VERSION="5.2.0";
  analytics.load(${JSON.stringify(writeKey)});
  analytics.page();
  }}();
</script>`;
}

/**
 * The consent banner tag, first in the page's <head>: before any script that calls `analytics` and before Segment's
 * snippet if the page keeps one. Not async, so that `window.analytics` exists for the scripts after it (docs/console.md).
 */
export function consentSnippet(publicUrl: string, writeKey: string): string {
  return `<!-- First in <head>, before any script that uses analytics (and before Segment's snippet, if the page keeps it). Not async. -->
<script src="${publicUrl}/consent.js?writeKey=${encodeURIComponent(writeKey)}"></script>
<!-- A link that re-opens the banner: -->
<a href="#" data-sluice-privacy-choices>Your privacy choices</a>`;
}

export function analyticsNodeSetup(publicUrl: string, writeKey: string): string {
  return `// npm install @segment/analytics-node
import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({
  writeKey: ${JSON.stringify(writeKey)},
  host: ${JSON.stringify(publicUrl)},
});

analytics.track({ userId: 'user-123', event: 'Order Completed', properties: { total: 42 } });
await analytics.closeAndFlush(); // before the process exits`;
}
