import type { BannerLanguage } from './banner-texts.js';

/**
 * A purpose a subject can consent to (CONTRACT.md "Consent semantics"). `required` categories are always
 * granted; `gpc` categories are denied by a Global Privacy Control signal.
 */
export interface ConsentCategory {
  id: string;
  name: string;
  description?: string;
  required?: boolean;
  gpc?: boolean;
  /** The name and description the banner shows in another language (keys: `BANNER_LANGUAGES`); `name`/`description` otherwise. */
  translations?: Readonly<Partial<Record<BannerLanguage, CategoryTranslation>>>;
}

/** A category's name and description in one language. */
export interface CategoryTranslation {
  name: string;
  description?: string;
}

/** `opt-in`: nothing optional is granted until chosen. `opt-out`: granted until refused. */
export type ConsentModel = 'opt-in' | 'opt-out';
export const CONSENT_MODELS: readonly ConsentModel[] = ['opt-in', 'opt-out'];

/** The categories of a workspace that never configured its own, in every language the banner speaks. */
export const DEFAULT_CONSENT_CATEGORIES: readonly ConsentCategory[] = Object.freeze([
  {
    id: 'necessary',
    name: 'Necessary',
    description: 'Needed for the service to work; always on.',
    required: true,
    translations: {
      de: { name: 'Notwendig', description: 'Für den Betrieb der Website erforderlich; immer aktiv.' },
      fr: { name: 'Nécessaires', description: 'Indispensables au fonctionnement du service ; toujours actifs.' },
      es: { name: 'Necesarias', description: 'Imprescindibles para que el servicio funcione; siempre activas.' },
      it: { name: 'Necessari', description: 'Indispensabili per il funzionamento del servizio; sempre attivi.' },
      nl: { name: 'Noodzakelijk', description: 'Nodig om de dienst te laten werken; altijd aan.' },
      pt: { name: 'Necessários', description: 'Indispensáveis para o funcionamento do serviço; sempre ativos.' },
    },
  },
  {
    id: 'functional',
    name: 'Functional',
    description: 'Remembers your choices and improves features.',
    translations: {
      de: { name: 'Funktional', description: 'Merkt sich Ihre Einstellungen und verbessert Funktionen.' },
      fr: { name: 'Fonctionnels', description: 'Mémorisent vos choix et améliorent les fonctionnalités.' },
      es: { name: 'Funcionales', description: 'Recuerdan sus preferencias y mejoran las funciones.' },
      it: { name: 'Funzionali', description: 'Ricordano le Sue scelte e migliorano le funzionalità.' },
      nl: { name: 'Functioneel', description: 'Onthoudt uw keuzes en verbetert functies.' },
      pt: { name: 'Funcionais', description: 'Memorizam as suas escolhas e melhoram as funcionalidades.' },
    },
  },
  {
    id: 'analytics',
    name: 'Analytics',
    description: 'Measures how the site is used, so it can be improved.',
    translations: {
      de: { name: 'Statistik', description: 'Misst, wie die Website genutzt wird, damit sie verbessert werden kann.' },
      fr: { name: "Mesure d'audience", description: "Mesure l'utilisation du site afin de l'améliorer." },
      es: { name: 'Analítica', description: 'Mide cómo se usa el sitio para poder mejorarlo.' },
      it: { name: 'Statistiche', description: 'Misurano come viene usato il sito, per migliorarlo.' },
      nl: { name: 'Analyse', description: 'Meet hoe de site wordt gebruikt, zodat die kan worden verbeterd.' },
      pt: { name: 'Análise', description: 'Mede a utilização do site para o poder melhorar.' },
    },
  },
  {
    id: 'advertising',
    name: 'Advertising',
    description: 'Targeted advertising, and sale or sharing of personal information.',
    gpc: true,
    translations: {
      de: { name: 'Werbung', description: 'Personalisierte Werbung sowie Verkauf oder Weitergabe personenbezogener Daten.' },
      fr: { name: 'Publicité', description: 'Publicité ciblée, et vente ou partage de données personnelles.' },
      es: { name: 'Publicidad', description: 'Publicidad personalizada, y venta o intercambio de datos personales.' },
      it: { name: 'Pubblicità', description: 'Pubblicità mirata, e vendita o condivisione di dati personali.' },
      nl: { name: 'Advertenties', description: 'Gerichte advertenties, en verkoop of delen van persoonsgegevens.' },
      pt: { name: 'Publicidade', description: 'Publicidade direcionada, e venda ou partilha de dados pessoais.' },
    },
  },
]);

/** A category as a person reads it in `language`: its translation there when it has one, else as written. */
export function categoryIn(category: ConsentCategory, language: BannerLanguage): CategoryTranslation {
  const translated = category.translations?.[language];
  if (translated) return translated;
  return { name: category.name, ...(category.description !== undefined && { description: category.description }) };
}

/**
 * Finds a category by id or name, case-insensitively (how `categoryPreferences` keys and destination
 * `consentCategories` entries are matched).
 */
export function findCategory(categories: readonly ConsentCategory[], key: string): ConsentCategory | undefined {
  const k = key.toLowerCase();
  let lookup = lookups.get(categories);
  if (!lookup || lookup.length !== categories.length || lookup.first !== categories[0]) {
    // Every event asks, so each list of categories is indexed once (first match wins, ids before names).
    lookup = { length: categories.length, first: categories[0], byId: new Map(), byName: new Map() };
    for (const c of categories) {
      if (!lookup.byId.has(c.id.toLowerCase())) lookup.byId.set(c.id.toLowerCase(), c);
      if (!lookup.byName.has(c.name.toLowerCase())) lookup.byName.set(c.name.toLowerCase(), c);
    }
    lookups.set(categories, lookup);
  }
  return lookup.byId.get(k) ?? lookup.byName.get(k);
}

const lookups = new WeakMap<readonly ConsentCategory[], { length: number; first: ConsentCategory | undefined; byId: Map<string, ConsentCategory>; byName: Map<string, ConsentCategory> }>();

/**
 * Maps a `{key: boolean}` preferences object onto category ids (keys match id or name case-insensitively);
 * keys matching no category and non-boolean values are ignored.
 */
export function normalizePreferences(categories: readonly ConsentCategory[], preferences: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (!preferences || typeof preferences !== 'object' || Array.isArray(preferences)) return out;
  for (const [key, value] of Object.entries(preferences as Record<string, unknown>)) {
    if (typeof value !== 'boolean') continue;
    const category = findCategory(categories, key);
    if (category) out[category.id] = value;
  }
  return out;
}
