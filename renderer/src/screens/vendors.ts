/** Vendor names for preset ids, as the window shows them. */
const NAMES: Readonly<Record<string, string>> = {
  fivetran: 'Fivetran',
  holistics: 'Holistics',
  secoda: 'Secoda',
  'espresso-logic': 'Espresso Logic',
  querycanary: 'QueryCanary',
  generic: 'Other',
};

export function vendorName(id: string): string {
  return NAMES[id] ?? id;
}
