import { BANNER_LANGUAGES, type BannerLanguage } from '../../../src/core/consent/banner-texts.js';

/** A category's name and description in one language, as the form holds it (empty strings while being typed). */
export interface TranslationDraft {
  name: string;
  description?: string;
}

export type Translations = Partial<Record<string, TranslationDraft>>;

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language' });

/** "German" for `de`: how the form names a language the banner speaks. */
export function languageName(language: string): string {
  return LANGUAGE_NAMES.of(language) ?? language;
}

/** The field id of a translation's name input: where a problem with it sends the focus. */
export const translationFieldId = (index: number, language: BannerLanguage) => `category-${index}-translation-${language}`;

/** What is wrong with a category's translations, said as the table says it ("Category 5, German: ..."). */
export function translationProblems(row: string, translations: Translations | undefined): { language: BannerLanguage; message: string }[] {
  const problems: { language: BannerLanguage; message: string }[] = [];
  for (const language of BANNER_LANGUAGES) {
    const t = translations?.[language];
    if (!t) continue;
    const name = t.name.trim();
    const description = (t.description ?? '').trim();
    const where = `${row}, ${languageName(language)}`;
    if (name === '' && description !== '') problems.push({ language, message: `${where}: enter the name too (the banner shows a translated description under a translated name), or clear the description.` });
    if (name.length > 200) problems.push({ language, message: `${where}: the name is ${name.length} characters; at most 200.` });
    if (description.length > 2000) problems.push({ language, message: `${where}: the description is over 2,000 characters.` });
  }
  return problems;
}

/** The translations to save: trimmed, without the languages left empty. None: undefined. */
export function cleanTranslations(translations: Translations | undefined): Record<string, TranslationDraft> | undefined {
  const out: Record<string, TranslationDraft> = {};
  for (const [language, t] of Object.entries(translations ?? {})) {
    if (!t || t.name.trim() === '') continue;
    const description = (t.description ?? '').trim();
    out[language] = { name: t.name.trim(), ...(description !== '' && { description }) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

interface EditorProps {
  index: number;
  categoryName: string;
  translations: Translations | undefined;
  onChange: (translations: Translations) => void;
  invalidLanguages: ReadonlySet<BannerLanguage>;
}

/** One row under a category: its name and description in each language the banner speaks. */
export function CategoryTranslationsEditor({ index, categoryName, translations, onChange, invalidLanguages }: EditorProps) {
  const set = (language: BannerLanguage, patch: Partial<TranslationDraft>) => {
    const current = translations?.[language] ?? { name: '' };
    onChange({ ...translations, [language]: { ...current, ...patch } });
  };
  const label = categoryName.trim() || `Category ${index + 1}`;
  return (
    <fieldset className="translations" aria-label={`Translations of ${label}`}>
      <p className="muted">
        What the banner shows to visitors in each language. Leave a language empty to show the category as written above.
      </p>
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col">Language</th>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {BANNER_LANGUAGES.map((language) => {
            const t = translations?.[language];
            const invalid = invalidLanguages.has(language) ? { 'aria-invalid': true as const, 'aria-describedby': 'category-problems' } : {};
            return (
              <tr key={language}>
                <th scope="row">
                  {languageName(language)} <code>{language}</code>
                </th>
                <td>
                  <input
                    id={translationFieldId(index, language)}
                    aria-label={`Category ${index + 1} name in ${languageName(language)}`}
                    value={t?.name ?? ''}
                    onChange={(e) => set(language, { name: e.target.value })}
                    lang={language}
                    {...invalid}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Category ${index + 1} description in ${languageName(language)}`}
                    value={t?.description ?? ''}
                    onChange={(e) => set(language, { description: e.target.value })}
                    lang={language}
                    className="wide"
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
}
